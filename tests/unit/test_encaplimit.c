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

/* Unit tests: Tunnel Encapsulation Limit option (engine/pkt/encaplimit.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pkt.h"

static uint8_t	 pkt[256];

/* An IPv6 header with next header nh, ext (extlen bytes), tail 0x77s. */
static size_t
build(uint8_t nh, const uint8_t *ext, size_t extlen, size_t tail)
{
	memset(pkt, 0x77, sizeof(pkt));
	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)((extlen + tail) >> 8);
	pkt[5] = (uint8_t)(extlen + tail);
	pkt[6] = nh;
	pkt[7] = 64;
	if (extlen > 0)
		memcpy(pkt + 40, ext, extlen);
	return 40 + extlen + tail;
}

/*
 * encaplimit_find() on an exact-size heap copy of the first len bytes,
 * so ASan reports any read past len.  limit and offset are poisoned
 * first and must only change on success.
 */
static int
find(size_t len, uint8_t *limit, size_t *offset)
{
	uint8_t	*p = malloc(len ? len : 1);
	int	 r;

	assert_non_null(p);
	memcpy(p, pkt, len);
	*limit = 0xee;
	*offset = 0xeeee;
	r = encaplimit_find(p, len, limit, offset);
	free(p);
	if (r != 1) {
		assert_int_equal(*limit, 0xee);
		assert_int_equal(*offset, 0xeeee);
	}
	return r;
}

static void
test_write(void **state)
{
	uint8_t	 p[10];

	(void)state;
	memset(p, 0xaa, sizeof(p));
	encaplimit_write(p + 1, 41, 4);
	/* Byte for byte what Linux ip6_tnl puts in front of the inner. */
	assert_memory_equal(p, ((uint8_t[]){ 0xaa, 41, 0, 4, 1, 4, 1, 1, 0,
	    0xaa }), 10);
	encaplimit_write(p + 1, 4, 0);
	assert_memory_equal(p, ((uint8_t[]){ 0xaa, 4, 0, 4, 1, 0, 1, 1, 0,
	    0xaa }), 10);
}

static void
test_roundtrip(void **state)
{
	uint8_t	 eh[8], limit;
	size_t	 len, offset;
	int	 v;

	(void)state;
	for (v = 0; v < 256; v++) {
		encaplimit_write(eh, 41, (uint8_t)v);
		len = build(60, eh, 8, 40);
		assert_int_equal(find(len, &limit, &offset), 1);
		assert_int_equal(limit, v);
		assert_int_equal(offset, 44);
		/* The header alone is enough. */
		assert_int_equal(find(48, &limit, &offset), 1);
		assert_int_equal(limit, v);
	}
	encaplimit_write(eh, 4, 0);
	len = build(60, eh, 8, 20);
	assert_int_equal(find(len, &limit, &offset), 1);
	assert_int_equal(limit, 0);
	assert_int_equal(offset, 44);
	assert_int_equal(pkt[offset], 0);
}

static void
test_after_hbh(void **state)
{
	static const uint8_t	 ext[] = {
		60, 0, 1, 4, 0, 0, 0, 0,	/* Hop-by-Hop: PadN 4 */
		17, 0, 4, 1, 9, 1, 1, 0,	/* Dest opts: limit 9 */
	};
	static const uint8_t	 ext2[] = {
		60, 1, 5, 2, 0, 0, 1, 2,	/* Hop-by-Hop, 16 bytes */
		0, 0, 0, 0, 0, 0, 0, 0,
		17, 0, 4, 1, 3, 1, 1, 0,
	};
	uint8_t			 limit;
	size_t			 offset;

	(void)state;
	build(0, ext, sizeof(ext), 8);
	assert_int_equal(find(64, &limit, &offset), 1);
	assert_int_equal(limit, 9);
	assert_int_equal(offset, 52);

	build(0, ext2, sizeof(ext2), 8);
	assert_int_equal(find(72, &limit, &offset), 1);
	assert_int_equal(limit, 3);
	assert_int_equal(offset, 60);
}

static void
test_padding_first(void **state)
{
	static const uint8_t	 ext[] = {
		17, 1,
		0, 0,			/* Pad1, Pad1 */
		1, 2, 0, 0,		/* PadN 2 */
		4, 1, 7,		/* limit 7 */
		1, 3, 0, 0, 0,		/* PadN 3 */
	};
	static const uint8_t	 ext2[] = {
		17, 0,
		0x1e, 1, 0xaa,		/* some other option, skipped */
		4, 1, 2,
	};
	uint8_t			 limit;
	size_t			 offset;

	(void)state;
	build(60, ext, sizeof(ext), 0);
	assert_int_equal(find(56, &limit, &offset), 1);
	assert_int_equal(limit, 7);
	assert_int_equal(offset, 50);

	build(60, ext2, sizeof(ext2), 0);
	assert_int_equal(find(48, &limit, &offset), 1);
	assert_int_equal(limit, 2);
	assert_int_equal(offset, 47);
}

