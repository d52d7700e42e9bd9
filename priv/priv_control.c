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
 * The control socket ipipctl(8) talks to.  The parent makes it at start,
 * while it may still be root, and hands it to the engine, which accepts
 * the clients and answers them (engine/control*.c): the parent never
 * reads a byte a client sends.  Mode 0660, owner the service user,
 * group its group (the control group): root and the group's members
 * connect.  It is made as the service user however the parent started,
 * in a directory of the service user's: systemd makes /run/ipipd so
 * (RuntimeDirectory=), and a root parent must not need to override file
 * permissions to write there.  It goes when the parent exits.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

#define CTL_BACKLOG	16	/* more connecting clients wait in connect */

static char	 ctl_path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
static int	 ctl_sock = -1;
static gid_t	 ctl_gid;
static char	 ctl_gname[32];
static pid_t	 ctl_owner;	/* only the daemon removes it, no fork */

int
ctl_fd(void)
{
	return ctl_sock;
}

gid_t
ctl_group(void)
{
	return ctl_gid;
}

const char *
ctl_group_name(void)
{
	return ctl_gname;
}

static void
ctl_unlink(void)
{
	if (ctl_path[0] != '\0' && getpid() == ctl_owner &&
	    unlink(ctl_path) == -1 && errno != ENOENT)
		log_warn("remove control socket %s", ctl_path);
}

/*
 * The default directory, made when missing (tmpfiles.d makes it at
 * boot): owned by the service user, which the parent is when it removes
 * its socket at exit; readable by all, so that ipipctl lists the
 * sockets.  Whoever may write to it could swap a socket: the service
 * user only.  A root parent gives a root-owned one to the service user.
 */
static void
ctl_dir(const struct ipipd *env, const char *dir)
{
	struct stat	 st;

	if (mkdir(dir, 0755) == 0)
		log_debug("created %s", dir);
	else if (errno != EEXIST)
		fatal("control socket directory %s (make it: owner %s, mode "
		    "0755, as tmpfiles.d/ipipd.conf does; or give ipipd -s "
		    "socket)", dir, env->conf.user);
	if (lstat(dir, &st) == -1)
		fatal("%s", dir);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s is not a directory", dir);
	if (st.st_uid == 0 && env->uid != 0 && geteuid() == 0) {
		if (chown(dir, env->uid, env->gid) == -1)
			fatal("chown %s %s", env->conf.user, dir);
		st.st_uid = env->uid;
	}
	if (st.st_uid != env->uid || (st.st_mode & (S_IWGRP | S_IWOTH)))
		fatalx("%s: owned by uid %ld with mode %04o; it must belong "
		    "to %s and be writable by it only", dir, (long)st.st_uid,
		    (unsigned int)st.st_mode & 07777, env->conf.user);
}

/*
 * A socket left by a daemon that died is replaced: 0.  One that answers
 * is another daemon's: -1.  The TUN device was opened first, so that is
 * not one for this device here, but for a device of the same name in
 * another network namespace (the directory is the host's), or a -s path
 * given twice.
 */
static int
ctl_stale(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 s, live;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		fatal("%s", path);
	}
	if (!S_ISSOCK(st.st_mode))
		fatalx("%s exists and is not a socket", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	/* EAGAIN: its backlog is full, so someone listens. */
	live = connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
	    errno == EAGAIN;
	close(s);
	if (live)
		return -1;
	if (unlink(path) == -1)
		fatal("remove stale %s", path);
	log_debug("removed stale control socket %s", path);
	return 0;
}

static void
ctl_group_lookup(struct ipipd *env)
{
	struct group	*gr;

	ctl_gid = env->gid;
	if ((gr = getgrgid(ctl_gid)) != NULL)
		strlcpy(ctl_gname, gr->gr_name, sizeof(ctl_gname));
	else
		snprintf(ctl_gname, sizeof(ctl_gname), "%ld", (long)ctl_gid);
}

static int
ctl_bind(const char *path)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("control socket %s: path too long", path);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	/* 0660 from the start: no moment with a wider mode. */
	old = umask(0117);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind control socket %s", path);
	umask(old);
	return s;
}

void
ctl_open(struct ipipd *env)
{
	const char	*path = env->conf.control;

	ctl_group_lookup(env);
	if (path[0] == '\0') {
		ctl_dir(env, CTL_SOCKET_DIR);
		if ((size_t)snprintf(ctl_path, sizeof(ctl_path), "%s/%s.sock",
		    CTL_SOCKET_DIR, env->conf.dev) >= sizeof(ctl_path))
			fatalx("control socket path too long");
	} else
		strlcpy(ctl_path, path, sizeof(ctl_path));
	priv_fs_ids(env->uid, env->gid);
	/* The tunnel matters more than its control socket: run without. */
	if (ctl_stale(ctl_path) == -1) {
		priv_fs_ids(0, 0);
		log_warnx("control socket %s belongs to another ipipd (a "
		    "device of the same name in another network namespace?); "
		    "running without one: give each a path with -s",
		    ctl_path);
		ctl_path[0] = '\0';
		return;
	}
	ctl_sock = ctl_bind(ctl_path);
	priv_fs_ids(0, 0);
	ctl_owner = getpid();
	if (atexit(ctl_unlink) != 0)
		fatalx("atexit");
	if (listen(ctl_sock, CTL_BACKLOG) == -1)
		fatal("listen %s", ctl_path);
	log_debug("control socket %s, group %s", ctl_path, ctl_gname);
}
