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
 * The seccomp filters as deployed: a forked child installs the real
 * engine or resolver filter, then makes one call; forbidden calls must
 * kill it with SIGSYS, allowed ones must not.
 */

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "resolver.h"

/* Results go here so no call is optimised away or left unchecked. */
static volatile long sink;

typedef void (*install_fn)(void);
typedef void (*call_fn)(void);

/*
 * The child's way out.  Under ASan, _exit runs LeakSanitizer's check,
 * which needs calls (sigaltstack, clone, ptrace) no filter allows; the
 * raw exit_group is what glibc's _exit ends in anyway.
 */
static void __attribute__((noreturn))
child_exit(int status)
{
	syscall(SYS_exit_group, status);
	_exit(status);
}

/* Run call under the filter in a child; return its wait status. */
static int
under_filter(install_fn install, call_fn call)
{
	pid_t	 pid;
	int	 status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			_exit(90);
		install();
		call();
		child_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
assert_sigsys(install_fn install, call_fn call)
{
	int	 status = under_filter(install, call);

	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void
assert_survives(install_fn install, call_fn call)
{
	int	 status = under_filter(install, call);

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void call_open(void) { sink = open("/etc/hostname", O_RDONLY); }
static void call_open_write(void) { sink = open("/tmp/x", O_WRONLY | O_CREAT, 0600); }
static void call_socket(void) { sink = socket(AF_INET, SOCK_DGRAM, 0); }
static void call_packet_socket(void) { sink = socket(AF_PACKET, SOCK_RAW, 0); }
static void call_raw_socket(void) { sink = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP); }
static void call_seqpacket_socket(void) { sink = socket(AF_UNIX, SOCK_SEQPACKET, 0); }
static void call_tcp_socket(void) { int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); if (fd == -1) _exit(4); close(fd); }
static void call_unix_socket(void) { int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0); if (fd == -1) _exit(4); close(fd); }
static void call_netlink_socket(void) { if (socket(AF_NETLINK, SOCK_RAW, 0) != -1 || errno != EACCES) _exit(3); }
static void call_ioctl(void) { int n; sink = ioctl(0, FIONREAD, &n); }
static void call_setsockopt(void) { int v = 1; sink = setsockopt(0, SOL_SOCKET, SO_DEBUG, &v, sizeof(v)); }
static void call_setsockopt_bad(void) { int v = 1; sink = setsockopt(0, IPPROTO_IP, IP_HDRINCL, &v, sizeof(v)); }
static void call_recverr(void) { int v = 1, fd = socket(AF_INET, SOCK_DGRAM, 0); sink = setsockopt(fd, IPPROTO_IP, IP_RECVERR, &v, sizeof(v)); }
static void call_setuid(void) { sink = setuid(0); }
static void call_ptrace(void) { sink = ptrace(PTRACE_TRACEME, 0, NULL, NULL); }
static void call_fork(void) { sink = fork(); }
static void call_chroot(void) { sink = chroot("/"); }
static void
call_execve(void)
{
	char	*argv[] = { "true", NULL };

	execve("/bin/true", argv, NULL);
}
static void
call_mmap_exec(void)
{
	sink = (long)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
static void call_getpid(void) { sink = getpid(); }
static void call_write(void) { sink = write(-1, "", 0); }
static void call_malloc(void) { free(malloc(1 << 20)); }
static void call_open_read(void) { int fd = open("/etc/hostname", O_RDONLY); if (fd != -1) close(fd); }
static void call_udp_socket(void) { int fd = socket(AF_INET, SOCK_DGRAM, 0); if (fd != -1) close(fd); }

static void
test_engine_kills(void **state)
{
	(void)state;
#ifdef SECCOMP_DEBUG
	skip();		/* the debug build traps instead: test_seccomp_action */
#endif
	assert_sigsys(engine_seccomp_install, call_open);
	assert_sigsys(engine_seccomp_install, call_open_write);
	assert_sigsys(engine_seccomp_install, call_packet_socket);
	assert_sigsys(engine_seccomp_install, call_socket);
	assert_sigsys(engine_seccomp_install, call_execve);
	assert_sigsys(engine_seccomp_install, call_ioctl);
	assert_sigsys(engine_seccomp_install, call_setsockopt);
	assert_sigsys(engine_seccomp_install, call_setuid);
	assert_sigsys(engine_seccomp_install, call_ptrace);
	assert_sigsys(engine_seccomp_install, call_fork);
	assert_sigsys(engine_seccomp_install, call_chroot);
	assert_sigsys(engine_seccomp_install, call_mmap_exec);
}

static void
test_engine_allows(void **state)
{
	(void)state;
	assert_survives(engine_seccomp_install, call_getpid);
	assert_survives(engine_seccomp_install, call_write);
	assert_survives(engine_seccomp_install, call_malloc);
}

static void
test_resolver_kills(void **state)
{
	(void)state;
#ifdef SECCOMP_DEBUG
	skip();		/* the debug build traps instead: test_seccomp_action */
#endif
	assert_sigsys(resolver_seccomp_install, call_execve);
	assert_sigsys(resolver_seccomp_install, call_open_write);
	assert_sigsys(resolver_seccomp_install, call_packet_socket);
	assert_sigsys(resolver_seccomp_install, call_raw_socket);
	assert_sigsys(resolver_seccomp_install, call_seqpacket_socket);
	assert_sigsys(resolver_seccomp_install, call_setuid);
	assert_sigsys(resolver_seccomp_install, call_ptrace);
	assert_sigsys(resolver_seccomp_install, call_fork);
	assert_sigsys(resolver_seccomp_install, call_chroot);
	assert_sigsys(resolver_seccomp_install, call_setsockopt_bad);
	assert_sigsys(resolver_seccomp_install, call_mmap_exec);
}

static void
test_resolver_allows(void **state)
{
	(void)state;
	assert_survives(resolver_seccomp_install, call_open_read);
	assert_survives(resolver_seccomp_install, call_udp_socket);
	assert_survives(resolver_seccomp_install, call_tcp_socket);
	assert_survives(resolver_seccomp_install, call_unix_socket);
	assert_survives(resolver_seccomp_install, call_malloc);
	assert_survives(resolver_seccomp_install, call_recverr);
	/* Refused without a kill: glibc falls back (see the filter). */
	assert_survives(resolver_seccomp_install, call_netlink_socket);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_kills),
		cmocka_unit_test(test_engine_allows),
		cmocka_unit_test(test_resolver_kills),
		cmocka_unit_test(test_resolver_allows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
