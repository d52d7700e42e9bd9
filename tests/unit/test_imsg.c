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

/* Unit tests: message passing over a unix socket pair (common/imsg.c). */
#include <sys/types.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "imsg.h"

#define MAX_PAYLOAD	(MAX_IMSGSIZE - IMSG_HEADER_SIZE)

/* tx writes on sv[0], rx reads on sv[1]; raw bytes go in through sv[0]. */
struct ctx {
	int		 sv[2];
	int		 nfds;		/* open fds before the socket pair */
	struct imsgbuf	 tx;
	struct imsgbuf	 rx;
};

static int
fd_count(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

static int
setup(void **state)
{
	struct ctx	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	c->nfds = fd_count();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, c->sv) == -1) {
		free(c);
		return (-1);
	}
	imsg_init(&c->tx, c->sv[0]);
	imsg_init(&c->rx, c->sv[1]);
	*state = c;
	return (0);
}

/* Every test must leave the process with the fds it started with. */
static int
teardown(void **state)
{
	struct ctx	*c = *state;
	int		 leak;

	imsg_clear(&c->tx);
	imsg_clear(&c->rx);
	if (c->sv[0] != -1)
		close(c->sv[0]);
	if (c->sv[1] != -1)
		close(c->sv[1]);
	leak = fd_count() != c->nfds;
	free(c);
	return (leak ? -1 : 0);
}

