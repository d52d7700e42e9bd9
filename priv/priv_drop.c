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

/* The parent gives up root once everything privileged is open. */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "ipipd.h"
#include "log.h"

/*
 * Become the service user with no supplementary groups and an empty
 * bounding set, keeping exactly one capability:
 *   CAP_NET_ADMIN: set the TUN device's MTU and IFF_UP through
 *   rtnetlink now, and follow address/MTU changes later.
 * CAP_NET_RAW is not kept: every raw socket is already open.
 */
void
priv_drop(uid_t uid, gid_t gid)
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
