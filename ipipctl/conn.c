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
 * One request to one daemon: connect, send it, read the reply until
 * its end.  What comes back is checked like any input: each message has
 * exactly its size, counts stay within bounds, text is made printable.
 * Whoever listens on the socket might not be ipipd.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imsg.h"
#include "ipipctl.h"

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* NUL-end s and replace what a terminal would act on. */
static void
printable(char *s, size_t len)
{
	size_t	 i;

	s[len - 1] = '\0';
	for (i = 0; s[i] != '\0'; i++)
		if (!isprint((unsigned char)s[i]))
			s[i] = '?';
}

static uint64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Why connect failed, in words that say what to do. */
static int
connect_error(const char *path, int e, char *err, size_t len)
{
	struct stat	 st;
	struct group	*gr;
	char		 g[32];

	switch (e) {
	case ENOENT:
		return fail(err, len, "%s: no such socket: is ipipd running?",
		    path);
	case ECONNREFUSED:
		return fail(err, len, "%s: no daemon answers (left by an "
		    "ipipd that died?)", path);
	case EACCES:
	case EPERM:
		if (stat(path, &st) == -1)
			return fail(err, len, "%s: permission denied", path);
		if ((gr = getgrgid(st.st_gid)) != NULL)
			strlcpy(g, gr->gr_name, sizeof(g));
		else
			snprintf(g, sizeof(g), "%ld", (long)st.st_gid);
		return fail(err, len, "%s: permission denied: only root and "
		    "members of group %s may use it", path, g);
	case EAGAIN:
	case EINPROGRESS:
		return fail(err, len, "%s: the daemon is not accepting "
		    "connections (busy?)", path);
	}
	return fail(err, len, "%s: %s", path, strerror(e));
}

static int
ctl_connect(const char *path, int timeout_ms, char *err, size_t len)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv;
	int			 s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return fail(err, len, "%s: path too long", path);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return fail(err, len, "socket: %s", strerror(errno));
	/* A full backlog makes connect wait: not for ever. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	(void)setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		connect_error(path, errno, err, len);
		close(s);
		return -1;
	}
	return s;
}

/* A show clients record, after the tunnel; the array grows by doubling. */
static int
take_client(struct imsg *m, struct reply *r)
{
	struct ctl_client	*p;
	size_t			 cap;

	if (!r->have_tunnel || r->nclients == CLIENTS_MAX)
		return -1;
	if (r->nclients == r->clients_cap) {
		cap = r->clients_cap ? 2 * r->clients_cap : 64;
		if ((p = reallocarray(r->clients, cap, sizeof(*p))) == NULL)
			return -1;
		r->clients = p;
		r->clients_cap = cap;
	}
	if (imsg_get_data(m, &r->clients[r->nclients], sizeof(*p)) == -1)
		return -1;
	r->nclients++;
	return 0;
}

/*
 * One message of the reply, checked against the table of ipipd_msg.h
 * first (the engine's IMSG_P_CLIENT rows, exact sizes, no fd); 1 when
 * it ends the reply, -1 if it breaks a rule.
 */
static int
take(struct imsg *m, struct reply *r)
{
	uint64_t	 seen = 0;
	char		 why[128];

	if (imsg_rule_check(m, IMSG_P_CLIENT, IMSG_P_ENGINE, 0, &seen, why,
	    sizeof(why)) == -1)
		return -1;
	switch (m->hdr.type) {
	case IMSG_CTL_TUNNEL:
		if (r->have_tunnel || imsg_get_data(m, &r->tunnel,
		    sizeof(r->tunnel)) == -1)
			return -1;
		r->have_tunnel = 1;
		return 0;
	case IMSG_CTL_HINT:
		if (r->nhints == HINTS_MAX || imsg_get_data(m,
		    &r->hints[r->nhints], sizeof(r->hints[0])) == -1)
			return -1;
		r->nhints++;
		return 0;
	case IMSG_CTL_COUNTERS: {
		struct ctl_counters	 c;
		uint32_t		 i;

		if (imsg_get_data(m, &c, sizeof(c)) == -1 ||
		    c.n > CTL_COUNTERS_MAX ||
		    r->ncounters + c.n > COUNTERS_MAX)
			return -1;
		for (i = 0; i < c.n; i++)
			r->counters[r->ncounters++] = c.c[i];
		return 0;
	}
	case IMSG_CTL_CLIENT:
		return take_client(m, r);
	case IMSG_CTL_END:
		return 1;
	case IMSG_CTL_RESULT:
		if (imsg_get_data(m, &r->result, sizeof(r->result)) == -1)
			return -1;
		r->have_result = 1;
		return 1;
	}
	return -1;
}

