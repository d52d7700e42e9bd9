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

/* The parent's event loop: signals and messages from the children. */

#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS	/* strnvis(dst, src, size, flag) */
#include <vis.h>

#include <libmnl/libmnl.h>

#include "priv.h"
#include "log.h"


/* Wait up to about a second for c, then kill it. */
static int
child_reap(struct child *c)
{
	int	 status, i;
	pid_t	 r;

	for (i = 0; i < 100; i++) {
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid) {
			c->alive = 0;
			return status;
		}
		if (r == -1)
			return -1;
		usleep(10000);
	}
	kill(c->pid, SIGKILL);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -1;
	c->alive = 0;
	return status;
}

/* A child closed its socket: reap it (killing it if it lingers). */
static void
child_lost(struct ipipd *env, struct child *c)
{
	int	 status;

	if ((status = child_reap(c)) == -1)
		fatal("waitpid %s", c->name);
	child_died(env, c, status);
}

void
priv_shutdown(struct ipipd *env, int code)
{
	struct child	*cs[2] = { &env->engine, &env->resolver };
	int		 i;

	/* EOF on their socket ends the children; the signal is backup. */
	for (i = 0; i < 2; i++) {
		if (!cs[i]->alive)
			continue;
		imsg_clear(&cs[i]->ibuf);
		close(cs[i]->ibuf.fd);
		kill(cs[i]->pid, SIGTERM);
	}
	for (i = 0; i < 2; i++)
		if (cs[i]->alive)
			(void)child_reap(cs[i]);
	/* Last holder of the TUN fd: a device we created goes now. */
	close(env->res.tun_fd);
	exit(code);
}

/* One line of our own, then one from each child. */
static void
priv_log_status(struct ipipd *env)
{
	char	 l[ADDR_STRLEN], r[ADDR_STRLEN];

	log_info("status: tunnel %s dev %s local %s remote %s mtu %u "
	    "outer-mtu %u", env->up ? "up" : "starting", env->conf.dev,
	    addr_fmt(&env->local, l, sizeof(l)),
	    addr_fmt(&env->remote, r, sizeof(r)), env->tun_mtu,
	    env->outer_mtu);
	if (env->engine_started &&
	    imsg_compose(&env->engine.ibuf, IMSG_STATUS, 0, 0, -1, NULL,
	    0) == -1)
		fatal("imsg_compose");
	if (imsg_compose(&env->resolver.ibuf, IMSG_STATUS, 0, 0, -1, NULL,
	    0) == -1)
		fatal("imsg_compose");
}

