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
 * The transmit path of one inner packet: the outer header fields
 * (TTL, TOS/traffic class, ECN, flow label, encapsulation limit), and
 * what to do when it does not fit the path MTU: send ICMP back (DF /
 * RFC 2473 section 7), or fragment the outer packet ourselves (the
 * kernel will not fragment IP_HDRINCL sends).
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "engine.h"
#include "log.h"

/* The outer header of one packet, before it is laid down. */
struct outer {
	struct encap_params	 ep;
	size_t			 hlen;		/* header bytes per packet */
	int			 encaplim;	/* -1: no option */
	uint8_t			 proto;
};

static uint16_t
next_ip_id(struct engine *e)
{
	/* Never 0: RFC 6864 reads 0 as "no ID" for atomic datagrams. */
	if (++e->ip_id == 0)
		e->ip_id = 1;
	return e->ip_id;
}

static int
inner_is_v4(uint8_t proto)
{
	return proto == IPPROTO_IPIP;
}

/* TTL/hop limit, TOS/traffic class with RFC 6040 ECN, flow label. */
static void
outer_fields(struct engine *e, const uint8_t *in, size_t len, uint8_t proto,
    struct outer *o)
{
	const struct msg_engine_conf	*c = &e->conf;
	int				 v4 = e->peer.remote.af == AF_INET;
	uint8_t				 dscp, inherit;

	memset(o, 0, sizeof(*o));
	o->proto = proto;
	o->ep.src = e->peer.local;
	o->ep.dst = e->peer.remote;
	o->ep.ttl = c->ttl;
	if (o->ep.ttl == 0)	/* inherit; MPLS keeps its own TTL */
		o->ep.ttl = o->proto == IPPROTO_MPLS ? 64 :
		    inner_ttl(in, len);
	inherit = v4 ? (c->flags & CONF_TOS_INHERIT) :
	    (c->flags & CONF_TCLASS_INHERIT);
	dscp = inherit ? inner_tos(in, len) : (v4 ? c->tos : c->tclass);
	o->ep.tos = (uint8_t)((dscp & ~ECN_MASK) |
	    ecn_encap(inner_tos(in, len) & ECN_MASK));
	o->ep.flowlabel = c->flowlabel;
	if ((c->flags & CONF_FLOW_INHERIT) && len >= IPV6_HDR_LEN &&
	    in[0] >> 4 == 6)
		o->ep.flowlabel = (uint32_t)(in[1] & 0x0f) << 16 |
		    (uint32_t)in[2] << 8 | in[3];
	o->hlen = v4 ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	o->encaplim = -1;
	if (!v4 && c->encaplimit != ENCAPLIMIT_NONE) {
		o->encaplim = c->encaplimit;
		o->hlen += IPV6_ENCAPLIM_LEN;
	}
	/* Over UDP: the kernel's IP header, UDP, maybe GUE; no options. */
	if (e->encap.type != ENCAP_NONE) {
		o->encaplim = -1;
		o->hlen = (v4 ? IPV4_HDR_LEN : IPV6_HDR_LEN) + UDP_HDR_LEN +
		    (e->encap.type == ENCAP_GUE ? GUE_HDR_LEN : 0);
	}
}

/*
 * RFC 2473 4.1.1: an IPv6 inner packet that carries its own limit
 * lowers ours, and one whose limit is spent is refused.  0 to go on.
 */
static int
encaplimit_apply(struct engine *e, const uint8_t *in, size_t len,
    struct outer *o)
{
	uint8_t	 lim;
	size_t	 off;

	if (o->proto != IPPROTO_IPV6 || o->encaplim < 0)
		return 0;
	if (encaplimit_find(in, len, &lim, &off) != 1)
		return 0;
	if (lim == 0) {
		e->stats.drops[DROP_TUN_ENCAPLIMIT]++;
		icmp_reply_v6(e, in, len, ICMP6_PARAM_PROB,
		    ICMP6_PARAMPROB_HEADER, (uint32_t)off);
		return -1;
	}
	if (lim - 1 < o->encaplim)
		o->encaplim = lim - 1;
	return 0;
}

