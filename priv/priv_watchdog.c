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
 * systemd's watchdog (WatchdogSec=), answered for the whole daemon:
 * every third of the interval the parent pings the engine, and only
 * the engine's pong, carrying the same number, makes it send WATCHDOG=1.
 * A hung engine (or a hung parent) then misses the interval and systemd
 * restarts the service.  The engine's own death is the supervisor's
 * business (priv_supervise.c): a ping to a dead engine is forgotten,
 * and the interval must outlast a restart.
 */

#include <sys/types.h>

#include "priv.h"
#include "log.h"

void
watchdog_tick(struct ipipd *env, uint64_t now)
{
	struct watchdog	*w = &env->wd;
	struct msg_ping	 p;
	uint64_t	 every = notify_watchdog_ms() / 3;

	if (every == 0 || now < w->next_ms)
		return;
	w->next_ms = now + every;
	if (w->waiting && w->pid == env->engine.pid && env->engine.alive) {
		if (!w->late_logged)
			log_warnx("engine (pid %ld) has not answered the "
			    "watchdog for %llu ms", (long)w->pid,
			    (unsigned long long)every);
		w->late_logged = 1;
		return;
	}
	w->waiting = 0;
	if (!env->engine.alive)
		return;
	p.seq = ++w->seq;
	if (imsg_compose(&env->engine.ibuf, IMSG_PING, 0, 0, -1, &p,
	    sizeof(p)) == -1)
		fatal("imsg_compose");
	w->waiting = 1;
	w->pid = env->engine.pid;
}

/* A ping to this engine is out: a pong is its answer (imsg_rule()). */
int
watchdog_asked(const struct ipipd *env)
{
	return env->wd.waiting && env->wd.pid == env->engine.pid;
}

/*
 * The engine's answer, which imsg_rule_check() let through only while
 * a ping is out: the number asked for, or the engine lies.
 */
void
watchdog_pong(struct ipipd *env, struct imsg *imsg)
{
	struct watchdog	*w = &env->wd;
	struct msg_ping	 p;

	if (imsg_get_data(imsg, &p, sizeof(p)) == -1)
		fatalx("engine sent a malformed pong");
	if (p.seq != w->seq)
		fatalx("engine answered ping %u, not %u", p.seq, w->seq);
	w->waiting = 0;
	if (w->late_logged)
		log_info("engine answers the watchdog again");
	w->late_logged = 0;
	notify_watchdog();
}

/* When the next ping is due, 0 for never. */
uint64_t
watchdog_due(const struct ipipd *env)
{
	if (notify_watchdog_ms() / 3 == 0)
		return 0;
	return env->wd.next_ms == 0 ? 1 : env->wd.next_ms;	/* first: now */
}
