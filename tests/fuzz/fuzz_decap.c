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
 * Fuzz target: outer packets from the network (engine/pkt/decap.c), then
 * RFC 6040 decapsulation (engine/pkt/ecn.c) on what was accepted, the way
 * the engine's receive path (rx_decap in engine/rx_raw.c) does.
 *
 * Input: two bytes of state, then the outer packet.
 *
 *   byte 0	bit 0	 outer family: 0 IPv4 (decap_ipv4), 1 IPv6
 *		bits 1-3 carry mask (TUN_CARRY_V4 | _V6 | _MPLS)
 *		bits 4-5 outer ECN field given to ecn_decap_inner
 *		bits 6-7 IPv6 outer source: 0 the remote, 1 the remote with
 *			 its last byte changed, 2 an IPv4 address, 3 none
 *   byte 1	bits 0-1 IPv6 socket protocol: 4, 41, 137, or bits 2-5
 *		bit 6	 no peer yet: the remote address is unset
 *		bit 7	 IPv6 outer destination is not the local address
 *
 * For IPv4 the source and destination are read from the packet itself.
 *
 * The same bytes are also fed to decap_udp (engine/pkt/decap_udp.c) as the
 * payload of a UDP datagram (encap fou|gue), see fuzz_udp: byte 0 bit 0
 * the family, bits 1-3 the carry mask, bits 6-7 == 1 a foreign source
 * address; byte 1 bit 0 GUE (else FOU), bit 1 float, bit 2 any source
 * port, bit 3 a foreign source port.
 * Every check is written here from the RFCs, not with engine code.
 *
 * The ECN step is ecn_decap_inner, the one the receive path calls.
 * corpus/decap/regress-mpls-ecn-* are MPLS inners whose label stack
 * entry starts with 4 or 6: ecn_decap, which goes by the first nibble,
 * once took them for IP headers and dropped or rewrote them.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipipd_msg.h"
#include "pkt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define PREFIX_LEN	2

static const uint8_t	 local4[4] = { 192, 0, 2, 1 };
static const uint8_t	 remote4[4] = { 192, 0, 2, 2 };
static const uint8_t	 local6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
};
static const uint8_t	 remote6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
};

/*
 * RFC 6040 section 4.2, figure 4: the inner ECN field after
 * decapsulation, [inner][outer]; -1 is drop.  Not-ECT 0, ECT(1) 1,
 * ECT(0) 2, CE 3.
 */
static const int	 rfc6040[4][4] = {
	/* outer:	 Not-ECT  ECT(1)  ECT(0)  CE */
	/* Not-ECT */	{ 0,	  0,	  0,	  -1 },
	/* ECT(1) */	{ 1,	  1,	  1,	  3 },
	/* ECT(0) */	{ 2,	  1,	  2,	  3 },
	/* CE */	{ 3,	  3,	  3,	  3 },
};

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_decap: invariant failed at %s:%d: %s\n",\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

static unsigned int
get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
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

/* RFC 4213 3.6 / RFC 6169 sources no tunnel may deliver. */
static int
martian4(const uint8_t *s)
{
	return (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0) ||
	    s[0] == 127 || s[0] >> 4 == 0xe ||
	    (s[0] == 255 && s[1] == 255 && s[2] == 255 && s[3] == 255);
}

static int
martian6(const uint8_t *s)
{
	size_t	 i;

	if (s[0] == 0xff)
		return 1;
	for (i = 0; i < 10; i++)
		if (s[i] != 0)
			return 0;
	/* ::/96 and ::ffff:0:0/96 */
	return (s[10] == 0 && s[11] == 0) || (s[10] == 0xff && s[11] == 0xff);
}

/*
 * ecn_decap on the accepted inner packet, then what it did checked
 * against RFC 6040 and against the bytes it had no business touching.
 */
