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
 * The control socket's clients, served from the engine's poll loop.
 * Each has a slot of fixed buffers (control.h); at most
 * CTL_CLIENTS_MAX are served, more wait in the kernel's backlog.  A
 * request is read only while the previous reply is out, so a client
 * that never reads stalls only itself and is dropped after
 * CTL_STALL_MS; one that never finishes a request after CTL_IDLE_MS.
 * Replies go out with non-blocking sends.  Whatever a client does, the
 * work per wake-up is a read and a send per slot.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"

void
control_init(struct engine *e)
{
	int	 i;

	e->ctl.lfd = -1;
	e->ctl.start_ms = mono_ms();
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		e->ctl.conns[i].fd = -1;
}

/* The parent's socket, at start and after each engine restart. */
void
control_set_listener(struct engine *e, int fd, const char *group)
{
	if (e->ctl.lfd != -1)
		close(e->ctl.lfd);
	e->ctl.lfd = fd;
	strlcpy(e->ctl.group, group, sizeof(e->ctl.group));
}

void
ctl_drop(struct engine *e, struct ctl_conn *c)
{
	(void)e;
	if (c->fd != -1)
		close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Append one message to c's replies; -1 if it does not fit. */
int
ctl_reply(struct ctl_conn *c, uint32_t type, const void *data, size_t len)
{
	struct imsg_hdr	 hdr;

	if (len > CTL_WBUF || c->wlen + IMSG_HEADER_SIZE + len > CTL_WBUF)
		return -1;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint16_t)(IMSG_HEADER_SIZE + len);
	memcpy(c->wbuf + c->wlen, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(c->wbuf + c->wlen + IMSG_HEADER_SIZE, data, len);
	c->wlen += IMSG_HEADER_SIZE + len;
	return 0;
}

static int
conn_idle(const struct ctl_conn *c)
{
	return c->wlen == 0 && c->id == 0 && !c->closing && c->more == 0;
}

/*
 * The complete requests in c's buffer, one at a time: the next waits
 * until the reply to this one is out.  A frame no request can have
 * drops the client.  0, or -1 when c was dropped.
 */
static int
conn_parse(struct engine *e, struct ctl_conn *c)
{
	struct imsg_hdr	 hdr;

	while (conn_idle(c) && c->rlen >= IMSG_HEADER_SIZE) {
		memcpy(&hdr, c->rbuf, sizeof(hdr));
		if (hdr.len < IMSG_HEADER_SIZE || hdr.len > CTL_REQ_MAX ||
		    hdr.flags != 0) {
			e->ctl.stats.bad++;
			ctl_drop(e, c);
			return -1;
		}
		if (c->rlen < hdr.len)
			break;
		if (control_request(e, c, hdr.type, c->rbuf +
		    IMSG_HEADER_SIZE, hdr.len - IMSG_HEADER_SIZE) == -1)
			return -1;
		memmove(c->rbuf, c->rbuf + hdr.len, c->rlen - hdr.len);
		c->rlen -= hdr.len;
		c->deadline_ms = mono_ms() + (c->id != 0 ? CTL_PARK_MS :
		    CTL_STALL_MS);
	}
	return 0;
}

static void
conn_read(struct engine *e, struct ctl_conn *c)
{
	ssize_t	 n;

	/* Any fd a client sends is dropped by the kernel: no control buffer. */
	n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone, in the middle of a request: a truncated one. */
		if (c->rlen > 0)
			e->ctl.stats.bad++;
		ctl_drop(e, c);
		return;
	}
	c->rlen += (size_t)n;
	(void)conn_parse(e, c);
}

/*
 * Bytes as if read from c (the fuzz target's way in): taken up to the
 * room left, then parsed.  The bytes taken, or -1 when c was dropped.
 */
int
control_feed(struct engine *e, struct ctl_conn *c, const uint8_t *p,
    size_t n)
{
	if (n > sizeof(c->rbuf) - c->rlen)
		n = sizeof(c->rbuf) - c->rlen;
	memcpy(c->rbuf + c->rlen, p, n);
	c->rlen += n;
	return conn_parse(e, c) == -1 ? -1 : (int)n;
}

static void
conn_write(struct engine *e, struct ctl_conn *c)
{
	struct msghdr	 m;
	struct iovec	 iov;
	ssize_t		 n;

	memset(&m, 0, sizeof(m));
	iov.iov_base = c->wbuf + c->woff;
	iov.iov_len = c->wlen - c->woff;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	n = sendmsg(c->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ctl_drop(e, c);	/* the client left */
		return;
	}
	c->woff += (size_t)n;
	if (c->woff < c->wlen)
		return;
	c->wlen = c->woff = 0;
	if (c->closing) {
		ctl_drop(e, c);
		return;
	}
	if (c->more != 0) {	/* the next buffer of show clients */
		control_clients_page(e, c);
		c->deadline_ms = mono_ms() + CTL_STALL_MS;
		return;
	}
	c->deadline_ms = mono_ms() + CTL_IDLE_MS;
	(void)conn_parse(e, c);	/* requests read ahead */
}

