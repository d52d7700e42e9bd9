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
 * Messages from the parent.  The parent is trusted, but its messages
 * are still checked, against the rules of ipipd_msg.h and for range: a
 * mistake there must stop the engine, not corrupt it.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"
#include "tcp.h"

static void
get_payload(struct imsg *imsg, void *buf, size_t len, const char *what)
{
	if (imsg_get_data(imsg, buf, len) == -1)
		fatalx("parent sent a %s message of %zu bytes, not %zu", what,
		    imsg_get_len(imsg), len);
}

static void
replace_fd(int *slot, int fd)
{
	if (*slot != -1)
		close(*slot);
	*slot = fd;
}

static void
recv_fd_tun(struct engine *e, struct imsg *imsg)
{
	struct msg_fd_tun	 t;
	int			 fd;

	get_payload(imsg, &t, sizeof(t), "TUN fd");
	fd = imsg_get_fd(imsg);		/* there is one: IMSG_R_FD */
	replace_fd(&e->tun_fd, fd);
	t.ifname[sizeof(t.ifname) - 1] = '\0';
	log_debug("TUN device %s (index %u)", t.ifname, t.ifindex);
}

static void
recv_fd_raw(struct engine *e, struct imsg *imsg)
{
	struct msg_fd_raw	 r;
	int			 fd;

	get_payload(imsg, &r, sizeof(r), "raw fd");
	if ((r.af != AF_INET && r.af != AF_INET6) ||
	    (r.proto != IPPROTO_IPIP && r.proto != IPPROTO_IPV6 &&
	    r.proto != IPPROTO_MPLS))
		fatalx("raw fd for family %u protocol %u", r.af, r.proto);
	fd = imsg_get_fd(imsg);
	replace_fd(&e->raw[af_index(r.af)][proto_index(r.proto)], fd);
}

static void
recv_fd_udp(struct engine *e, struct imsg *imsg)
{
	struct msg_fd_udp	 u;
	int			 fd, slot;

	get_payload(imsg, &u, sizeof(u), "UDP fd");
	if ((u.af != AF_INET && u.af != AF_INET6) ||
	    (u.role != UDP_ROLE_LISTEN && u.role != UDP_ROLE_SPORT) ||
	    (u.role == UDP_ROLE_LISTEN && u.index != 0) ||
	    u.index >= UDP_SPORTS_MAX)
		fatalx("UDP fd for family %u role %u index %u", u.af, u.role,
		    u.index);
	fd = imsg_get_fd(imsg);
	slot = u.role == UDP_ROLE_LISTEN ? 0 : 1 + u.index;
	replace_fd(&e->udp[af_index(u.af)][slot], fd);
	log_debug("UDP socket IPv%d port %u (%s)", u.af == AF_INET ? 4 : 6,
	    u.port, u.role == UDP_ROLE_LISTEN ? "listen" : "source");
}

static void
recv_encap_conf(struct engine *e, struct imsg *imsg)
{
	struct msg_encap_conf	 c;

	get_payload(imsg, &c, sizeof(c), "encapsulation");
	if (c.type > ENCAP_TCP || (c.flags & ~ENCAP_F_ALL) ||
	    c.nsports > UDP_SPORTS_MAX ||
	    (c.type != ENCAP_NONE && c.dport == 0))
		fatalx("encapsulation out of range");
	e->peer.remote_port = c.peer_sport;
	e->tx_dport = c.dport;
	e->encap = c;
	e->peer.encap = c.type;
	e->peer.encap_flags = c.flags;
}

