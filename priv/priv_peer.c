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
 * Choosing and following the outer endpoints: the remote from the
 * resolver's answers (asked again every resolve-interval), the local
 * address and outer MTU from the routing table (asked again after any
 * address, route or link change).  Whatever changes is pushed to the
 * engine; a missing local address or route pauses the tunnel.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "priv.h"
#include "log.h"

#define RESOLVE_RETRY_MIN_MS	1000

/*
 * NULL and *ri filled when the kernel has a unicast route to a that
 * does not lead into our own TUN device (the outer packets would be
 * encapsulated again and again), else why a cannot be the remote.
 */
static const char *
remote_route(struct ipipd *env, const struct tun_addr *a,
    struct route_info *ri, char *buf, size_t len)
{
	const char	*why;

	if ((why = addr_not_unicast(a)) != NULL) {
		snprintf(buf, len, "the remote is %s", why);
		return buf;
	}
	if (nl_route_get(env->res.nl, a, ri) == -1)
		return "no route to the remote";
	if (ri->type == RTN_LOCAL)
		return "the remote is an address of this host";
	if (ri->type != RTN_UNICAST) {
		snprintf(buf, len, "the route to the remote is not unicast "
		    "(type %u)", ri->type);
		return buf;
	}
	if (ri->oif == env->res.ifindex) {
		snprintf(buf, len, "the route to the remote goes through %s "
		    "itself", env->conf.dev);
		return buf;
	}
	return NULL;
}

static int
answer_has(const struct msg_resolve_answer *ans, const struct tun_addr *a)
{
	uint32_t	 i;

	for (i = 0; i < ans->naddrs; i++)
		if (addr_eq(&ans->addrs[i], a))
			return 1;
	return 0;
}

/*
 * The remote to use from an answer: the current one if it is still
 * there, else the first address of the preferred family (IPv6 first,
 * as userland-ipip, unless the family is pinned) with a usable route.
 * On failure, why names the last address tried and what was wrong.
 */
static int
pick_remote(struct ipipd *env, const struct msg_resolve_answer *ans,
    struct tun_addr *out, char *why, size_t whylen)
{
	static const int	 order[2] = { AF_INET6, AF_INET };
	struct route_info	 ri;
	char			 buf[ADDR_STRLEN], rb[128];
	const char		*bad;
	uint32_t		 i;
	int			 f;

	why[0] = '\0';
	if (addr_is_set(&env->remote) && answer_has(ans, &env->remote)) {
		*out = env->remote;
		return 0;
	}
	for (f = 0; f < 2; f++) {
		if (env->conf.af != AF_UNSPEC && env->conf.af != order[f])
			continue;
		for (i = 0; i < ans->naddrs; i++) {
			if (ans->addrs[i].af != order[f])
				continue;
			bad = remote_route(env, &ans->addrs[i], &ri, rb,
			    sizeof(rb));
			if (bad != NULL) {
				snprintf(why, whylen, "%s: %s", addr_fmt(
				    &ans->addrs[i], buf, sizeof(buf)), bad);
				log_info("remote %s not used: %s",
				    env->conf.remote, why);
				continue;
			}
			*out = ans->addrs[i];
			return 0;
		}
	}
	return -1;
}

static uint32_t
default_tun_mtu(const struct ipipd *env)
{
	uint32_t	 hdr = conf_outer_hdrlen(&env->conf, env->remote.af);

	/*
	 * The kernel disables IPv6 on a device below 1280 bytes; the engine
	 * sends inner IPv6 packets of up to 1280 in outer fragments (RFC
	 * 2473 7.1), so a tunnel carrying IPv6 never goes below it.
	 */
	if ((conf_carry(&env->conf) & TUN_CARRY_V6) &&
	    env->outer_mtu < hdr + TUN_MIN_MTU_V6)
		return TUN_MIN_MTU_V6;
	if (env->outer_mtu < hdr + 68)
		return 68;
	return env->outer_mtu - hdr;
}