static void
set_nonblock(int fd)
{
	int	 fl;

	fl = fcntl(fd, F_GETFL);
	assert_int_not_equal(fl, -1);
	assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

/*
 * A pipe whose read end does not block: a leaked write end then fails
 * the "read returns 0 (EOF)" checks with EAGAIN instead of hanging.
 */
static int
nb_pipe(int p[2])
{
	if (pipe(p) == -1)
		return (-1);
	set_nonblock(p[0]);
	return (0);
}

static int
fd_is_open(int fd)
{
	return (fcntl(fd, F_GETFD) != -1);
}

static void
raw_write(int fd, const void *buf, size_t len)
{
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

static size_t
put_hdr(uint8_t *buf, uint32_t type, uint16_t len, uint16_t flags,
    uint32_t peerid, uint32_t pid)
{
	struct imsg_hdr	 hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = len;
	hdr.flags = flags;
	hdr.peerid = peerid;
	hdr.pid = pid;
	memcpy(buf, &hdr, sizeof(hdr));
	return (sizeof(hdr));
}

static void
fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static void
test_header_layout(void **state)
{
	(void)state;
	/* Both ends share this layout; a change must be deliberate. */
	assert_int_equal(IMSG_HEADER_SIZE, 16);
	assert_true(MAX_IMSGSIZE <= UINT16_MAX);
	assert_true(IMSG_READ_SIZE >= 2 * MAX_IMSGSIZE);
}

static void
test_roundtrip(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		 p1[3] = { 0xde, 0xad, 0x01 };
	uint32_t	 p2 = 0x11223344, out32;
	uint8_t		 p3[1000], out3[1000];
	size_t		 total;

	fill_pattern(p3, sizeof(p3), 3);
	assert_int_equal(imsg_compose(&c->tx, 7, 100, 4242, -1, p1,
	    sizeof(p1)), 1);
	assert_int_equal(imsg_compose(&c->tx, 8, 0xffffffff, 1, -1, &p2,
	    sizeof(p2)), 1);
	assert_int_equal(imsg_compose(&c->tx, 0xabcdef01, 0, 77, -1, p3,
	    sizeof(p3)), 1);
	assert_int_equal(c->tx.w.queued, 3);
	assert_int_equal(imsg_flush(&c->tx), 0);
	assert_int_equal(c->tx.w.queued, 0);
	assert_true(TAILQ_EMPTY(&c->tx.w.bufs));

	total = 3 * IMSG_HEADER_SIZE + sizeof(p1) + sizeof(p2) + sizeof(p3);
	assert_int_equal(imsg_read(&c->rx), (ssize_t)total);

	assert_int_equal(imsg_get(&c->rx, &imsg),
	    (ssize_t)(IMSG_HEADER_SIZE + sizeof(p1)));
	assert_int_equal(imsg.hdr.type, 7);
	assert_int_equal(imsg.hdr.peerid, 100);
	assert_int_equal(imsg.hdr.pid, 4242);
	assert_int_equal(imsg.hdr.flags, 0);
	assert_int_equal(imsg.hdr.len, IMSG_HEADER_SIZE + sizeof(p1));
	assert_int_equal(imsg.fd, -1);
	assert_int_equal(imsg_get_len(&imsg), sizeof(p1));
	assert_memory_equal(imsg.data, p1, sizeof(p1));
	imsg_free(&imsg);

	assert_int_equal(imsg_get(&c->rx, &imsg),
	    (ssize_t)(IMSG_HEADER_SIZE + sizeof(p2)));
	assert_int_equal(imsg.hdr.type, 8);
	assert_int_equal(imsg.hdr.peerid, 0xffffffff);
	assert_int_equal(imsg.hdr.pid, 1);
	assert_int_equal(imsg_get_data(&imsg, &out32, sizeof(out32)), 0);
	assert_int_equal(out32, 0x11223344);
	imsg_free(&imsg);

	assert_int_equal(imsg_get(&c->rx, &imsg),
	    (ssize_t)(IMSG_HEADER_SIZE + sizeof(p3)));
	assert_int_equal(imsg.hdr.type, 0xabcdef01);
	assert_int_equal(imsg.hdr.peerid, 0);
	assert_int_equal(imsg.hdr.pid, 77);
	assert_int_equal(imsg_get_data(&imsg, out3, sizeof(out3)), 0);
	assert_memory_equal(out3, p3, sizeof(p3));
	imsg_free(&imsg);
	assert_null(imsg.data);
	assert_int_equal(imsg.fd, -1);

	assert_int_equal(imsg_get(&c->rx, &imsg), 0);
	assert_int_equal(c->rx.r.wpos, 0);
}

static void
test_empty_payload(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		 dummy = 0x5a;

	assert_int_equal(imsg_compose(&c->tx, 5, 9, 0, -1, NULL, 0), 1);
	assert_int_equal(imsg_flush(&c->tx), 0);
	assert_int_equal(imsg_read(&c->rx), (ssize_t)IMSG_HEADER_SIZE);
	assert_int_equal(imsg_get(&c->rx, &imsg), (ssize_t)IMSG_HEADER_SIZE);
	assert_int_equal(imsg.hdr.type, 5);
	assert_int_equal(imsg.hdr.peerid, 9);
	/* pid 0 is filled in with the sender's own pid. */
	assert_int_equal(imsg.hdr.pid, getpid());
	assert_int_equal(imsg.hdr.len, IMSG_HEADER_SIZE);
	assert_null(imsg.data);
	assert_int_equal(imsg.fd, -1);
	assert_int_equal(imsg_get_len(&imsg), 0);
	assert_int_equal(imsg_get_data(&imsg, NULL, 0), 0);
	errno = 0;
	assert_int_equal(imsg_get_data(&imsg, &dummy, 1), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(dummy, 0x5a);
	imsg_free(&imsg);
	assert_int_equal(imsg_get(&c->rx, &imsg), 0);
}

static void
test_fd_passing(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	int		 p[2], fd, before, flags;
	uint32_t	 v = 0xfeedf00d;
	char		 buf[16];

	before = fd_count();
	assert_int_equal(nb_pipe(p), 0);
	assert_int_equal(imsg_compose(&c->tx, 1, 2, 3, p[1], &v, sizeof(v)),
	    1);
	/* Queued, not sent: still ours (the imsg layer's) and open. */
	assert_true(fd_is_open(p[1]));
	assert_int_equal(imsg_flush(&c->tx), 0);
	/* Sent: the imsg layer closed its copy. */
	assert_false(fd_is_open(p[1]));

	assert_int_equal(imsg_read(&c->rx), (ssize_t)(IMSG_HEADER_SIZE + 4));
	assert_int_equal(imsg_get(&c->rx, &imsg),
	    (ssize_t)(IMSG_HEADER_SIZE + 4));
	assert_int_equal(imsg.hdr.flags, IMSGF_HASFD);
	assert_int_not_equal(imsg.fd, -1);
	flags = fcntl(imsg.fd, F_GETFD);
	assert_int_not_equal(flags, -1);
	assert_true(flags & FD_CLOEXEC);
	assert_true(TAILQ_EMPTY(&c->rx.fds));

	fd = imsg_get_fd(&imsg);
	assert_int_not_equal(fd, -1);
	assert_int_equal(imsg.fd, -1);
	imsg_free(&imsg);
	/* imsg_free() must not have closed the claimed fd. */
	assert_true(fd_is_open(fd));
	raw_write(fd, "hello", 5);
	close(fd);

	assert_int_equal(read(p[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	/* EOF: no write end survives anywhere in this process. */
	assert_int_equal(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
	assert_int_equal(fd_count(), before);
}

/* imsg_free() closes a received fd nobody claimed. */
static void
test_fd_unclaimed_free(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	int		 p[2], before;
	char		 ch;

	before = fd_count();
	assert_int_equal(nb_pipe(p), 0);
	assert_int_equal(imsg_compose(&c->tx, 1, 0, 1, p[1], NULL, 0), 1);
	assert_int_equal(imsg_flush(&c->tx), 0);
	assert_int_equal(imsg_read(&c->rx), (ssize_t)IMSG_HEADER_SIZE);
	assert_int_equal(imsg_get(&c->rx, &imsg), (ssize_t)IMSG_HEADER_SIZE);
	assert_int_not_equal(imsg.fd, -1);
	imsg_free(&imsg);
	assert_int_equal(read(p[0], &ch, 1), 0);
	close(p[0]);
	assert_int_equal(fd_count(), before);
}

static void
test_several_in_one_read(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint32_t	 i, v;
	size_t		 total = 0;

	for (i = 0; i < 10; i++) {
		v = i * 1000;
		assert_int_equal(imsg_compose(&c->tx, 100 + i, i, 1, -1, &v,
		    sizeof(v)), 1);
		total += IMSG_HEADER_SIZE + sizeof(v);
	}
	assert_int_equal(msgbuf_write(&c->tx.w), 1);
	assert_int_equal(imsg_read(&c->rx), (ssize_t)total);
	for (i = 0; i < 10; i++) {
		assert_int_equal(imsg_get(&c->rx, &imsg),
		    (ssize_t)(IMSG_HEADER_SIZE + sizeof(v)));
		assert_int_equal(imsg.hdr.type, 100 + i);
		assert_int_equal(imsg.hdr.peerid, i);
		assert_int_equal(imsg_get_data(&imsg, &v, sizeof(v)), 0);
		assert_int_equal(v, i * 1000);
		imsg_free(&imsg);
	}
	assert_int_equal(imsg_get(&c->rx, &imsg), 0);
}

static void
test_byte_at_a_time(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		 frame[IMSG_HEADER_SIZE + 37];
	size_t		 i, len = sizeof(frame);

	put_hdr(frame, 42, (uint16_t)len, 0, 6, 7);
	fill_pattern(frame + IMSG_HEADER_SIZE, len - IMSG_HEADER_SIZE, 9);
	for (i = 0; i < len; i++) {
		raw_write(c->sv[0], frame + i, 1);
		assert_int_equal(imsg_read(&c->rx), 1);
		if (i + 1 < len) {
			assert_int_equal(imsg_get(&c->rx, &imsg), 0);
			assert_null(imsg.data);
			assert_int_equal(imsg.fd, -1);
		}
	}
	assert_int_equal(imsg_get(&c->rx, &imsg), (ssize_t)len);
	assert_int_equal(imsg.hdr.type, 42);
	assert_int_equal(imsg.hdr.peerid, 6);
	assert_int_equal(imsg.hdr.pid, 7);
	assert_int_equal(imsg_get_len(&imsg), len - IMSG_HEADER_SIZE);
	assert_memory_equal(imsg.data, frame + IMSG_HEADER_SIZE,
	    len - IMSG_HEADER_SIZE);
	imsg_free(&imsg);
	assert_int_equal(c->rx.r.wpos, 0);
}

/* A message split across reads, followed by the start of the next. */
static void
test_split_frames(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		 two[2 * (IMSG_HEADER_SIZE + 100)];
	size_t		 one = IMSG_HEADER_SIZE + 100;

	put_hdr(two, 1, (uint16_t)one, 0, 0, 1);
	fill_pattern(two + IMSG_HEADER_SIZE, 100, 1);
	put_hdr(two + one, 2, (uint16_t)one, 0, 0, 1);
	fill_pattern(two + one + IMSG_HEADER_SIZE, 100, 2);

	raw_write(c->sv[0], two, one + 5);
	assert_int_equal(imsg_read(&c->rx), (ssize_t)(one + 5));
	assert_int_equal(imsg_get(&c->rx, &imsg), (ssize_t)one);
	assert_int_equal(imsg.hdr.type, 1);
	assert_memory_equal(imsg.data, two + IMSG_HEADER_SIZE, 100);
	imsg_free(&imsg);
	assert_int_equal(imsg_get(&c->rx, &imsg), 0);
	assert_int_equal(c->rx.r.wpos, 5);

	raw_write(c->sv[0], two + one + 5, one - 5);
	assert_int_equal(imsg_read(&c->rx), (ssize_t)(one - 5));
	assert_int_equal(imsg_get(&c->rx, &imsg), (ssize_t)one);
	assert_int_equal(imsg.hdr.type, 2);
	assert_memory_equal(imsg.data, two + one + IMSG_HEADER_SIZE, 100);
	imsg_free(&imsg);
}

static void
expect_bad_len(struct ctx *c, uint16_t len)
{
	struct imsg	 imsg;
	uint8_t		 frame[IMSG_HEADER_SIZE];

	put_hdr(frame, 1, len, 0, 0, 1);
	raw_write(c->sv[0], frame, sizeof(frame));
	assert_int_equal(imsg_read(&c->rx), (ssize_t)sizeof(frame));
	errno = 0;
	assert_int_equal(imsg_get(&c->rx, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
	assert_null(imsg.data);
	assert_int_equal(imsg.fd, -1);
	/* Still broken on a retry: the stream is not resynchronised. */
	errno = 0;
	assert_int_equal(imsg_get(&c->rx, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_oversized_len(void **state)
{
	expect_bad_len(*state, MAX_IMSGSIZE + 1);
}

static void
test_oversized_len_max(void **state)
{
	expect_bad_len(*state, UINT16_MAX);
}

static void
test_short_len(void **state)
{
	expect_bad_len(*state, IMSG_HEADER_SIZE - 1);
}

static void
test_zero_len(void **state)
{
	expect_bad_len(*state, 0);
}

/* The oversized header is refused as soon as it is there, not later. */
static void
test_oversized_len_partial(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		 frame[IMSG_HEADER_SIZE + 10];

	put_hdr(frame, 1, 60000, 0, 0, 1);
	memset(frame + IMSG_HEADER_SIZE, 0, 10);
	raw_write(c->sv[0], frame, sizeof(frame));
	assert_int_equal(imsg_read(&c->rx), (ssize_t)sizeof(frame));
	errno = 0;
	assert_int_equal(imsg_get(&c->rx, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_unknown_flags(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		 frame[IMSG_HEADER_SIZE];

	put_hdr(frame, 1, IMSG_HEADER_SIZE, 0x8000, 0, 1);
	raw_write(c->sv[0], frame, sizeof(frame));
	assert_int_equal(imsg_read(&c->rx), (ssize_t)sizeof(frame));
	errno = 0;
	assert_int_equal(imsg_get(&c->rx, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_hasfd_without_fd(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		 frame[IMSG_HEADER_SIZE + 8];
	int		 before;

	before = fd_count();
	put_hdr(frame, 3, sizeof(frame), IMSGF_HASFD, 0, 1);
	memset(frame + IMSG_HEADER_SIZE, 0xaa, 8);
	raw_write(c->sv[0], frame, sizeof(frame));
	assert_int_equal(imsg_read(&c->rx), (ssize_t)sizeof(frame));
	errno = 0;
	assert_int_equal(imsg_get(&c->rx, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
	assert_null(imsg.data);
	assert_int_equal(imsg.fd, -1);
	assert_int_equal(fd_count(), before);
}

static void
test_compose_too_large(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		*big;
	int		 p[2];

	assert_non_null(big = malloc(MAX_IMSGSIZE + 1));
	fill_pattern(big, MAX_IMSGSIZE + 1, 77);
	assert_int_equal(nb_pipe(p), 0);

	errno = 0;
	assert_int_equal(imsg_compose(&c->tx, 1, 0, 1, p[1], big,
	    MAX_PAYLOAD + 1), -1);
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_int_equal(imsg_compose(&c->tx, 1, 0, 1, -1, big, SIZE_MAX),
	    -1);
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_int_equal(imsg_compose(&c->tx, 1, 0, 1, -1, big,
	    SIZE_MAX - IMSG_HEADER_SIZE + 1), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(c->tx.w.queued, 0);
	assert_true(TAILQ_EMPTY(&c->tx.w.bufs));
	/* The fd is still the caller's. */
	assert_true(fd_is_open(p[1]));
	close(p[1]);
	close(p[0]);

	/* Exactly the limit is fine and arrives whole. */
	assert_int_equal(imsg_compose(&c->tx, 2, 0, 1, -1, big, MAX_PAYLOAD),
	    1);
	assert_int_equal(imsg_flush(&c->tx), 0);
	assert_int_equal(imsg_read(&c->rx), MAX_IMSGSIZE);
	assert_int_equal(imsg_get(&c->rx, &imsg), MAX_IMSGSIZE);
	assert_int_equal(imsg.hdr.type, 2);
	assert_int_equal(imsg_get_len(&imsg), MAX_PAYLOAD);
	assert_memory_equal(imsg.data, big, MAX_PAYLOAD);
	imsg_free(&imsg);
	free(big);
}

static void
test_get_data_wrong_size(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint64_t	 v = 0x0102030405060708ULL;
	uint8_t		 out[16];

	assert_int_equal(imsg_compose(&c->tx, 1, 0, 1, -1, &v, sizeof(v)),
	    1);
	assert_int_equal(imsg_flush(&c->tx), 0);
	assert_int_equal(imsg_read(&c->rx), (ssize_t)(IMSG_HEADER_SIZE + 8));
	assert_int_equal(imsg_get(&c->rx, &imsg),
	    (ssize_t)(IMSG_HEADER_SIZE + 8));
	memset(out, 0xee, sizeof(out));
	errno = 0;
	assert_int_equal(imsg_get_data(&imsg, out, 7), -1);
	assert_int_equal(errno, EBADMSG);
	errno = 0;
	assert_int_equal(imsg_get_data(&imsg, out, 9), -1);
	assert_int_equal(errno, EBADMSG);
	errno = 0;
	assert_int_equal(imsg_get_data(&imsg, out, 0), -1);
	assert_int_equal(errno, EBADMSG);
	/* Nothing was copied by the refused calls. */
	assert_int_equal(out[0], 0xee);
	assert_int_equal(imsg_get_data(&imsg, out, 8), 0);
	assert_memory_equal(out, &v, 8);
	assert_int_equal(out[8], 0xee);
	imsg_free(&imsg);
}

static void
test_eof_mid_message(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		 frame[IMSG_HEADER_SIZE + 64];

	put_hdr(frame, 1, sizeof(frame), 0, 0, 1);
	memset(frame + IMSG_HEADER_SIZE, 1, 64);
	raw_write(c->sv[0], frame, IMSG_HEADER_SIZE + 10);
	close(c->sv[0]);
	c->sv[0] = -1;
	assert_int_equal(imsg_read(&c->rx), (ssize_t)(IMSG_HEADER_SIZE + 10));
	assert_int_equal(imsg_get(&c->rx, &imsg), 0);
	assert_int_equal(imsg_read(&c->rx), 0);
	assert_int_equal(imsg_get(&c->rx, &imsg), 0);
	assert_null(imsg.data);
	assert_int_equal(imsg_read(&c->rx), 0);
}

static void
test_eof_empty(void **state)
{
	struct ctx	*c = *state;

	close(c->sv[0]);
	c->sv[0] = -1;
	assert_int_equal(imsg_read(&c->rx), 0);
}

static void
test_read_eagain(void **state)
{
	struct ctx	*c = *state;

	set_nonblock(c->sv[1]);
	errno = 0;
	assert_int_equal(imsg_read(&c->rx), -1);
	assert_int_equal(errno, EAGAIN);
}

/* A writer to a closed peer gets EPIPE, not SIGPIPE, and keeps its queue. */
static void
test_peer_closed(void **state)
{
	struct ctx	*c = *state;
	int		 p[2], before;

	close(c->sv[1]);
	c->sv[1] = -1;
	before = fd_count();
	assert_int_equal(nb_pipe(p), 0);
	close(p[0]);
	assert_int_equal(imsg_compose(&c->tx, 1, 0, 1, p[1], "x", 1), 1);
	errno = 0;
	assert_int_equal(msgbuf_write(&c->tx.w), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(c->tx.w.queued, 1);
	errno = 0;
	assert_int_equal(imsg_flush(&c->tx), -1);
	assert_int_equal(errno, EPIPE);
	msgbuf_clear(&c->tx.w);
	assert_int_equal(c->tx.w.queued, 0);
	assert_int_equal(fd_count(), before);
}

/* Queued messages with fds that are never sent: msgbuf_clear closes them. */
static void
test_msgbuf_clear_fds(void **state)
{
	struct ctx	*c = *state;
	int		 p[2], i, before;
	char		 ch;

	before = fd_count();
	assert_int_equal(nb_pipe(p), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(imsg_compose(&c->tx, 1, 0, 1,
		    dup(p[1]), NULL, 0), 1);
	close(p[1]);
	assert_int_equal(c->tx.w.queued, 5);
	assert_int_equal(fd_count(), before + 1 + 5);
	msgbuf_clear(&c->tx.w);
	assert_int_equal(c->tx.w.queued, 0);
	assert_true(TAILQ_EMPTY(&c->tx.w.bufs));
	assert_int_equal(read(p[0], &ch, 1), 0);
	close(p[0]);
	assert_int_equal(fd_count(), before);
}

/* Received fds nobody took out with imsg_get are closed by imsg_clear. */
static void
test_imsg_clear_unclaimed(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	int		 p[2], i, before, got = 0;
	ssize_t		 n;
	char		 ch;

	before = fd_count();
	assert_int_equal(nb_pipe(p), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(imsg_compose(&c->tx, 10 + i, 0, 1,
		    dup(p[1]), NULL, 0), 1);
	close(p[1]);
	assert_int_equal(imsg_flush(&c->tx), 0);
	/* The sender holds none of them any more. */
	assert_int_equal(fd_count(), before + 1);

	set_nonblock(c->sv[1]);
	while ((n = imsg_read(&c->rx)) > 0)
		got += (int)n;
	assert_int_equal(n, -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(got, 4 * (int)IMSG_HEADER_SIZE);
	assert_int_equal(fd_count(), before + 1 + 4);

	/* Take one message (and leave its fd to imsg_free), not the rest. */
	assert_int_equal(imsg_get(&c->rx, &imsg), (ssize_t)IMSG_HEADER_SIZE);
	assert_int_equal(imsg.hdr.type, 10);
	assert_int_not_equal(imsg.fd, -1);
	imsg_free(&imsg);
	assert_int_equal(fd_count(), before + 1 + 3);

	imsg_clear(&c->rx);
	assert_true(TAILQ_EMPTY(&c->rx.fds));
	assert_int_equal(c->rx.r.wpos, 0);
	assert_int_equal(read(p[0], &ch, 1), 0);
	close(p[0]);
	assert_int_equal(fd_count(), before);
}

/* More fds in one record than the control buffer holds: fatal, no leak. */
static void
test_ctrunc(void **state)
{
	struct ctx	*c = *state;
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(int) * 8)];
	}		 cbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	uint8_t		 frame[IMSG_HEADER_SIZE];
	int		 fds[8], p[2], i, before;
	char		 ch;

	before = fd_count();
	assert_int_equal(nb_pipe(p), 0);
	for (i = 0; i < 8; i++)
		fds[i] = p[1];
	put_hdr(frame, 1, sizeof(frame), IMSGF_HASFD, 0, 1);
	iov.iov_base = frame;
	iov.iov_len = sizeof(frame);
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	assert_int_equal(sendmsg(c->sv[0], &msg, 0), (ssize_t)sizeof(frame));
	close(p[1]);

	errno = 0;
	assert_int_equal(imsg_read(&c->rx), -1);
	assert_int_equal(errno, EBADMSG);
	assert_true(TAILQ_EMPTY(&c->rx.fds));
	assert_int_equal(read(p[0], &ch, 1), 0);
	close(p[0]);
	assert_int_equal(fd_count(), before);
}

/* Fill the whole read buffer without imsg_get: refused, not "EOF". */
static void
test_read_buffer_full(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		*frame;
	size_t		 len = MAX_IMSGSIZE;
	ssize_t		 n;
	int		 i, got;

	assert_non_null(frame = malloc(len));
	set_nonblock(c->sv[1]);
	for (i = 0; i < 5; i++) {
		put_hdr(frame, (uint32_t)i, (uint16_t)len, 0, 0, 1);
		fill_pattern(frame + IMSG_HEADER_SIZE,
		    len - IMSG_HEADER_SIZE, (uint32_t)i);
		raw_write(c->sv[0], frame, len);
	}
	while ((n = imsg_read(&c->rx)) > 0)
		;
	assert_int_equal(n, -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(c->rx.r.wpos, IMSG_READ_SIZE);

	for (i = 0, got = 0; got < 5 && i < 20; i++) {
		while ((n = imsg_get(&c->rx, &imsg)) > 0) {
			assert_int_equal(n, (ssize_t)len);
			assert_int_equal(imsg.hdr.type, (uint32_t)got);
			fill_pattern(frame, len - IMSG_HEADER_SIZE,
			    (uint32_t)got);
			assert_memory_equal(imsg.data, frame,
			    len - IMSG_HEADER_SIZE);
			imsg_free(&imsg);
			got++;
		}
		assert_int_equal(n, 0);
		if (got < 5)
			assert_true(imsg_read(&c->rx) > 0);
	}
	assert_int_equal(got, 5);
	free(frame);
}

/*
 * A non-blocking writer with far more queued than the socket holds:
 * msgbuf_write makes partial progress and returns 0, and everything
 * still arrives whole and in order.
 */
#define FILL_COUNT	200
#define FILL_SIZE	16000

static void
test_nonblocking_fill(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		*payload;
	uint32_t	 i, got = 0;
	int		 r, rounds, saw_partial = 0;
	ssize_t		 n;

	assert_non_null(payload = malloc(FILL_SIZE));
	set_nonblock(c->sv[0]);
	set_nonblock(c->sv[1]);
	for (i = 0; i < FILL_COUNT; i++) {
		fill_pattern(payload, FILL_SIZE, i);
		assert_int_equal(imsg_compose(&c->tx, 1000 + i, i, 1, -1,
		    payload, FILL_SIZE), 1);
	}
	assert_int_equal(c->tx.w.queued, FILL_COUNT);

	assert_int_equal(msgbuf_write(&c->tx.w), 0);
	assert_true(c->tx.w.queued > 0);
	assert_true(c->tx.w.queued < FILL_COUNT);
	/* Nothing more fits until the reader drains. */
	assert_int_equal(msgbuf_write(&c->tx.w), 0);

	r = 0;
	for (rounds = 0; got < FILL_COUNT && rounds < 100000; rounds++) {
		if (r != 1) {
			r = msgbuf_write(&c->tx.w);
			assert_int_not_equal(r, -1);
			if (!TAILQ_EMPTY(&c->tx.w.bufs) &&
			    TAILQ_FIRST(&c->tx.w.bufs)->rpos > 0)
				saw_partial = 1;
		}
		n = imsg_read(&c->rx);
		if (n == -1)
			assert_int_equal(errno, EAGAIN);
		else
			assert_true(n > 0);
		while ((n = imsg_get(&c->rx, &imsg)) > 0) {
			assert_int_equal(n,
			    (ssize_t)(IMSG_HEADER_SIZE + FILL_SIZE));
			assert_int_equal(imsg.hdr.type, 1000 + got);
			assert_int_equal(imsg.hdr.peerid, got);
			assert_int_equal(imsg.fd, -1);
			fill_pattern(payload, FILL_SIZE, got);
			assert_int_equal(imsg_get_len(&imsg), FILL_SIZE);
			assert_memory_equal(imsg.data, payload, FILL_SIZE);
			imsg_free(&imsg);
			got++;
		}
		assert_int_equal(n, 0);
	}
	assert_int_equal(got, FILL_COUNT);
	assert_int_equal(r, 1);
	assert_int_equal(c->tx.w.queued, 0);
	assert_int_equal(c->rx.r.wpos, 0);
	/* 16016-byte frames never line up with the socket's chunks. */
	assert_true(saw_partial);
	free(payload);
}

/*
 * Messages with and without fds, interleaved, through a full socket:
 * each fd comes out with the message it went in with.
 */
#define MIX_COUNT	120
#define MIX_EVERY	7
#define MIX_PIPES	(MIX_COUNT / MIX_EVERY + 1)

static void
test_fd_mix_nonblocking(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	uint8_t		*payload;
	int		 pipes[MIX_PIPES][2];
	uint32_t	 i, got = 0, v, k;
	int		 rounds, before, fd;
	ssize_t		 n;

	before = fd_count();
	assert_non_null(payload = malloc(FILL_SIZE));
	set_nonblock(c->sv[0]);
	set_nonblock(c->sv[1]);
	for (i = 0; i < MIX_COUNT; i++) {
		fd = -1;
		if (i % MIX_EVERY == 0) {
			assert_int_equal(nb_pipe(pipes[i / MIX_EVERY]), 0);
			fd = pipes[i / MIX_EVERY][1];
		}
		fill_pattern(payload, FILL_SIZE, i);
		/* Vary the size so fd messages land at odd stream offsets. */
		assert_int_equal(imsg_compose(&c->tx, i, 0, 1, fd, payload,
		    FILL_SIZE - (i % 13) * 101), 1);
	}

	for (rounds = 0; got < MIX_COUNT && rounds < 100000; rounds++) {
		assert_int_not_equal(msgbuf_write(&c->tx.w), -1);
		n = imsg_read(&c->rx);
		if (n == -1)
			assert_int_equal(errno, EAGAIN);
		while ((n = imsg_get(&c->rx, &imsg)) > 0) {
			assert_int_equal(imsg.hdr.type, got);
			assert_int_equal(imsg_get_len(&imsg),
			    FILL_SIZE - (got % 13) * 101);
			fill_pattern(payload, FILL_SIZE, got);
			assert_memory_equal(imsg.data, payload,
			    imsg_get_len(&imsg));
			if (got % MIX_EVERY == 0) {
				assert_int_equal(imsg.hdr.flags, IMSGF_HASFD);
				fd = imsg_get_fd(&imsg);
				assert_int_not_equal(fd, -1);
				v = got;
				raw_write(fd, &v, sizeof(v));
				close(fd);
			} else {
				assert_int_equal(imsg.hdr.flags, 0);
				assert_int_equal(imsg.fd, -1);
			}
			imsg_free(&imsg);
			got++;
		}
		assert_int_equal(n, 0);
	}
	assert_int_equal(got, MIX_COUNT);
	assert_true(TAILQ_EMPTY(&c->rx.fds));
	for (k = 0; k < MIX_PIPES; k++) {
		assert_int_equal(read(pipes[k][0], &v, sizeof(v)),
		    (ssize_t)sizeof(v));
		assert_int_equal(v, k * MIX_EVERY);
		/* Sender's copy closed, receiver's closed: EOF. */
		assert_int_equal(read(pipes[k][0], &v, sizeof(v)), 0);
		close(pipes[k][0]);
	}
	assert_int_equal(fd_count(), before);
	free(payload);
}

/*
 * Plain and fd-carrying messages queued together on a socket with room
 * for all of them: an fd message must still go in a sendmsg of its own,
 * with its fd, and never be gathered behind a plain one.
 */
static void
test_fd_mix_blocking(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	int		 p[2][2], before, fd, i;
	uint32_t	 v;
	char		 ch;

	before = fd_count();
	assert_int_equal(nb_pipe(p[0]), 0);
	assert_int_equal(nb_pipe(p[1]), 0);
	assert_int_equal(imsg_compose(&c->tx, 0, 0, 1, -1, "a", 1), 1);
	assert_int_equal(imsg_compose(&c->tx, 1, 0, 1, p[0][1], "bb", 2), 1);
	assert_int_equal(imsg_compose(&c->tx, 2, 0, 1, -1, "ccc", 3), 1);
	assert_int_equal(imsg_compose(&c->tx, 3, 0, 1, p[1][1], NULL, 0), 1);
	assert_int_equal(imsg_compose(&c->tx, 4, 0, 1, -1, NULL, 0), 1);
	assert_int_equal(imsg_flush(&c->tx), 0);

	set_nonblock(c->sv[1]);
	while (imsg_read(&c->rx) > 0)
		;
	assert_int_equal(errno, EAGAIN);
	for (i = 0; i < 5; i++) {
		assert_int_equal(imsg_get(&c->rx, &imsg),
		    (ssize_t)(IMSG_HEADER_SIZE + (i < 3 ? i + 1 : 0)));
		assert_int_equal(imsg.hdr.type, (uint32_t)i);
		if (i == 1 || i == 3) {
			assert_int_equal(imsg.hdr.flags, IMSGF_HASFD);
			assert_int_not_equal(fd = imsg_get_fd(&imsg), -1);
			v = (uint32_t)i;
			raw_write(fd, &v, sizeof(v));
			close(fd);
		} else {
			assert_int_equal(imsg.hdr.flags, 0);
			assert_int_equal(imsg.fd, -1);
		}
		imsg_free(&imsg);
	}
	assert_int_equal(imsg_get(&c->rx, &imsg), 0);
	assert_true(TAILQ_EMPTY(&c->rx.fds));
	for (i = 0; i < 2; i++) {
		assert_int_equal(read(p[i][0], &v, sizeof(v)),
		    (ssize_t)sizeof(v));
		assert_int_equal(v, (uint32_t)(i * 2 + 1));
		assert_int_equal(read(p[i][0], &ch, 1), 0);
		close(p[i][0]);
	}
	assert_int_equal(fd_count(), before);
}

/* An fd whose message was never taken out with imsg_get: imsg_clear. */
static void
test_imsg_clear_queued_fd(void **state)
{
	struct ctx	*c = *state;
	struct imsg	 imsg;
	int		 p[2], before;

	before = fd_count();
	assert_int_equal(nb_pipe(p), 0);
	close(p[0]);
	assert_int_equal(imsg_compose(&c->tx, 1, 0, 1, p[1], NULL, 0), 1);
	assert_int_equal(imsg_flush(&c->tx), 0);
	assert_int_equal(imsg_read(&c->rx), (ssize_t)IMSG_HEADER_SIZE);
	/* The fd waits in the queue until claimed or cleared. */
	assert_false(TAILQ_EMPTY(&c->rx.fds));
	imsg_clear(&c->rx);
	assert_int_equal(imsg_get(&c->rx, &imsg), 0);
	assert_int_equal(fd_count(), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_layout),
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_roundtrip),
		T(test_empty_payload),
		T(test_fd_passing),
		T(test_fd_unclaimed_free),
		T(test_several_in_one_read),
		T(test_byte_at_a_time),
		T(test_split_frames),
		T(test_oversized_len),
		T(test_oversized_len_max),
		T(test_short_len),
		T(test_zero_len),
		T(test_oversized_len_partial),
		T(test_unknown_flags),
		T(test_hasfd_without_fd),
		T(test_compose_too_large),
		T(test_get_data_wrong_size),
		T(test_eof_mid_message),
		T(test_eof_empty),
		T(test_read_eagain),
		T(test_peer_closed),
		T(test_msgbuf_clear_fds),
		T(test_imsg_clear_unclaimed),
		T(test_ctrunc),
		T(test_read_buffer_full),
		T(test_nonblocking_fill),
		T(test_fd_mix_blocking),
		T(test_fd_mix_nonblocking),
		T(test_imsg_clear_queued_fd),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
