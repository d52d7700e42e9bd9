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
 * Checks on inner packets read from the TUN device, before they are
 * encapsulated.  The TUN device hands over exactly one packet per read,
 * so its header lengths must match the read length exactly.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <linux/if_ether.h>

#include <stddef.h>
#include <stdint.h>

#include "ipipd_msg.h"
#include "pkt.h"

static enum drop_reason
inner_check4(const uint8_t *pkt, size_t len, uint8_t carry,
    uint8_t *ipproto)
{
	size_t	 hlen;

	if (len < IPV4_HDR_LEN)
		return DROP_TUN_SHORT;
	if (pkt[0] >> 4 != 4)
		return DROP_TUN_VERSION;
	hlen = (size_t)(pkt[0] & 0x0f) << 2;
	if (hlen < IPV4_HDR_LEN || hlen > len ||
	    pkt_get16(pkt + offsetof(struct ip, ip_len)) != len)
		return DROP_TUN_HDR;
	if ((carry & TUN_CARRY_V4) == 0)
		return DROP_TUN_MODE;
	*ipproto = IPPROTO_IPIP;
	return DROP_NONE;
}

static enum drop_reason
inner_check6(const uint8_t *pkt, size_t len, uint8_t carry,
    uint8_t *ipproto)
{
	size_t	 plen;

	if (len < IPV6_HDR_LEN)
		return DROP_TUN_SHORT;
	if (pkt[0] >> 4 != 6)
		return DROP_TUN_VERSION;
	/* Payload length 0 would be a jumbogram (RFC 2675): refused. */
	plen = pkt_get16(pkt + offsetof(struct ip6_hdr, ip6_plen));
	if (plen == 0 || IPV6_HDR_LEN + plen != len)
		return DROP_TUN_HDR;
	if ((carry & TUN_CARRY_V6) == 0)
		return DROP_TUN_MODE;
	*ipproto = IPPROTO_IPV6;
	return DROP_NONE;
}

/* MPLS (RFC 4023): at least one label stack entry; its TTL is its own. */
static enum drop_reason
inner_check_mpls(size_t len, uint8_t carry, uint8_t *ipproto)
{
	if (len < MPLS_LSE_LEN)
		return DROP_TUN_SHORT;
	if ((carry & TUN_CARRY_MPLS) == 0)
		return DROP_TUN_MODE;
	*ipproto = IPPROTO_MPLS;
	return DROP_NONE;
}

/*
 * The packet info protocol decides which header to expect, so it is
 * checked before the length: the minimum length depends on it.
 */
enum drop_reason
inner_check(const uint8_t *pkt, size_t len, uint16_t pi_proto, uint8_t carry,
    uint8_t *ipproto)
{
	switch (pi_proto) {
	case ETH_P_IP:
		return inner_check4(pkt, len, carry, ipproto);
	case ETH_P_IPV6:
		return inner_check6(pkt, len, carry, ipproto);
	case ETH_P_MPLS_UC:
		return inner_check_mpls(len, carry, ipproto);
	}
	return DROP_TUN_PROTO;
}
