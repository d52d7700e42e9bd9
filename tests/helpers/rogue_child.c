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
 * Test helper: a compromised child.  Copied over ipipd-resolver or
 * ipipd-engine in a copy of the build directory
 * (tests/integration/t_rogue_child.sh), it talks to the parent on fd 3
 * as an attacker who owns that child could.  What it does is read from
 * the file rogue_mode next to its binary:
 *
 *   fd-noflag     (resolver) log messages each carrying an fd that the
 *                 header does not announce (no IMSGF_HASFD)
 *   log-forge     (resolver) a log line with a newline and an escape
 *                 sequence, then an honest answer
 *   errstr-ctl    (resolver) a failed answer whose errstr holds an
 *                 escape sequence
 *   answer-twice  (resolver) two answers to the one question
 *   ready-early   (engine) IMSG_ENGINE_READY before any IMSG_START;
 *                 as the resolver, it never answers, so no start comes
 *   pong-unasked  (engine) IMSG_PONG before any IMSG_PING
 *   pong-wrong    (engine) answers the first IMSG_PING with another
 *                 number
 *   wrong-type    (resolver) IMSG_PEER, a message only the parent sends
 *   short-log     (engine) IMSG_LOG with a 3-byte payload
 *   exit-1        (either) exits with status 1 at once, every start
 *
 * As the engine in any other mode it never answers, so no tunnel can
 * come up through it whatever the resolver does first.
 *
 * The honest answer is the name asked for, which must be a literal
 * address.  Then it reads until the parent closes the socket.
 */

#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "addr.h"
#include "imsg.h"
#include "ipipd_msg.h"

static struct imsgbuf	 ibuf;

static int	 is_engine;

static void
mode_read(char *mode, size_t len)
{
	char	 path[PATH_MAX], *slash;
	ssize_t	 n;
	FILE	*f;

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		err(1, "readlink");
	path[n] = '\0';
	if ((slash = strrchr(path, '/')) == NULL)
		errx(1, "no directory in %s", path);
	is_engine = strcmp(slash + 1, "ipipd-engine") == 0;
	strlcpy(slash + 1, "rogue_mode", sizeof(path) - (size_t)(slash -
	    path) - 1);
	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	if (fgets(mode, (int)len, f) == NULL)
		errx(1, "%s: empty", path);
	mode[strcspn(mode, "\n")] = '\0';
	fclose(f);
}

static void
send_msg(uint32_t type, const void *data, size_t len)
{
	if (imsg_compose(&ibuf, type, 0, 0, -1, data, len) == -1 ||
	    imsg_flush(&ibuf) == -1)
		err(1, "imsg to the parent");
}

static void
send_log(const char *line)
{
	struct msg_log	 m;

	memset(&m, 0, sizeof(m));
	m.pri = LOG_INFO;
	strlcpy(m.line, line, sizeof(m.line));
	send_msg(IMSG_LOG, &m, sizeof(m));
}

/* An IMSG_LOG frame written by hand, fd attached, HASFD not set. */
static void
send_log_fd_noflag(int fd)
{
	struct imsg_hdr	 hdr;
	struct msg_log	 m;
	struct iovec	 iov[2];
	struct msghdr	 msg;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct cmsghdr	*c;

	memset(&m, 0, sizeof(m));
	m.pri = LOG_INFO;
	strlcpy(m.line, "an fd the header does not announce", sizeof(m.line));
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = IMSG_LOG;
	hdr.len = sizeof(hdr) + sizeof(m);
	hdr.pid = (uint32_t)getpid();
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = &m;
	iov[1].iov_len = sizeof(m);
	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	if (sendmsg(IPIPD_CHILD_FD, &msg, 0) == -1)
		err(1, "sendmsg");
}

