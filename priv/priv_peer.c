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
 * Choosing the outer endpoints: the remote from the resolver's answer,
 * the local address and outer MTU from the routing table.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>

#include "ipipd.h"
#include "log.h"

void
peer_request_resolve(struct ipipd *env)
{
	struct msg_resolve	 req;

	memset(&req, 0, sizeof(req));
	strlcpy(req.name, env->conf.remote, sizeof(req.name));
	/* -4/-6, mode or an explicit local address pin the family. */
	req.af = env->conf.af;
	if (imsg_compose(&env->resolver.ibuf, IMSG_RESOLVE, 0, 0, -1, &req,
	    sizeof(req)) == -1)
		fatal("imsg_compose");
}

/* The answer comes from a less privileged process: check every field. */
int
resolve_answer_valid(const struct msg_resolve_answer *ans)
{
	uint32_t	 i;

	if (ans->naddrs > RESOLVE_ADDRS_MAX ||
	    memchr(ans->errstr, '\0', sizeof(ans->errstr)) == NULL)
		return 0;
	if (ans->error == 0 && ans->naddrs == 0)
		return 0;
	for (i = 0; i < ans->naddrs; i++)
		if (!addr_is_set(&ans->addrs[i]))
			return 0;
	return 1;
}

/*
 * Try the answer's addresses in order of preference (IPv6 first, as
 * userland-ipip does, unless the family is pinned) and take the first
 * one the routing table can reach.
 */
static int
pick_remote(struct ipipd *env, const struct msg_resolve_answer *ans,
    struct route_info *ri)
{
	static const int	 order[2] = { AF_INET6, AF_INET };
	char			 buf[ADDR_STRLEN];
	uint8_t			 want;
	uint32_t		 i;
	int			 f;

	want = env->conf.af;
	for (f = 0; f < 2; f++) {
		if (want != AF_UNSPEC && want != order[f])
			continue;
		for (i = 0; i < ans->naddrs; i++) {
			if (ans->addrs[i].af != order[f])
				continue;
			if (nl_route_get(env->res.nl, &ans->addrs[i],
			    ri) == -1) {
				log_info("remote %s: no route: %s", addr_fmt(
				    &ans->addrs[i], buf, sizeof(buf)),
				    strerror(errno));
				continue;
			}
			env->remote = ans->addrs[i];
			return 0;
		}
	}
	return -1;
}

static uint32_t
default_tun_mtu(const struct ipipd *env)
{
	uint32_t	 hdr = conf_outer_hdrlen(&env->conf, env->remote.af);

	if (env->outer_mtu < hdr + 68)
		fatalx("outer MTU %u is too small for a tunnel",
		    env->outer_mtu);
	return env->outer_mtu - hdr;
}

void
peer_resolved(struct ipipd *env, const struct msg_resolve_answer *ans)
{
	struct route_info	 ri;

	if (!resolve_answer_valid(ans))
		fatalx("resolver sent a malformed answer");
	if (ans->error != 0)
		fatalx("cannot resolve remote %s: %s", env->conf.remote,
		    ans->errstr);
	if (env->engine_started)
		return;		/* re-resolution comes later */
	if (pick_remote(env, ans, &ri) == -1)
		fatalx("remote %s: no %saddress with a route to it",
		    env->conf.remote, env->conf.af == AF_INET ? "IPv4 " :
		    env->conf.af == AF_INET6 ? "IPv6 " : "");
	env->local = addr_is_set(&env->conf.local) ? env->conf.local : ri.src;
	env->outer_mtu = ri.mtu;
	env->tun_mtu = env->conf.mtu ? env->conf.mtu : default_tun_mtu(env);
	if (nl_link_set(env->res.nl, env->res.ifindex, env->tun_mtu, 1) == -1)
		fatal("set mtu %u and up on %s", env->tun_mtu, env->conf.dev);
	engine_push_start(env);
}
