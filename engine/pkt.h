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
 * Packet formats the engine builds and checks.  Pure functions over
 * byte buffers: no I/O, no global state, so unit tests and fuzz targets
 * call exactly what the data path calls.
 */
#ifndef IPIPD_PKT_H
#define IPIPD_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define IPV4_HDR_LEN	20	/* outer IPv4 header, no options */
#define IPV6_HDR_LEN	40

#ifndef IPPROTO_MPLS
#define IPPROTO_MPLS	137
#endif

/*
 * Why a packet was dropped.  Every drop is counted under one reason;
 * drop_reason_name() gives the name status output uses.
 */
enum drop_reason {
	DROP_NONE = 0,
	/* inner packets read from the TUN device */
	DROP_TUN_SHORT,		/* shorter than packet info + IP header */
	DROP_TUN_PROTO,		/* packet info protocol not IPv4/IPv6 */
	DROP_TUN_VERSION,	/* IP version nibble disagrees with pi */
	DROP_TUN_HDR,		/* bad IHL, total/payload length */
	DROP_TUN_MODE,		/* family the tunnel mode does not carry */
	DROP_TUN_TOOBIG,	/* does not fit the outer path MTU */
	/* outer packets read from the raw sockets */
	DROP_NET_SHORT,		/* truncated outer or inner header */
	DROP_NET_OUTER_HDR,	/* bad outer IPv4 header */
	DROP_NET_SRC,		/* outer source is not the remote */
	DROP_NET_DST,		/* outer destination is not local */
	DROP_NET_PROTO,		/* outer protocol not 4/41 */
	DROP_NET_VERSION,	/* inner version does not match protocol */
	DROP_NET_INNER_HDR,	/* bad inner IHL/total/payload length */
	DROP_NET_MODE,		/* family the tunnel mode does not carry */
	DROP_NET_NOPEER,	/* no local/remote known yet */
	DROP_MAX
};

const char	*drop_reason_name(enum drop_reason);

/* What encapsulation writes into the outer header. */
struct encap_params {
	struct tun_addr	 src;		/* outer source (local) */
	struct tun_addr	 dst;		/* outer destination (remote) */
	uint8_t		 ttl;		/* outer TTL / hop limit */
	uint8_t		 df;		/* IPv4 outer: set DF */
	uint16_t	 ip_id;		/* IPv4 outer: identification */
};

/*
 * Check an inner packet read from the TUN device (packet info already
 * stripped; pi_proto is its ETH_P_* protocol in host order).  carry is
 * TUN_CARRY_*.  On success return DROP_NONE and set *ipproto to the
 * outer protocol number (IPPROTO_IPIP or IPPROTO_IPV6).
 */
enum drop_reason inner_check(const uint8_t *pkt, size_t len,
		    uint16_t pi_proto, uint8_t carry, uint8_t *ipproto);

/*
 * Write an outer header into hdr, directly in front of an inner packet
 * of inner_len bytes.  encap_ipv4 writes IPV4_HDR_LEN bytes (checksum
 * included), encap_ipv6 IPV6_HDR_LEN bytes.  Return the header length,
 * or 0 when the outer packet would exceed 65535 bytes (IPv4 total) or
 * the IPv6 payload length limit.
 */
size_t		 encap_ipv4(uint8_t *hdr, const struct encap_params *,
		    size_t inner_len, uint8_t ipproto);
size_t		 encap_ipv6(uint8_t *hdr, const struct encap_params *,
		    size_t inner_len, uint8_t ipproto);

/* The outer tunnel endpoints a received packet must match. */
struct decap_state {
	struct tun_addr	 local;
	struct tun_addr	 remote;
	uint8_t		 carry;		/* TUN_CARRY_* */
};

/* Where the inner packet is, once an outer packet is accepted. */
struct decap_result {
	size_t		 off;		/* inner packet offset in the buffer */
	size_t		 len;		/* inner packet length (trimmed) */
	uint16_t	 pi_proto;	/* ETH_P_IP or ETH_P_IPV6, host order */
};

/*
 * decap_ipv4: pkt is a whole outer IPv4 datagram as a raw IPv4 socket
 * returns it (header included).  decap_ipv6: a raw IPv6 socket returns
 * only the payload, so the caller passes the outer source and
 * destination (recvmsg name and IPV6_PKTINFO) and the socket's protocol.
 * Return DROP_NONE and fill *res, or the reason to drop.
 */
enum drop_reason decap_ipv4(const struct decap_state *, const uint8_t *pkt,
		    size_t len, struct decap_result *);
enum drop_reason decap_ipv6(const struct decap_state *,
		    const struct tun_addr *src, const struct tun_addr *dst,
		    uint8_t ipproto, const uint8_t *pkt, size_t len,
		    struct decap_result *);

/*
 * Internet checksum (RFC 1071): cksum_partial() adds len bytes to a
 * running 32-bit sum, cksum_fold() folds and inverts it; ip_cksum() is
 * the checksum of one buffer.
 */
uint32_t	 cksum_partial(uint32_t sum, const void *, size_t);
uint16_t	 cksum_fold(uint32_t sum);
uint16_t	 ip_cksum(const void *, size_t);

#endif /* IPIPD_PKT_H */
