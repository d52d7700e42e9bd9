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
 * The steps the engine and the resolver share to shed privileges.
 * The order matters: chroot needs root, the user change drops every
 * capability, and the death signal must be set after the user change
 * (a credential change clears it).
 */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cap-ng.h>

#include "log.h"
#include "sandbox.h"

/* Root of the process becomes dir, an empty root-owned directory. */
void
sandbox_chroot(const char *dir)
{
	if (chroot(dir) == -1)
		fatal("chroot %s", dir);
	if (chdir("/") == -1)
		fatal("chdir / in %s", dir);
}

/* Become uid/gid with no supplementary groups and no capabilities. */
void
sandbox_drop_user(uid_t uid, gid_t gid)
{
	if (uid == 0)
		fatalx("refusing to run as root");
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_change_id((int)uid, (int)gid,
	    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) != 0)
		fatalx("cannot change to uid %ld gid %ld", (long)uid,
		    (long)gid);
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid)
		fatalx("user change did not take");
	if (setuid(0) != -1)
		fatalx("could regain root");
	if (capng_have_capabilities(CAPNG_SELECT_BOTH) != CAPNG_NONE)
		fatalx("capabilities left after the user change");
}

/*
 * No way back to privileges (NO_NEW_PRIVS, a prerequisite of seccomp
 * for an unprivileged process), no core dumps or ptrace by the same
 * user (dumpable 0), no new processes, and death with the parent.
 */
void
sandbox_lockdown(pid_t ppid)
{
	struct rlimit	 zero = { 0, 0 };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	if (setrlimit(RLIMIT_NPROC, &zero) == -1)
		fatal("RLIMIT_NPROC");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		fatal("PR_SET_PDEATHSIG");
	/* The parent may have died before the death signal was armed. */
	if (getppid() != ppid)
		fatalx("parent went away");
}

/* A uid or gid from the parent's command line. */
int
sandbox_parse_id(const char *s, unsigned long *id)
{
	char	*end;

	errno = 0;
	*id = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || *id > 0x7fffffffUL)
		return -1;
	return 0;
}
