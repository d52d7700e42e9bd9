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

/* Unit tests: outer packets from the raw sockets (engine/pkt/decap.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include <cmocka.h>

#include "ipipd_msg.h"
#include "pkt.h"

#define CARRY_BOTH	(TUN_CARRY_V4 | TUN_CARRY_V6)

/* Outer addresses: we are .1 / ::1, the remote end is .2 / ::2. */
#define LOCAL4		"192.0.2.1"
#define REMOTE4		"192.0.2.2"
#define LOCAL6		"2001:db8::1"
#define REMOTE6		"2001:db8::2"

static uint8_t	 buf[2048];

#define assert_reason(got, want) do {					\
	enum drop_reason g_ = (got), w_ = (want);			\
	if (g_ != w_)							\
		fail_msg("got %s, want %s", drop_reason_name(g_),	\
		    drop_reason_name(w_));				\
} while (0)

static struct tun_addr
addr(const char *s)
{
	struct tun_addr	 a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static struct decap_state
state4(uint8_t carry)
{
	struct decap_state	 st;

	memset(&st, 0, sizeof(st));
	st.local = addr(LOCAL4);
	st.remote = addr(REMOTE4);
	st.carry = carry;
	return st;
}

static struct decap_state
state6(uint8_t carry)
{
	struct decap_state	 st;

	memset(&st, 0, sizeof(st));
	st.local = addr(LOCAL6);
	st.remote = addr(REMOTE6);
	st.carry = carry;
	return st;
}

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An inner IPv4 packet of len bytes (IHL 5) at p. */
static void
inner4(uint8_t *p, size_t len)
{
	memset(p, 0x44, len);
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, len);
}

/* An inner IPv6 packet of len bytes (len >= 40) at p. */
static void
inner6(uint8_t *p, size_t len)
{
	memset(p, 0x66, len);
	p[0] = 0x60;
	put16(p + 4, len - 40);
}

/*
 * An outer IPv4 header in buf from REMOTE4 to LOCAL4 with total length
 * 20 + payload; the payload itself is written by the caller at buf + 20.
 */
static void
outer4(uint8_t proto, size_t payload)
{
	memset(buf, 0, 20);
	buf[0] = 0x45;
	put16(buf + 2, 20 + payload);
	buf[6] = 0x40;			/* DF, as Linux sends it */
	buf[8] = 64;
	buf[9] = proto;
	memcpy(buf + 12, (uint8_t[]){ 192, 0, 2, 2 }, 4);
	memcpy(buf + 16, (uint8_t[]){ 192, 0, 2, 1 }, 4);
}

/* A whole 4in4 or 6in4 datagram of 20 + inner_len bytes in buf. */
static size_t
pkt4(uint8_t proto, size_t inner_len)
{
	outer4(proto, inner_len);
	if (proto == IPPROTO_IPV6)
		inner6(buf + 20, inner_len);
	else
		inner4(buf + 20, inner_len);
	return 20 + inner_len;
}

/* decap_ipv4() that must drop, and must leave *res alone. */
static void
drop4(const struct decap_state *st, size_t len, enum drop_reason want)
{
	struct decap_result	 res;

	memset(&res, 0xee, sizeof(res));
	assert_reason(decap_ipv4(st, buf, len, &res), want);
	assert_int_equal(res.off, (size_t)0xeeeeeeeeeeeeeeeeULL);
	assert_int_equal(res.len, (size_t)0xeeeeeeeeeeeeeeeeULL);
	assert_int_equal(res.pi_proto, 0xeeee);
}

static void
ok4(const struct decap_state *st, size_t len, size_t off, size_t ilen,
    uint16_t pi)
{
	struct decap_result	 res;

	memset(&res, 0xee, sizeof(res));
	assert_reason(decap_ipv4(st, buf, len, &res), DROP_NONE);
	assert_int_equal(res.off, off);
	assert_int_equal(res.len, ilen);
	assert_int_equal(res.pi_proto, pi);
}

/* decap_ipv6() of the payload in buf, from REMOTE6 to LOCAL6. */
static void
drop6(const struct decap_state *st, uint8_t proto, size_t len,
    enum drop_reason want)
{
	struct decap_result	 res;
	struct tun_addr		 src = addr(REMOTE6), dst = addr(LOCAL6);