static void
control_accept(struct engine *e)
{
	struct ctl_conn	*c;
	int		 i, fd;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		c = &e->ctl.conns[i];
		if (c->used)
			continue;
		fd = accept4(e->ctl.lfd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC);
		if (fd == -1) {
			/* EAGAIN: none left; others (EMFILE): next time. */
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_debug("control: accept: %s",
				    strerror(errno));
			return;
		}
		c->used = 1;
		c->fd = fd;
		c->deadline_ms = mono_ms() + CTL_IDLE_MS;
		e->ctl.stats.clients++;
	}
}

/*
 * The listening socket while a slot is free, and each client: for a
 * request while it is idle, for its reply while one is out.
 */
int
control_pollfds(struct engine *e, struct pollfd *pfd)
{
	struct control	*ctl = &e->ctl;
	struct ctl_conn	*c;
	int		 i, n = 0, busy = 0;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		c = &ctl->conns[i];
		if (!c->used)
			continue;
		busy++;
		if (c->fd == -1)
			continue;	/* at the parent */
		pfd[n].fd = c->fd;
		pfd[n].events = c->wlen > 0 ? POLLOUT :
		    conn_idle(c) ? POLLIN : 0;
		ctl->pfd_conn[n++] = i;
	}
	if (busy == CTL_CLIENTS_MAX && !ctl->was_full)
		ctl->stats.full++;
	ctl->was_full = busy == CTL_CLIENTS_MAX;
	if (ctl->lfd != -1 && busy < CTL_CLIENTS_MAX) {
		pfd[n].fd = ctl->lfd;
		pfd[n].events = POLLIN;
		ctl->pfd_conn[n++] = -1;
	}
	ctl->npfd = n;
	return n;
}

/* timeout (ms, -1: none) shortened to the first client's deadline. */
int
control_timeout(struct engine *e, int timeout)
{
	uint64_t	 now = mono_ms(), d;
	int		 i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		if (!e->ctl.conns[i].used)
			continue;
		d = e->ctl.conns[i].deadline_ms;
		d = d <= now ? 0 : d - now;
		if (timeout == -1 || d < (uint64_t)timeout)
			timeout = (int)d;
	}
	return timeout;
}

static void
control_expire(struct engine *e)
{
	struct ctl_conn	*c;
	uint64_t	 now = mono_ms();
	int		 i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		c = &e->ctl.conns[i];
		if (!c->used || now < c->deadline_ms)
			continue;
		/* Idle between requests is no fault; anything else is. */
		if (c->rlen > 0 || c->wlen > 0 || c->id != 0)
			e->ctl.stats.timeouts++;
		if (c->id != 0)
			log_debug("control: no answer from the parent");
		ctl_drop(e, c);
	}
}

/*
 * After poll: pfd as control_pollfds() filled it.  The imsg dispatch
 * before may have replaced an fd (a client back from the parent, a new
 * listening socket): an entry whose fd changed is skipped this round.
 */
void
control_events(struct engine *e, struct pollfd *pfd, int n)
{
	struct ctl_conn	*c;
	int		 i, k;

	for (i = 0; i < n; i++) {
		k = e->ctl.pfd_conn[i];
		if (k == -1) {
			if (pfd[i].fd == e->ctl.lfd &&
			    (pfd[i].revents & POLLIN))
				control_accept(e);
			continue;
		}
		c = &e->ctl.conns[k];
		if (!c->used || c->fd != pfd[i].fd || pfd[i].revents == 0)
			continue;
		if (pfd[i].revents & POLLOUT)
			conn_write(e, c);
		else if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR |
		    POLLNVAL))
			conn_read(e, c);
	}
	control_expire(e);
}

/* The parent's answer to a forwarded request, with the client's socket. */
void
control_answer(struct engine *e, struct imsg *imsg)
{
	struct msg_ctl_answer	 a;
	struct ctl_conn		*c;
	int			 fd, i;

	if (imsg_get_data(imsg, &a, sizeof(a)) == -1)
		fatalx("parent sent a control answer of %zu bytes",
		    imsg_get_len(imsg));
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("parent sent a control answer without its client");
	a.r.text[sizeof(a.r.text) - 1] = '\0';
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		c = &e->ctl.conns[i];
		if (!c->used || c->id != a.id || c->fd != -1)
			continue;
		c->fd = fd;
		c->id = 0;
		if (a.r.status == CTL_DENIED)
			e->ctl.stats.denied++;
		(void)ctl_reply(c, IMSG_CTL_RESULT, &a.r, sizeof(a.r));
		c->deadline_ms = mono_ms() + CTL_STALL_MS;
		return;
	}
	close(fd);	/* its slot timed out meanwhile */
}
