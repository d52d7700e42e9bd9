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
 * address and route keywords: the parent puts them on the TUN device
 * through rtnetlink once the device is up, and takes them away when
 * ipipd exits (also on a fatal error, through atexit).  Only what we
 * added is removed.  A clash (the address is already on the device, the
 * route already exists) is a fatal error naming it, after whatever was
 * added before it has been taken away again: nothing stays half made.
 */

#include <sys/socket.h>

#include <net/if.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "priv.h"
#include "log.h"

/* What we added, for the way out. */
static struct {
	struct mnl_socket	*nl;
	unsigned int		 ifindex;
	const struct ipipd_conf	*conf;
	int			 naddrs;	/* addrs[0..naddrs) are ours */
	int			 nroutes;
	pid_t			 pid;		/* the parent; not a child */
} made;

int
nl_ack(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	static uint32_t	 seq;
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t		 n;
	int		 ret;

	if (seq == 0)
		seq = (uint32_t)time(NULL) ^ 0x5a5a0000;
	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	do {
		if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) == -1)
			return -1;
		ret = nl_cb_run(buf, (size_t)n, seq,
		    mnl_socket_get_portid(nl), NULL, NULL);
	} while (ret > MNL_CB_STOP);
	return ret == MNL_CB_ERROR ? -1 : 0;
}

static size_t
alen(const struct tun_addr *a)
{
	return a->af == AF_INET ? 4 : 16;
}

static int
nl_addr_change(struct mnl_socket *nl, unsigned int ifindex,
    const struct conf_addr *ca, int add)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;
	const struct tun_addr	*peer = addr_is_set(&ca->peer) ? &ca->peer :
				    &ca->addr;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
	    (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = ca->addr.af;
	ifa->ifa_prefixlen = ca->plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen(&ca->addr), &ca->addr.u);
	mnl_attr_put(nlh, IFA_ADDRESS, alen(peer), &peer->u);
	return nl_ack(nl, nlh);
}

int
nl_route_change(struct mnl_socket *nl, unsigned int ifindex,
    const struct conf_route *r, int add)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr	*nlh;
	struct rtmsg	*rtm;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
	    (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = r->dst.af;
	rtm->rtm_dst_len = r->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, alen(&r->dst), &r->dst.u);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nl_ack(nl, nlh);
}

static const char *
prefix_fmt(const struct tun_addr *a, int plen, char *buf, size_t len)
{
	char	 ab[ADDR_STRLEN];
	size_t	 n;

	addr_fmt(a, ab, sizeof(ab));
	n = strlcpy(buf, ab, len);
	if (n < len)
		snprintf(buf + n, len - n, "/%d", plen);
	return buf;
}

/* Does prefix p/plen hold address a? */
static int
prefix_holds(const struct tun_addr *p, int plen, const struct tun_addr *a)
{
	const uint8_t	*x = (const uint8_t *)&p->u, *y = (const uint8_t *)&a->u;
	int		 i;

	if (p->af != a->af)
		return 0;
	for (i = 0; plen > 0; i++, plen -= 8) {
		uint8_t	 m = plen >= 8 ? 0xff : (uint8_t)(0xff << (8 - plen));

		if ((x[i] ^ y[i]) & m)
			return 0;
	}
	return 1;
}

/* Take away what we added, routes first. */
void
ifaddr_remove_all(void)
{
	char	 b[ADDR_STRLEN + 8];

	if (made.conf == NULL || getpid() != made.pid)
		return;
	while (made.nroutes > 0) {
		const struct conf_route *r = &made.conf->routes[--made.nroutes];

		if (nl_route_change(made.nl, made.ifindex, r, 0) == -1 &&
		    errno != ESRCH && errno != ENODEV)
			log_warn("remove route %s", prefix_fmt(&r->dst,
			    r->plen, b, sizeof(b)));
	}
	while (made.naddrs > 0) {
		const struct conf_addr *ca = &made.conf->addrs[--made.naddrs];

		if (nl_addr_change(made.nl, made.ifindex, ca, 0) == -1 &&
		    errno != EADDRNOTAVAIL && errno != ENODEV)
			log_warn("remove address %s", prefix_fmt(&ca->addr,
			    ca->plen, b, sizeof(b)));
	}
}

static void __attribute__((noreturn)) __attribute__((format(printf, 1, 2)))
clash(const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ifaddr_remove_all();
	errno = saved;
	fatal("%s", msg);
}

/*
 * Put the configured addresses and routes on the (up) TUN device.  A
 * route that holds the remote, or the prefix an address puts on the
 * device, would send the outer packets into the tunnel itself: refused
 * before anything is added.
 */
void
ifaddr_apply(struct ipipd *env)
{
	const struct ipipd_conf	*c = &env->conf;
	const struct tun_addr	*p;
	char			 b[ADDR_STRLEN + 8], r[ADDR_STRLEN];
	int			 i;

	for (i = 0; i < c->naddrs; i++) {
		/* With a peer the kernel routes the peer's prefix. */
		p = addr_is_set(&c->addrs[i].peer) ? &c->addrs[i].peer :
		    &c->addrs[i].addr;
		if (prefix_holds(p, c->addrs[i].plen, &env->remote))
			fatalx("address %s on %s holds the remote %s: the "
			    "outer packets would go into the tunnel",
			    prefix_fmt(p, c->addrs[i].plen, b, sizeof(b)),
			    c->dev, addr_fmt(&env->remote, r, sizeof(r)));
	}
	for (i = 0; i < c->nroutes; i++)
		if (prefix_holds(&c->routes[i].dst, c->routes[i].plen,
		    &env->remote))
			fatalx("route %s holds the remote %s: the outer "
			    "packets would go into the tunnel", prefix_fmt(
			    &c->routes[i].dst, c->routes[i].plen, b,
			    sizeof(b)), addr_fmt(&env->remote, r, sizeof(r)));
	made.nl = env->res.nl;
	made.ifindex = env->res.ifindex;
	made.conf = c;
	made.pid = getpid();
	for (i = 0; i < c->naddrs; i++) {
		if (nl_addr_change(made.nl, made.ifindex, &c->addrs[i], 1) ==
		    -1)
			clash("address %s on %s", prefix_fmt(&c->addrs[i].addr,
			    c->addrs[i].plen, b, sizeof(b)), c->dev);
		made.naddrs = i + 1;
	}
	for (i = 0; i < c->nroutes; i++) {
		if (nl_route_change(made.nl, made.ifindex, &c->routes[i], 1) ==
		    -1)
			clash("route %s dev %s%s", prefix_fmt(&c->routes[i].dst,
			    c->routes[i].plen, b, sizeof(b)), c->dev,
			    errno == EEXIST ? " (a route to it exists)" : "");
		made.nroutes = i + 1;
	}
	if (c->naddrs + c->nroutes > 0)
		log_info("%d address(es) and %d route(s) on %s", c->naddrs,
		    c->nroutes, c->dev);
}
