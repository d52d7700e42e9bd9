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
 * GSO in software: a TCP or UDP super-packet the TUN device handed over
 * (virtio_net_hdr gso_type TCPV4, TCPV6 or UDP_L4) becomes the segments
 * the kernel would have sent, as its tcp_gso_segment / udp GSO do: the
 * headers copied, IPv4 IDs counting up from the first, lengths, TCP
 * sequence numbers advanced by the segment size, FIN and PSH only on
 * the last and CWR only on the first segment, every checksum complete.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "offload.h"
#include "pkt.h"

#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_CWR		0x80

/* The IP header: length checks, transport protocol, header length. */
static int
gso_parse_ip(const uint8_t *pkt, size_t len, struct gso_layout *l)
{
	if (len < 1)
		return -1;
	if (pkt[0] >> 4 == 4) {
		l->iphlen = (size_t)(pkt[0] & 0x0f) * 4;
		if (len < IPV4_HDR_LEN || l->iphlen < IPV4_HDR_LEN ||
		    l->iphlen > len || pkt_get16(pkt + 2) != len ||
		    (pkt_get16(pkt + 6) & 0x3fff) != 0 || pkt[9] != l->proto)
			return -1;
		return 0;
	}
	if (pkt[0] >> 4 == 6) {
		l->v6 = 1;
		l->iphlen = IPV6_HDR_LEN;
		if (len < IPV6_HDR_LEN || pkt_get16(pkt + 4) != len - IPV6_HDR_LEN ||
		    pkt[6] != l->proto)
			return -1;
		return 0;
	}
	return -1;
}

int
gso_parse(const uint8_t *pkt, size_t len, const struct vnet_hdr *vh,
    struct gso_layout *l)
{
	size_t	 thlen;
	int	 want_v6 = -1;

	memset(l, 0, sizeof(*l));
	switch (vh->gso_type & ~VNET_GSO_ECN) {
	case VNET_GSO_TCPV4:
		want_v6 = 0;
		l->proto = IPPROTO_TCP;
		break;
	case VNET_GSO_TCPV6:
		want_v6 = 1;
		l->proto = IPPROTO_TCP;
		break;
	case VNET_GSO_UDP_L4:
		l->proto = IPPROTO_UDP;
		break;
	default:
		return -1;
	}
	if (gso_parse_ip(pkt, len, l) == -1 ||
	    (want_v6 != -1 && want_v6 != l->v6))
		return -1;
	if (l->proto == IPPROTO_TCP) {
		if (len - l->iphlen < 20)
			return -1;
		thlen = (size_t)(pkt[l->iphlen + 12] >> 4) * 4;
		if (thlen < 20)
			return -1;
	} else
		thlen = 8;
	if (len - l->iphlen < thlen)
		return -1;
	l->hlen = l->iphlen + thlen;
	l->paylen = len - l->hlen;
	l->mss = vh->gso_size;
	if (l->mss == 0 || l->paylen == 0)
		return -1;
	l->nsegs = (unsigned int)((l->paylen + l->mss - 1) / l->mss);
	return 0;
}

/* Transport header of one segment, checksum last. */
static void
gso_fix_l4(uint8_t *out, const struct gso_layout *l, unsigned int idx,
    size_t seglen)
{
	uint8_t		*th = out + l->iphlen;
	size_t		 l4len = seglen - l->iphlen;
	uint16_t	 c;

	if (l->proto == IPPROTO_TCP) {
		pkt_put32(th + 4, pkt_get32(th + 4) + (uint32_t)(idx * l->mss));
		if (idx + 1 < l->nsegs)
			th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (idx > 0)
			th[13] &= (uint8_t)~TCP_CWR;
		pkt_put16(th + 16, 0);
		c = cksum_fold(csum_add(csum_pseudo(out, IPPROTO_TCP, l4len),
		    th, l4len));
		pkt_put16(th + 16, c);
		return;
	}
	pkt_put16(th + 4, (uint16_t)l4len);
	pkt_put16(th + 6, 0);
	c = cksum_fold(csum_add(csum_pseudo(out, IPPROTO_UDP, l4len), th,
	    l4len));
	pkt_put16(th + 6, c == 0 ? 0xffff : c);
}

size_t
gso_segment(const uint8_t *pkt, const struct gso_layout *l, unsigned int idx,
    uint8_t *out, size_t outsz)
{
	size_t	 off, plen, seglen;

	if (idx >= l->nsegs)
		return 0;
	off = (size_t)idx * l->mss;
	plen = l->paylen - off < l->mss ? l->paylen - off : l->mss;
	seglen = l->hlen + plen;
	if (seglen > outsz)
		return 0;
	memcpy(out, pkt, l->hlen);
	memcpy(out + l->hlen, pkt + l->hlen + off, plen);
	if (!l->v6) {
		pkt_put16(out + 2, (uint16_t)seglen);
		pkt_put16(out + 4, (uint16_t)(pkt_get16(pkt + 4) + idx));
		pkt_put16(out + 10, 0);
		pkt_put16(out + 10, ip_cksum(out, l->iphlen));
	} else
		pkt_put16(out + 4, (uint16_t)(seglen - IPV6_HDR_LEN));
	gso_fix_l4(out, l, idx, seglen);
	return seglen;
}
