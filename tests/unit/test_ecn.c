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

/* Unit tests: RFC 6040 ECN, inner TOS/TTL (engine/pkt/ecn.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pkt.h"

#define DROP	-1

/*
 * RFC 6040 section 4.2, Figure 4, copied by hand: the inner ECN field
 * after decapsulation, indexed [inner][outer] by codepoint value
 * (0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE).
 */
static const int table[4][4] = {
	/* outer:    Not-ECT  ECT(1)  ECT(0)  CE */
	/* Not-ECT */ { 0,      0,      0,      DROP },
	/* ECT(1)  */ { 1,      1,      1,      3 },
	/* ECT(0)  */ { 2,      1,      2,      3 },
	/* CE      */ { 3,      3,      3,      3 },
};

#define assert_reason(got, want) do {					\
	enum drop_reason g_ = (got), w_ = (want);			\
	if (g_ != w_)							\
		fail_msg("got %s, want %s", drop_reason_name(g_),	\
		    drop_reason_name(w_));				\
} while (0)

/* RFC 1071 by hand: big-endian 16-bit words, end-around carry. */
static uint16_t
sum16(const uint8_t *p, size_t n)
{
	uint32_t	 s = 0;
	size_t		 i;

	for (i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* IPv4 header (+ options) of hlen bytes, DSCP EF, the given ECN, id. */
static void
hdr4(uint8_t *p, size_t hlen, uint8_t ecn, uint16_t id)
{
	uint16_t	 c;
	size_t		 i;

	memset(p, 0, hlen);
	p[0] = (uint8_t)(0x40 | hlen / 4);
	p[1] = 0xb8 | ecn;
	p[3] = (uint8_t)hlen;
	p[4] = (uint8_t)(id >> 8);
	p[5] = (uint8_t)id;
	p[8] = 17;
	p[9] = 6;
	memcpy(p + 12, (uint8_t[]){ 10, 1, 2, 3, 172, 16, 9, 8 }, 8);
	for (i = 20; i < hlen; i++)
		p[i] = 1;			/* NOP options */
	c = sum16(p, hlen);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
}

/* IPv6 header: traffic class DSCP EF + ecn, flow label 0xfedcb. */
static void
hdr6(uint8_t *p, uint8_t ecn)
{
	memset(p, 0, 40);
	p[0] = 0x6b;
	p[1] = (uint8_t)(0x80 | ecn << 4 | 0x0f);
	p[2] = 0xed;
	p[3] = 0xcb;
	p[6] = 17;
	p[7] = 9;
	p[8] = 0x20;
	p[23] = 1;
}

static void
check4(size_t hlen, uint8_t in, uint8_t outer, uint16_t id)
{
	uint8_t			 p[64], before[64];
	enum drop_reason	 r;
	int			 w = table[in][outer];

	hdr4(p, hlen, in, id);
	memcpy(before, p, hlen);
	r = ecn_decap(p, hlen, outer);
	if (w == DROP) {
		assert_reason(r, DROP_NET_ECN);
		assert_memory_equal(p, before, hlen);
		return;
	}
	assert_reason(r, DROP_NONE);
	if ((p[1] & 3) != w)
		fail_msg("inner %u outer %u: got %u, want %d", in, outer,
		    p[1] & 3, w);
	assert_int_equal(p[1] & 0xfc, 0xb8);
	assert_int_equal(p[0], before[0]);
	assert_memory_equal(p + 2, before + 2, 8);
	assert_memory_equal(p + 12, before + 12, hlen - 12);
	assert_int_equal(sum16(p, hlen), 0);
	/* Exactly the checksum a fresh header would have. */
	hdr4(before, hlen, (uint8_t)w, id);
	assert_memory_equal(p, before, hlen);
}

static void
check6(uint8_t in, uint8_t outer)
{
	uint8_t			 p[40], before[40];
	enum drop_reason	 r;
	int			 w = table[in][outer];

	hdr6(p, in);
	memcpy(before, p, 40);
	r = ecn_decap(p, 40, outer);
	if (w == DROP) {
		assert_reason(r, DROP_NET_ECN);
		assert_memory_equal(p, before, 40);
		return;
	}
	assert_reason(r, DROP_NONE);
	if ((p[1] >> 4 & 3) != w)
		fail_msg("inner %u outer %u: got %u, want %d", in, outer,
		    p[1] >> 4 & 3, w);
	hdr6(before, (uint8_t)w);
	assert_memory_equal(p, before, 40);
	/* DSCP and flow label untouched. */
	assert_int_equal(p[0], 0x6b);
	assert_int_equal(p[1] & 0xcf, 0x8f);
}

static void
test_table4(void **state)
{
	uint8_t	 in, outer;

	(void)state;
	for (in = 0; in < 4; in++)
		for (outer = 0; outer < 4; outer++) {
			check4(20, in, outer, 0x1c46);
			check4(24, in, outer, 0x1c46);
			check4(60, in, outer, 0);
		}
}

/* Every checksum value the ID can produce, through each change. */
static void
test_cksum_sweep(void **state)
{
	uint32_t	 id;

	(void)state;
	for (id = 0; id <= 0xffff; id++) {
		check4(20, ECN_ECT0, ECN_CE, (uint16_t)id);
		check4(20, ECN_ECT1, ECN_CE, (uint16_t)id);
		check4(20, ECN_ECT0, ECN_ECT1, (uint16_t)id);
	}
}

static void
test_table6(void **state)
{
	uint8_t	 in, outer;

	(void)state;
	for (in = 0; in < 4; in++)
		for (outer = 0; outer < 4; outer++)
			check6(in, outer);
}

/* Named cells, so a wrong table above cannot hide a wrong result. */
static void
test_named_cells(void **state)
{
	uint8_t	 p[40];

	(void)state;
	hdr4(p, 20, ECN_NOT_ECT, 1);
	assert_reason(ecn_decap(p, 20, ECN_CE), DROP_NET_ECN);
	hdr4(p, 20, ECN_ECT0, 1);
	assert_reason(ecn_decap(p, 20, ECN_CE), DROP_NONE);
	assert_int_equal(p[1], 0xbb);
	hdr4(p, 20, ECN_ECT0, 1);
	assert_reason(ecn_decap(p, 20, ECN_ECT1), DROP_NONE);
	assert_int_equal(p[1], 0xb9);
	hdr4(p, 20, ECN_ECT1, 1);
	assert_reason(ecn_decap(p, 20, ECN_ECT0), DROP_NONE);
	assert_int_equal(p[1], 0xb9);
	hdr4(p, 20, ECN_NOT_ECT, 1);
	assert_reason(ecn_decap(p, 20, ECN_ECT1), DROP_NONE);
	assert_int_equal(p[1], 0xb8);

	hdr6(p, ECN_NOT_ECT);
	assert_reason(ecn_decap(p, 40, ECN_CE), DROP_NET_ECN);
	hdr6(p, ECN_ECT1);
	assert_reason(ecn_decap(p, 40, ECN_CE), DROP_NONE);
	assert_int_equal(p[1], 0xbf);
	hdr6(p, ECN_ECT0);
	assert_reason(ecn_decap(p, 40, ECN_ECT1), DROP_NONE);
	assert_int_equal(p[1], 0x9f);

	/* Only the ECN bits of what is passed as outer count. */
	hdr4(p, 20, ECN_ECT0, 1);
	assert_reason(ecn_decap(p, 20, 0xfc | ECN_CE), DROP_NONE);
	assert_int_equal(p[1], 0xbb);
	assert_int_equal(sum16(p, 20), 0);
}

/* Exact-size heap copies: ASan sees any byte read past len. */
static enum drop_reason
decap_exact(const uint8_t *src, size_t len, uint8_t outer, uint8_t *after)
{
	uint8_t			*p = malloc(len ? len : 1);
	enum drop_reason	 r;

	assert_non_null(p);
	memcpy(p, src, len);
	r = ecn_decap(p, len, outer);
	memcpy(after, p, len);
	free(p);
	return r;
}

static void
test_short(void **state)
{
	uint8_t	 p[40], q[40];
	size_t	 len;

	(void)state;
	hdr4(p, 20, ECN_ECT0, 1);
	for (len = 0; len < 20; len++) {
		assert_reason(decap_exact(p, len, ECN_CE, q), DROP_NET_SHORT);
		assert_memory_equal(q, p, len);
	}
	assert_reason(decap_exact(p, 20, ECN_CE, q), DROP_NONE);
	hdr6(p, ECN_ECT0);
	for (len = 0; len < 40; len++) {
		assert_reason(decap_exact(p, len, ECN_CE, q), DROP_NET_SHORT);
		assert_memory_equal(q, p, len);
	}
	assert_reason(decap_exact(p, 40, ECN_CE, q), DROP_NONE);
}

/* MPLS (or anything not IPv4/IPv6) has no ECN field to touch. */
static void
test_non_ip(void **state)
{
	uint8_t	 mpls[8] = { 0x00, 0x01, 0x41, 0x40, 0x45, 0x03, 0, 0 };
	uint8_t	 q[8];
	uint8_t	 v;

	(void)state;
	assert_reason(decap_exact(mpls, 8, ECN_CE, q), DROP_NONE);
	assert_memory_equal(q, mpls, 8);
	assert_reason(decap_exact(mpls, 1, ECN_CE, q), DROP_NONE);
	for (v = 0; v < 16; v++) {
		if (v == 4 || v == 6)
			continue;
		mpls[0] = (uint8_t)(v << 4 | 0x3);
		mpls[1] = 0x03;
		assert_reason(decap_exact(mpls, 8, ECN_CE, q), DROP_NONE);
		assert_memory_equal(q, mpls, 8);
	}
}

static void
test_encap(void **state)
{
	(void)state;
	assert_int_equal(ecn_encap(ECN_NOT_ECT), ECN_NOT_ECT);
	assert_int_equal(ecn_encap(ECN_ECT1), ECN_ECT1);
	assert_int_equal(ecn_encap(ECN_ECT0), ECN_ECT0);
	assert_int_equal(ecn_encap(ECN_CE), ECN_CE);
	assert_int_equal(ecn_encap(0xb9), ECN_ECT1);
}

static void
test_tos_ttl(void **state)
{
	uint8_t	 p[40];

	(void)state;
	hdr4(p, 20, ECN_ECT0, 1);
	assert_int_equal(inner_tos(p, 20), 0xba);
	assert_int_equal(inner_ttl(p, 20), 17);
	assert_int_equal(inner_tos(p, 19), 0);
	assert_int_equal(inner_ttl(p, 19), 0);
	assert_int_equal(inner_tos(p, 0), 0);

	hdr6(p, ECN_CE);
	assert_int_equal(inner_tos(p, 40), 0xbb);
	assert_int_equal(inner_ttl(p, 40), 9);
	assert_int_equal(inner_tos(p, 39), 0);
	assert_int_equal(inner_ttl(p, 39), 0);

	p[0] = 0x5b;
	assert_int_equal(inner_tos(p, 40), 0);
	assert_int_equal(inner_ttl(p, 40), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table4),
		cmocka_unit_test(test_table6),
		cmocka_unit_test(test_named_cells),
		cmocka_unit_test(test_cksum_sweep),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_non_ip),
		cmocka_unit_test(test_encap),
		cmocka_unit_test(test_tos_ttl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
