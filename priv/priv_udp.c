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
 * The UDP sockets of encap fou|gue, opened and bound here (a port below
 * 1024 needs root, and the engine may not bind or setsockopt): per
 * outer family, one bound to the listen port and, for encap-sport,
 * those bound to the source ports.  Socket options:
 *
 * - IP_RECVERR / IPV6_RECVERR: ICMP errors about our datagrams reach
 *   the engine's error queue reader (PMTU, unreachable), as for raw.
 * - IP_PKTINFO / IPV6_RECVPKTINFO: the destination of each datagram
 *   (checked against the local address), IP_RECVTOS / IPV6_RECVTCLASS:
 *   the outer ECN field for RFC 6040.
 * - IP_MTU_DISCOVER / IPV6_MTU_DISCOVER: "want" with pmtudisc: DF set
 *   on datagrams that fit the path MTU, the kernel fragments the outer
 *   datagram (DF clear) when the engine lets a bigger inner packet
 *   through (inner IPv4 without DF, inner IPv6 of at most 1280 bytes,
 *   RFC 2003 5.1, RFC 2473 7.1); the engine has answered the others
 *   with ICMP already.  "dont" with nopmtudisc: never DF.  The kernel
 *   fragments correctly and keeps the UDP checksum over the whole
 *   datagram; the engine's own fragmentation is only for raw sockets,
 *   where IP_HDRINCL stops the kernel from fragmenting.
 * - UDP_GRO, with offloads on: the kernel may hand over several
 *   datagrams of the peer as one buffer (a UDP_SEGMENT send over veth
 *   arrives so without being cut); the engine splits it by the size in
 *   the UDP_GRO control message (engine/pkt/udp_gro.c).  Never set with
 *   offloads off: the engine then reads one datagram per buffer.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

#define UDP_RCVBUF	(4 * 1024 * 1024)

static void
udp_setopt(int fd, int level, int opt, int val, const char *what)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) == -1)
		fatal("setsockopt %s", what);
}

/* Without it the engine reads one datagram per buffer: slower, no harm. */
static void
udp_gro_on(int fd)
{
	int	 on = 1;

	if (setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) == -1)
		log_warn("setsockopt UDP_GRO");
}

static void
udp_options(int fd, int af, int pmtudisc, int gro)
{
	int	 bufsz = UDP_RCVBUF;

	if (af == AF_INET) {
		udp_setopt(fd, IPPROTO_IP, IP_RECVERR, 1, "IP_RECVERR");
		udp_setopt(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO");
		udp_setopt(fd, IPPROTO_IP, IP_RECVTOS, 1, "IP_RECVTOS");
		udp_setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, pmtudisc ?
		    IP_PMTUDISC_WANT : IP_PMTUDISC_DONT, "IP_MTU_DISCOVER");
	} else {
		udp_setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY");
		udp_setopt(fd, IPPROTO_IPV6, IPV6_RECVERR, 1, "IPV6_RECVERR");
		udp_setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1,
		    "IPV6_RECVPKTINFO");
		udp_setopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1,
		    "IPV6_RECVTCLASS");
		udp_setopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, pmtudisc ?
		    IPV6_PMTUDISC_WANT : IPV6_PMTUDISC_DONT,
		    "IPV6_MTU_DISCOVER");
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz,
	    sizeof(bufsz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz,
		    sizeof(bufsz));
	if (gro)
		udp_gro_on(fd);
}

