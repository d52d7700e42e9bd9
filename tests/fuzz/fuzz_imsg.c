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
 * Fuzz target: the receiving side of the imsg layer (common/imsg.c), as
 * a less privileged peer could drive it.  The stream bytes go into one
 * end of a non-blocking AF_UNIX SOCK_STREAM socket pair in chunks, some
 * with an fd (/dev/null) attached by SCM_RIGHTS; the other end is read
 * with imsg_read/imsg_get until EOF or error, each message's payload is
 * taken with imsg_get_data at the size its type calls for, and freed.
 *
 * Input: byte 0 gives the number k (0..31) of chunk bytes that follow;
 * the rest is the stream.  Chunk byte c: length (c & 0x3f) + 1, times
 * 16 if c & 0x40; an fd rides on its first byte if c & 0x80.  After the
 * k chunks the remaining stream goes in one last write.
 *
 * Checked: no crash, no leak, no fd left open once the imsgbuf is
 * cleared and the sockets closed; and everything imsg_get returns or
 * refuses agrees with a model of the stream written here: each message
 * is the header and payload bytes as written, frames with a length
 * outside IMSG_HEADER_SIZE..MAX_IMSGSIZE or unknown flags are refused
 * (EBADMSG), as is IMSGF_HASFD with no fd received.  Each message also
 * goes through the rule check of common/imsg_rules.c as every process
 * would receive it from every other (the header's pid picks what the
 * receiver knows): what passes keeps its rule in ipipd_msg.h's table.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "ipipd_msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_CHUNKS	31

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_imsg: invariant failed at %s:%d: %s\n",\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

struct run {
	struct imsgbuf	 ibuf;
	const uint8_t	*stream;	/* every byte written, in order */
	size_t		 written;	/* bytes written so far */
	size_t		 nread;		/* bytes imsg_read returned */
	size_t		 pos;		/* model: start of the next message */
	size_t		 fd_at[MAX_CHUNKS + 1];	/* stream offsets with fds */
	int		 nfd_sent;
	int		 nfd_taken;	/* by messages with IMSGF_HASFD */
	int		 done;		/* EOF or error: stop reading */
	int		 broken;	/* imsg_get said EBADMSG */
	int		 nmsgs;
};

static struct run	 run;
static int		 devnull = -1;

