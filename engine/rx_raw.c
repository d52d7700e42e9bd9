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
 * Network -> TUN device over raw sockets: read a batch of outer packets
 * from one raw socket with recvmmsg, decapsulate each after every
 * check, and hand the inner packet to the TUN device (tun.c).
 */

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"

/*
 * Outer source, destination and traffic class of an IPv6 packet: the
 * raw socket strips the header, so they come from the name and the
 * IPV6_PKTINFO / IPV6_TCLASS control messages.
 */
static int
rx_v6_meta(struct msghdr *m, struct tun_addr *src, struct tun_addr *dst,
    uint8_t *tclass)
{
	struct sockaddr_in6	*from = m->msg_name;
	struct cmsghdr		*c;
	struct in6_pktinfo	 pi;
	int			 tc;

	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	*tclass = 0;
	if (m->msg_namelen < sizeof(*from) || from->sin6_family != AF_INET6)
		return -1;
	src->af = AF_INET6;
	src->u.v6 = from->sin6_addr;
	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst->af = AF_INET6;
			dst->u.v6 = pi.ipi6_addr;
		} else if (c->cmsg_type == IPV6_TCLASS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(tc))) {
			memcpy(&tc, CMSG_DATA(c), sizeof(tc));
			*tclass = (uint8_t)tc;
		}
	}
	return dst->af == AF_INET6 ? 0 : -1;
}

static enum drop_reason
rx_decap(struct engine *e, int v6, int proto, struct msghdr *m,
    uint8_t *pkt, size_t len, struct decap_result *res)
{
	struct tun_addr		 src, dst;
	enum drop_reason	 r;
	uint8_t			 tos;

	if (m->msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return DROP_NET_SHORT;
	if (!v6) {
		r = decap_ipv4(&e->peer, pkt, len, res);
		tos = len > 1 ? pkt[1] : 0;
	} else {
		if (rx_v6_meta(m, &src, &dst, &tos) == -1)
			return DROP_NET_DST;
		r = decap_ipv6(&e->peer, &src, &dst, (uint8_t)proto, pkt, len,
		    res);
	}
	if (r != DROP_NONE)
		return r;
	/* RFC 6040: the outer CE mark survives decapsulation (IP only). */
	return ecn_decap_inner(pkt, res, tos);
}

static const uint8_t raw_protos[RAW_PROTOS] = {
	IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_MPLS
};

void
rx_raw(struct engine *e, int ai, int pj)
{
	static struct rx_batch	 rx;
	struct decap_result	 res;
	enum drop_reason	 why;
	uint8_t			*pkt;
	int			 n, i;

	rx_batch_prepare(e, &rx);
	n = recvmmsg(e->raw[ai][pj], rx.msgs, ENGINE_BATCH, MSG_DONTWAIT,
	    NULL);
	if (n == -1) {
		/* A pending ICMP error (IP_RECVERR) surfaces here too. */
		if (errno != EAGAIN && errno != EINTR)
			rx_icmp_errors(e, e->raw[ai][pj], ai ? AF_INET6 :
			    AF_INET);
		return;
	}
	for (i = 0; i < n; i++) {
		pkt = e->slots[i].buf + PKT_HEADROOM;
		e->stats.net_rx_pkts++;
		e->stats.net_rx_bytes += rx.msgs[i].msg_len;
		why = rx_decap(e, ai, raw_protos[pj], &rx.msgs[i].msg_hdr,
		    pkt, rx.msgs[i].msg_len, &res);
		if (why != DROP_NONE) {
			e->stats.drops[why]++;
			hint_raw_drop(e, why, ai, raw_protos[pj],
			    &rx.msgs[i].msg_hdr, pkt, rx.msgs[i].msg_len);
			continue;
		}
		tun_deliver(e, pkt + res.off, res.len,
		    sizeof(e->slots[i].buf) - PKT_HEADROOM - res.off,
		    res.pi_proto);
	}
	tun_deliver_end(e);
}