	memset(&res, 0xee, sizeof(res));
	assert_reason(decap_ipv6(st, &src, &dst, proto, buf, len, &res),
	    want);
	assert_int_equal(res.off, (size_t)0xeeeeeeeeeeeeeeeeULL);
	assert_int_equal(res.len, (size_t)0xeeeeeeeeeeeeeeeeULL);
	assert_int_equal(res.pi_proto, 0xeeee);
}

static void
ok6(const struct decap_state *st, uint8_t proto, size_t len, size_t ilen,
    uint16_t pi)
{
	struct decap_result	 res;
	struct tun_addr		 src = addr(REMOTE6), dst = addr(LOCAL6);

	memset(&res, 0xee, sizeof(res));
	assert_reason(decap_ipv6(st, &src, &dst, proto, buf, len, &res),
	    DROP_NONE);
	assert_int_equal(res.off, 0);
	assert_int_equal(res.len, ilen);
	assert_int_equal(res.pi_proto, pi);
}

static void
test_accept_ipv4_outer(void **state)
{
	struct decap_state	 st = state4(CARRY_BOTH);

	(void)state;
	ok4(&st, pkt4(IPPROTO_IPIP, 84), 20, 84, ETH_P_IP);
	ok4(&st, pkt4(IPPROTO_IPV6, 100), 20, 100, ETH_P_IPV6);
	ok4(&st, pkt4(IPPROTO_IPIP, 20), 20, 20, 0x0800);
	ok4(&st, pkt4(IPPROTO_IPV6, 41), 20, 41, 0x86dd);
	/* Without DF too. */
	pkt4(IPPROTO_IPIP, 84);
	buf[6] = 0;
	ok4(&st, 104, 20, 84, ETH_P_IP);
	/* Single-family modes accept their own family. */
	st.carry = TUN_CARRY_V4;
	ok4(&st, pkt4(IPPROTO_IPIP, 84), 20, 84, ETH_P_IP);
	st.carry = TUN_CARRY_V6;
	ok4(&st, pkt4(IPPROTO_IPV6, 84), 20, 84, ETH_P_IPV6);
}

static void
test_accept_outer_options(void **state)
{
	struct decap_state	 st = state4(CARRY_BOTH);

	(void)state;
	/* IHL 6: the inner packet starts at 24. */
	outer4(IPPROTO_IPIP, 4 + 84);
	buf[0] = 0x46;
	memset(buf + 20, 0x01, 4);	/* NOP options */
	inner4(buf + 24, 84);
	ok4(&st, 24 + 84, 24, 84, ETH_P_IP);

	/* IHL 15, the largest. */
	outer4(IPPROTO_IPV6, 40 + 60);
	buf[0] = 0x4f;
	memset(buf + 20, 0x01, 40);
	inner6(buf + 60, 60);
	ok4(&st, 60 + 60, 60, 60, ETH_P_IPV6);
}

static void
test_accept_ipv6_outer(void **state)
{
	struct decap_state	 st = state6(CARRY_BOTH);

	(void)state;
	inner4(buf, 84);
	ok6(&st, IPPROTO_IPIP, 84, 84, ETH_P_IP);
	inner6(buf, 1280);
	ok6(&st, IPPROTO_IPV6, 1280, 1280, ETH_P_IPV6);
	inner4(buf, 20);
	ok6(&st, IPPROTO_IPIP, 20, 20, ETH_P_IP);
	inner6(buf, 41);
	ok6(&st, IPPROTO_IPV6, 41, 41, ETH_P_IPV6);
}

static void
test_trim_padding(void **state)
{
	struct decap_state	 st4 = state4(CARRY_BOTH);
	struct decap_state	 st6 = state6(CARRY_BOTH);

	(void)state;
	/* Inner 46 bytes in an outer payload of 60: 14 bytes padding. */
	outer4(IPPROTO_IPIP, 60);
	inner4(buf + 20, 46);
	ok4(&st4, 80, 20, 46, ETH_P_IP);
	outer4(IPPROTO_IPV6, 60);
	inner6(buf + 20, 46);
	ok4(&st4, 80, 20, 46, ETH_P_IPV6);

	/* Bytes read past the outer total length are not payload. */
	pkt4(IPPROTO_IPIP, 84);
	ok4(&st4, 104 + 30, 20, 84, ETH_P_IP);

	inner4(buf, 46);
	ok6(&st6, IPPROTO_IPIP, 60, 46, ETH_P_IP);
	inner6(buf, 46);
	ok6(&st6, IPPROTO_IPV6, 60, 46, ETH_P_IPV6);
}

