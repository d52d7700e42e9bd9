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
 * The action for forbidden system calls.  A normal build must kill
 * (SCMP_ACT_KILL_PROCESS); a SECCOMP_DEBUG build (make SECCOMP_DEBUG=1
 * check) must survive a forbidden call, make it fail with ENOSYS and
 * log the call's name.
 */

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>

#include "engine.h"
#include "sandbox.h"

#ifndef SECCOMP_DEBUG

static void
test_default_kills(void **state)
{
	(void)state;
	assert_true(sandbox_seccomp_action() == SCMP_ACT_KILL_PROCESS);
}

#else

/* The child's stderr (where log lines go by default) into a pipe. */
static void
test_debug_traps(void **state)
{
	char	 buf[4096];
	int	 p[2], status;
	ssize_t	 n, got = 0;
	pid_t	 pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			_exit(90);
		engine_seccomp_install();
		if (open("/etc/hostname", O_RDONLY) != -1 || errno != ENOSYS)
			_exit(91);
		if (getppid() == 1)	/* also forbidden, also survived */
			_exit(92);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child status 0x%x, stderr: %s", status, buf);
	assert_non_null(strstr(buf, "system call openat"));
	assert_non_null(strstr(buf, "system call getppid"));
}

#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
#ifndef SECCOMP_DEBUG
		cmocka_unit_test(test_default_kills),
#else
		cmocka_unit_test(test_debug_traps),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
