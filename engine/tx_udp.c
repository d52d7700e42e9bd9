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
 * The transmit path over UDP (encap fou|gue).  The parent bound the
 * sockets; the engine only names the destination in each sendmmsg.
 * The kernel writes the outer IP and UDP headers and the UDP checksum
 * (IPv6 needs one, RFC 8200 8.1; IPv4 gets one too), takes the outer
 * TTL, TOS/traffic class (ECN included) and source address from
 * control messages, and sets DF and fragments as the socket's
 * IP_MTU_DISCOVER setting (chosen by the parent) says; the engine's
 * own PMTU check (tx.c) has already answered inner senders
 * that must not be fragmented.
 *
 * With offloads on, a run of queued datagrams of one socket with the
 * same control messages and the same size (the last may be shorter),
 * as the segments of one TUN super-packet are, leaves as ONE sendmsg
 * with a UDP_SEGMENT control message: the kernel cuts the payload
 * into datagrams of that size and, with UDP_SEGMENT, always computes
 * their UDP checksums itself.  Over veth to a socket with UDP_GRO the
 * run even stays one buffer up to the peer (rx_udp.c).  If the
 * kernel refuses (EIO: e.g. an IPsec route; EINVAL: e.g. a segment over
 * a path MTU the kernel learnt before the engine did), the run and
 * everything after it goes the old way, and UDP_SEGMENT pauses: the
 * refusal may pass (the engine learns the path MTU from the same ICMP
 * error), so it is tried again after 1 s, then after twice the pause
 * at every refusal in a row, up to USO_BACKOFF_MAX; a lasting refusal
 * then costs one failed send in that time.  The row ends when a send
 * of segments as large as the refused ones goes through.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <string.h>

#include "engine.h"
#include "log.h"

/*
 * A UDP_SEGMENT send: at most 64 segments (the kernel's UDP_MAX_SEGMENTS
 * before 6.9) and a payload that fits one IPv6 datagram with its UDP
 * header (IPv4 allows a little more; one bound keeps it simple).
 */
#define UDP_GSO_SEGS_MAX	64
#define UDP_GSO_BYTES_MAX	(65535 - IPV6_HDR_LEN - UDP_HDR_LEN)

/* Seconds before UDP_SEGMENT is tried again after a refusal. */
#define USO_BACKOFF_MIN		1
#define USO_BACKOFF_MAX		64

/* The socket a packet leaves from: a flow's own port, or the listen's. */
static int
udp_pick_fd(struct engine *e, const uint8_t *in, size_t len)
{
	int	 a = af_index(e->peer.remote.af);

	if (e->encap.nsports == 0)
		return e->udp[a][0];
	return e->udp[a][1 + udp_flow_hash(in, len) % e->encap.nsports];
}

static struct cmsghdr *
put_int(struct cmsghdr *c, int level, int type, int val)
{
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(sizeof(val));
	memcpy(CMSG_DATA(c), &val, sizeof(val));
	return (struct cmsghdr *)((uint8_t *)c + CMSG_SPACE(sizeof(val)));
}

/* TOS/traffic class, TTL/hop limit and source address of one datagram. */
static size_t
udp_cmsg(struct engine *e, uint8_t *buf, const struct encap_params *ep)
{
	struct cmsghdr		*c = (struct cmsghdr *)buf;
	struct in6_pktinfo	 pi6;
	struct in_pktinfo	 pi4;

	if (e->peer.remote.af == AF_INET) {
		c = put_int(c, IPPROTO_IP, IP_TOS, ep->tos);
		c = put_int(c, IPPROTO_IP, IP_TTL, ep->ttl);
		memset(&pi4, 0, sizeof(pi4));
		pi4.ipi_spec_dst = e->peer.local.u.v4;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi4));
		memcpy(CMSG_DATA(c), &pi4, sizeof(pi4));
		return 2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(pi4));
	}
	c = put_int(c, IPPROTO_IPV6, IPV6_TCLASS, ep->tos);
	c = put_int(c, IPPROTO_IPV6, IPV6_HOPLIMIT, ep->ttl);
	memset(&pi6, 0, sizeof(pi6));
	pi6.ipi6_addr = e->peer.local.u.v6;
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi6));
	memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
	return 2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(pi6));
}