static void
test_nopeer(void **state)
{
	struct decap_state	 st;

	(void)state;
	pkt4(IPPROTO_IPIP, 84);
	memset(&st, 0, sizeof(st));
	st.carry = CARRY_BOTH;
	drop4(&st, 104, DROP_NET_NOPEER);
	st = state4(CARRY_BOTH);
	memset(&st.local, 0, sizeof(st.local));
	drop4(&st, 104, DROP_NET_NOPEER);
	st = state4(CARRY_BOTH);
	memset(&st.remote, 0, sizeof(st.remote));
	drop4(&st, 104, DROP_NET_NOPEER);
	/* IPv6 endpoints do not match an IPv4 outer packet, and back. */
	st = state6(CARRY_BOTH);
	drop4(&st, 104, DROP_NET_NOPEER);
	st = state4(CARRY_BOTH);
	st.remote = addr(REMOTE6);
	drop4(&st, 104, DROP_NET_NOPEER);
	/* No peer is reported before anything about the packet. */
	st = state6(CARRY_BOTH);
	drop4(&st, 0, DROP_NET_NOPEER);

	inner4(buf, 84);
	st = state4(CARRY_BOTH);
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_NOPEER);
	st = state6(CARRY_BOTH);
	memset(&st.local, 0, sizeof(st.local));
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_NOPEER);
	st = state6(CARRY_BOTH);
	memset(&st.remote, 0, sizeof(st.remote));
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_NOPEER);
	st = state6(CARRY_BOTH);
	st.local = addr(LOCAL4);
	drop6(&st, 99, 0, DROP_NET_NOPEER);
}

static void
test_outer_short(void **state)
{
	struct decap_state	 st = state4(CARRY_BOTH);

	(void)state;
	pkt4(IPPROTO_IPIP, 84);
	drop4(&st, 0, DROP_NET_SHORT);
	drop4(&st, 1, DROP_NET_SHORT);
	drop4(&st, 19, DROP_NET_SHORT);
}

static void
test_outer_hdr(void **state)
{
	struct decap_state	 st = state4(CARRY_BOTH);

	(void)state;
	pkt4(IPPROTO_IPIP, 84);
	buf[0] = 0x65;				/* version 6 */
	drop4(&st, 104, DROP_NET_OUTER_HDR);
	pkt4(IPPROTO_IPIP, 84);
	buf[0] = 0x44;				/* IHL 4 */
	drop4(&st, 104, DROP_NET_OUTER_HDR);
	pkt4(IPPROTO_IPIP, 84);
	buf[0] = 0x40;				/* IHL 0 */
	drop4(&st, 104, DROP_NET_OUTER_HDR);

	/* IHL too big: 60 header bytes, 40 read. */
	pkt4(IPPROTO_IPIP, 20);
	buf[0] = 0x4f;
	drop4(&st, 40, DROP_NET_OUTER_HDR);
	/* IHL fits the read but not the total length. */
	pkt4(IPPROTO_IPIP, 20);
	buf[0] = 0x4f;
	drop4(&st, 64, DROP_NET_OUTER_HDR);

	/* Total length below the header, or beyond what was read. */
	pkt4(IPPROTO_IPIP, 84);
	put16(buf + 2, 19);
	drop4(&st, 104, DROP_NET_OUTER_HDR);
	put16(buf + 2, 0);
	drop4(&st, 104, DROP_NET_OUTER_HDR);
	put16(buf + 2, 105);
	drop4(&st, 104, DROP_NET_OUTER_HDR);
	put16(buf + 2, 104);
	drop4(&st, 103, DROP_NET_OUTER_HDR);
}

