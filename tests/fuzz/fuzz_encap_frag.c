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
 * Fuzz target: outer header (engine/pkt/encap.c) then outer fragmentation
 * (engine/pkt/frag.c).  The fragments are put back together by a small
 * reassembler written here, from the header fields alone (RFC 791 3.2,
 * RFC 8200 4.5), and must give back exactly the outer payload.
 *
 * Input: PREFIX_LEN bytes of options, then the inner packet.
 *
 *   bytes 0-1	mtu: 68 + (value % 8933), so 68..9000
 *   byte 2	bit 0	 outer family: 0 IPv4, 1 IPv6
 *		bit 1	 DF (IPv4)
 *		bits 2-3 outer protocol: 4, 41, 137, or byte 3
 *		bit 4	 pad the inner packet by bytes 7-8 (up to 65535
 *			 more bytes), to reach the length limits cheaply
 *		bit 5	 at most byte 9 fragments (else FRAG_MAX)
 *		bit 6	 XOR byte 9 | 1 into the outer header's first byte
 *			 before fragmenting (IPv4: never a 20-byte header
 *			 any more, so refused; IPv6: refused unless the
 *			 version nibble survives)
 *   byte 3	TOS / traffic class
 *   byte 4	TTL / hop limit
 *   bytes 5-6	IPv4 identification; with byte 9, IPv6 fragment id and
 *		flow label
 *   bytes 7-8	pad length
 *   byte 9	fragment limit (bit 5 of byte 2), header damage (bit 6)
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define PREFIX_LEN	10
#define FRAG_MAX	4200	/* 65535 / 16 at IPv6 mtu 68 is 4096 */
#define MAXPAY		65535

static const uint8_t	 src4[4] = { 192, 0, 2, 1 };
static const uint8_t	 dst4[4] = { 198, 51, 100, 2 };
static const uint8_t	 src6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
};
static const uint8_t	 dst6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
};

static struct frag	 frags[FRAG_MAX];
static uint8_t		 reasm[MAXPAY + 1];
static uint8_t		 seen[MAXPAY + 1];

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_encap_frag: invariant failed at "	\
		    "%s:%d: %s\n", __FILE__, __LINE__, #cond);		\
		abort();						\
	}								\
} while (0)

static unsigned int
get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* RFC 1071, written out here: 0 when the header's checksum is right. */
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

/* Put one slice where its header says; no overlaps, within 65535. */
static void
place(const uint8_t *payload, size_t payload_len, const struct frag *f,
    size_t at)
{
	size_t	 i;

	CHECK(f->off <= payload_len && f->len <= payload_len - f->off);
	CHECK(at + f->len <= MAXPAY);
	for (i = 0; i < f->len; i++) {
		CHECK(!seen[at + i]);
		seen[at + i] = 1;
	}
	memcpy(reasm + at, payload + f->off, f->len);
}

/* Every byte of the payload covered once, and the same bytes. */
static void
check_whole(const uint8_t *payload, size_t payload_len, size_t end)
{
	size_t	 i;

	CHECK(end == payload_len);
	for (i = 0; i < payload_len; i++)
		CHECK(seen[i]);
	CHECK(memcmp(reasm, payload, payload_len) == 0);
}

