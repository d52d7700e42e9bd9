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
 * Starting the children: fork, then exec a separate binary, so each
 * gets a fresh address space layout and its own AppArmor profile.  The
 * child finds its end of the socket pair on fd 3 and nothing else but
 * stdio.
 *
 * Each binary is opened once, at start-up, and every start of that
 * child, the first and each restart, executes that open file
 * (fexecve(3)): a restart then runs exactly the program the parent
 * started with, even after a package upgrade replaced the file or when
 * the service user the parent has become cannot reach its directory.
 */

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

extern char	**environ;

/*
 * A binary next to ipipd is used only if nobody but its owner (root or
 * whoever owns ipipd itself) can change it: ipipd runs it as root.
 */
static int
sibling_ok(const struct stat *st)
{
	struct stat	 self;

	if (stat("/proc/self/exe", &self) == -1)
		return 0;
	return S_ISREG(st->st_mode) && (st->st_mode & S_IXUSR) &&
	    !(st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    (st->st_uid == 0 || st->st_uid == self.st_uid);
}

/* The file at path, opened for exec only; -1 with errno. */
static int
open_exec(const char *path, struct stat *st)
{
	int	 fd;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The directory ipipd itself was started from, or "" if unknown. */
static void
self_dir(char *dir, size_t len)
{
	char	*slash;
	ssize_t	 n;

	dir[0] = '\0';
	n = readlink("/proc/self/exe", dir, len - 1);
	if (n <= 0)
		return;
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
}

/*
 * Restarts run as the service user: a binary it may not execute would
 * start once and then never again.  The mode bits decide (as they do
 * for the kernel unless an ACL says otherwise).
 */
static void
check_exec_by(const char *path, const struct stat *st, uid_t uid,
    gid_t gid)
{
	mode_t	 bit;

	if (!S_ISREG(st->st_mode))
		fatalx("%s is not a regular file", path);
	if (st->st_uid == uid)
		bit = S_IXUSR;
	else if (st->st_gid == gid)
		bit = S_IXGRP;
	else
		bit = S_IXOTH;
	if (!(st->st_mode & bit))
		fatalx("%s (mode %04o) is not executable by the service user "
		    "(uid %ld): a restarted child would fail; make it "
		    "executable by others (chmod a+x)", path,
		    (unsigned int)(st->st_mode & 07777), (long)uid);
}

/*
 * A build tree runs the children next to ipipd; an installed ipipd runs
 * them from LIBEXECDIR.  Called while the parent may still open any
 * file, before the first start.
 */
void
child_open(struct child *c, uid_t uid, gid_t gid)
{
	char		 dir[PATH_MAX], sib[PATH_MAX];
	struct stat	 st;
	int		 fd = -1, sib_errno = ENOENT;

	self_dir(dir, sizeof(dir));
	if (dir[0] != '\0' && (size_t)snprintf(sib, sizeof(sib), "%s/%s",
	    dir, c->binary) < sizeof(sib)) {
		if ((fd = open_exec(sib, &st)) == -1)
			sib_errno = errno;
		else if (!sibling_ok(&st)) {
			close(fd);
			fd = -1;
			sib_errno = EPERM;
		}
	} else
		sib[0] = '\0';
	if (fd != -1) {
		if (strlcpy(c->path, sib, sizeof(c->path)) >= sizeof(c->path))
			fatalx("path of %s too long", c->binary);
	} else {
		if ((size_t)snprintf(c->path, sizeof(c->path), "%s/%s",
		    LIBEXECDIR, c->binary) >= sizeof(c->path))
			fatalx("path of %s too long", c->binary);
		if (sib[0] != '\0' && sib_errno != ENOENT)
			log_warnx("not running %s: %s", sib, sib_errno == EPERM ?
			    "not an executable file owned by root or ipipd's "
			    "owner and writable by nobody else" :
			    strerror(sib_errno));
		if ((fd = open_exec(c->path, &st)) == -1)
			fatal("cannot open %s", c->path);
	}
	check_exec_by(c->path, &st, uid, gid);
	c->exec_fd = fd;
}

/*
 * In the new process: clean signal state, the socket on fd 3, every
 * other descriptor closed, exec.  Never returns.
 */
static void __attribute__((noreturn))
child_exec(int sock, int exe, char *const argv[])
{
	sigset_t	 all;
	int		 sig, fd;

	/* Nothing of the parent's privilege may cross the exec. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		_exit(127);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	/*
	 * The binary above fd 3 and close-on-exec: it stays open for
	 * fexecve() and goes with the exec, so the child never holds it.
	 */
	if ((exe = fcntl(exe, F_DUPFD_CLOEXEC, IPIPD_CHILD_FD + 1)) == -1)
		_exit(127);
	if (sock == IPIPD_CHILD_FD) {
		if (fcntl(sock, F_SETFD, 0) == -1)
			_exit(127);
	} else if (dup2(sock, IPIPD_CHILD_FD) == -1)
		_exit(127);
	for (fd = IPIPD_CHILD_FD + 1; fd < exe; fd++)
		(void)close(fd);
	closefrom(exe + 1);
	fexecve(exe, argv, environ);
	dprintf(STDERR_FILENO, "ipipd: exec %s: %s\n", argv[0],
	    strerror(errno));
	_exit(127);
}

void
child_start(struct child *c, char *const argv[])
{
	int		 sp[2];
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(sp[0]);
		child_exec(sp[1], c->exec_fd, argv);
	}
	close(sp[1]);
	/* Never block on a child: it may be slow or hostile. */
	if (fcntl(sp[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	if (c->pid != 0)
		imsg_clear(&c->ibuf);	/* what was queued for the dead one */
	imsg_init(&c->ibuf, sp[0]);
	c->imsg_seen = 0;
	c->pid = pid;
	c->alive = 1;
	log_debug("started %s (%s), pid %ld", c->name, c->path, (long)pid);
}
