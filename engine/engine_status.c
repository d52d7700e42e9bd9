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

/* The engine's counters as one log line (SIGUSR1 on the parent). */

#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "offload.h"
#include "tcp.h"

/* Append the non-zero drop counters as "name=count" words. */
static void
drops_fmt(const struct engine_stats *st, char *buf, size_t len)
{
	size_t	 off = 0;
	int	 i, n;

	buf[0] = '\0';
	for (i = DROP_NONE + 1; i < DROP_MAX && off < len; i++) {
		if (st->drops[i] == 0)
			continue;
		n = snprintf(buf + off, len - off, " %s=%llu",
		    drop_reason_name((enum drop_reason)i),
		    (unsigned long long)st->drops[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (buf[0] == '\0')
		strlcpy(buf, " none", len);
}

void
engine_log_status(struct engine *e)
{
	const struct engine_stats	*st = &e->stats;
	char				 drops[256], off[192];

	drops_fmt(st, drops, sizeof(drops));
	offload_status_fmt(e, off, sizeof(off));
	log_info("status: tun-rx %llu/%llu net-tx %llu/%llu net-rx %llu/%llu "
	    "tun-tx %llu/%llu frag %llu/%llu icmp-sent %llu icmp-rx %llu "
	    "pmtu %u errors %llu/%llu keepalive %llu/%llu float %llu%s "
	    "drops:%s",
	    (unsigned long long)st->tun_rx_pkts,
	    (unsigned long long)st->tun_rx_bytes,
	    (unsigned long long)st->net_tx_pkts,
	    (unsigned long long)st->net_tx_bytes,
	    (unsigned long long)st->net_rx_pkts,
	    (unsigned long long)st->net_rx_bytes,
	    (unsigned long long)st->tun_tx_pkts,
	    (unsigned long long)st->tun_tx_bytes,
	    (unsigned long long)st->frag_pkts,
	    (unsigned long long)st->frags_sent,
	    (unsigned long long)st->icmp_sent,
	    (unsigned long long)st->icmp_rx, pmtu_get(&e->pmtu),
	    (unsigned long long)st->net_tx_errors,
	    (unsigned long long)st->tun_tx_errors,
	    (unsigned long long)st->keepalive_tx,
	    (unsigned long long)st->keepalive_rx,
	    (unsigned long long)st->float_moves, off, drops);
	tcp_log_status(e);	/* encap tcp, serve tcp */
}
