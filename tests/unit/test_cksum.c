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

/* Unit tests: Internet checksum (engine/pkt/cksum.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "pkt.h"

/* RFC 1071 section 3 example: the sum before inversion is 0xddf2. */
static const uint8_t rfc1071[] = {
	0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
};

/* A real IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199), sum 0xb861. */
static const uint8_t ip4hdr[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
	0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01,
	0xc0, 0xa8, 0x00, 0xc7
};

static void
test_rfc1071_vector(void **state)
{
	(void)state;
	assert_int_equal(cksum_fold(cksum_partial(0, rfc1071,
	    sizeof(rfc1071))), (uint16_t)~0xddf2);
	assert_int_equal(ip_cksum(rfc1071, sizeof(rfc1071)), 0x220d);
	/* Unfolded: 0x0001 + 0xf203 + 0xf4f5 + 0xf6f7. */
	assert_int_equal(cksum_partial(0, rfc1071, sizeof(rfc1071)), 0x2ddf0);
}

static void
test_fold(void **state)
{
	(void)state;
	assert_int_equal(cksum_fold(0), 0xffff);
	assert_int_equal(cksum_fold(0xffff), 0x0000);
	assert_int_equal(cksum_fold(0x2ddf0), 0x220d);
	/* Folding can carry twice: 0xffff + 0xffff = 0x1fffe -> 0xffff. */
	assert_int_equal(cksum_fold(0xffffffff), 0x0000);
	assert_int_equal(cksum_fold(0x0001fffe), 0x0000);
}

static void
test_odd_length(void **state)
{
	const uint8_t	 b[] = { 0x01, 0x02, 0x03 };

	(void)state;
	/* 0x0102 + 0x0300 (last byte is the high half) = 0x0402. */
	assert_int_equal(cksum_partial(0, b, 3), 0x0402);
	assert_int_equal(ip_cksum(b, 3), 0xfbfd);
	assert_int_equal(ip_cksum(b, 1), (uint16_t)~0x0100);
	assert_int_equal(ip_cksum(b, 0), 0xffff);
}

static void
test_ipv4_header(void **state)
{
	uint8_t	 h[20];

	(void)state;
	/* A correct header sums to 0xffff, whose inverse is 0. */
	assert_int_equal(ip_cksum(ip4hdr, sizeof(ip4hdr)), 0);

	memcpy(h, ip4hdr, sizeof(h));
	h[10] = h[11] = 0;
	assert_int_equal(ip_cksum(h, sizeof(h)), 0xb861);

	/* One flipped bit must show. */
	memcpy(h, ip4hdr, sizeof(h));
	h[8] ^= 0x01;
	assert_int_not_equal(ip_cksum(h, sizeof(h)), 0);
}

static void
test_unaligned(void **state)
{
	uint8_t		 buf[64];
	size_t		 i;

	(void)state;
	/* Same bytes at every offset give the same checksum. */
	for (i = 0; i < 8; i++) {
		memset(buf, 0xa5, sizeof(buf));
		memcpy(buf + i, ip4hdr, sizeof(ip4hdr));
		assert_int_equal(ip_cksum(buf + i, sizeof(ip4hdr)), 0);
		memcpy(buf + i, rfc1071, sizeof(rfc1071));
		assert_int_equal(ip_cksum(buf + i, sizeof(rfc1071)), 0x220d);
	}
}

static void
test_pieces(void **state)
{
	uint32_t	 sum;

	(void)state;
	/* Summed in even pieces, then an odd tail: same as in one go. */
	sum = cksum_partial(0, ip4hdr, 4);
	sum = cksum_partial(sum, ip4hdr + 4, 10);
	sum = cksum_partial(sum, ip4hdr + 14, 6);
	assert_int_equal(cksum_fold(sum), 0);

	sum = cksum_partial(0, rfc1071, 6);
	sum = cksum_partial(sum, rfc1071 + 6, 2);
	assert_int_equal(cksum_fold(sum), 0x220d);

	/* A nonzero starting sum (e.g. a pseudo-header) is added in. */
	assert_int_equal(cksum_partial(0x10000, rfc1071, sizeof(rfc1071)),
	    0x3ddf0);
}

static void
test_carry(void **state)
{
	static uint8_t	 big[65536 + 1];

	(void)state;
	/*
	 * 32768 words of 0xffff: the one's complement sum is 0xffff
	 * (negative zero), so the checksum is 0; the running sum needs
	 * the end-around carry.
	 */
	memset(big, 0xff, sizeof(big));
	assert_int_equal(ip_cksum(big, 65536), 0);
	/* Odd tail 0xff00: 0xffff + 0xff00 = 0xff00 after carry. */
	assert_int_equal(ip_cksum(big, 65537), (uint16_t)~0xff00);
	/* A 32-bit running sum near the top must not lose a carry. */
	assert_int_equal(cksum_fold(cksum_partial(0xffffffff, big, 2)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_vector),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_odd_length),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_carry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
