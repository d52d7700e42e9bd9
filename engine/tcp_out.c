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
 * Send queues: packets bound for a connection are appended to its
 * queue and written in one send per connection after each batch, so
 * that many packets share a system call and the kernel's TCP
 * segmentation.  A queue is bounded (send-queue, and TCP_QUEUED_MAX
 * for all of them): a client that does not read loses its own packets,
 * counted, and never stalls the others.  The memory goes back as soon
 * as a queue is empty.
 */

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tcp.h"

#define OUT_MIN		(64 * 1024)

void
tcp_out_free(struct tcp_engine *t, struct tcp_conn *c)
{
	t->queued -= c->out_cap;
	free(c->out);
	c->out = NULL;
	c->out_head = c->out_len = c->out_cap = 0;
}

/* Room for len more bytes at the end, within the bounds. */
static int
out_room(struct tcp_engine *t, struct tcp_conn *c, size_t len)
{
	size_t	 need = (size_t)c->out_len + len, cap;
	uint8_t	*p;

	if (need > t->conf.sendq_max)
		return -1;
	if (c->out_head + need <= c->out_cap)
		return 0;
	if (need <= c->out_cap) {	/* slide to the front */
		memmove(c->out, c->out + c->out_head, c->out_len);
		c->out_head = 0;
		return 0;
	}
	for (cap = c->out_cap ? c->out_cap : OUT_MIN; cap < need; cap *= 2)
		;
	if (cap > t->conf.sendq_max)
		cap = t->conf.sendq_max;
	if (t->queued - c->out_cap + cap > TCP_QUEUED_MAX)
		return -1;
	if ((p = malloc(cap)) == NULL)
		return -1;
	if (c->out_len > 0)
		memcpy(p, c->out + c->out_head, c->out_len);
	free(c->out);
	t->queued += cap - c->out_cap;
	c->out = p;
	c->out_cap = (uint32_t)cap;
	c->out_head = 0;
	return 0;
}

/* Queue one packet for c; -1 (counted) when it does not fit. */
int
tcp_out_append(struct engine *e, struct tcp_conn *c, const uint8_t *pkt,
    size_t len)
{
	struct tcp_engine	*t = e->tcp;

	if (out_room(t, c, len) == -1) {
		tcp_drop(e, c, TD_SENDQ, "its send queue is full (it does "
		    "not read)");
		return -1;
	}
	memcpy(c->out + c->out_head + c->out_len, pkt, len);
	c->out_len += (uint32_t)len;
	t->st.tx_pkts++;
	t->st.tx_bytes += len;
	c->tx_pkts++;
	c->tx_bytes += len;
	if (!c->dirty && !c->held) {
		c->dirty = 1;
		tcp_list_add(t, &t->dirty, tcp_slot(t, c),
		    offsetof(struct tcp_conn, dl));
	}
	return 0;
}

/* One send (sendmsg: the seccomp filter has no sendto). */
ssize_t
tcp_send(int fd, const void *buf, size_t len)
{
	struct iovec	 iov;
	struct msghdr	 msg;

	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	return sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/*
 * Write what c has queued.  0 when done or the kernel is full (EPOLLOUT
 * then says when to go on), -1 when the connection failed and was
 * closed.
 */
int
tcp_out_flush(struct engine *e, struct tcp_conn *c)
{
	struct tcp_engine	*t = e->tcp;
	ssize_t			 n;

	while (c->out_len > 0) {
		n = tcp_send(c->fd, c->out + c->out_head, c->out_len);
		t->st.tx_writes++;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				tcp_ev_set(t, c, c->ev | EPOLLOUT);
				return 0;
			}
			tcp_refused(e, c, NULL, TC_ERROR, strerror(errno));
			tcp_conn_close(e, c, TC_ERROR);
			return -1;
		}
		c->out_head += (uint32_t)n;
		c->out_len -= (uint32_t)n;
	}
	tcp_out_free(t, c);
	if (c->ev & EPOLLOUT)
		tcp_ev_set(t, c, c->ev & ~EPOLLOUT);
	return 0;
}

/* After a batch: every queue that got packets. */
void
tcp_flush_dirty(struct engine *e)
{
	struct tcp_engine	*t = e->tcp;
	struct tcp_conn		*c;
	int32_t			 i;

	while ((i = t->dirty.head) != -1) {
		c = &t->conns[i];
		tcp_list_del(t, &t->dirty, i, offsetof(struct tcp_conn, dl));
		c->dirty = 0;
		/* Waiting for EPOLLOUT: the kernel is full anyway. */
		if (!(c->ev & EPOLLOUT))
			(void)tcp_out_flush(e, c);
	}
}
