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
 * Unit tests: ICMP errors from the error queue that say the remote is
 * unreachable (engine/rx_icmp.c, engine/peer_unreach.c).  On a raw
 * socket the quote starts with our outer header; on a UDP socket
 * (encap fou|gue) it starts after the UDP header and the outer
 * destination is in msg_name.  Error queue messages are built here as
 * the kernel hands them over, and one test takes real ones from the
 * kernel: datagrams to a closed port on the loopback.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <linux/errqueue.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

#define REMOTE4		"192.0.2.2"
#define OTHER4		"192.0.2.9"
#define REMOTE6		"2001:db8::2"
#define OTHER6		"2001:db8::9"

static struct engine	 e;
static int		 parent_fd;	/* the parent's end of e.ibuf */
static int		 tun_peer;	/* what the engine writes to the TUN */

/* One error queue message: quote, error, destination. */
struct errq_msg {
	uint8_t			 quote[256];
	size_t			 len;
	struct sockaddr_in6	 name;		/* or sockaddr_in */
	union {
		struct cmsghdr	 align;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct
				    sock_extended_err) +
				    sizeof(struct sockaddr_in6))];
	}			 cbuf;
	struct iovec		 iov;
	struct msghdr		 m;
};

static struct tun_addr
addr(const char *s)
{
	struct tun_addr	 a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static int
setup(void **state)
{
	int	 sv[2], tv[2];

	(void)state;
	memset(&e, 0, sizeof(e));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, tv) == -1)
		return -1;
	imsg_init(&e.ibuf, sv[0]);
	parent_fd = sv[1];
	e.tun_fd = tv[0];
	tun_peer = tv[1];
	e.icmp_rl.tokens = ICMP_BURST;
	e.encap.type = ENCAP_FOU;
	e.peer.remote = addr(REMOTE4);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	imsg_clear(&e.ibuf);
	close(e.ibuf.fd);
	close(parent_fd);
	close(e.tun_fd);
	close(tun_peer);
	return 0;
}

/* How many IMSG_PEER_UNREACH the parent got; anything else fails. */
static int
reports(void)
{
	struct imsgbuf	 rx;
	struct imsg	 imsg;
	ssize_t		 n;
	int		 fl, count = 0;

	fl = fcntl(parent_fd, F_GETFL);
	assert_int_not_equal(fcntl(parent_fd, F_SETFL, fl | O_NONBLOCK), -1);
	imsg_init(&rx, parent_fd);
	n = imsg_read(&rx);
	assert_true(n > 0 || (n == -1 && errno == EAGAIN));
	while ((n = imsg_get(&rx, &imsg)) > 0) {
		assert_int_equal(imsg.hdr.type, IMSG_PEER_UNREACH);
		count++;
		imsg_free(&imsg);
	}
	assert_int_equal(n, 0);
	imsg_clear(&rx);
	return count;
}

/* An inner IPv4 UDP packet of 28 + 8 bytes, src -> dst. */
static size_t
inner4(uint8_t *p, const char *src, const char *dst)
{
	struct tun_addr	 s = addr(src), d = addr(dst);

	memset(p, 0, 36);
	p[0] = 0x45;
	p[3] = 36;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, &s.u.v4, 4);
	memcpy(p + 16, &d.u.v4, 4);
	return 36;
}

/* An outer IPv4 header, protocol 4, to dst, in front of an inner one. */
static size_t
outer4(uint8_t *p, const char *dst, const char *inner_dst)
{
	struct tun_addr	 d = addr(dst), l = addr("192.0.2.1");
	size_t		 n;

	n = inner4(p + 20, "10.0.0.1", inner_dst);
	memset(p, 0, 20);
	p[0] = 0x45;
	p[3] = (uint8_t)(20 + n);
	p[8] = 64;
	p[9] = IPPROTO_IPIP;
	memcpy(p + 12, &l.u.v4, 4);
	memcpy(p + 16, &d.u.v4, 4);
	return 20 + n;
}

