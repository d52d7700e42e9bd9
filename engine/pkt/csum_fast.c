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
 * Checksums over whole payloads (GSO and GRO touch every byte), and the
 * virtio_net_hdr codec.  cksum_partial() reads a byte pair at a time;
 * here 32-bit words in host order are summed into 64 bits and the
 * folded result is byte-swapped on little-endian hosts, which gives the
 * same one's complement sum (RFC 1071 2(B): byte order independence).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "offload.h"
#include "pkt.h"

static uint32_t
fold32(uint64_t acc)
{
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint32_t
csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint64_t	 acc = 0;
	uint32_t	 w[8];
	uint16_t	 h;
	int		 i;

	for (; len >= sizeof(w); p += sizeof(w), len -= sizeof(w)) {
		memcpy(w, p, sizeof(w));	/* any alignment */
		for (i = 0; i < 8; i++)
			acc += w[i];
	}
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(w, p, 4);
		acc += w[0];
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (len == 1)
		acc += p[0];		/* low byte in memory order */
	acc = fold32(acc);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (uint16_t)(acc << 8 | acc >> 8);
#else
	if (len == 1)
		acc += (uint32_t)p[0] << 8;
#endif
	return fold32((uint64_t)sum + acc);
}

uint32_t
csum_pseudo(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint32_t	 sum;

	if (ip[0] >> 4 == 4)
		sum = csum_add(0, ip + 12, 8);
	else
		sum = csum_add(0, ip + 8, 32);
	return fold32((uint64_t)sum + proto + (l4len >> 16) +
	    (l4len & 0xffff));
}

int
csum_complete(uint8_t *pkt, size_t len, size_t start, size_t off)
{
	uint16_t	 c;

	if (start >= len || off > len - start || len - start - off < 2)
		return -1;
	c = cksum_fold(csum_add(0, pkt + start, len - start));
	/* 0 would mean "no checksum" to UDP; -0 verifies the same. */
	if (c == 0)
		c = 0xffff;
	pkt[start + off] = (uint8_t)(c >> 8);
	pkt[start + off + 1] = (uint8_t)c;
	return 0;
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void
putle16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void
vnet_hdr_get(const uint8_t *p, struct vnet_hdr *vh)
{
	vh->flags = p[0];
	vh->gso_type = p[1];
	vh->hdr_len = le16(p + 2);
	vh->gso_size = le16(p + 4);
	vh->csum_start = le16(p + 6);
	vh->csum_offset = le16(p + 8);
}

void
vnet_hdr_put(uint8_t *p, const struct vnet_hdr *vh)
{
	p[0] = vh->flags;
	p[1] = vh->gso_type;
	putle16(p + 2, vh->hdr_len);
	putle16(p + 4, vh->gso_size);
	putle16(p + 6, vh->csum_start);
	putle16(p + 8, vh->csum_offset);
}