static void
check_v4(const uint8_t *hdr, const uint8_t *payload, size_t payload_len,
    size_t mtu, int max, int n, int df)
{
	const uint8_t	*h;
	size_t		 chunk, need, at, end = 0;
	unsigned int	 off;
	int		 i, fits, mf;

	fits = IPV4_HDR_LEN + payload_len <= mtu;
	chunk = (mtu - IPV4_HDR_LEN) & ~(size_t)7;
	need = payload_len == 0 ? 1 : (payload_len + chunk - 1) / chunk;
	if (n == 0) {
		/* Only the reasons pkt.h gives. */
		CHECK((!fits && df) || (!fits && need > (size_t)max) ||
		    (fits && max < 1));
		return;
	}
	CHECK(n >= 1 && n <= max);
	if (fits)
		CHECK(n == 1);
	CHECK(!df || fits);

	memset(seen, 0, payload_len);
	for (i = 0; i < n; i++) {
		h = frags[i].hdr;
		CHECK(frags[i].hlen == IPV4_HDR_LEN);
		CHECK(frags[i].hlen + frags[i].len <= mtu);
		CHECK(h[0] == 0x45);
		CHECK(get16(h + 2) == IPV4_HDR_LEN + frags[i].len);
		CHECK(sum16(h, IPV4_HDR_LEN) == 0);
		/* TOS, ID, TTL, protocol, addresses: the original's. */
		CHECK(h[1] == hdr[1]);
		CHECK(memcmp(h + 4, hdr + 4, 2) == 0);
		CHECK(memcmp(h + 8, hdr + 8, 2) == 0);
		CHECK(memcmp(h + 12, hdr + 12, 8) == 0);
		off = (get16(h + 6) & 0x1fff) * 8;
		mf = (get16(h + 6) & 0x2000) != 0;
		CHECK((get16(h + 6) & 0x8000) == 0);	/* reserved */
		if (n == 1) {
			/* The whole datagram: DF as it was, no MF. */
			CHECK(((get16(h + 6) & 0x4000) != 0) == df);
			CHECK(off == 0 && !mf);
		} else
			CHECK((get16(h + 6) & 0x4000) == 0);
		if (i + 1 < n) {
			CHECK(mf);
			CHECK(frags[i].len % 8 == 0 && frags[i].len > 0);
		} else {
			CHECK(!mf);
			end = off + frags[i].len;
		}
		at = off;
		place(payload, payload_len, &frags[i], at);
	}
	check_whole(payload, payload_len, end);
}

