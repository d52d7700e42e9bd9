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

/* Unit tests: outer fragmentation (engine/pkt/frag.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pkt.h"

#define MAXF		1500	/* 65515 / 48 at mtu 68 is 1365 */
#define MAXPAY		65535

static uint8_t		 payload[MAXPAY];
static uint8_t		 reasm[MAXPAY + 8];
static uint8_t		 seen[MAXPAY + 8];
static struct frag	 frags[MAXF];

/*
 * Checksum written here from RFC 1071's description, not with
 * engine/pkt/cksum.c: a plain 16-bit big-endian sum with end-around carry.
 */
static uint16_t
sum16(const uint8_t *p, size_t n)
{
	uint32_t	 s = 0;
	size_t		 i;

	for (i = 0; i < n; i += 2) {
		s += (uint32_t)p[i] << 8;
		if (i + 1 < n)
			s += p[i + 1];
		while (s > 0xffff)
			s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)~s;
}

static unsigned int
get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static void
fill_payload(void)
{
	size_t	 i;

	/* Not periodic in 8 or any MTU, so a misplaced slice shows. */
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 8) * 13 + (i >> 16));
}

/* The 20-byte outer header of a 4in4 datagram with plen payload bytes. */
static void
hdr4(uint8_t *h, size_t plen, int df)
{
	uint16_t	 c;

	memset(h, 0, 20);
	h[0] = 0x45;
	h[1] = 0x0a;
	h[2] = (uint8_t)((20 + plen) >> 8);
	h[3] = (uint8_t)(20 + plen);
	h[4] = 0xbe;			/* ID 0xbeef */
	h[5] = 0xef;
	h[6] = df ? 0x40 : 0;
	h[8] = 63;
	h[9] = 4;
	memcpy(h + 12, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	memcpy(h + 16, (uint8_t[]){ 198, 51, 100, 7 }, 4);
	c = sum16(h, 20);
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
}

static void
hdr6(uint8_t *h, size_t plen, uint8_t nh)
{
	memset(h, 0, 40);
	h[0] = 0x6a;			/* traffic class 0xab, flow 0xcdef0 */
	h[1] = 0xbc;
	h[2] = 0xde;
	h[3] = 0xf0;
	h[4] = (uint8_t)(plen >> 8);
	h[5] = (uint8_t)plen;
	h[6] = nh;
	h[7] = 64;
	h[8] = 0x20;
	h[9] = 0x01;
	h[10] = 0x0d;
	h[11] = 0xb8;
	h[23] = 1;
	memcpy(h + 24, h + 8, 16);
	h[39] = 2;
}

/* What the test expects: the payload bytes a full fragment carries. */
static size_t
chunk_for(size_t mtu, size_t hlen)
{
	return (mtu - hlen) / 8 * 8;
}

static void
reasm_reset(void)
{
	memset(reasm, 0, sizeof(reasm));
	memset(seen, 0, sizeof(seen));
}

/*
 * Place len bytes of the slice at byte offset off of the reassembly
 * buffer, as a receiver would from the header's offset field; no byte
 * may arrive twice.
 */
static void
reasm_put(size_t off, const struct frag *f)
{
	size_t	 i;

	assert_true(off + f->len <= MAXPAY);
	assert_true(f->off + f->len <= MAXPAY);
	for (i = 0; i < f->len; i++) {
		assert_int_equal(seen[off + i], 0);
		seen[off + i] = 1;
		reasm[off + i] = payload[f->off + i];
	}
}

/* Every byte of [0, total) arrived, none beyond, and they are right. */
static void
reasm_check(size_t total)
{
	size_t	 i;

	for (i = 0; i < total; i++)
		if (!seen[i])
			fail_msg("byte %zu never arrived (total %zu)", i,
			    total);
	for (; i < sizeof(seen); i++)
		if (seen[i])
			fail_msg("byte %zu past the end %zu", i, total);
	assert_memory_equal(reasm, payload, total);
}

static void
check_v4(size_t plen, size_t mtu)
{
	uint8_t		 h[20];
	size_t		 chunk, want, expect_off, total = 0, i;
	unsigned int	 ipoff;
	int		 n, last_seen = 0;

	hdr4(h, plen, 0);
	n = frag_outer_v4(h, plen, mtu, frags, MAXF);
	chunk = chunk_for(mtu, 20);
	want = 20 + plen <= mtu ? 1 : (plen + chunk - 1) / chunk;
	if ((size_t)n != want)
		fail_msg("plen %zu mtu %zu: %d fragments, want %zu", plen, mtu,
		    n, want);

	reasm_reset();
	expect_off = 0;
	for (i = 0; i < (size_t)n; i++) {
		const struct frag	*f = &frags[i];
		const uint8_t		*fh = f->hdr;
		int			 last = i + 1 == (size_t)n;

		assert_int_equal(f->hlen, 20);
		assert_true(f->hlen + f->len <= mtu);
		assert_int_equal(f->off, expect_off);
		if (!last) {
			assert_int_equal(f->len % 8, 0);
			/* As large as the MTU allows. */
			assert_true(20 + f->len + 8 > mtu);
		}
		/* Unchanged: version/IHL, TOS, ID, TTL, proto, addresses. */
		assert_memory_equal(fh, h, 2);
		assert_memory_equal(fh + 4, h + 4, 2);
		assert_memory_equal(fh + 8, h + 8, 2);
		assert_memory_equal(fh + 12, h + 12, 8);
		assert_int_equal(get16(fh + 2), 20 + f->len);
		ipoff = get16(fh + 6);
		assert_int_equal(ipoff & 0x8000, 0);	/* reserved */
		assert_int_equal(ipoff & 0x4000, 0);	/* DF */
		assert_int_equal(!!(ipoff & 0x2000), !last);	/* MF */
		assert_int_equal((size_t)(ipoff & 0x1fff) * 8, expect_off);
		assert_int_equal(sum16(fh, 20), 0);

		reasm_put((size_t)(ipoff & 0x1fff) * 8, f);
		if (!(ipoff & 0x2000)) {
			last_seen++;
			total = (size_t)(ipoff & 0x1fff) * 8 + f->len;
		}
		expect_off += f->len;
	}
	assert_int_equal(last_seen, 1);
	assert_int_equal(total, plen);
	reasm_check(plen);
	if (n == 1)
		assert_memory_equal(frags[0].hdr, h, 20);
}

static void
check_v6(size_t plen, size_t mtu, uint8_t nh)
{
	const uint32_t	 id = 0xdeadbe01;
	uint8_t		 h[40];
	size_t		 chunk, want, expect_off, total = 0, i;
	unsigned int	 fo;
	int		 n, last_seen = 0;

	hdr6(h, plen, nh);
	n = frag_outer_v6(h, plen, mtu, id, frags, MAXF);
	chunk = chunk_for(mtu, 48);
	want = 40 + plen <= mtu ? 1 : (plen + chunk - 1) / chunk;
	if ((size_t)n != want)
		fail_msg("plen %zu mtu %zu: %d fragments, want %zu", plen, mtu,
		    n, want);

	if (n == 1) {
		/* Fits: the packet as it was, no Fragment header. */
		assert_int_equal(frags[0].hlen, 40);
		assert_int_equal(frags[0].off, 0);
		assert_int_equal(frags[0].len, plen);
		assert_memory_equal(frags[0].hdr, h, 40);
		return;
	}

	reasm_reset();
	expect_off = 0;
	for (i = 0; i < (size_t)n; i++) {
		const struct frag	*f = &frags[i];
		const uint8_t		*fh = f->hdr;
		int			 last = i + 1 == (size_t)n;

		assert_int_equal(f->hlen, 48);
		assert_true(f->hlen + f->len <= mtu);
		assert_int_equal(f->off, expect_off);
		if (!last) {
			assert_int_equal(f->len % 8, 0);
			assert_true(48 + f->len + 8 > mtu);
		}
		assert_memory_equal(fh, h, 4);
		assert_int_equal(get16(fh + 4), 8 + f->len);
		assert_int_equal(fh[6], 44);
		assert_memory_equal(fh + 7, h + 7, 33);
		/* Fragment header */
		assert_int_equal(fh[40], nh);
		assert_int_equal(fh[41], 0);
		fo = get16(fh + 42);
		assert_int_equal(fo & 6, 0);		/* Res */
		assert_int_equal(fo & 1, !last);	/* M */
		assert_int_equal((size_t)(fo >> 3) * 8, expect_off);
		assert_memory_equal(fh + 44, ((uint8_t[]){ 0xde, 0xad, 0xbe,
		    0x01 }), 4);

		reasm_put((size_t)(fo >> 3) * 8, f);
		if (!(fo & 1)) {
			last_seen++;
			total = (size_t)(fo >> 3) * 8 + f->len;
		}
		expect_off += f->len;
	}
	assert_int_equal(last_seen, 1);
	assert_int_equal(total, plen);
	reasm_check(plen);
}

/* Sizes around the "fits" boundary and around multiples of the chunk. */
static void
edges(size_t mtu, size_t hlen, size_t fitlen, size_t maxlen,
    void (*check)(size_t, size_t))
{
	size_t	 chunk = chunk_for(mtu, hlen), k, d;

	for (d = 0; d <= 16; d++) {
		if (fitlen + 8 >= d)
			check(fitlen + 8 - d, mtu);
		if (fitlen + d <= maxlen)
			check(fitlen + d, mtu);
	}
	for (k = 1; k <= 5; k++)
		for (d = 0; d < 3; d++)
			if (k * chunk + d - 1 <= maxlen)
				check(k * chunk + d - 1, mtu);
	check(0, mtu);
	check(1, mtu);
	check(7, mtu);
	check(8, mtu);
	check(9, mtu);
	check(maxlen - 1, mtu);
	check(maxlen, mtu);
}

static void
check_v4_s(size_t plen, size_t mtu)
{
	check_v4(plen, mtu);
}

static void
check_v6_s(size_t plen, size_t mtu)
{
	check_v6(plen, mtu, 4);
	check_v6(plen, mtu, 41);
}

static void
test_v4_sizes(void **state)
{
	static const size_t	 mtus[] = { 68, 576, 1280, 1500 };
	size_t			 m, len;

	(void)state;
	fill_payload();
	for (m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
		for (len = 1; len <= 9000; len += 97)
			check_v4(len, mtus[m]);
		edges(mtus[m], 20, mtus[m] - 20, 65515, check_v4_s);
	}
	/* The smallest MTU that can fragment at all: 8 bytes a piece. */
	for (len = 0; len <= 100; len++)
		check_v4(len, 28);
}

static void
test_v6_sizes(void **state)
{
	static const size_t	 mtus[] = { 1280, 1500, 9000 };
	size_t			 m, len;

	(void)state;
	fill_payload();
	for (m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
		for (len = 1; len <= 9000; len += 97)
			check_v6_s(len, mtus[m]);
		edges(mtus[m], 48, mtus[m] - 40, 65535, check_v6_s);
	}
	for (len = 0; len <= 100; len++)
		check_v6_s(len, 56);
}

/* Exact layout of one small case, independent of the checkers above. */
static void
test_v4_exact(void **state)
{
	uint8_t	 h[20];

	(void)state;
	hdr4(h, 100, 0);
	/* mtu 60: 40 data bytes a fragment -> 40, 40, 20. */
	assert_int_equal(frag_outer_v4(h, 100, 60, frags, MAXF), 3);
	assert_int_equal(frags[0].off, 0);
	assert_int_equal(frags[0].len, 40);
	assert_int_equal(frags[1].off, 40);
	assert_int_equal(frags[1].len, 40);
	assert_int_equal(frags[2].off, 80);
	assert_int_equal(frags[2].len, 20);
	assert_int_equal(get16(frags[0].hdr + 2), 60);
	assert_int_equal(get16(frags[0].hdr + 6), 0x2000);
	assert_int_equal(get16(frags[1].hdr + 6), 0x2005);
	assert_int_equal(get16(frags[2].hdr + 2), 40);
	assert_int_equal(get16(frags[2].hdr + 6), 0x000a);
	assert_int_equal(get16(frags[2].hdr + 4), 0xbeef);
	assert_int_equal(sum16(frags[2].hdr, 20), 0);
	/* mtu 63 still gives 40-byte pieces: 43 is not a multiple of 8. */
	assert_int_equal(frag_outer_v4(h, 100, 63, frags, MAXF), 3);
	assert_int_equal(frags[1].len, 40);
}

static void
test_v6_exact(void **state)
{
	uint8_t	 h[40];

	(void)state;
	hdr6(h, 3000, 41);
	/* mtu 1280: 1232 data bytes a fragment -> 1232, 1232, 536. */
	assert_int_equal(frag_outer_v6(h, 3000, 1280, 0x01020304, frags,
	    MAXF), 3);
	assert_int_equal(frags[0].len, 1232);
	assert_int_equal(frags[1].off, 1232);
	assert_int_equal(frags[2].off, 2464);
	assert_int_equal(frags[2].len, 536);
	/* 1232 = 0x4d0 with M; 2464 = 0x9a0 without. */
	assert_memory_equal(frags[1].hdr + 40, ((uint8_t[]){ 41, 0, 0x04,
	    0xd1, 1, 2, 3, 4 }), 8);
	assert_memory_equal(frags[2].hdr + 40, ((uint8_t[]){ 41, 0, 0x09,
	    0xa0, 1, 2, 3, 4 }), 8);
	assert_int_equal(get16(frags[0].hdr + 4), 1240);
	assert_int_equal(get16(frags[2].hdr + 4), 544);
}

/* A datagram that fits comes back whole, header byte for byte. */
static void
test_fits(void **state)
{
	uint8_t	 h4[20], h6[40];

	(void)state;
	hdr4(h4, 1480, 0);
	assert_int_equal(frag_outer_v4(h4, 1480, 1500, frags, 1), 1);
	assert_memory_equal(frags[0].hdr, h4, 20);
	assert_int_equal(frags[0].hlen, 20);
	assert_int_equal(frags[0].off, 0);
	assert_int_equal(frags[0].len, 1480);

	/* DF is kept when nothing needs cutting. */
	hdr4(h4, 100, 1);
	assert_int_equal(frag_outer_v4(h4, 100, 1500, frags, 1), 1);
	assert_memory_equal(frags[0].hdr, h4, 20);
	assert_int_equal(get16(frags[0].hdr + 6), 0x4000);

	hdr6(h6, 1460, 4);
	assert_int_equal(frag_outer_v6(h6, 1460, 1500, 7, frags, 1), 1);
	assert_memory_equal(frags[0].hdr, h6, 40);
	assert_int_equal(frags[0].hlen, 40);
	assert_int_equal(frags[0].len, 1460);
	assert_int_equal(frag_outer_v6(h6, 0, 1280, 7, frags, 1), 1);
	assert_int_equal(get16(frags[0].hdr + 4), 0);
}

static void
test_impossible(void **state)
{
	uint8_t	 h4[20], h6[40];

	(void)state;
	hdr4(h4, 100, 0);
	assert_int_equal(frag_outer_v4(h4, 100, 27, frags, MAXF), 0);
	assert_int_equal(frag_outer_v4(h4, 100, 0, frags, MAXF), 0);
	assert_int_equal(frag_outer_v4(h4, 100, 28, frags, MAXF), 13);
	/* Too many fragments for max: 13 needed. */
	assert_int_equal(frag_outer_v4(h4, 100, 28, frags, 12), 0);
	assert_int_equal(frag_outer_v4(h4, 100, 1500, frags, 0), 0);
	assert_int_equal(frag_outer_v4(h4, 100, 1500, frags, -1), 0);
	/* Over 65535 in total. */
	assert_int_equal(frag_outer_v4(h4, 65516, 1500, frags, MAXF), 0);
	assert_int_equal(frag_outer_v4(h4, 65515, 1500, frags, MAXF), 45);
	/* DF set and too big: ICMP is the answer, not fragments. */
	hdr4(h4, 1481, 1);
	assert_int_equal(frag_outer_v4(h4, 1481, 1500, frags, MAXF), 0);
	/* Not the plain 20-byte header. */
	hdr4(h4, 100, 0);
	h4[0] = 0x46;
	assert_int_equal(frag_outer_v4(h4, 100, 60, frags, MAXF), 0);

	hdr6(h6, 100, 4);
	assert_int_equal(frag_outer_v6(h6, 100, 55, 1, frags, MAXF), 0);
	assert_int_equal(frag_outer_v6(h6, 100, 56, 1, frags, MAXF), 13);
	assert_int_equal(frag_outer_v6(h6, 100, 56, 1, frags, 12), 0);
	assert_int_equal(frag_outer_v6(h6, 100, 1280, 1, frags, 0), 0);
	assert_int_equal(frag_outer_v6(h6, 65536, 1280, 1, frags, MAXF), 0);
	assert_int_equal(frag_outer_v6(h6, 65535, 1280, 1, frags, MAXF), 54);
	h6[0] = 0x45;
	assert_int_equal(frag_outer_v6(h6, 100, 1280, 1, frags, MAXF), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_exact),
		cmocka_unit_test(test_v6_exact),
		cmocka_unit_test(test_v4_sizes),
		cmocka_unit_test(test_v6_sizes),
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_impossible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
