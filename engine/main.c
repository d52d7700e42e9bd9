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
 * ipipd-engine: all packet work, in the tightest sandbox.  Started by
 * the parent as root only so that it can chroot; before it reads a
 * single byte of input it is in an empty root-owned directory, without
 * capabilities, as the service user, under a seccomp allowlist.  Its fds
 * (TUN device, raw sockets) arrive over imsg afterwards.
 */

#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"
#include "sandbox.h"
#include "tcp.h"

#ifdef __SANITIZE_ADDRESS__
/*
 * make asan: LeakSanitizer's check at exit needs ptrace, clone and
 * /proc, none of which the seccomp'd, chrooted engine has, so the exit
 * would end in SIGSYS.  Its leaks are looked for with valgrind
 * (make valgrind).  ASAN_OPTIONS in the environment still wins.
 */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

static void __attribute__((noreturn))
engine_usage(void)
{
	log_warnx("usage: ipipd-engine -u uid -g gid -c chroot [-v]");
	exit(1);
}

static void
engine_sandbox(uid_t uid, gid_t gid, const char *dir, pid_t ppid)
{
	struct rlimit	 zero = { 0, 0 };

	if (geteuid() == 0)
		sandbox_chroot(dir);
	else
		sandbox_chroot_userns(dir);	/* restarted by the parent */
	sandbox_drop_user(uid, gid);
	sandbox_lockdown(ppid);
	/* The engine never writes a file (valgrind's log is one). */
#ifndef IPIPD_VALGRIND
	if (setrlimit(RLIMIT_FSIZE, &zero) == -1)
		fatal("RLIMIT_FSIZE");
#else
	(void)zero;
#endif
	engine_seccomp_install();
}

static void
engine_init(struct engine *e)
{
	int	 a, p;

	memset(e, 0, sizeof(*e));
	e->tun_fd = -1;
	for (a = 0; a < 2; a++)
		for (p = 0; p < RAW_PROTOS; p++)
			e->raw[a][p] = -1;
	for (a = 0; a < 2; a++)
		for (p = 0; p < UDP_SOCKS; p++)
			e->udp[a][p] = -1;
	e->icmp_rl.tokens = ICMP_BURST;
	/* Allocated before the sandbox, touched lazily by the kernel. */
	if ((e->slots = calloc(ENGINE_BATCH, sizeof(*e->slots))) == NULL)
		fatal("packet buffers");
	offload_init(e);
	tcp_engine_preinit(e);	/* before the sandbox: epoll, jansson */
	control_init(e);
	imsg_init(&e->ibuf, IPIPD_CHILD_FD);
}

/* The outer sockets of the current family: raw, or UDP. */
static int
net_fds(struct engine *e, struct pollfd *pfd)
{
	int	 a = af_index(e->peer.remote.af), p, n = 0;

	if (e->encap.type == ENCAP_NONE) {
		for (p = 0; p < RAW_PROTOS; p++) {
			pfd[n].fd = e->raw[a][p];
			pfd[n++].events = POLLIN;
		}
		return n;
	}
	for (p = 0; p < 1 + e->encap.nsports; p++) {
		if (e->udp[a][p] == -1)
			continue;
		pfd[n].fd = e->udp[a][p];
		pfd[n++].events = POLLIN;
	}
	return n;
}

static void
net_input(struct engine *e, struct pollfd *pfd, int a, int p)
{
	int	 af = a ? AF_INET6 : AF_INET;

	/* Never closed while polled: a bug, which a restart mends. */
	if (pfd->revents & POLLNVAL)
		fatalx("outer socket fd %d is not open", pfd->fd);
	if (e->encap.type != ENCAP_NONE) {
		if (pfd->revents & POLLERR)
			rx_icmp_errors_udp(e, pfd->fd, af);
		if (pfd->revents & POLLIN)
			rx_udp(e, a, pfd->fd);
		return;
	}
	/* ICMP errors about our packets (IP_RECVERR). */
	if (pfd->revents & POLLERR)
		rx_icmp_errors(e, pfd->fd, af);
	if (pfd->revents & POLLIN)
		rx_raw(e, a, p);
}

/*
 * The TUN device was deleted (ip link delete): the kernel detaches our
 * fd, which then polls POLLERR for good and reads EBADFD.  Nothing can
 * be forwarded again, and a restarted engine would get the same fd, so
 * the parent is told and stops the daemon; until then only the channel
 * to it is watched.  POLLNVAL would be our own bug: restarting mends it.
 */
