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
 * The transmit path of one inner packet read from the TUN device: its
 * checks, the outer header fields (TTL, TOS/traffic class, ECN, flow
 * label, encapsulation limit), and what to do when it does not fit the
 * path MTU: send ICMP back (DF / RFC 2473 section 7), or let it be
 * fragmented.  The outer header and the send are the transport's:
 * tx_raw.c (we write the header, and fragment) or tx_udp.c (the kernel
 * does both).
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>

#include <string.h>

#include "engine.h"

static int
inner_is_v4(uint8_t proto)
{
	return proto == IPPROTO_IPIP;
}

/* TTL/hop limit, TOS/traffic class with RFC 6040 ECN, flow label. */
static void
outer_fields(struct engine *e, const uint8_t *in, size_t len, uint8_t proto,
    struct tx_outer *o)
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
	/* Over UDP: the kernel's IP header, UDP, maybe GUE; no options. */
	o->encaplim = -1;
	if (!v4 && c->encaplimit != ENCAPLIMIT_NONE &&
	    e->encap.type == ENCAP_NONE)
		o->encaplim = c->encaplimit;
	o->hlen = outer_hdr_len(e->peer.remote.af, e->encap.type,
	    o->encaplim >= 0);
}

/*
 * RFC 2473 4.1.1: an IPv6 inner packet that carries its own limit
 * lowers ours, and one whose limit is spent is refused.  0 to go on.
 */
static int
encaplimit_apply(struct engine *e, const uint8_t *in, size_t len,
    struct tx_outer *o)
{
	uint8_t	 lim;
	size_t	 off;

	if (o->proto != IPPROTO_IPV6 || o->encaplim < 0)
		return 0;
	if (encaplimit_find(in, len, &lim, &off) != 1)
		return 0;
	if (lim == 0) {
		e->stats.drops[DROP_TUN_ENCAPLIMIT]++;
		tun_icmp_v6(e, in, len, ICMP6_PARAM_PROB,
		    ICMP6_PARAMPROB_HEADER, (uint32_t)off);
		return -1;
	}
	if (lim - 1 < o->encaplim)
		o->encaplim = lim - 1;
	return 0;
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
		tun_icmp_v4(e, in, len, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG,
		    room);
		return 1;
	}
	if (proto == IPPROTO_IPV6 && len > IPV6_MIN_MTU) {
		tun_icmp_v6(e, in, len, ICMP6_PACKET_TOO_BIG, 0,
		    room < IPV6_MIN_MTU ? IPV6_MIN_MTU : room);
		return 1;
	}
	return 0;
}

static void
tx_packet(struct engine *e, uint8_t *in, size_t len, uint8_t proto)
{
	struct tx_outer	 o;
	uint32_t	 mtu = pmtu_get(&e->pmtu), room;

	outer_fields(e, in, len, proto, &o);
	if (proto != IPPROTO_MPLS && inner_ttl(in, len) == 0) {
		/* Expired already: it must not travel (RFC 1812 5.3.1). */
		e->stats.drops[DROP_TUN_TTL]++;
		if (inner_is_v4(proto))
			tun_icmp_v4(e, in, len, ICMP_TIMXCEED,
			    ICMP_TIMXCEED_INTRANS, 0);
		else
			tun_icmp_v6(e, in, len, ICMP6_TIME_EXCEEDED,
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
		tx_udp_packet(e, in, len, proto, &o.ep, len <= room);
		return;
	}
	/* Outer DF follows the inner DF for IPv4 (RFC 2003 5.1). */
	o.ep.df = (e->conf.flags & CONF_PMTUDISC) && len <= room &&
	    (!inner_is_v4(proto) || (in[6] & (IP_DF >> 8)));
	tx_raw_packet(e, in, len, &o, mtu, room);
}

/*
 * One inner packet (packet info stripped; pi_proto its ETH_P_* in host
 * order): checked, dropped while the tunnel is paused, else sent.  1
 * if it went to the transmit path, whose queues may then point into
 * its buffer.
 */
int
tx_inner(struct engine *e, uint8_t *pkt, size_t len, uint16_t pi_proto)
{
	enum drop_reason	 why;
	uint8_t			 proto;

	why = inner_check(pkt, len, pi_proto, e->conf.carry, &proto);
	if (why != DROP_NONE) {
		e->stats.drops[why]++;
		return 0;
	}
	if (!addr_is_set(&e->peer.local)) {	/* paused */
		e->stats.drops[DROP_TUN_NOPEER]++;
		return 0;
	}
	tx_packet(e, pkt, len, proto);
	return 1;
}

/* Send everything queued, over UDP and raw. */
void
tx_flush(struct engine *e)
{
	tx_udp_flush(e);
	tx_raw_flush(e);
}
