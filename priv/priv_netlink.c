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
 * rtnetlink through libmnl: which source address and interface the
 * routing table picks for the remote, the outer MTU, and setting the
 * TUN device's MTU and IFF_UP.  Replies are parsed with libmnl's
 * attribute validation; anything malformed is an error, never trusted.
 */

#include <sys/socket.h>

#include <net/if.h>
#include <netinet/ip.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "priv.h"
#include "log.h"

struct mnl_socket *
priv_open_netlink(void)
{
	struct mnl_socket	*nl;

	if ((nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) == NULL)
		fatal("rtnetlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		fatal("rtnetlink bind");
	return nl;
}

/*
 * libmnl 1.0.4 trusts the lengths it walks: mnl_nlmsg_ok() casts
 * nlmsg_len to int (2 GiB or more passes as fitting), and attributes
 * are walked up to MNL_ALIGN(nlmsg_len), up to 3 bytes past a buffer
 * whose last message has an unaligned length.  Check every message
 * header first, in size_t: each at least a header long, and its
 * aligned length within what is left.  The kernel only ever sends such
 * messages, so anything else is malformed.
 */
static int
nl_msgs_valid(const void *buf, size_t len)
{
	const struct nlmsghdr	*nlh;
	size_t			 off = 0, step;

	while (off < len) {
		if (len - off < sizeof(*nlh))
			return 0;
		nlh = (const struct nlmsghdr *)((const char *)buf + off);
		if (nlh->nlmsg_len < sizeof(*nlh))
			return 0;
		step = MNL_ALIGN((size_t)nlh->nlmsg_len);
		if (step > len - off)
			return 0;
		off += step;
	}
	return 1;
}

/* mnl_cb_run on a buffer whose message lengths were checked. */
int
nl_cb_run(const void *buf, size_t len, uint32_t seq, uint32_t portid,
    mnl_cb_t cb, void *arg)
{
	if (!nl_msgs_valid(buf, len)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return mnl_cb_run(buf, len, seq, portid, cb, arg);
}

/* Send one request and feed every reply to cb until the ack or done. */
static int
nl_request(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *arg)
{
	static uint32_t	 seq;
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int	 portid = mnl_socket_get_portid(nl);
	ssize_t		 n;
	int		 ret;

	if (seq == 0)
		seq = (uint32_t)time(NULL);
	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n == -1)
			return -1;
		ret = nl_cb_run(buf, (size_t)n, seq, portid, cb, arg);
	} while (ret > MNL_CB_STOP);
	return ret == MNL_CB_ERROR ? -1 : 0;
}

struct route_parse {
	int			 af;
	struct route_info	*ri;
	int			 found;
};

static int
route_metrics_cb(const struct nlattr *attr, void *data)
{
	uint32_t	*mtu = data;

	if (mnl_attr_get_type(attr) == RTAX_MTU &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*mtu = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int
route_attr_cb(const struct nlattr *attr, void *data)
{
	struct route_parse	*rp = data;
	size_t			 alen = rp->af == AF_INET ? 4 : 16;

	switch (mnl_attr_get_type(attr)) {
	case RTA_PREFSRC:
		if (mnl_attr_get_payload_len(attr) != alen)
			return MNL_CB_ERROR;
		rp->ri->src.af = rp->af;
		memcpy(&rp->ri->src.u, mnl_attr_get_payload(attr), alen);
		break;
	case RTA_OIF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == -1)
			return MNL_CB_ERROR;
		rp->ri->oif = mnl_attr_get_u32(attr);
		break;
	case RTA_METRICS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == -1)
			return MNL_CB_ERROR;
		if (mnl_attr_parse_nested(attr, route_metrics_cb,
		    &rp->ri->mtu) == MNL_CB_ERROR)
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

static int
route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_parse	*rp = data;
	struct rtmsg		*rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != rp->af)
		return MNL_CB_OK;
	rp->ri->type = rtm->rtm_type;
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, rp) ==
	    MNL_CB_ERROR)
		return MNL_CB_ERROR;
	rp->found = 1;
	return MNL_CB_STOP;
}

