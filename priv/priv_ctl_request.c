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
 * Requests that change something, as the engine forwards them from a
 * control client: reload (what SIGHUP does), resolve (what the resolve
 * timer does), log verbose|brief (what -v does).  Nothing more can be
 * asked.  The client's socket comes along, and goes back with the
 * answer, so that the parent can ask the kernel who the client is: the
 * engine cannot (in its user namespace SO_PEERCRED reads the overflow
 * ids).  Allowed to root and to members of the control group.
 */

#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

#define PEER_GROUPS	256	/* groups read at once; more: a second try */

/* resolve: answered with the next answer of the resolver */
static struct {
	uint32_t	 id;
	int		 fd;
} waiters[CTL_CLIENTS_MAX];
static int	 nwaiters;

static void __attribute__((format(printf, 5, 6)))
answer(struct ipipd *env, uint32_t id, int fd, int status,
    const char *fmt, ...)
{
	struct msg_ctl_answer	 a;
	va_list			 ap;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.r.status = status;
	va_start(ap, fmt);
	vsnprintf(a.r.text, sizeof(a.r.text), fmt, ap);
	va_end(ap);
	if (imsg_compose(&env->engine.ibuf, IMSG_CTL_ANSWER, 0, 0, fd, &a,
	    sizeof(a)) == -1)
		fatal("imsg_compose");
}

void
ctl_engine_lost(void)
{
	while (nwaiters > 0)
		close(waiters[--nwaiters].fd);
}

void
ctl_send_verbose(struct child *c)
{
	struct msg_set_verbose	 m;

	memset(&m, 0, sizeof(m));
	m.verbose = log_getverbose();
	if (imsg_compose(&c->ibuf, IMSG_SET_VERBOSE, 0, 0, -1, &m,
	    sizeof(m)) == -1)
		fatal("imsg_compose");
}

/* Is gid among the peer's supplementary groups (SO_PEERGROUPS)? */
static int
peer_in_group(int fd, gid_t gid)
{
	gid_t		 buf[PEER_GROUPS], *g = buf;
	socklen_t	 len = sizeof(buf);
	size_t		 i;
	int		 found = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
		/* ERANGE: len is now what it takes. */
		if (errno != ERANGE || (g = malloc(len)) == NULL)
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1)
			len = 0;
	}
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (g[i] == gid)
			found = 1;
	if (g != buf)
		free(g);
	return found;
}

/* Root, or in the control group (primary or supplementary). */
static int
peer_may_steer(int fd, char *who, size_t len)
{
	struct ucred	 cr;
	socklen_t	 sl = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) == -1 ||
	    sl != sizeof(cr)) {
		strlcpy(who, "a client of unknown credentials", len);
		return 0;
	}
	snprintf(who, len, "uid %ld (pid %ld)", (long)cr.uid, (long)cr.pid);
	return cr.uid == 0 || cr.gid == ctl_group() ||
	    peer_in_group(fd, ctl_group());
}

static const char *
request_name(uint32_t type)
{
	switch (type) {
	case IMSG_CTL_RELOAD:
		return "reload";
	case IMSG_CTL_RESOLVE:
		return "resolve";
	case IMSG_CTL_LOG:
		return "log";
	}
	return NULL;
}

static void
set_verbose(struct ipipd *env, int v)
{
	log_setverbose(v);
	env->conf.verbose = v;	/* kept by a reload */
	if (env->engine.alive)
		ctl_send_verbose(&env->engine);
	if (env->resolver.alive)
		ctl_send_verbose(&env->resolver);
}

static void
request_resolve(struct ipipd *env, uint32_t id, int fd)
{
	if (nwaiters == CTL_CLIENTS_MAX) {
		answer(env, id, fd, CTL_FAILED, "too many resolve requests "
		    "waiting");
		return;
	}
	waiters[nwaiters].id = id;
	waiters[nwaiters++].fd = fd;
	/* As the timer would: peer_tick() asks the resolver. */
	env->resolve_ms = mono_ms();
}

void
ctl_request(struct ipipd *env, struct imsg *imsg)
{
	struct msg_ctl_request	 rq;
	const char		*name;
	char			 who[64], msg[CTL_TEXT_MAX];
	int			 fd;

	if (imsg_get_data(imsg, &rq, sizeof(rq)) == -1 ||
	    (name = request_name(rq.type)) == NULL ||
	    (rq.type == IMSG_CTL_LOG && rq.verbose != 0 && rq.verbose != 1))
		fatalx("engine sent a malformed control request");
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("engine sent a control request without its client");
	if (!peer_may_steer(fd, who, sizeof(who))) {
		log_warnx("control: %s refused to %s, neither root nor in "
		    "group %s", name, who, ctl_group_name());
		answer(env, rq.id, fd, CTL_DENIED, "permission denied: %s "
		    "needs root or membership of group %s", name,
		    ctl_group_name());
		return;
	}
	log_info("control: %s%s by %s", name, rq.type != IMSG_CTL_LOG ? "" :
	    rq.verbose ? " verbose" : " brief", who);
	switch (rq.type) {
	case IMSG_CTL_RELOAD:
		/* What was kept for a restart is in the log. */
		if (priv_reload(env, msg, sizeof(msg)) == 0)
			answer(env, rq.id, fd, CTL_OK, "applied");
		else
			answer(env, rq.id, fd, CTL_FAILED, "refused: %s; "
			    "nothing changed", msg);
		break;
	case IMSG_CTL_LOG:
		set_verbose(env, rq.verbose);
		answer(env, rq.id, fd, CTL_OK, "%s", rq.verbose ?
		    "log verbose: debug lines are logged" :
		    "log brief: debug lines are not logged");
		break;
	case IMSG_CTL_RESOLVE:
		request_resolve(env, rq.id, fd);
		break;
	}
}

/* "192.0.2.2, 2001:db8::2" */
static void
addrs_fmt(const struct msg_resolve_answer *ans, char *buf, size_t len)
{
	char		 a[ADDR_STRLEN];
	uint32_t	 i;

	buf[0] = '\0';
	for (i = 0; i < ans->naddrs && i < RESOLVE_ADDRS_MAX; i++) {
		if (i > 0)
			strlcat(buf, ", ", len);
		strlcat(buf, addr_fmt(&ans->addrs[i], a, sizeof(a)), len);
	}
}

/* The resolver answered: kept for show, told to who asked. */
void
ctl_resolved(struct ipipd *env, const struct msg_resolve_answer *ans)
{
	char	 list[CTL_TEXT_MAX], r[ADDR_STRLEN];
	int	 i;

	ctl_status_resolved(ans);
	if (nwaiters == 0)
		return;
	if (!env->engine.alive) {
		ctl_engine_lost();
		return;
	}
	addr_fmt(&env->remote, r, sizeof(r));
	addrs_fmt(ans, list, sizeof(list));
	for (i = 0; i < nwaiters; i++) {
		if (ans->error != 0)
			answer(env, waiters[i].id, waiters[i].fd, CTL_FAILED,
			    "remote %s: %s; keeping %s", env->conf.remote,
			    ans->errstr, r);
		else
			answer(env, waiters[i].id, waiters[i].fd, CTL_OK,
			    "remote %s: %s; using %s", env->conf.remote, list,
			    r);
	}
	nwaiters = 0;
}
