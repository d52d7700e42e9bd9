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
 * The engine's loop for the TCP roles, in place of engine_loop() once
 * started: epoll over the channel to the parent, the TUN device, the
 * listening sockets and every connection, level-triggered.  Each
 * event's data holds what it is and, for a connection, its slot and
 * generation, so that an event for a slot closed and reused within
 * the same batch is ignored.  Timers: handshake deadlines and the
 * quiet after a Prefix reply, each list in deadline order.
 */

#include <sys/epoll.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>

#include "log.h"
#include "tcp.h"

enum { EV_IMSG = 1, EV_TUN, EV_LISTEN, EV_CONN };

static uint64_t
ev_data(int kind, uint32_t gen, int32_t slot)
{
	return (uint64_t)kind << 56 | (uint64_t)(gen & 0xffffff) << 32 |
	    (uint32_t)slot;
}

static void
ep(struct tcp_engine *t, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event	 ev;

	ev.events = events;
	ev.data.u64 = data;
	if (epoll_ctl(t->epfd, op, fd, &ev) == -1)
		fatal("epoll_ctl");
}

/* The events c is watched for (0: none, though hang-ups still come). */
void
tcp_ev_set(struct tcp_engine *t, struct tcp_conn *c, uint32_t events)
{
	int	 op = c->reg ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (c->reg && c->ev == events)
		return;
	ep(t, op, c->fd, events, ev_data(EV_CONN, c->gen, tcp_slot(t, c)));
	c->ev = events;
	c->reg = 1;
}

void
tcp_tun_poll(struct engine *e, int on)
{
	struct tcp_engine	*t = e->tcp;

	if (on == t->tun_polled || e->tun_gone)
		return;
	ep(t, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, e->tun_fd, EPOLLIN,
	    ev_data(EV_TUN, 0, 0));
	t->tun_polled = on;
}

void
tcp_listen_poll(struct engine *e, int on)
{
	struct tcp_engine	*t = e->tcp;
	int			 i;

	for (i = 0; i < t->nlisten; i++)
		ep(t, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, t->listen[i],
		    EPOLLIN, ev_data(EV_LISTEN, 0, i));
}

/* Deleted device (ip link delete): the parent stops the daemon. */
static void
tun_gone(struct engine *e)
{
	tcp_tun_poll(e, 0);
	e->tun_gone = 1;
	if (imsg_compose(&e->ibuf, IMSG_TUN_GONE, 0, 0, -1, NULL, 0) == -1 ||
	    imsg_flush(&e->ibuf) == -1)
		fatal("TUN device report to parent");
}

static void
conn_event(struct engine *e, uint32_t gen, int32_t slot, uint32_t events)
{
	struct tcp_engine	*t = e->tcp;
	struct tcp_conn		*c;

	if (slot < 0 || (uint32_t)slot >= t->nconns)
		fatalx("epoll event for slot %d", slot);
	c = &t->conns[slot];
	if (c->state == TS_FREE || (c->gen & 0xffffff) != gen)
		return;
	/* Waiting for the parent, not reading: a reset ends it now. */
	if (c->state == TS_ASSIGN) {
		if (events & (EPOLLHUP | EPOLLERR))
			tcp_conn_close(e, c, TC_HS_EOF);
		return;
	}
	if ((events & EPOLLOUT) && tcp_out_flush(e, c) == -1)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		tcp_conn_read(e, c);
}

/* Expired handshakes and quiet periods; ms until the next, or -1. */
static int
timers(struct engine *e, uint64_t now)
{
	struct tcp_engine	*t = e->tcp;
	struct tcp_conn		*c;
	uint64_t		 next = 0;

	while (t->hs.head != -1 &&
	    (c = &t->conns[t->hs.head])->deadline_ms <= now) {
		tcp_refused(e, c, NULL, TC_HS_TIMEOUT, NULL);
		tcp_conn_close(e, c, TC_HS_TIMEOUT);
	}
	while (t->hold.head != -1 &&
	    (c = &t->conns[t->hold.head])->deadline_ms <= now)
		tcp_release_hold(e, c);
	tcp_flush_dirty(e);
	if (t->listen_paused_ms != 0 && t->listen_paused_ms <= now) {
		t->listen_paused_ms = 0;
		tcp_listen_poll(e, 1);
	}
	if (t->hs.head != -1)
		next = t->conns[t->hs.head].deadline_ms;
	if (t->hold.head != -1 && (next == 0 ||
	    t->conns[t->hold.head].deadline_ms < next))
		next = t->conns[t->hold.head].deadline_ms;
	if (t->listen_paused_ms != 0 && (next == 0 ||
	    t->listen_paused_ms < next))
		next = t->listen_paused_ms;
	if (next == 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void
dispatch(struct engine *e, struct epoll_event *ev)
{
	uint64_t	 d = ev->data.u64;
	int		 kind = (int)(d >> 56);

	switch (kind) {
	case EV_IMSG:
		engine_dispatch_imsg(e);
		break;
	case EV_TUN:
		if (ev->events & (EPOLLERR | EPOLLHUP))
			tun_gone(e);
		else if (ev->events & EPOLLIN)
			tcp_tun_read(e);
		break;
	case EV_LISTEN:
		tcp_accept(e, (int)(uint32_t)d);
		break;
	case EV_CONN:
		conn_event(e, (uint32_t)(d >> 32) & 0xffffff,
		    (int32_t)(uint32_t)d, ev->events);
		break;
	default:
		fatalx("epoll event of kind %d", kind);
	}
}

void
tcp_loop(struct engine *e)
{
	struct tcp_engine	*t = e->tcp;
	struct epoll_event	 evs[TCP_EVENTS];
	struct pollfd		 pfd[1 + CTL_POLLFDS];
	int			 n, nc, i, timeout;

	ep(t, EPOLL_CTL_ADD, e->ibuf.fd, EPOLLIN, ev_data(EV_IMSG, 0, 0));
	if (t->conf.role == TCP_ROLE_SERVER) {
		tcp_tun_poll(e, 1);
		tcp_listen_poll(e, 1);
	}
	for (;;) {
		timeout = control_timeout(e, timers(e, mono_ms()));
		if (e->ibuf.w.queued > 0 && imsg_flush(&e->ibuf) == -1)
			fatal("write to parent");
		/*
		 * ipipctl's few clients are polled beside the epoll set,
		 * whose fd is readable whenever one of its events is ready:
		 * one wait for both, and the control code stays the same
		 * in every role.
		 */
		pfd[0].fd = t->epfd;
		pfd[0].events = POLLIN;
		nc = control_pollfds(e, pfd + 1);
		if (poll(pfd, 1 + nc, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		n = 0;
		if (pfd[0].revents & POLLIN &&
		    (n = epoll_wait(t->epfd, evs, TCP_EVENTS, 0)) == -1) {
			if (errno != EINTR)
				fatal("epoll_wait");
			n = 0;
		}
		for (i = 0; i < n; i++)
			dispatch(e, &evs[i]);
		tcp_flush_dirty(e);
		control_events(e, pfd + 1, nc);
	}
}