/* Lay the outer header down in front of the inner packet. */
static uint8_t *
outer_write(struct engine *e, uint8_t *in, size_t len, struct outer *o)
{
	uint8_t	*hdr = in - o->hlen;

	if (e->peer.remote.af == AF_INET) {
		o->ep.ip_id = next_ip_id(e);
		if (encap_ipv4(hdr, &o->ep, len, o->proto) == 0)
			return NULL;
		return hdr;
	}
	if (o->encaplim >= 0) {
		if (encap_ipv6(hdr, &o->ep, len + IPV6_ENCAPLIM_LEN,
		    IPPROTO_DSTOPTS) == 0)
			return NULL;
		encaplimit_write(hdr + IPV6_HDR_LEN, o->proto,
		    (uint8_t)o->encaplim);
		return hdr;
	}
	if (encap_ipv6(hdr, &o->ep, len, o->proto) == 0)
		return NULL;
	return hdr;
}

static void
txq_add(struct engine *e, int fd, void *h, size_t hlen, void *p, size_t plen)
{
	struct tx_queue	*q = &e->txq;

	q->iov[q->n][0].iov_base = h;
	q->iov[q->n][0].iov_len = hlen;
	q->iov[q->n][1].iov_base = p;
	q->iov[q->n][1].iov_len = plen;
	q->fd[q->n] = fd;
	q->n++;
}

static int
raw_fd(struct engine *e, uint8_t proto)
{
	return e->raw[af_index(e->peer.remote.af)][proto_index(proto)];
}

/* Queue the outer packet at hdr as fragments of at most mtu bytes. */
static void
tx_fragments(struct engine *e, uint8_t *hdr, size_t tot, uint32_t mtu,
    uint8_t proto)
{
	struct frag	*f = &e->txq.frags[e->txq.n];
	size_t		 h0 = e->peer.remote.af == AF_INET ? IPV4_HDR_LEN :
			    IPV6_HDR_LEN;
	uint32_t	 id;
	int		 n, i;

	if (TXQ_MAX - e->txq.n < FRAGS_MAX) {
		e->stats.drops[DROP_TUN_FRAG]++;
		return;
	}
	if (e->peer.remote.af == AF_INET)
		n = frag_outer_v4(hdr, tot - h0, mtu, f, FRAGS_MAX);
	else {
		/* RFC 8200: a random identification per datagram. */
		if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
			id = (uint32_t)now_ms() ^ e->ip_id;
		n = frag_outer_v6(hdr, tot - h0, mtu, id, f, FRAGS_MAX);
	}
	if (n <= 0) {
		e->stats.drops[DROP_TUN_FRAG]++;
		return;
	}
	for (i = 0; i < n; i++)
		txq_add(e, raw_fd(e, proto), f[i].hdr, f[i].hlen,
		    hdr + h0 + f[i].off, f[i].len);
	e->stats.frag_pkts++;
	e->stats.frags_sent += (uint64_t)n;
}

/*
 * Too big for the path: 1 when the sender must be told (and was),
 * 0 when the outer packet is to be fragmented instead.
 * IPv4 inner: DF set and pmtudisc -> "fragmentation needed" (RFC 2003
 * 5.1).  IPv6 inner: over 1280 bytes and pmtudisc -> Packet Too Big;
 * 1280 or less always goes through (RFC 2473 7.1, RFC 4213 3.2).
 */
static int
too_big_reply(struct engine *e, const uint8_t *in, size_t len, uint8_t proto,
    uint32_t room)
{
	if (!(e->conf.flags & CONF_PMTUDISC))
		return 0;
	if (inner_is_v4(proto) && (in[6] & (IP_DF >> 8))) {
		icmp_reply_v4(e, in, len, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG,
		    room);
		return 1;
	}
	if (proto == IPPROTO_IPV6 && len > IPV6_MIN_MTU) {
		icmp_reply_v6(e, in, len, ICMP6_PACKET_TOO_BIG, 0,
		    room < IPV6_MIN_MTU ? IPV6_MIN_MTU : room);
		return 1;
	}
	return 0;
}

