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
 * The parent's channel to the engine: what it tells the engine (its
 * fds, its settings, the peer) and what the engine reports back.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

static void
engine_send(struct ipipd *env, uint32_t type, int fd, const void *data,
    size_t len)
{
	if (imsg_compose(&env->engine.ibuf, type, 0, 0, fd, data, len) == -1)
		fatal("imsg_compose to engine");
}

/* The imsg layer closes what it sends: the engine gets a copy. */
static int
dup_fd(int fd)
{
	int	 d;

	if ((d = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("dup");
	return d;
}

/* encap fou|gue: the bound UDP sockets and what to do with them. */
static void
engine_send_udp(struct ipipd *env)
{
	static const int	 afs[2] = { AF_INET, AF_INET6 };
	const struct ipipd_conf	*c = &env->conf;
	struct msg_encap_conf	 ec;
	struct msg_fd_udp	 u;
	int			 a, i;

	for (a = 0; a < 2; a++) {
		for (i = 0; i < 1 + env->res.nsports; i++) {
			if (env->res.udp[a][i] == -1)
				continue;
			memset(&u, 0, sizeof(u));
			u.af = afs[a];
			u.role = i == 0 ? UDP_ROLE_LISTEN : UDP_ROLE_SPORT;
			u.index = i == 0 ? 0 : (uint8_t)(i - 1);
			u.port = env->res.udp_port[a][i];
			engine_send(env, IMSG_FD_UDP,
			    dup_fd(env->res.udp[a][i]), &u, sizeof(u));
		}
	}
	memset(&ec, 0, sizeof(ec));
	ec.type = c->encap;
	ec.flags = c->encap_flags;
	ec.dport = c->encap_dport;
	ec.peer_sport = c->peer_sport;
	ec.keepalive = c->keepalive;
	ec.nsports = (uint16_t)env->res.nsports;
	engine_send(env, IMSG_ENCAP_CONF, -1, &ec, sizeof(ec));
}

static void
engine_send_fds(struct ipipd *env)
{
	static const int	 afs[2] = { AF_INET, AF_INET6 };
	static const int	 protos[3] = { IPPROTO_IPIP, IPPROTO_IPV6,
				    IPPROTO_MPLS };
	struct msg_fd_tun	 t;
	struct msg_fd_raw	 r;
	int			 a, p;

	memset(&t, 0, sizeof(t));
	t.ifindex = env->res.ifindex;
	strlcpy(t.ifname, env->conf.dev, sizeof(t.ifname));
	engine_send(env, IMSG_FD_TUN, dup_fd(env->res.tun_fd), &t, sizeof(t));
	if (env->conf.encap != ENCAP_NONE) {
		engine_send_udp(env);
		return;
	}
	for (a = 0; a < 2; a++) {
		for (p = 0; p < 3; p++) {
			memset(&r, 0, sizeof(r));
			r.af = afs[a];
			r.proto = protos[p];
			engine_send(env, IMSG_FD_RAW,
			    dup_fd(env->res.raw[a][p]), &r, sizeof(r));
		}
	}
}

void
engine_push_conf(struct ipipd *env)
{
	struct msg_engine_conf	 c;

	memset(&c, 0, sizeof(c));
	c.tun_mtu = env->tun_mtu;
	c.ttl = env->conf.ttl;
	c.tos = env->conf.tos;
	c.tclass = env->conf.tclass;
	c.flowlabel = env->conf.flowlabel;
	c.encaplimit = (int16_t)env->conf.encaplimit;
	/* What the TUN fd really is, whatever a reload asked for. */
	c.flags = (env->conf.flags & ~CONF_OFFLOAD) |
	    (env->res.tun_vnet ? CONF_OFFLOAD : 0);
	c.carry = conf_carry(&env->conf);
	engine_send(env, IMSG_ENGINE_CONF, -1, &c, sizeof(c));
}

void
engine_push_start(struct ipipd *env)
{
	struct msg_peer		 p;

	if (env->conf.encap == ENCAP_TCP) {
		tcp_engine_push_start(env);	/* priv_tcp.c */
		return;
	}
	engine_send_fds(env);
	engine_push_conf(env);
	memset(&p, 0, sizeof(p));
	p.local = env->local;
	p.remote = env->remote;
	p.outer_mtu = env->outer_mtu;
	engine_send(env, IMSG_PEER, -1, &p, sizeof(p));
	engine_send(env, IMSG_START, -1, NULL, 0);
	env->engine_started = 1;
}

/* " encap fou port 5556 -> 5555" for the tunnel up line, or "". */
static void
encap_desc(const struct ipipd *env, char *buf, size_t len)
{
	const struct ipipd_conf	*c = &env->conf;

	buf[0] = '\0';
	if (c->encap == ENCAP_NONE)
		return;
	if (c->encap == ENCAP_TCP) {
		snprintf(buf, len, " encap tcp port %u", c->encap_dport);
		return;
	}
	snprintf(buf, len, " encap %s port %u -> %u",
	    c->encap == ENCAP_FOU ? "fou" : "gue", c->listen_port,
	    c->encap_dport);
}

void
engine_ready(struct ipipd *env)
{
	char	 l[ADDR_STRLEN], r[ADDR_STRLEN], e[48], up[256];

	if (env->up) {
		log_info("engine restarted, forwarding again");
		return;
	}
	env->up = 1;
	encap_desc(env, e, sizeof(e));
	if (tcp_conf_is_server(&env->conf))
		tcp_server_up_line(env, up, sizeof(up));	/* priv_tcp_server.c */
	else
		snprintf(up, sizeof(up), "tunnel up: dev %s local %s remote %s "
		    "mtu %u%s%s", env->conf.dev, addr_fmt(&env->local, l,
		    sizeof(l)), addr_fmt(&env->remote, r, sizeof(r)),
		    env->tun_mtu, e, env->res.tun_created ?
		    " (temporary device)" : "");
	log_info("%s", up);
	warn_kernel_tunnels();
	daemon_ready();
	notify_ready(up);
	log_tee_stderr(0);
}

/*
 * Someone deleted the TUN device: its addresses and routes went with it
 * and the fd is dead.  Restarting the engine would not bring it back,
 * and making a new device would undo what the administrator did, so the
 * daemon stops, as after an error.
 */
static void __attribute__((noreturn))
tun_gone(struct ipipd *env)
{
	log_warnx("TUN device %s was deleted; exiting", env->conf.dev);
	priv_shutdown(env, 1);
}

/* A message from the engine, which kept the rules of ipipd_msg.h. */
void
engine_dispatch(struct ipipd *env, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_ENGINE_READY:
		engine_ready(env);
		break;
	case IMSG_LOG:
		child_log(&env->engine, imsg);
		break;
	case IMSG_PEER_UNREACH:
		peer_unreachable(env);
		break;
	case IMSG_TUN_GONE:
		tun_gone(env);
		break;
	case IMSG_CTL_REQUEST:
		ctl_request(env, imsg);
		break;
	case IMSG_PONG:
		watchdog_pong(env, imsg);
		break;
	default:
		if (tcp_priv_dispatch(env, imsg))	/* priv_tcp.c */
			break;
		/* a type the table lets through but not handled */
		fatalx("engine sent unexpected message type %u",
		    imsg->hdr.type);
	}
}