static void
handle_signal(struct ipipd *env)
{
	struct signalfd_siginfo	 si;
	struct child		*cs[2] = { &env->engine, &env->resolver };
	int			 status, i;

	while (read(env->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("received %s, exiting",
			    si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			priv_shutdown(env, 0);
		case SIGHUP:
			reload_signal(env, &si);
			break;
		case SIGUSR1:
			priv_log_status(env);
			break;
		case SIGCHLD:
			for (i = 0; i < 2; i++) {
				if (!cs[i]->alive || waitpid(cs[i]->pid,
				    &status, WNOHANG) != cs[i]->pid)
					continue;
				child_died(env, cs[i], status);
			}
			break;
		}
	}
}

/* A child's log line, made printable: its bytes are not trusted. */
void
child_log(struct child *c, struct imsg *imsg)
{
	struct msg_log	 m;
	char		 safe[LOG_LINE_MAX * 4 + 1];

	if (imsg_get_data(imsg, &m, sizeof(m)) == -1 ||
	    memchr(m.line, '\0', sizeof(m.line)) == NULL ||
	    m.pri < LOG_EMERG || m.pri > LOG_DEBUG)
		fatalx("%s sent a malformed log message", c->name);
	/* Newlines and escapes too: a child must not forge log lines. */
	strnvis(safe, m.line, sizeof(safe), VIS_CSTYLE | VIS_NL | VIS_TAB |
	    VIS_OCTAL);
	/* A child cannot make the parent's log claim to be critical. */
	logit(m.pri < LOG_ERR ? LOG_ERR : m.pri, "%s: %s", c->name, safe);
}

/* The sender of c's messages, and what the parent knows of it now. */
static int
child_proc(struct ipipd *env, struct child *c)
{
	return c == &env->engine ? IMSG_P_ENGINE : IMSG_P_RESOLVER;
}

static unsigned int
child_state(struct ipipd *env, struct child *c)
{
	if (c == &env->engine)
		return (env->engine_started ? IMSG_S_STARTED : 0) |
		    (watchdog_asked(env) ? IMSG_S_ASKED : 0);
	return env->resolving ? IMSG_S_ASKED : 0;
}

static int
fds_queued(struct imsgbuf *ibuf)
{
	struct imsg_fd	*f;
	int		 n = 0;

	TAILQ_FOREACH(f, &ibuf->fds, entry)
		n++;
	return n;
}

/* Read what a child sent and handle each complete message. */
static void
child_input(struct ipipd *env, struct child *c,
    void (*dispatch)(struct ipipd *, struct imsg *))
{
	struct imsg	 imsg;
	char		 why[128];
	ssize_t		 n;

	if ((n = imsg_read(&c->ibuf)) == -1) {
		if (errno == EAGAIN)
			return;
		/*
		 * A child that dies with our messages unread resets the
		 * socket: that is its death, to be handled like EOF.
		 */
		if (errno != ECONNRESET)
			fatal("read from %s", c->name);
		n = 0;
	}
	if (n == 0) {
		child_lost(env, c);
		return;
	}
	for (;;) {
		if ((n = imsg_get(&c->ibuf, &imsg)) == -1)
			fatalx("%s sent a malformed message stream", c->name);
		if (n == 0)
			break;
		/* The table of ipipd_msg.h first, whatever the type. */
		if (imsg_rule_check(&imsg, IMSG_P_PARENT, child_proc(env, c),
		    child_state(env, c), &c->imsg_seen, why, sizeof(why)) == -1)
			fatalx("%s", why);
		dispatch(env, &imsg);
		imsg_free(&imsg);
	}
	/*
	 * Only the engine's control requests carry an fd (the table).  One
	 * sent with a message not flagged as carrying it would wait in the
	 * queue, unclaimed and open, until the child dies: refuse it.  Only
	 * a message still incomplete may have its fd here already.
	 */
	if (fds_queued(&c->ibuf) > (c->ibuf.r.wpos > 0 ? 1 : 0))
		fatalx("%s sent an unexpected fd", c->name);
}

static void
child_output(struct child *c)
{
	/* A dead child's socket errors; its death is handled on EOF. */
	if (msgbuf_write(&c->ibuf.w) == -1 && errno != EAGAIN)
		log_debug("write to %s: %s", c->name, strerror(errno));
}

/* Milliseconds until the earliest timer, -1 for none. */
static int
next_timeout(struct ipipd *env, uint64_t now)
{
	uint64_t	 t[6], min = 0;
	int		 i;

	t[0] = env->recheck_ms;
	/*
	 * Only while a request can be sent: with one out, or no resolver
	 * to ask, a past resolve_ms would make poll() return at once.
	 */
	t[1] = env->engine_started && !env->resolving &&
	    env->resolver.alive ? env->resolve_ms : 0;
	t[2] = env->engine.restart_ms;
	t[3] = env->resolver.restart_ms;
	t[4] = watchdog_due(env);
	t[5] = tcp_priv_next_ms(env);
	for (i = 0; i < 6; i++)
		if (t[i] != 0 && (min == 0 || t[i] < min))
			min = t[i];
	if (min == 0)
		return -1;
	return min <= now ? 0 : (int)(min - now);
}

enum { PFD_SIG, PFD_NL, PFD_ENGINE, PFD_RESOLVER, PFD_TCP, PFD_MAX };

void
priv_loop(struct ipipd *env)
{
	struct pollfd	 pfd[PFD_MAX];
	struct child	*cs[PFD_MAX] = { NULL, NULL, &env->engine,
			    &env->resolver, NULL };
	void		(*disp[PFD_MAX])(struct ipipd *, struct imsg *) =
			    { NULL, NULL, engine_dispatch, resolver_dispatch,
			    NULL };
	uint64_t	 now;
	int		 i;

	for (;;) {
		pfd[PFD_SIG].fd = env->sigfd;
		pfd[PFD_SIG].events = POLLIN;
		pfd[PFD_NL].fd = mnl_socket_get_fd(env->res.nl_events);
		pfd[PFD_NL].events = POLLIN;
		/* encap tcp: the client's connect in progress (priv_tcp.c);
		 * defined even when unused: poll() reads every entry. */
		pfd[PFD_TCP].events = 0;
		pfd[PFD_TCP].fd = tcp_priv_pollfd(env, &pfd[PFD_TCP].events);
		for (i = PFD_ENGINE; i <= PFD_RESOLVER; i++) {
			pfd[i].fd = cs[i]->alive ? cs[i]->ibuf.fd : -1;
			pfd[i].events = POLLIN;
			if (cs[i]->ibuf.w.queued > 0)
				pfd[i].events |= POLLOUT;
		}
		if (poll(pfd, PFD_MAX, next_timeout(env, mono_ms())) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[PFD_SIG].revents & POLLIN)
			handle_signal(env);
		if (pfd[PFD_NL].revents & (POLLIN | POLLERR))
			rtnl_watch_input(env);
		if (pfd[PFD_TCP].fd != -1 && pfd[PFD_TCP].revents)
			tcp_priv_pollin(env, pfd[PFD_TCP].revents);
		for (i = PFD_ENGINE; i <= PFD_RESOLVER; i++) {
			if (!cs[i]->alive || pfd[i].fd != cs[i]->ibuf.fd)
				continue;
			if (pfd[i].revents & POLLOUT)
				child_output(cs[i]);
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				child_input(env, cs[i], disp[i]);
		}
		tcp_priv_flush(env);	/* answers after the file is written */
		now = mono_ms();
		supervise_tick(env, now);
		peer_tick(env, now);
		watchdog_tick(env, now);
		tcp_priv_tick(env, now);
		ctl_tick(env);
	}
}
