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
 * Checks on UDP datagrams (encap fou, encap gue) before the inner packet
 * is written to the TUN device.  The kernel has already checked the
 * outer IP header, reassembled fragments and verified the UDP checksum;
 * what is left is who sent it, the GUE header and the inner packet, all
 * untrusted.  Pure functions: unit tests and the fuzz target call them.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "ipipd_msg.h"
#include "pkt.h"

/* Inner protocol from the version nibble (FOU, GUE variant 1). */
static enum drop_reason
proto_by_nibble(const uint8_t *p, uint8_t carry, uint8_t *ipproto)
{
	/* MPLS has no version nibble: a MPLS-only tunnel takes it all. */
	if (carry == TUN_CARRY_MPLS) {
		*ipproto = IPPROTO_MPLS;
		return DROP_NONE;
	}
	switch (p[0] >> 4) {
	case 4:
		*ipproto = IPPROTO_IPIP;
		return DROP_NONE;
	case 6:
		*ipproto = IPPROTO_IPV6;
		return DROP_NONE;
	}
	return DROP_NET_VERSION;
}

/*
 * GUE (draft-ietf-intarea-gue): the first two bits are the variant.
 * Variant 0: C bit, 5-bit header length in words, protocol, 16 flag
 * bits; control messages, optional fields and flags are refused, as
 * the kernel sends none of them.  Variant 1: direct IP, no header.
 */
static enum drop_reason
gue_parse(const uint8_t *p, size_t len, uint8_t carry, size_t *off,
    uint8_t *ipproto)
{
	switch (p[0] >> 6) {
	case 0:
		if (len < GUE_HDR_LEN)
			return DROP_NET_SHORT;
		if ((p[0] & 0x20) || (p[0] & 0x1f) != 0 || p[2] != 0 ||
		    p[3] != 0)
			return DROP_NET_ENCAP;
		if (p[1] != IPPROTO_IPIP && p[1] != IPPROTO_IPV6 &&
		    p[1] != IPPROTO_MPLS)
			return DROP_NET_PROTO;
		*ipproto = p[1];
		*off = GUE_HDR_LEN;
		return DROP_NONE;
	case 1:
		*off = 0;
		return proto_by_nibble(p, carry, ipproto);
	}
	return DROP_NET_ENCAP;
}

static enum drop_reason
udp_peer_check(const struct decap_state *st, const struct udp_meta *m)
{
	if (!addr_is_set(&st->local) || st->remote.af != m->src.af ||
	    st->local.af != m->src.af)
		return DROP_NET_NOPEER;
	if (!(st->encap_flags & ENCAP_F_FLOAT)) {
		if (!addr_eq(&m->src, &st->remote))
			return DROP_NET_SRC;
		if (!(st->encap_flags & ENCAP_F_ANY_SPORT) &&
		    m->sport != st->remote_port)
			return DROP_NET_SRC;
	}
	if (!addr_eq(&m->dst, &st->local))
		return DROP_NET_DST;
	return DROP_NONE;
}

enum drop_reason
decap_udp(const struct decap_state *st, const struct udp_meta *m,
    const uint8_t *pkt, size_t len, struct decap_result *res)
{
	enum drop_reason	 r;
	size_t			 off = 0;
	uint8_t			 ipproto = 0;

	if ((r = udp_peer_check(st, m)) != DROP_NONE)
		return r;
	if (len == 0)
		return DROP_NET_SHORT;
	if (st->encap == ENCAP_GUE)
		r = gue_parse(pkt, len, st->carry, &off, &ipproto);
	else if (st->encap == ENCAP_FOU)
		r = proto_by_nibble(pkt, st->carry, &ipproto);
	else
		r = DROP_NET_ENCAP;
	if (r != DROP_NONE)
		return r;
	return decap_inner(pkt, off, len - off, ipproto, st->carry, res);
}