static int
fd_count(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		abort();
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The payload size each message type carries (ipipd_msg.h's table). */
static size_t
type_size(uint32_t type)
{
	const struct imsg_rule	*r = imsg_rule(type);

	return r != NULL ? r->len : 0;
}

/*
 * The rule check every process runs, for every receiver and sender: it
 * passes only what the table allows, and a once-only type only once.
 */
static void
check_rules(const struct imsg *imsg, unsigned int state)
{
	static uint64_t		 seen[3][3];
	const struct imsg_rule	*r = imsg_rule(imsg->hdr.type);
	char			 why[128];
	uint64_t		 before;
	int			 self, from;

	if (run.nmsgs == 0)	/* a new input: a new set of processes */
		memset(seen, 0, sizeof(seen));
	for (self = 0; self < 3; self++)
		for (from = 0; from < 3; from++) {
			before = seen[self][from];
			if (imsg_rule_check(imsg, 1 << self, 1 << from, state,
			    &seen[self][from], why, sizeof(why)) == -1) {
				CHECK(strstr(why, " sent ") != NULL);
				CHECK(seen[self][from] == before);
				continue;
			}
			CHECK(r != NULL && (r->to & (1 << self)) &&
			    (r->from & (1 << from)));
			CHECK(imsg_get_len(imsg) == r->len);
			CHECK((imsg->fd != -1) == !!(r->flags & IMSG_R_FD));
			CHECK(!(r->flags & IMSG_R_STARTED) ||
			    (state & IMSG_S_STARTED));
			CHECK(!(r->flags & IMSG_R_ANSWER) ||
			    (state & IMSG_S_ASKED));
			CHECK(!(r->flags & IMSG_R_ONCE) ||
			    !(before & (1ULL << imsg->hdr.type)));
		}
}

/* fds whose carrying byte has been read, and not yet taken. */
static int
fds_queued(void)
{
	int	 i, n = 0;

	for (i = 0; i < run.nfd_sent; i++)
		if (run.fd_at[i] < run.nread)
			n++;
	return n - run.nfd_taken;
}

/* A message that imsg_get returned: exactly what the model expects. */
static void
check_msg(struct imsg *imsg, ssize_t n)
{
	static union {
		uint8_t			 b[MAX_IMSGSIZE];
		struct msg_resolve_answer a;	/* alignment */
	}			 payload;
	struct imsg_hdr		 hdr;
	size_t			 want, datalen;
	int			 fd;

	CHECK(run.nread - run.pos >= IMSG_HEADER_SIZE);
	memcpy(&hdr, run.stream + run.pos, sizeof(hdr));
	CHECK(hdr.len >= IMSG_HEADER_SIZE && hdr.len <= MAX_IMSGSIZE);
	CHECK((hdr.flags & ~IMSGF_HASFD) == 0);
	CHECK(hdr.len <= run.nread - run.pos);
	CHECK((size_t)n == hdr.len);
	CHECK(memcmp(&imsg->hdr, &hdr, sizeof(hdr)) == 0);

	datalen = hdr.len - IMSG_HEADER_SIZE;
	CHECK(imsg_get_len(imsg) == datalen);
	if (datalen > 0) {
		CHECK(imsg->data != NULL);
		CHECK(memcmp(imsg->data, run.stream + run.pos +
		    IMSG_HEADER_SIZE, datalen) == 0);
	}
	if (hdr.flags & IMSGF_HASFD) {
		CHECK(imsg->fd >= 0);
		CHECK(fcntl(imsg->fd, F_GETFD) != -1);
		run.nfd_taken++;
	} else
		CHECK(imsg->fd == -1);
	run.pos += hdr.len;
	check_rules(imsg, hdr.pid & 3);

	/* The receiver's size check, as every ipipd process does it. */
	want = type_size(hdr.type);
	if (imsg_get_data(imsg, payload.b, want) == 0)
		CHECK(datalen == want);
	else
		CHECK(datalen != want && errno == EBADMSG);
	/* Any size at all: only the exact one is accepted. */
	if (datalen != 0)
		CHECK(imsg_get_data(imsg, payload.b, datalen - 1) == -1);

	/* Sometimes the receiver takes the fd and closes it itself. */
	if (hdr.peerid & 1) {
		fd = imsg_get_fd(imsg);
		CHECK(imsg->fd == -1);
		if (fd != -1)
			close(fd);
	}
	imsg_free(imsg);
	CHECK(imsg->data == NULL && imsg->fd == -1);
	run.nmsgs++;
}

/* imsg_get found nothing complete, or refused: the model must agree. */
static void
check_no_msg(ssize_t n, int err)
{
	struct imsg_hdr	 hdr;
	size_t		 avail = run.nread - run.pos;
	int		 bad;

	if (avail < IMSG_HEADER_SIZE) {
		CHECK(n == 0);
		return;
	}
	memcpy(&hdr, run.stream + run.pos, sizeof(hdr));
	bad = hdr.len < IMSG_HEADER_SIZE || hdr.len > MAX_IMSGSIZE ||
	    (hdr.flags & ~IMSGF_HASFD) != 0;
	if (n == 0) {
		CHECK(!bad && hdr.len > avail);
		return;
	}
	CHECK(err == EBADMSG);
	CHECK(bad || (hdr.len <= avail && (hdr.flags & IMSGF_HASFD) &&
	    fds_queued() == 0));
}

/* Read and take apart everything available, until EAGAIN/EOF/error. */
static void
drain(void)
{
	struct imsg	 imsg;
	ssize_t		 n;

	while (!run.done) {
		n = imsg_read(&run.ibuf);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* Only a broken stream ends here; it is stopped. */
			CHECK(errno == EBADMSG || errno == ENOMEM ||
			    errno == ENOBUFS);
			run.done = 1;
			return;
		}
		if (n == 0) {
			run.done = 1;
			return;
		}
		run.nread += (size_t)n;
		CHECK(run.nread <= run.written);
		CHECK(fds_queued() >= 0);
		for (;;) {
			n = imsg_get(&run.ibuf, &imsg);
			if (n > 0) {
				check_msg(&imsg, n);
				continue;
			}
			check_no_msg(n, errno);
			if (n == -1) {
				/* The peer is not to be trusted any more. */
				run.broken = 1;
				run.done = 1;
				imsg_free(&imsg);
				return;
			}
			break;
		}
	}
}

/* One sendmsg, with the fd on its first byte if asked; drains on EAGAIN. */
static int
send_chunk(int fd, const uint8_t *p, size_t len, int with_fd)
{
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	ssize_t		 n;

	while (len > 0) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = (void *)(uintptr_t)p;
		iov.iov_len = len;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (with_fd) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &devnull, sizeof(int));
		}
		n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				return -1;
			/* Full: let the reader make room, if it still reads. */
			if (run.done)
				return -1;
			drain();
			continue;
		}
		if (with_fd) {
			run.fd_at[run.nfd_sent++] = run.written;
			with_fd = 0;
		}
		run.written += (size_t)n;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*ctl, *stream;
	size_t		 nctl, slen, off, clen;
	int		 sv[2], before, i;

	if (devnull == -1 &&
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		abort();
	if (size < 1)
		return 0;
	nctl = data[0] % (MAX_CHUNKS + 1);
	if (size < 1 + nctl)
		nctl = size - 1;
	ctl = data + 1;
	stream = data + 1 + nctl;
	slen = size - 1 - nctl;

	before = fd_count();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1)
		abort();
	memset(&run, 0, sizeof(run));
	run.stream = stream;
	imsg_init(&run.ibuf, sv[1]);

	off = 0;
	for (i = 0; i < (int)nctl && off < slen; i++) {
		clen = (size_t)(ctl[i] & 0x3f) + 1;
		if (ctl[i] & 0x40)
			clen *= 16;
		if (clen > slen - off)
			clen = slen - off;
		if (send_chunk(sv[0], stream + off, clen, ctl[i] & 0x80) == -1)
			break;
		off += clen;
		drain();
	}
	if (off < slen && send_chunk(sv[0], stream + off, slen - off, 0) == 0)
		off = slen;
	/* EOF for the reader, once it has read everything. */
	shutdown(sv[0], SHUT_WR);
	drain();
	if (!run.broken && run.written == slen) {
		/* Read to EOF: the whole stream was seen. */
		CHECK(run.done);
		CHECK(run.nread == slen);
		/* Everything left is an incomplete message. */
		check_no_msg(0, 0);
	}

	imsg_clear(&run.ibuf);
	CHECK(TAILQ_EMPTY(&run.ibuf.fds));
	close(sv[0]);
	close(sv[1]);
	CHECK(fd_count() == before);
	return 0;
}
