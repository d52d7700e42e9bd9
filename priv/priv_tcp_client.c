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
 * The client's parent (encap tcp): it connects to the server (the
 * address the resolver found, encap-dport), non-blocking, and hands the
 * connected socket to the engine, which makes the handshake.  When the
 * engine reports the /64 it got, the first address of it (PREFIX::1)
 * goes on the TUN device or on prefix-dev.  A connection that fails or
 * ends is tried again every reconnect-interval (2 s).  The address
 * stays while the server is away: the host's connections keep it, and
 * the server hands the same /64 out again.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

static struct {
	int		 fd;		/* connect in progress, else -1 */
	uint64_t	 due_ms;	/* next attempt, 0: none */
	uint64_t	 deadline_ms;	/* of the connect in progress */
	int		 handed;	/* the engine has a connection */
	int		 failing;	/* logged, until one works */
	struct tun_addr	 server;	/* of the last attempt */
	char		 id[TCP_ID_MAX + 1];
	int		 have_prefix;
	struct in6_addr	 prefix;	/* PREFIX::1, on addr_ifindex */
	unsigned int	 addr_ifindex;
} cl = { .fd = -1 };

/* The identifier, chosen once: the uplink may change later. */
void
tcp_client_id(struct ipipd *env, char *buf, size_t len)
{
	if (cl.id[0] == '\0')
		tcp_client_default_id(env, cl.id, sizeof(cl.id));
	strlcpy(buf, cl.id, len);
}

static uint32_t
interval_ms(const struct ipipd *env)
{
	return env->conf.tcp.reconnect_s * 1000;
}

/* A (re)started engine has no connection: make one now. */
void
tcp_client_push(struct ipipd *env)
{
	(void)env;
	if (cl.fd != -1)
		close(cl.fd);
	cl.fd = -1;
	cl.handed = 0;
	cl.due_ms = mono_ms();
}

/* "NAME (ADDRESS) port P", or "ADDRESS port P" for a literal. */
static const char *
server_name(const struct ipipd *env, char *buf, size_t len)
{
	char	 a[ADDR_STRLEN];
	struct tun_addr	 lit;

	addr_fmt(&cl.server, a, sizeof(a));
	if (addr_parse(env->conf.remote, &lit) == 0)
		snprintf(buf, len, "%s port %u", a, env->conf.encap_dport);
	else
		snprintf(buf, len, "%s (%s) port %u", env->conf.remote, a,
		    env->conf.encap_dport);
	return buf;
}

static void
attempt_failed(struct ipipd *env, const char *why)
{
	char	 s[RESOLVE_NAME_MAX + 64];

	if (cl.fd != -1)
		close(cl.fd);
	cl.fd = -1;
	if (!cl.failing)
		log_warnx("cannot connect to %s: %s; trying again every %u s",
		    server_name(env, s, sizeof(s)), why,
		    env->conf.tcp.reconnect_s);
	else
		log_debug("cannot connect to %s: %s",
		    server_name(env, s, sizeof(s)), why);
	cl.failing = 1;
	cl.due_ms = mono_ms() + interval_ms(env);
}

static void
attempt(struct ipipd *env, uint64_t now)
{
	const struct tun_addr	*local = &env->conf.local;

	cl.due_ms = 0;
	cl.server = env->remote;
	if ((cl.fd = tcp_sock_connect(local, &env->remote,
	    env->conf.encap_dport)) == -1) {
		attempt_failed(env, strerror(errno));
		return;
	}
	cl.deadline_ms = now + env->conf.tcp.hs_timeout_s * 1000;
}

void
tcp_client_tick(struct ipipd *env, uint64_t now)
{
	if (cl.fd != -1 && now >= cl.deadline_ms)
		attempt_failed(env, "timed out");
	if (cl.fd == -1 && !cl.handed && cl.due_ms != 0 && now >= cl.due_ms &&
	    env->engine_started && env->engine.alive &&
	    addr_is_set(&env->remote))
		attempt(env, now);
}

uint64_t
tcp_client_next_ms(void)
{
	if (cl.fd != -1)
		return cl.deadline_ms;
	return cl.handed ? 0 : cl.due_ms;
}

int
tcp_client_pollfd(short *events)
{
	*events = POLLOUT;
	return cl.fd;
}

