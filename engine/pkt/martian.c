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
 * Inner source addresses a decapsulated packet must never carry (RFC
 * 4213 3.6, RFC 6169): a tunnel must not become a way to inject
 * packets that look local, or that claim a source no reply can reach.
 * The caller guarantees a whole IPv4 or IPv6 header at inner.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"

/*
 * 0.0.0.0 itself, loopback 127/8, multicast 224/4 and the limited
 * broadcast.  The rest of 0/8 and class E (240/4) pass: both are
 * reserved, not unreachable, and Linux accepts class E addresses.
 */
int
martian_src4(const uint8_t *inner)
{
	const uint8_t	*s = inner + offsetof(struct ip, ip_src);

	if (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0)
		return 1;
	if (s[0] == 127)
		return 1;
	if ((s[0] & 0xf0) == 224)
		return 1;
	if (s[0] == 255 && s[1] == 255 && s[2] == 255 && s[3] == 255)
		return 1;
	return 0;
}

/*
 * Multicast ff00::/8, and all of ::/96: the unspecified address,
 * loopback and the deprecated IPv4-compatible ::a.b.c.d (RFC 4291
 * 2.5.5.1), which a 6in4 tunnel would otherwise map onto IPv4 sources
 * it does not check.  IPv4-mapped ::ffff:0:0/96 never appears on the
 * wire (RFC 4291 2.5.5.2) and is refused for the same reason.
 */
int
martian_src6(const uint8_t *inner)
{
	static const uint8_t	 zero[12];
	static const uint8_t	 mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const uint8_t		*s = inner + offsetof(struct ip6_hdr, ip6_src);

	if (s[0] == 0xff)
		return 1;
	if (memcmp(s, zero, sizeof(zero)) == 0)
		return 1;
	if (memcmp(s, mapped, sizeof(mapped)) == 0)
		return 1;
	return 0;
}
