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
 * GRO in software: consecutive in-order TCP segments of one flow,
 * decapsulated from one receive batch, become one super-packet written
 * to the TUN device with a virtio_net_hdr (TCP GSO, CHECKSUM_PARTIAL).
 * IP-in-IP has no integrity check of its own, so each segment's IP and
 * TCP checksums are verified before it may join, and the rules are the
 * kernel's (inet_gro_receive, tcp_gro_receive): anything that differs
 * in a header field other than lengths, IDs, sequence number, checksum
 * and PSH keeps segments apart.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "offload.h"
#include "pkt.h"

#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define IP_DF_BIT	0x40	/* in the byte at offset 6 */

static size_t
gro_iphlen(const uint8_t *pkt, size_t len)
{
	if (len >= IPV4_HDR_LEN && pkt[0] == 0x45 && pkt[9] == IPPROTO_TCP &&
	    pkt_get16(pkt + 2) == len && (pkt_get16(pkt + 6) & 0x3fff) == 0 &&
	    ip_cksum(pkt, IPV4_HDR_LEN) == 0)
		return IPV4_HDR_LEN;
	if (len >= IPV6_HDR_LEN && pkt[0] >> 4 == 6 &&
	    pkt[6] == IPPROTO_TCP && pkt_get16(pkt + 4) == len - IPV6_HDR_LEN)
		return IPV6_HDR_LEN;
	return 0;
}

int
gro_candidate(const uint8_t *pkt, size_t len, size_t *iphlen, size_t *hlen)
{
	const uint8_t	*th;
	size_t		 ih, doff;

	if ((ih = gro_iphlen(pkt, len)) == 0 || len - ih < 20)
		return 0;
	th = pkt + ih;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || len - ih <= doff)	/* no payload: not merged */
		return 0;
	if ((th[13] & ~TCP_PSH) != TCP_ACK)	/* SYN FIN RST URG ECE CWR */
		return 0;
	if (cksum_fold(csum_add(csum_pseudo(pkt, IPPROTO_TCP, len - ih), th,
	    len - ih)) != 0)
		return 0;
	*iphlen = ih;
	*hlen = ih + doff;
	return 1;
}

int
gro_same_flow(const struct gro_flow *f, const uint8_t *pkt)
{
	const uint8_t	*p = f->pkt;

	if (p[0] >> 4 != pkt[0] >> 4)
		return 0;
	if (f->iphlen == IPV4_HDR_LEN) {
		if (memcmp(p + 12, pkt + 12, 8) != 0)
			return 0;
	} else if (memcmp(p + 8, pkt + 8, 32) != 0)
		return 0;
	return memcmp(p + f->iphlen, pkt + f->iphlen, 4) == 0;
}

/* IP headers agree but for length, ID and checksum. */
static int
gro_ip_match(const struct gro_flow *f, const uint8_t *pkt)
{
	const uint8_t	*p = f->pkt;
	uint16_t	 d;

	if (f->iphlen == IPV6_HDR_LEN)
		return memcmp(p, pkt, 4) == 0 && memcmp(p + 6, pkt + 6, 34) == 0;
	if (memcmp(p, pkt, 2) != 0 || memcmp(p + 6, pkt + 6, 4) != 0 ||
	    memcmp(p + 12, pkt + 12, 8) != 0)
		return 0;
	/* IDs count up by one; with DF a fixed ID is fine as well. */
	d = (uint16_t)(pkt_get16(pkt + 4) - f->last_id);
	return d == 1 || (d == 0 && (pkt[6] & IP_DF_BIT));
}

/* TCP headers agree but for sequence number, checksum and PSH. */
static int
gro_tcp_match(const struct gro_flow *f, const uint8_t *pkt)
{
	const uint8_t	*a = f->pkt + f->iphlen, *b = pkt + f->iphlen;
	size_t		 thlen = f->hlen - f->iphlen;

	return pkt_get32(b + 4) == f->next_seq &&
	    memcmp(a + 8, b + 8, 5) == 0 &&		/* ack, data offset */
	    ((a[13] ^ b[13]) & ~TCP_PSH) == 0 &&
	    memcmp(a + 14, b + 14, 2) == 0 &&		/* window */
	    memcmp(a + 20, b + 20, thlen - 20) == 0;	/* options */
}

int
gro_append(struct gro_flow *f, const uint8_t *pkt, size_t len, size_t hlen)
{
	size_t	 plen = len - hlen;
	uint8_t	 psh;

	if (f->closed || hlen != f->hlen || plen > f->mss ||
	    f->len + plen > f->cap || f->len + plen > GRO_MAXLEN ||
	    !gro_ip_match(f, pkt) || !gro_tcp_match(f, pkt))
		return 0;
	/*
	 * The header fields still needed are read first: the datagrams of
	 * one UDP_GRO buffer are coalesced in place, so the payload may
	 * move over this segment's own header (hence memmove, too).
	 */
	psh = pkt[f->iphlen + 13] & TCP_PSH;
	if (f->iphlen == IPV4_HDR_LEN)
		f->last_id = pkt_get16(pkt + 4);
	memmove(f->pkt + f->len, pkt + hlen, plen);
	f->len += plen;
	f->next_seq += (uint32_t)plen;
	f->nsegs++;
	if (psh) {
		f->pkt[f->iphlen + 13] |= TCP_PSH;
		f->closed = 1;
	}
	if (plen < f->mss)
		f->closed = 1;
	return 1;
}

void
gro_start(struct gro_flow *f, uint8_t *pkt, size_t len, size_t cap,
    size_t iphlen, size_t hlen, uint16_t pi_proto)
{
	memset(f, 0, sizeof(*f));
	f->pkt = pkt;
	f->len = len;
	f->cap = cap;
	f->iphlen = iphlen;
	f->hlen = hlen;
	f->mss = len - hlen;
	f->next_seq = pkt_get32(pkt + iphlen + 4) + (uint32_t)f->mss;
	f->last_id = iphlen == IPV4_HDR_LEN ? pkt_get16(pkt + 4) : 0;
	f->nsegs = 1;
	f->closed = (pkt[iphlen + 13] & TCP_PSH) != 0;
	f->pi_proto = pi_proto;
}

size_t
gro_finish(struct gro_flow *f, struct vnet_hdr *vh)
{
	uint8_t	*p = f->pkt;

	memset(vh, 0, sizeof(*vh));
	if (f->nsegs == 1) {
		vh->flags = VNET_F_DATA_VALID;	/* verified on the way in */
		return f->len;
	}
	if (f->iphlen == IPV4_HDR_LEN) {
		pkt_put16(p + 2, (uint16_t)f->len);
		pkt_put16(p + 10, 0);
		pkt_put16(p + 10, ip_cksum(p, IPV4_HDR_LEN));
		vh->gso_type = VNET_GSO_TCPV4;
	} else {
		pkt_put16(p + 4, (uint16_t)(f->len - IPV6_HDR_LEN));
		vh->gso_type = VNET_GSO_TCPV6;
	}
	/* CHECKSUM_PARTIAL: the field holds the uninverted pseudo sum. */
	pkt_put16(p + f->iphlen + 16, (uint16_t)~cksum_fold(csum_pseudo(p,
	    IPPROTO_TCP, f->len - f->iphlen)));
	vh->flags = VNET_F_NEEDS_CSUM;
	vh->hdr_len = (uint16_t)f->hlen;
	vh->gso_size = (uint16_t)f->mss;
	vh->csum_start = (uint16_t)f->iphlen;
	vh->csum_offset = 16;
	return f->len;
}
