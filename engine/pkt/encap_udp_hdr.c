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
 * What goes between the UDP header and the inner packet on the way
 * out, and the flow hash that picks an automatic source port.  Pure
 * functions over byte buffers.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "ipipd_msg.h"
#include "pkt.h"

size_t
encap_udp_hdr(uint8_t *hdr, uint8_t encap, uint8_t ipproto)
{
	if (encap != ENCAP_GUE)
		return 0;
	/* Variant 0, C 0, no optional fields, protocol, no flags. */
	hdr[0] = 0;
	hdr[1] = ipproto;
	hdr[2] = 0;
	hdr[3] = 0;
	return GUE_HDR_LEN;
}

/* FNV-1a: small, and good enough to spread flows over a few ports. */
static uint32_t
fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

static int
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_SCTP || proto == IPPROTO_DCCP ||
	    proto == IPPROTO_UDPLITE;
}

uint32_t
udp_flow_hash(const uint8_t *in, size_t len)
{
	uint32_t	 h = 2166136261u;
	size_t		 hl;

	if (len >= IPV4_HDR_LEN && in[0] >> 4 == 4) {
		hl = (size_t)(in[0] & 0x0f) << 2;
		h = fnv1a(h, in + 9, 1);		/* protocol */
		h = fnv1a(h, in + 12, 8);		/* addresses */
		/* Ports only in a first (or only) fragment. */
		if (has_ports(in[9]) && hl >= IPV4_HDR_LEN &&
		    len >= hl + 4 && ((in[6] & 0x1f) | in[7]) == 0)
			h = fnv1a(h, in + hl, 4);
		return h;
	}
	if (len >= IPV6_HDR_LEN && in[0] >> 4 == 6) {
		h = fnv1a(h, in + 6, 1);		/* next header */
		h = fnv1a(h, in + 8, 32);		/* addresses */
		if (has_ports(in[6]) && len >= IPV6_HDR_LEN + 4)
			h = fnv1a(h, in + IPV6_HDR_LEN, 4);
		return h;
	}
	return fnv1a(h, in, len < 4 ? len : 4);		/* MPLS label */
}
