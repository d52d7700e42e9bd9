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
 * imsg: framed messages, each optionally carrying one fd, over a
 * SOCK_STREAM unix socket.  The peer may be less privileged than we are,
 * so everything read is treated as hostile: lengths are checked before
 * use and a broken frame makes the whole stream unusable (EBADMSG).
 *
 * Nothing here logs: the children's log sink itself sends through imsg.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

/* iovecs per sendmsg: far more bytes than a socket buffer holds. */
#define IMSG_IOV_MAX	64

/* Control space for one recvmsg: a well-behaved peer sends one fd. */
#define IMSG_CMSG_FDS	1

static void	 ibuf_free(struct ibuf *);
static void	 msgbuf_drain(struct msgbuf *, size_t);
static ssize_t	 msgbuf_send(struct msgbuf *);
static int	 imsg_fd_push(struct imsgbuf *, int);
static int	 imsg_fd_pop(struct imsgbuf *);
static void	 imsg_close_fds(struct imsgbuf *);
static int	 imsg_recv_fds(struct imsgbuf *, struct msghdr *);
static void	 close_cmsg_fds(struct msghdr *);

void
imsg_init(struct imsgbuf *ibuf, int fd)
{
	memset(ibuf, 0, sizeof(*ibuf));
	TAILQ_INIT(&ibuf->fds);
	TAILQ_INIT(&ibuf->w.bufs);
	ibuf->r.wpos = 0;
	ibuf->w.queued = 0;
	ibuf->w.fd = fd;
	ibuf->fd = fd;
	ibuf->pid = getpid();
}

/*
 * Queue one message.  On failure nothing is queued and the caller still
 * owns fd; on success the imsg layer owns it and closes it once sent.
 */
int
imsg_compose(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const void *data, size_t datalen)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*b;
	size_t		 len;

	/* Compare against the limit first so the sum cannot wrap. */
	if (datalen > MAX_IMSGSIZE - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return (-1);
	}
	if (datalen > 0 && data == NULL) {
		errno = EINVAL;
		return (-1);
	}
	len = IMSG_HEADER_SIZE + datalen;

	/* One allocation: the frame lives right after its ibuf. */
	if ((b = malloc(sizeof(*b) + len)) == NULL)
		return (-1);
	b->buf = (uint8_t *)(b + 1);
	b->size = len;
	b->wpos = len;
	b->rpos = 0;
	b->fd = fd < 0 ? -1 : fd;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint16_t)len;
	hdr.flags = b->fd != -1 ? IMSGF_HASFD : 0;
	hdr.peerid = peerid;
	/* As in OpenBSD: pid 0 means "from this process". */
	hdr.pid = pid != 0 ? (uint32_t)pid : (uint32_t)ibuf->pid;
	memcpy(b->buf, &hdr, sizeof(hdr));
	if (datalen > 0)
		memcpy(b->buf + IMSG_HEADER_SIZE, data, datalen);

	TAILQ_INSERT_TAIL(&ibuf->w.bufs, b, entry);
	ibuf->w.queued++;
	return (1);
}

static void
ibuf_free(struct ibuf *b)
{
	if (b->fd != -1)
		close(b->fd);
	free(b);
}

/* Account for n bytes sent: advance rpos, free what went out entirely. */
static void
msgbuf_drain(struct msgbuf *msgbuf, size_t n)
{
	struct ibuf	*b;
	size_t		 left;

	while (n > 0 && (b = TAILQ_FIRST(&msgbuf->bufs)) != NULL) {
		left = b->wpos - b->rpos;
		if (n < left) {
			b->rpos += n;
			return;
		}
		n -= left;
		TAILQ_REMOVE(&msgbuf->bufs, b, entry);
		msgbuf->queued--;
		ibuf_free(b);
	}
}

/*
 * One sendmsg of the head of the queue.  A message with an fd that has
 * not gone yet is sent alone, so its SCM_RIGHTS sits on its own first
 * byte; a gather stops before the next such message for the same
 * reason.  Returns what sendmsg returned.
 */
