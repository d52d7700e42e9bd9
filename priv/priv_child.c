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
 * gets a fresh address space layout and (later) its own AppArmor
 * profile.  The child finds its end of the socket pair on fd 3 and
 * nothing else but stdio.
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

/*
 * A binary next to ipipd is used only if nobody but its owner (root or
 * whoever owns ipipd itself) can change it: ipipd runs it as root.
 */
static int
sibling_ok(const char *path)
{
	struct stat	 st, self;

	if (stat(path, &st) == -1 || stat("/proc/self/exe", &self) == -1)
		return 0;
	return S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR) &&
	    !(st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    (st.st_uid == 0 || st.st_uid == self.st_uid);
}

/*
 * A build tree runs the children next to ipipd; an installed ipipd runs
 * them from LIBEXECDIR.
 */
const char *
child_exec_path(const char *binary)
{
	static char	 path[PATH_MAX];
	char		 self[PATH_MAX], *slash;
	ssize_t		 n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", self,
			    binary) < sizeof(path) && sibling_ok(path))
				return path;
		}
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", LIBEXECDIR,
	    binary) >= sizeof(path))
		fatalx("path of %s too long", binary);
	return path;
}

/* In the new process: clean signal state, fd 3, exec.  Never returns. */
static void __attribute__((noreturn))
child_exec(int fd, const char *path, char *const argv[])
{
	sigset_t	 all;
	int		 sig;

	/* Nothing of the parent's privilege may cross the exec. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		_exit(127);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	if (fd == IPIPD_CHILD_FD) {
		if (fcntl(fd, F_SETFD, 0) == -1)
			_exit(127);
	} else if (dup2(fd, IPIPD_CHILD_FD) == -1)
		_exit(127);
	closefrom(IPIPD_CHILD_FD + 1);
	execv(path, argv);
	dprintf(STDERR_FILENO, "ipipd: exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

void
child_start(struct child *c, char *const argv[])
{
	const char	*path = child_exec_path(c->binary);
	int		 sp[2];
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(sp[0]);
		child_exec(sp[1], path, argv);
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
	log_debug("started %s (%s), pid %ld", c->name, path, (long)pid);
}
