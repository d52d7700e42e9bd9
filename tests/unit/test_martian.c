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

/* Unit tests: martian inner sources (engine/pkt/martian.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "pkt.h"

/*
 * martian_src4/6() on an exact-size heap header with source s, so
 * ASan catches a read past the fixed header.  The destination is an
 * ordinary address: a function reading the wrong field fails the
 * martian cases.
 */
static int
m4(const char *s)
{
	struct tun_addr	 a;
	uint8_t		*p;
	int		 r;

	assert_int_equal(addr_parse(s, &a), 0);
	assert_int_equal(a.af, AF_INET);
	p = calloc(1, 20);
	assert_non_null(p);
	p[0] = 0x45;
	p[3] = 20;
	p[8] = 64;
	memcpy(p + 12, &a.u.v4, 4);
	memcpy(p + 16, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	r = martian_src4(p);
	free(p);
	return r;
}

static int
m6(const char *s)
{
	struct tun_addr	 a;
	uint8_t		*p;
	int		 r;

	assert_int_equal(addr_parse(s, &a), 0);
	assert_int_equal(a.af, AF_INET6);
	p = calloc(1, 40);
	assert_non_null(p);
	p[0] = 0x60;
	p[7] = 64;
	memcpy(p + 8, &a.u.v6, 16);
	memcpy(p + 24, (uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1 }, 16);
	r = martian_src6(p);
	free(p);
	return r;
}

#define MARTIAN4(s)	expect(m4(s), 1, s)
#define NORMAL4(s)	expect(m4(s), 0, s)
#define MARTIAN6(s)	expect(m6(s), 1, s)
#define NORMAL6(s)	expect(m6(s), 0, s)

static void
expect(int got, int want, const char *s)
{
	if (got != want)
		fail_msg("%s: %s", s, want ? "accepted" : "refused");
}

static void
test_v4(void **state)
{
	(void)state;
	MARTIAN4("0.0.0.0");
	MARTIAN4("127.0.0.1");
	MARTIAN4("127.0.0.0");
	MARTIAN4("127.255.255.255");
	MARTIAN4("224.0.0.1");
	MARTIAN4("224.0.0.0");
	MARTIAN4("232.1.2.3");
	MARTIAN4("239.255.255.255");
	MARTIAN4("255.255.255.255");

	NORMAL4("192.0.2.1");
	NORMAL4("10.0.0.1");
	NORMAL4("1.1.1.1");
	NORMAL4("126.255.255.255");
	NORMAL4("128.0.0.0");
	NORMAL4("223.255.255.255");
	NORMAL4("169.254.1.1");
	/* Only 0.0.0.0 itself, not the rest of 0/8. */
	NORMAL4("0.0.0.1");
	NORMAL4("0.1.0.0");
	/* Class E is accepted, the limited broadcast is not. */
	NORMAL4("240.0.0.1");
	NORMAL4("255.255.255.254");
	NORMAL4("254.255.255.255");
}

static void
test_v6(void **state)
{
	(void)state;
	MARTIAN6("::");
	MARTIAN6("::1");
	MARTIAN6("ff02::1");
	MARTIAN6("ff05::1:3");
	MARTIAN6("ff0e::1");
	MARTIAN6("ff00::");
	MARTIAN6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* IPv4-compatible ::a.b.c.d */
	MARTIAN6("::192.0.2.1");
	MARTIAN6("::0.0.0.2");
	MARTIAN6("::255.255.255.255");
	/* IPv4-mapped ::ffff:a.b.c.d */
	MARTIAN6("::ffff:192.0.2.1");
	MARTIAN6("::ffff:0.0.0.0");
	MARTIAN6("::ffff:255.255.255.255");

	NORMAL6("2001:db8::1");
	NORMAL6("fe80::1");
	NORMAL6("fd00::1");
	NORMAL6("2002:c000:201::1");		/* 6to4 */
	NORMAL6("64:ff9b::192.0.2.1");		/* NAT64 */
	NORMAL6("fe00::1");
	NORMAL6("feff::1");
	/* Just outside ::/96 and ::ffff:0:0/96. */
	NORMAL6("::1:0:0:0");
	NORMAL6("::1:c000:201");
	NORMAL6("::fffe:c000:201");
	NORMAL6("::1:ffff:c000:201");
	NORMAL6("100::1");
	NORMAL6("8000::1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4),
		cmocka_unit_test(test_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
