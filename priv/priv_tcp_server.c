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
 * The prefix server's parent (serve tcp): the listening sockets, the
 * route of the whole pool into the one TUN device, and the answers to
 * the engine's "which /64 for this identifier?".  The identifier was
 * checked by the engine and is checked again here; the parent reads no
 * byte of the network.  New assignments are written to the assignments
 * file (pool_file.c) before any of them is answered: a client is never
 * told a prefix that a crash could lose.  All requests of one turn of
 * the loop share one write.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "allowlist.h"
#include "log.h"
#include "pool.h"

struct fresh {
	char		 id[TCP_ID_MAX + 1];
	uint64_t	 hi;
};

static struct {
	struct pool		 pool;
	int			 dirfd;		/* of the assignments file */
	char			 base[TCP_PATH_MAX];	/* its name there */
	int			 listen[TCP_LISTEN_MAX];
	struct msg_fd_tcp	 listen_msg[TCP_LISTEN_MAX];
	int			 nlisten;
	struct msg_tcp_assign	*ans;		/* answers of this turn */
	struct fresh		*fresh;		/* ...of them new */
	size_t			 nans, nfresh, cap;
	int			 full_logged;
	int			 write_failing;
	json_t			*allow;		/* allowlist, or NULL */
	int			 allow_logged[3];	/* by ALLOW_* */
} sv = { .dirfd = -1 };

/* allowlist FILE: read at start, an error stops it. */
static void
allow_init(const struct tcp_conf *t)
{
	char	 err[512];

	if (t->allowlist[0] == '\0')
		return;
	if (allowlist_read(t->allowlist, &sv.allow, err, sizeof(err)) == -1)
		fatalx("allowlist %s", err);
	log_info("allowlist %s: %zu identifier(s)", t->allowlist,
	    json_object_size(sv.allow));
}