/* The message: origin ICMP or ICMP6 with type and code; dst or none. */
static void
errq_build(struct errq_msg *q, int af, uint8_t type, uint8_t code,
    const char *dst)
{
	struct sock_extended_err	 ee;
	struct sockaddr_in		*s4 = (struct sockaddr_in *)&q->name;
	struct cmsghdr			*c;
	struct tun_addr			 d;

	memset(&ee, 0, sizeof(ee));
	ee.ee_errno = 113;	/* EHOSTUNREACH; not looked at */
	ee.ee_origin = af == AF_INET ? SO_EE_ORIGIN_ICMP : SO_EE_ORIGIN_ICMP6;
	ee.ee_type = type;
	ee.ee_code = code;
	memset(&q->m, 0, sizeof(q->m));
	memset(&q->name, 0, sizeof(q->name));
	q->iov.iov_base = q->quote;
	q->iov.iov_len = sizeof(q->quote);
	q->m.msg_iov = &q->iov;
	q->m.msg_iovlen = 1;
	q->m.msg_name = &q->name;
	if (dst != NULL) {
		d = addr(dst);
		if (af == AF_INET) {
			s4->sin_family = AF_INET;
			s4->sin_addr = d.u.v4;
			s4->sin_port = htons(5555);
			q->m.msg_namelen = sizeof(*s4);
		} else {
			q->name.sin6_family = AF_INET6;
			q->name.sin6_addr = d.u.v6;
			q->name.sin6_port = htons(5555);
			q->m.msg_namelen = sizeof(q->name);
		}
	}
	q->m.msg_control = q->cbuf.buf;
	q->m.msg_controllen = CMSG_SPACE(sizeof(ee));
	c = CMSG_FIRSTHDR(&q->m);
	c->cmsg_level = af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	c->cmsg_type = af == AF_INET ? IP_RECVERR : IPV6_RECVERR;
	c->cmsg_len = CMSG_LEN(sizeof(ee));
	memcpy(CMSG_DATA(c), &ee, sizeof(ee));
}

/* Feed the same error three times: the third is reported, once. */
static void
expect_counted(struct errq_msg *q, int af, int udp, int counted)
{
	int	 i;

	e.unreach_count = 0;
	e.unreach_window_ms = 0;
	for (i = 1; i <= 3; i++) {
		rx_icmp_msg(&e, &q->m, q->len, af, udp);
		assert_int_equal(e.unreach_count, counted ? i : 0);
	}
	assert_int_equal(reports(), counted ? 1 : 0);
}

/* encap fou: port unreachable about a datagram to the remote counts... */
static void
test_udp_to_remote(void **state)
{
	static struct errq_msg	 q;

	(void)state;
	q.len = inner4(q.quote, "10.0.0.1", "10.0.0.2");
	errq_build(&q, AF_INET, ICMP_UNREACH, ICMP_UNREACH_PORT, REMOTE4);
	expect_counted(&q, AF_INET, 1, 1);
	/* ...and the inner sender is told (host unreachable). */
	assert_int_equal(e.stats.icmp_relayed, 3);
}

/*
 * ...one about a datagram elsewhere does not, even when its inner
 * packet is addressed to the remote: the quote holds no outer header.
 */
static void
test_udp_elsewhere(void **state)
{
	static struct errq_msg	 q;

	(void)state;
	q.len = inner4(q.quote, "10.0.0.1", REMOTE4);
	errq_build(&q, AF_INET, ICMP_UNREACH, ICMP_UNREACH_PORT, OTHER4);
	expect_counted(&q, AF_INET, 1, 0);
}

/* No destination from the kernel: nothing to match, nothing counted. */
static void
test_udp_no_name(void **state)
{
	static struct errq_msg	 q;

	(void)state;
	q.len = inner4(q.quote, "10.0.0.1", REMOTE4);
	errq_build(&q, AF_INET, ICMP_UNREACH, ICMP_UNREACH_HOST, NULL);
	expect_counted(&q, AF_INET, 1, 0);
}

