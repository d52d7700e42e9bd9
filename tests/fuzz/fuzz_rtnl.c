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
 * Fuzz target: what the parent believes of the kernel's and the
 * resolver's answers.  nl_route_parse (priv/priv_netlink.c) is fed the
 * bytes of an RTM_GETROUTE reply for both families; the same bytes,
 * as a struct msg_resolve_answer, go through resolve_answer_valid and,
 * when valid, through the parent's whole answer handling, peer_resolved
 * (priv/priv_peer.c), as for a running tunnel: picking a remote from
 * the answer and re-checking its route ask the kernel through a real
 * rtnetlink socket (read-only requests; the TUN MTU is pinned and there
 * is no engine, so nothing is changed).  An invalid answer is what
 * makes peer_resolved exit on purpose, so it is not passed on.
 *
 * Input: byte 0	bit 0: the sequence number and port id are bytes
 *			1-8 (host order), else 0 (libmnl then checks
 *			neither); the rest is the netlink buffer.
 *
 * Checked: on success the route's source is unset (no RTA_PREFSRC: the
 * caller, nl_route_get, refuses that) or of the family asked for;
 * resolve_answer_valid agrees with the checks written out here; after
 * peer_resolved the remote is one of the answer's addresses or the one
 * kept from before, and a resolution is due again later.
 *
 * Regression inputs for the lengths libmnl 1.0.4 trusts (nl_msgs_valid
 * in priv/priv_netlink.c now checks them first):
 * corpus/rtnl/regress-nlmsg-len-2g (nlmsg_len of 2 GiB or more passed
 * mnl_nlmsg_ok's int cast), corpus/rtnl/regress-unaligned-tail
 * (attributes walked up to 3 bytes past an unaligned last message).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "priv.h"
#include "log.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_rtnl: invariant failed at %s:%d: %s\n",\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

static struct mnl_socket	*fuzz_nl;

static void
quiet_sink(int pri, const char *line)
{
	(void)pri;
	(void)line;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_setsink(quiet_sink);
	/* Without rtnetlink only the pure checks are fuzzed. */
	if ((fuzz_nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) != NULL &&
	    mnl_socket_bind(fuzz_nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		mnl_socket_close(fuzz_nl);
		fuzz_nl = NULL;
	}
	return 0;
}

static void
fuzz_route(const uint8_t *buf, size_t len, uint32_t seq, uint32_t portid,
    int af)
{
	static const uint8_t	 zero[sizeof(struct in6_addr)];
	struct route_info	 ri;

	memset(&ri, 0xa5, sizeof(ri));
	if (nl_route_parse(buf, len, seq, portid, af, &ri) == -1)
		return;
	if (ri.src.af == AF_UNSPEC) {
		CHECK(memcmp(&ri.src.u, zero, sizeof(ri.src.u)) == 0);
		return;
	}
	CHECK(ri.src.af == af);
	CHECK(ri.src.af == AF_INET || ri.src.af == AF_INET6);
}

static int
answer_has_addr(const struct msg_resolve_answer *a, const struct tun_addr *t)
{
	uint32_t	 i;

	for (i = 0; i < a->naddrs; i++)
		if (addr_eq(&a->addrs[i], t))
			return 1;
	return 0;
}

/*
 * A running tunnel (engine started but not alive: nothing is pushed)
 * with a pinned MTU (the TUN is never touched) and a current remote on
 * loopback, which the host always routes.  pin picks the family pin.
 */
static void
fuzz_peer(const struct msg_resolve_answer *a, uint8_t pin)
{
	static struct ipipd	 env;
	struct tun_addr		 before;

	if (fuzz_nl == NULL)
		return;
	memset(&env, 0, sizeof(env));
	strlcpy(env.conf.remote, "fuzz.invalid", sizeof(env.conf.remote));
	strlcpy(env.conf.dev, "fuzz0", sizeof(env.conf.dev));
	env.conf.mtu = 1280;
	env.conf.resolve_interval = 60;
	env.conf.af = pin % 3 == 0 ? AF_UNSPEC : pin % 3 == 1 ? AF_INET :
	    AF_INET6;
	env.res.nl = fuzz_nl;
	env.engine_started = 1;
	env.remote.af = AF_INET;
	env.remote.u.v4.s_addr = htonl(INADDR_LOOPBACK);
	env.resolving = 1;
	before = env.remote;

	peer_resolved(&env, a);

	CHECK(env.resolving == 0);
	CHECK(env.resolve_ms != 0);
	CHECK(addr_eq(&env.remote, &before) || answer_has_addr(a,
	    &env.remote));
	if (a->error != 0)
		CHECK(addr_eq(&env.remote, &before) && env.resolve_failing);
}

static void
fuzz_answer(const uint8_t *data, size_t size)
{
	struct msg_resolve_answer	 a;
	uint32_t			 i;
	int				 want;

	memset(&a, 0, sizeof(a));
	memcpy(&a, data, size < sizeof(a) ? size : sizeof(a));
	/* Short inputs: make the interesting fields reachable anyway. */
	if (size < sizeof(a) && size > 0) {
		a.naddrs = data[0] % (RESOLVE_ADDRS_MAX + 2);
		for (i = 0; i < RESOLVE_ADDRS_MAX && 1 + i < size; i++)
			a.addrs[i].af = data[1 + i] & 1 ? AF_INET6 :
			    data[1 + i] & 2 ? AF_INET : data[1 + i];
		if (size > 1 + RESOLVE_ADDRS_MAX)
			a.error = (int8_t)data[1 + RESOLVE_ADDRS_MAX];
	}

	want = a.naddrs <= RESOLVE_ADDRS_MAX &&
	    memchr(a.errstr, '\0', sizeof(a.errstr)) != NULL &&
	    !(a.error == 0 && a.naddrs == 0);
	for (i = 0; want && a.errstr[i] != '\0'; i++)
		if (!isprint((unsigned char)a.errstr[i]))
			want = 0;
	for (i = 0; want && i < a.naddrs; i++)
		if (a.addrs[i].af != AF_INET && a.addrs[i].af != AF_INET6)
			want = 0;
	CHECK(resolve_answer_valid(&a) == want);
	if (want)
		fuzz_peer(&a, size > 0 ? data[size - 1] : 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t	 seq = 0, portid = 0;
	uint8_t		*buf;
	size_t		 skip = 1, len;

	if (size < 1)
		return 0;
	if ((data[0] & 1) && size >= 9) {
		memcpy(&seq, data + 1, 4);
		memcpy(&portid, data + 5, 4);
		skip = 9;
	}
	len = size - skip;
	/* Exact size (ASan sees any read past len), malloc-aligned. */
	if ((buf = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(buf, data + skip, len);
	fuzz_route(buf, len, seq, portid, AF_INET);
	fuzz_route(buf, len, seq, portid, AF_INET6);
	free(buf);

	fuzz_answer(data, size);
	return 0;
}