/*
 * Parse a reply to RTM_GETROUTE for family af: 0 and *ri filled when a
 * route was found, -1 otherwise.  Separate from the socket so the
 * parser can be fed any bytes (tests, fuzzing).
 */
int
nl_route_parse(const void *buf, size_t len, uint32_t seq, uint32_t portid,
    int af, struct route_info *ri)
{
	struct route_parse	 rp = { af, ri, 0 };

	memset(ri, 0, sizeof(*ri));
	if (nl_cb_run(buf, len, seq, portid, route_cb, &rp) == MNL_CB_ERROR ||
	    !rp.found)
		return -1;
	return 0;
}

/*
 * Ask the kernel how it would send to dst (RTM_GETROUTE): source
 * address, outgoing interface, and the MTU (the route's own MTU metric
 * if it has one, else the interface's).  -1 with errno on no route.
 */
int
nl_route_get(struct mnl_socket *nl, const struct tun_addr *dst,
    struct route_info *ri)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct rtmsg		*rtm;
	struct route_parse	 rp = { dst->af, ri, 0 };

	memset(ri, 0, sizeof(*ri));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = dst->af;
	rtm->rtm_dst_len = dst->af == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, dst->af == AF_INET ? 4 : 16, &dst->u);
	if (nl_request(nl, nlh, route_cb, &rp) == -1)
		return -1;
	if (!rp.found || ri->oif == 0 || !addr_is_set(&ri->src)) {
		errno = EHOSTUNREACH;
		return -1;
	}
	if (ri->mtu == 0 && nl_link_mtu(nl, ri->oif, &ri->mtu) == -1)
		return -1;
	/* Loopback's 65536 and the like: no IP packet is larger. */
	if (ri->mtu > IP_MAXPACKET)
		ri->mtu = IP_MAXPACKET;
	return 0;
}

struct addr_search {
	const struct tun_addr	*want;
	int			 found;
};

static int
addr_attr_cb(const struct nlattr *attr, void *data)
{
	struct addr_search	*as = data;
	size_t			 alen = as->want->af == AF_INET ? 4 : 16;
	int			 t = mnl_attr_get_type(attr);

	if ((t == IFA_LOCAL || t == IFA_ADDRESS) &&
	    mnl_attr_get_payload_len(attr) == alen &&
	    memcmp(mnl_attr_get_payload(attr), &as->want->u, alen) == 0)
		as->found = 1;
	return MNL_CB_OK;
}

static int
addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_search	*as = data;
	struct ifaddrmsg	*ifa;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	/* A tentative (DAD) address cannot be a source yet. */
	if (ifa->ifa_family != as->want->af || (ifa->ifa_flags & IFA_F_TENTATIVE))
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, as) ==
	    MNL_CB_ERROR)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/* Is a (configured, non-tentative) address of this host? 1, 0 or -1. */
int
nl_addr_present(struct mnl_socket *nl, const struct tun_addr *a)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;
	struct addr_search	 as = { a, 0 };

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = a->af;
	if (nl_request(nl, nlh, addr_cb, &as) == -1)
		return -1;
	return as.found;
}

static int
link_attr_cb(const struct nlattr *attr, void *data)
{
	uint32_t	*mtu = data;

	if (mnl_attr_get_type(attr) == IFLA_MTU) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == -1)
			return MNL_CB_ERROR;
		*mtu = mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb,
	    data) == MNL_CB_ERROR)
		return MNL_CB_ERROR;
	return MNL_CB_STOP;
}

int
nl_link_mtu(struct mnl_socket *nl, unsigned int ifindex, uint32_t *mtu)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;

	*mtu = 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (nl_request(nl, nlh, link_cb, mtu) == -1)
		return -1;
	if (*mtu == 0) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

/* Set the MTU (when non-zero) and bring the link up (when up). */
int
nl_link_set(struct mnl_socket *nl, unsigned int ifindex, uint32_t mtu,
    int up)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (mtu != 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_request(nl, nlh, NULL, NULL);
}