static void
check_v6(const uint8_t *hdr, const uint8_t *payload, size_t payload_len,
    size_t mtu, int max, int n, uint32_t id)
{
	const uint8_t	*h, *fh;
	size_t		 chunk, need, end = 0;
	unsigned int	 off;
	int		 i, fits, m;

	fits = IPV6_HDR_LEN + payload_len <= mtu;
	chunk = (mtu - IPV6_HDR_LEN - IPV6_FRAG_HDR_LEN) & ~(size_t)7;
	need = payload_len == 0 ? 1 : (payload_len + chunk - 1) / chunk;
	if (n == 0) {
		CHECK((!fits && need > (size_t)max) || max < 1);
		return;
	}
	CHECK(n >= 1 && n <= max);
	if (fits)
		CHECK(n == 1);

	memset(seen, 0, payload_len);
	for (i = 0; i < n; i++) {
		h = frags[i].hdr;
		CHECK(frags[i].hlen + frags[i].len <= mtu);
		CHECK(h[0] >> 4 == 6);
		/* Traffic class, flow label, hop limit, addresses kept. */
		CHECK(memcmp(h, hdr, 4) == 0);
		CHECK(h[7] == hdr[7]);
		CHECK(memcmp(h + 8, hdr + 8, 32) == 0);
		if (frags[i].hlen == IPV6_HDR_LEN) {
			/* Unfragmented: only when it fits, alone. */
			CHECK(fits && n == 1);
			CHECK(h[6] == hdr[6]);
			CHECK(get16(h + 4) == frags[i].len);
			off = 0;
			m = 0;
		} else {
			CHECK(frags[i].hlen ==
			    IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN);
			CHECK(h[6] == 44);
			CHECK(get16(h + 4) ==
			    IPV6_FRAG_HDR_LEN + frags[i].len);
			fh = h + IPV6_HDR_LEN;
			CHECK(fh[0] == hdr[6]);
			CHECK(fh[1] == 0);
			CHECK((get16(fh + 2) & 6) == 0);	/* Res */
			CHECK(get32(fh + 4) == id);
			off = get16(fh + 2) & 0xfff8;
			m = get16(fh + 2) & 1;
		}
		if (i + 1 < n) {
			CHECK(m);
			CHECK(frags[i].len % 8 == 0 && frags[i].len > 0);
		} else {
			CHECK(!m);
			end = off + frags[i].len;
		}
		place(payload, payload_len, &frags[i], off);
	}
	check_whole(payload, payload_len, end);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct encap_params	 p;
	uint8_t			*buf, *inner, *hdr, saved[IPV6_HDR_LEN];
	size_t			 mtu, in_len, pad, hlen, i, payload_len;
	uint32_t		 id;
	int			 v6, max, n;
	uint8_t			 proto;
	static const uint8_t	 protos[3] = { IPPROTO_IPIP, IPPROTO_IPV6,
				    IPPROTO_MPLS };

	if (size < PREFIX_LEN)
		return 0;
	mtu = 68 + get16(data) % (9000 - 68 + 1);
	v6 = data[2] & 1;
	proto = (data[2] >> 2 & 3) < 3 ? protos[data[2] >> 2 & 3] : data[3];
	pad = data[2] & 0x10 ? get16(data + 7) : 0;
	max = data[2] & 0x20 ? data[9] : FRAG_MAX;
	id = get32(data + 5) ^ (uint32_t)data[9] << 8;

	memset(&p, 0, sizeof(p));
	p.ttl = data[4];
	p.tos = data[3];
	p.df = (data[2] & 2) != 0;
	p.ip_id = (uint16_t)get16(data + 5);
	p.flowlabel = id & 0xfffff;
	if (!v6) {
		p.src.af = p.dst.af = AF_INET;
		memcpy(&p.src.u.v4, src4, 4);
		memcpy(&p.dst.u.v4, dst4, 4);
	} else {
		p.src.af = p.dst.af = AF_INET6;
		memcpy(&p.src.u.v6, src6, 16);
		memcpy(&p.dst.u.v6, dst6, 16);
	}

	/* Headroom for the outer header, then the inner packet. */
	in_len = size - PREFIX_LEN + pad;
	if ((buf = malloc(IPV6_HDR_LEN + in_len + 1)) == NULL)
		abort();
	inner = buf + IPV6_HDR_LEN;
	memcpy(inner, data + PREFIX_LEN, size - PREFIX_LEN);
	for (i = size - PREFIX_LEN; i < in_len; i++)
		inner[i] = (uint8_t)(i * 7 + data[3]);

	if (!v6) {
		hdr = inner - IPV4_HDR_LEN;
		hlen = encap_ipv4(hdr, &p, in_len, proto);
		if (in_len > 65535 - IPV4_HDR_LEN) {
			CHECK(hlen == 0);
			goto done;
		}
		CHECK(hlen == IPV4_HDR_LEN);
		CHECK(hdr[0] == 0x45 && hdr[1] == p.tos);
		CHECK(get16(hdr + 2) == IPV4_HDR_LEN + in_len);
		CHECK(get16(hdr + 4) == p.ip_id);
		CHECK(get16(hdr + 6) == (p.df ? 0x4000u : 0));
		CHECK(hdr[8] == p.ttl && hdr[9] == proto);
		CHECK(memcmp(hdr + 12, src4, 4) == 0);
		CHECK(memcmp(hdr + 16, dst4, 4) == 0);
		CHECK(sum16(hdr, IPV4_HDR_LEN) == 0);
	} else {
		hdr = inner - IPV6_HDR_LEN;
		hlen = encap_ipv6(hdr, &p, in_len, proto);
		if (in_len > 65535) {
			CHECK(hlen == 0);
			goto done;
		}
		CHECK(hlen == IPV6_HDR_LEN);
		CHECK(get32(hdr) == (6u << 28 | (uint32_t)p.tos << 20 |
		    p.flowlabel));
		CHECK(get16(hdr + 4) == in_len);
		CHECK(hdr[6] == proto && hdr[7] == p.ttl);
		CHECK(memcmp(hdr + 8, src6, 16) == 0);
		CHECK(memcmp(hdr + 24, dst6, 16) == 0);
	}

	/* The outer payload is the inner packet, after the header. */
	payload_len = in_len;
	if (data[2] & 0x40)
		hdr[0] ^= data[9] | 1;
	memcpy(saved, hdr, hlen);
	memset(frags, 0xa5, sizeof(frags[0]) * (size_t)(max < 8 ? max : 8));
	if (!v6) {
		n = frag_outer_v4(hdr, payload_len, mtu, frags, max);
		if (hdr[0] != 0x45)
			CHECK(n == 0);
		else
			check_v4(hdr, inner, payload_len, mtu, max, n, p.df);
	} else {
		n = frag_outer_v6(hdr, payload_len, mtu, id, frags, max);
		if (hdr[0] >> 4 != 6)
			CHECK(n == 0);
		else
			check_v6(hdr, inner, payload_len, mtu, max, n, id);
	}
	/* The caller's header and payload are read-only to frag. */
	CHECK(memcmp(saved, hdr, hlen) == 0);
	for (i = size - PREFIX_LEN; i < in_len; i++)
		CHECK(inner[i] == (uint8_t)(i * 7 + data[3]));
	CHECK(memcmp(inner, data + PREFIX_LEN, size - PREFIX_LEN) == 0);
done:
	free(buf);
	return 0;
}
