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

/* Unit tests: ICMP / ICMPv6 errors (engine/pkt/icmp_build.c). */
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

static uint8_t	 orig[2048];
static uint8_t	 out[2048];
static uint8_t	 want[2048];

/*
 * Checksums written here from RFC 1071 / RFC 8200 8.1, not with
 * engine/pkt/cksum.c: a plain loop over big-endian 16-bit words.
 */
static uint32_t
add16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i += 2) {
		s += (uint32_t)p[i] << 8;
		if (i + 1 < n)
			s += p[i + 1];
	}
	return s;
}

static uint16_t
fin16(uint32_t s)
{
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t
sum16(const uint8_t *p, size_t n)
{
	return fin16(add16(0, p, n));
}

/* ICMPv6 checksum of an IPv6 packet p whose payload is plen bytes. */
static uint16_t
sum6(const uint8_t *p, size_t plen)
{
	uint8_t		 ph[8] = { 0 };
	uint32_t	 s;

	ph[0] = (uint8_t)(plen >> 24);
	ph[1] = (uint8_t)(plen >> 16);
	ph[2] = (uint8_t)(plen >> 8);
	ph[3] = (uint8_t)plen;
	ph[7] = 58;
	s = add16(0, p + 8, 32);
	s = add16(s, ph, 8);
	s = add16(s, p + 40, plen);
	return fin16(s);
}

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static struct tun_addr
addr(const char *s)
{
	struct tun_addr	 a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void
ip4(uint8_t *p, const char *s)
{
	struct tun_addr	 a = addr(s);

	memcpy(p, &a.u.v4, 4);
}

static void
ip6(uint8_t *p, const char *s)
{
	struct tun_addr	 a = addr(s);

	memcpy(p, &a.u.v6, 16);
}

/* An IPv4 packet of len bytes in orig: UDP, 10.0.0.2 -> 203.0.113.9. */
static void
orig4(size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		orig[i] = (uint8_t)(i * 5 + 1);
	memset(orig, 0, 20);
	orig[0] = 0x45;
	put16(orig + 2, len);
	put16(orig + 4, 0x1234);
	orig[6] = 0x40;
	orig[8] = 64;
	orig[9] = 17;
	ip4(orig + 12, "10.0.0.2");
	ip4(orig + 16, "203.0.113.9");
	put16(orig + 10, sum16(orig, 20));
}

/* An IPv6 packet of len bytes: UDP, 2001:db8:1::2 -> 2001:db8:2::9. */
static void
orig6(size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		orig[i] = (uint8_t)(i * 3 + 7);
	memset(orig, 0, 40);
	orig[0] = 0x60;
	put16(orig + 4, len - 40);
	orig[6] = 17;
	orig[7] = 64;
	ip6(orig + 8, "2001:db8:1::2");
	ip6(orig + 24, "2001:db8:2::9");
}

/*
 * The ICMP error the test expects in want: written out field by field
 * from RFC 792 / RFC 1191, quote bytes of orig.
 */
static size_t
want4(uint8_t type, uint8_t code, const uint8_t rest[4], size_t quote)
{
	size_t	 tot = 28 + quote;

	memset(want, 0, sizeof(want));
	want[0] = 0x45;
	want[1] = 0xc0;
	put16(want + 2, tot);
	want[8] = 64;
	want[9] = 1;
	ip4(want + 12, "10.0.0.1");
	memcpy(want + 16, orig + 12, 4);
	put16(want + 10, sum16(want, 20));
	want[20] = type;
	want[21] = code;
	memcpy(want + 24, rest, 4);
	memcpy(want + 28, orig, quote);
	put16(want + 22, sum16(want + 20, 8 + quote));
	return tot;
}

static size_t
want6(uint8_t type, uint8_t code, const uint8_t info[4], size_t quote)
{
	size_t	 plen = 8 + quote;

	memset(want, 0, sizeof(want));
	want[0] = 0x60;
	put16(want + 4, plen);
	want[6] = 58;
	want[7] = 64;
	ip6(want + 8, "2001:db8:1::1");
	memcpy(want + 24, orig + 8, 16);
	want[40] = type;
	want[41] = code;
	memcpy(want + 44, info, 4);
	memcpy(want + 48, orig, quote);
	put16(want + 42, sum6(want, plen));
	return 40 + plen;
}

static void
test_v4_fragneeded(void **state)
{
	struct tun_addr	 src = addr("10.0.0.1");
	size_t		 n;

	(void)state;
	orig4(1500);
	memset(out, 0xee, sizeof(out));
	n = icmp4_error(out, sizeof(out), orig, 1500, 3, 4, 1400, &src);
	assert_int_equal(n, 576);
	assert_int_equal(want4(3, 4, (uint8_t[]){ 0, 0, 0x05, 0x78 }, 548),
	    576);
	assert_memory_equal(out, want, 576);
	/* Worked by hand: 0x45c0 + 0x0240 + 0x4001 + 0x0a00 * 2 + 3. */
	assert_int_equal(out[10], 0x63);
	assert_int_equal(out[11], 0xfb);
	assert_int_equal(out[26], 0x05);
	assert_int_equal(out[27], 0x78);
	assert_int_equal(sum16(out, 20), 0);
	assert_int_equal(sum16(out + 20, 556), 0);
	assert_int_equal(out[576], 0xee);	/* nothing past the end */
}

static void
test_v4_time_exceeded(void **state)
{
	struct tun_addr	 src = addr("10.0.0.1");
	size_t		 n;

	(void)state;
	orig4(61);				/* odd: checksum pads */
	n = icmp4_error(out, sizeof(out), orig, 61, 11, 0, 0xffffffff, &src);
	assert_int_equal(n, 89);
	want4(11, 0, (uint8_t[]){ 0, 0, 0, 0 }, 61);
	assert_memory_equal(out, want, 89);
	assert_int_equal(sum16(out + 20, 69), 0);

	/* Other unreachables carry no MTU, whatever info says. */
	n = icmp4_error(out, sizeof(out), orig, 61, 3, 1, 1400, &src);
	assert_int_equal(n, 89);
	want4(3, 1, (uint8_t[]){ 0, 0, 0, 0 }, 61);
	assert_memory_equal(out, want, 89);
}

static void
test_v4_paramprob(void **state)
{
	struct tun_addr	 src = addr("10.0.0.1");
	size_t		 n;

	(void)state;
	orig4(100);
	n = icmp4_error(out, sizeof(out), orig, 100, 12, 0, 9, &src);
	assert_int_equal(n, 128);
	want4(12, 0, (uint8_t[]){ 9, 0, 0, 0 }, 100);
	assert_memory_equal(out, want, 128);
	assert_int_equal(out[24], 9);
}

static void
test_v4_outsz(void **state)
{
	struct tun_addr	 src = addr("10.0.0.1");
	struct tun_addr	 src6 = addr("2001:db8:1::1");

	(void)state;
	orig4(1500);
	/* Room for the header and 28 bytes (IP header + 64 bits) at least. */
	assert_int_equal(icmp4_error(out, 55, orig, 1500, 11, 0, 0, &src), 0);
	assert_int_equal(icmp4_error(out, 56, orig, 1500, 11, 0, 0, &src), 56);
	want4(11, 0, (uint8_t[]){ 0, 0, 0, 0 }, 28);
	assert_memory_equal(out, want, 56);
	assert_int_equal(icmp4_error(out, 300, orig, 1500, 11, 0, 0, &src),
	    300);
	want4(11, 0, (uint8_t[]){ 0, 0, 0, 0 }, 272);
	assert_memory_equal(out, want, 300);
	/* A short original is quoted whole, with a small buffer too. */
	orig4(20);
	assert_int_equal(icmp4_error(out, 48, orig, 20, 11, 0, 0, &src), 48);
	assert_int_equal(icmp4_error(out, 47, orig, 20, 11, 0, 0, &src), 0);
	/* Wrong family of source, or an original not to answer. */
	assert_int_equal(icmp4_error(out, sizeof(out), orig, 20, 11, 0, 0,
	    &src6), 0);
	ip4(orig + 16, "224.0.0.1");
	assert_int_equal(icmp4_error(out, sizeof(out), orig, 20, 11, 0, 0,
	    &src), 0);
}

static void
test_v6_ptb(void **state)
{
	struct tun_addr	 src = addr("2001:db8:1::1");
	size_t		 n;

	(void)state;
	orig6(1500);
	memset(out, 0xee, sizeof(out));
	n = icmp6_error(out, sizeof(out), orig, 1500, 2, 0, 1400, &src);
	assert_int_equal(n, 1280);
	assert_int_equal(want6(2, 0, (uint8_t[]){ 0, 0, 0x05, 0x78 }, 1232),
	    1280);
	assert_memory_equal(out, want, 1280);
	assert_int_equal(out[4], 0x04);		/* payload length 1240 */
	assert_int_equal(out[5], 0xd8);
	assert_int_equal(sum6(out, 1240), 0);
	assert_int_equal(out[1280], 0xee);
}

static void
test_v6_time_exceeded(void **state)
{
	struct tun_addr	 src = addr("2001:db8:1::1");
	size_t		 n;

	(void)state;
	orig6(101);
	n = icmp6_error(out, sizeof(out), orig, 101, 3, 0, 0xdeadbeef, &src);
	assert_int_equal(n, 149);
	want6(3, 0, (uint8_t[]){ 0, 0, 0, 0 }, 101);
	assert_memory_equal(out, want, 149);
	assert_int_equal(sum6(out, 109), 0);
}

static void
test_v6_paramprob(void **state)
{
	struct tun_addr	 src = addr("2001:db8:1::1");
	size_t		 n;

	(void)state;
	orig6(200);
	n = icmp6_error(out, sizeof(out), orig, 200, 4, 0, 0x2a, &src);
	assert_int_equal(n, 248);
	want6(4, 0, (uint8_t[]){ 0, 0, 0, 0x2a }, 200);
	assert_memory_equal(out, want, 248);
}

static void
test_v6_outsz(void **state)
{
	struct tun_addr	 src = addr("2001:db8:1::1");
	struct tun_addr	 src4 = addr("10.0.0.1");

	(void)state;
	orig6(1500);
	assert_int_equal(icmp6_error(out, 95, orig, 1500, 3, 0, 0, &src), 0);
	assert_int_equal(icmp6_error(out, 96, orig, 1500, 3, 0, 0, &src), 96);
	want6(3, 0, (uint8_t[]){ 0, 0, 0, 0 }, 48);
	assert_memory_equal(out, want, 96);
	assert_int_equal(icmp6_error(out, sizeof(out), orig, 1500, 3, 0, 0,
	    &src4), 0);
	orig[8] = 0xff;
	assert_int_equal(icmp6_error(out, sizeof(out), orig, 1500, 3, 0, 0,
	    &src), 0);
}

static void
test_may_answer4(void **state)
{
	static const uint8_t	 info[] = { 0, 8, 13, 14, 15, 16, 17, 18 };
	static const uint8_t	 err[] = { 3, 4, 5, 11, 12, 9, 10, 42, 255 };
	static const char	*badsrc[] = { "0.0.0.0", "127.0.0.1",
	    "127.255.255.254", "224.0.0.1", "239.1.2.3", "255.255.255.255",
	    "240.0.0.1" };
	static const char	*baddst[] = { "224.0.0.5", "239.255.255.255",
	    "255.255.255.255" };
	size_t			 i;

	(void)state;
	orig4(100);
	assert_int_equal(icmp4_may_answer(orig, 100), 1);
	assert_int_equal(icmp4_may_answer(orig, 20), 1);
	assert_int_equal(icmp4_may_answer(orig, 19), 0);
	orig[0] = 0x65;
	assert_int_equal(icmp4_may_answer(orig, 100), 0);
	orig[0] = 0x44;				/* IHL 4 */
	assert_int_equal(icmp4_may_answer(orig, 100), 0);

	/* Fragments: a first one may be answered, no other. */
	orig4(100);
	orig[6] = 0x20;				/* MF, offset 0 */
	assert_int_equal(icmp4_may_answer(orig, 100), 1);
	orig[7] = 1;				/* offset 8 */
	assert_int_equal(icmp4_may_answer(orig, 100), 0);
	orig[6] = 0x00;				/* last fragment */
	assert_int_equal(icmp4_may_answer(orig, 100), 0);
	orig[6] = 0x1f;
	orig[7] = 0;
	assert_int_equal(icmp4_may_answer(orig, 100), 0);

	for (i = 0; i < sizeof(badsrc) / sizeof(badsrc[0]); i++) {
		orig4(100);
		ip4(orig + 12, badsrc[i]);
		if (icmp4_may_answer(orig, 100) != 0)
			fail_msg("answered source %s", badsrc[i]);
	}
	for (i = 0; i < sizeof(baddst) / sizeof(baddst[0]); i++) {
		orig4(100);
		ip4(orig + 16, baddst[i]);
		if (icmp4_may_answer(orig, 100) != 0)
			fail_msg("answered destination %s", baddst[i]);
	}
	/* Ordinary addresses either side of the excluded ranges. */
	orig4(100);
	ip4(orig + 12, "126.255.255.255");
	ip4(orig + 16, "223.255.255.255");
	assert_int_equal(icmp4_may_answer(orig, 100), 1);
	ip4(orig + 12, "128.0.0.1");
	ip4(orig + 16, "10.255.255.255");	/* maybe a subnet broadcast */
	assert_int_equal(icmp4_may_answer(orig, 100), 1);

	/* ICMP: queries and replies may be answered, errors never. */
	for (i = 0; i < sizeof(info); i++) {
		orig4(100);
		orig[9] = 1;
		orig[20] = info[i];
		if (icmp4_may_answer(orig, 100) != 1)
			fail_msg("ICMP type %u not answered", info[i]);
	}
	for (i = 0; i < sizeof(err); i++) {
		orig4(100);
		orig[9] = 1;
		orig[20] = err[i];
		if (icmp4_may_answer(orig, 100) != 0)
			fail_msg("ICMP type %u answered", err[i]);
		/* The type byte is not there: nothing to go by. */
		assert_int_equal(icmp4_may_answer(orig, 20), 1);
		/* Not ICMP: the same byte means nothing. */
		orig[9] = 6;
		assert_int_equal(icmp4_may_answer(orig, 100), 1);
	}
	/* The type sits after the options. */
	orig4(100);
	orig[0] = 0x46;
	orig[9] = 1;
	orig[20] = 8;
	orig[24] = 3;
	assert_int_equal(icmp4_may_answer(orig, 100), 0);
	orig[20] = 3;
	orig[24] = 8;
	assert_int_equal(icmp4_may_answer(orig, 100), 1);
	assert_int_equal(icmp4_may_answer(orig, 24), 1);
}

static void
test_may_answer6(void **state)
{
	(void)state;
	orig6(100);
	assert_int_equal(icmp6_may_answer(orig, 100, 1), 1);
	assert_int_equal(icmp6_may_answer(orig, 40, 1), 1);
	assert_int_equal(icmp6_may_answer(orig, 39, 1), 0);
	orig[0] = 0x40;
	assert_int_equal(icmp6_may_answer(orig, 100, 1), 0);

	orig6(100);
	ip6(orig + 8, "::");
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 0);
	ip6(orig + 8, "::1");
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 0);
	ip6(orig + 8, "ff02::1");
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 0);
	ip6(orig + 8, "ff0e::1:2");
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 0);
	ip6(orig + 8, "::2");
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 1);
	ip6(orig + 8, "fe80::1");
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 1);

	/* Multicast destination: Packet Too Big only. */
	orig6(100);
	ip6(orig + 24, "ff02::1");
	assert_int_equal(icmp6_may_answer(orig, 100, 1), 0);
	assert_int_equal(icmp6_may_answer(orig, 100, 3), 0);
	assert_int_equal(icmp6_may_answer(orig, 100, 4), 0);
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 1);
	ip6(orig + 24, "fe02::1");
	assert_int_equal(icmp6_may_answer(orig, 100, 3), 1);

	/* ICMPv6 right after the header: errors (type < 128) never. */
	orig6(100);
	orig[6] = 58;
	orig[40] = 1;
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 0);
	orig[40] = 127;
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 0);
	orig[40] = 128;
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 1);
	orig[40] = 135;
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 1);
	/* Cut off before the type: not answered (as Linux). */
	assert_int_equal(icmp6_may_answer(orig, 40, 2), 0);
	/* The same byte in a UDP packet means nothing. */
	orig[6] = 17;
	orig[40] = 1;
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 1);
}

