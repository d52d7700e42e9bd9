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
 * TUN offloads (engine/pkt/gso.c, gro.c, csum_fast.c): segmentation and
 * coalescing, every checksum checked by the reference below (a plain
 * byte-pair RFC 1071 sum written here, sharing nothing with the engine).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "offload.h"
#include "pkt.h"
#include "../ref_csum.h"

#define MSS	1448

/* ------------------------------------------------------- reference */

/* 1 if the IPv4 header checksum is right. */
static int
ref_ip4_ok(const uint8_t *p)
{
	return ref_fold(ref_add(0, p, (size_t)(p[0] & 15) * 4)) == 0xffff;
}

/* 1 if the TCP/UDP checksum of the packet (IPv4 or IPv6) is right. */
static int
ref_l4_ok(const uint8_t *p, size_t len, size_t iphlen, uint8_t proto)
{
	uint32_t	 s;
	size_t		 l4 = len - iphlen;

	if (p[0] >> 4 == 4)
		s = ref_add(0, p + 12, 8);
	else
		s = ref_add(0, p + 8, 32);
	s += proto + (uint32_t)l4;
	s = ref_add(s, p + iphlen, l4);
	return ref_fold(s) == 0xffff;
}

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)g16(p) << 16 | g16(p + 2);
}

static void
p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ------------------------------------------------------- builders */

/* Fill the checksum the reference way (full, not partial). */
static void
ref_fix(uint8_t *p, size_t len, size_t iphlen, uint8_t proto)
{
	uint8_t	*c = p + iphlen + (proto == 6 ? 16 : 6);
	uint32_t s;

	if (p[0] >> 4 == 4) {
		p16(p + 10, 0);
		p16(p + 10, (uint16_t)~ref_fold(ref_add(0, p, iphlen)));
		s = ref_add(0, p + 12, 8);
	} else
		s = ref_add(0, p + 8, 32);
	p16(c, 0);
	s += proto + (uint32_t)(len - iphlen);
	s = ref_add(s, p + iphlen, len - iphlen);
	p16(c, (uint16_t)~ref_fold(s));
}

/*
 * A TCP packet: IPv4 (ID 0x1234, DF, TOS 0x10, TTL 64) or IPv6, with a
 * 12-byte timestamp option, flags, seq, and paylen payload bytes.
 */