static ssize_t
msgbuf_send(struct msgbuf *msgbuf)
{
	struct iovec	 iov[IMSG_IOV_MAX];
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct ibuf	*b, *first;
	ssize_t		 n;
	int		 niov = 0;

	first = TAILQ_FIRST(&msgbuf->bufs);
	memset(&msg, 0, sizeof(msg));
	TAILQ_FOREACH(b, &msgbuf->bufs, entry) {
		if (niov == IMSG_IOV_MAX || (b != first && b->fd != -1))
			break;
		iov[niov].iov_base = b->buf + b->rpos;
		iov[niov].iov_len = b->wpos - b->rpos;
		niov++;
		if (b->fd != -1)
			break;
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = niov;

	if (first->fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &first->fd, sizeof(int));
	}

	do {
		n = sendmsg(msgbuf->fd, &msg, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);

	/* The peer holds its own reference now; ours is of no more use. */
	if (n > 0 && first->fd != -1) {
		close(first->fd);
		first->fd = -1;
	}
	return (n);
}

/*
 * Send as much as the socket takes.  Returns 1 when the queue is empty,
 * 0 when the socket is full and something is still queued (try again on
 * POLLOUT), -1 on error (EPIPE/ECONNRESET when the peer is gone).
 */
int
msgbuf_write(struct msgbuf *msgbuf)
{
	ssize_t	 n;

	while (!TAILQ_EMPTY(&msgbuf->bufs)) {
		n = msgbuf_send(msgbuf);
		if (n == -1) {
			/* ENOBUFS: transient lack of kernel memory. */
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return (0);
			return (-1);
		}
		if (n == 0) {
			/* Cannot happen with a non-empty iovec; never spin. */
			errno = EPIPE;
			return (-1);
		}
		msgbuf_drain(msgbuf, (size_t)n);
	}
	return (1);
}

void
msgbuf_clear(struct msgbuf *msgbuf)
{
	struct ibuf	*b;

	while ((b = TAILQ_FIRST(&msgbuf->bufs)) != NULL) {
		TAILQ_REMOVE(&msgbuf->bufs, b, entry);
		ibuf_free(b);
	}
	msgbuf->queued = 0;
}

/*
 * Send everything queued.  Meant for blocking sockets; on a non-blocking
 * one it waits in poll() instead of spinning.  0 on success, -1 on error.
 */
int
imsg_flush(struct imsgbuf *ibuf)
{
	struct pollfd	 pfd;
	int		 r;

	for (;;) {
		if ((r = msgbuf_write(&ibuf->w)) == -1)
			return (-1);
		if (r == 1)
			return (0);
		pfd.fd = ibuf->w.fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return (-1);
	}
}

static int
imsg_fd_push(struct imsgbuf *ibuf, int fd)
{
	struct imsg_fd	*ifd;

	if ((ifd = malloc(sizeof(*ifd))) == NULL)
		return (-1);
	ifd->fd = fd;
	TAILQ_INSERT_TAIL(&ibuf->fds, ifd, entry);
	return (0);
}

static int
imsg_fd_pop(struct imsgbuf *ibuf)
{
	struct imsg_fd	*ifd;
	int		 fd;

	if ((ifd = TAILQ_FIRST(&ibuf->fds)) == NULL)
		return (-1);
	TAILQ_REMOVE(&ibuf->fds, ifd, entry);
	fd = ifd->fd;
	free(ifd);
	return (fd);
}

static void
imsg_close_fds(struct imsgbuf *ibuf)
{
	int	 fd;

	while ((fd = imsg_fd_pop(ibuf)) != -1)
		close(fd);
}

/*
 * Walk the SCM_RIGHTS records of a received message.  With queue != NULL
 * the fds are queued (any that cannot be are closed, and -1 returned);
 * otherwise they are all closed.  Bounds come from msg_controllen, not
 * from trusting cmsg_len alone.
 */
static int
imsg_recv_fds(struct imsgbuf *queue, struct msghdr *msg)
{
	struct cmsghdr	*cmsg;
	uint8_t		*end, *p;
	size_t		 i, nfds;
	int		 fd, rv = 0;

	end = (uint8_t *)msg->msg_control + msg->msg_controllen;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		p = CMSG_DATA(cmsg);
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfds > (size_t)(end - p) / sizeof(int))
			nfds = (size_t)(end - p) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, p + i * sizeof(int), sizeof(int));
			if (fd < 0)
				continue;
			if (queue == NULL || rv == -1 ||
			    imsg_fd_push(queue, fd) == -1) {
				close(fd);
				rv = -1;
			}
		}
	}
	return (rv);
}

static void
close_cmsg_fds(struct msghdr *msg)
{
	(void)imsg_recv_fds(NULL, msg);
}

/*
 * One recvmsg into the free part of the read buffer.  Returns the bytes
 * read, 0 on EOF, -1 on error (EAGAIN included, for the caller to test).
 */
