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
 * Hints: what the drops likely mean, for someone who set the tunnel up
 * and sees pings fail.  A drop reason alone ("net-src") does not say
 * that a kernel FOU peer with encap-sport auto sends from random ports;
 * the packets dropped show it.  Each cause keeps its count and the last
 * offender, is logged at most once a minute and shown by ipipctl show.
 * Nothing is formatted per packet: only when logged or shown.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <linux/errqueue.h>

#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "log.h"

/*
 * HINT_SRC only once nothing came from the remote for this long: two
 * tunnels on one host with raw sockets see each other's packets, and
 * the remote's own traffic shows that it did not move.
 */
#define HINT_SRC_QUIET_MS	5000

static const char *const hint_names[HINT_MAX] = {
	[HINT_PEER_SPORT]	= "peer-sport",
	[HINT_SRC]		= "source",
	[HINT_MODE]		= "mode",
	[HINT_PROTO]		= "protocol",
	[HINT_UNREACH]		= "unreachable",
};

const char *
hint_name(int cause)
{
	if (cause < 0 || cause >= HINT_MAX)
		return "unknown";
	return hint_names[cause];
}

static void
hint_note(struct engine *e, int cause)
{
	struct hint	*h = &e->ctl.hints[cause];
	char		 text[CTL_TEXT_MAX];
	uint64_t	 now = mono_ms();

	h->count++;
	h->last_ms = now;
	if (h->logged_ms != 0 && now - h->logged_ms < HINT_LOG_MS)
		return;
	h->logged_ms = now;
	if (hint_text(e, cause, text, sizeof(text)) == 0)
		log_warnx("hint: %s", text);
}

static void
hint_src(struct engine *e, const struct tun_addr *src, uint16_t port,
    int udp)
{
	struct hint	*h = &e->ctl.hints[HINT_SRC];
	uint64_t	 now = mono_ms();

	if (h->window_ms == 0 || e->stats.tun_tx_pkts != h->mark) {
		h->window_ms = now;
		h->mark = e->stats.tun_tx_pkts;
		return;
	}
	if (now - h->window_ms < HINT_SRC_QUIET_MS)
		return;
	h->addr = *src;
	h->port = port;
	h->udp = (uint8_t)udp;
	hint_note(e, HINT_SRC);
}

static void
hint_set(struct engine *e, int cause, const struct tun_addr *src,
    uint16_t port, uint8_t proto, int udp)
{
	struct hint	*h = &e->ctl.hints[cause];

	h->addr = *src;
	h->port = port;
	h->proto = proto;
	h->udp = (uint8_t)udp;
	hint_note(e, cause);
}

/* A raw packet dropped for why; its source from the header or msg_name. */
void
hint_raw_drop(struct engine *e, int why, int v6, uint8_t proto,
    const struct msghdr *m, const uint8_t *pkt, size_t len)
{
	const struct sockaddr_in6	*s6 = m->msg_name;
	struct tun_addr			 src;

	if (why != DROP_NET_SRC && why != DROP_NET_MODE)
		return;
	memset(&src, 0, sizeof(src));
	if (!v6) {
		if (len < IPV4_HDR_LEN)
			return;
		src.af = AF_INET;
		memcpy(&src.u.v4, pkt + 12, sizeof(src.u.v4));
	} else {
		if (s6 == NULL || m->msg_namelen < sizeof(*s6) ||
		    s6->sin6_family != AF_INET6)
			return;
		src.af = AF_INET6;
		src.u.v6 = s6->sin6_addr;
	}
	if (why == DROP_NET_SRC)
		hint_src(e, &src, 0, 0);
	else
		hint_set(e, HINT_MODE, &src, 0, proto, 0);
}

/* The inner protocol of a FOU/GUE payload, as decap_udp() reads it. */
static uint8_t
udp_inner_proto(const struct engine *e, const uint8_t *pkt, size_t len)
{
	if (len < 1)
		return 0;
	if (e->encap.type == ENCAP_GUE && pkt[0] >> 6 == 0)
		return len >= 2 ? pkt[1] : 0;
	switch (pkt[0] >> 4) {
	case 4:
		return IPPROTO_IPIP;
	case 6:
		return IPPROTO_IPV6;
	}
	return 0;
}

void
hint_udp_drop(struct engine *e, int why, const struct udp_meta *um,
    const uint8_t *pkt, size_t len)
{
	switch (why) {
	case DROP_NET_SRC:
		if (addr_eq(&um->src, &e->peer.remote))
			hint_set(e, HINT_PEER_SPORT, &um->src, um->sport, 0, 1);
		else
			hint_src(e, &um->src, um->sport, 1);
		break;
	case DROP_NET_MODE:
		hint_set(e, HINT_MODE, &um->src, um->sport,
		    udp_inner_proto(e, pkt, len), 1);
		break;
	case DROP_NET_PROTO:
		hint_set(e, HINT_PROTO, &um->src, um->sport,
		    udp_inner_proto(e, pkt, len), 1);
		break;
	case DROP_NET_VERSION:
		/* A GUE header (variant 0) where FOU has the inner IP's. */
		if (e->encap.type == ENCAP_FOU && len >= GUE_HDR_LEN &&
		    pkt[0] == 0 && (pkt[1] == IPPROTO_IPIP ||
		    pkt[1] == IPPROTO_IPV6 || pkt[1] == IPPROTO_MPLS))
			hint_set(e, HINT_PROTO, &um->src, um->sport, pkt[1],
			    1);
		break;
	}
}

