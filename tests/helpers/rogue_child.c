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
 * and, on the control path (the engine forwards a control client's
 * request with the client's socket; the parent checks who the client
 * is and acts):
 *
 *   ctl-nofd      (engine) IMSG_CTL_REQUEST reload without the client
 *   ctl-short     (engine) IMSG_CTL_REQUEST of 8 bytes, with a client
 *   ctl-badtype   (engine) a request for IMSG_CTL_SHOW, with a client
 *   ctl-badverbose (engine) log with verbose 2, with a client
 *   ctl-answer    (engine) IMSG_CTL_ANSWER, which only the parent sends
 *   ctl-resolver  (resolver) IMSG_CTL_REQUEST, which only the engine sends
 *   ctl-relay     (engine) accepts control clients on the socket the
 *                 parent passes and forwards each one's reload or log
 *                 request, whoever the client is; logs (IMSG_LOG) every
 *                 log level the parent then sets and the answer
 *
 * "With a client" is one end of a socketpair made here: its peer is
 * this process, root or the service user, whom the parent would obey.
 *
 * As the engine in any other mode it never answers, so no tunnel can
 * come up through it whatever the resolver does first.
 *
 * The honest answer is the name asked for, which must be a literal
 * address.  Then it reads until the parent closes the socket.
 */

#include <sys/socket.h>
#include <sys/uio.h>

#include <poll.h>

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

/* One end of a socketpair: a client whose peer is this process. */
static int
own_client(void)
{
	int	 sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		err(1, "socketpair");
	return sp[0];	/* sp[1] stays open: a live peer */
}

static void
send_request(uint32_t type, int32_t verbose, size_t len, int fd)
{
	struct msg_ctl_request	 rq;

	memset(&rq, 0, sizeof(rq));
	rq.id = 1;
	rq.type = type;
	rq.verbose = verbose;
	if (imsg_compose(&ibuf, IMSG_CTL_REQUEST, 0, 0, fd, &rq, len) == -1 ||
	    imsg_flush(&ibuf) == -1)
		err(1, "imsg to the parent");
}

/*
 * A message from the parent: 1, or 0 when none is buffered and not
 * block, -1 when the parent is gone.  Logs the start (the tunnel set
 * up: its mtu too), the log levels set and the answer to a request.
 */
static int
parent_msg(struct imsg *imsg, int block)
{
	struct msg_set_verbose	 v;
	struct msg_ctl_answer	 a;
	char			 line[sizeof(a.r.text) + 32];
	ssize_t			 n;

	while ((n = imsg_get(&ibuf, imsg)) == 0)
		if (!block)
			return 0;
		else if (imsg_read(&ibuf) <= 0)
			return -1;
	if (n == -1)
		errx(1, "bad message from the parent");
	if (imsg->hdr.type == IMSG_START)
		send_log("rogue: start");
	else if (imsg->hdr.type == IMSG_SET_VERBOSE &&
	    imsg_get_data(imsg, &v, sizeof(v)) == 0) {
		snprintf(line, sizeof(line), "rogue: verbose %d", v.verbose);
		send_log(line);
	} else if (imsg->hdr.type == IMSG_CTL_ANSWER &&
	    imsg_get_data(imsg, &a, sizeof(a)) == 0) {
		a.r.text[sizeof(a.r.text) - 1] = '\0';
		snprintf(line, sizeof(line), "rogue: answer %d %s",
		    a.r.status, a.r.text);
		send_log(line);
	}
	return 1;
}

/* The request a control client sent, as the parent would be asked it. */
static int
client_request(int c, uint32_t *type, int32_t *verbose)
{
	struct imsgbuf		 cb;
	struct imsg		 imsg;
	struct msg_set_verbose	 v;
	ssize_t			 n;
	int			 ok = 0;

	imsg_init(&cb, c);
	while ((n = imsg_get(&cb, &imsg)) == 0)
		if (imsg_read(&cb) <= 0)
			break;
	if (n > 0) {
		*type = imsg.hdr.type;
		*verbose = 0;
		if (*type == IMSG_CTL_LOG &&
		    imsg_get_data(&imsg, &v, sizeof(v)) == 0)
			*verbose = v.verbose;
		ok = *type == IMSG_CTL_RELOAD || *type == IMSG_CTL_LOG;
		imsg_free(&imsg);
	}
	imsg_clear(&cb);
	return ok ? 0 : -1;
}

