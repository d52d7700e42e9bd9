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
 * The transmit path over raw sockets (IP_HDRINCL): the outer header
 * tx.c chose is written here in front of the inner packet, and an
 * outer packet that does not fit the path MTU is fragmented here (the
 * kernel will not fragment IP_HDRINCL sends); the queue leaves with
 * sendmmsg.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "engine.h"

static uint16_t
next_ip_id(struct engine *e)
{
	/* Never 0: RFC 6864 reads 0 as "no ID" for atomic datagrams. */
	if (++e->ip_id == 0)
		e->ip_id = 1;
	return e->ip_id;
}

/* Lay the outer header down in front of the inner packet. */
static uint8_t *
outer_write(struct engine *e, uint8_t *in, size_t len, struct tx_outer *o)
{
	uint8_t	*hdr = in - o->hlen;

	if (e->peer.remote.af == AF_INET) {
		o->ep.ip_id = next_ip_id(e);
		if (encap_ipv4(hdr, &o->ep, len, o->proto) == 0)
			return NULL;
		return hdr;
	}
	if (o->encaplim >= 0) {
		if (encap_ipv6(hdr, &o->ep, len + IPV6_ENCAPLIM_LEN,
		    IPPROTO_DSTOPTS) == 0)
			return NULL;
		encaplimit_write(hdr + IPV6_HDR_LEN, o->proto,
		    (uint8_t)o->encaplim);
		return hdr;
	}
	if (encap_ipv6(hdr, &o->ep, len, o->proto) == 0)
		return NULL;
	return hdr;
}

static void
txq_add(struct engine *e, int fd, void *h, size_t hlen, void *p, size_t plen)
{
	struct tx_queue	*q = &e->txq;

	q->iov[q->n][0].iov_base = h;
	q->iov[q->n][0].iov_len = hlen;
	q->iov[q->n][1].iov_base = p;
	q->iov[q->n][1].iov_len = plen;
	q->fd[q->n] = fd;
	q->n++;
}

static int
raw_fd(struct engine *e, uint8_t proto)
{
	return e->raw[af_index(e->peer.remote.af)][proto_index(proto)];
}

/* Queue the outer packet at hdr as fragments of at most mtu bytes. */
static void
tx_fragments(struct engine *e, uint8_t *hdr, size_t tot, uint32_t mtu,
    uint8_t proto)
{
	struct frag	*f = &e->txq.frags[e->txq.n];
	size_t		 h0 = e->peer.remote.af == AF_INET ? IPV4_HDR_LEN :
			    IPV6_HDR_LEN;
	uint32_t	 id;
	int		 n, i;

	if (TXQ_MAX - e->txq.n < FRAGS_MAX) {
		e->stats.drops[DROP_TUN_FRAG]++;
		return;
	}
	if (e->peer.remote.af == AF_INET)
		n = frag_outer_v4(hdr, tot - h0, mtu, f, FRAGS_MAX);
	else {
		/* RFC 8200: a random identification per datagram. */
		if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
			id = (uint32_t)mono_ms() ^ e->ip_id;
		n = frag_outer_v6(hdr, tot - h0, mtu, id, f, FRAGS_MAX);
	}
	if (n <= 0) {
		e->stats.drops[DROP_TUN_FRAG]++;
		return;
	}
	for (i = 0; i < n; i++)
		txq_add(e, raw_fd(e, proto), f[i].hdr, f[i].hlen,
		    hdr + h0 + f[i].off, f[i].len);
	e->stats.frag_pkts++;
	e->stats.frags_sent += (uint64_t)n;
}

/*
 * Lay the outer header down in front of the inner packet and queue it
 * whole (len <= room) or as fragments of at most mtu bytes.
 */
void
tx_raw_packet(struct engine *e, uint8_t *in, size_t len, struct tx_outer *o,
    uint32_t mtu, uint32_t room)
{
	uint8_t	*hdr;

	if ((hdr = outer_write(e, in, len, o)) == NULL) {
		e->stats.drops[DROP_TUN_HDR]++;
		return;
	}
	if (len <= room)
		txq_add(e, raw_fd(e, o->proto), hdr, o->hlen, in, len);
	else
		tx_fragments(e, hdr, o->hlen + len, mtu, o->proto);
}

/* Errors a send can return because of an ICMP error queued earlier. */
static int
soft_send_error(int err)
{
	return err == ECONNREFUSED || err == EHOSTUNREACH ||
	    err == ENETUNREACH || err == EHOSTDOWN || err == EPROTO ||
	    err == ENOPROTOOPT || err == EMSGSIZE;
}

/*
 * Send the queue: consecutive messages for one socket in one sendmmsg.
 * A send refused because of an ICMP error reported earlier (IP_RECVERR
 * turns it into the socket's pending error) is retried once after the
 * error queue is read; anything else refused is counted and skipped.
 */
void
tx_raw_flush(struct engine *e)
{
	struct tx_queue	*q = &e->txq;
	struct sockaddr_in6 d6;
	struct sockaddr_in d4;
	struct msghdr	*m;
	unsigned int	 i = 0, j, k;
	int		 r, retried = 0;

	memset(&d4, 0, sizeof(d4));
	memset(&d6, 0, sizeof(d6));
	d4.sin_family = AF_INET;
	d4.sin_addr = e->peer.remote.u.v4;
	d6.sin6_family = AF_INET6;
	d6.sin6_addr = e->peer.remote.u.v6;
	for (k = 0; k < q->n; k++) {
		m = &q->msgs[k].msg_hdr;
		memset(m, 0, sizeof(*m));
		if (e->peer.remote.af == AF_INET) {
			m->msg_name = &d4;
			m->msg_namelen = sizeof(d4);
		} else {
			m->msg_name = &d6;
			m->msg_namelen = sizeof(d6);
		}
		m->msg_iov = q->iov[k];
		m->msg_iovlen = 2;
		tx_src_cmsg(e, m);	/* issue 8: tx_src.c */
	}
	while (i < q->n) {
		for (j = i + 1; j < q->n && q->fd[j] == q->fd[i]; j++)
			;
		r = sendmmsg(q->fd[i], &q->msgs[i], j - i, 0);
		if (r <= 0) {
			if (r == -1 && !retried && soft_send_error(errno)) {
				rx_icmp_errors(e, q->fd[i],
				    e->peer.remote.af);
				retried = 1;
				continue;
			}
			e->stats.net_tx_errors++;
			i++;
			retried = 0;
			continue;
		}
		for (k = i; k < i + (unsigned int)r; k++) {
			e->stats.net_tx_pkts++;
			e->stats.net_tx_bytes += q->iov[k][0].iov_len +
			    q->iov[k][1].iov_len;
		}
		i += (unsigned int)r;
		retried = 0;
	}
	q->n = 0;
}
