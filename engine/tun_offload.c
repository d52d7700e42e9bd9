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
 * The engine's side of the TUN offloads.  The parent opened the TUN
 * device with IFF_VNET_HDR and set TUNSETOFFLOAD (CONF_OFFLOAD tells
 * us); the engine makes no ioctl.  Reading: a super-packet is cut into
 * segments in the arena, each then takes the ordinary path (checks,
 * outer header in its headroom, sendmmsg).  Writing: candidates are
 * coalesced per receive batch, everything else is written at once
 * after the pending super-packets, so no flow is ever reordered.
 */
#include <sys/uio.h>
#include <linux/if_ether.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "offload.h"

void
offload_init(struct engine *e)
{
	/* Before the sandbox: touched lazily, only with offloads on. */
	if ((e->off.arena = malloc(GSO_ARENA_LEN)) == NULL)
		fatal("GSO buffer");
}

/* Room in the arena for one segment and its outer headers. */
static uint8_t *
arena_take(struct engine *e, size_t seglen)
{
	struct offload_state	*o = &e->off;
	size_t			 need = (PKT_HEADROOM + seglen + 15) & ~(size_t)15;
	uint8_t			*p;

	/* Reuse only when nothing queued points into it, raw or UDP. */
	if (e->txq.n == 0 && e->utxq.n == 0)
		o->arena_used = 0;
	if (e->txq.n + FRAGS_MAX > TXQ_MAX ||
	    o->arena_used + need > GSO_ARENA_LEN) {
		tx_flush(e);
		o->arena_used = 0;
	}
	p = o->arena + o->arena_used + PKT_HEADROOM;
	o->arena_used += need;
	return p;
}

static int
offload_gso(struct engine *e, const struct vnet_hdr *vh, const uint8_t *pkt,
    size_t len, uint16_t pi_proto)
{
	struct gso_layout	 l;
	unsigned int		 i;
	size_t			 n;
	uint8_t			*seg;

	if (gso_parse(pkt, len, vh, &l) == -1 ||
	    pi_proto != (l.v6 ? ETH_P_IPV6 : ETH_P_IP)) {
		e->off.bad++;
		e->stats.drops[DROP_TUN_HDR]++;
		return OFFLOAD_DONE;
	}
	e->off.gso_pkts++;
	for (i = 0; i < l.nsegs; i++) {
		seg = arena_take(e, l.hlen + l.mss);
		n = gso_segment(pkt, &l, i, seg, l.hlen + l.mss);
		e->off.gso_segs++;
		tx_inner(e, seg, n, pi_proto);
	}
	return OFFLOAD_DONE;
}

/*
 * A packet read from the TUN device, vnet the virtio_net_hdr in front
 * of it: super-packets are segmented here (OFFLOAD_DONE), a partial
 * checksum is completed in place and the packet goes on (OFFLOAD_PASS).
 */
int
offload_tun_rx(struct engine *e, const uint8_t *vnet, uint8_t *pkt,
    size_t len, uint16_t pi_proto)
{
	struct vnet_hdr	 vh;

	vnet_hdr_get(vnet, &vh);
	if (vh.gso_type != VNET_GSO_NONE)
		return offload_gso(e, &vh, pkt, len, pi_proto);
	if (vh.flags & VNET_F_NEEDS_CSUM) {
		if (csum_complete(pkt, len, vh.csum_start,
		    vh.csum_offset) == -1) {
			e->off.bad++;
			e->stats.drops[DROP_TUN_HDR]++;
			return OFFLOAD_DONE;
		}
		e->off.csum_done++;
	}
	return OFFLOAD_PASS;
}

/* Packet info and virtio_net_hdr (vh, or none) in front of pkt. */
int
offload_tun_write(struct engine *e, uint8_t *pkt, size_t len,
    uint16_t pi_proto, const struct vnet_hdr *vh)
{
	uint8_t		 hdr[TUN_PI_LEN + VNET_HDR_LEN];
	struct iovec	 iov[2];

	memset(hdr, 0, sizeof(hdr));
	hdr[2] = (uint8_t)(pi_proto >> 8);
	hdr[3] = (uint8_t)pi_proto;
	if (vh != NULL)
		vnet_hdr_put(hdr + TUN_PI_LEN, vh);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = pkt;
	iov[1].iov_len = len;
	if (writev(e->tun_fd, iov, 2) == -1) {
		e->stats.tun_tx_errors++;
		return -1;
	}
	e->stats.tun_tx_pkts++;
	e->stats.tun_tx_bytes += len;
	return 0;
}