static void
recv_conf(struct engine *e, struct imsg *imsg)
{
	struct msg_engine_conf	 c;

	get_payload(imsg, &c, sizeof(c), "configuration");
	if (c.tun_mtu < 68 || c.tun_mtu > PKT_MAXLEN || c.carry == 0 ||
	    (c.carry & ~TUN_CARRY_ALL) || (c.flags & ~CONF_FLAGS_ALL) ||
	    c.flowlabel > 0xfffff || (c.tos & ECN_MASK) ||
	    (c.tclass & ECN_MASK) || c.encaplimit < ENCAPLIMIT_NONE ||
	    c.encaplimit > 255)
		fatalx("configuration out of range");
	e->conf = c;
	e->peer.carry = c.carry;
	e->have_conf = 1;
}

/*
 * The outer endpoints, at start and whenever the parent sees them
 * change.  A local address of AF_UNSPEC pauses the tunnel (the address
 * is gone from the host); packets are then dropped and counted.
 */
static void
recv_peer(struct engine *e, struct imsg *imsg)
{
	struct msg_peer	 p;
	char		 l[ADDR_STRLEN], r[ADDR_STRLEN];

	get_payload(imsg, &p, sizeof(p), "peer");
	if (!addr_valid(&p.local) || !addr_is_set(&p.remote) ||
	    (addr_is_set(&p.local) && p.local.af != p.remote.af) ||
	    p.outer_mtu < 68 || p.outer_mtu > PKT_MAXLEN)
		fatalx("peer addresses or MTU out of range");
	/* What was learned about the path holds only for the same path. */
	if (!addr_eq(&p.remote, &e->parent_remote) ||
	    p.outer_mtu != e->pmtu.link)
		pmtu_reset(&e->pmtu, p.outer_mtu);
	e->peer.local = p.local;
	/* float: a peer that moved stays where it went, same family. */
	if (!(e->encap.flags & ENCAP_F_FLOAT) ||
	    !addr_eq(&p.remote, &e->parent_remote) ||
	    e->peer.remote.af != p.remote.af) {
		e->peer.remote = p.remote;
		e->peer.remote_port = e->encap.peer_sport;
		e->tx_dport = e->encap.dport;
	}
	e->parent_remote = p.remote;
	log_debug("outer local %s remote %s mtu %u",
	    addr_fmt(&p.local, l, sizeof(l)),
	    addr_fmt(&p.remote, r, sizeof(r)), p.outer_mtu);
}

static void
recv_start(struct engine *e)
{
	int	 a, p;

	if (e->encap.type == ENCAP_TCP)
		tcp_engine_start(e);	/* tcp_imsg.c checks its own */
	else if (e->tun_fd == -1 || !e->have_conf ||
	    !addr_is_set(&e->peer.remote))
		fatalx("start before fds, configuration and peer");
	else if (e->encap.type != ENCAP_NONE) {
		if (e->udp[af_index(e->peer.remote.af)][0] == -1)
			fatalx("start without a UDP socket");
		for (p = 0; p < e->encap.nsports; p++)
			for (a = 0; a < 2; a++)
				if (e->udp[a][0] != -1 &&
				    e->udp[a][1 + p] == -1)
					fatalx("start without source port "
					    "socket %d", p);
	} else {
		for (a = 0; a < 2; a++)
			for (p = 0; p < RAW_PROTOS; p++)
				if (e->raw[a][p] == -1)
					fatalx("start without every raw "
					    "socket");
	}
	e->started = 1;
	if (imsg_compose(&e->ibuf, IMSG_ENGINE_READY, 0, 0, -1, NULL, 0) == -1 ||
	    imsg_flush(&e->ibuf) == -1)
		fatal("ready message");
	log_debug("forwarding");
}

/* The control socket (ipipctl): the listening fd, the parent's view. */
static void
recv_fd_control(struct engine *e, struct imsg *imsg)
{
	struct msg_fd_control	 m;
	int			 fd;

	get_payload(imsg, &m, sizeof(m), "control fd");
	if (memchr(m.group, '\0', sizeof(m.group)) == NULL)
		fatalx("control fd message with an unended group name");
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("control fd message without an fd");
	control_set_listener(e, fd, m.group);
}