/* encap gue, outer IPv6: the GUE header in front changes nothing. */
static void
test_udp6_gue(void **state)
{
	static struct errq_msg	 q;

	(void)state;
	e.encap.type = ENCAP_GUE;
	e.peer.remote = addr(REMOTE6);
	memset(q.quote, 0, GUE_HDR_LEN);
	q.quote[1] = IPPROTO_IPIP;
	q.len = GUE_HDR_LEN + inner4(q.quote + GUE_HDR_LEN, "10.0.0.1",
	    "10.0.0.2");
	errq_build(&q, AF_INET6, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT,
	    REMOTE6);
	expect_counted(&q, AF_INET6, 1, 1);
	errq_build(&q, AF_INET6, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT,
	    OTHER6);
	expect_counted(&q, AF_INET6, 1, 0);
	/* An IPv4 address in msg_name is no match for an IPv6 remote. */
	errq_build(&q, AF_INET, ICMP_UNREACH, ICMP_UNREACH_PORT, REMOTE4);
	expect_counted(&q, AF_INET6, 1, 0);
}

/* Raw sockets: the quoted outer header decides, not msg_name. */
static void
test_raw(void **state)
{
	static struct errq_msg	 q;

	(void)state;
	e.encap.type = ENCAP_NONE;
	q.len = outer4(q.quote, REMOTE4, "10.0.0.2");
	errq_build(&q, AF_INET, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL, OTHER4);
	expect_counted(&q, AF_INET, 0, 1);
	q.len = outer4(q.quote, OTHER4, REMOTE4);
	errq_build(&q, AF_INET, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL, REMOTE4);
	expect_counted(&q, AF_INET, 0, 0);
	/* Not an unreachable: relayed or kept, never counted. */
	q.len = outer4(q.quote, REMOTE4, "10.0.0.2");
	errq_build(&q, AF_INET, ICMP_TIMXCEED, 0, REMOTE4);
	expect_counted(&q, AF_INET, 0, 0);
}

/* Send a FOU datagram holding an inner packet to dst:port. */
static void
send_fou(int fd, const char *dst, uint16_t port, const char *inner_dst)
{
	struct sockaddr_in	 to;
	uint8_t			 p[64];
	size_t			 n;

	n = inner4(p, "10.0.0.1", inner_dst);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, dst, &to.sin_addr), 1);
	assert_int_equal(sendto(fd, p, n, 0, (struct sockaddr *)&to,
	    sizeof(to)), (ssize_t)n);
}

/* A UDP port nobody listens on: bound once, then closed. */
static uint16_t
closed_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	assert_int_not_equal(fd = socket(AF_INET, SOCK_DGRAM, 0), -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* One datagram, its port unreachable read the engine's way. */
static void
kernel_round(int fd, const char *dst, uint16_t port, const char *inner_dst)
{
	struct pollfd	 pfd = { .fd = fd, .events = 0 };

	send_fou(fd, dst, port, inner_dst);
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_true(pfd.revents & POLLERR);
	rx_icmp_errors_udp(&e, fd, AF_INET);
}

/*
 * The kernel's own errors: 127.0.0.1 answers a datagram to a closed
 * port with ICMP port unreachable.  Remote 127.0.0.1: counted; to
 * 127.0.0.2 with the inner packet addressed to 127.0.0.1: not.
 */
static void
test_udp_kernel(void **state)
{
	uint16_t	 port = closed_port();
	int		 fd, on = 1, i;

	(void)state;
	e.peer.remote = addr("127.0.0.1");
	assert_int_not_equal(fd = socket(AF_INET, SOCK_DGRAM, 0), -1);
	assert_int_equal(setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on,
	    sizeof(on)), 0);
	for (i = 1; i <= 3; i++) {
		kernel_round(fd, "127.0.0.1", port, "10.0.0.2");
		assert_int_equal(e.unreach_count, i);
	}
	assert_int_equal(reports(), 1);
	e.unreach_count = 0;
	for (i = 1; i <= 3; i++)
		kernel_round(fd, "127.0.0.2", port, "127.0.0.1");
	assert_int_equal(e.unreach_count, 0);
	assert_int_equal(reports(), 0);
	assert_int_equal(e.stats.icmp_rx, 6);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp_to_remote, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_udp_elsewhere, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_udp_no_name, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_udp6_gue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_kernel, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
