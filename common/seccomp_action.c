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
 * What a seccomp filter does with a system call it does not allow.
 * Normally SCMP_ACT_KILL_PROCESS.  A build with SECCOMP_DEBUG
 * (`make SECCOMP_DEBUG=1`, never the default) traps instead: a SIGSYS
 * handler logs the call's name and makes it fail with ENOSYS, and the
 * process goes on, so that a new glibc or kernel that needs one more
 * system call shows every missing one in a single run.
 */

#include <stdint.h>

#include <seccomp.h>

#include "sandbox.h"

#ifdef SECCOMP_DEBUG

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "log.h"

/*
 * Not async-signal-safe (the name lookup allocates, the log line goes
 * out through the imsg buffer): acceptable in a debug build only, where
 * naming the call is the whole point.
 */
static void
sigsys_log(int sig, siginfo_t *si, void *ctx)
{
	char	*name;

	(void)sig;
	name = seccomp_syscall_resolve_num_arch(si->si_arch, si->si_syscall);
	log_warnx("seccomp: system call %s (%d) is not allowed",
	    name != NULL ? name : "?", si->si_syscall);
	free(name);
#if defined(__x86_64__)
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#else
	(void)ctx;
#endif
}

uint32_t
sandbox_seccomp_action(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_log;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sigaction SIGSYS");
	log_warnx("SECCOMP_DEBUG build: forbidden system calls are logged, "
	    "not killed");
	return SCMP_ACT_TRAP;
}

#else

uint32_t
sandbox_seccomp_action(void)
{
	return SCMP_ACT_KILL_PROCESS;
}

#endif
