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
 * Following the network: a second rtnetlink socket subscribed to link,
 * address and route changes.  Events are not parsed: any of them may
 * change the answer to "how do we reach the remote", so each burst
 * schedules one fresh RTM_GETROUTE a little later (debounced).
 */

#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <fcntl.h>

#include <libmnl/libmnl.h>

#include "priv.h"
#include "log.h"

#define RECHECK_DELAY_MS	100

struct mnl_socket *
rtnl_watch_open(void)
{
	struct mnl_socket	*nl;
	unsigned int		 groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
				    RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
				    RTMGRP_IPV6_ROUTE;

	if ((nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) == NULL)
		fatal("rtnetlink event socket");
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) == -1)
		fatal("rtnetlink event subscription");
	return nl;
}

/* Drain the socket; one check for the whole burst. */
void
rtnl_watch_input(struct ipipd *env)
{
	char	 buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t	 n;

	while ((n = mnl_socket_recvfrom(env->res.nl_events, buf,
	    sizeof(buf))) > 0)
		;
	/* ENOBUFS: events were lost; a check covers them all. */
	if (n == -1 && errno != EAGAIN && errno != ENOBUFS)
		log_warn("rtnetlink events");
	if (env->recheck_ms == 0)
		env->recheck_ms = mono_ms() + RECHECK_DELAY_MS;
}