static void
check_ecn(uint8_t *pkt, const struct decap_result *res, uint8_t outer)
{
	uint8_t			*inner = pkt + res->off;
	size_t			 len = res->len;
	uint16_t		 pi_proto = res->pi_proto;
	enum drop_reason	 r;
	uint8_t			*before;
	size_t			 i, hlen = 0;
	int			 in_ecn = 0, want, sum_ok = 0;

	if ((before = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(before, inner, len);
	if (pi_proto == ETH_P_IP) {
		hlen = (size_t)(inner[0] & 0x0f) * 4;
		in_ecn = inner[1] & 3;
		sum_ok = sum16(inner, hlen) == 0;
	} else if (pi_proto == ETH_P_IPV6)
		in_ecn = inner[1] >> 4 & 3;

	r = ecn_decap_inner(pkt, res, outer);

	if (pi_proto == ETH_P_MPLS_UC) {
		/* pkt.h: MPLS is left alone. */
		CHECK(r == DROP_NONE);
		CHECK(memcmp(before, inner, len) == 0);
		free(before);
		return;
	}

	want = rfc6040[in_ecn][outer];
	if (want < 0) {
		CHECK(r == DROP_NET_ECN);
		CHECK(memcmp(before, inner, len) == 0);
		free(before);
		return;
	}
	CHECK(r == DROP_NONE);
	for (i = 0; i < len; i++) {
		if (i == 1)
			continue;
		if (pi_proto == ETH_P_IP && (i == 10 || i == 11))
			continue;
		CHECK(inner[i] == before[i]);
	}
	if (pi_proto == ETH_P_IP) {
		CHECK((inner[1] & 3) == want);
		CHECK((inner[1] & ~3) == (before[1] & ~3));
		/* A right checksum stays right, a wrong one stays wrong. */
		CHECK((sum16(inner, hlen) == 0) == sum_ok);
		if (want == in_ecn)
			CHECK(inner[10] == before[10] &&
			    inner[11] == before[11]);
	} else {
		CHECK((inner[1] >> 4 & 3) == want);
		CHECK((inner[1] & ~0x30) == (before[1] & ~0x30));
	}
	free(before);
}

/*
 * decap_udp on the payload: who may send, where the inner packet
 * starts (0, or 4 after a GUE variant 0 header) and what it is.
 */
static void
fuzz_udp(const uint8_t *data, const uint8_t *pkt, size_t len)
{
	struct decap_state	 st;
	struct decap_result	 res;
	struct udp_meta		 m;
	enum drop_reason	 r;
	const uint8_t		*in;
	int			 v6 = data[0] & 1, badsrc, badport;

	memset(&st, 0, sizeof(st));
	memset(&m, 0, sizeof(m));
	st.carry = data[0] >> 1 & 7;
	st.encap = (data[1] & 1) ? ENCAP_GUE : ENCAP_FOU;
	st.encap_flags = (data[1] & 2 ? ENCAP_F_FLOAT : 0) |
	    (data[1] & 4 ? ENCAP_F_ANY_SPORT : 0);
	st.remote_port = 5555;
	st.local.af = st.remote.af = v6 ? AF_INET6 : AF_INET;
	memcpy(&st.local.u, v6 ? local6 : local4, v6 ? 16 : 4);
	memcpy(&st.remote.u, v6 ? remote6 : remote4, v6 ? 16 : 4);
	m.src = st.remote;
	m.dst = st.local;
	badsrc = data[0] >> 6 == 1;
	badport = (data[1] & 8) != 0;
	if (badsrc)
		m.src.u.v6.s6_addr[3] ^= 0x40;	/* v4: last byte too */
	m.sport = badport ? 5556 : 5555;
	memset(&res, 0, sizeof(res));
	r = decap_udp(&st, &m, pkt, len, &res);
	if (!(st.encap_flags & ENCAP_F_FLOAT) &&
	    (badsrc || (badport && !(st.encap_flags & ENCAP_F_ANY_SPORT)))) {
		CHECK(r == DROP_NET_SRC);
		return;
	}
	if (r != DROP_NONE) {
		CHECK(r > DROP_NONE && r < DROP_MAX);
		return;
	}
	CHECK(res.off <= len && res.len <= len - res.off && res.len > 0);
	in = pkt + res.off;
	if (st.encap == ENCAP_FOU || pkt[0] >> 6 == 1)
		CHECK(res.off == 0);
	else
		CHECK(res.off == 4 && pkt[0] == 0 && pkt[2] == 0 &&
		    pkt[3] == 0);
	switch (res.pi_proto) {
	case ETH_P_IP:
		CHECK(st.carry & TUN_CARRY_V4);
		CHECK(res.len >= 20 && in[0] >> 4 == 4);
		CHECK(get16(in + 2) == res.len);
		CHECK(!martian4(in + 12) && in[8] != 0);
		CHECK(res.off == 0 || pkt[1] == IPPROTO_IPIP);
		break;
	case ETH_P_IPV6:
		CHECK(st.carry & TUN_CARRY_V6);
		CHECK(res.len >= 40 && in[0] >> 4 == 6);
		CHECK(40 + get16(in + 4) == res.len);
		CHECK(!martian6(in + 8) && in[7] != 0);
		CHECK(res.off == 0 || pkt[1] == IPPROTO_IPV6);
		break;
	case ETH_P_MPLS_UC:
		CHECK(st.carry & TUN_CARRY_MPLS);
		CHECK(res.len >= 4);
		/* Without a protocol field only a MPLS-only tunnel says so. */
		CHECK(res.off == 4 ? pkt[1] == IPPROTO_MPLS :
		    st.carry == TUN_CARRY_MPLS);
		break;
	default:
		CHECK(!"pi_proto is not IPv4, IPv6 or MPLS");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decap_state	 st;
	struct decap_result	 res;
	struct tun_addr		 src, dst;
	enum drop_reason	 r;
	uint8_t			*pkt, *inner, ipproto = 0, outer_ecn;
	size_t			 len;
	int			 v6, nopeer;
	static const uint8_t	 protos[3] = { IPPROTO_IPIP, IPPROTO_IPV6,
				    IPPROTO_MPLS };

	if (size < PREFIX_LEN)
		return 0;
	v6 = data[0] & 1;
	nopeer = (data[1] & 0x40) != 0;
	outer_ecn = data[0] >> 4 & 3;
	len = size - PREFIX_LEN;
	/* An exact-size copy: ASan sees any read past the packet. */
	if ((pkt = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(pkt, data + PREFIX_LEN, len);
	fuzz_udp(data, pkt, len);

	memset(&st, 0, sizeof(st));
	st.carry = data[0] >> 1 & 7;
	memset(&res, 0, sizeof(res));
	if (!v6) {
		st.local.af = AF_INET;
		memcpy(&st.local.u.v4, local4, 4);
		st.remote.af = AF_INET;
		memcpy(&st.remote.u.v4, remote4, 4);
		if (nopeer)
			memset(&st.remote, 0, sizeof(st.remote));
		r = decap_ipv4(&st, pkt, len, &res);
	} else {
		st.local.af = AF_INET6;
		memcpy(&st.local.u.v6, local6, 16);
		st.remote.af = AF_INET6;
		memcpy(&st.remote.u.v6, remote6, 16);

		memset(&src, 0, sizeof(src));
		switch (data[0] >> 6) {
		case 0:
			src = st.remote;
			break;
		case 1:
			src = st.remote;
			src.u.v6.s6_addr[15] ^= (uint8_t)(1 + (data[1] & 0x7e));
			break;
		case 2:
			src.af = AF_INET;
			memcpy(&src.u.v4, remote6, 4);
			break;
		default:
			break;
		}
		dst = st.local;
		if (nopeer)
			memset(&st.remote, 0, sizeof(st.remote));
		if (data[1] & 0x80)
			dst.u.v6.s6_addr[0] ^= 0x01;
		ipproto = (data[1] & 3) < 3 ? protos[data[1] & 3] :
		    (uint8_t)(data[1] >> 2 & 0x0f);
		r = decap_ipv6(&st, &src, &dst, ipproto, pkt, len, &res);
	}

	if (nopeer) {
		CHECK(r == DROP_NET_NOPEER);
		free(pkt);
		return 0;
	}
	if (r != DROP_NONE) {
		CHECK(r > DROP_NONE && r < DROP_MAX);
		free(pkt);
		return 0;
	}

	/* Accepted: the inner packet lies within what was read. */
	CHECK(res.off <= len && res.len <= len - res.off);
	inner = pkt + res.off;

	/* ...and came from the remote, to us. */
	if (!v6) {
		CHECK(len >= 20);
		CHECK(memcmp(pkt + 12, remote4, 4) == 0);
		CHECK(memcmp(pkt + 16, local4, 4) == 0);
		/* The inner starts right after the outer header. */
		CHECK(res.off == (size_t)(pkt[0] & 0x0f) * 4);
		CHECK(res.off + res.len <= get16(pkt + 2));
		ipproto = pkt[9];
	} else {
		CHECK(src.af == AF_INET6 &&
		    memcmp(&src.u.v6, remote6, 16) == 0);
		CHECK(dst.af == AF_INET6 &&
		    memcmp(&dst.u.v6, local6, 16) == 0);
		CHECK(res.off == 0);
	}

	switch (res.pi_proto) {
	case ETH_P_IP:
		CHECK(ipproto == IPPROTO_IPIP);
		CHECK(st.carry & TUN_CARRY_V4);
		CHECK(res.len >= 20);
		CHECK(inner[0] >> 4 == 4);
		CHECK((inner[0] & 0x0f) >= 5);
		CHECK(get16(inner + 2) == res.len);
		CHECK((size_t)(inner[0] & 0x0f) * 4 <= res.len);
		CHECK(!martian4(inner + 12));
		CHECK(inner[8] != 0);
		break;
	case ETH_P_IPV6:
		CHECK(ipproto == IPPROTO_IPV6);
		CHECK(st.carry & TUN_CARRY_V6);
		CHECK(res.len >= 40);
		CHECK(inner[0] >> 4 == 6);
		CHECK(get16(inner + 4) != 0 && 40 + get16(inner + 4) == res.len);
		CHECK(!martian6(inner + 8));
		CHECK(inner[7] != 0);
		break;
	case ETH_P_MPLS_UC:
		CHECK(ipproto == IPPROTO_MPLS);
		CHECK(st.carry & TUN_CARRY_MPLS);
		CHECK(res.len >= 4);
		break;
	default:
		CHECK(!"pi_proto is not IPv4, IPv6 or MPLS");
	}

	check_ecn(pkt, &res, outer_ecn);
	free(pkt);
	return 0;
}
