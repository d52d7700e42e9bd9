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
 * A reload that says how it went.  Every SIGHUP reads the configuration
 * again (priv_reload.c); around it the service manager hears RELOADING=1
 * and READY=1 with a STATUS= line, once the tunnel is up (a READY=1
 * before would end systemd's wait for the tunnel).  A SIGHUP sent by
 * sigqueue(3) with a token, as ipipd -r sends it (reload_client.c), also
 * gets an answer, so that systemctl reload can fail when the reload was
 * refused: systemd 252 only knows how ExecReload= exited.
 */

#include <sys/signalfd.h>
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

/*
 * Only to the service user's own processes: those are the ones this
 * process may signal anyway, and ipipd -r becomes that user first.
 */
static void
reload_answer(const struct signalfd_siginfo *si, int refused)
{
	union sigval	 v;

	if (si->ssi_code != SI_QUEUE || si->ssi_int == 0 ||
	    (si->ssi_int & RELOAD_REFUSED))
		return;		/* a plain kill -HUP: nobody waits */
	if (si->ssi_uid != getuid()) {
		log_warnx("reload: not answering pid %u, which runs as uid %u, "
		    "not as the service user", si->ssi_pid, si->ssi_uid);
		return;
	}
	v.sival_int = si->ssi_int | (refused ? RELOAD_REFUSED : 0);
	if (sigqueue((pid_t)si->ssi_pid, RELOAD_ANSWER_SIG, v) == -1)
		log_warn("reload: answering pid %u", si->ssi_pid);
}

void
reload_signal(struct ipipd *env, const struct signalfd_siginfo *si)
{
	char	 why[512], status[600];
	int	 refused;

	if (env->up)
		notify_reloading();
	refused = priv_reload(env, why, sizeof(why)) == -1;
	if (env->up) {
		if (refused)
			snprintf(status, sizeof(status), "reload refused: %s; "
			    "nothing changed", why);
		else
			snprintf(status, sizeof(status), "reload applied");
		notify_ready(status);
	}
	reload_answer(si, refused);
}