static void
test_absent(void **state)
{
	static const uint8_t	 pad[] = { 17, 0, 1, 4, 0, 0, 0, 0 };
	static const uint8_t	 pad1[] = { 17, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t	 hbh4[] = {
		17, 0, 4, 1, 5, 1, 1, 0,	/* "limit" in Hop-by-Hop */
	};
	static const uint8_t	 two[] = {
		60, 0, 1, 4, 0, 0, 0, 0,	/* Dest opts without */
		17, 0, 4, 1, 6, 1, 1, 0,	/* Dest opts with */
	};
	static const uint8_t	 rt[] = {
		60, 0, 0, 0, 0, 0, 0, 0,	/* Routing header */
		17, 0, 4, 1, 6, 1, 1, 0,
	};
	uint8_t			 limit, eh[8];
	size_t			 offset;

	(void)state;
	/* Upper layers and the end of the chain: nothing to find. */
	assert_int_equal(find(build(17, NULL, 0, 8), &limit, &offset), 0);
	assert_int_equal(find(build(58, NULL, 0, 8), &limit, &offset), 0);
	assert_int_equal(find(build(59, NULL, 0, 8), &limit, &offset), 0);
	assert_int_equal(find(build(41, NULL, 0, 0), &limit, &offset), 0);
	/* Only padding. */
	assert_int_equal(find(build(60, pad, 8, 0), &limit, &offset), 0);
	assert_int_equal(find(build(60, pad1, 8, 0), &limit, &offset), 0);
	/* The option means nothing in Hop-by-Hop options. */
	assert_int_equal(find(build(0, hbh4, 8, 0), &limit, &offset), 0);
	/* A second Destination Options header is still looked in. */
	assert_int_equal(find(build(60, two, 16, 0), &limit, &offset), 1);
	assert_int_equal(limit, 6);
	assert_int_equal(offset, 52);
	/* Behind a Routing or Fragment header: not searched. */
	assert_int_equal(find(build(43, rt, 16, 0), &limit, &offset), 0);
	assert_int_equal(find(build(44, rt, 16, 0), &limit, &offset), 0);
	/* The option's bytes in a packet that does not have the header. */
	encaplimit_write(eh, 41, 1);
	assert_int_equal(find(build(41, eh, 8, 0), &limit, &offset), 0);
}

static void
test_malformed(void **state)
{
	static const uint8_t	 overrun[] = { 17, 0, 1, 5, 0, 0, 0, 0 };
	static const uint8_t	 nolen[] = { 17, 0, 1, 3, 0, 0, 0, 4 };
	static const uint8_t	 badlen[] = { 17, 0, 4, 2, 1, 1, 0, 0 };
	static const uint8_t	 badlen0[] = { 17, 0, 4, 0, 1, 1, 0, 0 };
	static const uint8_t	 hbh[] = {
		60, 0, 1, 4, 0, 0, 0, 0,
		17, 0, 4, 1, 9, 1, 1, 0,
	};
	uint8_t			 limit, eh[8];
	size_t			 len, offset;

	(void)state;
	/* Not an IPv6 header at all. */
	build(17, NULL, 0, 0);
	for (len = 0; len < 40; len++)
		assert_int_equal(find(len, &limit, &offset), -1);
	pkt[0] = 0x45;
	assert_int_equal(find(60, &limit, &offset), -1);

	/* Every truncation of a header that holds the option. */
	encaplimit_write(eh, 41, 5);
	build(60, eh, 8, 0);
	for (len = 40; len < 48; len++)
		assert_int_equal(find(len, &limit, &offset), -1);
	assert_int_equal(find(48, &limit, &offset), 1);
	build(0, hbh, 16, 0);
	for (len = 40; len < 56; len++)
		assert_int_equal(find(len, &limit, &offset), -1);
	assert_int_equal(find(56, &limit, &offset), 1);

	/* Header length beyond the packet: 16 bytes claimed, 8 there. */
	eh[1] = 1;
	assert_int_equal(find(build(60, eh, 8, 0), &limit, &offset), -1);
	assert_int_equal(find(build(60, eh, 8, 7), &limit, &offset), -1);
	assert_int_equal(find(build(60, eh, 8, 8), &limit, &offset), 1);

	/* Options running past their header. */
	assert_int_equal(find(build(60, overrun, 8, 8), &limit, &offset), -1);
	assert_int_equal(find(build(60, nolen, 8, 8), &limit, &offset), -1);
	/* A limit option of any length but 1. */
	assert_int_equal(find(build(60, badlen, 8, 8), &limit, &offset), -1);
	assert_int_equal(find(build(60, badlen0, 8, 8), &limit, &offset), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_after_hbh),
		cmocka_unit_test(test_padding_first),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
