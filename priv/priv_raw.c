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
 * The raw sockets the engine sends and receives outer packets on: one
 * per outer family and IP protocol, opened here because only the parent
 * holds CAP_NET_RAW, and set up here because the engine may not call
 * setsockopt.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>

#include <errno.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL	36
#endif

#define RAW_RCVBUF	(4 * 1024 * 1024)

static void
raw_setopt(int fd, int level, int opt, int val, const char *what)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) == -1)
		fatal("setsockopt %s", what);
}

int
priv_open_raw(int af, int proto)
{
	int	 fd, bufsz = RAW_RCVBUF;

	fd = socket(af, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (fd == -1)
		fatal("raw IPv%d socket for protocol %d",
		    af == AF_INET ? 4 : 6, proto);
	/*
	 * The engine writes the whole outer header itself, and learns of
	 * ICMP errors about its packets from the error queue (PMTU).
	 */
	if (af == AF_INET) {
		raw_setopt(fd, IPPROTO_IP, IP_HDRINCL, 1, "IP_HDRINCL");
		raw_setopt(fd, IPPROTO_IP, IP_RECVERR, 1, "IP_RECVERR");
	} else {
		raw_setopt(fd, IPPROTO_IPV6, IPV6_HDRINCL, 1, "IPV6_HDRINCL");
		raw_setopt(fd, IPPROTO_IPV6, IPV6_RECVERR, 1, "IPV6_RECVERR");
		/* A raw IPv6 socket strips the header: dst and ECN. */
		raw_setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1,
		    "IPV6_RECVPKTINFO");
		raw_setopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1,
		    "IPV6_RECVTCLASS");
	}
	/* Room for bursts; SO_RCVBUFFORCE ignores rmem_max (NET_ADMIN). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz,
	    sizeof(bufsz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz,
		    sizeof(bufsz));
	return fd;
}