/* ICMPv6 errors behind extension headers are recognised too. */
static void
test_may_answer6_ext(void **state)
{
	(void)state;
	/* Hop-by-Hop (8 bytes), Destination Options (16), ICMPv6 error */
	orig6(100);
	orig[6] = 0;
	orig[40] = 60;
	orig[41] = 0;
	orig[48] = 58;
	orig[49] = 1;
	orig[64] = 1;
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 0);
	orig[64] = 129;
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 1);
	orig[64] = 1;
	/* The chain runs past the end: type unknown, answered. */
	assert_int_equal(icmp6_may_answer(orig, 63, 2), 1);
	assert_int_equal(icmp6_may_answer(orig, 64, 2), 0);
	assert_int_equal(icmp6_may_answer(orig, 50, 2), 1);
	assert_int_equal(icmp6_may_answer(orig, 41, 2), 1);

	/* Routing header, then a first fragment of an ICMPv6 error. */
	orig6(100);
	orig[6] = 43;
	orig[40] = 44;
	orig[41] = 0;
	orig[48] = 58;
	orig[49] = 0;
	orig[50] = 0;
	orig[51] = 1;			/* offset 0, M */
	orig[56] = 3;
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 0);
	/* A later fragment: no ICMPv6 header in it to go by. */
	orig[50] = 0x01;
	orig[51] = 0x00;
	assert_int_equal(icmp6_may_answer(orig, 100, 2), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_fragneeded),
		cmocka_unit_test(test_v4_time_exceeded),
		cmocka_unit_test(test_v4_paramprob),
		cmocka_unit_test(test_v4_outsz),
		cmocka_unit_test(test_v6_ptb),
		cmocka_unit_test(test_v6_time_exceeded),
		cmocka_unit_test(test_v6_paramprob),
		cmocka_unit_test(test_v6_outsz),
		cmocka_unit_test(test_may_answer4),
		cmocka_unit_test(test_may_answer6),
		cmocka_unit_test(test_may_answer6_ext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