/*
 * Queue the inner packet at in (len bytes, in a slot with headroom)
 * as one datagram: the GUE header, if any, goes in front of it where
 * the packet info was.  fits: no outer fragmentation is needed, so it
 * may be one segment of a UDP_SEGMENT send.
 */
void
tx_udp_packet(struct engine *e, uint8_t *in, size_t len, uint8_t proto,
    const struct encap_params *ep, int fits)
{
	struct udp_tx_queue	*q = &e->utxq;
	struct msghdr		*m;
	size_t			 h;
	int			 fd;

	if ((fd = udp_pick_fd(e, in, len)) == -1) {
		e->stats.drops[DROP_TUN_NOPEER]++;	/* no socket: family */
		return;
	}
	if (q->n == UTXQ_MAX)
		tx_udp_flush(e);
	h = encap_udp_hdr(in - GUE_HDR_LEN, e->encap.type, proto);
	m = &q->msgs[q->n].msg_hdr;
	memset(m, 0, sizeof(*m));
	q->iov[q->n].iov_base = in - h;
	q->iov[q->n].iov_len = len + h;
	m->msg_iov = &q->iov[q->n];
	m->msg_iovlen = 1;
	m->msg_control = q->cmsg[q->n].buf;
	m->msg_controllen = udp_cmsg(e, q->cmsg[q->n].buf, ep);
	q->fd[q->n] = fd;
	q->fits[q->n] = fits != 0;
	q->n++;
}

/* The destination: the remote and its port. */
static void *
udp_dest(struct engine *e, socklen_t *nlen)
{
	struct udp_tx_queue	*q = &e->utxq;

	if (e->peer.remote.af == AF_INET) {
		memset(&q->to4, 0, sizeof(q->to4));
		q->to4.sin_family = AF_INET;
		q->to4.sin_addr = e->peer.remote.u.v4;
		q->to4.sin_port = htons(e->tx_dport);
		*nlen = sizeof(q->to4);
		return &q->to4;
	}
	memset(&q->to6, 0, sizeof(q->to6));
	q->to6.sin6_family = AF_INET6;
	q->to6.sin6_addr = e->peer.remote.u.v6;
	q->to6.sin6_port = htons(e->tx_dport);
	*nlen = sizeof(q->to6);
	return &q->to6;
}

/* The same destination for the whole batch. */
static void
udp_set_names(struct engine *e)
{
	struct udp_tx_queue	*q = &e->utxq;
	unsigned int		 k;
	socklen_t		 nlen;
	void			*name = udp_dest(e, &nlen);

	for (k = 0; k < q->n; k++) {
		q->msgs[k].msg_hdr.msg_name = name;
		q->msgs[k].msg_hdr.msg_namelen = nlen;
	}
}

/* Errors a send can return because of an ICMP error queued earlier. */
static int
udp_soft_error(int err)
{
	return err == ECONNREFUSED || err == EHOSTUNREACH ||
	    err == ENETUNREACH || err == EHOSTDOWN || err == EPROTO ||
	    err == ENOPROTOOPT || err == EMSGSIZE;
}

/*
 * Send n messages, consecutive ones of one socket in one sendmmsg; each
 * iovec of a message is one datagram (several: a UDP_SEGMENT run).
 * A pending ICMP error (IP_RECVERR) refuses one send: it is read from
 * the error queue and the send retried once.  Returns n, or the index
 * of a UDP_SEGMENT message the kernel refused with EIO or EINVAL (none
 * of it sent), with *gso_refused set to the errno.
 */