/*
 * The remote answered one of our packets (quote q) with ICMP protocol
 * or port unreachable: nothing there takes the tunnel's packets.
 */
void
hint_unreach(struct engine *e, const struct sock_extended_err *ee,
    const uint8_t *q, size_t len, int udp)
{
	int	 port = (ee->ee_origin == SO_EE_ORIGIN_ICMP &&
		    ee->ee_code == ICMP_UNREACH_PORT) ||
		    (ee->ee_origin == SO_EE_ORIGIN_ICMP6 &&
		    ee->ee_code == ICMP6_DST_UNREACH_NOPORT);
	int	 proto = ee->ee_origin == SO_EE_ORIGIN_ICMP &&
		    ee->ee_code == ICMP_UNREACH_PROTOCOL;
	uint8_t	 p = 0;

	if (!port && !proto)
		return;
	if (!udp && len >= IPV4_HDR_LEN && q[0] >> 4 == 4)
		p = q[9];
	hint_set(e, HINT_UNREACH, &e->peer.remote, port ? e->tx_dport : 0,
	    p, udp);
}

static const char *
proto_desc(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_IPIP:
		return "inner IPv4 (protocol 4: ipip, ipip6)";
	case IPPROTO_IPV6:
		return "inner IPv6 (protocol 41: sit, ip6ip6)";
	case IPPROTO_MPLS:
		return "MPLS (protocol 137: mplsip)";
	}
	return "an unknown inner protocol";
}

static void
text_src(const struct engine *e, const struct hint *h, char *buf,
    size_t len, const char *a, const char *r)
{
	if (!h->udp)
		snprintf(buf, len, "packets from %s, not the remote %s, which "
		    "sent nothing for a while: did the remote's address "
		    "change? With a NAT in the way, try encap fou with "
		    "float", a, r);
	else
		snprintf(buf, len, "datagrams from %s port %u, not the remote "
		    "%s, which sent nothing for a while: did the remote's "
		    "address change? With a NAT in the way, add float", a,
		    h->port, r);
	(void)e;
}

/* The hint's sentence; -1 when the cause was never seen. */
int
hint_text(struct engine *e, int cause, char *buf, size_t len)
{
	const struct hint	*h;
	char			 a[ADDR_STRLEN], r[ADDR_STRLEN];

	if (cause < 0 || cause >= HINT_MAX || e->ctl.hints[cause].count == 0)
		return -1;
	h = &e->ctl.hints[cause];
	addr_fmt(&h->addr, a, sizeof(a));
	addr_fmt(&e->peer.remote, r, sizeof(r));
	switch (cause) {
	case HINT_PEER_SPORT:
		snprintf(buf, len, "datagrams from %s come from port %u, not "
		    "%u: a kernel peer with encap-sport auto needs peer-sport "
		    "any", a, h->port, e->encap.peer_sport);
		break;
	case HINT_SRC:
		text_src(e, h, buf, len, a, r);
		break;
	case HINT_MODE:
		snprintf(buf, len, "%s sends %s, which mode %s does not "
		    "carry: the peer's mode differs", a, proto_desc(h->proto),
		    e->ctl.st.mode[0] != '\0' ? e->ctl.st.mode : "(unknown)");
		break;
	case HINT_PROTO:
		if (e->encap.type == ENCAP_FOU)
			snprintf(buf, len, "%s sends GUE datagrams (protocol "
			    "%u), and this tunnel is encap fou: the peer runs "
			    "encap gue; use the same encap on both ends", a,
			    h->proto);
		else
			snprintf(buf, len, "%s sends GUE datagrams of "
			    "protocol %u, which ipipd does not carry (4, 41, "
			    "137): the peer's tunnel is of another kind", a,
			    h->proto);
		break;
	case HINT_UNREACH:
		if (h->port != 0)
			snprintf(buf, len, "%s answers ICMP port unreachable: "
			    "nothing listens on UDP port %u there (no fou/gue "
			    "receiver, or another port)", a, h->port);
		else
			snprintf(buf, len, "%s answers ICMP protocol "
			    "unreachable: its kernel has no tunnel for IP "
			    "protocol %u (load the ipip/sit module and set "
			    "one up, or run ipipd there)", a, h->proto);
		break;
	}
	return 0;
}
