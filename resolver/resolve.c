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

/* One name to a bounded list of addresses, with getaddrinfo(3). */

#include <sys/socket.h>
#include <netinet/in.h>

#include <netdb.h>
#include <string.h>

#include "resolver.h"

static int
answer_has(const struct msg_resolve_answer *ans, const struct tun_addr *a)
{
	uint32_t	 i;

	for (i = 0; i < ans->naddrs; i++)
		if (addr_eq(&ans->addrs[i], a))
			return 1;
	return 0;
}

static void
answer_add(struct msg_resolve_answer *ans, const struct sockaddr *sa,
    socklen_t salen)
{
	struct tun_addr	 a;

	if (ans->naddrs >= RESOLVE_ADDRS_MAX)
		return;
	memset(&a, 0, sizeof(a));
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
		a.af = AF_INET;
		a.u.v4 = ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6 &&
	    salen >= sizeof(struct sockaddr_in6)) {
		a.af = AF_INET6;
		a.u.v6 =
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	} else
		return;
	if (!answer_has(ans, &a))
		ans->addrs[ans->naddrs++] = a;
}

void
resolve_name(const struct msg_resolve *req, struct msg_resolve_answer *ans)
{
	struct addrinfo	 hints, *res, *ai;
	int		 error;

	memset(ans, 0, sizeof(*ans));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = req->af;
	/* One entry per address instead of one per socket type. */
	hints.ai_socktype = SOCK_DGRAM;
	error = getaddrinfo(req->name, NULL, &hints, &res);
	if (error != 0) {
		ans->error = error;
		strlcpy(ans->errstr, gai_strerror(error), sizeof(ans->errstr));
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_addr != NULL &&
		    ai->ai_addrlen >= sizeof(sa_family_t))
			answer_add(ans, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(res);
	if (ans->naddrs == 0) {
		ans->error = EAI_NONAME;
		strlcpy(ans->errstr, gai_strerror(EAI_NONAME),
		    sizeof(ans->errstr));
	}
}
