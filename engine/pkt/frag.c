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
 * Fragmentation of outer datagrams that do not fit the path MTU: IPv4
 * per RFC 791 section 3.2, IPv6 per RFC 8200 section 4.5.  Nothing is
 * copied: each fragment is a fresh header plus a slice of the caller's
 * payload, sent with two iovecs.  Headers are written a byte at a time
 * (struct frag may sit anywhere, and so may the caller's hdr).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"

/*
 * How many fragments of at most chunk payload bytes a payload of len
 * bytes needs.  chunk is a non-zero multiple of 8.
 */
static size_t
nfrags(size_t len, size_t chunk)
{
	if (len == 0)
		return 1;
	return (len + chunk - 1) / chunk;
}

/*
 * Fill one IPv4 fragment header: a copy of hdr with the total length,
 * fragment field and checksum of this piece.  DF and the reserved bit
 * are never set in a fragment; MF and the offset are ours alone, as the
 * outer header is never itself a fragment.
 */
static void
frag4_hdr(struct frag *f, const uint8_t *hdr, size_t off, size_t len,
    uint16_t flags)
{
	memcpy(f->hdr, hdr, IPV4_HDR_LEN);
	pkt_put16(f->hdr + offsetof(struct ip, ip_len),
	    (uint16_t)(IPV4_HDR_LEN + len));
	pkt_put16(f->hdr + offsetof(struct ip, ip_off),
	    (uint16_t)(flags | (off >> 3)));
	pkt_put16(f->hdr + offsetof(struct ip, ip_sum), 0);
	pkt_put16(f->hdr + offsetof(struct ip, ip_sum),
	    ip_cksum(f->hdr, IPV4_HDR_LEN));
	f->hlen = IPV4_HDR_LEN;
	f->off = off;
	f->len = len;
}

/*
 * A datagram that fits goes out as one "fragment" that is the whole
 * datagram (only its own DF kept, MF and offset zero), so the caller
 * sends whatever comes back without a special case.  One that does not
 * fit is cut into pieces of the largest multiple of 8 the MTU allows;
 * it must not have DF set: that is the caller's cue to send
 * Fragmentation Needed instead, so it is refused here, not cleared.
 */
int
frag_outer_v4(const uint8_t *hdr, size_t payload_len, size_t mtu,
    struct frag *out, int max)
{
	size_t		 chunk, n, i, off, len;
	uint16_t	 ipoff;

	if (max < 1 || mtu < IPV4_HDR_LEN + 8)
		return 0;
	/* Only the 20-byte header the engine writes: no options to copy. */
	if (hdr[0] != (4 << 4 | IPV4_HDR_LEN >> 2))
		return 0;
	if (payload_len > IP_MAXPACKET - IPV4_HDR_LEN)
		return 0;
	ipoff = pkt_get16(hdr + offsetof(struct ip, ip_off));

	if (IPV4_HDR_LEN + payload_len <= mtu) {
		frag4_hdr(&out[0], hdr, 0, payload_len, ipoff & IP_DF);
		return 1;
	}
	if (ipoff & IP_DF)
		return 0;

	chunk = (mtu - IPV4_HDR_LEN) & ~(size_t)7;
	n = nfrags(payload_len, chunk);
	if (n > (size_t)max)
		return 0;
	for (i = 0, off = 0; i < n; i++, off += chunk) {
		len = payload_len - off < chunk ? payload_len - off : chunk;
		frag4_hdr(&out[i], hdr, off, len, i + 1 < n ? IP_MF : 0);
	}
	return (int)n;
}

/*
 * IPv6: the whole payload after the 40-byte header is fragmentable (the
 * engine puts no Hop-by-Hop or Routing header in front of it).  Each
 * fragment is the IPv6 header with next header 44 and its own payload
 * length, then a Fragment header carrying the original next header, the
 * offset and M flag, and id.  A payload that fits goes out whole, with
 * no Fragment header, like the IPv4 case.
 */
int
frag_outer_v6(const uint8_t *hdr, size_t payload_len, size_t mtu,
    uint32_t id, struct frag *out, int max)
{
	size_t		 chunk, n, i, off, len;
	uint8_t		*fh;

	if (max < 1 || mtu < IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN + 8)
		return 0;
	if (hdr[0] >> 4 != 6)
		return 0;
	/* The reassembled payload length must fit its 16-bit field. */
	if (payload_len > IP_MAXPACKET)
		return 0;

	if (IPV6_HDR_LEN + payload_len <= mtu) {
		memcpy(out[0].hdr, hdr, IPV6_HDR_LEN);
		pkt_put16(out[0].hdr + offsetof(struct ip6_hdr, ip6_plen),
		    (uint16_t)payload_len);
		out[0].hlen = IPV6_HDR_LEN;
		out[0].off = 0;
		out[0].len = payload_len;
		return 1;
	}

	chunk = (mtu - IPV6_HDR_LEN - IPV6_FRAG_HDR_LEN) & ~(size_t)7;
	n = nfrags(payload_len, chunk);
	if (n > (size_t)max)
		return 0;
	for (i = 0, off = 0; i < n; i++, off += chunk) {
		len = payload_len - off < chunk ? payload_len - off : chunk;
		memcpy(out[i].hdr, hdr, IPV6_HDR_LEN);
		pkt_put16(out[i].hdr + offsetof(struct ip6_hdr, ip6_plen),
		    (uint16_t)(IPV6_FRAG_HDR_LEN + len));
		out[i].hdr[offsetof(struct ip6_hdr, ip6_nxt)] =
		    IPPROTO_FRAGMENT;

		fh = out[i].hdr + IPV6_HDR_LEN;
		fh[0] = hdr[offsetof(struct ip6_hdr, ip6_nxt)];
		fh[1] = 0;
		/* Offset in 8-byte units in the top 13 bits, M in bit 0. */
		pkt_put16(fh + 2, (uint16_t)(off | (i + 1 < n ? 1 : 0)));
		fh[4] = (uint8_t)(id >> 24);
		fh[5] = (uint8_t)(id >> 16);
		fh[6] = (uint8_t)(id >> 8);
		fh[7] = (uint8_t)id;

		out[i].hlen = IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN;
		out[i].off = off;
		out[i].len = len;
	}
	return (int)n;
}