static unsigned int
udp_send_msgs(struct engine *e, struct mmsghdr *msgs, const int *fds,
    unsigned int n, int *gso_refused)
{
	unsigned int	 i = 0, j, k, d;
	int		 r, retried = 0;

	while (i < n) {
		for (j = i + 1; j < n && fds[j] == fds[i]; j++)
			;
		r = sendmmsg(fds[i], &msgs[i], j - i, 0);
		if (r <= 0) {
			if (r == -1 && !retried && udp_soft_error(errno)) {
				rx_icmp_errors_udp(e, fds[i],
				    e->peer.remote.af);
				retried = 1;
				continue;
			}
			if (r == -1 && (errno == EIO || errno == EINVAL) &&
			    msgs[i].msg_hdr.msg_iovlen > 1) {
				*gso_refused = errno;
				return i;
			}
			e->stats.net_tx_errors++;
			i++;
			retried = 0;
			continue;
		}
		for (k = i; k < i + (unsigned int)r; k++) {
			for (d = 0; d < msgs[k].msg_hdr.msg_iovlen; d++) {
				e->stats.net_tx_pkts++;
				e->stats.net_tx_bytes +=
				    msgs[k].msg_hdr.msg_iov[d].iov_len;
			}
		}
		i += (unsigned int)r;
		retried = 0;
	}
	return n;
}

/* Same socket and the same control messages (TOS, TTL, source). */
static int
udp_same_meta(const struct udp_tx_queue *q, unsigned int a, unsigned int b)
{
	return q->fd[a] == q->fd[b] && q->msgs[a].msg_hdr.msg_controllen ==
	    q->msgs[b].msg_hdr.msg_controllen && memcmp(q->cmsg[a].buf,
	    q->cmsg[b].buf, q->msgs[a].msg_hdr.msg_controllen) == 0;
}

/*
 * How many queued datagrams from i on can share one UDP_SEGMENT send:
 * all as long as the first, the last no longer, none fragmented.
 */
static unsigned int
udp_gso_run(const struct udp_tx_queue *q, unsigned int i)
{
	size_t		 seg = q->iov[i].iov_len, total = seg;
	unsigned int	 j;

	if (!q->fits[i])
		return 1;
	for (j = i + 1; j < q->n && j - i < UDP_GSO_SEGS_MAX; j++) {
		if (!q->fits[j] || q->iov[j].iov_len > seg ||
		    total + q->iov[j].iov_len > UDP_GSO_BYTES_MAX ||
		    !udp_same_meta(q, i, j))
			break;
		total += q->iov[j].iov_len;
		if (q->iov[j].iov_len < seg) {
			j++;		/* a shorter one ends the run */
			break;
		}
	}
	return j - i;
}

/* The UDP_SEGMENT control message after the others of datagram i. */
static void
udp_gso_cmsg(struct udp_tx_queue *q, unsigned int i, struct msghdr *m)
{
	struct cmsghdr	*c;
	uint16_t	 seg = (uint16_t)q->iov[i].iov_len;

	c = (struct cmsghdr *)(q->cmsg[i].buf + m->msg_controllen);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	m->msg_controllen += CMSG_SPACE(sizeof(seg));
}

/*
 * The kernel refused a UDP_SEGMENT send of seg-byte segments: pause,
 * twice as long as the last time unless a send of segments as large
 * has gone through since.  A warning at most every USO_BACKOFF_MAX s.
 */
static void
uso_pause(struct engine *e, int err, size_t seg)
{
	struct udp_tx_queue	*q = &e->utxq;
	uint64_t		 now = mono_ms();

	if (q->gso_backoff_s < USO_BACKOFF_MIN)
		q->gso_backoff_s = USO_BACKOFF_MIN;
	e->off.uso_refused++;
	q->gso_retry_ms = now + (uint64_t)q->gso_backoff_s * 1000;
	q->gso_refused_seg = seg;
	if (q->gso_warn_ms == 0 ||
	    now >= q->gso_warn_ms + USO_BACKOFF_MAX * 1000) {
		log_warnx("UDP_SEGMENT refused by the kernel (%s, %zu-byte "
		    "segments); one datagram per message, trying again in "
		    "%u s", strerror(err), seg, q->gso_backoff_s);
		q->gso_warn_ms = now;
	} else
		log_debug("UDP_SEGMENT refused again (%s, %zu-byte "
		    "segments); next try in %u s", strerror(err), seg,
		    q->gso_backoff_s);
	if (q->gso_backoff_s < USO_BACKOFF_MAX)
		q->gso_backoff_s *= 2;
}

/*
 * UDP_SEGMENT sends went through, the largest of seg-byte segments.
 * Only one as large as the refused one ends the row of refusals: after
 * an EINVAL for segments over the path MTU, small runs pass while the
 * large ones still fail.
 */