/* The connect finished: to the engine if it worked. */
void
tcp_client_connected(struct ipipd *env, short revents)
{
	struct msg_fd_tcp	 m;
	socklen_t		 sl = sizeof(int);
	int			 soerr = 0;

	if (cl.fd == -1 || !(revents & (POLLOUT | POLLERR | POLLHUP)))
		return;
	if (getsockopt(cl.fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
		soerr = errno;
	if (soerr != 0) {
		attempt_failed(env, strerror(soerr));
		return;
	}
	memset(&m, 0, sizeof(m));
	m.addr = cl.server;
	m.port = env->conf.encap_dport;
	if (imsg_compose(&env->engine.ibuf, IMSG_FD_TCP_CONN, 0, 0, cl.fd, &m,
	    sizeof(m)) == -1)
		fatal("imsg_compose to engine");
	cl.fd = -1;	/* the imsg layer closes it once sent */
	cl.handed = 1;
	log_debug("connected to the server, handshake");
}

/* The engine lost the connection: again after the interval. */
void
tcp_client_down(struct ipipd *env, struct imsg *imsg)
{
	if (imsg_get_len(imsg) != 0)
		fatalx("engine sent a malformed connection-down message");
	if (!cl.handed)
		fatalx("engine reported the end of a connection it was not "
		    "given");
	cl.handed = 0;
	cl.due_ms = mono_ms() + interval_ms(env);
	log_info("connection to the server ended; connecting again in %u s",
	    env->conf.tcp.reconnect_s);
}

/*
 * The checks of the engine (tcp_hs.c): a unicast /64 that is not the
 * server's own.  A prefix failing them here comes from an engine gone
 * wrong.
 */
static int
prefix_ok(const struct in6_addr *p, const struct tun_addr *server)
{
	static const uint8_t	 zero[8];

	if (memcmp(p->s6_addr + 8, zero, 8) != 0 ||
	    memcmp(p->s6_addr, zero, 8) == 0 || p->s6_addr[0] == 0xff ||
	    (p->s6_addr[0] == 0xfe && (p->s6_addr[1] & 0xc0) == 0x80))
		return 0;
	return server->af != AF_INET6 ||
	    memcmp(server->u.v6.s6_addr, p->s6_addr, 8) != 0;
}

static unsigned int
prefix_ifindex(const struct ipipd *env)
{
	unsigned int	 i;

	if (env->conf.tcp.prefix_dev[0] == '\0')
		return env->res.ifindex;
	if ((i = if_nametoindex(env->conf.tcp.prefix_dev)) == 0)
		log_warn("prefix-dev %s", env->conf.tcp.prefix_dev);
	return i;
}

/* PREFIX::1 where it belongs; the old one, if any, goes. */
static void
place_address(struct ipipd *env, const struct in6_addr *a)
{
	unsigned int	 ifi = prefix_ifindex(env);
	char		 b[ADDR_STRLEN];
	struct tun_addr	 ta;

	if (cl.have_prefix && memcmp(&cl.prefix, a, sizeof(*a)) == 0 &&
	    cl.addr_ifindex == ifi)
		return;
	if (cl.have_prefix && tcp_nl_addr(env, cl.addr_ifindex, &cl.prefix,
	    64, 0) == -1 && errno != EADDRNOTAVAIL && errno != ENODEV)
		log_warn("remove the old address");
	cl.have_prefix = 0;
	if (ifi == 0)
		return;
	memset(&ta, 0, sizeof(ta));
	ta.af = AF_INET6;
	ta.u.v6 = *a;
	if (tcp_nl_addr(env, ifi, a, 64, 1) == -1) {
		log_warn("add address %s/64", addr_fmt(&ta, b, sizeof(b)));
		return;
	}
	cl.have_prefix = 1;
	cl.prefix = *a;
	cl.addr_ifindex = ifi;
}

void
tcp_client_prefix(struct ipipd *env, struct imsg *imsg)
{
	struct msg_tcp_prefix	 m;
	struct in6_addr		 a;
	struct tun_addr		 ta;
	char			 b[ADDR_STRLEN], s[RESOLVE_NAME_MAX + 64];

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1 || !cl.handed ||
	    !prefix_ok(&m.prefix, &cl.server))
		fatalx("engine sent a malformed prefix message");
	memset(&ta, 0, sizeof(ta));
	ta.af = AF_INET6;
	ta.u.v6 = m.prefix;
	if (cl.failing)
		log_info("connected to %s again", server_name(env, s,
		    sizeof(s)));
	cl.failing = 0;
	log_info("prefix %s/64 assigned by %s", addr_fmt(&ta, b, sizeof(b)),
	    server_name(env, s, sizeof(s)));
	a = m.prefix;
	a.s6_addr[15] = 1;
	place_address(env, &a);
}