static void
test_outer_fragment(void **state)
{
	struct decap_state	 st = state4(CARRY_BOTH);
	static const uint16_t	 frag[] = {
		0x2000,		/* MF: first fragment */
		0x6000,		/* DF | MF */
		0x0001,		/* offset 8 */
		0x1fff,		/* largest offset */
		0x20b9,		/* MF and an offset */
		0x4001,		/* DF and an offset */
	};
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
		pkt4(IPPROTO_IPIP, 84);
		put16(buf + 6, frag[i]);
		drop4(&st, 104, DROP_NET_OUTER_HDR);
	}
}

static void
test_src_dst(void **state)
{
	struct decap_state	 st = state4(CARRY_BOTH);
	struct tun_addr		 src, dst, other;

	(void)state;
	pkt4(IPPROTO_IPIP, 84);
	buf[15] = 3;				/* from 192.0.2.3 */
	drop4(&st, 104, DROP_NET_SRC);
	pkt4(IPPROTO_IPIP, 84);
	buf[12] = 193;				/* first byte counts too */
	drop4(&st, 104, DROP_NET_SRC);
	pkt4(IPPROTO_IPIP, 84);
	buf[19] = 3;				/* to 192.0.2.3 */
	drop4(&st, 104, DROP_NET_DST);
	/* Swapped: the source is checked first. */
	pkt4(IPPROTO_IPIP, 84);
	memcpy(buf + 12, (uint8_t[]){ 192, 0, 2, 1, 192, 0, 2, 2 }, 8);
	drop4(&st, 104, DROP_NET_SRC);
	/* Address checks come before the protocol. */
	pkt4(17, 84);
	buf[19] = 3;
	drop4(&st, 104, DROP_NET_DST);

	st = state6(CARRY_BOTH);
	inner4(buf, 84);
	src = addr(REMOTE6);
	dst = addr(LOCAL6);
	other = addr("2001:db8::3");
	assert_reason(decap_ipv6(&st, &other, &dst, IPPROTO_IPIP, buf, 84,
	    &(struct decap_result){ 0 }), DROP_NET_SRC);
	assert_reason(decap_ipv6(&st, &src, &other, IPPROTO_IPIP, buf, 84,
	    &(struct decap_result){ 0 }), DROP_NET_DST);
	assert_reason(decap_ipv6(&st, &dst, &src, IPPROTO_IPIP, buf, 84,
	    &(struct decap_result){ 0 }), DROP_NET_SRC);
	/* A source of the wrong family is not the remote. */
	other = addr(REMOTE4);
	assert_reason(decap_ipv6(&st, &other, &dst, IPPROTO_IPIP, buf, 84,
	    &(struct decap_result){ 0 }), DROP_NET_SRC);
	assert_reason(decap_ipv6(&st, &src, &other, 17, buf, 84,
	    &(struct decap_result){ 0 }), DROP_NET_DST);
}

static void
test_proto(void **state)
{
	struct decap_state	 st4 = state4(CARRY_BOTH);
	struct decap_state	 st6 = state6(CARRY_BOTH);
	static const uint8_t	 bad[] = { 0, 6, 17, 47, 58, 136, 255 };
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad); i++) {
		pkt4(bad[i], 84);
		drop4(&st4, 104, DROP_NET_PROTO);
		inner4(buf, 84);
		drop6(&st6, bad[i], 84, DROP_NET_PROTO);
	}
	/* The protocol is checked before the inner packet. */
	drop6(&st6, 17, 0, DROP_NET_PROTO);
	/* MPLS (137) is a protocol of its own: refused unless carried. */
	pkt4(IPPROTO_MPLS, 84);
	drop4(&st4, 104, DROP_NET_MODE);
}

/* RFC 4023: protocol 137 carries a label stack, written as MPLS. */
static void
test_mpls(void **state)
{
	struct decap_state	 st4 = state4(TUN_CARRY_MPLS);
	struct decap_result	 res;

	(void)state;
	pkt4(IPPROTO_MPLS, 84);
	assert_reason(decap_ipv4(&st4, buf, 104, &res), DROP_NONE);
	assert_int_equal(res.off, 20);
	assert_int_equal(res.len, 84);
	assert_int_equal(res.pi_proto, ETH_P_MPLS_UC);
	/* Shorter than one label stack entry. */
	pkt4(IPPROTO_MPLS, 3);
	drop4(&st4, 23, DROP_NET_SHORT);
}

