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
 * The resolver's seccomp allowlist: what glibc's getaddrinfo needs to
 * read its files and talk to name servers (or nscd/systemd-resolved over
 * a unix socket), and nothing to exec, write files or change identity.
 */

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <seccomp.h>

#include "log.h"
#include "sandbox.h"
#include "resolver.h"

static const int resolver_syscalls[] = {
	SCMP_SYS(read),
	SCMP_SYS(pread64),
	SCMP_SYS(readv),
	SCMP_SYS(write),		/* log lines to stderr */
	SCMP_SYS(close),
	SCMP_SYS(lseek),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(statx),
	SCMP_SYS(stat),
	SCMP_SYS(connect),		/* name servers, nscd */
	SCMP_SYS(sendto),
	SCMP_SYS(sendmsg),		/* imsg */
	SCMP_SYS(sendmmsg),		/* parallel A/AAAA queries */
	SCMP_SYS(recvfrom),
	SCMP_SYS(recvmsg),
	SCMP_SYS(getsockname),
	SCMP_SYS(getpeername),
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(brk),
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(getrandom),		/* query IDs */
	SCMP_SYS(getpid),
	SCMP_SYS(getuid),
	SCMP_SYS(geteuid),
	SCMP_SYS(uname),		/* gethostname for search domains */
	SCMP_SYS(futex),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
};

/*
 * Sockets: only the families and types a lookup uses, datagram (DNS,
 * nscd) or stream (DNS over TCP, nscd); SOCK_CLOEXEC and SOCK_NONBLOCK
 * may be or'ed in.  No raw or packet sockets.
 */
static int
resolver_socket_rules(scmp_filter_ctx ctx)
{
	static const int	 fams[] = { AF_INET, AF_INET6, AF_UNIX };
	static const int	 types[] = { SOCK_DGRAM, SOCK_STREAM };
	const uint64_t		 mask = 0xffffffffU &
				    ~(uint64_t)(SOCK_CLOEXEC | SOCK_NONBLOCK);
	size_t			 f, t;
	int			 rc = 0;

	for (f = 0; f < sizeof(fams) / sizeof(fams[0]); f++)
		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(socket), 2,
			    SCMP_A0(SCMP_CMP_EQ, (uint64_t)fams[f]),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, mask,
			    (uint64_t)types[t]));
	return rc;
}

static int
resolver_arg_rules(scmp_filter_ctx ctx)
{
	int	 rc = 0;

	rc |= resolver_socket_rules(ctx);
	/*
	 * glibc sorts several answers (RFC 6724) after asking rtnetlink for
	 * the local addresses; refused, it assumes both families and goes
	 * on.  The parent orders the addresses itself anyway.
	 */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket),
	    1, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK));
	/* Files: read-only opens of /etc/hosts, resolv.conf & co. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC,
	    O_RDONLY));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC,
	    O_RDONLY));
	/* glibc asks for ICMP errors on its query sockets; nothing else. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, IPPROTO_IP), SCMP_A2(SCMP_CMP_EQ, IP_RECVERR));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, IPPROTO_IPV6),
	    SCMP_A2(SCMP_CMP_EQ, IPV6_RECVERR));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, FIONREAD));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_GETFL));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_SETFL));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_SETFD));
	return rc;
}

void
resolver_seccomp_install(void)
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
	for (i = 0; i < sizeof(resolver_syscalls) /
	    sizeof(resolver_syscalls[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    resolver_syscalls[i], 0);
	rc |= resolver_arg_rules(ctx);
	if (rc != 0)
		fatalx("seccomp_rule_add failed");
	if ((rc = seccomp_load(ctx)) != 0) {
		errno = -rc;
		fatal("seccomp_load");
	}
	seccomp_release(ctx);
}