static void
push_peer(struct ipipd *env)
{
	struct msg_peer	 p;

	if (!env->engine_started || !env->engine.alive)
		return;
	memset(&p, 0, sizeof(p));
	p.local = env->local;
	p.remote = env->remote;
	p.outer_mtu = env->outer_mtu;
	if (imsg_compose(&env->engine.ibuf, IMSG_PEER, 0, 0, -1, &p,
	    sizeof(p)) == -1)
		fatal("imsg_compose");
}

/* The TUN MTU follows the outer MTU unless mtu was configured. */
static void
follow_tun_mtu(struct ipipd *env)
{
	uint32_t	 mtu;

	if (env->conf.mtu != 0 || env->outer_mtu == 0)
		return;
	mtu = default_tun_mtu(env);
	if (mtu == env->tun_mtu)
		return;
	if (nl_link_set(env->res.nl, env->res.ifindex, mtu, 0) == -1) {
		log_warn("set mtu %u on %s", mtu, env->conf.dev);
		return;
	}
	log_info("mtu of %s now %u (outer mtu %u)", env->conf.dev, mtu,
	    env->outer_mtu);
	env->tun_mtu = mtu;
}

/*
 * Where the outer packets go now.  The local address is the route's
 * preferred source, or the configured one while it exists on the host.
 */
void
peer_recheck(struct ipipd *env)
{
	struct route_info	 ri;
	struct tun_addr		 local;
	uint32_t		 mtu = env->outer_mtu;
	char			 l[ADDR_STRLEN], r[ADDR_STRLEN], rb[128];
	const char		*why = NULL;

	env->recheck_ms = 0;
	if (!addr_is_set(&env->remote))
		return;
	memset(&local, 0, sizeof(local));
	if ((why = remote_route(env, &env->remote, &ri, rb, sizeof(rb))) !=
	    NULL) {
		/* The name may point elsewhere now. */
		env->resolve_ms = mono_ms();
	} else if (addr_is_set(&env->conf.local)) {
		if (nl_addr_present(env->res.nl, &env->conf.local) == 1)
			local = env->conf.local;
		else
			why = "local address not on this host";
		mtu = ri.mtu;
	} else {
		local = ri.src;
		mtu = ri.mtu;
	}
	if (addr_eq(&local, &env->local) && mtu == env->outer_mtu &&
	    (why != NULL) == env->paused) {
		/* A reload may have dropped mtu or changed the header. */
		follow_tun_mtu(env);
		return;
	}
	if (why != NULL && !env->paused)
		log_warnx("tunnel paused: %s (remote %s)", why,
		    addr_fmt(&env->remote, r, sizeof(r)));
	else if (why == NULL)
		log_info("outer local %s remote %s mtu %u%s",
		    addr_fmt(&local, l, sizeof(l)),
		    addr_fmt(&env->remote, r, sizeof(r)), mtu,
		    env->paused ? ": tunnel resumed" : "");
	env->paused = why != NULL;
	strlcpy(env->pause_why, why != NULL ? why : "",
	    sizeof(env->pause_why));
	env->local = local;
	env->outer_mtu = mtu;
	follow_tun_mtu(env);
	push_peer(env);
}

