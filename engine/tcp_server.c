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
 * The prefix server's connections: accept with the limits on
 * connections still in their handshake (in total and per address),
 * the client's {"Id":...}, the parent's answer, the {"Prefix":...}
 * reply.  After the reply the server sends nothing until the client's
 * first packet or hold_ms: the seed's client reads the reply with one
 * recv() and parses only that, so a packet right behind the reply
 * would break it (the seed's server was quiet while it made a TUN
 * device).
 */

#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tcp.h"

static void
from_sockaddr(const struct sockaddr_storage *ss, struct tun_addr *a,
    uint16_t *port)
{
	const struct sockaddr_in	*s4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*s6 = (const struct sockaddr_in6 *)ss;

	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->af = AF_INET;
		a->u.v4 = s4->sin_addr;
		*port = ntohs(s4->sin_port);
	} else {
		a->af = AF_INET6;
		a->u.v6 = s6->sin6_addr;
		*port = ntohs(s6->sin6_port);
	}
}

/* Connections of addr still in their handshake. */
static uint32_t
unauth_from(struct tcp_engine *t, const struct tun_addr *addr)
{
	uint32_t	 n = 0;
	int32_t		 i;

	for (i = t->hs.head; i != -1; i = t->conns[i].tl.next)
		if (addr_eq(&t->conns[i].peer, addr))
			n++;
	return n;
}

/* One accepted socket: a handshake slot, or refused and closed. */
static void
accept_one(struct engine *e, int fd, const struct sockaddr_storage *ss)
{
	struct tcp_engine	*t = e->tcp;
	struct tcp_conn		*c;
	struct tun_addr		 peer;
	uint16_t		 port;
	enum tcp_cause		 cause = TC_NONE;

	from_sockaddr(ss, &peer, &port);
	t->st.accepted++;
	if (t->nunauth >= t->conf.max_unauth)
		cause = TC_MAX_HS;
	else if (unauth_from(t, &peer) >= t->conf.max_unauth_src)
		cause = TC_MAX_HS_ADDR;
	else if ((c = tcp_conn_new(t, fd)) == NULL)
		cause = TC_MAX_CLIENTS;
	if (cause != TC_NONE) {
		tcp_refused(e, NULL, &peer, cause, NULL);
		close(fd);
		return;
	}
	c->peer = peer;
	c->port = port;
	c->state = TS_HS;
	c->deadline_ms = mono_ms() + (uint64_t)t->conf.hs_timeout * 1000;
	tcp_list_add(t, &t->hs, tcp_slot(t, c), offsetof(struct tcp_conn, tl));
	t->nunauth++;
	tcp_ev_set(t, c, EPOLLIN);
}

void
tcp_accept(struct engine *e, int li)
{
	struct tcp_engine	*t = e->tcp;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 i, fd;

	for (i = 0; i < TCP_ACCEPTS; i++) {
		sl = sizeof(ss);
		fd = accept4(t->listen[li], (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			accept_one(e, fd, &ss);
			continue;
		}
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Level-triggered: the queue would wake us at once. */
			tcp_refused(e, NULL, NULL, TC_NOFD, strerror(errno));
			t->listen_paused_ms = mono_ms() + TCP_NOFD_PAUSE_MS;
			tcp_listen_poll(e, 0);
			return;
		}
		/* ECONNABORTED and the like: that one is gone, go on. */
	}
}

/* At max-clients, only an identifier that is connected already. */
static int
client_room(struct tcp_engine *t, const char *id)
{
	uint32_t	 i;

	if (t->nclients < t->conf.max_clients)
		return 1;
	for (i = 0; i < t->nconns; i++)
		if (t->conns[i].state == TS_UP &&
		    strcmp(t->conns[i].id, id) == 0)
			return 1;
	return 0;
}

/*
 * The identifier arrived: ask the parent for its /64.  Refused first at
 * max-clients, so that a refused identifier takes nothing of the pool.
 */
static void
ask_parent(struct engine *e, struct tcp_conn *c, const char *key)
{
	struct tcp_engine		*t = e->tcp;
	struct msg_tcp_assign_req	 r;

	if (!client_room(t, c->id)) {
		tcp_refused(e, c, NULL, TC_MAX_CLIENTS, NULL);
		tcp_conn_close(e, c, TC_MAX_CLIENTS);
		return;
	}

	memset(&r, 0, sizeof(r));
	r.slot = (uint32_t)tcp_slot(t, c);
	r.gen = c->gen;
	strlcpy(r.id, c->id, sizeof(r.id));
	strlcpy(r.key, key, sizeof(r.key));
	if (imsg_compose(&e->ibuf, IMSG_TCP_ASSIGN_REQ, 0, 0, -1, &r,
	    sizeof(r)) == -1)
		fatal("imsg_compose");
	c->state = TS_ASSIGN;
	tcp_ev_set(t, c, 0);	/* the rest is read once it is answered */
}

