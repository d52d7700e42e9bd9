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
 * Fuzz target: the UDP_GRO receive of encap fou|gue (engine/pkt/udp_gro.c):
 * the segment size from control data, and the datagrams of a coalesced
 * buffer.
 *
 * Input: bytes 0-1 a gso_size for the split (big-endian), byte 2 the
 * length n of the control data that follows (taken as is, cmsg headers
 * and all, into a buffer of exactly n bytes), then the buffer to split.
 *
 * Invariants: udp_gro_size reads nothing outside the control data and
 * returns 0 or a size of at most 65535; the datagrams of the split tile
 * the buffer exactly, each of gso_size bytes but the last, which is not
 * longer; a gso_size of 0 or over the buffer gives one datagram.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_udp_gro: invariant failed at %s:%d: "\
		    "%s\n", __FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

static void
check_size(const uint8_t *ctl, size_t n)
{
	struct msghdr	 m;
	void		*buf;
	int		 sz;

	/* Aligned, and exactly n bytes: ASan sees any read past them. */
	if ((buf = aligned_alloc(8, n ? (n + 7) & ~(size_t)7 : 8)) == NULL)
		abort();
	memcpy(buf, ctl, n);
	memset(&m, 0, sizeof(m));
	m.msg_control = n ? buf : NULL;
	m.msg_controllen = n;
	sz = udp_gro_size(&m);
	CHECK(sz >= 0 && sz <= 65535);
	free(buf);
}

static void
check_split(size_t len, size_t gso)
{
	size_t	 off = 0, d, n = 0, last = 0;

	while ((d = udp_gro_next(len, gso, off)) != 0) {
		CHECK(off + d <= len);
		if (gso == 0 || gso > len)
			CHECK(off == 0 && d == len);
		else
			CHECK(d <= gso);
		if (n > 0)
			CHECK(last == gso);	/* only the last is short */
		last = d;
		off += d;
		n++;
		CHECK(n <= len);
	}
	CHECK(off == len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 gso, n;

	if (size < 3)
		return 0;
	gso = (size_t)data[0] << 8 | data[1];
	n = data[2];
	if (n > size - 3)
		n = size - 3;
	check_size(data + 3, n);
	check_split(size - 3 - n, gso);
	return 0;
}