/* Strings from the daemon, made safe to print. */
static void
sanitize(struct reply *r)
{
	struct msg_ctl_status	*st = &r->tunnel.st;
	size_t			 i;

	printable(st->dev, sizeof(st->dev));
	printable(st->remote_name, sizeof(st->remote_name));
	printable(st->file, sizeof(st->file));
	printable(st->mode, sizeof(st->mode));
	printable(st->role, sizeof(st->role));
	printable(st->pause_why, sizeof(st->pause_why));
	printable(st->resolve_err, sizeof(st->resolve_err));
	if (st->nresolved > RESOLVE_ADDRS_MAX)
		st->nresolved = RESOLVE_ADDRS_MAX;
	for (i = 0; i < r->nhints; i++) {
		printable(r->hints[i].cause, sizeof(r->hints[i].cause));
		printable(r->hints[i].text, sizeof(r->hints[i].text));
	}
	for (i = 0; i < r->ncounters; i++) {
		printable(r->counters[i].name, sizeof(r->counters[i].name));
		if (r->counters[i].group >= CTL_GROUP_MAX)
			r->counters[i].group = CTL_GROUP_MAX;
	}
	for (i = 0; i < r->nclients; i++) {
		printable(r->clients[i].id, sizeof(r->clients[i].id));
		if (r->clients[i].peer.af != AF_INET &&
		    r->clients[i].peer.af != AF_INET6)
			memset(&r->clients[i].peer, 0,
			    sizeof(r->clients[i].peer));
	}
	printable(r->result.text, sizeof(r->result.text));
}

/* Read until the reply ends, the deadline passes or the daemon leaves. */
static int
read_reply(const char *path, struct imsgbuf *ib, int timeout_ms,
    struct reply *r, char *err, size_t len)
{
	struct pollfd	 pfd = { .fd = ib->fd, .events = POLLIN };
	struct imsg	 m;
	uint64_t	 end = mono_ms() + (uint64_t)timeout_ms, now;
	ssize_t		 n;
	int		 done;

	for (;;) {
		if ((now = mono_ms()) >= end)
			return fail(err, len, "%s: no answer within %d s",
			    path, timeout_ms / 1000);
		if (poll(&pfd, 1, (int)(end - now)) == -1 && errno != EINTR)
			return fail(err, len, "poll: %s", strerror(errno));
		if (pfd.revents == 0)
			continue;
		if ((n = imsg_read(ib)) == -1 && errno != EAGAIN)
			return fail(err, len, "%s: %s", path, strerror(errno));
		if (n == 0)
			return fail(err, len, "%s: the daemon closed the "
			    "connection (an ipipd older than ipipctl?)", path);
		if (!TAILQ_EMPTY(&ib->fds))
			return fail(err, len, "%s: sent a file descriptor",
			    path);
		while ((n = imsg_get(ib, &m)) > 0) {
			done = take(&m, r);
			imsg_free(&m);
			if (done == -1)
				return fail(err, len, "%s: malformed reply "
				    "(type %u): is this ipipd, of the same "
				    "version?", path, m.hdr.type);
			if (done == 1)
				return 0;
		}
		if (n == -1)
			return fail(err, len, "%s: malformed reply", path);
	}
}

int
ctl_ask(const char *path, uint32_t type, const void *data, size_t dlen,
    int timeout_ms, struct reply *r, char *err, size_t len)
{
	struct imsgbuf	 ib;
	int		 s, rv;

	free(r->clients);
	memset(r, 0, sizeof(*r));
	if ((s = ctl_connect(path, timeout_ms, err, len)) == -1)
		return -1;
	imsg_init(&ib, s);
	if (imsg_compose(&ib, type, 0, 0, -1, data, dlen) == -1 ||
	    imsg_flush(&ib) == -1) {
		rv = fail(err, len, "%s: send: %s", path, strerror(errno));
	} else
		rv = read_reply(path, &ib, timeout_ms, r, err, len);
	imsg_clear(&ib);
	close(s);
	if (rv == 0)
		sanitize(r);
	return rv;
}