void
tcp_hs_input(struct engine *e, struct tcp_conn *c, uint8_t *buf, size_t len)
{
	enum tcp_result	 r;
	enum tcp_cause	 cause = TC_NONE;
	char		 why[160], key[TCP_KEY_MAX + 1];
	size_t		 used = 0;

	r = tcp_hs_read_id(buf, len, c->id, key, &used, &cause, why,
	    sizeof(why));
	if (r == TCP_BAD) {
		tcp_refused(e, c, NULL, cause, why);
		tcp_conn_close(e, c, cause);
		return;
	}
	if (tcp_part_save(c, r == TCP_MORE ? buf : buf + used,
	    r == TCP_MORE ? len : len - used) == -1) {
		tcp_refused(e, c, NULL, TC_ERROR, "out of memory");
		tcp_conn_close(e, c, TC_ERROR);
		return;
	}
	if (r == TCP_OK)
		ask_parent(e, c, key);
}

/* The reply, in one write: the socket has sent nothing yet. */
static int
send_prefix(struct engine *e, struct tcp_conn *c, const struct in6_addr *p)
{
	char	 buf[128];
	size_t	 n = tcp_hs_write_prefix(p, buf, sizeof(buf));
	ssize_t	 w;

	if (n == 0)
		fatalx("prefix reply does not fit");
	w = tcp_send(c->fd, buf, n);
	if (w == (ssize_t)n)
		return 0;
	tcp_refused(e, c, NULL, TC_ERROR, w == -1 ? strerror(errno) :
	    "short write of the prefix reply");
	tcp_conn_close(e, c, TC_ERROR);
	return -1;
}

/* Up: in the hash, quiet for hold_ms, reading again. */
static void
conn_up(struct engine *e, struct tcp_conn *c, uint64_t hi)
{
	struct tcp_engine	*t = e->tcp;
	int32_t			 i = tcp_slot(t, c);
	uint8_t			*rest = NULL;
	size_t			 rlen = c->part_len;

	tcp_list_del(t, &t->hs, i, offsetof(struct tcp_conn, tl));
	t->nunauth--;
	c->state = TS_UP;
	c->prefix = hi;
	tcp_hash_add(t, c);
	t->nclients++;
	c->held = 1;
	c->deadline_ms = mono_ms() + t->conf.hold_ms;
	tcp_list_add(t, &t->hold, i, offsetof(struct tcp_conn, tl));
	tcp_ev_set(t, c, EPOLLIN);
	/* Packets that came behind the identifier. */
	if (rlen > 0) {
		rest = t->rbuf;
		memcpy(rest, c->part, rlen);
		(void)tcp_frames(e, c, rest, rlen);
	}
}

/* The parent's answer for a connection in TS_ASSIGN. */
void
tcp_assigned(struct engine *e, const struct msg_tcp_assign *a)
{
	struct tcp_engine	*t = e->tcp;
	struct tcp_conn		*c, *old;
	char			 pb[64], ob[64], ab[ADDR_STRLEN];
	uint64_t		 hi = tcp_hi64(a->prefix.s6_addr);
	struct tun_addr		 pa;

	if (a->slot >= t->nconns)
		fatalx("prefix answer for slot %u", a->slot);
	c = &t->conns[a->slot];
	if (c->state != TS_ASSIGN || c->gen != a->gen)
		return;		/* closed meanwhile */
	if (a->status != TCP_ASSIGN_OK) {
		enum tcp_cause	 cause = a->status == TCP_ASSIGN_FULL ?
				    TC_POOL_FULL : a->status == TCP_ASSIGN_REFUSED ?
				    TC_NOT_ALLOWED : TC_ASSIGN_ERROR;

		tcp_refused(e, c, NULL, cause, NULL);
		tcp_conn_close(e, c, cause);
		return;
	}
	if (!tcp_hs_prefix_usable(&a->prefix) ||
	    (hi & t->pool_mask) != t->pool_hi)
		fatalx("parent answered a prefix outside the pool");
	if ((old = tcp_find_prefix(t, hi)) != NULL) {
		log_info("client %s: new connection from %s replaces the one "
		    "from %s", c->id, tcp_peer_fmt(c, pb, sizeof(pb)),
		    tcp_peer_fmt(old, ob, sizeof(ob)));
		tcp_conn_close(e, old, TC_REPLACED);
	} else if (t->nclients >= t->conf.max_clients) {
		tcp_refused(e, c, NULL, TC_MAX_CLIENTS, NULL);
		tcp_conn_close(e, c, TC_MAX_CLIENTS);
		return;
	}
	if (send_prefix(e, c, &a->prefix) == -1)
		return;
	memset(&pa, 0, sizeof(pa));
	pa.af = AF_INET6;
	pa.u.v6 = a->prefix;
	log_info("client %s (%s): prefix %s/64", c->id, tcp_peer_fmt(c, pb,
	    sizeof(pb)), addr_fmt(&pa, ab, sizeof(ab)));
	conn_up(e, c, hi);
}

/* The client spoke, or hold_ms passed: its queue may go. */
void
tcp_release_hold(struct engine *e, struct tcp_conn *c)
{
	struct tcp_engine	*t = e->tcp;

	if (!c->held)
		return;
	c->held = 0;
	tcp_list_del(t, &t->hold, tcp_slot(t, c),
	    offsetof(struct tcp_conn, tl));
	if (c->out_len > 0 && !c->dirty) {
		c->dirty = 1;
		tcp_list_add(t, &t->dirty, tcp_slot(t, c),
		    offsetof(struct tcp_conn, dl));
	}
}
