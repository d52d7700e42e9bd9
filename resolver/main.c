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
 * ipipd-resolver: turns the remote's name into addresses for the
 * parent.  It parses DNS answers, so it runs without privileges under
 * its own seccomp allowlist; it cannot chroot because getaddrinfo reads
 * /etc/hosts, /etc/resolv.conf and /etc/nsswitch.conf.
 */

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "resolver.h"
#include "sandbox.h"

#ifdef __SANITIZE_ADDRESS__
/*
 * make asan: LeakSanitizer's check at exit needs ptrace, clone and
 * /proc, none of which the seccomp'd, chrooted resolver has, so the exit
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

static struct imsgbuf	 ibuf;
static unsigned long long lookups, lookups_failed;

static void __attribute__((noreturn))
resolver_usage(void)
{
	log_warnx("usage: ipipd-resolver -u uid -g gid [-v]");
	exit(1);
}

/*
 * Load the NSS modules and read the resolver configuration while
 * files may still be opened freely; the lookup result does not matter.
 */
static void
resolver_warm_up(void)
{
	struct addrinfo	 hints, *res;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo("localhost", NULL, &hints, &res) == 0)
		freeaddrinfo(res);
}

static void
resolver_handle(struct imsg *imsg)
{
	struct msg_resolve		 req;
	struct msg_resolve_answer	 ans;
	struct msg_set_verbose		 v;

	/* The rules of ipipd_msg.h held: IMSG_STATUS, _SET_VERBOSE or
	 * _RESOLVE. */
	if (imsg->hdr.type == IMSG_STATUS) {
		log_info("status: %llu lookups, %llu failed", lookups,
		    lookups_failed);
		return;
	}
	if (imsg->hdr.type == IMSG_SET_VERBOSE) {
		/* ipipctl log verbose|brief, through the parent. */
		if (imsg_get_data(imsg, &v, sizeof(v)) == -1 ||
		    v.verbose < 0 || v.verbose > 2)
			fatalx("malformed log level message");
		log_setverbose(v.verbose);
		return;
	}
	if (imsg_get_data(imsg, &req, sizeof(req)) == -1)
		fatalx("parent sent a resolve message of %zu bytes",
		    imsg_get_len(imsg));
	if (memchr(req.name, '\0', sizeof(req.name)) == NULL ||
	    (req.af != AF_UNSPEC && req.af != AF_INET && req.af != AF_INET6))
		fatalx("malformed resolve request");
	resolve_name(&req, &ans);
	lookups++;
	if (ans.error != 0)
		lookups_failed++;
	log_debug("%s: %u address(es)%s%s", req.name, ans.naddrs,
	    ans.error ? ", " : "", ans.error ? ans.errstr : "");
	if (imsg_compose(&ibuf, IMSG_RESOLVE_ANSWER, 0, 0, -1, &ans,
	    sizeof(ans)) == -1 || imsg_flush(&ibuf) == -1)
		fatal("answer to parent");
}

static void
resolver_loop(void)
{
	struct imsg	 imsg;
	uint64_t	 seen = 0;
	char		 why[128];
	ssize_t		 n;

	for (;;) {
		if ((n = imsg_read(&ibuf)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fatal("read from parent");
		}
		if (n == 0)
			exit(0);	/* the parent is gone */
		for (;;) {
			if ((n = imsg_get(&ibuf, &imsg)) == -1)
				fatalx("malformed message stream from parent");
			if (n == 0)
				break;
			if (imsg_rule_check(&imsg, IMSG_P_RESOLVER,
			    IMSG_P_PARENT, 0, &seen, why, sizeof(why)) == -1)
				fatalx("%s", why);
			resolver_handle(&imsg);
			imsg_free(&imsg);
		}
	}
}

int
main(int argc, char *argv[])
{
	unsigned long	 uid = 0, gid = 0;
	struct stat	 st;
	int		 ch, verbose = 0;
	pid_t		 ppid = getppid();

	log_init(1, 0, LOG_DAEMON);
	log_procinit("resolver");
	/*
	 * Started from a descriptor (fexecve), the kernel may name the
	 * process after the descriptor's number: ps, pgrep and the kernel's
	 * log lines should see the program's name.
	 */
	(void)prctl(PR_SET_NAME, "ipipd-resolver", 0, 0, 0);
	while ((ch = getopt(argc, argv, "g:u:v")) != -1) {
		switch (ch) {
		case 'g':
			if (sandbox_parse_id(optarg, &gid) == -1)
				resolver_usage();
			break;
		case 'u':
			if (sandbox_parse_id(optarg, &uid) == -1)
				resolver_usage();
			break;
		case 'v':
			verbose++;
			break;
		default:
			resolver_usage();
		}
	}
	if (uid == 0 || gid == 0)
		resolver_usage();
	if (fstat(IPIPD_CHILD_FD, &st) == -1 || !S_ISSOCK(st.st_mode))
		fatalx("fd %d is not the socket to the parent; "
		    "ipipd-resolver is started by ipipd", IPIPD_CHILD_FD);
	log_setverbose(verbose);
	imsg_init(&ibuf, IPIPD_CHILD_FD);
	/* Lines go through the parent, as the engine's do. */
	log_to_parent(&ibuf);
	sandbox_drop_user((uid_t)uid, (gid_t)gid);
	sandbox_lockdown(ppid);
	resolver_warm_up();
	resolver_seccomp_install();
	resolver_loop();
	return 0;
}