/* The directory of the assignments file, and the file read back. */
void
tcp_server_init(struct ipipd *env)
{
	const struct tcp_conf	*t = &env->conf.tcp;
	char			 dir[TCP_PATH_MAX], err[256], *slash;
	json_t			*map;

	if (pool_init(&sv.pool, &t->pool.u.v6, t->pool_plen) == -1)
		fatalx("prefix-pool: out of memory");
	allow_init(t);
	if (t->assignments[0] == '\0') {
		log_warnx("no assignments file: prefixes are kept in memory "
		    "only, a restart hands out new ones");
		return;
	}
	strlcpy(dir, t->assignments, sizeof(dir));
	slash = strrchr(dir, '/');
	strlcpy(sv.base, slash + 1, sizeof(sv.base));
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	/* The service user's file, which it rewrites: read as that user. */
	priv_fs_ids(env->uid, env->gid);
	if ((sv.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("assignments %s: directory %s, as user %s",
		    t->assignments, dir, env->conf.user);
	if (pool_file_read(sv.dirfd, sv.base, &map, err, sizeof(err)) == -1)
		fatalx("assignments %s: %s (read as user %s); fix the file or "
		    "move it away (ipipd does not overwrite it)",
		    t->assignments, err, env->conf.user);
	priv_fs_ids(0, 0);
	if (pool_take_map(&sv.pool, map, err, sizeof(err)) == -1)
		fatalx("assignments %s: %s; fix the file or move it away "
		    "(ipipd does not overwrite it)", t->assignments, err);
	json_decref(map);
	log_info("assignments %s: %zu identifier(s)", t->assignments,
	    json_object_size(sv.pool.map));
}

/* While root: bind every listen address (a port below 1024 too). */
void
tcp_server_open(struct ipipd *env)
{
	const struct tcp_conf	*t = &env->conf.tcp;
	char			 err[256];
	int			 i;

	for (i = 0; i < t->nlisten; i++) {
		sv.listen[i] = tcp_sock_listen(&t->listen[i], t->port, err,
		    sizeof(err));
		if (sv.listen[i] == -1)
			fatalx("%s", err);
		memset(&sv.listen_msg[i], 0, sizeof(sv.listen_msg[i]));
		sv.listen_msg[i].addr = t->listen[i];
		sv.listen_msg[i].port = t->port;
	}
	sv.nlisten = t->nlisten;
}

void
tcp_server_push(struct ipipd *env)
{
	int	 i;

	for (i = 0; i < sv.nlisten; i++)
		if (imsg_compose(&env->engine.ibuf, IMSG_FD_TCP_LISTEN, 0, 0,
		    tcp_dup(sv.listen[i]), &sv.listen_msg[i],
		    sizeof(sv.listen_msg[i])) == -1)
			fatal("imsg_compose to engine");
}

/* The TUN device up with the pool routed into it, then the engine. */
void
tcp_server_start(struct ipipd *env)
{
	const struct tcp_conf	*t = &env->conf.tcp;
	char			 b[ADDR_STRLEN];

	/* The parent is the service user now: can it replace the file? */
	if (sv.dirfd != -1 && faccessat(sv.dirfd, ".", W_OK | X_OK, 0) == -1)
		fatal("assignments %s: its directory is not writable by user "
		    "%s", t->assignments, env->conf.user);
	env->tun_mtu = env->conf.mtu ? env->conf.mtu : TCP_DEFAULT_MTU;
	if (nl_link_set(env->res.nl, env->res.ifindex, env->tun_mtu, 1) == -1)
		fatal("set mtu %u and up on %s", env->tun_mtu, env->conf.dev);
	if (tcp_nl_route(env, env->res.ifindex, &t->pool.u.v6, t->pool_plen,
	    1) == -1)
		fatal("route %s/%u dev %s%s", addr_fmt(&t->pool, b, sizeof(b)),
		    t->pool_plen, env->conf.dev, errno == EEXIST ?
		    " (a route to it exists)" : "");
	ifaddr_apply(env);
	engine_push_start(env);
}

/* The "tunnel up:" line of a server. */
void
tcp_server_up_line(struct ipipd *env, char *buf, size_t len)
{
	const struct tcp_conf	*t = &env->conf.tcp;
	char			 b[ADDR_STRLEN];

	snprintf(buf, len, "tunnel up: dev %s serve tcp port %u prefix-pool "
	    "%s/%u mtu %u, %zu identifier(s) assigned, %llu /64s free%s",
	    env->conf.dev,
	    t->port, addr_fmt(&t->pool, b, sizeof(b)), t->pool_plen,
	    env->tun_mtu, json_object_size(sv.pool.map),
	    (unsigned long long)pool_free_count(&sv.pool),
	    env->res.tun_created ? " (temporary device)" : "");
}

static void
grow(void)
{
	size_t	 cap = sv.cap ? sv.cap * 2 : 64;
	void	*a, *f;

	if ((a = reallocarray(sv.ans, cap, sizeof(*sv.ans))) == NULL)
		fatal("answers");
	sv.ans = a;
	if ((f = reallocarray(sv.fresh, cap, sizeof(*sv.fresh))) == NULL)
		fatal("answers");
	sv.fresh = f;
	sv.cap = cap;
}

static void
answer(const struct msg_tcp_assign_req *r, int status, uint64_t hi)
{
	struct msg_tcp_assign	*a;

	if (sv.nans == sv.cap)
		grow();
	a = &sv.ans[sv.nans++];
	memset(a, 0, sizeof(*a));
	a->slot = r->slot;
	a->gen = r->gen;
	a->status = status;
	if (status == TCP_ASSIGN_OK)
		pool_prefix_addr(hi, &a->prefix);
}

/* With an allowlist: is r's identifier on it, with its key? */
static int
allowed(const struct msg_tcp_assign_req *r)
{
	int	 a;

	if (sv.allow == NULL ||
	    (a = allowlist_check(sv.allow, r->id, r->key)) == ALLOW_OK)
		return 1;
	if (!sv.allow_logged[a])
		log_warnx("identifier %s refused: %s (from now on refusals "
		    "for this reason are logged at debug level)", r->id,
		    a == ALLOW_UNLISTED ? "not in the allowlist" :
		    "wrong or missing key");
	else
		log_debug("identifier %s refused: %s", r->id,
		    a == ALLOW_UNLISTED ? "not in the allowlist" : "bad key");
	sv.allow_logged[a] = 1;
	return 0;
}

void
tcp_server_assign_req(struct ipipd *env, struct imsg *imsg)
{
	struct msg_tcp_assign_req	 r;
	uint64_t			 hi;
	char				 pb[64];

	(void)env;
	if (imsg_get_data(imsg, &r, sizeof(r)) == -1 ||
	    memchr(r.id, '\0', sizeof(r.id)) == NULL || !tcp_id_valid(r.id) ||
	    memchr(r.key, '\0', sizeof(r.key)) == NULL ||
	    (r.key[0] != '\0' && !tcp_id_valid(r.key)))
		fatalx("engine sent a malformed prefix request");
	if (!allowed(&r)) {
		answer(&r, TCP_ASSIGN_REFUSED, 0);
		return;
	}
	if (pool_lookup(&sv.pool, r.id, &hi)) {
		answer(&r, TCP_ASSIGN_OK, hi);
		return;
	}
	if (pool_assign(&sv.pool, r.id, &hi) == -1) {
		pool_prefix_fmt(sv.pool.base, pb, sizeof(pb));
		if (!sv.full_logged)
			log_warnx("prefix-pool is full (%zu identifiers): "
			    "refusing new identifier %s, and every new one "
			    "after it", json_object_size(sv.pool.map), r.id);
		else
			log_debug("prefix-pool full: refused %s", r.id);
		sv.full_logged = 1;
		answer(&r, TCP_ASSIGN_FULL, 0);
		return;
	}
	if (sv.nfresh == sv.cap)
		grow();
	strlcpy(sv.fresh[sv.nfresh].id, r.id, sizeof(sv.fresh[0].id));
	sv.fresh[sv.nfresh++].hi = hi;
	answer(&r, TCP_ASSIGN_OK, hi);
}

/* The new assignments on disk, or taken back and refused. */
static void
commit(void)
{
	char		 err[512], pb[64];
	struct in6_addr	 a;
	size_t		 i, j;

	if (sv.dirfd != -1 && pool_file_write(sv.dirfd, sv.base, sv.pool.map,
	    err, sizeof(err)) == -1) {
		if (!sv.write_failing)
			log_warnx("assignments file: %s; refusing new "
			    "identifiers until it can be written", err);
		sv.write_failing = 1;
		for (i = 0; i < sv.nfresh; i++) {
			pool_forget(&sv.pool, sv.fresh[i].id, sv.fresh[i].hi);
			pool_prefix_addr(sv.fresh[i].hi, &a);
			for (j = 0; j < sv.nans; j++)
				if (memcmp(&sv.ans[j].prefix, &a,
				    sizeof(a)) == 0)
					sv.ans[j].status = TCP_ASSIGN_ERROR;
		}
		return;
	}
	if (sv.write_failing)
		log_info("assignments file written again");
	sv.write_failing = 0;
	for (i = 0; i < sv.nfresh; i++) {
		pool_prefix_fmt(sv.fresh[i].hi, pb, sizeof(pb));
		log_info("prefix %s assigned to new identifier %s", pb,
		    sv.fresh[i].id);
	}
}

void
tcp_server_flush(struct ipipd *env)
{
	size_t	 i;

	if (sv.nans == 0)
		return;
	if (sv.nfresh > 0)
		commit();
	for (i = 0; i < sv.nans; i++)
		if (env->engine.alive && imsg_compose(&env->engine.ibuf,
		    IMSG_TCP_ASSIGN, 0, 0, -1, &sv.ans[i],
		    sizeof(sv.ans[i])) == -1)
			fatal("imsg_compose to engine");
	sv.nans = sv.nfresh = 0;
}