static void
test_inner_version(void **state)
{
	struct decap_state	 st4 = state4(CARRY_BOTH);
	struct decap_state	 st6 = state6(CARRY_BOTH);

	(void)state;
	/* IPv6 inner under protocol 4, IPv4 inner under protocol 41. */
	outer4(IPPROTO_IPIP, 84);
	inner6(buf + 20, 84);
	drop4(&st4, 104, DROP_NET_VERSION);
	outer4(IPPROTO_IPV6, 84);
	inner4(buf + 20, 84);
	drop4(&st4, 104, DROP_NET_VERSION);
	inner6(buf, 84);
	drop6(&st6, IPPROTO_IPIP, 84, DROP_NET_VERSION);
	inner4(buf, 84);
	drop6(&st6, IPPROTO_IPV6, 84, DROP_NET_VERSION);
	/* Other versions. */
	inner4(buf, 84);
	buf[0] = 0x05;
	drop6(&st6, IPPROTO_IPIP, 84, DROP_NET_VERSION);
	buf[0] = 0xf0;
	drop6(&st6, IPPROTO_IPV6, 84, DROP_NET_VERSION);
	/* The version shows from the first byte, before the length. */
	inner6(buf, 40);
	drop6(&st6, IPPROTO_IPIP, 1, DROP_NET_VERSION);
	/* Version is checked before the mode. */
	st6.carry = TUN_CARRY_V6;
	inner6(buf, 84);
	drop6(&st6, IPPROTO_IPIP, 84, DROP_NET_VERSION);
}

static void
test_inner_short(void **state)
{
	struct decap_state	 st4 = state4(CARRY_BOTH);
	struct decap_state	 st6 = state6(CARRY_BOTH);

	(void)state;
	/* The outer total length bounds the inner packet. */
	pkt4(IPPROTO_IPIP, 19);
	drop4(&st4, 39, DROP_NET_SHORT);
	pkt4(IPPROTO_IPIP, 84);
	put16(buf + 2, 39);
	drop4(&st4, 104, DROP_NET_SHORT);
	pkt4(IPPROTO_IPV6, 84);
	put16(buf + 2, 59);
	drop4(&st4, 104, DROP_NET_SHORT);
	/* No inner bytes at all. */
	pkt4(IPPROTO_IPIP, 84);
	put16(buf + 2, 20);
	drop4(&st4, 104, DROP_NET_SHORT);

	inner4(buf, 84);
	drop6(&st6, IPPROTO_IPIP, 19, DROP_NET_SHORT);
	drop6(&st6, IPPROTO_IPIP, 0, DROP_NET_SHORT);
	inner6(buf, 84);
	drop6(&st6, IPPROTO_IPV6, 39, DROP_NET_SHORT);
	drop6(&st6, IPPROTO_IPV6, 1, DROP_NET_SHORT);
	drop6(&st6, IPPROTO_IPV6, 0, DROP_NET_SHORT);
	/* Empty is short, whatever lies past the end of it. */
	inner4(buf, 84);
	drop6(&st6, IPPROTO_IPV6, 0, DROP_NET_SHORT);
	inner6(buf, 84);
	drop6(&st6, IPPROTO_IPIP, 0, DROP_NET_SHORT);
	pkt4(IPPROTO_IPV6, 84);
	inner4(buf + 20, 84);
	put16(buf + 2, 20);
	drop4(&st4, 104, DROP_NET_SHORT);
}

static void
test_inner_hdr4(void **state)
{
	struct decap_state	 st = state6(CARRY_BOTH);
	struct decap_state	 st4 = state4(CARRY_BOTH);

	(void)state;
	inner4(buf, 84);
	buf[0] = 0x44;				/* IHL 4 */
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_INNER_HDR);
	buf[0] = 0x40;				/* IHL 0 */
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_INNER_HDR);
	/* IHL beyond the inner total length. */
	inner4(buf, 20);
	buf[0] = 0x46;
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_INNER_HDR);
	inner4(buf, 40);
	buf[0] = 0x4f;
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_INNER_HDR);
	/* Inner total length below 20 or beyond what is there. */
	inner4(buf, 84);
	put16(buf + 2, 19);
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_INNER_HDR);
	put16(buf + 2, 0);
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_INNER_HDR);
	put16(buf + 2, 85);
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_INNER_HDR);
	put16(buf + 2, 0xffff);
	drop6(&st, IPPROTO_IPIP, 84, DROP_NET_INNER_HDR);

	/* Beyond the outer total length, though within the bytes read. */
	outer4(IPPROTO_IPIP, 60);
	inner4(buf + 20, 80);
	drop4(&st4, 100, DROP_NET_INNER_HDR);
	/* Header errors come before the mode. */
	st4.carry = TUN_CARRY_V6;
	drop4(&st4, 100, DROP_NET_INNER_HDR);
}

