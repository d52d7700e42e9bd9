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
 * The TUN device of the TCP roles: packets read from it go to the
 * connection that owns their destination /64 (server) or to the one
 * connection (client); packets from connections are written to it.
 * A server answers a packet for a /64 of its pool that no connected
 * client owns with ICMPv6 address unreachable (rate-limited).
 */

#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "tcp.h"

#define ICMP6_UNREACH		1	/* RFC 4443 destination unreachable */
#define ICMP6_UNREACH_ADDR	3	/* ...address unreachable */

void
tcp_tun_write(struct engine *e, const uint8_t *p, size_t len)
{
	static const uint8_t	 pi[TUN_PI_LEN] = { 0, 0, ETH_P_IPV6 >> 8,
				    ETH_P_IPV6 & 0xff };
	struct iovec		 iov[2];

	iov[0].iov_base = (void *)pi;
	iov[0].iov_len = sizeof(pi);
	iov[1].iov_base = (void *)p;
	iov[1].iov_len = len;
	if (writev(e->tun_fd, iov, 2) == -1) {
		e->stats.tun_tx_errors++;
		tcp_drop(e, NULL, TD_TUN_WRITE, NULL);
		return;
	}
	e->stats.tun_tx_pkts++;
	e->stats.tun_tx_bytes += len;
}

/* One packet from the TUN device, at p (its packet info before it). */
static void
tun_packet(struct engine *e, uint8_t *p, size_t len, uint16_t pi_proto)
{
	struct tcp_engine	*t = e->tcp;
	struct tcp_conn		*c;
	enum drop_reason	 why;
	uint8_t			 proto;
	uint64_t		 hi;

	why = inner_check(p, len, pi_proto, e->conf.carry, &proto);
	if (why != DROP_NONE) {
		e->stats.drops[why]++;
		return;
	}
	if (t->conf.role == TCP_ROLE_CLIENT) {
		c = t->client == -1 ? NULL : &t->conns[t->client];
		if (c == NULL || c->state != TS_UP)
			tcp_drop(e, NULL, TD_DOWN, NULL);
		else
			(void)tcp_out_append(e, c, p, len);
		return;
	}
	hi = tcp_hi64(p + 24);
	if ((hi & t->pool_mask) != t->pool_hi) {
		tcp_drop(e, NULL, TD_NOT_POOL, NULL);
		return;
	}
	if ((c = tcp_find_prefix(t, hi)) != NULL) {
		(void)tcp_out_append(e, c, p, len);
		return;
	}
	tcp_drop(e, NULL, TD_UNASSIGNED, NULL);
	tun_icmp_v6(e, p, len, ICMP6_UNREACH, ICMP6_UNREACH_ADDR, 0);
}

/* Up to a batch of packets, then the queues they went to. */
void
tcp_tun_read(struct engine *e)
{
	struct tcp_engine	*t = e->tcp;
	uint8_t			*pi = t->tunbuf;
	ssize_t			 r;
	int			 i;

	for (i = 0; i < ENGINE_BATCH; i++) {
		r = read(e->tun_fd, pi, TUN_PI_LEN + PKT_MAXLEN);
		if (r == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("read from TUN device");
			break;
		}
		if ((size_t)r < TUN_PI_LEN) {
			e->stats.drops[DROP_TUN_SHORT]++;
			continue;
		}
		e->stats.tun_rx_pkts++;
		e->stats.tun_rx_bytes += (size_t)r - TUN_PI_LEN;
		tun_packet(e, pi + TUN_PI_LEN, (size_t)r - TUN_PI_LEN,
		    (uint16_t)(pi[2] << 8 | pi[3]));
	}
	tcp_flush_dirty(e);
}
