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
 * TUN offloads (issue 8).  With IFF_VNET_HDR every packet on the TUN fd
 * carries a struct virtio_net_hdr after the packet info; the kernel
 * then hands over TCP (and UDP) super-packets of up to 64 KiB and
 * packets whose transport checksum is only partial.  The engine cuts
 * super-packets into MTU-sized segments itself (GSO) before
 * encapsulation, and glues received in-order TCP segments of one flow
 * back into one super-packet (GRO) before it writes them to the TUN.
 *
 * The packet functions here are pure (byte buffers in, byte buffers
 * out) so unit tests and fuzz targets call exactly what the data path
 * calls.
 */
#ifndef IPIPD_OFFLOAD_H
#define IPIPD_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

#define VNET_HDR_LEN		10	/* struct virtio_net_hdr */
#define VNET_F_NEEDS_CSUM	0x01
#define VNET_F_DATA_VALID	0x02
#define VNET_GSO_NONE		0
#define VNET_GSO_TCPV4		1
#define VNET_GSO_UDP		3	/* UFO: never enabled */
#define VNET_GSO_TCPV6		4
#define VNET_GSO_UDP_L4		5
#define VNET_GSO_ECN		0x80

#define GRO_FLOWS		8	/* super-packets built at once */
#define GRO_MAXLEN		65535	/* IPv4 total length; IPv6 alike */
#define GSO_ARENA_LEN		(512 * 1024)	/* segments awaiting send */

/* struct virtio_net_hdr in host order (the TUN device speaks LE). */
struct vnet_hdr {
	uint8_t		 flags;
	uint8_t		 gso_type;
	uint16_t	 hdr_len;
	uint16_t	 gso_size;
	uint16_t	 csum_start;
	uint16_t	 csum_offset;
};

void	 vnet_hdr_get(const uint8_t *p, struct vnet_hdr *);
void	 vnet_hdr_put(uint8_t *p, const struct vnet_hdr *);

/*
 * Internet checksum over len bytes added to sum, a word at a time; the
 * result is congruent (mod 0xffff) to cksum_partial()'s and folds the
 * same with cksum_fold().  Only the last piece may have an odd length.
 */
uint32_t csum_add(uint32_t sum, const void *, size_t);

/*
 * CHECKSUM_PARTIAL completion: the 16-bit field at start + off holds
 * the pseudo-header sum; sum pkt[start..len) and store the result.
 * -1 if the offsets do not fit in len.
 */
int	 csum_complete(uint8_t *pkt, size_t len, size_t start, size_t off);

/* Sum of the IPv4/IPv6 pseudo-header for protocol proto and length. */
uint32_t csum_pseudo(const uint8_t *ip, uint8_t proto, size_t l4len);

/*
 * GSO.  gso_parse checks a super-packet (an IPv4 header without
 * options-free requirement, or IPv6 directly followed by TCP or UDP)
 * against its virtio_net_hdr and fills in the layout; -1 if the
 * packet is malformed or the GSO type is one we do not do.
 */
struct gso_layout {
	size_t		 iphlen;	/* IP header bytes */
	size_t		 hlen;		/* IP + TCP/UDP header bytes */
	size_t		 mss;		/* payload bytes per segment */
	size_t		 paylen;	/* payload bytes in all */
	unsigned int	 nsegs;
	uint8_t		 v6;
	uint8_t		 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

int	 gso_parse(const uint8_t *pkt, size_t len, const struct vnet_hdr *,
	    struct gso_layout *);

/*
 * Write segment idx (0 .. nsegs-1) of the super-packet into out: its
 * headers (IPv4 total length, ID + idx and header checksum; IPv6
 * payload length; TCP sequence number, FIN/PSH only on the last and
 * CWR only on the first segment; UDP length), its slice of the
 * payload and a complete transport checksum.  Returns its length, or
 * 0 if outsz is too small.
 */
size_t	 gso_segment(const uint8_t *pkt, const struct gso_layout *,
	    unsigned int idx, uint8_t *out, size_t outsz);

/*
 * GRO.  A super-packet under construction: the first segment sits in
 * a buffer with cap bytes of room from its start, later payloads are
 * appended behind it.
 */
struct gro_flow {
	uint8_t		*pkt;		/* NULL: slot free */
	size_t		 len, cap;
	size_t		 iphlen, hlen;
	size_t		 mss;		/* payload of the first segment */
	uint32_t	 next_seq;
	uint16_t	 last_id;	/* IPv4 ID of the last segment */
	unsigned int	 nsegs;
	uint8_t		 closed;	/* PSH or short segment: no more */
	uint16_t	 pi_proto;
};

/*
 * A TCP segment worth coalescing: IPv4 without options or fragments,
 * or IPv6 with TCP as next header; payload present; flags ACK, or
 * ACK|PSH; IP and TCP checksums verified.  Fills iphlen and hlen.
 */
int	 gro_candidate(const uint8_t *pkt, size_t len, size_t *iphlen,
	    size_t *hlen);

/* Same addresses and ports (pkt must be a candidate). */
int	 gro_same_flow(const struct gro_flow *, const uint8_t *pkt);

/*
 * Append candidate pkt to f when the kernel's GRO would: everything
 * but IP length/ID/checksum and TCP sequence/checksum/PSH identical
 * (TOS, TTL, DF, flow label, ACK, window, options), sequence number
 * contiguous, IPv4 ID the next one (or the same one with DF), payload
 * not above the first segment's and the total within cap and 65535.
 * 1 if appended, 0 if not (f unchanged).
 */
int	 gro_append(struct gro_flow *, const uint8_t *pkt, size_t len,
	    size_t hlen);

/* Start f with candidate pkt (in a buffer with cap bytes of room). */
void	 gro_start(struct gro_flow *, uint8_t *pkt, size_t len, size_t cap,
	    size_t iphlen, size_t hlen, uint16_t pi_proto);

/*
 * Finish f for the TUN: lengths and IPv4 header checksum rewritten, the
 * TCP checksum field set to the pseudo-header sum and vh filled in for
 * CHECKSUM_PARTIAL and TCP GSO (one segment: fully valid, DATA_VALID).
 * Returns the super-packet's length.
 */
size_t	 gro_finish(struct gro_flow *, struct vnet_hdr *vh);

#endif /* IPIPD_OFFLOAD_H */
