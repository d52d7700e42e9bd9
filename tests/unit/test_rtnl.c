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
 * nl_route_parse on well-formed replies and on the lengths libmnl
 * trusts (a 2 GiB nlmsg_len, an unaligned last message): the fuzzer's
 * regression inputs, as plain tests that make check runs.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "priv.h"

static size_t
put_attr(uint8_t *p, uint16_t type, const void *data, uint16_t len)
{
	struct rtattr	 rta;

	rta.rta_len = (uint16_t)(sizeof(rta) + len);
	rta.rta_type = type;
	memcpy(p, &rta, sizeof(rta));
	memcpy(p + sizeof(rta), data, len);
	return (sizeof(rta) + len + 3) & ~(size_t)3;
}

/* An RTM_NEWROUTE for 198.51.100.2 via ifindex 2 from 192.0.2.1. */
static size_t
route4(uint8_t *buf)
{
	struct nlmsghdr	 nlh;
	struct rtmsg	 rtm;
	struct in_addr	 a;
	uint32_t	 oif = 2;
	size_t		 off = sizeof(nlh);

	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = AF_INET;
	rtm.rtm_dst_len = 32;
	memcpy(buf + off, &rtm, sizeof(rtm));
	off += sizeof(rtm);
	inet_pton(AF_INET, "198.51.100.2", &a);
	off += put_attr(buf + off, RTA_DST, &a, 4);
	inet_pton(AF_INET, "192.0.2.1", &a);
	off += put_attr(buf + off, RTA_PREFSRC, &a, 4);
	off += put_attr(buf + off, RTA_OIF, &oif, 4);
	memset(&nlh, 0, sizeof(nlh));
	nlh.nlmsg_len = (uint32_t)off;
	nlh.nlmsg_type = RTM_NEWROUTE;
	memcpy(buf, &nlh, sizeof(nlh));
	return off;
}

static void
set_len(uint8_t *buf, uint32_t len)
{
	memcpy(buf + offsetof(struct nlmsghdr, nlmsg_len), &len, sizeof(len));
}

static void
test_good(void **state)
{
	uint8_t			 buf[256];
	struct route_info	 ri;
	size_t			 len = route4(buf);

	(void)state;
	assert_int_equal(nl_route_parse(buf, len, 0, 0, AF_INET, &ri), 0);
	assert_int_equal(ri.src.af, AF_INET);
	assert_int_equal(ri.oif, 2);
	assert_int_equal(nl_route_parse(buf, len, 0, 0, AF_INET6, &ri), -1);
}

static void
test_huge_len(void **state)
{
	uint8_t			 buf[256];
	struct route_info	 ri;
	size_t			 len = route4(buf);

	(void)state;
	set_len(buf, 0x80000000u);
	assert_int_equal(nl_route_parse(buf, len, 0, 0, AF_INET, &ri), -1);
	set_len(buf, 0xffffffffu);
	assert_int_equal(nl_route_parse(buf, len, 0, 0, AF_INET, &ri), -1);
	set_len(buf, (uint32_t)len + 4);
	assert_int_equal(nl_route_parse(buf, len, 0, 0, AF_INET, &ri), -1);
	set_len(buf, 15);
	assert_int_equal(nl_route_parse(buf, len, 0, 0, AF_INET, &ri), -1);
}

/* A last message whose aligned length runs past the buffer. */
static void
test_unaligned_tail(void **state)
{
	uint8_t			 buf[256], *exact;
	struct route_info	 ri;
	size_t			 len = route4(buf);

	(void)state;
	set_len(buf, (uint32_t)len - 3);
	if ((exact = malloc(len - 3)) == NULL)
		fail();
	memcpy(exact, buf, len - 3);
	assert_int_equal(nl_route_parse(exact, len - 3, 0, 0, AF_INET, &ri),
	    -1);
	free(exact);
	/* Trailing bytes shorter than a header are malformed too. */
	set_len(buf, (uint32_t)len);
	assert_int_equal(nl_route_parse(buf, len + 4, 0, 0, AF_INET, &ri),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_huge_len),
		cmocka_unit_test(test_unaligned_tail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
