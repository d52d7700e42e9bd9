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
 * A loaded ipip, sit or ip6_tunnel module registers a handler for the
 * protocols ipipd carries.  The kernel then hands every tunnel packet to
 * that handler as well as to our raw sockets, and with no matching kernel
 * tunnel the handler answers the peer with ICMP port unreachable: a
 * kernel peer may then report its tunnel as unreachable.  Say so once, at
 * start-up; ipipd itself keeps working.
 */
#include <stdio.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

void
warn_kernel_tunnels(void)
{
	static const char *const mods[] = { "ipip", "sit", "ip6_tunnel" };
	char	 path[64];
	size_t	 i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK) == 0)
			log_warnx("kernel module %s is loaded: the kernel may "
			    "answer this tunnel's packets with ICMP port "
			    "unreachable to the peer", mods[i]);
	}
}
