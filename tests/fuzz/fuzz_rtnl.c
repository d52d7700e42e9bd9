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
 * bytes of an RTM_GETROUTE reply for both families; resolve_answer_valid
 * (priv/priv_peer.c) is given a struct msg_resolve_answer made of the
 * same bytes.
 *
 * Input: byte 0	bit 0: the sequence number and port id are bytes
 *			1-8 (host order), else 0 (libmnl then checks
 *			neither); the rest is the netlink buffer.
 *
 * Checked: on success the route's source is unset (no RTA_PREFSRC: the
 * caller, nl_route_get, refuses that) or of the family asked for;
 * resolve_answer_valid agrees with the checks written out here.
 *
 * Known failures, both from libmnl 1.0.4 (Debian 12) trusting lengths
 * that nl_route_parse does not check first:
 *  - mnl_nlmsg_ok() casts nlmsg_len to int, so a message claiming 2 GiB
 *    or more passes as one that fits (netfilter bugzilla 1691, fixed
 *    upstream in 2023, after 1.0.5): route_cb reads past the buffer,
 *    mnl_cb_run then jumps out of it.  corpus/rtnl/regress-nlmsg-len-2g.
 *  - attributes are walked up to MNL_ALIGN(nlmsg_len), so with an
 *    nlmsg_len that is not a multiple of 4 at the end of the buffer an
 *    attribute may run up to 3 bytes past len: route_attr_cb's memcpy of
 *    RTA_PREFSRC reads them.  corpus/rtnl/regress-unaligned-tail.
 * Build with -DFUZZ_RTNL_SKIP_KNOWN (make fuzz FUZZ_DEFS=...) to skip
 * the first kind of input and pad the buffer to a multiple of 4 (as a
 * receive buffer is), to fuzz past them.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipipd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_rtnl: invariant failed at %s:%d: %s\n",\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#ifdef FUZZ_RTNL_SKIP_KNOWN
/* Walk the messages as mnl_cb_run does: any nlmsg_len over INT_MAX? */
static int
huge_nlmsg_len(const uint8_t *buf, size_t len)
{
	size_t		 off = 0;
	uint32_t	 l;

	while (len - off >= 16) {
		memcpy(&l, buf + off, sizeof(l));
		if (l > INT32_MAX)
			return 1;
		if (l < 16 || l > len - off)
			return 0;
		off += ((size_t)l + 3) & ~(size_t)3;
		if (off > len)
			return 0;
	}
	return 0;
}
#endif

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
	for (i = 0; want && i < a.naddrs; i++)
		if (a.addrs[i].af != AF_INET && a.addrs[i].af != AF_INET6)
			want = 0;
	CHECK(resolve_answer_valid(&a) == want);
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
#ifndef FUZZ_RTNL_SKIP_KNOWN
	/* Exact size (ASan sees any read past len), malloc-aligned. */
	if ((buf = malloc(len ? len : 1)) == NULL)
		abort();
#else
	if ((buf = calloc(1, (len + 3) & ~(size_t)3)) == NULL)
		abort();
#endif
	memcpy(buf, data + skip, len);
#ifdef FUZZ_RTNL_SKIP_KNOWN
	if (huge_nlmsg_len(buf, len)) {
		free(buf);
		return 0;
	}
#endif
	fuzz_route(buf, len, seq, portid, AF_INET);
	fuzz_route(buf, len, seq, portid, AF_INET6);
	free(buf);

	fuzz_answer(data, size);
	return 0;
}