static void
tun_gone(struct engine *e, short revents)
{
	if (revents & POLLNVAL)
		fatalx("TUN fd %d is not open", e->tun_fd);
	e->tun_gone = 1;
	log_debug("TUN fd detached (revents 0x%x), forwarding stopped",
	    (unsigned int)revents);
	if (imsg_compose(&e->ibuf, IMSG_TUN_GONE, 0, 0, -1, NULL, 0) == -1 ||
	    imsg_flush(&e->ibuf) == -1)
		fatal("TUN device report to parent");
}

/* After poll: the TUN device and the outer sockets (pfd from 1 on). */
static void
forward_events(struct engine *e, struct pollfd *pfd, int nnet, int a)
{
	int	 i;

	if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
		tun_gone(e, pfd[0].revents);
		return;
	}
	if (pfd[0].revents & POLLIN)
		tun_read(e);
	for (i = 1; i <= nnet; i++)
		net_input(e, &pfd[i], a, i - 1);
}

static void
engine_loop(struct engine *e)
{
	struct pollfd	 pfd[2 + RAW_PROTOS + UDP_SOCKS + CTL_POLLFDS];
	int		 n, a = 0, timeout, fwd, nnet = 0, c0;

	for (;;) {
		if (e->started && e->encap.type == ENCAP_TCP)
			tcp_loop(e);	/* tcp_loop.c: epoll, never returns */
		pfd[0].fd = e->ibuf.fd;
		pfd[0].events = POLLIN;
		n = 1;
		fwd = e->started && !e->tun_gone;
		if (fwd) {
			pfd[n].fd = e->tun_fd;
			pfd[n++].events = POLLIN;
			/* Only the current outer family's sockets. */
			a = af_index(e->peer.remote.af);
			nnet = net_fds(e, pfd + n);
			n += nnet;
		}
		/* ipipctl's clients, served while starting too. */
		c0 = n;
		n += control_pollfds(e, pfd + n);
		timeout = control_timeout(e, fwd ? tx_udp_keepalive(e,
		    mono_ms()) : -1);
		if (poll(pfd, n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		/* POLLNVAL too: the read fails and says why. */
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			engine_dispatch_imsg(e);
		if (fwd)
			forward_events(e, pfd + 1, nnet, a);
		control_events(e, pfd + c0, n - c0);
	}
}

int
main(int argc, char *argv[])
{
	static struct engine	 e;
	unsigned long		 uid = 0, gid = 0;
	const char		*dir = NULL;
	struct stat		 st;
	int			 ch, verbose = 0;
	pid_t			 ppid = getppid();

	log_init(1, 0, LOG_DAEMON);
	log_procinit("engine");
	/*
	 * Started from a descriptor (fexecve), the kernel may name the
	 * process after the descriptor's number: ps, pgrep and the kernel's
	 * log lines should see the program's name.
	 */
	(void)prctl(PR_SET_NAME, "ipipd-engine", 0, 0, 0);
	while ((ch = getopt(argc, argv, "c:g:u:v")) != -1) {
		switch (ch) {
		case 'c':
			dir = optarg;
			break;
		case 'g':
			if (sandbox_parse_id(optarg, &gid) == -1)
				engine_usage();
			break;
		case 'u':
			if (sandbox_parse_id(optarg, &uid) == -1)
				engine_usage();
			break;
		case 'v':
			verbose++;
			break;
		default:
			engine_usage();
		}
	}
	if (dir == NULL || uid == 0 || gid == 0)
		engine_usage();
	if (fstat(IPIPD_CHILD_FD, &st) == -1 || !S_ISSOCK(st.st_mode))
		fatalx("fd %d is not the socket to the parent; "
		    "ipipd-engine is started by ipipd", IPIPD_CHILD_FD);
	log_setverbose(verbose);
	engine_init(&e);
	/*
	 * Every line goes through the parent, in the foreground too: with
	 * RLIMIT_FSIZE 0 a write to a stderr redirected to a file would
	 * kill the engine, and the parent labels and sanitizes the lines.
	 */
	log_to_parent(&e.ibuf);
	engine_sandbox((uid_t)uid, (gid_t)gid, dir, ppid);
	log_debug("sandboxed in %s as uid %lu", dir, uid);
	engine_loop(&e);
	return 0;
}
