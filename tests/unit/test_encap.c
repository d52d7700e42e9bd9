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

/* Unit tests: outer headers (engine/pkt/encap.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <sys/socket.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "pkt.h"

#define FILL	0xa5	/* what hdr holds before a call */

/*
 * Expected headers, written out by hand.  The IPv4 checksums were
 * computed separately (RFC 1071 over these bytes with the field zero).
 */

/* 4in4: 192.0.2.1 -> 198.51.100.2, ID 0x1234, DF, TTL 64, 84 inner. */
static const uint8_t want_4in4[20] = {
	0x45, 0x00, 0x00, 0x68,		/* v4, IHL 5, TOS 0, total 104 */
	0x12, 0x34, 0x40, 0x00,		/* ID, DF, offset 0 */
	0x40, 0x04, 0x3c, 0x27,		/* TTL 64, proto 4, checksum */
	0xc0, 0x00, 0x02, 0x01,		/* 192.0.2.1 */
	0xc6, 0x33, 0x64, 0x02,		/* 198.51.100.2 */
};

/* The same without DF: the checksum changes by 0x4000. */
static const uint8_t want_4in4_nodf[20] = {
	0x45, 0x00, 0x00, 0x68,
	0x12, 0x34, 0x00, 0x00,
	0x40, 0x04, 0x7c, 0x27,
	0xc0, 0x00, 0x02, 0x01,
	0xc6, 0x33, 0x64, 0x02,
};

/* 6in4: ID 0xbeef, DF, TTL 1, proto 41. */
static const uint8_t want_6in4[20] = {
	0x45, 0x00, 0x00, 0x68,
	0xbe, 0xef, 0x40, 0x00,
	0x01, 0x29, 0xce, 0x46,
	0xc0, 0x00, 0x02, 0x01,
	0xc6, 0x33, 0x64, 0x02,
};

/* 6in6: 2001:db8::1 -> 2001:db8::2, hop limit 64, 1280 inner. */
static const uint8_t want_6in6[40] = {
	0x60, 0x00, 0x00, 0x00,		/* v6, traffic class 0, flow 0 */
	0x05, 0x00, 0x29, 0x40,		/* payload 1280, next 41, hlim 64 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
};

static void
params4(struct encap_params *p, uint8_t df, uint8_t ttl, uint16_t id)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(addr_parse("192.0.2.1", &p->src), 0);
	assert_int_equal(addr_parse("198.51.100.2", &p->dst), 0);
	p->df = df;
	p->ttl = ttl;
	p->ip_id = id;
}

static void
params6(struct encap_params *p, uint8_t ttl)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(addr_parse("2001:db8::1", &p->src), 0);
	assert_int_equal(addr_parse("2001:db8::2", &p->dst), 0);
	p->ttl = ttl;
	p->df = 1;		/* IPv6 has no DF: must not show */
	p->ip_id = 0xffff;	/* nor an ID */
}

static void
test_4in4(void **state)
{
	struct encap_params	 p;
	uint8_t			 buf[64];

	(void)state;
	params4(&p, 1, 64, 0x1234);
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(encap_ipv4(buf, &p, 84, IPPROTO_IPIP), 20);
	assert_memory_equal(buf, want_4in4, 20);
	assert_int_equal(ip_cksum(buf, 20), 0);
	/* Nothing past the header is written. */
	assert_int_equal(buf[20], FILL);
}

static void
test_df_off(void **state)
{
	struct encap_params	 p;
	uint8_t			 buf[20];

	(void)state;
	params4(&p, 0, 64, 0x1234);
	assert_int_equal(encap_ipv4(buf, &p, 84, IPPROTO_IPIP), 20);
	assert_memory_equal(buf, want_4in4_nodf, 20);
	assert_int_equal(ip_cksum(buf, 20), 0);
}

static void
test_6in4_ttl_id(void **state)
{
	struct encap_params	 p;
	uint8_t			 buf[20];

	(void)state;
	params4(&p, 1, 1, 0xbeef);
	assert_int_equal(encap_ipv4(buf, &p, 84, IPPROTO_IPV6), 20);
	assert_memory_equal(buf, want_6in4, 20);
	assert_int_equal(ip_cksum(buf, 20), 0);
}

static void
test_ipv4_fields(void **state)
{
	struct encap_params	 p;
	uint8_t			 buf[20];

	(void)state;
	/* A stale checksum field must not leak into the new checksum. */
	params4(&p, 1, 255, 0x0001);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(encap_ipv4(buf, &p, 0, IPPROTO_IPIP), 20);
	assert_int_equal(buf[2], 0x00);		/* total 20 */
	assert_int_equal(buf[3], 0x14);
	assert_int_equal(buf[4], 0x00);		/* ID, network order */
	assert_int_equal(buf[5], 0x01);
	assert_int_equal(buf[8], 255);
	assert_int_equal(ip_cksum(buf, 20), 0);

	/* Largest: total length 65535. */
	assert_int_equal(encap_ipv4(buf, &p, 65515, IPPROTO_IPIP), 20);
	assert_int_equal(buf[2], 0xff);
	assert_int_equal(buf[3], 0xff);
	assert_int_equal(ip_cksum(buf, 20), 0);
}

