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
 * Network -> TUN device over UDP (encap fou|gue): read a batch of
 * datagrams from one bound UDP socket, check who sent each and what it
 * carries (decap_udp), and write the inner packet to the TUN device.
 * Empty datagrams are keepalives: counted, never delivered.  With
 * float, a datagram that decapsulates to a valid inner packet moves the
 * remote to its source address and port.  With offloads the socket has
 * UDP_GRO (set by the parent): a buffer may hold several datagrams of
 * one sender, split here by the size in its UDP_GRO control message
 * (udp_gro.c), and the inner packets go through the TUN-side GRO
 * (tun_offload.c), coalesced in place in the receive buffer.
 */

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include <errno.h>
#include <string.h>

#include "engine.h"
#include "log.h"

static void
meta_cmsg(struct msghdr *m, struct udp_meta *um, uint8_t *tos)
{
	struct cmsghdr		*c;
	struct in6_pktinfo	 pi6;
	struct in_pktinfo	 pi4;
	int			 tc;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(pi4))) {
			memcpy(&pi4, CMSG_DATA(c), sizeof(pi4));
			um->dst.af = AF_INET;
			um->dst.u.v4 = pi4.ipi_addr;	/* header destination */
		} else if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
			*tos = *CMSG_DATA(c);
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(pi6))) {
			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			um->dst.af = AF_INET6;
			um->dst.u.v6 = pi6.ipi6_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_TCLASS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(tc))) {
			memcpy(&tc, CMSG_DATA(c), sizeof(tc));
			*tos = (uint8_t)tc;
		}
	}
}

/* Source, destination and TOS of one datagram; -1 if incomplete. */
static int
udp_meta_get(struct msghdr *m, int v6, struct udp_meta *um, uint8_t *tos)
{
	struct sockaddr_in6	*f6 = m->msg_name;
	struct sockaddr_in	*f4 = m->msg_name;

	memset(um, 0, sizeof(*um));
	*tos = 0;
	if (v6) {
		if (m->msg_namelen < sizeof(*f6) ||
		    f6->sin6_family != AF_INET6)
			return -1;
		um->src.af = AF_INET6;
		um->src.u.v6 = f6->sin6_addr;
		um->sport = ntohs(f6->sin6_port);
	} else {
		if (m->msg_namelen < sizeof(*f4) || f4->sin_family != AF_INET)
			return -1;
		um->src.af = AF_INET;
		um->src.u.v4 = f4->sin_addr;
		um->sport = ntohs(f4->sin_port);
	}
	meta_cmsg(m, um, tos);
	return um->dst.af == um->src.af ? 0 : -1;
}

/* float: follow a peer that moved (NAT rebinding, new address). */
static void
udp_float(struct engine *e, const struct udp_meta *um)
{
	char	 a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (!(e->encap.flags & ENCAP_F_FLOAT) ||
	    (addr_eq(&um->src, &e->peer.remote) &&
	    um->sport == e->peer.remote_port))
		return;
	log_info("float: peer moved to %s port %u (was %s port %u)",
	    addr_fmt(&um->src, a, sizeof(a)), um->sport,
	    addr_fmt(&e->peer.remote, b, sizeof(b)), e->peer.remote_port);
	e->peer.remote = um->src;
	e->peer.remote_port = um->sport;
	e->tx_dport = um->sport;	/* replies go where it came from */
	e->stats.float_moves++;
}

/* The outer checks of a received buffer, once for all its datagrams. */
static enum drop_reason
udp_rx_meta(struct msghdr *m, int v6, struct udp_meta *um, uint8_t *tos)
{
	if (m->msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return DROP_NET_SHORT;
	if (udp_meta_get(m, v6, um, tos) == -1)
		return DROP_NET_DST;
	return DROP_NONE;
}

/* One datagram: source check, decapsulation, ECN; float if it passed. */
static enum drop_reason
udp_rx_one(struct engine *e, const struct udp_meta *um, uint8_t tos,
    uint8_t *pkt, size_t len, struct decap_result *res)
{
	enum drop_reason	 r;

	if ((r = decap_udp(&e->peer, um, pkt, len, res)) != DROP_NONE)
		return r;
	/* RFC 6040: the outer CE mark survives decapsulation (IP only). */
	if (res->pi_proto != ETH_P_MPLS_UC &&
	    (r = ecn_decap(pkt + res->off, res->len, tos & ECN_MASK)) !=
	    DROP_NONE)
		return r;
	udp_float(e, um);
	return DROP_NONE;
}

/*
 * The datagrams of one received buffer (several if the kernel coalesced
 * them: UDP_GRO), each checked as if alone, and passed to the TUN
 * device, with offloads through the GRO of tun_offload.c.  cap: the
 * room from pkt to the end of the slot.
 */
static void
udp_rx_buffer(struct engine *e, int v6, struct msghdr *m, uint8_t *pkt,
    size_t len, size_t cap)
{
	struct decap_result	 res;
	struct udp_meta		 um;
	enum drop_reason	 why;
	uint8_t			 tos;
	size_t			 off, dlen, gso = 0;

	if ((why = udp_rx_meta(m, v6, &um, &tos)) != DROP_NONE) {
		e->stats.net_rx_pkts++;
		e->stats.net_rx_bytes += len;
		e->stats.drops[why]++;
		return;
	}
	if (offload_on(e) && (gso = (size_t)udp_gro_size(m)) != 0 &&
	    gso < len) {
		e->off.udp_gro_bufs++;
		e->off.udp_gro_segs += (len + gso - 1) / gso;
	}
	for (off = 0; (dlen = udp_gro_next(len, gso, off)) != 0; off += dlen) {
		e->stats.net_rx_pkts++;
		e->stats.net_rx_bytes += dlen;
		why = udp_rx_one(e, &um, tos, pkt + off, dlen, &res);
		if (why != DROP_NONE) {
			e->stats.drops[why]++;
			hint_udp_drop(e, why, &um, pkt + off, dlen);
			continue;
		}
		tun_deliver(e, pkt + off + res.off, res.len,
		    cap - off - res.off, res.pi_proto);
	}
}

void
rx_udp(struct engine *e, int ai, int fd)
{
	static struct rx_batch	 rx;
	int				 n, i;

	rx_batch_prepare(e, &rx);
	n = recvmmsg(fd, rx.msgs, ENGINE_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		/* A pending ICMP error (IP_RECVERR) surfaces here too. */
		if (errno != EAGAIN && errno != EINTR)
			rx_icmp_errors_udp(e, fd, ai ? AF_INET6 : AF_INET);
		return;
	}
	for (i = 0; i < n; i++) {
		if (rx.msgs[i].msg_len == 0 &&
		    !(rx.msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			e->stats.net_rx_pkts++;
			e->stats.keepalive_rx++;
			continue;
		}
		udp_rx_buffer(e, ai, &rx.msgs[i].msg_hdr,
		    e->slots[i].buf + PKT_HEADROOM, rx.msgs[i].msg_len,
		    sizeof(e->slots[i].buf) - PKT_HEADROOM);
	}
	tun_deliver_end(e);
}
