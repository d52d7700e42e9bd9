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
#include "outer_hdr.h"

/* Network byte order at any alignment: packet fields are not aligned. */
static inline uint16_t
pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t
pkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
pkt_put32(uint8_t *p, uint32_t v)
{
	pkt_put16(p, (uint16_t)(v >> 16));
	pkt_put16(p + 2, (uint16_t)v);
}

#define PKT_MAXLEN	65535	/* largest IP datagram */

#ifndef IPPROTO_MPLS
#define IPPROTO_MPLS	137
#endif
#ifndef ETH_P_MPLS_UC
#define ETH_P_MPLS_UC	0x8847
#endif
#define MPLS_LSE_LEN	4	/* one label stack entry */

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
	DROP_TUN_TOOBIG,	/* too big, DF/PTB: ICMP sent back */
	DROP_TUN_TTL,		/* TTL / hop limit would expire */
	DROP_TUN_ENCAPLIMIT,	/* inner encapsulation limit 0 */
	DROP_TUN_FRAG,		/* could not be fragmented */
	DROP_TUN_NOPEER,	/* no outer addresses (paused) */
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
	DROP_NET_MARTIAN,	/* inner source must not be tunnelled */
	DROP_NET_TTL,		/* inner TTL / hop limit 0 */
	DROP_NET_ECN,		/* RFC 6040: outer CE, inner Not-ECT */
	DROP_NET_ENCAP,		/* bad or unsupported GUE header */
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
	uint8_t		 tos;		/* TOS / traffic class, ECN included */
	uint32_t	 flowlabel;	/* IPv6 outer, 20 bits */
};

/*
 * Check an inner packet read from the TUN device (packet info already
 * stripped; pi_proto is its ETH_P_* protocol in host order).  carry is
 * TUN_CARRY_*.  On success return DROP_NONE and set *ipproto to the
 * outer protocol number (IPPROTO_IPIP, IPPROTO_IPV6 or IPPROTO_MPLS).
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
	uint8_t		 encap;		/* ENCAP_*: over UDP or not */
	uint8_t		 encap_flags;	/* ENCAP_F_* */
	uint16_t	 remote_port;	/* peer's source port, host order */
};

