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
 * Outer headers for encapsulation: IPv4 (RFC 2003, RFC 4213) and IPv6
 * (RFC 2473), laid out as Linux ipip/sit/ip6tnl send them.  hdr sits
 * right in front of the inner packet in the send buffer and may be at
 * any alignment, so every field is stored a byte at a time.
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

size_t
encap_ipv4(uint8_t *hdr, const struct encap_params *params, size_t inner_len,
    uint8_t ipproto)
{
	if (params->src.af != AF_INET || params->dst.af != AF_INET)
		return 0;
	if (inner_len > IP_MAXPACKET - IPV4_HDR_LEN)
		return 0;

	hdr[0] = 4 << 4 | IPV4_HDR_LEN >> 2;	/* version, IHL */
	/* TOS with the ECN field the caller chose (RFC 6040). */
	hdr[offsetof(struct ip, ip_tos)] = params->tos;
	pkt_put16(hdr + offsetof(struct ip, ip_len),
	    (uint16_t)(IPV4_HDR_LEN + inner_len));
	pkt_put16(hdr + offsetof(struct ip, ip_id), params->ip_id);
	pkt_put16(hdr + offsetof(struct ip, ip_off), params->df ? IP_DF : 0);
	hdr[offsetof(struct ip, ip_ttl)] = params->ttl;
	hdr[offsetof(struct ip, ip_p)] = ipproto;
	memcpy(hdr + offsetof(struct ip, ip_src), &params->src.u.v4, 4);
	memcpy(hdr + offsetof(struct ip, ip_dst), &params->dst.u.v4, 4);

	/* The checksum is computed with its own field zero. */
	pkt_put16(hdr + offsetof(struct ip, ip_sum), 0);
	pkt_put16(hdr + offsetof(struct ip, ip_sum), ip_cksum(hdr, IPV4_HDR_LEN));
	return IPV4_HDR_LEN;
}

size_t
encap_ipv6(uint8_t *hdr, const struct encap_params *params, size_t inner_len,
    uint8_t ipproto)
{
	if (params->src.af != AF_INET6 || params->dst.af != AF_INET6)
		return 0;
	/* No jumbograms (RFC 2675): the payload length field must hold it. */
	if (inner_len > IP_MAXPACKET)
		return 0;

	/* Version 6, traffic class (ECN included), 20-bit flow label. */
	hdr[0] = (uint8_t)(6 << 4 | params->tos >> 4);
	hdr[1] = (uint8_t)((params->tos & 0x0f) << 4 |
	    ((params->flowlabel >> 16) & 0x0f));
	hdr[2] = (uint8_t)(params->flowlabel >> 8);
	hdr[3] = (uint8_t)params->flowlabel;
	pkt_put16(hdr + offsetof(struct ip6_hdr, ip6_plen), (uint16_t)inner_len);
	hdr[offsetof(struct ip6_hdr, ip6_nxt)] = ipproto;
	hdr[offsetof(struct ip6_hdr, ip6_hlim)] = params->ttl;
	memcpy(hdr + offsetof(struct ip6_hdr, ip6_src), &params->src.u.v6, 16);
	memcpy(hdr + offsetof(struct ip6_hdr, ip6_dst), &params->dst.u.v6, 16);
	return IPV6_HDR_LEN;
}