/*
 * ctl-relay: every client's request goes to the parent as if allowed;
 * what the parent sends until its answer is logged, then the client
 * is closed.  Ends when the parent does.
 */
static void
ctl_relay(void)
{
	struct pollfd	 pfd[2];
	struct imsg	 imsg;
	uint32_t	 type;
	int32_t		 verbose;
	int		 lsock = -1, c, t;

	for (;;) {
		/* All that was read, before poll waits for more. */
		while (parent_msg(&imsg, 0) == 1) {
			if (imsg.hdr.type == IMSG_FD_CONTROL && lsock == -1)
				lsock = imsg_get_fd(&imsg);
			imsg_free(&imsg);
		}
		pfd[0].fd = IPIPD_CHILD_FD;
		pfd[1].fd = lsock;
		pfd[0].events = pfd[1].events = POLLIN;
		if (poll(pfd, lsock == -1 ? 1 : 2, -1) == -1)
			err(1, "poll");
		if (pfd[0].revents) {
			if (imsg_read(&ibuf) <= 0)
				return;
			continue;
		}
		if (lsock == -1 || !pfd[1].revents ||
		    (c = accept(lsock, NULL, NULL)) == -1)
			continue;
		if (client_request(c, &type, &verbose) == 0) {
			send_request(type, verbose, sizeof(struct
			    msg_ctl_request), c);
			do {
				if (parent_msg(&imsg, 1) == -1)
					return;
				t = (int)imsg.hdr.type;
				imsg_free(&imsg);
			} while (t != IMSG_CTL_ANSWER);
		} else
			close(c);
	}
}

/* The control modes of the engine; 0 when mode is none of them. */
static int
ctl_rogue(const char *mode)
{
	struct imsg	 imsg;

	if (strcmp(mode, "ctl-nofd") == 0)
		send_request(IMSG_CTL_RELOAD, 0, sizeof(struct
		    msg_ctl_request), -1);
	else if (strcmp(mode, "ctl-short") == 0)
		send_request(IMSG_CTL_LOG, 1, 8, own_client());
	else if (strcmp(mode, "ctl-badtype") == 0)
		send_request(IMSG_CTL_SHOW, 0, sizeof(struct
		    msg_ctl_request), own_client());
	else if (strcmp(mode, "ctl-badverbose") == 0)
		send_request(IMSG_CTL_LOG, 2, sizeof(struct
		    msg_ctl_request), own_client());
	else if (strcmp(mode, "ctl-answer") == 0) {
		struct msg_ctl_answer	 a;

		memset(&a, 0, sizeof(a));
		if (imsg_compose(&ibuf, IMSG_CTL_ANSWER, 0, 0, own_client(),
		    &a, sizeof(a)) == -1 || imsg_flush(&ibuf) == -1)
			err(1, "imsg to the parent");
	} else if (strcmp(mode, "ctl-relay") == 0) {
		ctl_relay();
		return 1;
	} else
		return 0;
	/* A parent that acted would set the level or answer: logged. */
	while (parent_msg(&imsg, 1) == 1)
		imsg_free(&imsg);
	return 1;
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
		if (ctl_rogue(mode))
			return 0;
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
	} else if (strcmp(mode, "ctl-resolver") == 0) {
		struct msg_ctl_request	 rq;

		memset(&rq, 0, sizeof(rq));
		rq.type = IMSG_CTL_RELOAD;
		if (imsg_compose(&ibuf, IMSG_CTL_REQUEST, 0, 0, own_client(),
		    &rq, sizeof(rq)) == -1 || imsg_flush(&ibuf) == -1)
			err(1, "imsg to the parent");
	} else if (strcmp(mode, "short-log") == 0 ||
	    strncmp(mode, "ctl-", 4) == 0) {
		/* the resolver: silent */
	} else if (strcmp(mode, "pong-unasked") == 0 ||
	    strcmp(mode, "pong-wrong") == 0) {
		/* the resolver: silent */
	} else
		errx(1, "unknown mode %s", mode);
	drain();
	return 0;
}