/* First answer: the tunnel can start. */
static void
peer_first(struct ipipd *env, const struct msg_resolve_answer *ans)
{
	struct route_info	 ri;
	char			 why[ADDR_STRLEN + 128], rb[128], err[256];
	const char		*bad;

	if (ans->error != 0)
		fatalx("cannot resolve remote %s: %s", env->conf.remote,
		    ans->errstr);
	if (pick_remote(env, ans, &env->remote, why, sizeof(why)) == -1)
		fatalx("remote %s: no %saddress with a route to it%s%s%s",
		    env->conf.remote, env->conf.af == AF_INET ? "IPv4 " :
		    env->conf.af == AF_INET6 ? "IPv6 " : "", why[0] ? " (" :
		    "", why, why[0] ? ")" : "");
	if ((bad = remote_route(env, &env->remote, &ri, rb, sizeof(rb))) !=
	    NULL)
		fatalx("remote %s: %s", env->conf.remote, bad);
	env->local = addr_is_set(&env->conf.local) ? env->conf.local : ri.src;
	env->outer_mtu = ri.mtu;
	if (conf_check_mtu(&env->conf, env->remote.af, err, sizeof(err)) == -1)
		fatalx("%s", err);
	env->tun_mtu = env->conf.mtu ? env->conf.mtu : default_tun_mtu(env);
	if (env->tun_mtu < 68)
		fatalx("outer MTU %u is too small for a tunnel", ri.mtu);
	if (nl_link_set(env->res.nl, env->res.ifindex, env->tun_mtu, 1) == -1)
		fatal("set mtu %u and up on %s", env->tun_mtu, env->conf.dev);
	ifaddr_apply(env);
	engine_push_start(env);
}

/* Later answers: keep the last good address through failures. */
static void
peer_again(struct ipipd *env, const struct msg_resolve_answer *ans)
{
	struct tun_addr	 next;
	char		 a[ADDR_STRLEN], b[ADDR_STRLEN], why[ADDR_STRLEN + 128];

	if (ans->error != 0) {
		if (!env->resolve_failing)
			log_warnx("cannot resolve remote %s: %s; keeping %s",
			    env->conf.remote, ans->errstr,
			    addr_fmt(&env->remote, a, sizeof(a)));
		env->resolve_failing = 1;
		env->resolve_backoff_ms = env->resolve_backoff_ms == 0 ?
		    RESOLVE_RETRY_MIN_MS : env->resolve_backoff_ms * 2;
		if (env->resolve_backoff_ms > env->conf.resolve_interval * 1000)
			env->resolve_backoff_ms =
			    env->conf.resolve_interval * 1000;
		env->resolve_ms = mono_ms() + env->resolve_backoff_ms;
		return;
	}
	if (env->resolve_failing)
		log_info("remote %s resolves again", env->conf.remote);
	env->resolve_failing = 0;
	env->resolve_backoff_ms = 0;
	if (pick_remote(env, ans, &next, why, sizeof(why)) == -1 ||
	    addr_eq(&next, &env->remote))
		return;
	log_info("remote %s is now %s (was %s)", env->conf.remote,
	    addr_fmt(&next, a, sizeof(a)), addr_fmt(&env->remote, b,
	    sizeof(b)));
	env->remote = next;
	env->unreach_logged = 0;
	env->local.af = AF_UNSPEC;	/* forces the push */
	env->paused = 0;
	peer_recheck(env);
}

/*
 * The engine reports that the remote keeps answering with unreachable
 * errors: ask for the name again now (logged once per remote address).
 */
void
peer_unreachable(struct ipipd *env)
{
	char	 a[ADDR_STRLEN];

	if (!env->unreach_logged)
		log_info("remote %s (%s) answers unreachable; resolving "
		    "it again", env->conf.remote, addr_fmt(&env->remote, a,
		    sizeof(a)));
	env->unreach_logged = 1;
	env->resolve_ms = mono_ms();
}

/* A valid answer from the resolver: the first, or a later one. */
void
peer_answer(struct ipipd *env, const struct msg_resolve_answer *ans)
{
	if (!env->engine_started)
		peer_first(env, ans);
	else
		peer_again(env, ans);
}

/* Timers: a debounced route check, the next resolution. */
void
peer_tick(struct ipipd *env, uint64_t now)
{
	if (env->recheck_ms != 0 && now >= env->recheck_ms)
		peer_recheck(env);
	if (env->engine_started && now >= env->resolve_ms)
		peer_request_resolve(env);
}
