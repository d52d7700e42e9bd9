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
 * TUN device -> network: read a batch of inner packets, check each,
 * and hand it to the transmit path, which writes the outer header in
 * the headroom in front of it; the batch then leaves with sendmmsg.
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
	uint8_t		 proto;
	uint16_t	 pi_proto;
	ssize_t		 r;
	size_t		 len;
	enum drop_reason why;

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
	why = inner_check(pi + TUN_PI_LEN, len, pi_proto, e->conf.carry,
	    &proto);
	if (why != DROP_NONE) {
		e->stats.drops[why]++;
		return 0;
	}
	if (!addr_is_set(&e->peer.local)) {	/* paused */
		e->stats.drops[DROP_TUN_NOPEER]++;
		return 0;
	}
	tx_packet(e, pi + TUN_PI_LEN, len, proto);
	return 1;
}

void
fwd_tun_to_net(struct engine *e)
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
