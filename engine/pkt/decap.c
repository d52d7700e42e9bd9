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
 * Checks on outer packets read from the raw sockets, before the inner
 * packet is written to the TUN device.  Anything that reaches a raw
 * socket with protocol 4 or 41 is untrusted input from the network:
 * every length is checked against the bytes actually read.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <linux/if_ether.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ipipd_msg.h"
#include "pkt.h"

/*
 * Length of an IPv4 inner packet in avail bytes: the inner header's own
 * total length, so link-layer padding after it is dropped.
 */
static enum drop_reason
inner_len4(const uint8_t *p, size_t avail, size_t *len)
{
	size_t	 hlen, tot;

	if (avail == 0)
		return DROP_NET_SHORT;
	if (p[0] >> 4 != 4)
		return DROP_NET_VERSION;
	if (avail < IPV4_HDR_LEN)
		return DROP_NET_SHORT;
	hlen = (size_t)(p[0] & 0x0f) << 2;
	tot = pkt_get16(p + offsetof(struct ip, ip_len));
	if (hlen < IPV4_HDR_LEN || tot < hlen || tot > avail)
		return DROP_NET_INNER_HDR;
	*len = tot;
	return DROP_NONE;
}

static enum drop_reason
inner_len6(const uint8_t *p, size_t avail, size_t *len)
{
	size_t	 plen;

	if (avail == 0)
		return DROP_NET_SHORT;
	if (p[0] >> 4 != 6)
		return DROP_NET_VERSION;
	if (avail < IPV6_HDR_LEN)
		return DROP_NET_SHORT;
	/* Payload length 0 means a jumbogram (RFC 2675): never tunnelled. */
	plen = pkt_get16(p + offsetof(struct ip6_hdr, ip6_plen));
	if (plen == 0 || IPV6_HDR_LEN + plen > avail)
		return DROP_NET_INNER_HDR;
	*len = IPV6_HDR_LEN + plen;
	return DROP_NONE;
}

/*
 * What no tunnel may deliver (RFC 4213 3.6, RFC 6169): a martian inner
 * source, or a TTL / hop limit already at 0.  p holds a whole header.
 */
static enum drop_reason
inner_src_check(const uint8_t *p, uint8_t ipproto)
{
	switch (ipproto) {
	case IPPROTO_IPIP:
		if (martian_src4(p))
			return DROP_NET_MARTIAN;
		if (p[offsetof(struct ip, ip_ttl)] == 0)
			return DROP_NET_TTL;
		break;
	case IPPROTO_IPV6:
		if (martian_src6(p))
			return DROP_NET_MARTIAN;
		if (p[offsetof(struct ip6_hdr, ip6_hlim)] == 0)
			return DROP_NET_TTL;
		break;
	}
	return DROP_NONE;
}

/*
 * The inner packet at pkt + off, avail bytes long, carried as outer
 * protocol ipproto: shared by both outer families and UDP, so they
 * accept exactly the same inner packets.  res is only written on
 * success.
 */
enum drop_reason
decap_inner(const uint8_t *pkt, size_t off, size_t avail, uint8_t ipproto,
    uint8_t carry, struct decap_result *res)
{
	enum drop_reason	 r;
	size_t			 len = 0;
	uint16_t		 pi_proto;
	uint8_t			 need;

	switch (ipproto) {
	case IPPROTO_IPIP:
		r = inner_len4(pkt + off, avail, &len);
		pi_proto = ETH_P_IP;
		need = TUN_CARRY_V4;
		break;
	case IPPROTO_IPV6:
		r = inner_len6(pkt + off, avail, &len);
		pi_proto = ETH_P_IPV6;
		need = TUN_CARRY_V6;
		break;
	case IPPROTO_MPLS:
		r = avail < MPLS_LSE_LEN ? DROP_NET_SHORT : DROP_NONE;
		len = avail;
		pi_proto = ETH_P_MPLS_UC;
		need = TUN_CARRY_MPLS;
		break;
	default:
		return DROP_NET_PROTO;
	}
	if (r != DROP_NONE)
		return r;
	if ((carry & need) == 0)
		return DROP_NET_MODE;
	if ((r = inner_src_check(pkt + off, ipproto)) != DROP_NONE)
		return r;
	res->off = off;
	res->len = len;
	res->pi_proto = pi_proto;
	return DROP_NONE;
}

/*
 * The outer IPv4 header itself; on success *hlen is its length and
 * *tot the datagram's total length (at most len).
 */
static enum drop_reason
outer_check4(const uint8_t *pkt, size_t len, size_t *hlen, size_t *tot)
{
	uint16_t	 frag;

	if (len < IPV4_HDR_LEN)
		return DROP_NET_SHORT;
	if (pkt[0] >> 4 != 4)
		return DROP_NET_OUTER_HDR;
	*hlen = (size_t)(pkt[0] & 0x0f) << 2;
	*tot = pkt_get16(pkt + offsetof(struct ip, ip_len));
	if (*hlen < IPV4_HDR_LEN || *hlen > len || *tot < *hlen || *tot > len)
		return DROP_NET_OUTER_HDR;
	/* The kernel reassembles before raw delivery: a fragment is bogus. */
	frag = pkt_get16(pkt + offsetof(struct ip, ip_off));
	if (frag & (IP_MF | IP_OFFMASK))
		return DROP_NET_OUTER_HDR;
	return DROP_NONE;
}

enum drop_reason
decap_ipv4(const struct decap_state *st, const uint8_t *pkt, size_t len,
    struct decap_result *res)
{
	enum drop_reason	 r;
	size_t			 hlen, tot;

	if (st->local.af != AF_INET || st->remote.af != AF_INET)
		return DROP_NET_NOPEER;
	if ((r = outer_check4(pkt, len, &hlen, &tot)) != DROP_NONE)
		return r;
	if (memcmp(pkt + offsetof(struct ip, ip_src), &st->remote.u.v4,
	    sizeof(st->remote.u.v4)) != 0)
		return DROP_NET_SRC;
	if (memcmp(pkt + offsetof(struct ip, ip_dst), &st->local.u.v4,
	    sizeof(st->local.u.v4)) != 0)
		return DROP_NET_DST;
	/* Bytes after the outer total length are padding, not payload. */
	return decap_inner(pkt, hlen, tot - hlen,
	    pkt[offsetof(struct ip, ip_p)], st->carry, res);
}

enum drop_reason
decap_ipv6(const struct decap_state *st, const struct tun_addr *src,
    const struct tun_addr *dst, uint8_t ipproto, const uint8_t *pkt,
    size_t len, struct decap_result *res)
{
	if (st->local.af != AF_INET6 || st->remote.af != AF_INET6)
		return DROP_NET_NOPEER;
	if (!addr_eq(src, &st->remote))
		return DROP_NET_SRC;
	if (!addr_eq(dst, &st->local))
		return DROP_NET_DST;
	return decap_inner(pkt, 0, len, ipproto, st->carry, res);
}
