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
 * ipipd, the privileged parent.  It checks the command line, opens what
 * needs privileges (TUN device, raw sockets, rtnetlink), starts the
 * engine and the resolver as separate binaries, drops to the service
 * user, and from then on only relays state between them.
 */

#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/in.h>


#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

static void
lookup_user(struct ipipd *env)
{
	struct passwd	*pw;

	if ((pw = getpwnam(env->conf.user)) == NULL)
		fatalx("user %s does not exist; create it with: "
		    "useradd --system --no-create-home --home-dir /nonexistent "
		    "--shell /usr/sbin/nologin %s", env->conf.user,
		    env->conf.user);
	if (pw->pw_uid == 0)
		fatalx("user %s is root; the service user must not be",
		    env->conf.user);
	env->uid = pw->pw_uid;
	env->gid = pw->pw_gid;
}

/* Signals arrive as reads on a signalfd, in the poll loop. */
static int
signals_setup(void)
{
	sigset_t	 set;
	int		 fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

static void
open_privileged(struct ipipd *env)
{
	static const int	 afs[2] = { AF_INET, AF_INET6 };
	static const int	 protos[3] = { IPPROTO_IPIP, IPPROTO_IPV6,
				    IPPROTO_MPLS };
	struct priv_res		*r = &env->res;
	int			 a, p;

	r->tun_vnet = priv_tun_want_offload(&env->conf);
	r->tun_fd = priv_open_tun(env->conf.dev, &r->tun_created,
	    &r->ifindex, r->tun_vnet);
	/* Both families: a re-resolved remote may change the family. */
	for (a = 0; a < 2; a++)
		for (p = 0; p < 3; p++)
			r->raw[a][p] = env->conf.encap != ENCAP_NONE ? -1 :
			    priv_open_raw(afs[a], protos[p]);
	if (env->conf.encap == ENCAP_TCP)
		tcp_priv_open(env);
	else if (env->conf.encap != ENCAP_NONE)
		priv_open_udp_all(env);
	r->nl = priv_open_netlink();
	r->nl_events = rtnl_watch_open();
}

/* argv of a child: who to become, where to chroot, how to log. */
static void
child_argv(struct child *c, const char *binary, const char *uid,
    const char *gid, const char *chroot_dir, int verbose)
{
	int	 i = 0, v;

	c->argv[i++] = strdup(binary);
	c->argv[i++] = strdup("-u");
	c->argv[i++] = strdup(uid);
	c->argv[i++] = strdup("-g");
	c->argv[i++] = strdup(gid);
	if (chroot_dir != NULL) {
		c->argv[i++] = strdup("-c");
		c->argv[i++] = strdup(chroot_dir);
	}
	for (v = 0; v < verbose && v < 2; v++)
		c->argv[i++] = strdup("-v");
	c->argv[i] = NULL;
	while (--i >= 0)
		if (c->argv[i] == NULL)
			fatal("strdup");
}

static void
start_children(struct ipipd *env)
{
	char	 uid[16], gid[16];

	snprintf(uid, sizeof(uid), "%ld", (long)env->uid);
	snprintf(gid, sizeof(gid), "%ld", (long)env->gid);
	env->engine.name = "engine";
	env->engine.binary = "ipipd-engine";
	env->resolver.name = "resolver";
	env->resolver.binary = "ipipd-resolver";
	child_argv(&env->engine, "ipipd-engine", uid, gid, env->conf.chroot,
	    env->conf.verbose);
	/* No chroot for the resolver: getaddrinfo reads /etc. */
	child_argv(&env->resolver, "ipipd-resolver", uid, gid, NULL,
	    env->conf.verbose);
	child_open(&env->engine, env->uid, env->gid);
	child_open(&env->resolver, env->uid, env->gid);
	child_start(&env->engine, env->engine.argv);
	child_start(&env->resolver, env->resolver.argv);
	env->engine.started_ms = env->resolver.started_ms = mono_ms();
}

/* SIGHUP reads the file again, after daemon_begin() went to "/". */
static void
conf_file_absolute(struct ipipd_conf *c)
{
	char	*p;

	if (c->file[0] == '\0' || c->file[0] == '/')
		return;
	if ((p = realpath(c->file, NULL)) == NULL)
		fatal("%s", c->file);
	if (strlcpy(c->file, p, sizeof(c->file)) >= sizeof(c->file))
		fatalx("%s: path too long", p);
	free(p);
}

int
main(int argc, char *argv[])
{
	static struct ipipd	 env;

	/* Nothing inherited from whoever started us stays open. */
	closefrom(STDERR_FILENO + 1);
	parse_args(argc, argv, &env.conf);
	env.argc = argc;
	env.argv = argv;
	if (env.conf.reload_pid != 0)
		return reload_client(&env.conf);
	if (env.conf.noaction) {
		if (env.conf.verbose) {	/* -nv: what was parsed */
			conf_print(stdout, &env.conf);
			if (fflush(stdout) == EOF) {
				perror("ipipd: standard output");
				return 1;
			}
		}
		fprintf(stderr, "configuration OK\n");
		return 0;
	}
	log_init(env.conf.foreground, env.conf.verbose, LOG_DAEMON);
	conf_file_absolute(&env.conf);
	notify_init();
	lookup_user(&env);
	priv_check_start(env.uid, env.gid);
	priv_check_chroot(env.conf.chroot);
	tcp_priv_init(&env);
	if (!env.conf.foreground) {
		log_tee_stderr(1);
		daemon_begin();
	}
	env.sigfd = signals_setup();
	open_privileged(&env);
	ctl_open(&env);
	/* Addresses and routes we add go again however we exit. */
	if (atexit(ifaddr_remove_all) != 0)
		fatalx("atexit");
	start_children(&env);
	priv_drop(env.uid, env.gid);
	if (tcp_conf_is_server(&env.conf))
		tcp_priv_start(&env);	/* no remote to resolve */
	else
		peer_request_resolve(&env);
	priv_loop(&env);
	return 0;
}
