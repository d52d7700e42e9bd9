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
 * The Tunnel Encapsulation Limit option of RFC 2473 section 4.1.1: how
 * many more times a packet may be tunnelled.  The engine reads it from
 * inner IPv6 packets before encapsulating them again and writes its own
 * into the outer packets, byte for byte as Linux ip6_tnl does.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip6.h>

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define OPT_PAD1		0
#define OPT_PADN		1
#define OPT_TNL_ENCAP_LIMIT	4	/* RFC 2473 4.1.1 */

/*
 * Look for the option in the TLVs of one Destination Options header of
 * hl bytes at p (the 2-byte next header/length prefix included).
 * Return 1 and set *pos to the value byte's offset within the header,
 * 0 if absent, -1 if an option runs past the header or the limit
 * option does not have the length 1 RFC 2473 gives it.  Linux skips
 * such an option; refusing it is the safer reading of a malformed
 * header.
 */
static int
find_tlv(const uint8_t *p, size_t hl, size_t *pos)
{
	size_t	 i = 2, olen;

	while (i < hl) {
		if (p[i] == OPT_PAD1) {
			i++;
			continue;
		}
		if (hl - i < 2)
			return -1;
		olen = p[i + 1];
		if (hl - i - 2 < olen)
			return -1;
		if (p[i] == OPT_TNL_ENCAP_LIMIT) {
			if (olen != 1)
				return -1;
			*pos = i + 2;
			return 1;
		}
		i += 2 + olen;
	}
	return 0;
}

/*
 * Walk the headers in order, as the kernel's ip6_tnl_parse_tlv_enc_lim()
 * does, but only through Hop-by-Hop and Destination Options: RFC 2473
 * puts the option in a Destination Options header in front of the
 * tunnelled packet, and after Hop-by-Hop options that is the only place
 * it can be.  Anything else (a Routing or Fragment header, an upper
 * layer) ends the search.  Every length is checked against len; a
 * header that does not fit is malformed (-1), where the kernel just
 * stops looking.
 */
int
encaplimit_find(const uint8_t *inner, size_t len, uint8_t *limit,
    size_t *offset)
{
	size_t	 off = IPV6_HDR_LEN, hl, pos;
	uint8_t	 nh;
	int	 r;

	if (len < IPV6_HDR_LEN || inner[0] >> 4 != 6)
		return -1;
	nh = inner[offsetof(struct ip6_hdr, ip6_nxt)];
	while (nh == IPPROTO_HOPOPTS || nh == IPPROTO_DSTOPTS) {
		if (len - off < 2)
			return -1;
		hl = ((size_t)inner[off + 1] + 1) * 8;
		if (len - off < hl)
			return -1;
		if (nh == IPPROTO_DSTOPTS) {
			if ((r = find_tlv(inner + off, hl, &pos)) != 0) {
				if (r < 0)
					return -1;
				*limit = inner[off + pos];
				*offset = off + pos;
				return 1;
			}
		}
		nh = inner[off];
		off += hl;
	}
	return 0;
}

/*
 * Linux's init_tel_txopt() layout: the option, then a one-byte PadN
 * (type 1, length 1, one zero byte) to round the header to 8 bytes.
 */
void
encaplimit_write(uint8_t *p, uint8_t nexthdr, uint8_t limit)
{
	p[0] = nexthdr;
	p[1] = 0;		/* (0 + 1) * 8 bytes */
	p[2] = OPT_TNL_ENCAP_LIMIT;
	p[3] = 1;
	p[4] = limit;
	p[5] = OPT_PADN;
	p[6] = 1;
	p[7] = 0;
}