static void
uso_accepted(struct engine *e, size_t seg)
{
	struct udp_tx_queue	*q = &e->utxq;

	if (q->gso_refused_seg == 0 || seg < q->gso_refused_seg)
		return;
	log_debug("UDP_SEGMENT accepted again (%zu-byte segments)", seg);
	q->gso_retry_ms = 0;
	q->gso_backoff_s = 0;
	q->gso_refused_seg = 0;
}

/*
 * Build the messages of the queue with runs merged (q->gso), send
 * them, and return the first datagram not sent if the kernel refused
 * UDP_SEGMENT, else q->n.
 */
static unsigned int
udp_tx_flush_gso(struct engine *e)
{
	struct udp_tx_queue	*q = &e->utxq;
	struct msghdr		*m;
	unsigned int		 i, k = 0, run, sent;
	size_t			 maxseg = 0;
	int			 refused = 0;

	for (i = 0; i < q->n; i += run) {
		run = udp_gso_run(q, i);
		q->gso[k] = q->msgs[i];
		q->gso[k].msg_hdr.msg_iovlen = run;
		q->gso[k].msg_len = 0;	/* set by the kernel if sent */
		if (run > 1)
			udp_gso_cmsg(q, i, &q->gso[k].msg_hdr);
		q->gso_fd[k] = q->fd[i];
		q->gso_first[k] = i;
		k++;
	}
	sent = udp_send_msgs(e, q->gso, q->gso_fd, k, &refused);
	/* Counted: the runs the kernel took, not failed or refused ones. */
	for (i = 0; i < k; i++) {
		m = &q->gso[i].msg_hdr;
		if (m->msg_iovlen < 2 || q->gso[i].msg_len == 0)
			continue;
		e->off.uso_msgs++;
		e->off.uso_segs += m->msg_iovlen;
		if (m->msg_iov[0].iov_len > maxseg)
			maxseg = m->msg_iov[0].iov_len;
	}
	if (maxseg > 0)
		uso_accepted(e, maxseg);
	if (!refused)
		return q->n;
	uso_pause(e, refused, q->gso[sent].msg_hdr.msg_iov[0].iov_len);
	return q->gso_first[sent];
}

/*
 * Send the queue: with offloads on, runs of equal datagrams as
 * UDP_SEGMENT sends; otherwise (and during a pause after the kernel
 * refused that) one datagram per message, consecutive ones of a socket
 * in one sendmmsg.
 */
void
tx_udp_flush(struct engine *e)
{
	struct udp_tx_queue	*q = &e->utxq;
	unsigned int		 from = 0;
	int			 refused = 0;

	if (q->n == 0)
		return;
	udp_set_names(e);
	if (offload_on(e) && (q->gso_retry_ms == 0 ||
	    mono_ms() >= q->gso_retry_ms))
		from = udp_tx_flush_gso(e);
	if (from < q->n)
		(void)udp_send_msgs(e, &q->msgs[from], &q->fd[from],
		    q->n - from, &refused);
	q->n = 0;
}

/*
 * keepalive SECONDS: an empty datagram from the listen socket keeps a
 * NAT binding open; kernel FOU and socat peers ignore it, and so do we.
 * Returns the milliseconds until the next one is due (-1: none).
 */
int
tx_udp_keepalive(struct engine *e, uint64_t now)
{
	struct iovec	 iov = { NULL, 0 };
	struct msghdr	 m;
	int		 fd;

	if (e->encap.type == ENCAP_NONE || e->encap.keepalive == 0 ||
	    !e->started)
		return -1;
	if (e->keepalive_ms == 0 || now >= e->keepalive_ms) {
		e->keepalive_ms = now + (uint64_t)e->encap.keepalive * 1000;
		fd = e->udp[af_index(e->peer.remote.af)][0];
		if (fd != -1 && addr_is_set(&e->peer.local)) {
			memset(&m, 0, sizeof(m));
			m.msg_iov = &iov;
			m.msg_iovlen = 1;
			m.msg_name = udp_dest(e, &m.msg_namelen);
			if (sendmsg(fd, &m, 0) == -1)
				e->stats.net_tx_errors++;
			else
				e->stats.keepalive_tx++;
		}
	}
	return (int)(e->keepalive_ms - now);
}
