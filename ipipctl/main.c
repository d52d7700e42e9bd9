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
 * ipipctl: see and steer running ipipd daemons through their control
 * sockets (ipipctl(8)).  Without -s it asks every daemon on the host:
 * one socket per tunnel in /run/ipipd.
 */

#include <sys/stat.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipipctl.h"

#define TIMEOUT_MS		10000
#define RESOLVE_TIMEOUT_MS	30000	/* getaddrinfo may take long */

enum cmd { SHOW, SHOW_STATS, SHOW_CLIENTS, RELOAD, RESOLVE, LOG };

static const struct {
	const char	*w1, *w2;
	enum cmd	 cmd;
	uint32_t	 type;
} cmds[] = {
	{ "show", NULL, SHOW, IMSG_CTL_SHOW },
	{ "show", "stats", SHOW_STATS, IMSG_CTL_SHOW_STATS },
	{ "show", "clients", SHOW_CLIENTS, IMSG_CTL_SHOW_CLIENTS },
	{ "reload", NULL, RELOAD, IMSG_CTL_RELOAD },
	{ "resolve", NULL, RESOLVE, IMSG_CTL_RESOLVE },
	{ "log", "verbose", LOG, IMSG_CTL_LOG },
	{ "log", "brief", LOG, IMSG_CTL_LOG },
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ipipctl [-hj] [-s socket|directory] "
	    "command [argument]\n"
	    "commands: show [stats|clients], reload, resolve, "
	    "log verbose|brief\n");
	exit(1);
}

static int
find_cmd(int argc, char **argv)
{
	size_t	 i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].w1) != 0)
			continue;
		if (cmds[i].w2 == NULL ? argc == 1 :
		    argc == 2 && strcmp(argv[1], cmds[i].w2) == 0)
			return (int)i;
	}
	if (argc >= 1)
		warnx("unknown command: %s%s%s", argv[0], argc > 1 ? " " : "",
		    argc > 1 ? argv[1] : "");
	usage();
}

/*
 * -s: a socket, or a directory of them; default the runtime directory.
 * one: 1 when a socket was named.
 */
static int
sockets(const char *arg, char ***paths, size_t *n, int *one)
{
	struct stat	 st;
	char		 why[512];

	*one = arg != NULL && (stat(arg, &st) == -1 || !S_ISDIR(st.st_mode));
	if (*one) {
		if ((*paths = calloc(1, sizeof(**paths))) == NULL ||
		    ((*paths)[0] = strdup(arg)) == NULL)
			err(1, NULL);
		*n = 1;
		return 0;
	}
	if (ctl_discover(arg != NULL ? arg : CTL_SOCKET_DIR, paths, n, why,
	    sizeof(why)) == -1) {
		warnx("%s", why);
		return -1;
	}
	return 0;
}

/* show, show stats, show clients: text or JSON. */
static void
print_show(int c, struct reply *r, const struct opts *o, int *nout)
{
	if (c == SHOW_CLIENTS)
		clients_sort(r);
	if (o->json) {
		printf("%s", (*nout)++ ? "," : "");
		(c == SHOW ? json_tunnel : c == SHOW_STATS ? json_stats :
		    json_clients)(stdout, r);
	} else {
		printf("%s", (*nout)++ ? "\n" : "");
		(c == SHOW ? show_tunnel : c == SHOW_STATS ? show_stats :
		    show_clients)(stdout, r, o);
	}
}

/*
 * One daemon's answer, printed; 0 if it succeeded.  Errors go to
 * stderr; with -j the answers to reload, resolve and log are objects of
 * the array too, errors included, and a show prints only tunnels.
 */
static int
print_one(int c, const char *path, struct reply *r, const char *err,
    const struct opts *o, int *nout)
{
	char	 name[128];
	int	 show = c == SHOW || c == SHOW_STATS || c == SHOW_CLIENTS, ok;

	ctl_sock_name(path, name, sizeof(name));
	ok = err == NULL && (!r->have_result || r->result.status == CTL_OK);
	if (o->json && !show) {
		printf("%s", (*nout)++ ? "," : "");
		json_result(stdout, path, name, r, err);
	}
	if (err != NULL) {
		warnx("%s", err);
		return -1;
	}
	if (r->have_result) {
		if (!ok)
			warnx("%s: %s", name, r->result.text);
		else if (!o->json)
			printf("%s: %s\n", name, r->result.text);
		return ok ? 0 : -1;
	}
	if (!r->have_tunnel || !show) {
		warnx("%s: an answer of the wrong kind", path);
		return -1;
	}
	print_show(c, r, o, nout);
	return 0;
}

static int
not_a_server(int c, const struct reply *r)
{
	return c == SHOW_CLIENTS && r->have_result &&
	    r->result.status == CTL_UNSUPPORTED;
}

int
main(int argc, char *argv[])
{
	static struct reply	 r;
	struct msg_set_verbose	 v;
	struct opts		 o;
	const char		*sock = NULL;
	char			 why[512], **paths;
	size_t			 n, i, skipped = 0;
	int			 ch, k, got, one, nout = 0, rc = 0;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt(argc, argv, "hjs:")) != -1) {
		switch (ch) {
		case 'h':
			o.human = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	k = find_cmd(argc, argv);
	memset(&v, 0, sizeof(v));
	v.verbose = cmds[k].w2 != NULL && strcmp(cmds[k].w2, "verbose") == 0;
	if (sockets(sock, &paths, &n, &one) == -1)
		return 1;
	if (o.json)
		printf("[");
	for (i = 0; i < n; i++) {
		got = ctl_ask(paths[i], cmds[k].type, cmds[k].cmd == LOG ? &v :
		    NULL, cmds[k].cmd == LOG ? sizeof(v) : 0,
		    cmds[k].cmd == RESOLVE ? RESOLVE_TIMEOUT_MS : TIMEOUT_MS,
		    &r, why, sizeof(why));
		/* Asking every daemon for clients: only servers have any. */
		if (got == 0 && !one && not_a_server(cmds[k].cmd, &r)) {
			skipped++;
			continue;
		}
		if (print_one(cmds[k].cmd, paths[i], &r, got == -1 ? why :
		    NULL, &o, &nout) == -1)
			rc = 1;
	}
	if (o.json)
		printf("]\n");
	if (skipped > 0 && skipped == n) {
		warnx("no prefix server (serve tcp) among the %zu daemon%s "
		    "asked", n, n == 1 ? "" : "s");
		rc = 1;
	}
	ctl_paths_free(paths, n);
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return rc;
}