/* The question from the parent, answered with its literal address. */
static void
read_question(struct msg_resolve_answer *ans)
{
	struct msg_resolve	 q;
	struct imsg		 imsg;
	ssize_t			 n;

	for (;;) {
		if ((n = imsg_get(&ibuf, &imsg)) == -1)
			errx(1, "bad message from the parent");
		if (n > 0) {
			if (imsg.hdr.type == IMSG_RESOLVE &&
			    imsg_get_data(&imsg, &q, sizeof(q)) == 0) {
				imsg_free(&imsg);
				break;
			}
			imsg_free(&imsg);
			continue;
		}
		if ((n = imsg_read(&ibuf)) <= 0)
			errx(1, "parent gone before asking");
	}
	memset(ans, 0, sizeof(*ans));
	q.name[sizeof(q.name) - 1] = '\0';
	if (addr_parse(q.name, &ans->addrs[0]) == -1)
		errx(1, "not a literal address: %s", q.name);
	ans->naddrs = 1;
}

/* The first watchdog ping, answered with the next number. */
static void
pong_wrong(void)
{
	struct msg_ping	 p;
	struct imsg	 imsg;
	ssize_t		 n;

	for (;;) {
		if ((n = imsg_get(&ibuf, &imsg)) == -1)
			errx(1, "bad message from the parent");
		if (n > 0) {
			if (imsg.hdr.type == IMSG_PING &&
			    imsg_get_data(&imsg, &p, sizeof(p)) == 0) {
				imsg_free(&imsg);
				break;
			}
			imsg_free(&imsg);
			continue;
		}
		if ((n = imsg_read(&ibuf)) <= 0)
			errx(1, "parent gone before a ping");
	}
	p.seq++;
	send_msg(IMSG_PONG, &p, sizeof(p));
}

/* Until the parent closes the socket (it exits on a fatal error). */
static void
drain(void)
{
	char	 buf[4096];

	while (read(IPIPD_CHILD_FD, buf, sizeof(buf)) > 0)
		;
}

int
main(void)
{
	struct msg_resolve_answer	 ans;
	char				 mode[64];
	int				 i, fd;

	mode_read(mode, sizeof(mode));
	if (strcmp(mode, "exit-1") == 0)
		return 1;
	imsg_init(&ibuf, IPIPD_CHILD_FD);
	if (is_engine) {
		if (strcmp(mode, "ready-early") == 0)
			send_msg(IMSG_ENGINE_READY, NULL, 0);
		else if (strcmp(mode, "short-log") == 0)
			send_msg(IMSG_LOG, "abc", 3);
		else if (strcmp(mode, "pong-unasked") == 0) {
			struct msg_ping	 p = { 7 };

			send_msg(IMSG_PONG, &p, sizeof(p));
		} else if (strcmp(mode, "pong-wrong") == 0)
			pong_wrong();
	} else if (strcmp(mode, "fd-noflag") == 0) {
		for (i = 0; i < 4; i++) {
			if ((fd = open("/dev/null", O_RDONLY)) == -1)
				err(1, "/dev/null");
			send_log_fd_noflag(fd);
			close(fd);
		}
	} else if (strcmp(mode, "log-forge") == 0) {
		send_log("harmless\nforged: tunnel up: a line of our own"
		    "\033[2K");
		read_question(&ans);
		send_msg(IMSG_RESOLVE_ANSWER, &ans, sizeof(ans));
	} else if (strcmp(mode, "errstr-ctl") == 0) {
		read_question(&ans);
		ans.naddrs = 0;
		ans.error = -2;
		strlcpy(ans.errstr, "Name unknown\033[2K", sizeof(ans.errstr));
		send_msg(IMSG_RESOLVE_ANSWER, &ans, sizeof(ans));
	} else if (strcmp(mode, "answer-twice") == 0) {
		read_question(&ans);
		send_msg(IMSG_RESOLVE_ANSWER, &ans, sizeof(ans));
		send_msg(IMSG_RESOLVE_ANSWER, &ans, sizeof(ans));
	} else if (strcmp(mode, "ready-early") == 0) {
		/* the resolver: silent */
	} else if (strcmp(mode, "wrong-type") == 0) {
		struct msg_peer	 p;

		memset(&p, 0, sizeof(p));
		send_msg(IMSG_PEER, &p, sizeof(p));
	} else if (strcmp(mode, "short-log") == 0) {
		/* the resolver: silent */
	} else if (strcmp(mode, "pong-unasked") == 0 ||
	    strcmp(mode, "pong-wrong") == 0) {
		/* the resolver: silent */
	} else
		errx(1, "unknown mode %s", mode);
	drain();
	return 0;
}