static void
test_inner_hdr6(void **state)
{
	struct decap_state	 st = state6(CARRY_BOTH);
	struct decap_state	 st4 = state4(CARRY_BOTH);

	(void)state;
	inner6(buf, 85);
	drop6(&st, IPPROTO_IPV6, 84, DROP_NET_INNER_HDR);
	inner6(buf, 40 + 0x100 + 44);
	drop6(&st, IPPROTO_IPV6, 84, DROP_NET_INNER_HDR);
	/* Payload length 0: a jumbogram, or an empty packet; refused. */
	inner6(buf, 40);
	drop6(&st, IPPROTO_IPV6, 84, DROP_NET_INNER_HDR);
	drop6(&st, IPPROTO_IPV6, 40, DROP_NET_INNER_HDR);

	outer4(IPPROTO_IPV6, 60);
	inner6(buf + 20, 80);
	drop4(&st4, 100, DROP_NET_INNER_HDR);
	outer4(IPPROTO_IPV6, 84);
	inner6(buf + 20, 40);
	drop4(&st4, 104, DROP_NET_INNER_HDR);
}

static void
test_mode(void **state)
{
	struct decap_state	 st4 = state4(TUN_CARRY_V6);
	struct decap_state	 st6 = state6(TUN_CARRY_V6);

	(void)state;
	drop4(&st4, pkt4(IPPROTO_IPIP, 84), DROP_NET_MODE);
	inner4(buf, 84);
	drop6(&st6, IPPROTO_IPIP, 84, DROP_NET_MODE);

	st4.carry = TUN_CARRY_V4;
	st6.carry = TUN_CARRY_V4;
	drop4(&st4, pkt4(IPPROTO_IPV6, 84), DROP_NET_MODE);
	inner6(buf, 84);
	drop6(&st6, IPPROTO_IPV6, 84, DROP_NET_MODE);

	st4.carry = 0;
	st6.carry = 0xfc;			/* no known bit */
	drop4(&st4, pkt4(IPPROTO_IPIP, 84), DROP_NET_MODE);
	drop4(&st4, pkt4(IPPROTO_IPV6, 84), DROP_NET_MODE);
	inner4(buf, 84);
	drop6(&st6, IPPROTO_IPIP, 84, DROP_NET_MODE);
}

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/*
 * Check one accepted result against the input.  Each input sits in its
 * own allocation of exactly len bytes, so under ASan a read past the
 * end fails the run too.
 */
static void
check_result(const uint8_t *p, size_t len, size_t off_min, size_t off_max,
    const struct decap_result *res)
{
	assert_true(res->off >= off_min && res->off <= off_max);
	assert_true(res->off <= len && res->len <= len - res->off);
	switch (res->pi_proto) {
	case ETH_P_IP:
		assert_true(res->len >= 20);
		assert_int_equal(p[res->off] >> 4, 4);
		break;
	case ETH_P_IPV6:
		assert_true(res->len > 40);
		assert_int_equal(p[res->off] >> 4, 6);
		break;
	default:
		fail_msg("pi_proto 0x%04x", res->pi_proto);
	}
}

