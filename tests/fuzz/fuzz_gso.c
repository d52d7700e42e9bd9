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
 * Fuzz target: software GSO and GRO of the TUN offloads (engine/pkt/gso.c,
 * gro.c, csum_fast.c), on a super-packet as the TUN device would hand
 * it over with a virtio_net_hdr.
 *
 * Input: byte 0 the gso_type (low 3 bits: 1 TCPV4, 4 TCPV6, 5 UDP_L4,
 * others refused; bit 7 the ECN flag), bytes 1-2 gso_size (big-endian),
 * bytes 3-4 csum_start, 5 csum_offset, then the packet.
 *
 * Invariants, checked with a checksum written here: every segment fits
 * (headers + at most gso_size payload), has a right IPv4 header checksum
 * and transport checksum, and the segments' payloads laid end to end
 * are the super-packet's; when every segment is a GRO candidate they
 * coalesce back into one packet with the same payload whose completed
 * partial checksum is right.  csum_complete never writes out of bounds.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"
#include "pkt.h"
#include "../ref_csum.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define PREFIX_LEN	6

static uint8_t	 sup[70000], seg[70000], back[70000];

static int
ref_l4_ok(const uint8_t *p, size_t len, size_t ih, uint8_t proto)
{
	uint32_t	 s;

	s = p[0] >> 4 == 4 ? ref_add(0, p + 12, 8) : ref_add(0, p + 8, 32);
	s += proto + (uint32_t)(len - ih);
	return ref_fold(ref_add(s, p + ih, len - ih)) == 0xffff;
}

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* GRO of the segments again; only when each one is a candidate. */
static void
regroup(const struct gso_layout *l)
{
	struct gro_flow	 f;
	struct vnet_hdr	 vh;
	size_t		 n, ih, hl, got;
	unsigned int	 i;

	for (i = 0; i < l->nsegs; i++) {
		n = gso_segment(sup, l, i, seg, sizeof(seg));
		if (!gro_candidate(seg, n, &ih, &hl))
			return;
		if (i == 0) {
			memcpy(back, seg, n);
			gro_start(&f, back, n, sizeof(back), ih, hl, 0);
			continue;
		}
		check(gro_same_flow(&f, seg));
		check(gro_append(&f, seg, n, hl));
	}
	n = gro_finish(&f, &vh);
	got = n - l->hlen;
	check(got == l->paylen);
	check(memcmp(back + l->hlen, sup + l->hlen, got) == 0);
	if (vh.flags & VNET_F_NEEDS_CSUM)
		check(csum_complete(back, n, vh.csum_start,
		    vh.csum_offset) == 0);
	check(ref_l4_ok(back, n, l->iphlen, IPPROTO_TCP));
	if (!l->v6)
		check(ref_fold(ref_add(0, back, l->iphlen)) == 0xffff);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vnet_hdr		 vh;
	struct gso_layout	 l;
	size_t			 len, n, got = 0;
	unsigned int		 i;

	if (size < PREFIX_LEN || size - PREFIX_LEN > sizeof(sup))
		return 0;
	memset(&vh, 0, sizeof(vh));
	vh.gso_type = (uint8_t)(data[0] & 0x87);
	vh.gso_size = (uint16_t)(data[1] << 8 | data[2]);
	len = size - PREFIX_LEN;
	memcpy(sup, data + PREFIX_LEN, len);
	/* Partial checksum completion: bounds only. */
	(void)csum_complete(sup, len, (size_t)(data[3] << 8 | data[4]),
	    data[5]);
	memcpy(sup, data + PREFIX_LEN, len);
	if (gso_parse(sup, len, &vh, &l) == -1)
		return 0;
	check(l.hlen <= len && l.mss == vh.gso_size && l.nsegs > 0);
	for (i = 0; i < l.nsegs; i++) {
		n = gso_segment(sup, &l, i, seg, sizeof(seg));
		check(n > l.hlen && n - l.hlen <= l.mss);
		if (!l.v6)
			check(ref_fold(ref_add(0, seg, l.iphlen)) == 0xffff);
		check(ref_l4_ok(seg, n, l.iphlen, l.proto));
		check(memcmp(seg + l.hlen, sup + l.hlen + got,
		    n - l.hlen) == 0);
		got += n - l.hlen;
	}
	check(got == l.paylen);
	if (l.proto == IPPROTO_TCP && len <= GRO_MAXLEN)
		regroup(&l);
	return 0;
}
