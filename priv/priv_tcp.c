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
 * The hooks through which the rest of the parent runs the TCP roles
 * (priv_tcp.h): start-up, what the engine is sent, its messages, and
 * the client's connection in the poll loop.  Each does nothing unless
 * the configuration is encap tcp or serve tcp.
 */

#include <sys/resource.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"
#include "log.h"

static int
is_tcp(const struct ipipd *env)
{
	return env->conf.encap == ENCAP_TCP;
}

static int
is_server(const struct ipipd *env)
{
	return tcp_conf_is_server(&env->conf);
}

/*
 * Enough fds for every client, every handshake and a margin; raised
 * while root (the engine inherits the limit).
 */
static void
raise_nofile(const struct tcp_conf *t)
{
	struct rlimit	 rl;
	rlim_t		 want = (rlim_t)t->max_clients + t->max_hs + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit RLIMIT_NOFILE");
	if (rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			fatal("getrlimit RLIMIT_NOFILE");
		log_warnx("max-clients %u needs %llu fds, the limit is %llu",
		    t->max_clients, (unsigned long long)want,
		    (unsigned long long)rl.rlim_max);
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Before anything is opened: the assignments file, fd limits. */
void
tcp_priv_init(struct ipipd *env)
{
	if (!is_tcp(env))
		return;
	if (atexit(tcp_nl_remove_all) != 0)
		fatalx("atexit");
	if (is_server(env)) {
		raise_nofile(&env->conf.tcp);
		tcp_server_init(env);
	} else if (env->conf.tcp.prefix_dev[0] != '\0' &&
	    if_nametoindex(env->conf.tcp.prefix_dev) == 0)
		fatalx("prefix-dev %s: no such interface",
		    env->conf.tcp.prefix_dev);
}

/* While privileged: the server's listening sockets. */
void
tcp_priv_open(struct ipipd *env)
{
	if (is_server(env))
		tcp_server_open(env);
}

/* serve tcp, once privileges are dropped: the device, then the engine. */
void
tcp_priv_start(struct ipipd *env)
{
	tcp_server_start(env);
}

static void
send_engine(struct ipipd *env, uint32_t type, int fd, const void *data,
    size_t len)
{
	if (imsg_compose(&env->engine.ibuf, type, 0, 0, fd, data, len) == -1)
		fatal("imsg_compose to engine");
}

/* A copy for the engine: the imsg layer closes what it sends. */
int
tcp_dup(int fd)
{
	int	 d;

	if ((d = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("dup");
	return d;
}

static void
push_tcp_conf(struct ipipd *env)
{
	const struct tcp_conf	*t = &env->conf.tcp;
	struct msg_tcp_conf	 m;

	memset(&m, 0, sizeof(m));
	m.role = is_server(env) ? TCP_ROLE_SERVER : TCP_ROLE_CLIENT;
	m.hs_timeout = (uint16_t)t->hs_timeout_s;
	m.max_clients = t->max_clients;
	m.max_unauth = t->max_hs;
	m.max_unauth_src = t->max_hs_addr;
	m.sendq_max = t->sendq_kb * 1024;
	m.hold_ms = TCP_DEFAULT_HOLD_MS;
	if (is_server(env)) {
		m.pool = t->pool.u.v6;
		m.pool_plen = t->pool_plen;
	} else {
		tcp_client_id(env, m.id, sizeof(m.id));
		strlcpy(m.key, t->key, sizeof(m.key));
	}
	send_engine(env, IMSG_TCP_CONF, -1, &m, sizeof(m));
}

/* engine_push_start() for the TCP roles: no raw or UDP sockets. */
void
tcp_engine_push_start(struct ipipd *env)
{
	struct msg_fd_tun	 t;
	struct msg_encap_conf	 ec;

	tcp_nl_txqlen(env);
	memset(&t, 0, sizeof(t));
	t.ifindex = env->res.ifindex;
	strlcpy(t.ifname, env->conf.dev, sizeof(t.ifname));
	send_engine(env, IMSG_FD_TUN, tcp_dup(env->res.tun_fd), &t,
	    sizeof(t));
	engine_push_conf(env);
	memset(&ec, 0, sizeof(ec));
	ec.type = ENCAP_TCP;
	ec.dport = is_server(env) ? env->conf.tcp.port :
	    env->conf.encap_dport;
	send_engine(env, IMSG_ENCAP_CONF, -1, &ec, sizeof(ec));
	push_tcp_conf(env);
	if (is_server(env))
		tcp_server_push(env);
	else
		tcp_client_push(env);
	send_engine(env, IMSG_START, -1, NULL, 0);
	env->engine_started = 1;
}

/* An engine message of the TCP roles: 1 when it was one. */
int
tcp_priv_dispatch(struct ipipd *env, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_TCP_ASSIGN_REQ:
		if (!is_server(env))
			fatalx("engine asked for a prefix, but this is no "
			    "server");
		tcp_server_assign_req(env, imsg);
		return 1;
	case IMSG_TCP_PREFIX:
	case IMSG_TCP_DOWN:
		if (!is_tcp(env) || is_server(env))
			fatalx("engine sent a client message (type %u), but "
			    "this is no tcp client", imsg->hdr.type);
		if (imsg->hdr.type == IMSG_TCP_PREFIX)
			tcp_client_prefix(env, imsg);
		else
			tcp_client_down(env, imsg);
		return 1;
	}
	return 0;
}

/* After each turn of the loop: answers wait for the file to be written. */
void
tcp_priv_flush(struct ipipd *env)
{
	if (is_server(env))
		tcp_server_flush(env);
}

/* The client's connection in progress, or -1. */
int
tcp_priv_pollfd(struct ipipd *env, short *events)
{
	if (!is_tcp(env) || is_server(env))
		return -1;
	return tcp_client_pollfd(events);
}

void
tcp_priv_pollin(struct ipipd *env, short revents)
{
	tcp_client_connected(env, revents);
}

uint64_t
tcp_priv_next_ms(struct ipipd *env)
{
	if (!is_tcp(env) || is_server(env))
		return 0;
	return tcp_client_next_ms();
}

void
tcp_priv_tick(struct ipipd *env, uint64_t now)
{
	if (is_tcp(env) && !is_server(env))
		tcp_client_tick(env, now);
}
