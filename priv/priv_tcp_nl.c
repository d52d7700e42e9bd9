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
 * Addresses and routes of the TCP roles, through rtnetlink: the
 * server's route for its whole prefix-pool into the TUN device, the
 * client's address in the /64 it was given.  What was added is taken
 * away again when the parent exits (atexit), like priv_ifaddr.c does
 * for the address and route keywords.
 */

#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "priv.h"
#include "log.h"

#define MADE_MAX	4

/* What we added, for the way out. */
static struct {
	struct mnl_socket	*nl;
	pid_t			 pid;
	struct made_one {
		int		 route;		/* else an address */
		unsigned int	 ifindex;
		struct in6_addr	 a;
		int		 plen;
	}			 one[MADE_MAX];
	int			 n;
} made;

static int
nl_addr6(struct mnl_socket *nl, unsigned int ifindex,
    const struct in6_addr *a, int plen, int add, int nodad)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
	    (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	ifa->ifa_flags = nodad ? IFA_F_NODAD : 0;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(*a), a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(*a), a);
	return nl_ack(nl, nlh);
}

/* The one route message of priv_ifaddr.c, for an IPv6 prefix. */
static int
nl_route6(struct mnl_socket *nl, unsigned int ifindex,
    const struct in6_addr *dst, int plen, int add)
{
	struct conf_route	 r;

	memset(&r, 0, sizeof(r));
	r.dst.af = AF_INET6;
	r.dst.u.v6 = *dst;
	r.plen = (uint8_t)plen;
	return nl_route_change(nl, ifindex, &r, add);
}

static void
made_note(int route, unsigned int ifindex, const struct in6_addr *a,
    int plen, int add)
{
	int	 i;

	made.pid = getpid();
	if (!add) {
		for (i = 0; i < made.n; i++) {
			if (made.one[i].route != route ||
			    made.one[i].ifindex != ifindex ||
			    made.one[i].plen != plen ||
			    memcmp(&made.one[i].a, a, sizeof(*a)) != 0)
				continue;
			made.one[i] = made.one[--made.n];
			return;
		}
		return;
	}
	if (made.n == MADE_MAX)
		fatalx("tcp: more than %d addresses and routes", MADE_MAX);
	made.one[made.n].route = route;
	made.one[made.n].ifindex = ifindex;
	made.one[made.n].a = *a;
	made.one[made.n++].plen = plen;
}

/* Add (add 1) or remove an address a/plen on ifindex; -1 and errno. */
int
tcp_nl_addr(struct ipipd *env, unsigned int ifindex, const struct in6_addr *a,
    int plen, int add)
{
	made.nl = env->res.nl;
	/* Our /64 alone: duplicate address detection would only delay it. */
	if (nl_addr6(made.nl, ifindex, a, plen, add,
	    ifindex == env->res.ifindex) == -1)
		return -1;
	made_note(0, ifindex, a, plen, add);
	return 0;
}

int
tcp_nl_route(struct ipipd *env, unsigned int ifindex,
    const struct in6_addr *dst, int plen, int add)
{
	made.nl = env->res.nl;
	if (nl_route6(made.nl, ifindex, dst, plen, add) == -1)
		return -1;
	made_note(1, ifindex, dst, plen, add);
	return 0;
}

/*
 * The TUN device's queue, on a device we made: the kernel's 500 for a
 * TUN device overflows under one TCP stream while the engine writes a
 * batch to the connection (2 % of the packets in t_tcp tests), which
 * 1000, Ethernet's, does not.
 */
void
tcp_nl_txqlen(struct ipipd *env)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;

	if (!env->res.tun_created)
		return;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)env->res.ifindex;
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, TCP_TUN_TXQLEN);
	if (nl_ack(env->res.nl, nlh) == -1)
		log_warn("txqueuelen %u on %s", TCP_TUN_TXQLEN, env->conf.dev);
}

/* atexit: routes first, then addresses; the device may be gone. */
void
tcp_nl_remove_all(void)
{
	int	 i, pass;

	if (made.nl == NULL || getpid() != made.pid)
		return;
	for (pass = 1; pass >= 0; pass--)
		for (i = 0; i < made.n; i++) {
			if (made.one[i].route != pass)
				continue;
			if ((pass ? nl_route6(made.nl, made.one[i].ifindex,
			    &made.one[i].a, made.one[i].plen, 0) :
			    nl_addr6(made.nl, made.one[i].ifindex,
			    &made.one[i].a, made.one[i].plen, 0, 0)) == -1 &&
			    errno != ESRCH && errno != ENODEV &&
			    errno != EADDRNOTAVAIL)
				log_warn("tcp: remove %s", pass ? "route" :
				    "address");
		}
	made.n = 0;
}