static void
test_unaligned(void **state)
{
	struct encap_params	 p;
	uint8_t			 buf[64];
	size_t			 i;

	(void)state;
	for (i = 1; i < 8; i++) {
		params4(&p, 1, 64, 0x1234);
		assert_int_equal(encap_ipv4(buf + i, &p, 84, IPPROTO_IPIP), 20);
		assert_memory_equal(buf + i, want_4in4, 20);
		params6(&p, 64);
		assert_int_equal(encap_ipv6(buf + i, &p, 1280, IPPROTO_IPV6),
		    40);
		assert_memory_equal(buf + i, want_6in6, 40);
	}
}

static void
test_6in6(void **state)
{
	struct encap_params	 p;
	uint8_t			 buf[64];

	(void)state;
	params6(&p, 64);
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(encap_ipv6(buf, &p, 1280, IPPROTO_IPV6), 40);
	assert_memory_equal(buf, want_6in6, 40);
	assert_int_equal(buf[40], FILL);
}

static void
test_4in6(void **state)
{
	struct encap_params	 p;
	uint8_t			 want[40], buf[40];

	(void)state;
	/* Differs from 6in6 in payload length, next header, hop limit. */
	memcpy(want, want_6in6, sizeof(want));
	want[4] = 0x00;
	want[5] = 0x54;
	want[6] = IPPROTO_IPIP;
	want[7] = 1;
	params6(&p, 1);
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(encap_ipv6(buf, &p, 84, IPPROTO_IPIP), 40);
	assert_memory_equal(buf, want, 40);

	/* Largest payload length, and the smallest. */
	assert_int_equal(encap_ipv6(buf, &p, 65535, IPPROTO_IPIP), 40);
	assert_int_equal(buf[4], 0xff);
	assert_int_equal(buf[5], 0xff);
	assert_int_equal(encap_ipv6(buf, &p, 0, IPPROTO_IPIP), 40);
	assert_int_equal(buf[4], 0x00);
	assert_int_equal(buf[5], 0x00);
}

static void
assert_filled(const uint8_t *buf, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		assert_int_equal(buf[i], FILL);
}

static void
test_oversize(void **state)
{
	struct encap_params	 p;
	uint8_t			 buf[40];

	(void)state;
	memset(buf, FILL, sizeof(buf));
	params4(&p, 1, 64, 1);
	assert_int_equal(encap_ipv4(buf, &p, 65516, IPPROTO_IPIP), 0);
	assert_int_equal(encap_ipv4(buf, &p, 65536, IPPROTO_IPIP), 0);
	assert_int_equal(encap_ipv4(buf, &p, 0x10014, IPPROTO_IPIP), 0);
	assert_int_equal(encap_ipv4(buf, &p, SIZE_MAX, IPPROTO_IPIP), 0);
	assert_int_equal(encap_ipv4(buf, &p, SIZE_MAX - 19, IPPROTO_IPIP), 0);
	params6(&p, 64);
	assert_int_equal(encap_ipv6(buf, &p, 65536, IPPROTO_IPV6), 0);
	assert_int_equal(encap_ipv6(buf, &p, SIZE_MAX, IPPROTO_IPV6), 0);
	/* A refused header leaves the buffer alone. */
	assert_filled(buf, sizeof(buf));
}

static void
test_wrong_family(void **state)
{
	struct encap_params	 p;
	struct tun_addr		 a6;
	uint8_t			 buf[40];

	(void)state;
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(addr_parse("2001:db8::9", &a6), 0);

	/* IPv4 outer with IPv6 or no addresses. */
	params4(&p, 1, 64, 1);
	p.src = a6;
	assert_int_equal(encap_ipv4(buf, &p, 84, IPPROTO_IPIP), 0);
	params4(&p, 1, 64, 1);
	p.dst = a6;
	assert_int_equal(encap_ipv4(buf, &p, 84, IPPROTO_IPIP), 0);
	params4(&p, 1, 64, 1);
	memset(&p.dst, 0, sizeof(p.dst));	/* AF_UNSPEC */
	assert_int_equal(encap_ipv4(buf, &p, 84, IPPROTO_IPIP), 0);
	params6(&p, 64);
	assert_int_equal(encap_ipv4(buf, &p, 84, IPPROTO_IPIP), 0);

	/* IPv6 outer with IPv4 or no addresses. */
	params4(&p, 1, 64, 1);
	assert_int_equal(encap_ipv6(buf, &p, 84, IPPROTO_IPV6), 0);
	params6(&p, 64);
	p.src.af = AF_INET;
	assert_int_equal(encap_ipv6(buf, &p, 84, IPPROTO_IPV6), 0);
	params6(&p, 64);
	p.dst.af = AF_UNSPEC;
	assert_int_equal(encap_ipv6(buf, &p, 84, IPPROTO_IPV6), 0);

	assert_filled(buf, sizeof(buf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_4in4),
		cmocka_unit_test(test_df_off),
		cmocka_unit_test(test_6in4_ttl_id),
		cmocka_unit_test(test_ipv4_fields),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_6in6),
		cmocka_unit_test(test_4in6),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_wrong_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