static void
recv_ctl_status(struct engine *e, struct imsg *imsg)
{
	struct msg_ctl_status	 st;

	get_payload(imsg, &st, sizeof(st), "control status");
	if (memchr(st.dev, '\0', sizeof(st.dev)) == NULL ||
	    memchr(st.remote_name, '\0', sizeof(st.remote_name)) == NULL ||
	    memchr(st.file, '\0', sizeof(st.file)) == NULL ||
	    memchr(st.mode, '\0', sizeof(st.mode)) == NULL ||
	    memchr(st.role, '\0', sizeof(st.role)) == NULL ||
	    memchr(st.pause_why, '\0', sizeof(st.pause_why)) == NULL ||
	    memchr(st.resolve_err, '\0', sizeof(st.resolve_err)) == NULL ||
	    st.nresolved > RESOLVE_ADDRS_MAX || st.state > CTL_STATE_PAUSED)
		fatalx("control status out of range");
	e->ctl.st = st;
}

static void
recv_verbose(struct imsg *imsg)
{
	struct msg_set_verbose	 v;

	get_payload(imsg, &v, sizeof(v), "log level");
	if (v.verbose < 0 || v.verbose > 2)
		fatalx("log level %d out of range", v.verbose);
	log_setverbose(v.verbose);
}

/* The parent's watchdog asks whether the loop still turns. */
static void
recv_ping(struct engine *e, struct imsg *imsg)
{
	struct msg_ping	 p;

	get_payload(imsg, &p, sizeof(p), "ping");
	if (imsg_compose(&e->ibuf, IMSG_PONG, 0, 0, -1, &p, sizeof(p)) == -1 ||
	    imsg_flush(&e->ibuf) == -1)
		fatal("pong to parent");
}

static void
engine_handle(struct engine *e, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_FD_TUN:
		recv_fd_tun(e, imsg);
		break;
	case IMSG_FD_RAW:
		recv_fd_raw(e, imsg);
		break;
	case IMSG_ENGINE_CONF:
		recv_conf(e, imsg);
		break;
	case IMSG_PEER:
		recv_peer(e, imsg);
		break;
	case IMSG_FD_UDP:
		recv_fd_udp(e, imsg);
		break;
	case IMSG_ENCAP_CONF:
		recv_encap_conf(e, imsg);
		break;
	case IMSG_START:
		recv_start(e);
		break;
	case IMSG_STATUS:
		engine_log_status(e);
		break;
	case IMSG_FD_CONTROL:
		recv_fd_control(e, imsg);
		break;
	case IMSG_CTL_STATUS:
		recv_ctl_status(e, imsg);
		break;
	case IMSG_CTL_ANSWER:
		control_answer(e, imsg);
		break;
	case IMSG_SET_VERBOSE:
		recv_verbose(imsg);
		break;
	case IMSG_PING:
		recv_ping(e, imsg);
		break;
	default:
		if (tcp_engine_imsg(e, imsg))	/* tcp_imsg.c */
			break;
		/* a type the table lets through but not handled */
		fatalx("unexpected message type %u from parent",
		    imsg->hdr.type);
	}
}

void
engine_dispatch_imsg(struct engine *e)
{
	struct imsg	 imsg;
	char		 why[128];
	ssize_t		 n;

	if ((n = imsg_read(&e->ibuf)) == -1) {
		if (errno == EAGAIN)
			return;
		fatal("read from parent");
	}
	if (n == 0) {
		log_debug("parent closed the channel, exiting");
		exit(0);
	}
	for (;;) {
		if ((n = imsg_get(&e->ibuf, &imsg)) == -1)
			fatalx("malformed message stream from parent");
		if (n == 0)
			break;
		if (imsg_rule_check(&imsg, IMSG_P_ENGINE, IMSG_P_PARENT, 0,
		    &e->imsg_seen, why, sizeof(why)) == -1)
			fatalx("%s", why);
		engine_handle(e, &imsg);
		imsg_free(&imsg);
	}
}
