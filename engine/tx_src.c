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
 * The outer IPv6 source as IPV6_PKTINFO on every send (issue 8).  The
 * raw IPv6 sockets are unbound and we write the header ourselves, but
 * the kernel still runs IPv6 source address selection (RFC 6724) for
 * each packet's route lookup unless the flow names a source: about 5 %
 * of the engine's time under load.  The header carries the same
 * address, so nothing on the wire changes.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "engine.h"

static union {
	struct cmsghdr	 align;
	uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
} src6;

/* Point m's control data at the outer source (IPv6 outer only). */
void
tx_src_cmsg(struct engine *e, struct msghdr *m)
{
	struct cmsghdr		*c = &src6.align;
	struct in6_pktinfo	 pi;

	if (e->peer.local.af != AF_INET6)
		return;
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_addr = e->peer.local.u.v6;
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	m->msg_control = src6.buf;
	m->msg_controllen = sizeof(src6.buf);
}
