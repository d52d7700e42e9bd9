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
 * write the outer header into the headroom in front of it, and send the
 * batch on the raw sockets with sendmmsg.
 */

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"

/* One outgoing packet of the batch. */
struct tx_batch {
	struct mmsghdr	 msgs[ENGINE_BATCH];
	struct iovec	 iov[ENGINE_BATCH];
	int		 fd[ENGINE_BATCH];
	unsigned int	 n;
};

static uint16_t
next_ip_id(struct engine *e)
{
	/* Never 0: RFC 6864 treats 0 as "no ID" for atomic datagrams. */
	if (++e->ip_id == 0)
		e->ip_id = 1;
	return e->ip_id;
}

/* Prepend the outer header; 0 if it cannot be sent (counted). */
static size_t
encap_outer(struct engine *e, uint8_t *inner, size_t len, uint8_t proto)
{
	struct encap_params	 ep;
	size_t			 hlen;

	hlen = e->peer.remote.af == AF_INET ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	if (hlen + len > e->outer_mtu) {
		/* Outer fragmentation and ICMP come with PMTU handling. */
		e->stats.drops[DROP_TUN_TOOBIG]++;
		return 0;
	}
	memset(&ep, 0, sizeof(ep));
	ep.src = e->peer.local;
	ep.dst = e->peer.remote;
	ep.ttl = e->conf.ttl;
	ep.df = 1;	/* pmtudisc, as the kernel's ipip does by default */
	if (e->peer.remote.af == AF_INET) {
		ep.ip_id = next_ip_id(e);
		return encap_ipv4(inner - hlen, &ep, len, proto);
	}
	return encap_ipv6(inner - hlen, &ep, len, proto);
}

/* Read and encapsulate one packet into slot i; 1 if queued. */
static int
tun_read_one(struct engine *e, struct tx_batch *tx, int *more)
{
	struct pkt_slot	*s = &e->slots[tx->n];
	uint8_t		*pi = s->buf + PKT_HEADROOM - TUN_PI_LEN;
	uint8_t		 proto;
	uint16_t	 pi_proto;
	ssize_t		 r;
	size_t		 len, hlen;
	enum drop_reason why;

	r = read(e->tun_fd, pi, PKT_MAXLEN + TUN_PI_LEN);
	if (r == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("read from TUN device");
		*more = 0;
		return 0;
	}
	if (r < TUN_PI_LEN) {
		e->stats.drops[DROP_TUN_SHORT]++;
		return 0;
	}
	len = (size_t)r - TUN_PI_LEN;
	e->stats.tun_rx_pkts++;
	e->stats.tun_rx_bytes += len;
	pi_proto = (uint16_t)(pi[2] << 8 | pi[3]);
	why = inner_check(pi + TUN_PI_LEN, len, pi_proto, e->conf.carry,
	    &proto);
	if (why != DROP_NONE) {
		e->stats.drops[why]++;
		return 0;
	}
	if ((hlen = encap_outer(e, pi + TUN_PI_LEN, len, proto)) == 0)
		return 0;
	tx->iov[tx->n].iov_base = pi + TUN_PI_LEN - hlen;
	tx->iov[tx->n].iov_len = hlen + len;
	tx->fd[tx->n] = e->raw[af_index(e->peer.remote.af)]
	    [proto_index(proto)];
	tx->n++;
	return 1;
}

/*
 * Send the batch: consecutive packets for the same socket go in one
 * sendmmsg.  A packet the kernel refuses is counted and skipped.
 */
static void
tx_flush(struct engine *e, struct tx_batch *tx, struct sockaddr *dst,
    socklen_t dlen)
{
	unsigned int	 i = 0, j, k;
	int		 r;

	for (k = 0; k < tx->n; k++) {
		memset(&tx->msgs[k], 0, sizeof(tx->msgs[k]));
		tx->msgs[k].msg_hdr.msg_name = dst;
		tx->msgs[k].msg_hdr.msg_namelen = dlen;
		tx->msgs[k].msg_hdr.msg_iov = &tx->iov[k];
		tx->msgs[k].msg_hdr.msg_iovlen = 1;
	}
	while (i < tx->n) {
		for (j = i + 1; j < tx->n && tx->fd[j] == tx->fd[i]; j++)
			;
		r = sendmmsg(tx->fd[i], &tx->msgs[i], j - i, 0);
		if (r <= 0) {
			e->stats.net_tx_errors++;
			i++;
			continue;
		}
		for (k = i; k < i + (unsigned int)r; k++) {
			e->stats.net_tx_pkts++;
			e->stats.net_tx_bytes += tx->iov[k].iov_len;
		}
		i += (unsigned int)r;
	}
}

void
fwd_tun_to_net(struct engine *e)
{
	static struct tx_batch	 tx;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	int			 more = 1, reads;

	tx.n = 0;
	for (reads = 0; more && reads < ENGINE_BATCH; reads++)
		(void)tun_read_one(e, &tx, &more);
	if (tx.n == 0)
		return;
	if (e->peer.remote.af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = e->peer.remote.u.v4;
		tx_flush(e, &tx, (struct sockaddr *)&sin, sizeof(sin));
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = e->peer.remote.u.v6;
		tx_flush(e, &tx, (struct sockaddr *)&sin6, sizeof(sin6));
	}
}