/* Bound to local (or the wildcard) and port; 0: a port of the kernel's. */
static int
udp_open_one(int af, const struct tun_addr *local, uint16_t port,
    int pmtudisc, int gro, const char *what, uint16_t *bound)
{
	struct sockaddr_in6	 s6;
	struct sockaddr_in	 s4;
	struct sockaddr		*sa;
	socklen_t		 slen;
	char			 buf[ADDR_STRLEN];
	int			 fd;

	fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
	if (fd == -1)
		fatal("UDP IPv%d socket", af == AF_INET ? 4 : 6);
	udp_options(fd, af, pmtudisc, gro);
	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (af == AF_INET) {
		s4.sin_family = AF_INET;
		s4.sin_port = htons(port);
		if (addr_is_set(local))
			s4.sin_addr = local->u.v4;
		sa = (struct sockaddr *)&s4;
		slen = sizeof(s4);
	} else {
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons(port);
		if (addr_is_set(local))
			s6.sin6_addr = local->u.v6;
		sa = (struct sockaddr *)&s6;
		slen = sizeof(s6);
	}
	if (bind(fd, sa, slen) == -1) {
		if (errno == EADDRINUSE)
			fatalx("UDP port %u (%s) is in use on %s", port, what,
			    addr_is_set(local) ? addr_fmt(local, buf,
			    sizeof(buf)) : af == AF_INET ? "0.0.0.0" : "::");
		fatal("bind UDP port %u (%s) on IPv%d", port, what,
		    af == AF_INET ? 4 : 6);
	}
	if (getsockname(fd, sa, &slen) == -1)
		fatal("getsockname");
	*bound = ntohs(af == AF_INET ? s4.sin_port : s6.sin6_port);
	return fd;
}

/* Families to open: the one pinned (-4/-6, mode, local), else both. */
void
priv_open_udp_all(struct ipipd *env)
{
	static const int	 afs[2] = { AF_INET, AF_INET6 };
	const struct ipipd_conf	*c = &env->conf;
	struct priv_res		*r = &env->res;
	int			 a, i, pmtu = (c->flags & CONF_PMTUDISC) != 0;
	int			 gro = r->tun_vnet;	/* offloads on */
	uint16_t		 port;

	r->nsports = conf_udp_sports(c);
	for (a = 0; a < 2; a++)
		for (i = 0; i < 1 + UDP_SPORTS_MAX; i++)
			r->udp[a][i] = -1;
	for (a = 0; a < 2; a++) {
		if (c->af != AF_UNSPEC && c->af != afs[a])
			continue;
		r->udp[a][0] = udp_open_one(afs[a], &c->local,
		    c->listen_port, pmtu, gro, "listen-port",
		    &r->udp_port[a][0]);
		for (i = 0; i < r->nsports; i++) {
			if (c->sport_auto)
				port = c->sport_lo ? c->sport_lo + i : 0;
			else
				port = c->encap_sport;
			r->udp[a][1 + i] = udp_open_one(afs[a], &c->local,
			    (uint16_t)port, pmtu, gro, "encap-sport",
			    &r->udp_port[a][1 + i]);
		}
	}
}

/* SIGHUP may switch pmtudisc: the sockets follow (no privilege needed). */
void
priv_udp_pmtudisc(struct ipipd *env)
{
	int	 a, i, v, pmtu = (env->conf.flags & CONF_PMTUDISC) != 0;

	if (env->conf.encap == ENCAP_NONE)
		return;
	for (a = 0; a < 2; a++) {
		for (i = 0; i < 1 + env->res.nsports; i++) {
			if (env->res.udp[a][i] == -1)
				continue;
			if (a == 0) {
				v = pmtu ? IP_PMTUDISC_WANT : IP_PMTUDISC_DONT;
				if (setsockopt(env->res.udp[a][i], IPPROTO_IP,
				    IP_MTU_DISCOVER, &v, sizeof(v)) == -1)
					log_warn("reload: IP_MTU_DISCOVER");
			} else {
				v = pmtu ? IPV6_PMTUDISC_WANT :
				    IPV6_PMTUDISC_DONT;
				if (setsockopt(env->res.udp[a][i], IPPROTO_IPV6,
				    IPV6_MTU_DISCOVER, &v, sizeof(v)) == -1)
					log_warn("reload: IPV6_MTU_DISCOVER");
			}
		}
	}
}
