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

/* Unit tests: inner packets from the TUN device (engine/pkt/inner.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <netinet/in.h>
#include <linux/if_ether.h>

#include <cmocka.h>

#include "ipipd_msg.h"
#include "pkt.h"

#define CARRY_BOTH	(TUN_CARRY_V4 | TUN_CARRY_V6)
#define UNTOUCHED	0xee	/* *ipproto before the call */

static uint8_t	 buf[2048];

/* Name both reasons on failure: a bare number is hard to read. */
#define assert_reason(got, want) do {					\
	enum drop_reason g_ = (got), w_ = (want);			\
	if (g_ != w_)							\
		fail_msg("got %s, want %s", drop_reason_name(g_),	\
		    drop_reason_name(w_));				\
} while (0)

/* A minimal IPv4 packet of len bytes (IHL 5, UDP). */
static uint8_t *
v4(size_t len)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x45;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	buf[8] = 64;
	buf[9] = IPPROTO_UDP;
	return buf;
}

/* A minimal IPv6 packet of len bytes (len >= 40). */
static uint8_t *
v6(size_t len)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x60;
	buf[4] = (uint8_t)((len - 40) >> 8);
	buf[5] = (uint8_t)(len - 40);
	buf[6] = IPPROTO_UDP;
	buf[7] = 64;
	return buf;
}

/* inner_check() that must drop, and must leave *ipproto alone. */
static void
check_drop(const uint8_t *pkt, size_t len, uint16_t pi, uint8_t carry,
    enum drop_reason want)
{
	uint8_t	 proto = UNTOUCHED;

	assert_reason(inner_check(pkt, len, pi, carry, &proto), want);
	assert_int_equal(proto, UNTOUCHED);
}

static void
check_ok(const uint8_t *pkt, size_t len, uint16_t pi, uint8_t carry,
    uint8_t want)
{
	uint8_t	 proto = UNTOUCHED;

	assert_reason(inner_check(pkt, len, pi, carry, &proto), DROP_NONE);
	assert_int_equal(proto, want);
}

static void
test_good_v4(void **state)
{
	(void)state;
	check_ok(v4(20), 20, ETH_P_IP, TUN_CARRY_V4, IPPROTO_IPIP);
	check_ok(v4(20), 20, ETH_P_IP, CARRY_BOTH, IPPROTO_IPIP);
	check_ok(v4(1500), 1500, ETH_P_IP, CARRY_BOTH, 4);
	/* Options: IHL 15 is 60 bytes of header. */
	v4(60)[0] = 0x4f;
	check_ok(buf, 60, ETH_P_IP, TUN_CARRY_V4, IPPROTO_IPIP);
	v4(24)[0] = 0x46;
	check_ok(buf, 24, ETH_P_IP, TUN_CARRY_V4, IPPROTO_IPIP);
}

static void
test_good_v6(void **state)
{
	(void)state;
	check_ok(v6(41), 41, ETH_P_IPV6, TUN_CARRY_V6, IPPROTO_IPV6);
	check_ok(v6(1280), 1280, ETH_P_IPV6, CARRY_BOTH, 41);
	/* Payload length 0 means a jumbogram: refused even at 40 bytes. */
	check_drop(v6(40), 40, ETH_P_IPV6, TUN_CARRY_V6, DROP_TUN_HDR);
	/* Traffic class and flow label bits do not disturb the version. */
	v6(100)[0] = 0x6f;
	buf[1] = 0xff;
	buf[2] = 0xff;
	buf[3] = 0xff;
	check_ok(buf, 100, ETH_P_IPV6, CARRY_BOTH, IPPROTO_IPV6);
}

static void
test_short(void **state)
{
	(void)state;
	check_drop(v4(20), 0, ETH_P_IP, CARRY_BOTH, DROP_TUN_SHORT);
	check_drop(v4(19), 19, ETH_P_IP, CARRY_BOTH, DROP_TUN_SHORT);
	check_drop(v4(20), 19, ETH_P_IP, CARRY_BOTH, DROP_TUN_SHORT);
	check_drop(v6(40), 39, ETH_P_IPV6, CARRY_BOTH, DROP_TUN_SHORT);
	check_drop(v6(40), 0, ETH_P_IPV6, CARRY_BOTH, DROP_TUN_SHORT);
	/* 20 bytes is a whole IPv4 header but not an IPv6 one. */
	check_drop(v4(20), 20, ETH_P_IPV6, CARRY_BOTH, DROP_TUN_SHORT);
}

