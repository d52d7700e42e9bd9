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
 * ICMP errors about the outer packets we sent, as the kernel queues
 * them on the raw sockets (IP_RECVERR / IPV6_RECVERR, set by the
 * parent).  "Fragmentation needed" and "packet too big" lower the path
 * MTU; other errors are relayed to the inner packet's sender when the
 * quote holds its header (RFC 2003 4, RFC 2473 8), else kept as soft
 * state (counted).  Never logged per packet, never fatal.
 *
 * On a raw socket the quote starts with our outer IP header; on a UDP
 * socket (encap fou|gue) it starts after the UDP header, and where the
 * datagram went is only in msg_name, which the kernel fills with the
 * original destination (ip_recv_error, ipv6_recv_error).
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <linux/errqueue.h>

#include <errno.h>
#include <string.h>

#include "engine.h"
#include "log.h"

#define ERRQ_QUOTE_MAX	1280	/* an ICMPv6 error quotes at most this */
#define ERRQ_DRAIN_MAX	32	/* errors handled per call */

/* Where the inner packet starts in a quoted outer packet, or -1. */
static ssize_t
quoted_inner(const uint8_t *q, size_t len, int af, uint8_t *proto)
{
	size_t	 off;

	if (af == AF_INET) {
		if (len < IPV4_HDR_LEN || q[0] >> 4 != 4)
			return -1;
		off = (size_t)(q[0] & 0x0f) << 2;
		*proto = q[9];
	} else {
		if (len < IPV6_HDR_LEN || q[0] >> 4 != 6)
			return -1;
		off = IPV6_HDR_LEN;
		*proto = q[6];
		if (*proto == IPPROTO_DSTOPTS) {	/* our encaplimit */
			if (len < off + 8)
				return -1;
			*proto = q[off];
			off += ((size_t)q[off + 1] + 1) * 8;
		}
	}
	return off <= len ? (ssize_t)off : -1;
}

/*
 * A UDP socket's error queue quotes the datagram after its UDP header:
 * the inner packet, behind a GUE header for encap gue.
 */
static ssize_t
quoted_inner_udp(const struct engine *e, const uint8_t *q, size_t len,
    uint8_t *proto)
{
	size_t	 off = 0;

	if (len == 0)
		return -1;
	if (e->encap.type == ENCAP_GUE && q[0] >> 6 == 0) {
		if (len < GUE_HDR_LEN)
			return -1;
		*proto = q[1];
		return GUE_HDR_LEN;
	}
	switch (q[off] >> 4) {
	case 4:
		*proto = IPPROTO_IPIP;
		break;
	case 6:
		*proto = IPPROTO_IPV6;
		break;
	default:
		return -1;
	}
	return (ssize_t)off;
}