void
tx_packet(struct engine *e, uint8_t *in, size_t len, uint8_t proto)
{
	struct outer	 o;
	uint32_t	 mtu = pmtu_get(&e->pmtu), room;
	uint8_t		*hdr;

	outer_fields(e, in, len, proto, &o);
	if (proto != IPPROTO_MPLS && inner_ttl(in, len) == 0) {
		/* Expired already: it must not travel (RFC 1812 5.3.1). */
		e->stats.drops[DROP_TUN_TTL]++;
		if (inner_is_v4(proto))
			icmp_reply_v4(e, in, len, ICMP_TIMXCEED,
			    ICMP_TIMXCEED_INTRANS, 0);
		else
			icmp_reply_v6(e, in, len, ICMP6_TIME_EXCEEDED,
			    ICMP6_TIME_EXCEED_TRANSIT, 0);
		return;
	}
	if (encaplimit_apply(e, in, len, &o) == -1)
		return;
	room = mtu > o.hlen ? mtu - (uint32_t)o.hlen : 0;
	if (len > room && too_big_reply(e, in, len, proto, room)) {
		e->stats.drops[DROP_TUN_TOOBIG]++;
		return;
	}
	/* Over UDP the kernel sets DF and fragments (see tx_udp.c). */
	if (e->encap.type != ENCAP_NONE) {
		udp_tx_packet(e, in, len, proto, &o.ep, len <= room);
		return;
	}
	/* Outer DF follows the inner DF for IPv4 (RFC 2003 5.1). */
	o.ep.df = (e->conf.flags & CONF_PMTUDISC) && len <= room &&
	    (!inner_is_v4(proto) || (in[6] & (IP_DF >> 8)));
	if ((hdr = outer_write(e, in, len, &o)) == NULL) {
		e->stats.drops[DROP_TUN_HDR]++;
		return;
	}
	if (len <= room)
		txq_add(e, raw_fd(e, proto), hdr, o.hlen, in, len);
	else
		tx_fragments(e, hdr, o.hlen + len, mtu, proto);
}

/* Errors a send can return because of an ICMP error queued earlier. */
static int
soft_send_error(int err)
{
	return err == ECONNREFUSED || err == EHOSTUNREACH ||
	    err == ENETUNREACH || err == EHOSTDOWN || err == EPROTO ||
	    err == ENOPROTOOPT || err == EMSGSIZE;
}

/*
 * Send the queue: consecutive messages for one socket in one sendmmsg.
 * A send refused because of an ICMP error reported earlier (IP_RECVERR
 * turns it into the socket's pending error) is retried once after the
 * error queue is read; anything else refused is counted and skipped.
 */
void
tx_flush(struct engine *e)
{
	struct tx_queue	*q = &e->txq;
	struct sockaddr_in6 d6;
	struct sockaddr_in d4;
	struct msghdr	*m;
	unsigned int	 i = 0, j, k;
	int		 r, retried = 0;

	udp_tx_flush(e);
	memset(&d4, 0, sizeof(d4));
	memset(&d6, 0, sizeof(d6));
	d4.sin_family = AF_INET;
	d4.sin_addr = e->peer.remote.u.v4;
	d6.sin6_family = AF_INET6;
	d6.sin6_addr = e->peer.remote.u.v6;
	for (k = 0; k < q->n; k++) {
		m = &q->msgs[k].msg_hdr;
		memset(m, 0, sizeof(*m));
		if (e->peer.remote.af == AF_INET) {
			m->msg_name = &d4;
			m->msg_namelen = sizeof(d4);
		} else {
			m->msg_name = &d6;
			m->msg_namelen = sizeof(d6);
		}
		m->msg_iov = q->iov[k];
		m->msg_iovlen = 2;
		tx_src_cmsg(e, m);	/* issue 8: tx_src.c */
	}
	while (i < q->n) {
		for (j = i + 1; j < q->n && q->fd[j] == q->fd[i]; j++)
			;
		r = sendmmsg(q->fd[i], &q->msgs[i], j - i, 0);
		if (r <= 0) {
			if (r == -1 && !retried && soft_send_error(errno)) {
				icmp_recv_errors(e, q->fd[i],
				    e->peer.remote.af);
				retried = 1;
				continue;
			}
			e->stats.net_tx_errors++;
			i++;
			retried = 0;
			continue;
		}
		for (k = i; k < i + (unsigned int)r; k++) {
			e->stats.net_tx_pkts++;
			e->stats.net_tx_bytes += q->iov[k][0].iov_len +
			    q->iov[k][1].iov_len;
		}
		i += (unsigned int)r;
		retried = 0;
	}
	q->n = 0;
}
