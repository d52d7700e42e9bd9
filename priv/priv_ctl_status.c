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
 * What only the parent knows, for ipipctl show: built from its state
 * after every turn of its loop and sent to the engine when it changed
 * (a few hundred bytes compared, no system call).  A child with a new
 * pid was restarted: counted here; a new engine is given the control
 * socket again, every new child the current log level.
 */

#include <sys/socket.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

static struct {
	pid_t			 engine_pid, resolver_pid;
	uint32_t		 engine_restarts, resolver_restarts;
	uint64_t		 start_ms, up_ms, resolve_ms;
	struct msg_resolve_answer ans;		/* the last one */
	struct msg_ctl_status	 sent;
} cs;

void
ctl_status_resolved(const struct msg_resolve_answer *ans)
{
	cs.resolve_ms = mono_ms();
	cs.ans = *ans;
}

/* 1 when c runs with a pid not seen before: a start or a restart. */
static int
child_new(const struct child *c, pid_t *seen, uint32_t *restarts)
{
	if (!c->alive || c->pid == *seen)
		return 0;
	if (*seen != 0)
		(*restarts)++;
	*seen = c->pid;
	return 1;
}

static uint8_t
mtu_from(const struct ipipd *env, uint32_t hdr)
{
	if (env->conf.mtu != 0)
		return CTL_MTU_GIVEN;
	if (env->tun_mtu == TUN_MIN_MTU_V6 &&
	    env->outer_mtu < hdr + TUN_MIN_MTU_V6)
		return CTL_MTU_V6_MIN;
	return CTL_MTU_PATH;
}

static void
status_resolve(struct msg_ctl_status *st)
{
	uint32_t	 i;

	st->resolve_ms = cs.resolve_ms;
	if (cs.resolve_ms == 0)
		return;
	if (cs.ans.error != 0) {
		strlcpy(st->resolve_err, cs.ans.errstr,
		    sizeof(st->resolve_err));
		return;
	}
	for (i = 0; i < cs.ans.naddrs && i < RESOLVE_ADDRS_MAX; i++)
		st->resolved[i] = cs.ans.addrs[i];
	st->nresolved = i;
}

static void
status_build(const struct ipipd *env, struct msg_ctl_status *st)
{
	const struct ipipd_conf	*c = &env->conf;

	memset(st, 0, sizeof(*st));
	strlcpy(st->dev, c->dev, sizeof(st->dev));
	strlcpy(st->remote_name, c->remote, sizeof(st->remote_name));
	strlcpy(st->file, c->file, sizeof(st->file));
	strlcpy(st->mode, conf_mode_name(c->mode), sizeof(st->mode));
	strlcpy(st->role, "peer", sizeof(st->role));
	st->state = env->paused ? CTL_STATE_PAUSED : env->up ? CTL_STATE_UP :
	    CTL_STATE_STARTING;
	if (env->paused)
		strlcpy(st->pause_why, env->pause_why, sizeof(st->pause_why));
	st->local = env->local;
	st->remote = env->remote;
	status_resolve(st);
	st->start_ms = cs.start_ms;
	st->up_ms = cs.up_ms;
	st->pid = (uint32_t)getpid();
	st->tun_mtu = env->tun_mtu;
	st->outer_mtu = env->outer_mtu;
	if (addr_is_set(&env->remote))
		st->outer_hdr = conf_outer_hdrlen(c, env->remote.af);
	st->mtu_from = mtu_from(env, st->outer_hdr);
	st->engine_restarts = cs.engine_restarts;
	st->resolver_restarts = cs.resolver_restarts;
	st->resolve_interval = c->resolve_interval;
	st->verbose = log_getverbose();
	st->encap = c->encap;
	st->encap_flags = c->encap_flags;
	st->listen_port = c->listen_port;
	st->dport = c->encap_dport;
	st->peer_sport = (c->encap_flags & ENCAP_F_ANY_SPORT) ? 0 :
	    c->peer_sport;
}

/* A new engine: the listening socket (a copy: imsg closes what it sends). */
static void
engine_new(struct ipipd *env)
{
	struct msg_fd_control	 m;
	int			 fd;

	ctl_engine_lost();	/* requests of the old one are void */
	memset(&m, 0, sizeof(m));
	m.gid = (uint32_t)ctl_group();
	strlcpy(m.group, ctl_group_name(), sizeof(m.group));
	if ((fd = fcntl(ctl_fd(), F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("dup control socket");
	if (imsg_compose(&env->engine.ibuf, IMSG_FD_CONTROL, 0, 0, fd, &m,
	    sizeof(m)) == -1)
		fatal("imsg_compose");
	ctl_send_verbose(&env->engine);
}

void
ctl_tick(struct ipipd *env)
{
	struct msg_ctl_status	 st;
	int			 fresh;

	if (ctl_fd() == -1)
		return;
	if (cs.start_ms == 0)
		cs.start_ms = mono_ms();
	if (env->up && cs.up_ms == 0)
		cs.up_ms = mono_ms();
	if (child_new(&env->resolver, &cs.resolver_pid, &cs.resolver_restarts))
		ctl_send_verbose(&env->resolver);
	if (!env->engine.alive) {
		ctl_engine_lost();
		return;
	}
	if ((fresh = child_new(&env->engine, &cs.engine_pid,
	    &cs.engine_restarts)))
		engine_new(env);
	status_build(env, &st);
	if (!fresh && memcmp(&st, &cs.sent, sizeof(st)) == 0)
		return;
	if (imsg_compose(&env->engine.ibuf, IMSG_CTL_STATUS, 0, 0, -1, &st,
	    sizeof(st)) == -1)
		fatal("imsg_compose");
	cs.sent = st;
}