static size_t
mk_tcp(uint8_t *p, int v6, uint8_t flags, uint32_t seq, size_t paylen,
    unsigned int seed)
{
	size_t	 ih = v6 ? 40 : 20, th = 32, i;
	uint8_t	*t = p + ih;

	memset(p, 0, ih + th);
	if (!v6) {
		p[0] = 0x45;
		p[1] = 0x10;
		p16(p + 2, (uint16_t)(ih + th + paylen));
		p16(p + 4, 0x1234);
		p[6] = 0x40;
		p[8] = 64;
		p[9] = 6;
		memcpy(p + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	} else {
		p[0] = 0x60;
		p[1] = 0x01;
		p[3] = 0x42;
		p16(p + 4, (uint16_t)(th + paylen));
		p[6] = 6;
		p[7] = 64;
		p[8] = 0xfd;
		p[23] = 1;
		p[24] = 0xfd;
		p[39] = 2;
	}
	p16(t, 40000);
	p16(t + 2, 5201);
	p16(t + 4, (uint16_t)(seq >> 16));
	p16(t + 6, (uint16_t)seq);
	p16(t + 8, 0x0102);
	p16(t + 10, 0x0304);
	t[12] = (th / 4) << 4;
	t[13] = flags;
	p16(t + 14, 502);
	memcpy(t + 20, "\x01\x01\x08\x0a\x00\x00\x10\x00\x00\x00\x20\x00", 12);
	for (i = 0; i < paylen; i++)
		p[ih + th + i] = (uint8_t)(i * 7 + seed);
	ref_fix(p, ih + th + paylen, ih, 6);
	return ih + th + paylen;
}

static size_t
mk_udp(uint8_t *p, int v6, size_t paylen)
{
	size_t	 ih = v6 ? 40 : 20, i;

	memset(p, 0, ih + 8);
	if (!v6) {
		p[0] = 0x45;
		p16(p + 2, (uint16_t)(ih + 8 + paylen));
		p16(p + 4, 7);
		p[8] = 64;
		p[9] = 17;
		memcpy(p + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	} else {
		p[0] = 0x60;
		p16(p + 4, (uint16_t)(8 + paylen));
		p[6] = 17;
		p[7] = 64;
		p[8] = 0xfd;
		p[23] = 1;
		p[24] = 0xfd;
		p[39] = 2;
	}
	p16(p + ih, 5000);
	p16(p + ih + 2, 6000);
	p16(p + ih + 4, (uint16_t)(8 + paylen));
	for (i = 0; i < paylen; i++)
		p[ih + 8 + i] = (uint8_t)(i * 13 + 5);
	ref_fix(p, ih + 8 + paylen, ih, 17);
	return ih + 8 + paylen;
}

static uint8_t	 sup[70000], seg[70000], back[70000];

/* ------------------------------------------------------- checksums */

static void
test_csum_add_matches_reference(void **state)
{
	size_t	 len, off;
	uint32_t s;

	(void)state;
	for (len = 0; len < 300; len++)
		sup[len] = (uint8_t)(len * 31 + 7);
	for (off = 0; off < 8; off++)
		for (len = 0; len + off < 300; len++) {
			s = csum_add(0, sup + off, len);
			assert_int_equal(cksum_fold(s),
			    (uint16_t)~ref_fold(ref_add(0, sup + off, len)));
		}
	/* Pieces: even lengths first, the odd one last. */
	s = csum_add(0, sup, 64);
	s = csum_add(s, sup + 64, 101);
	assert_int_equal(cksum_fold(s),
	    (uint16_t)~ref_fold(ref_add(0, sup, 165)));
	memset(sup, 0xff, 65536);
	assert_int_equal(cksum_fold(csum_add(0xffffffff, sup, 65536)),
	    (uint16_t)~ref_fold(ref_add(0xffff, sup, 65536)));
}

static void
test_csum_complete(void **state)
{
	size_t	 len = mk_tcp(sup, 0, 0x18, 1000, 999, 3);
	uint32_t s;

	(void)state;
	/* What the kernel hands over: the uninverted pseudo-header sum. */
	s = ref_add(0, sup + 12, 8) + 6 + (uint32_t)(len - 20);
	p16(sup + 36, ref_fold(s));
	assert_int_equal(csum_complete(sup, len, 20, 16), 0);
	assert_true(ref_l4_ok(sup, len, 20, 6));
	/* Offsets that do not fit. */
	assert_int_equal(csum_complete(sup, len, len, 0), -1);
	assert_int_equal(csum_complete(sup, len, 20, len - 21), -1);
	assert_int_equal(csum_complete(sup, len, 20, len - 22), 0);
	assert_int_equal(csum_complete(sup, 0, 0, 0), -1);
}

/* ------------------------------------------------------- GSO */

static void
check_segments(size_t len, int v6, uint8_t proto, uint8_t gso_type,
    size_t mss)
{
	struct vnet_hdr		 vh = { .gso_type = gso_type,
				    .gso_size = (uint16_t)mss };
	struct gso_layout	 l;
	size_t			 n, got = 0, ih = v6 ? 40 : 20;
	unsigned int		 i;
	uint8_t			 fl = sup[ih + 13];

	assert_int_equal(gso_parse(sup, len, &vh, &l), 0);
	assert_int_equal(l.nsegs, (len - l.hlen + mss - 1) / mss);
	for (i = 0; i < l.nsegs; i++) {
		n = gso_segment(sup, &l, i, seg, sizeof(seg));
		assert_int_equal(gso_segment(sup, &l, i, back, n - 1), 0);
		assert_true(n > l.hlen && n <= l.hlen + mss);
		assert_true(ref_l4_ok(seg, n, ih, proto));
		if (!v6) {
			assert_true(ref_ip4_ok(seg));
			assert_int_equal(g16(seg + 2), n);
			assert_int_equal(g16(seg + 4), (uint16_t)(g16(sup + 4) + i));
			assert_memory_equal(seg + 6, sup + 6, 4);
		} else
			assert_int_equal(g16(seg + 4), n - 40);
		if (proto == 6) {
			assert_int_equal(g32(seg + ih + 4),
			    (uint32_t)(g32(sup + ih + 4) + i * mss));
			assert_int_equal(seg[ih + 13] & 0x09,
			    i + 1 == l.nsegs ? (fl & 0x09) : 0);
			assert_int_equal(seg[ih + 13] & 0x80,
			    i == 0 ? (fl & 0x80) : 0);
			assert_memory_equal(seg + ih + 20, sup + ih + 20, 12);
		} else
			assert_int_equal(g16(seg + ih + 4), n - ih);
		/* The payloads, in order, are the super-packet's. */
		assert_memory_equal(seg + l.hlen, sup + l.hlen + got,
		    n - l.hlen);
		got += n - l.hlen;
	}
	assert_int_equal(got, len - l.hlen);
}

static void
test_gso_tcp4(void **state)
{
	(void)state;
	check_segments(mk_tcp(sup, 0, 0x19 | 0x80, 0xfffff000, 5000, 1), 0, 6,
	    VNET_GSO_TCPV4 | VNET_GSO_ECN, MSS);
	check_segments(mk_tcp(sup, 0, 0x10, 1, 64000, 2), 0, 6,
	    VNET_GSO_TCPV4, MSS);
	check_segments(mk_tcp(sup, 0, 0x18, 1, 2 * MSS, 2), 0, 6,
	    VNET_GSO_TCPV4, MSS);
	check_segments(mk_tcp(sup, 0, 0x18, 1, 100, 2), 0, 6,
	    VNET_GSO_TCPV4, 88);
}

static void
test_gso_tcp6(void **state)
{
	(void)state;
	check_segments(mk_tcp(sup, 1, 0x18, 77, 60000, 4), 1, 6,
	    VNET_GSO_TCPV6, 1420);
	check_segments(mk_tcp(sup, 1, 0x11, 77, 1421, 4), 1, 6,
	    VNET_GSO_TCPV6, 1420);
}

static void
test_gso_udp(void **state)
{
	(void)state;
	check_segments(mk_udp(sup, 0, 8000), 0, 17, VNET_GSO_UDP_L4, 1400);
	check_segments(mk_udp(sup, 1, 8001), 1, 17, VNET_GSO_UDP_L4, 1000);
	/* The largest: IPv6 payload 65535, 65575 bytes in all. */
	check_segments(mk_udp(sup, 1, 65527), 1, 17, VNET_GSO_UDP_L4, 1400);
}

static void
test_gso_rejects(void **state)
{
	struct vnet_hdr		 vh = { .gso_type = VNET_GSO_TCPV4,
				    .gso_size = MSS };
	struct gso_layout	 l;
	size_t			 len = mk_tcp(sup, 0, 0x10, 1, 5000, 1);

	(void)state;
	assert_int_equal(gso_parse(sup, len, &vh, &l), 0);
	assert_int_equal(gso_parse(sup, len - 1, &vh, &l), -1); /* tot_len */
	assert_int_equal(gso_parse(sup, 0, &vh, &l), -1);
	assert_int_equal(gso_parse(sup, 30, &vh, &l), -1);
	vh.gso_type = VNET_GSO_TCPV6;			/* not IPv6 */
	assert_int_equal(gso_parse(sup, len, &vh, &l), -1);
	vh.gso_type = VNET_GSO_UDP;			/* UFO */
	assert_int_equal(gso_parse(sup, len, &vh, &l), -1);
	vh.gso_type = VNET_GSO_UDP_L4;			/* it is TCP */
	assert_int_equal(gso_parse(sup, len, &vh, &l), -1);
	vh.gso_type = VNET_GSO_TCPV4;
	vh.gso_size = 0;
	assert_int_equal(gso_parse(sup, len, &vh, &l), -1);
	vh.gso_size = MSS;
	sup[32] = 0x40;					/* data offset 16 */
	assert_int_equal(gso_parse(sup, len, &vh, &l), -1);
	sup[32] = 0x80;
	sup[6] |= 0x20;					/* MF */
	assert_int_equal(gso_parse(sup, len, &vh, &l), -1);
	/* Headers only, no payload. */
	len = mk_tcp(sup, 0, 0x10, 1, 0, 1);
	assert_int_equal(gso_parse(sup, len, &vh, &l), -1);
}

/* ------------------------------------------------------- GRO */

/* Segment sup, coalesce the segments again into back. */
static size_t
resegment_and_merge(size_t len, uint8_t gso_type, size_t mss,
    struct vnet_hdr *out)
{
	struct vnet_hdr		 vh = { .gso_type = gso_type,
				    .gso_size = (uint16_t)mss };
	struct gso_layout	 l;
	struct gro_flow		 f;
	size_t			 n, ih, hl;
	unsigned int		 i;

	assert_int_equal(gso_parse(sup, len, &vh, &l), 0);
	for (i = 0; i < l.nsegs; i++) {
		n = gso_segment(sup, &l, i, seg, sizeof(seg));
		assert_int_equal(gro_candidate(seg, n, &ih, &hl), 1);
		assert_int_equal(ih, l.iphlen);
		assert_int_equal(hl, l.hlen);
		if (i == 0) {
			memcpy(back, seg, n);
			gro_start(&f, back, n, sizeof(back), ih, hl, 0x800);
		} else {
			assert_true(gro_same_flow(&f, seg));
			assert_int_equal(gro_append(&f, seg, n, hl), 1);
		}
	}
	assert_int_equal(f.nsegs, l.nsegs);
	return gro_finish(&f, out);
}

static void
check_roundtrip(int v6, size_t paylen, uint8_t flags)
{
	struct vnet_hdr	 vh;
	size_t		 len, n, ih = v6 ? 40 : 20;

	len = mk_tcp(sup, v6, flags, 0x7ffffff0, paylen, 9);
	n = resegment_and_merge(len, v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4,
	    MSS, &vh);
	assert_int_equal(n, len);
	assert_int_equal(vh.gso_type, v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4);
	assert_int_equal(vh.flags, VNET_F_NEEDS_CSUM);
	assert_int_equal(vh.gso_size, MSS);
	assert_int_equal(vh.hdr_len, ih + 32);
	assert_int_equal(vh.csum_start, ih);
	assert_int_equal(vh.csum_offset, 16);
	if (!v6)
		assert_true(ref_ip4_ok(back));
	/* The kernel completes the partial checksum; then all is equal. */
	assert_int_equal(csum_complete(back, n, vh.csum_start,
	    vh.csum_offset), 0);
	assert_true(ref_l4_ok(back, n, ih, 6));
	assert_memory_equal(back, sup, len);
}

static void
test_gro_roundtrip(void **state)
{
	(void)state;
	check_roundtrip(0, 20 * MSS, 0x10);
	check_roundtrip(0, 20 * MSS + 5, 0x18);		/* PSH on the last */
	check_roundtrip(1, 30 * MSS, 0x10);
	check_roundtrip(0, 45 * MSS, 0x10);		/* 65 KB */
}

/* Two segments: a held first, b offered; 1 if b joined. */
static int
joins(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	struct gro_flow	 f;
	size_t		 ih, hl;

	memcpy(back, a, alen);
	assert_int_equal(gro_candidate(back, alen, &ih, &hl), 1);
	gro_start(&f, back, alen, sizeof(back), ih, hl, 0x800);
	if (!gro_candidate(b, blen, &ih, &hl))
		return 0;
	if (!gro_same_flow(&f, b))
		return 0;
	return gro_append(&f, b, blen, hl);
}

static uint8_t	 a[2000], b[2000];

static void
test_gro_rules(void **state)
{
	size_t	 al, bl;

	(void)state;
	al = mk_tcp(a, 0, 0x10, 1000, MSS, 1);
	bl = mk_tcp(b, 0, 0x10, 1000 + MSS, MSS, 2);
	p16(b + 4, 0x1235);
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 1);
	/* Same ID allowed only with DF. */
	p16(b + 4, 0x1234);
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 1);
	b[6] = 0;
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	b[6] = 0x40;
	p16(b + 4, 0x1240);				/* ID jump */
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	p16(b + 4, 0x1235);
	b[1] = 0x11;					/* ToS (ECN) */
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	b[1] = 0x10;
	b[8] = 63;					/* TTL */
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	b[8] = 64;
	b[20 + 31] ^= 1;				/* TS echo */
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	b[20 + 31] ^= 1;
	b[20 + 11] ^= 1;				/* ACK number */
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	b[20 + 11] ^= 1;
	b[20 + 15] ^= 1;				/* window */
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	b[20 + 15] ^= 1;
	b[20 + 3] ^= 1;					/* port: other flow */
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	b[20 + 3] ^= 1;
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 1);
	/* A corrupt payload byte: not even a candidate. */
	b[100] ^= 0x40;
	assert_int_equal(joins(a, al, b, bl), 0);
	b[100] ^= 0x40;
	b[10] ^= 1;					/* IP header checksum */
	assert_int_equal(joins(a, al, b, bl), 0);
	b[10] ^= 1;
	assert_int_equal(joins(a, al, b, bl), 1);
	/* Not contiguous. */
	bl = mk_tcp(b, 0, 0x10, 1000 + MSS + 1, MSS, 2);
	p16(b + 4, 0x1235);
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	/* Bigger than the first segment. */
	bl = mk_tcp(b, 0, 0x10, 1000 + MSS, MSS + 1, 2);
	p16(b + 4, 0x1235);
	ref_fix(b, bl, 20, 6);
	assert_int_equal(joins(a, al, b, bl), 0);
	/* Flags that never merge: FIN, SYN, RST, URG, CWR, ECE. */
	{
		static const uint8_t bad[] = { 0x11, 0x12, 0x14, 0x30, 0x90,
		    0x50 };
		size_t	 i;

		for (i = 0; i < sizeof(bad); i++) {
			bl = mk_tcp(b, 0, bad[i], 1000 + MSS, MSS, 2);
			p16(b + 4, 0x1235);
			ref_fix(b, bl, 20, 6);
			assert_int_equal(joins(a, al, b, bl), 0);
		}
	}
	/* A pure ACK is no candidate. */
	bl = mk_tcp(b, 0, 0x10, 1000 + MSS, 0, 2);
	assert_int_equal(gro_candidate(b, bl, &al, &al), 0);
}

