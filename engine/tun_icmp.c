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
 * ICMP errors the engine writes into the TUN device, towards the
 * sender of an inner packet it could not forward.  Rate-limited, and
 * never about packets an error may not answer (RFC 1122, RFC 4443).
 * The error's source is the inner packet's destination: the engine
 * knows no address of the TUN device, and hosts accept PMTU errors
 * from any source.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include <string.h>

#include "engine.h"

/* Big enough for the largest error either family builds. */
static uint8_t	 icmp_buf[TUN_PI_LEN + IPV6_MIN_MTU];

static int
icmp_allowed(struct engine *e)
{
	if (ratelimit_allow(&e->icmp_rl))
		return 1;
	e->stats.icmp_ratelimited++;
	return 0;
}

void
tun_icmp_v4(struct engine *e, const uint8_t *orig, size_t len,
    uint8_t type, uint8_t code, uint32_t info)
{
	struct tun_addr	 src;
	size_t		 n;

	if (len < IPV4_HDR_LEN || !icmp4_may_answer(orig, len) ||
	    !icmp_allowed(e))
		return;
	memset(&src, 0, sizeof(src));
	src.af = AF_INET;
	memcpy(&src.u.v4, orig + 16, sizeof(src.u.v4));
	n = icmp4_error(icmp_buf + TUN_PI_LEN, sizeof(icmp_buf) - TUN_PI_LEN,
	    orig, len, type, code, info, &src);
	if (n == 0)
		return;
	tun_write_inner(e, icmp_buf + TUN_PI_LEN, n, ETH_P_IP);
	e->stats.icmp_sent++;
}

void
tun_icmp_v6(struct engine *e, const uint8_t *orig, size_t len,
    uint8_t type, uint8_t code, uint32_t info)
{
	struct tun_addr	 src;
	size_t		 n;

	/* A multicast destination cannot be the error's source. */
	if (len < IPV6_HDR_LEN || orig[24] == 0xff ||
	    !icmp6_may_answer(orig, len, type) || !icmp_allowed(e))
		return;
	memset(&src, 0, sizeof(src));
	src.af = AF_INET6;
	memcpy(&src.u.v6, orig + 24, sizeof(src.u.v6));
	n = icmp6_error(icmp_buf + TUN_PI_LEN, sizeof(icmp_buf) - TUN_PI_LEN,
	    orig, len, type, code, info, &src);
	if (n == 0)
		return;
	tun_write_inner(e, icmp_buf + TUN_PI_LEN, n, ETH_P_IPV6);
	e->stats.icmp_sent++;
}
