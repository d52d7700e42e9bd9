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
 * The Internet checksum (RFC 1071) written the slow, obvious way, for the
 * tests and fuzz targets that check the engine's fast one (csum_fast.c,
 * gso.c, gro.c) against something independent of it.
 */

#ifndef IPIPD_TESTS_REF_CSUM_H
#define IPIPD_TESTS_REF_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add n bytes at p to the running sum s, as big-endian 16-bit words. */
static inline uint32_t
ref_add(uint32_t s, const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* The folded sum, not inverted: 0xffff over data with a right checksum. */
static inline uint16_t
ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

#endif /* IPIPD_TESTS_REF_CSUM_H */
