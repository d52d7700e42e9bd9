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
 * ipipd -r PID: ask the ipipd with that pid to read its configuration
 * again and wait for its answer (priv_reload_ctl.c), for systemd's
 * ExecReload=: exit 0 when the reload was applied, 1 when it was refused
 * (the daemon logs why) or no answer came.  The daemon runs as the
 * service user and may only signal processes of that user, so a root
 * caller becomes that user first; it keeps no capability.
 */

#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>

#include "priv.h"
#include "log.h"

static void
become_user(const char *user)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL)
		fatalx("user %s does not exist", user);
	if (geteuid() == 0) {
		capng_clear(CAPNG_SELECT_BOTH);
		if (capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
		    CAPNG_DROP_SUPP_GRP) != 0)
			fatalx("cannot become %s", user);
	} else if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid)
		fatalx("-r must run as root or as %s (uid %ld), not uid %ld",
		    user, (long)pw->pw_uid, (long)geteuid());
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatalx("cannot drop capabilities");
}

/* An even token, not 0: the answer's lowest bit is the outcome. */
static int
new_token(void)
{
	uint32_t	 r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		fatal("getrandom");
	return (int)(((r % 0x3ffffffeU) + 1) << 1);
}

/* Ask once; 1: applied, 0: refused, -1: no answer in RELOAD_RETRY_S. */
static int
ask(pid_t pid, int token, const sigset_t *set)
{
	union sigval	 v = { .sival_int = token };
	struct timespec	 until, now, left;
	siginfo_t	 si;

	if (sigqueue(pid, SIGHUP, v) == -1) {
		if (errno == ESRCH)
			fatalx("no process %ld to reload", (long)pid);
		fatal("sending SIGHUP to pid %ld", (long)pid);
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += RELOAD_RETRY_S;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec &&
		    now.tv_nsec >= until.tv_nsec))
			return -1;
		left.tv_sec = until.tv_sec - now.tv_sec;
		left.tv_nsec = until.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (sigtimedwait(set, &si, &left) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fatal("sigtimedwait");
		}
		/* Anyone of our user may send the signal: only the answer. */
		if (si.si_code == SI_QUEUE && si.si_pid == pid &&
		    (si.si_value.sival_int & ~RELOAD_REFUSED) == token)
			return !(si.si_value.sival_int & RELOAD_REFUSED);
	}
}

int
reload_client(const struct ipipd_conf *conf)
{
	sigset_t	 set;
	int		 token, i, r = -1;

	log_init(1, conf->verbose, LOG_DAEMON);
	become_user(conf->user);
	sigemptyset(&set);
	sigaddset(&set, RELOAD_ANSWER_SIG);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	token = new_token();
	/*
	 * Asked again after a silence: a SIGHUP that came while another
	 * was pending merged with it, and its token was lost.  The same
	 * file read twice changes nothing the first read did not.
	 */
	for (i = 0; r == -1 && i < RELOAD_WAIT_S / RELOAD_RETRY_S; i++) {
		if (i > 0)
			log_warnx("no answer from pid %ld within %d s, asking "
			    "again", (long)conf->reload_pid, RELOAD_RETRY_S);
		r = ask(conf->reload_pid, token, &set);
	}
	if (r == -1) {
		log_warnx("no answer from pid %ld within %d s; is it ipipd?",
		    (long)conf->reload_pid, RELOAD_WAIT_S);
		return 1;
	}
	if (r == 0) {
		log_warnx("pid %ld refused the reload and runs on as before; "
		    "it logged why", (long)conf->reload_pid);
		return 1;
	}
	log_info("pid %ld applied the reload", (long)conf->reload_pid);
	return 0;
}
