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
 * Internet checksum, RFC 1071.  Words are read as big-endian byte pairs,
 * one byte at a time, so the code works on any alignment and host byte
 * order; the folded result is a plain number that callers store
 * big-endian (high byte first) into the checksum field.
 */
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

/*
 * Add len bytes to a running sum.  An odd last byte is the high half
 * of a zero-padded word (RFC 1071 4.1), so only the last piece of a
 * checksum summed in pieces may have an odd length.
 */
uint32_t
cksum_partial(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint64_t	 acc = sum;

	/* 64 bits cannot overflow for any buffer that fits in memory. */
	for (; len >= 2; p += 2, len -= 2)
		acc += (uint32_t)p[0] << 8 | p[1];
	if (len == 1)
		acc += (uint32_t)p[0] << 8;

	/* End-around carry: 2^32 is 1 modulo 0xffff, so this keeps the sum. */
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

/* Fold a running sum to 16 bits with end-around carry, then invert. */
uint16_t
cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
ip_cksum(const void *buf, size_t len)
{
	return cksum_fold(cksum_partial(0, buf, len));
}