static void
test_gro_closes(void **state)
{
	struct gro_flow	 f;
	size_t		 al, bl, cl, ih, hl;
	static uint8_t	 c[2000];

	(void)state;
	/* After a short segment nothing more joins. */
	al = mk_tcp(a, 0, 0x10, 1, MSS, 1);
	bl = mk_tcp(b, 0, 0x10, 1 + MSS, 100, 1);
	p16(b + 4, 0x1235);
	ref_fix(b, bl, 20, 6);
	cl = mk_tcp(c, 0, 0x10, 1 + MSS + 100, 100, 1);
	p16(c + 4, 0x1236);
	ref_fix(c, cl, 20, 6);
	memcpy(back, a, al);
	assert_int_equal(gro_candidate(back, al, &ih, &hl), 1);
	gro_start(&f, back, al, sizeof(back), ih, hl, 0x800);
	assert_int_equal(gro_append(&f, b, bl, hl), 1);
	assert_int_equal(gro_append(&f, c, cl, hl), 0);
	/* After PSH neither; PSH is kept on the super-packet. */
	bl = mk_tcp(b, 0, 0x18, 1 + MSS, MSS, 1);
	p16(b + 4, 0x1235);
	ref_fix(b, bl, 20, 6);
	cl = mk_tcp(c, 0, 0x10, 1 + 2 * MSS, MSS, 1);
	p16(c + 4, 0x1236);
	ref_fix(c, cl, 20, 6);
	memcpy(back, a, al);
	gro_start(&f, back, al, sizeof(back), ih, hl, 0x800);
	assert_int_equal(gro_append(&f, b, bl, hl), 1);
	assert_int_equal(back[20 + 13], 0x18);
	assert_int_equal(gro_append(&f, c, cl, hl), 0);
	/* No room left in the buffer. */
	memcpy(back, a, al);
	gro_start(&f, back, al, al + MSS - 1, ih, hl, 0x800);
	bl = mk_tcp(b, 0, 0x10, 1 + MSS, MSS, 1);
	p16(b + 4, 0x1235);
	ref_fix(b, bl, 20, 6);
	assert_int_equal(gro_append(&f, b, bl, hl), 0);
	/* One segment alone: written as it came, marked valid. */
	{
		struct vnet_hdr	 vh;

		memcpy(back, a, al);
		gro_start(&f, back, al, sizeof(back), ih, hl, 0x800);
		assert_int_equal(gro_finish(&f, &vh), al);
		assert_int_equal(vh.gso_type, VNET_GSO_NONE);
		assert_int_equal(vh.flags, VNET_F_DATA_VALID);
		assert_memory_equal(back, a, al);
	}
}

static void
test_vnet_hdr_codec(void **state)
{
	struct vnet_hdr	 vh = { 1, 4, 0x1234, 1448, 40, 16 }, got;
	uint8_t		 raw[VNET_HDR_LEN];

	(void)state;
	vnet_hdr_put(raw, &vh);
	/* Little-endian on the wire of the TUN device. */
	assert_memory_equal(raw, "\x01\x04\x34\x12\xa8\x05\x28\x00\x10\x00",
	    VNET_HDR_LEN);
	vnet_hdr_get(raw, &got);
	assert_memory_equal(&got, &vh, sizeof(vh));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_add_matches_reference),
		cmocka_unit_test(test_csum_complete),
		cmocka_unit_test(test_gso_tcp4),
		cmocka_unit_test(test_gso_tcp6),
		cmocka_unit_test(test_gso_udp),
		cmocka_unit_test(test_gso_rejects),
		cmocka_unit_test(test_gro_roundtrip),
		cmocka_unit_test(test_gro_rules),
		cmocka_unit_test(test_gro_closes),
		cmocka_unit_test(test_vnet_hdr_codec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
