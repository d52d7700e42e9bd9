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
 * The parent gives up root once everything privileged is open.  It is
 * started in one of two ways:
 *   - as root (by hand, an init script, or the shipped systemd unit
 *     with a bounded capability set): it opens what needs
 *     privileges, then becomes the service user keeping CAP_NET_ADMIN;
 *   - as the service user with CAP_NET_ADMIN and CAP_NET_RAW as ambient
 *     capabilities (systemd's User= + AmbientCapabilities=, or
 *     setpriv(1)): it cannot change its ids, groups or bounding set, so
 *     it checks that whoever started it already made them right, and
 *     refuses to run otherwise.  After start-up both ways end the same:
 *     the service user, no supplementary group but its own primary one
 *     (which grants nothing more), CAP_NET_ADMIN alone in the effective
 *     and permitted sets, nothing inheritable or ambient, a bounding set
 *     of at most CAP_NET_ADMIN and CAP_NET_RAW.
 */

#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "groups.h"
#include "priv.h"
#include "log.h"

/*
 * Become the service user with no supplementary groups and an empty
 * bounding set, keeping exactly one capability:
 *   CAP_NET_ADMIN: set the TUN device's MTU and IFF_UP through
 *   rtnetlink now, and follow address/MTU changes later.
 * CAP_NET_RAW is not kept: every raw socket is already open.
 */
static void
priv_drop_root(uid_t uid, gid_t gid)
{
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_NET_ADMIN) == -1)
		fatalx("capng_update failed");
	if (capng_change_id((int)uid, (int)gid,
	    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) != 0)
		fatalx("cannot drop privileges to uid %ld", (long)uid);
	/* Paranoia: prove the way back is closed. */
	if (getuid() != uid || geteuid() != uid || getgid() != gid)
		fatalx("privilege drop did not take");
	if (uid != 0 && setuid(0) != -1)
		fatalx("could regain root after dropping privileges");
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW))
		fatalx("CAP_NET_RAW still held after dropping privileges");
	log_debug("parent now uid %ld, keeping CAP_NET_ADMIN", (long)uid);
}

/* Capabilities the parent may ever hold: see priv_drop_root(). */
static int
cap_allowed(int cap)
{
	return cap == CAP_NET_ADMIN || cap == CAP_NET_RAW;
}

/*
 * Started without root: the ids, groups and bounding set cannot be
 * changed any more (that needs CAP_SETUID, CAP_SETGID, CAP_SETPCAP), so
 * they must already be what priv_drop_root() would make them.  Checked
 * before anything is opened, so a wrong start-up fails at once.
 */
void
priv_check_start(uid_t uid, gid_t gid)
{
	char	 why[160];
	int	 cap;

	if (geteuid() == 0)
		return;
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid)
		fatalx("must be started as root or as the service user (uid "
		    "%ld gid %ld), not uid %ld gid %ld", (long)uid, (long)gid,
		    (long)geteuid(), (long)getegid());
	/* Its own group is what User= (initgroups) always leaves. */
	if (groups_only_own(gid, why, sizeof(why)) == -1)
		fatalx("started as the service user with %s; start it with "
		    "no other group (setpriv --clear-groups, or --groups=%ld)",
		    why, (long)gid);
	capng_get_caps_process();
	if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) ||
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW))
		fatalx("started as the service user without CAP_NET_ADMIN and "
		    "CAP_NET_RAW; give it both as ambient capabilities");
	/* The kernel may know fewer capabilities than our headers. */
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!cap_allowed(cap) && prctl(PR_CAPBSET_READ, cap, 0, 0,
		    0) == 1)
			fatalx("capability bounding set holds %s; start with "
			    "only CAP_NET_ADMIN and CAP_NET_RAW in it "
			    "(CapabilityBoundingSet=, setpriv --bounding-set)",
			    capng_capability_to_name((unsigned int)cap));
}

/*
 * Already the service user: keep CAP_NET_ADMIN, drop CAP_NET_RAW (the
 * raw sockets are open), empty the inheritable and ambient sets so no
 * exec carries anything over.
 */
static void
priv_drop_user(uid_t uid)
{
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_NET_ADMIN) == -1)
		fatalx("capng_update failed");
	if (capng_apply(CAPNG_SELECT_CAPS) != 0)
		fatalx("cannot drop capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("PR_CAP_AMBIENT_CLEAR_ALL");
	capng_get_caps_process();
	if (capng_have_capability(CAPNG_PERMITTED, CAP_NET_RAW))
		fatalx("CAP_NET_RAW still held after dropping privileges");
	log_debug("parent uid %ld, keeping CAP_NET_ADMIN", (long)uid);
}

void
priv_drop(uid_t uid, gid_t gid)
{
	if (geteuid() == 0)
		priv_drop_root(uid, gid);
	else
		priv_drop_user(uid);
}

static void
mkdir_parents(const char *dir)
{
	char	 path[PATH_MAX], *p;

	if (strlcpy(path, dir, sizeof(path)) >= sizeof(path))
		fatalx("chroot directory %s: name too long", dir);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			fatal("mkdir %s", path);
		*p = '/';
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
}

/*
 * The engine's chroot must be a directory only root can change;
 * otherwise whoever owns it could plant files the engine would see.
 * Created (root-owned, 0755) when missing.
 */
void
priv_check_chroot(const char *dir)
{
	struct stat	 st;

	if (dir[0] != '/')
		fatalx("chroot directory %s is not an absolute path", dir);
	if (lstat(dir, &st) == -1) {
		if (errno != ENOENT)
			fatal("chroot directory %s", dir);
		mkdir_parents(dir);
		log_info("created chroot directory %s", dir);
		if (lstat(dir, &st) == -1)
			fatal("chroot directory %s", dir);
	}
	if (!S_ISDIR(st.st_mode))
		fatalx("chroot directory %s is not a directory", dir);
	if (st.st_uid != 0)
		fatalx("chroot directory %s is not owned by root", dir);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		fatalx("chroot directory %s is group or other writable", dir);
}

/*
 * A root parent touches the service user's files as that user (the
 * file system ids only): the control socket's directory, and the
 * assignments file it later rewrites as that user.  Under the unit,
 * root has no CAP_DAC_OVERRIDE to reach them otherwise.  uid 0 goes
 * back to root.  Started as the service user, there is nothing to
 * change.
 */
void
priv_fs_ids(uid_t uid, gid_t gid)
{
	if (geteuid() != 0)
		return;
	(void)setfsgid(uid == 0 ? 0 : gid);
	(void)setfsuid(uid);
	/* Both calls return the previous id: a second one tells. */
	if ((uid_t)setfsuid(uid) != uid || (gid_t)setfsgid(uid == 0 ? 0 :
	    gid) != (uid == 0 ? 0 : gid))
		fatalx("cannot set the file system ids to %ld", (long)uid);
}
