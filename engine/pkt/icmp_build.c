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
 * ICMP and ICMPv6 errors about inner packets the engine cannot forward
 * (too big, TTL or hop limit expired, encapsulation limit reached),
 * written back into the TUN device as if a router on the path had sent
 * them.  The rules on when an error may be sent at all (RFC 1122
 * 3.2.2, RFC 1812 4.3.2.7, RFC 4443 2.4) keep the daemon from
 * answering errors with errors or amplifying broadcasts.  orig is an
 * untrusted inner packet: every byte read is checked against origlen.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"

#define ICMP_HDR_LEN		8	/* type, code, checksum, 4 bytes */
#define ICMP4_ERR_MAX		576	/* RFC 1812 4.3.2.3 */
#define ICMP6_ERR_MAX		IPV6_MIN_MTU	/* RFC 4443 2.4 (c) */
#define ICMP_ERR_TOS		0xc0	/* internetwork control, as Linux */
#define ICMP_ERR_TTL		64

static size_t
min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Only these ICMP types are queries or replies; like Linux (icmp_send),
 * every other type, unknown ones included, counts as an error and is
 * never answered.
 */
static int
icmp4_is_info(uint8_t type)
{
	switch (type) {
	case ICMP_ECHOREPLY:
	case ICMP_ECHO:
	case ICMP_TSTAMP:
	case ICMP_TSTAMPREPLY:
	case ICMP_IREQ:
	case ICMP_IREQREPLY:
	case ICMP_MASKREQ:
	case ICMP_MASKREPLY:
		return 1;
	default:
		return 0;
	}
}

/*
 * RFC 1122 3.2.2 and RFC 1812 4.3.2.7.  The source checks cover every
 * address no reply can go to: 0.0.0.0, loopback, and all of 224/4 and
 * 240/4 (multicast, class E and limited broadcast).  A subnet-directed
 * broadcast cannot be recognised here; the kernel routing the error
 * back has that knowledge.
 */
int
icmp4_may_answer(const uint8_t *orig, size_t origlen)
{
	const uint8_t	*src, *dst;
	size_t		 hlen;
	uint16_t	 off;

	if (origlen < IPV4_HDR_LEN || orig[0] >> 4 != 4)
		return 0;
	hlen = (size_t)(orig[0] & 0x0f) << 2;
	if (hlen < IPV4_HDR_LEN)
		return 0;
	off = (uint16_t)(orig[offsetof(struct ip, ip_off)] << 8 |
	    orig[offsetof(struct ip, ip_off) + 1]);
	if (off & IP_OFFMASK)
		return 0;

	src = orig + offsetof(struct ip, ip_src);
	if (src[0] == 127 || src[0] >= 224)
		return 0;
	if (src[0] == 0 && src[1] == 0 && src[2] == 0 && src[3] == 0)
		return 0;
	dst = orig + offsetof(struct ip, ip_dst);
	if ((dst[0] & 0xf0) == 224)
		return 0;
	if (dst[0] == 255 && dst[1] == 255 && dst[2] == 255 && dst[3] == 255)
		return 0;

	/* A first fragment (offset 0, checked above) shows the ICMP type. */
	if (orig[offsetof(struct ip, ip_p)] == IPPROTO_ICMP && hlen < origlen &&
	    !icmp4_is_info(orig[hlen]))
		return 0;
	return 1;
}

/*
 * Skip the extension headers RFC 8200 puts before the upper layer
 * (Hop-by-Hop, Routing, Destination Options, and the Fragment header of
 * a first fragment), so an ICMPv6 error behind them is still seen.
 * Return the offset of the upper-layer header and set *nh to its
 * protocol, or 0 if the chain runs past origlen or is a non-first
 * fragment: then the type cannot be known and the packet is treated as
 * not an error, as Linux does (is_ineligible() in net/ipv6/icmp.c).
 * Every header is at least 8 bytes, so the walk ends.  AH and ESP are
 * not walked: whatever they carry counts as not an ICMPv6 error.
 */
static size_t
icmp6_upper(const uint8_t *orig, size_t origlen, uint8_t *nh)
{
	size_t	 off = IPV6_HDR_LEN, hl;
	uint8_t	 next = orig[offsetof(struct ip6_hdr, ip6_nxt)];

	for (;;) {
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (origlen - off < 2)
				return 0;
			hl = ((size_t)orig[off + 1] + 1) * 8;
			break;
		case IPPROTO_FRAGMENT:
			if (origlen - off < IPV6_FRAG_HDR_LEN)
				return 0;
			/* Offset in the top 13 bits of bytes 2-3. */
			if ((orig[off + 2] << 8 | orig[off + 3]) & ~7)
				return 0;
			hl = IPV6_FRAG_HDR_LEN;
			break;
		default:
			*nh = next;
			return off;
		}
		if (origlen - off < hl)
			return 0;
		next = orig[off];
		off += hl;
	}
}

/*
 * RFC 4443 2.4 (e).  Multicast destinations may only be told that a
 * packet was too big (PTB drives path MTU discovery for multicast);
 * the RFC's other exception, Parameter Problem code 2, is never sent
 * by the engine and is not allowed here.
 */
