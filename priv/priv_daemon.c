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
 * Detaching without losing start-up errors: the process the user
 * started waits until the daemon says the tunnel is up (exit 0) or dies
 * (exit 1), so a failed start shows on the terminal and in the exit
 * status.  The daemon keeps running in its own session.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <paths.h>
#include <stdlib.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

static int	 ready_fd = -1;

void
daemon_begin(void)
{
	int	 p[2];
	char	 c;
	pid_t	 pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0) {
		close(p[1]);
		/* One byte: up.  EOF: the daemon died during start-up. */
		if (read(p[0], &c, 1) == 1)
			_exit(0);
		_exit(1);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() == -1)
		fatal("setsid");
}

void
daemon_ready(void)
{
	int	 fd;

	if (ready_fd == -1)
		return;
	if (write(ready_fd, "", 1) != 1)
		log_warn("signalling start-up");
	close(ready_fd);
	ready_fd = -1;
	if ((fd = open(_PATH_DEVNULL, O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (chdir("/") == -1)
		log_warn("chdir /");
}
