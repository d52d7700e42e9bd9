/*
 * Copyright (c) 2026 The ipipd developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * TUN offloads (issue 8), the parent's part: whether to open the TUN
 * device with IFF_VNET_HDR, and the TUNSETOFFLOAD ioctl the engine may
 * not make.  TSO/USO let the kernel hand over super-packets that the
 * engine segments; without them the engine still reads the header.
 */
#include <sys/ioctl.h>
#include <linux/if_tun.h>

#include <stdlib.h>
#include <string.h>

#include "priv.h"
#include "log.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#define TUN_F_USO6	0x40
#endif

/*
 * `offload on` (the default) unless IPIPD_OFFLOAD=off is in the
 * environment: that only turns offloads off, for running the test
 * suite both ways without editing every command line.
 */
int
priv_tun_want_offload(const struct ipipd_conf *c)
{
	const char	*s = getenv("IPIPD_OFFLOAD");

	if (s != NULL && strcmp(s, "off") == 0)
		return 0;
	/* The TCP transport reads and writes plain packets (priv_tcp.c). */
	if (c->encap == ENCAP_TCP)
		return 0;
	return (c->flags & CONF_OFFLOAD) != 0;
}

/* The most the kernel takes: with USO, without it, checksums only. */
void
priv_tun_set_offload(int fd, const char *name)
{
	static const unsigned int tries[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
		TUN_F_CSUM,
	};
	size_t	 i;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tries[i]) == 0) {
			log_debug("TUN device %s: offloads 0x%x", name,
			    tries[i]);
			return;
		}
	}
	log_warn("TUNSETOFFLOAD %s: running without TSO", name);
}
