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
 * The client's connection (encap tcp): the parent connects and passes
 * the socket; the engine sends {"Id":...} in one write, reads the
 * server's {"Prefix":...}, reports the /64 to the parent and forwards.
 * Whatever ends the connection is reported too (IMSG_TCP_DOWN): the
 * parent connects again after reconnect-interval.
 */

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tcp.h"

static void
tell_parent(struct engine *e, uint32_t type, const void *data, size_t len)
{
	if (imsg_compose(&e->ibuf, type, 0, 0, -1, data, len) == -1 ||
	    imsg_flush(&e->ibuf) == -1)
		fatal("message to parent");
}

void
tcp_client_conn(struct engine *e, int fd, const struct msg_fd_tcp *m)
{
	struct tcp_engine	*t = e->tcp;
	struct tcp_conn		*c;
	char			 buf[256];
	size_t			 n;
	ssize_t			 w;

	if (t->client != -1)
		fatalx("second connection from the parent");
	if ((c = tcp_conn_new(t, fd)) == NULL)
		fatalx("no connection slot");
	t->client = tcp_slot(t, c);
	c->peer = m->addr;
	c->port = m->port;
	c->state = TS_HS;
	c->deadline_ms = mono_ms() + (uint64_t)t->conf.hs_timeout * 1000;
	tcp_list_add(t, &t->hs, t->client, offsetof(struct tcp_conn, tl));
	t->nunauth++;
	if ((n = tcp_hs_write_id(t->conf.id, t->conf.key, buf,
	    sizeof(buf))) == 0)
		fatalx("identifier does not fit");
	w = tcp_send(fd, buf, n);
	if (w != (ssize_t)n) {
		tcp_refused(e, c, NULL, TC_ERROR, w == -1 ? strerror(errno) :
		    "short write of the identifier");
		tcp_conn_close(e, c, TC_ERROR);
		return;
	}
	tcp_ev_set(t, c, EPOLLIN);
	log_debug("sent identifier %s", t->conf.id);
}

void
tcp_client_hs_input(struct engine *e, struct tcp_conn *c, uint8_t *buf,
    size_t len)
{
	struct tcp_engine	*t = e->tcp;
	struct msg_tcp_prefix	 m;
	enum tcp_result		 r;
	enum tcp_cause		 cause = TC_NONE;
	char			 why[160];
	size_t			 used = 0;

	memset(&m, 0, sizeof(m));
	r = tcp_hs_read_prefix(buf, len, &m.prefix, &used, &cause, why,
	    sizeof(why));
	if (r == TCP_OK && c->peer.af == AF_INET6 &&
	    tcp_hi64(m.prefix.s6_addr) == tcp_hi64(c->peer.u.v6.s6_addr)) {
		r = TCP_BAD;
		cause = TC_BAD_PREFIX;
		snprintf(why, sizeof(why), "the prefix holds the server's "
		    "own address");
	}
	if (r == TCP_BAD) {
		tcp_refused(e, c, NULL, cause, why);
		tcp_conn_close(e, c, cause);
		return;
	}
	if (r == TCP_MORE) {
		if (tcp_part_save(c, buf, len) == -1)
			fatal("handshake buffer");
		return;
	}
	tcp_list_del(t, &t->hs, t->client, offsetof(struct tcp_conn, tl));
	t->nunauth--;
	c->state = TS_UP;
	c->prefix = tcp_hi64(m.prefix.s6_addr);
	tell_parent(e, IMSG_TCP_PREFIX, &m, sizeof(m));
	tcp_tun_poll(e, 1);
	(void)tcp_frames(e, c, buf + used, len - used);
}

/* From tcp_conn_close(): the parent connects again. */
void
tcp_client_closed(struct engine *e, struct tcp_conn *c)
{
	struct tcp_engine	*t = e->tcp;

	if (tcp_slot(t, c) != t->client)
		return;
	t->client = -1;
	tcp_tun_poll(e, 0);
	tell_parent(e, IMSG_TCP_DOWN, NULL, 0);
}