int
icmp6_may_answer(const uint8_t *orig, size_t origlen, uint8_t type)
{
	static const uint8_t	 zero[15];
	const uint8_t		*src, *dst;
	size_t			 up;
	uint8_t			 nh;

	if (origlen < IPV6_HDR_LEN || orig[0] >> 4 != 6)
		return 0;

	src = orig + offsetof(struct ip6_hdr, ip6_src);
	if (src[0] == 0xff)
		return 0;
	/* :: and ::1 */
	if (memcmp(src, zero, 15) == 0 && (src[15] == 0 || src[15] == 1))
		return 0;
	dst = orig + offsetof(struct ip6_hdr, ip6_dst);
	if (dst[0] == 0xff && type != ICMP6_PACKET_TOO_BIG)
		return 0;

	/*
	 * Informational messages have the high bit of the type set.  An
	 * ICMPv6 header cut off before its type byte is not answered
	 * either, as Linux does.
	 */
	up = icmp6_upper(orig, origlen, &nh);
	if (up != 0 && nh == IPPROTO_ICMPV6 &&
	    (up >= origlen || orig[up] < ICMP6_INFOMSG_MASK))
		return 0;
	return 1;
}

size_t
icmp4_error(uint8_t *out, size_t outsz, const uint8_t *orig, size_t origlen,
    uint8_t type, uint8_t code, uint32_t info, const struct tun_addr *src)
{
	uint8_t	*icmp;
	size_t	 quote, need, tot;

	if (src->af != AF_INET || !icmp4_may_answer(orig, origlen))
		return 0;
	/* At least what RFC 792 asks for: the header and 64 data bits. */
	need = min(origlen, (size_t)(orig[0] & 0x0f) * 4 + 8);
	if (outsz < IPV4_HDR_LEN + ICMP_HDR_LEN + need)
		return 0;
	quote = min(origlen, min(outsz, ICMP4_ERR_MAX) - IPV4_HDR_LEN -
	    ICMP_HDR_LEN);
	tot = IPV4_HDR_LEN + ICMP_HDR_LEN + quote;

	out[0] = 4 << 4 | IPV4_HDR_LEN >> 2;
	out[offsetof(struct ip, ip_tos)] = ICMP_ERR_TOS;
	pkt_put16(out + offsetof(struct ip, ip_len), (uint16_t)tot);
	pkt_put16(out + offsetof(struct ip, ip_id), 0);
	pkt_put16(out + offsetof(struct ip, ip_off), 0);
	out[offsetof(struct ip, ip_ttl)] = ICMP_ERR_TTL;
	out[offsetof(struct ip, ip_p)] = IPPROTO_ICMP;
	memcpy(out + offsetof(struct ip, ip_src), &src->u.v4, 4);
	memcpy(out + offsetof(struct ip, ip_dst),
	    orig + offsetof(struct ip, ip_src), 4);
	pkt_put16(out + offsetof(struct ip, ip_sum), 0);
	pkt_put16(out + offsetof(struct ip, ip_sum), ip_cksum(out, IPV4_HDR_LEN));

	icmp = out + IPV4_HDR_LEN;
	icmp[0] = type;
	icmp[1] = code;
	pkt_put16(icmp + 2, 0);
	pkt_put32(icmp + 4, 0);
	if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG)
		pkt_put16(icmp + 6, (uint16_t)info);	/* RFC 1191 */
	else if (type == ICMP_PARAMPROB)
		icmp[4] = (uint8_t)info;
	memcpy(icmp + ICMP_HDR_LEN, orig, quote);
	pkt_put16(icmp + 2, ip_cksum(icmp, ICMP_HDR_LEN + quote));
	return tot;
}

size_t
icmp6_error(uint8_t *out, size_t outsz, const uint8_t *orig, size_t origlen,
    uint8_t type, uint8_t code, uint32_t info, const struct tun_addr *src)
{
	uint8_t		*icmp, pseudo[8];
	size_t		 quote, need, plen;
	uint32_t	 sum;

	if (src->af != AF_INET6 || !icmp6_may_answer(orig, origlen, type))
		return 0;
	need = min(origlen, IPV6_HDR_LEN + 8);
	if (outsz < IPV6_HDR_LEN + ICMP_HDR_LEN + need)
		return 0;
	quote = min(origlen, min(outsz, ICMP6_ERR_MAX) - IPV6_HDR_LEN -
	    ICMP_HDR_LEN);
	plen = ICMP_HDR_LEN + quote;

	out[0] = 6 << 4;
	out[1] = 0;
	out[2] = 0;
	out[3] = 0;
	pkt_put16(out + offsetof(struct ip6_hdr, ip6_plen), (uint16_t)plen);
	out[offsetof(struct ip6_hdr, ip6_nxt)] = IPPROTO_ICMPV6;
	out[offsetof(struct ip6_hdr, ip6_hlim)] = ICMP_ERR_TTL;
	memcpy(out + offsetof(struct ip6_hdr, ip6_src), &src->u.v6, 16);
	memcpy(out + offsetof(struct ip6_hdr, ip6_dst),
	    orig + offsetof(struct ip6_hdr, ip6_src), 16);

	icmp = out + IPV6_HDR_LEN;
	icmp[0] = type;
	icmp[1] = code;
	pkt_put16(icmp + 2, 0);
	if (type == ICMP6_PACKET_TOO_BIG || type == ICMP6_PARAM_PROB)
		pkt_put32(icmp + 4, info);
	else
		pkt_put32(icmp + 4, 0);
	memcpy(icmp + ICMP_HDR_LEN, orig, quote);

	/* Pseudo-header (RFC 8200 8.1): addresses, length, next header. */
	pkt_put32(pseudo, (uint32_t)plen);
	pseudo[4] = pseudo[5] = pseudo[6] = 0;
	pseudo[7] = IPPROTO_ICMPV6;
	sum = cksum_partial(0, out + offsetof(struct ip6_hdr, ip6_src), 32);
	sum = cksum_partial(sum, pseudo, sizeof(pseudo));
	sum = cksum_partial(sum, icmp, plen);
	pkt_put16(icmp + 2, cksum_fold(sum));
	return IPV6_HDR_LEN + plen;
}
