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
 * The engine's seccomp allowlist.  Everything not listed kills the
 * process (SCMP_ACT_KILL_PROCESS; see common/seccomp_action.c for
 * the debug build): no open, no socket, no exec, no
 * ioctl (the parent does every ioctl on the TUN device), no setsockopt.
 */

#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <seccomp.h>

#include "engine.h"
#include "sandbox.h"
#include "log.h"

/* Syscalls the loop makes, with no argument worth narrowing. */
static const int engine_syscalls[] = {
	SCMP_SYS(read),			/* TUN packets (tun.c), imsg */
	SCMP_SYS(write),		/* TUN packets (tun.c), log lines */
	SCMP_SYS(writev),		/* vnet header: tun_offload.c */
	SCMP_SYS(recvmsg),		/* imsg with fds; rx_icmp.c */
	SCMP_SYS(recvmmsg),		/* outer packets: rx_raw.c, rx_udp.c */
	SCMP_SYS(sendmsg),		/* imsg */
	SCMP_SYS(sendmmsg),		/* outer packets: tx_raw.c, tx_udp.c */
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(epoll_wait),		/* encap tcp, serve tcp (tcp_loop.c) */
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl),		/* on the fd made before the sandbox */
	SCMP_SYS(accept4),		/* serve tcp: on the passed socket */
	SCMP_SYS(close),		/* replaced fds */
	SCMP_SYS(brk),			/* malloc */
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(madvise),		/* free() trimming */
	SCMP_SYS(clock_gettime),	/* mono_ms(): common/clock.c */
	SCMP_SYS(gettimeofday),
	SCMP_SYS(getrandom),		/* fragment IDs: tx_raw.c */
	SCMP_SYS(getpid),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
};

void
engine_seccomp_install(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 rc = 0;

	if (SANDBOX_NO_SECCOMP) {
		log_warnx("valgrind build: no seccomp filter");
		return;
	}
	if ((ctx = seccomp_init(sandbox_seccomp_action())) == NULL)
		fatalx("seccomp_init");
	for (i = 0; i < sizeof(engine_syscalls) / sizeof(engine_syscalls[0]);
	    i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    engine_syscalls[i], 0);
	/* ipipctl's clients, on the socket the parent passed. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(accept4), 1,
	    SCMP_A3(SCMP_CMP_EQ, SOCK_NONBLOCK | SOCK_CLOEXEC));
	/* Memory for malloc, never executable. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc != 0)
		fatalx("seccomp_rule_add failed");
	if ((rc = seccomp_load(ctx)) != 0) {
		errno = -rc;
		fatal("seccomp_load");
	}
	seccomp_release(ctx);
}