/* Tell the inner sender its destination cannot be reached. */
static void
relay_unreachable(struct engine *e, const uint8_t *q, size_t len, int af,
    int udp)
{
	const uint8_t	*in;
	size_t		 ilen;
	ssize_t		 off;
	uint8_t		 proto;

	off = udp ? quoted_inner_udp(e, q, len, &proto) :
	    quoted_inner(q, len, af, &proto);
	if (off == -1)
		goto soft;
	in = q + off;
	ilen = len - (size_t)off;
	/* The sender needs its own header and 8 bytes to match it. */
	if (proto == IPPROTO_IPIP && ilen >= IPV4_HDR_LEN + 8 &&
	    in[0] >> 4 == 4) {
		tun_icmp_v4(e, in, ilen, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
		e->stats.icmp_relayed++;
		return;
	}
	/* ICMPv4 about a 6in4 packet becomes ICMPv6, as sit does. */
	if (proto == IPPROTO_IPV6 && ilen >= IPV6_HDR_LEN + 8 &&
	    in[0] >> 4 == 6) {
		tun_icmp_v6(e, in, ilen, ICMP6_DST_UNREACH,
		    ICMP6_DST_UNREACH_ADDR, 0);
		e->stats.icmp_relayed++;
		return;
	}
soft:
	e->stats.icmp_soft++;
}

/*
 * Where the datagram an error is about was sent, from msg_name; left
 * AF_UNSPEC when the kernel gave none of family af.
 */
static void
errq_dst(const struct msghdr *m, int af, struct tun_addr *dst)
{
	const struct sockaddr_in	*s4 = m->msg_name;
	const struct sockaddr_in6	*s6 = m->msg_name;

	memset(dst, 0, sizeof(*dst));
	if (m->msg_name == NULL)
		return;
	if (af == AF_INET && m->msg_namelen >= sizeof(*s4) &&
	    s4->sin_family == AF_INET) {
		dst->af = AF_INET;
		dst->u.v4 = s4->sin_addr;
	} else if (af == AF_INET6 && m->msg_namelen >= sizeof(*s6) &&
	    s6->sin6_family == AF_INET6) {
		dst->af = AF_INET6;
		dst->u.v6 = s6->sin6_addr;
	}
}

/*
 * Is it about a packet to the remote?  Then the remote may have moved,
 * or has nothing listening (a hint: hints.c).
 */
static void
note_unreach(struct engine *e, const struct msghdr *m,
    const struct sock_extended_err *ee, const uint8_t *q, size_t len, int af,
    int udp)
{
	struct tun_addr	 dst;
	int		 remote;

	if (!udp)
		remote = peer_unreach_note(e, q, len, af);
	else {
		errq_dst(m, af, &dst);
		remote = peer_unreach_note_dst(e, &dst);
	}
	if (remote)
		hint_unreach(e, ee, q, len, udp);
}

static void
handle_error(struct engine *e, const struct msghdr *m,
    const struct sock_extended_err *ee, const uint8_t *q, size_t len, int af,
    int udp)
{
	int	 toobig;

	e->stats.icmp_rx++;
	switch (ee->ee_origin) {
	case SO_EE_ORIGIN_LOCAL:
		toobig = ee->ee_errno == EMSGSIZE;
		break;
	case SO_EE_ORIGIN_ICMP:
		toobig = ee->ee_type == ICMP_UNREACH &&
		    ee->ee_code == ICMP_UNREACH_NEEDFRAG;
		break;
	case SO_EE_ORIGIN_ICMP6:
		toobig = ee->ee_type == ICMP6_PACKET_TOO_BIG;
		break;
	default:
		e->stats.icmp_soft++;
		return;
	}
	if (toobig) {
		if (ee->ee_info != 0 && pmtu_lower(&e->pmtu, ee->ee_info, af))
			e->stats.icmp_rx_pmtu++;
		return;
	}
	if (ee->ee_origin == SO_EE_ORIGIN_LOCAL) {
		e->stats.icmp_soft++;
		return;
	}
	if ((ee->ee_origin == SO_EE_ORIGIN_ICMP &&
	    ee->ee_type == ICMP_UNREACH) ||
	    (ee->ee_origin == SO_EE_ORIGIN_ICMP6 &&
	    ee->ee_type == ICMP6_DST_UNREACH))
		note_unreach(e, m, ee, q, len, af, udp);
	relay_unreachable(e, q, len, af, udp);
}

static const struct sock_extended_err *
find_ee(struct msghdr *m, struct sock_extended_err *buf)
{
	struct cmsghdr	*c;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (!((c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_RECVERR)))
			continue;
		if (c->cmsg_len < CMSG_LEN(sizeof(*buf)))
			return NULL;
		memcpy(buf, CMSG_DATA(c), sizeof(*buf));
		return buf;
	}
	return NULL;
}

/*
 * One message of the error queue, as recvmsg(MSG_ERRQUEUE) returned it:
 * len bytes of quote in its first iovec, the error in its control data,
 * the original destination in msg_name.
 */
void
rx_icmp_msg(struct engine *e, struct msghdr *m, size_t len, int af,
    int udp)
{
	struct sock_extended_err	 eebuf;
	const struct sock_extended_err	*ee;

	if (m->msg_iovlen < 1 || len > m->msg_iov[0].iov_len ||
	    (ee = find_ee(m, &eebuf)) == NULL)
		return;
	handle_error(e, m, ee, m->msg_iov[0].iov_base, len, af, udp);
}

static void
drain_errors(struct engine *e, int fd, int af, int udp)
{
	static uint8_t			 quote[ERRQ_QUOTE_MAX];
	union {
		struct cmsghdr	 align;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct sock_extended_err)
				    + sizeof(struct sockaddr_in6)) + 64];
	}				 cbuf;
	struct sockaddr_in6		 dst;	/* or sockaddr_in */
	struct iovec			 iov;
	struct msghdr			 m;
	ssize_t				 n;
	int				 i;

	for (i = 0; i < ERRQ_DRAIN_MAX; i++) {
		memset(&m, 0, sizeof(m));
		iov.iov_base = quote;
		iov.iov_len = sizeof(quote);
		m.msg_name = &dst;
		m.msg_namelen = sizeof(dst);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf.buf;
		m.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n == -1)
			break;	/* EAGAIN: drained */
		rx_icmp_msg(e, &m, (size_t)n, af, udp);
	}
}

void
rx_icmp_errors(struct engine *e, int fd, int af)
{
	drain_errors(e, fd, af, 0);
}

void
rx_icmp_errors_udp(struct engine *e, int fd, int af)
{
	drain_errors(e, fd, af, 1);
}
