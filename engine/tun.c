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
 * The TUN device, both ways.  Reading: a batch of inner packets, each
 * handed to the transmit path (tx.c), which writes the outer header in
 * the headroom in front of it; the batch then leaves with sendmmsg.
 * Writing: the inner packets the receive paths (rx_raw.c, rx_udp.c)
 * decapsulated, and the ICMP errors of tun_icmp.c, behind their packet
 * info; with offloads through tun_offload.c.
 */

#include <errno.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"

/* Read one packet into slot; 1 if it was queued for sending. */
static int
tun_read_one(struct engine *e, struct pkt_slot *s, int *more)
{
	/* TUN offloads: a virtio_net_hdr follows the packet info. */
	size_t		 vh = offload_on(e) ? VNET_HDR_LEN : 0;
	uint8_t		*pi = s->buf + PKT_HEADROOM - TUN_PI_LEN - vh;
	uint16_t	 pi_proto;
	ssize_t		 r;
	size_t		 len;

	/* With offloads all the slot: IPv6 super-packets reach 65575. */
	r = read(e->tun_fd, pi, vh ? (size_t)(s->buf + sizeof(s->buf) - pi) :
	    PKT_MAXLEN + TUN_PI_LEN);
	if (r == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("read from TUN device");
		*more = 0;
		return 0;
	}
	if ((size_t)r < TUN_PI_LEN + vh) {
		e->stats.drops[DROP_TUN_SHORT]++;
		return 0;
	}
	len = (size_t)r - TUN_PI_LEN - vh;
	e->stats.tun_rx_pkts++;
	e->stats.tun_rx_bytes += len;
	pi_proto = (uint16_t)(pi[2] << 8 | pi[3]);
	/* ---- TUN offloads (tun_offload.c): GSO, partial checksums ---- */
	if (vh != 0 && offload_tun_rx(e, pi + TUN_PI_LEN, s->buf +
	    PKT_HEADROOM, len, pi_proto) == OFFLOAD_DONE)
		return 0;	/* segments are in the arena, not the slot */
	pi += vh;
	/* ---- end TUN offloads ---- */
	return tx_inner(e, pi + TUN_PI_LEN, len, pi_proto);
}

void
tun_read(struct engine *e)
{
	int	 more = 1, reads, nslot = 0;

	for (reads = 0; more && reads < ENGINE_BATCH; reads++) {
		/* Queued messages point into the slots: send before reuse. */
		if (e->txq.n + FRAGS_MAX > TXQ_MAX) {
			tx_flush(e);
			nslot = 0;
		}
		nslot += tun_read_one(e, &e->slots[nslot], &more);
	}
	tx_flush(e);
}

/* Packet info in front of the inner packet (headroom or old header). */
void
tun_write_inner(struct engine *e, uint8_t *inner, size_t len,
    uint16_t pi_proto)
{
	uint8_t	*pi = inner - TUN_PI_LEN;

	if (offload_on(e)) {	/* TUN offloads: tun_offload.c */
		offload_tun_write(e, inner, len, pi_proto, NULL);
		return;
	}
	pi[0] = 0;
	pi[1] = 0;
	pi[2] = pi_proto >> 8;
	pi[3] = pi_proto & 0xff;
	if (write(e->tun_fd, pi, len + TUN_PI_LEN) == -1) {
		e->stats.tun_tx_errors++;
		return;
	}
	e->stats.tun_tx_pkts++;
	e->stats.tun_tx_bytes += len;
}

/*
 * A decapsulated inner packet of a receive batch, with cap bytes of
 * room from pkt on: with offloads held for GRO (tun_offload.c), else
 * written at once.  tun_deliver_end() after the batch writes what GRO
 * still holds.
 */
void
tun_deliver(struct engine *e, uint8_t *pkt, size_t len, size_t cap,
    uint16_t pi_proto)
{
	if (offload_on(e))
		offload_net_rx(e, pkt, len, cap, pi_proto);
	else
		tun_write_inner(e, pkt, len, pi_proto);
}

void
tun_deliver_end(struct engine *e)
{
	if (offload_on(e))
		offload_net_flush(e);
}
