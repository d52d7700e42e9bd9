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
 * Supervising the children: a child that dies is logged with the
 * reason and restarted after a delay that doubles up to a cap; one that
 * keeps dying soon after each start is given up on.  A death by a
 * signal (a crash, SIGSYS from the seccomp filter, a kill) is also a
 * strike against that child: strikes are forgiven one per hour, and the
 * parent exits when a child reaches STRIKE_LIMIT of them, so a packet
 * that crashes the engine cannot buy an attacker an endless series of
 * fresh address space layouts to probe.  A restarted engine gets the
 * same fds and the current state; it confines itself without root (see
 * sandbox_chroot_userns()).
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

#define RESTART_MIN_MS		100
#define RESTART_MAX_MS		3000
#define RESTART_FAST_MS		10000	/* died sooner: a fast failure */
#define RESTART_GIVE_UP		5	/* fast failures in a row */
#define STRIKE_LIMIT		3	/* deaths by signal: exit */
#define STRIKE_DECAY_MS		(60 * 60 * 1000)	/* one forgiven */

static void
describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended (status 0x%x)", status);
}

/*
 * One more strike at now, after forgiving one per STRIKE_DECAY_MS since
 * the last one was forgiven (or since the first, from none).  Returns
 * the count.
 */
int
strike_add(struct strikes *k, uint64_t now)
{
	while (k->count > 0 && now - k->since_ms >= STRIKE_DECAY_MS) {
		k->count--;
		k->since_ms += STRIKE_DECAY_MS;
	}
	if (k->count == 0)
		k->since_ms = now;
	return ++k->count;
}

/*
 * c ended with status (already reaped): schedule its restart.  A death
 * by a signal is logged as critical, with its strike; the last strike
 * ends the daemon.
 */
void
child_died(struct ipipd *env, struct child *c, int status)
{
	uint64_t	 now = mono_ms();
	char		 why[64], strike[32] = "";
	int		 pri = LOG_ERR, n;

	describe_status(status, why, sizeof(why));
	c->alive = 0;
	imsg_clear(&c->ibuf);
	close(c->ibuf.fd);
	c->ibuf.fd = -1;
	if (WIFSIGNALED(status)) {
		n = strike_add(&c->strikes, now);
		if (n >= STRIKE_LIMIT)
			fatalx("%s (pid %ld) %s, strike %d of %d: a child that "
			    "keeps dying by a signal may be under attack, "
			    "exiting", c->name, (long)c->pid, why, n,
			    STRIKE_LIMIT);
		snprintf(strike, sizeof(strike), ", strike %d of %d", n,
		    STRIKE_LIMIT);
		pri = LOG_CRIT;
	}
	if (now - c->started_ms < RESTART_FAST_MS)
		c->fast_failures++;
	else {
		c->fast_failures = 0;
		c->backoff_ms = RESTART_MIN_MS;
	}
	if (c->fast_failures >= RESTART_GIVE_UP)
		fatalx("%s (pid %ld) %s%s; it failed %d times in a row soon "
		    "after starting, giving up", c->name, (long)c->pid, why,
		    strike, c->fast_failures);
	if (c->backoff_ms == 0)
		c->backoff_ms = RESTART_MIN_MS;
	logit(pri, "%s (pid %ld) %s%s; restarting it in %u ms", c->name,
	    (long)c->pid, why, strike, c->backoff_ms);
	c->restart_ms = now + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS :
	    c->backoff_ms * 2;
	(void)env;
}

/* Restart what is due, and hand it the state it needs. */
void
supervise_tick(struct ipipd *env, uint64_t now)
{
	struct child	*cs[2] = { &env->engine, &env->resolver };
	int		 i;

	for (i = 0; i < 2; i++) {
		if (cs[i]->alive || cs[i]->restart_ms == 0 ||
		    now < cs[i]->restart_ms)
			continue;
		cs[i]->restart_ms = 0;
		child_start(cs[i], cs[i]->argv);
		cs[i]->started_ms = now;
		if (cs[i] == &env->engine && env->engine_started)
			engine_push_start(env);
		if (cs[i] == &env->resolver && env->resolving) {
			env->resolving = 0;
			peer_request_resolve(env);
		}
	}
}