/* Where the inner packet is, once an outer packet is accepted. */
struct decap_result {
	size_t		 off;		/* inner packet offset in the buffer */
	size_t		 len;		/* inner packet length (trimmed) */
	uint16_t	 pi_proto;	/* ETH_P_IP, _IPV6, _MPLS_UC; host order */
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
 * The inner packet at pkt + off, avail bytes, carried as outer protocol
 * ipproto: length, version, mode and martian checks shared by every
 * way in (raw IPv4, raw IPv6, UDP).
 */
enum drop_reason decap_inner(const uint8_t *pkt, size_t off, size_t avail,
		    uint8_t ipproto, uint8_t carry, struct decap_result *);

/* ---- Encapsulation over UDP: FOU and GUE (issue 6) ---- */


/* Where a UDP datagram came from and went to (recvmsg name, PKTINFO). */
struct udp_meta {
	struct tun_addr	 src;
	struct tun_addr	 dst;
	uint16_t	 sport;		/* host order */
};

/*
 * Accept a UDP payload of len bytes (not zero: the caller counts empty
 * keepalives) from m: source address and port must be the remote's
 * unless st->encap_flags has ENCAP_F_FLOAT (ENCAP_F_ANY_SPORT: any
 * port), destination the local address.  FOU: the inner protocol comes
 * from the first nibble (4, 6; MPLS when the mode carries only MPLS).
 * GUE: variant 0 with no optional fields and flags, protocol 4, 41 or
 * 137; variant 1 is direct IP, again by nibble.  Then every inner
 * check of raw decapsulation.  DROP_NONE and *res, or the reason.
 */
enum drop_reason decap_udp(const struct decap_state *,
		    const struct udp_meta *, const uint8_t *pkt, size_t len,
		    struct decap_result *);

/*
 * The bytes between the UDP header and the inner packet: nothing for
 * FOU, the 4-byte GUE variant 0 header with ipproto for GUE.  Returns
 * how many were written to hdr.
 */
size_t	 encap_udp_hdr(uint8_t *hdr, uint8_t encap, uint8_t ipproto);

/*
 * A hash of the inner packet's flow (addresses, protocol and, for TCP,
 * UDP, SCTP and DCCP first fragments, ports), as the kernel picks an
 * automatic source port: one flow always leaves from one port.
 */
uint32_t udp_flow_hash(const uint8_t *inner, size_t len);

/* udp_gro.c: datagrams the kernel coalesced (UDP_GRO on the socket) */
struct msghdr;
int	 udp_gro_size(struct msghdr *);
size_t	 udp_gro_next(size_t len, size_t gso_size, size_t off);

/*
 * Internet checksum (RFC 1071): cksum_partial() adds len bytes to a
 * running 32-bit sum, cksum_fold() folds and inverts it; ip_cksum() is
 * the checksum of one buffer.
 */
uint32_t	 cksum_partial(uint32_t sum, const void *, size_t);
uint16_t	 cksum_fold(uint32_t sum);
uint16_t	 ip_cksum(const void *, size_t);

/* ---- Tunnel semantics: RFC 2003, 2473, 4213, 6040 (issue 3) ---- */

#define IPV6_FRAG_HDR_LEN	8
#define IPV6_MIN_MTU		1280
#define ECN_MASK		0x03
#define ECN_NOT_ECT		0x00
#define ECN_ECT1		0x01
#define ECN_ECT0		0x02
#define ECN_CE			0x03

/*
 * One outer fragment, sent as two iovecs: its own header (hdr, hlen
 * bytes: the outer header with fragment fields set, plus the IPv6
 * Fragment header) and a slice of the original outer payload
 * (payload + off, len bytes).
 */
struct frag {
	uint8_t		 hdr[IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN];
	size_t		 hlen;
	size_t		 off;
	size_t		 len;
};

/*
 * Split an outer IPv4 datagram into fragments of at most mtu bytes:
 * hdr is its 20-byte header (total length, ID, protocol, addresses
 * already set; DF must be clear), payload_len the bytes after it.
 * Every fragment but the last carries a multiple of 8 payload bytes,
 * MF, the right offset and a fresh header checksum.  Returns the number
 * of fragments written to out (at most max), or 0 if it cannot be done
 * (mtu < 28, too many fragments, length over 65535, hdr not IPv4 with
 * IHL 5, or DF set on a datagram that does not fit).  A datagram that
 * fits comes back as one entry: hdr unchanged (DF kept, MF and offset
 * 0, total length and checksum rewritten to the same values), so
 * callers always send what this returns.
 */
int	 frag_outer_v4(const uint8_t *hdr, size_t payload_len, size_t mtu,
	    struct frag *out, int max);

/*
 * The same for IPv6 (RFC 8200 section 4.5): hdr is the 40-byte outer
 * IPv6 header, payload_len the bytes after it (destination options,
 * if any, and the inner packet: all of it is the fragmentable part).
 * Each fragment gets a Fragment header with identification id whose
 * next header is the original header's; the IPv6 header's next header
 * becomes 44 and its payload length is fixed per fragment.  0 if mtu
 * < 56, payload_len > 65535 or too many fragments.  A packet that fits
 * comes back as one entry with no Fragment header (hlen 40).
 */
int	 frag_outer_v6(const uint8_t *hdr, size_t payload_len, size_t mtu,
	    uint32_t id, struct frag *out, int max);

/*
 * ICMP errors the engine writes into the TUN device for an inner
 * packet it cannot forward.  src is the address the error comes from;
 * out and orig must not overlap.  icmp4_error: IPv4 header + ICMP
 * (type, code, info: the next-hop MTU for type 3 code 4, the pointer
 * value for type 12, written to the top byte) + as much of orig as
 * keeps the whole error within 576 bytes, and at least orig's header
 * and 8 more bytes (or all of a shorter orig).  icmp6_error: IPv6
 * header + ICMPv6 (type, code, 32-bit info: MTU for Packet Too Big,
 * pointer for Parameter Problem) + as much of orig as keeps the whole
 * error within 1280 bytes (at least 48, or all of a shorter orig),
 * checksum over the pseudo-header.  Both return the error's length
 * (0 if outsz is too small or orig is not something an error may be
 * sent about: see icmp4_may_answer and icmp6_may_answer).
 */
size_t	 icmp4_error(uint8_t *out, size_t outsz, const uint8_t *orig,
	    size_t origlen, uint8_t type, uint8_t code, uint32_t info,
	    const struct tun_addr *src);
size_t	 icmp6_error(uint8_t *out, size_t outsz, const uint8_t *orig,
	    size_t origlen, uint8_t type, uint8_t code, uint32_t info,
	    const struct tun_addr *src);

/*
 * RFC 1122 3.2.2 / RFC 4443 2.4 (e): never an error about an ICMP
 * error, a non-first fragment, a packet to or from a broadcast,
 * multicast, unspecified or loopback address (PTB to multicast is the
 * one exception for IPv6).  1 if an error may be sent.
 */
int	 icmp4_may_answer(const uint8_t *orig, size_t origlen);
int	 icmp6_may_answer(const uint8_t *orig, size_t origlen, uint8_t type);

/*
 * RFC 6040 normal mode.  ecn_encap: the outer ECN field for an inner
 * ECN field (copied).  ecn_decap: apply the decapsulation table to the
 * inner packet in place (IPv4 checksum updated), given the outer ECN
 * field; returns DROP_NET_ECN for outer CE on a Not-ECT inner,
 * DROP_NET_SHORT if len cannot hold the inner IP header; it goes by the
 * version nibble, so only an IP inner may be passed.  ecn_decap_inner:
 * the receive path's step on decap's result, leaving an MPLS inner
 * alone; outer_tos is the outer TOS / traffic class byte.
 */
uint8_t	 ecn_encap(uint8_t inner_ecn);
enum drop_reason ecn_decap(uint8_t *inner, size_t len, uint8_t outer_ecn);
enum drop_reason ecn_decap_inner(uint8_t *pkt, const struct decap_result *,
	    uint8_t outer_tos);

/* Traffic class / TOS byte and TTL / hop limit of an inner packet. */
uint8_t	 inner_tos(const uint8_t *inner, size_t len);
uint8_t	 inner_ttl(const uint8_t *inner, size_t len);

/*
 * RFC 2473 4.1.1: find a Tunnel Encapsulation Limit option in an inner
 * IPv6 packet (in a Destination Options header that directly follows
 * the IPv6 header, or after Hop-by-Hop options).  Returns 1 and sets
 * *limit and *offset (of the option's value byte from the start of the
 * packet), 0 if there is none, -1 if the extension headers are
 * malformed.
 */
int	 encaplimit_find(const uint8_t *inner, size_t len, uint8_t *limit,
	    size_t *offset);

/*
 * Write the 8-byte Destination Options header carrying a Tunnel
 * Encapsulation Limit option with value limit (then a PadN of one
 * byte), with next header nexthdr.
 */
void	 encaplimit_write(uint8_t *p, uint8_t nexthdr, uint8_t limit);

/*
 * Inner source addresses that must never come out of a tunnel
 * (RFC 4213 3.6, RFC 6169): IPv4 multicast, limited broadcast,
 * loopback, 0.0.0.0; IPv6 multicast, loopback, unspecified,
 * IPv4-compatible and IPv4-mapped.  1 if martian.
 */
int	 martian_src4(const uint8_t *inner);
int	 martian_src6(const uint8_t *inner);

#endif /* IPIPD_PKT_H */