static void
gro_write(struct engine *e, struct gro_flow *f)
{
	struct vnet_hdr	 vh;
	size_t		 n;

	if (f->pkt == NULL)
		return;
	n = gro_finish(f, &vh);
	if (f->nsegs > 1) {
		e->off.gro_pkts++;
		e->off.gro_segs += f->nsegs;
	}
	offload_tun_write(e, f->pkt, n, f->pi_proto, &vh);
	f->pkt = NULL;
}

void
offload_net_flush(struct engine *e)
{
	int	 i;

	for (i = 0; i < GRO_FLOWS; i++)
		gro_write(e, &e->off.flows[i]);
}

/*
 * A flow about to start at pkt: a held one whose room reaches over pkt
 * (an earlier datagram of the same UDP_GRO buffer, rx_udp.c)
 * may from now on grow only up to it, so that no two held packets
 * write over each other.
 */
static void
gro_fence(struct engine *e, const uint8_t *pkt)
{
	struct gro_flow	*f;
	uintptr_t	 p = (uintptr_t)pkt, s;
	int		 i;

	for (i = 0; i < GRO_FLOWS; i++) {
		f = &e->off.flows[i];
		if (f->pkt == NULL)
			continue;
		s = (uintptr_t)f->pkt;
		if (s < p && p < s + f->cap)
			f->cap = (size_t)(p - s);
	}
}

/*
 * A decapsulated inner packet, in a buffer with cap bytes of room from
 * pkt on.  Merged, held, or written (after everything held: order).
 */
void
offload_net_rx(struct engine *e, uint8_t *pkt, size_t len, size_t cap,
    uint16_t pi_proto)
{
	struct gro_flow	*f, *free_f = NULL;
	size_t		 iphlen, hlen;
	int		 i;

	if ((pi_proto != ETH_P_IP && pi_proto != ETH_P_IPV6) ||
	    !gro_candidate(pkt, len, &iphlen, &hlen)) {
		offload_net_flush(e);
		offload_tun_write(e, pkt, len, pi_proto, NULL);
		return;
	}
	for (i = 0; i < GRO_FLOWS; i++) {
		f = &e->off.flows[i];
		if (f->pkt == NULL) {
			if (free_f == NULL)
				free_f = f;
			continue;
		}
		if (!gro_same_flow(f, pkt))
			continue;
		if (gro_append(f, pkt, len, hlen))
			return;
		gro_write(e, f);
		gro_fence(e, pkt);
		gro_start(f, pkt, len, cap, iphlen, hlen, pi_proto);
		return;
	}
	if (free_f == NULL) {
		offload_net_flush(e);
		free_f = &e->off.flows[0];
	}
	gro_fence(e, pkt);
	gro_start(free_f, pkt, len, cap, iphlen, hlen, pi_proto);
}

/* The offload counters, as words of the engine's status line (SIGUSR1). */
void
offload_status_fmt(const struct engine *e, char *buf, size_t len)
{
	const struct offload_state	*o = &e->off;

	if (!offload_on(e)) {
		strlcpy(buf, " offload off", len);
		return;
	}
	snprintf(buf, len, " offload gso %llu/%llu gro %llu/%llu csum %llu "
	    "bad %llu uso %llu/%llu/%llu udp-gro %llu/%llu",
	    (unsigned long long)o->gso_pkts,
	    (unsigned long long)o->gso_segs, (unsigned long long)o->gro_pkts,
	    (unsigned long long)o->gro_segs, (unsigned long long)o->csum_done,
	    (unsigned long long)o->bad, (unsigned long long)o->uso_msgs,
	    (unsigned long long)o->uso_segs,
	    (unsigned long long)o->uso_refused,
	    (unsigned long long)o->udp_gro_bufs,
	    (unsigned long long)o->udp_gro_segs);
}
