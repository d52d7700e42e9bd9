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

/* The engine process: its state and the parts of its loop. */
#ifndef IPIPD_ENGINE_H
#define IPIPD_ENGINE_H

#include <stdint.h>

#include "imsg.h"
#include "ipipd_msg.h"
#include "pkt.h"

#define ENGINE_BATCH	64	/* packets handled per wake-up and direction */
#define PKT_HEADROOM	128	/* room for outer headers before the inner */
#define PKT_MAXLEN	65535	/* largest IP datagram */
#define TUN_PI_LEN	4	/* struct tun_pi: flags, protocol */

/* One packet buffer, with headroom to prepend headers without a copy. */
struct pkt_slot {
	uint8_t		 buf[PKT_HEADROOM + PKT_MAXLEN + TUN_PI_LEN];
};

struct engine_stats {
	uint64_t	 tun_rx_pkts, tun_rx_bytes;	/* read from TUN */
	uint64_t	 net_tx_pkts, net_tx_bytes;	/* sent encapsulated */
	uint64_t	 net_rx_pkts, net_rx_bytes;	/* read from raw */
	uint64_t	 tun_tx_pkts, tun_tx_bytes;	/* written to TUN */
	uint64_t	 net_tx_errors;		/* sendmmsg refused */
	uint64_t	 tun_tx_errors;		/* write to TUN failed */
	uint64_t	 drops[DROP_MAX];
};

struct engine {
	struct imsgbuf		 ibuf;		/* to the parent */
	int			 tun_fd;
	int			 raw[2][2];	/* [v4, v6][ipip, ipv6] */
	struct msg_engine_conf	 conf;
	int			 have_conf;
	struct decap_state	 peer;		/* local, remote, carry */
	uint32_t		 outer_mtu;
	int			 started;
	uint16_t		 ip_id;		/* next outer IPv4 ID */
	struct pkt_slot		*slots;		/* ENGINE_BATCH of them */
	struct engine_stats	 stats;
};

/* engine_imsg.c */
void	 engine_dispatch_imsg(struct engine *);

/* fwd_tun_to_net.c */
void	 fwd_tun_to_net(struct engine *);

/* fwd_net_to_tun.c */
void	 fwd_net_to_tun(struct engine *, int, int);

/* engine_sandbox.c */
void	 engine_seccomp_install(void);

/* Index of an outer family / protocol in engine.raw. */
int	 af_index(int);
int	 proto_index(int);

#endif /* IPIPD_ENGINE_H */