static void
test_random(void **state)
{
	struct decap_state	 st4 = state4(CARRY_BOTH);
	struct decap_state	 st6 = state6(CARRY_BOTH);
	struct decap_result	 res;
	struct tun_addr		 src = addr(REMOTE6), dst = addr(LOCAL6);
	uint64_t		 seed = 0x1f2e3d4c5b6a7988ULL, r;
	unsigned int		 i, j, nflip, accepted = 0, dropped = 0;
	uint8_t			*a, *p, proto;
	size_t			 len;

	(void)state;
	for (i = 0; i < 100000; i++) {
		r = rnd(&seed);
		proto = (r & 1) ? IPPROTO_IPV6 : IPPROTO_IPIP;
		len = (size_t)(rnd(&seed) % 201);

		/* Mostly valid packets with a few bytes flipped, some noise. */
		memset(buf, 0, 256);
		if ((r >> 1) % 8 == 0) {
			for (j = 0; j < 200; j++)
				buf[j] = (uint8_t)rnd(&seed);
		} else if ((r >> 4) & 1)
			(void)pkt4(proto, 41 + (rnd(&seed) % 160));
		else if (proto == IPPROTO_IPV6)
			inner6(buf, 41 + (rnd(&seed) % 160));
		else
			inner4(buf, 20 + (rnd(&seed) % 180));
		nflip = (unsigned int)(rnd(&seed) % 4);
		for (j = 0; j < nflip; j++) {
			r = rnd(&seed);
			buf[r % 64] ^= (uint8_t)(1 << ((r >> 8) % 8));
		}

		/*
		 * ASan's malloc(0) has one readable byte: an empty input
		 * is the end of a 1-byte block instead, so any read shows.
		 */
		a = malloc(len ? len : 1);
		assert_non_null(a);
		p = len ? a : a + 1;
		memcpy(p, buf, len);
		if (decap_ipv4(&st4, p, len, &res) == DROP_NONE) {
			check_result(p, len, 20, 60, &res);
			accepted++;
		} else
			dropped++;
		if (decap_ipv6(&st6, &src, &dst, proto, p, len, &res) ==
		    DROP_NONE) {
			check_result(p, len, 0, 0, &res);
			accepted++;
		} else
			dropped++;
		free(a);
	}
	/* Both outcomes must be common, or the loop tests nothing. */
	print_message("random: %u accepted, %u dropped\n", accepted, dropped);
	assert_true(accepted > 10000);
	assert_true(dropped > 10000);
}

static void
test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(drop_reason_name(DROP_NONE), "none");
	assert_string_equal(drop_reason_name(DROP_TUN_SHORT), "tun-short");
	assert_string_equal(drop_reason_name(DROP_NET_SHORT), "net-short");
	assert_string_equal(drop_reason_name(DROP_NET_OUTER_HDR),
	    "net-outer-hdr");
	assert_string_equal(drop_reason_name(DROP_NET_SRC), "net-src");
	assert_string_equal(drop_reason_name(DROP_NET_DST), "net-dst");
	assert_string_equal(drop_reason_name(DROP_NET_PROTO), "net-proto");
	assert_string_equal(drop_reason_name(DROP_NET_VERSION),
	    "net-version");
	assert_string_equal(drop_reason_name(DROP_NET_INNER_HDR),
	    "net-inner-hdr");
	assert_string_equal(drop_reason_name(DROP_NET_MODE), "net-mode");
	assert_string_equal(drop_reason_name(DROP_NET_NOPEER), "net-nopeer");
	assert_string_equal(drop_reason_name(DROP_MAX), "unknown");
	assert_string_equal(drop_reason_name((enum drop_reason)-1), "unknown");
	assert_string_equal(drop_reason_name((enum drop_reason)1000),
	    "unknown");
}

static void
test_reason_names_unique(void **state)
{
	int	 i, j;

	(void)state;
	for (i = 0; i < DROP_MAX; i++) {
		assert_string_not_equal(drop_reason_name(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(drop_reason_name(i),
			    drop_reason_name(j));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_ipv4_outer),
		cmocka_unit_test(test_accept_outer_options),
		cmocka_unit_test(test_accept_ipv6_outer),
		cmocka_unit_test(test_trim_padding),
		cmocka_unit_test(test_nopeer),
		cmocka_unit_test(test_outer_short),
		cmocka_unit_test(test_outer_hdr),
		cmocka_unit_test(test_outer_fragment),
		cmocka_unit_test(test_src_dst),
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_mpls),
		cmocka_unit_test(test_inner_version),
		cmocka_unit_test(test_inner_short),
		cmocka_unit_test(test_inner_hdr4),
		cmocka_unit_test(test_inner_hdr6),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_reason_names_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
