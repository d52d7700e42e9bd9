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
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cap-ng.h>

#include "groups.h"
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

/* Set by sandbox_chroot_userns(): our ids as they were outside. */
static int	 in_userns;
static uid_t	 userns_uid;
static gid_t	 userns_gid;
static int	 userns_ngroups;	/* supplementary groups, all userns_gid */

/* 1 if the process runs as uid/gid (as seen before any user namespace). */
static int
ids_are(uid_t uid, gid_t gid)
{
	if (in_userns)
		return userns_uid == uid && userns_gid == gid;
	return getuid() == uid && geteuid() == uid && getgid() == gid &&
	    getegid() == gid;
}

/* 1 if the process holds no capability at all (capget, no /proc). */
static int
caps_empty(void)
{
	struct __user_cap_header_struct	 h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	 d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) == -1)
		return 0;
	return (d[0].effective | d[0].permitted | d[0].inheritable |
	    d[1].effective | d[1].permitted | d[1].inheritable) == 0;
}

/*
 * In the user namespace no group is mapped: each supplementary group
 * reads as the overflow gid, as the primary one does (getgid()).  They
 * were checked to be the service user's own group before the unshare;
 * here only that the list is still the same.
 */
static void
groups_overflow_only(void)
{
	char	 why[160];

	if (getgroups(0, NULL) != userns_ngroups)
		fatalx("supplementary groups changed in the user namespace");
	if (groups_only_own(getgid(), why, sizeof(why)) == -1)
		fatalx("in the user namespace, %s", why);
}

/*
 * Already the service user (started by an unprivileged parent): only
 * shed whatever capabilities a user namespace gave, and the bounding
 * set while that is still allowed.
 */
static void
drop_caps_only(uid_t uid, gid_t gid)
{
	char	 why[160];
	int	 cap;

	if (!ids_are(uid, gid))
		fatalx("running as uid %ld, not the service user %ld",
		    (long)(in_userns ? userns_uid : getuid()), (long)uid);
	if (in_userns)
		groups_overflow_only();
	else if (groups_only_own(gid, why, sizeof(why)) == -1)
		fatalx("started with %s", why);
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		(void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0)
		fatalx("cannot drop capabilities");
}

/* Become uid/gid with no supplementary groups and no capabilities. */
void
sandbox_drop_user(uid_t uid, gid_t gid)
{
	if (uid == 0)
		fatalx("refusing to run as root");
	if (geteuid() == 0) {
		capng_clear(CAPNG_SELECT_BOTH);
		if (capng_change_id((int)uid, (int)gid,
		    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) != 0)
			fatalx("cannot change to uid %ld gid %ld", (long)uid,
			    (long)gid);
	} else
		drop_caps_only(uid, gid);
	if (!ids_are(uid, gid))
		fatalx("user change did not take");
	if (setuid(0) != -1)
		fatalx("could regain root");
	if (!caps_empty())
		fatalx("capabilities left after the user change");
}

/*
 * chroot without root: an engine restarted by the unprivileged parent
 * (or started by one, under systemd) makes a user namespace of its own,
 * which gives it CAP_SYS_CHROOT there: chroot(2) asks for it in the
 * caller's user namespace only, so no mount namespace is needed (nor
 * allowed by the systemd unit).  No id map is written: that needs
 * CAP_SYS_ADMIN in the new namespace, which the AppArmor profiles do not
 * grant; unmapped, the process's ids read as the overflow ids in there
 * (the kernel still knows it as the service user outside), and no
 * setuid() can succeed.  It gains nothing in the initial namespace, and
 * sandbox_drop_user() then sheds the namespace's capabilities.
 */
void
sandbox_chroot_userns(const char *dir)
{
	char	 why[160];

	if (getuid() != geteuid() || getgid() != getegid())
		fatalx("real and effective ids differ");
	userns_uid = getuid();
	userns_gid = getgid();
	/* Unmapped groups all look alike inside: check them now. */
	if (groups_only_own(userns_gid, why, sizeof(why)) == -1)
		fatalx("started with %s", why);
	userns_ngroups = getgroups(0, NULL);
	if (unshare(CLONE_NEWUSER) == -1)
		fatal("unshare: an unprivileged engine needs user namespaces "
		    "to chroot");
	in_userns = 1;
	sandbox_chroot(dir);
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