ssize_t
imsg_read(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(int) * IMSG_CMSG_FDS)];
	}		 cmsgbuf;
	struct iovec	 iov;
	struct msghdr	 msg;
	ssize_t		 n;

	/*
	 * A zero-length recvmsg would return 0 and look like EOF.  Only a
	 * caller that never calls imsg_get() gets here.
	 */
	if (ibuf->r.wpos >= sizeof(ibuf->r.buf)) {
		errno = ENOBUFS;
		return (-1);
	}

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = ibuf->r.buf + ibuf->r.wpos;
	iov.iov_len = sizeof(ibuf->r.buf) - ibuf->r.wpos;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(ibuf->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (-1);

	/* Some fds were lost: the fd/message pairing is gone for good. */
	if (msg.msg_flags & MSG_CTRUNC) {
		close_cmsg_fds(&msg);
		errno = EBADMSG;
		return (-1);
	}
	/* Out of memory for the fd queue: its fds are closed, stream lost. */
	if (imsg_recv_fds(ibuf, &msg) == -1) {
		errno = ENOMEM;
		return (-1);
	}
	ibuf->r.wpos += (size_t)n;
	return (n);
}

/*
 * Take the next complete message out of the read buffer.  Returns its
 * size, 0 when none is complete yet, -1 on error: EBADMSG means the
 * framing is broken and the peer cannot be trusted any more.
 */
ssize_t
imsg_get(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	size_t		 len, datalen;
	void		*data = NULL;
	int		 fd = -1;

	memset(imsg, 0, sizeof(*imsg));
	imsg->fd = -1;

	if (ibuf->r.wpos < IMSG_HEADER_SIZE)
		return (0);
	/* The buffer has no alignment guarantee for the header: copy it. */
	memcpy(&hdr, ibuf->r.buf, sizeof(hdr));
	len = hdr.len;
	if (len < IMSG_HEADER_SIZE || len > MAX_IMSGSIZE ||
	    (hdr.flags & ~IMSGF_HASFD) != 0) {
		errno = EBADMSG;
		return (-1);
	}
	if (len > ibuf->r.wpos)
		return (0);

	datalen = len - IMSG_HEADER_SIZE;
	if (datalen > 0) {
		if ((data = malloc(datalen)) == NULL)
			return (-1);
		memcpy(data, ibuf->r.buf + IMSG_HEADER_SIZE, datalen);
	}
	if (hdr.flags & IMSGF_HASFD) {
		/* The fd rides on the message's first byte: it is here. */
		if ((fd = imsg_fd_pop(ibuf)) == -1) {
			free(data);
			errno = EBADMSG;
			return (-1);
		}
	}

	/* Keep room for a whole message at the end of the buffer. */
	memmove(ibuf->r.buf, ibuf->r.buf + len, ibuf->r.wpos - len);
	ibuf->r.wpos -= len;

	imsg->hdr = hdr;
	imsg->data = data;
	imsg->fd = fd;
	return ((ssize_t)len);
}

void
imsg_free(struct imsg *imsg)
{
	free(imsg->data);
	imsg->data = NULL;
	if (imsg->fd != -1)
		close(imsg->fd);
	imsg->fd = -1;
}

/* Drop everything in flight both ways, closing every fd we still hold. */
void
imsg_clear(struct imsgbuf *ibuf)
{
	msgbuf_clear(&ibuf->w);
	imsg_close_fds(ibuf);
	ibuf->r.wpos = 0;
}

size_t
imsg_get_len(const struct imsg *imsg)
{
	if (imsg->hdr.len < IMSG_HEADER_SIZE)
		return (0);
	return (imsg->hdr.len - IMSG_HEADER_SIZE);
}

/* Every receiver's size check: the payload must be exactly len bytes. */
int
imsg_get_data(const struct imsg *imsg, void *buf, size_t len)
{
	if (imsg_get_len(imsg) != len) {
		errno = EBADMSG;
		return (-1);
	}
	if (len == 0)
		return (0);
	if (buf == NULL || imsg->data == NULL) {
		errno = EINVAL;
		return (-1);
	}
	memcpy(buf, imsg->data, len);
	return (0);
}

/* Hand the fd to the caller, who then closes it; imsg_free() will not. */
int
imsg_get_fd(struct imsg *imsg)
{
	int	 fd;

	fd = imsg->fd;
	imsg->fd = -1;
	return (fd);
}