static void
test_proto(void **state)
{
	(void)state;
	check_drop(v4(20), 20, ETH_P_ARP, CARRY_BOTH, DROP_TUN_PROTO);
	check_drop(v4(20), 20, 0, CARRY_BOTH, DROP_TUN_PROTO);
	check_drop(v6(40), 40, ETH_P_8021Q, CARRY_BOTH, DROP_TUN_PROTO);
	/* MPLS is known, but only carried in mode any or mplsip. */
	check_drop(v6(40), 40, ETH_P_MPLS_UC, CARRY_BOTH, DROP_TUN_MODE);
	check_ok(v6(40), 40, ETH_P_MPLS_UC, TUN_CARRY_MPLS, IPPROTO_MPLS);
	check_drop(v6(40), 3, ETH_P_MPLS_UC, TUN_CARRY_MPLS, DROP_TUN_SHORT);
	/* pi_proto is host order: network-order values are wrong. */
	check_drop(v4(20), 20, 0x0008, CARRY_BOTH, DROP_TUN_PROTO);
	check_drop(v6(40), 40, 0xdd86, CARRY_BOTH, DROP_TUN_PROTO);
	/* An unknown protocol is that, whatever the length. */
	check_drop(v4(20), 0, ETH_P_ARP, CARRY_BOTH, DROP_TUN_PROTO);
}

static void
test_version(void **state)
{
	(void)state;
	/* IPv6 packet labelled IPv4 and the reverse. */
	check_drop(v6(40), 40, ETH_P_IP, CARRY_BOTH, DROP_TUN_VERSION);
	v4(40);
	check_drop(buf, 40, ETH_P_IPV6, CARRY_BOTH, DROP_TUN_VERSION);
	v4(20)[0] = 0x05;
	check_drop(buf, 20, ETH_P_IP, CARRY_BOTH, DROP_TUN_VERSION);
	v4(20)[0] = 0xf5;
	check_drop(buf, 20, ETH_P_IP, CARRY_BOTH, DROP_TUN_VERSION);
	v6(40)[0] = 0x70;
	check_drop(buf, 40, ETH_P_IPV6, CARRY_BOTH, DROP_TUN_VERSION);
	/* Version is checked before the mode. */
	check_drop(v6(40), 40, ETH_P_IP, TUN_CARRY_V6, DROP_TUN_VERSION);
}

static void
test_hdr_v4(void **state)
{
	(void)state;
	v4(20)[0] = 0x44;		/* IHL 4 */
	check_drop(buf, 20, ETH_P_IP, CARRY_BOTH, DROP_TUN_HDR);
	v4(20)[0] = 0x40;		/* IHL 0 */
	check_drop(buf, 20, ETH_P_IP, CARRY_BOTH, DROP_TUN_HDR);
	v4(40)[0] = 0x4f;		/* 60 header bytes in 40 */
	check_drop(buf, 40, ETH_P_IP, CARRY_BOTH, DROP_TUN_HDR);
	v4(24)[0] = 0x46;		/* 24-byte header, read as 23 */
	check_drop(buf, 23, ETH_P_IP, CARRY_BOTH, DROP_TUN_HDR);
	/* Total length must be exactly the read length. */
	check_drop(v4(99), 100, ETH_P_IP, CARRY_BOTH, DROP_TUN_HDR);
	check_drop(v4(101), 100, ETH_P_IP, CARRY_BOTH, DROP_TUN_HDR);
	check_drop(v4(0), 100, ETH_P_IP, CARRY_BOTH, DROP_TUN_HDR);
	check_drop(v4(100 + 256), 100, ETH_P_IP, CARRY_BOTH, DROP_TUN_HDR);
	/* Header errors come before the mode. */
	check_drop(v4(99), 100, ETH_P_IP, TUN_CARRY_V6, DROP_TUN_HDR);
}

static void
test_hdr_v6(void **state)
{
	(void)state;
	check_drop(v6(99), 100, ETH_P_IPV6, CARRY_BOTH, DROP_TUN_HDR);
	check_drop(v6(101), 100, ETH_P_IPV6, CARRY_BOTH, DROP_TUN_HDR);
	check_drop(v6(40 + 256 + 60), 100, ETH_P_IPV6, CARRY_BOTH,
	    DROP_TUN_HDR);
	/* Jumbogram: payload length 0 on a longer packet. */
	check_drop(v6(40), 48, ETH_P_IPV6, CARRY_BOTH, DROP_TUN_HDR);
	check_drop(v6(40), 1280, ETH_P_IPV6, CARRY_BOTH, DROP_TUN_HDR);
	check_drop(v6(99), 100, ETH_P_IPV6, TUN_CARRY_V4, DROP_TUN_HDR);
}

static void
test_mode(void **state)
{
	(void)state;
	check_drop(v4(20), 20, ETH_P_IP, TUN_CARRY_V6, DROP_TUN_MODE);
	check_drop(v4(20), 20, ETH_P_IP, 0, DROP_TUN_MODE);
	check_drop(v6(48), 48, ETH_P_IPV6, TUN_CARRY_V4, DROP_TUN_MODE);
	check_drop(v6(48), 48, ETH_P_IPV6, 0, DROP_TUN_MODE);
	/* Unknown carry bits do not stand in for the right one. */
	check_drop(v4(20), 20, ETH_P_IP, 0xfe, DROP_TUN_MODE);
	check_drop(v6(48), 48, ETH_P_IPV6, 0xfd, DROP_TUN_MODE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_v4),
		cmocka_unit_test(test_good_v6),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_hdr_v4),
		cmocka_unit_test(test_hdr_v6),
		cmocka_unit_test(test_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
