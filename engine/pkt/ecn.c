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
 * ECN across the tunnel, RFC 6040 normal mode, and the inner TOS and
 * TTL the encapsulation path may copy outward.  The inner packet is at
 * any alignment in the receive buffer, so bytes are touched one at a
 * time, and only after len has been checked.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

/*
 * Normal mode (RFC 6040 4.1): the outer field is a copy of the inner
 * one, CE included, so congestion marked before the tunnel stays
 * visible on the way through it.
 */
uint8_t
ecn_encap(uint8_t inner_ecn)
{
	return inner_ecn & ECN_MASK;
}

/*
 * The decapsulation table of RFC 6040 4.2: the ECN field the inner
 * header leaves with, or -1 for drop.  Only three cells change
 * anything: outer CE marks an ECN-capable inner CE (and must drop a
 * Not-ECT one, which cannot carry the mark), and outer ECT(1) turns an
 * inner ECT(0) into ECT(1).
 */
static int
ecn_table(uint8_t inner, uint8_t outer)
{
	switch (outer) {
	case ECN_CE:
		return inner == ECN_NOT_ECT ? -1 : ECN_CE;
	case ECN_ECT1:
		return inner == ECN_ECT0 ? ECN_ECT1 : inner;
	default:
		return inner;
	}
}

/*
 * IPv4: the ECN field is the low 2 bits of the TOS byte.  The header
 * checksum is patched incrementally (RFC 1624 eqn. 3) over the 16-bit
 * word holding version/IHL and TOS, the way the kernel's
 * IP_ECN_set_ce() does it: a header that arrived with a bad checksum
 * keeps a bad one, and options need not be read.
 */
static enum drop_reason
ecn_decap4(uint8_t *p, size_t len, uint8_t outer)
{
	uint32_t	 sum;
	uint16_t	 old, new, hc;
	int		 ecn;

	if (len < IPV4_HDR_LEN)
		return DROP_NET_SHORT;
	ecn = ecn_table(p[1] & ECN_MASK, outer);
	if (ecn < 0)
		return DROP_NET_ECN;
	if (ecn == (p[1] & ECN_MASK))
		return DROP_NONE;

	old = (uint16_t)(p[0] << 8 | p[1]);
	p[1] = (uint8_t)((p[1] & ~ECN_MASK) | ecn);
	new = (uint16_t)(p[0] << 8 | p[1]);
	hc = (uint16_t)(p[offsetof(struct ip, ip_sum)] << 8 |
	    p[offsetof(struct ip, ip_sum) + 1]);
	/* HC' = ~(~HC + ~m + m') */
	sum = (uint16_t)~hc + (uint32_t)(uint16_t)~old + new;
	hc = cksum_fold(sum);
	p[offsetof(struct ip, ip_sum)] = (uint8_t)(hc >> 8);
	p[offsetof(struct ip, ip_sum) + 1] = (uint8_t)hc;
	return DROP_NONE;
}

/*
 * IPv6: the traffic class spans the low nibble of byte 0 and the high
 * nibble of byte 1, so ECN is bits 4-5 of byte 1.  No checksum.
 */
static enum drop_reason
ecn_decap6(uint8_t *p, size_t len, uint8_t outer)
{
	int	 ecn;

	if (len < IPV6_HDR_LEN)
		return DROP_NET_SHORT;
	ecn = ecn_table(p[1] >> 4 & ECN_MASK, outer);
	if (ecn < 0)
		return DROP_NET_ECN;
	p[1] = (uint8_t)((p[1] & ~(ECN_MASK << 4)) | ecn << 4);
	return DROP_NONE;
}

/*
 * A header too short to hold its ECN field is refused (DROP_NET_SHORT);
 * decap has already checked the inner header, so that is a caller bug
 * caught, not a packet lost.  The inner version is taken from its first
 * nibble, so a non-IP inner must not be passed (an MPLS label stack
 * entry may start with 4 or 6): ecn_decap_inner sorts that out.
 */
enum drop_reason
ecn_decap(uint8_t *inner, size_t len, uint8_t outer_ecn)
{
	outer_ecn &= ECN_MASK;
	if (len == 0)
		return DROP_NET_SHORT;
	switch (inner[0] >> 4) {
	case 4:
		return ecn_decap4(inner, len, outer_ecn);
	case 6:
		return ecn_decap6(inner, len, outer_ecn);
	default:
		return DROP_NONE;
	}
}

/*
 * The whole fixed header must be there, so a truncated packet never
 * gets a TOS or TTL read out of what follows it; 0 otherwise.
 */
uint8_t
inner_tos(const uint8_t *inner, size_t len)
{
	if (len >= IPV4_HDR_LEN && inner[0] >> 4 == 4)
		return inner[offsetof(struct ip, ip_tos)];
	if (len >= IPV6_HDR_LEN && inner[0] >> 4 == 6)
		return (uint8_t)((inner[0] & 0x0f) << 4 | inner[1] >> 4);
	return 0;
}

uint8_t
inner_ttl(const uint8_t *inner, size_t len)
{
	if (len >= IPV4_HDR_LEN && inner[0] >> 4 == 4)
		return inner[offsetof(struct ip, ip_ttl)];
	if (len >= IPV6_HDR_LEN && inner[0] >> 4 == 6)
		return inner[offsetof(struct ip6_hdr, ip6_hlim)];
	return 0;
}

/*
 * The receive path's step: an MPLS inner has no ECN field to apply the
 * table to and passes unchanged; IP goes through ecn_decap.
 */
enum drop_reason
ecn_decap_inner(uint8_t *pkt, const struct decap_result *res,
    uint8_t outer_tos)
{
	if (res->pi_proto == ETH_P_MPLS_UC)
		return DROP_NONE;
	return ecn_decap(pkt + res->off, res->len, outer_tos & ECN_MASK);
}
