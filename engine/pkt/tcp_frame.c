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
 * The stream framer: IP packets sent back to back on a TCP stream, as
 * the seed's programs send them, with no length of their own.  Each is
 * framed by its header: IPv6 by the payload length (+ 40), IPv4 (only
 * between two ipipd, allow_v4) by the total length.  What cannot be
 * framed (a version other than 6 or 4, an IPv4 length below its header,
 * an IPv6 jumbogram, whose length is in an option) is TCP_BAD: the
 * stream has lost its packet boundaries for good.
 */

#include <stdio.h>

#include "tcp_proto.h"

/*
 * The packet at the start of p[0..len): TCP_OK with *pktlen its length,
 * TCP_MORE when more bytes are needed (*pktlen the length once known,
 * else 0), or TCP_BAD with the reason in why.
 */
enum tcp_result
tcp_frame_next(const uint8_t *p, size_t len, int allow_v4, size_t *pktlen,
    char *why, size_t whylen)
{
	size_t	 hl, tot;

	*pktlen = 0;
	if (len == 0)
		return TCP_MORE;
	switch (p[0] >> 4) {
	case 6:
		if (len < 40)
			return TCP_MORE;
		tot = 40 + ((size_t)p[4] << 8 | p[5]);
		/* Payload length 0 with a Hop-by-Hop header: RFC 2675. */
		if (tot == 40 && p[6] == 0) {
			snprintf(why, whylen, "an IPv6 jumbogram");
			return TCP_BAD;
		}
		break;
	case 4:
		if (!allow_v4) {
			snprintf(why, whylen, "an IPv4 packet where only IPv6 "
			    "is carried");
			return TCP_BAD;
		}
		if (len < 20)
			return TCP_MORE;
		hl = (size_t)(p[0] & 0x0f) * 4;
		tot = (size_t)p[2] << 8 | p[3];
		if (hl < 20 || tot < hl) {
			snprintf(why, whylen, "an IPv4 header of %zu bytes "
			    "and total length %zu", hl, tot);
			return TCP_BAD;
		}
		break;
	default:
		snprintf(why, whylen, "IP version %u (first byte 0x%02x)",
		    p[0] >> 4, p[0]);
		return TCP_BAD;
	}
	*pktlen = tot;
	return len < tot ? TCP_MORE : TCP_OK;
}
