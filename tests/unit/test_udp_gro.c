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
 * Unit tests: UDP_GRO receive of encap fou (engine/pkt/udp_gro.c): the
 * segment size from the control message, malformed ones included; the
 * split of a coalesced buffer, each datagram then decapsulated on its
 * own (engine/pkt/decap_udp.c); and the in-place coalescing of TCP segments
 * from one such buffer by the TUN-side GRO (engine/tun_offload.c,
 * gro.c), read back from a pipe standing in for the TUN device, with
 * checksums computed by the plain reference below.  And the send side
 * (engine/tx_udp.c) over loopback: a run of equal datagrams leaves as
 * one UDP_SEGMENT send, and when the kernel refuses that (SO_NO_CHECK
 * makes it answer EINVAL) every datagram still arrives, sent alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <linux/if_ether.h>

#include <cmocka.h>

#include "engine.h"

#include "../ref_csum.h"

#define PORT_PEER	5555

/* ----------------------------------------------- control messages */

static union {
	struct cmsghdr	 align;
	uint8_t		 buf[256];
} cbuf;

/* A msghdr whose control data holds an IP_TOS and then, if len != 0, a
 * SOL_UDP UDP_GRO message of len data bytes carrying val. */
static struct msghdr
gro_msg(size_t len, int val)
{
	struct msghdr	 m;
	struct cmsghdr	*c;
	int		 tos = 0;

	memset(&m, 0, sizeof(m));
	memset(&cbuf, 0, sizeof(cbuf));
	m.msg_control = cbuf.buf;
	c = (struct cmsghdr *)cbuf.buf;
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TOS;
	c->cmsg_len = CMSG_LEN(sizeof(tos));
	memcpy(CMSG_DATA(c), &tos, sizeof(tos));
	m.msg_controllen = CMSG_SPACE(sizeof(tos));
	if (len != 0) {
		c = (struct cmsghdr *)(cbuf.buf + m.msg_controllen);
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_GRO;
		c->cmsg_len = CMSG_LEN(len);
		memcpy(CMSG_DATA(c), &val, len < sizeof(val) ? len :
		    sizeof(val));
		m.msg_controllen += CMSG_SPACE(sizeof(val));
	}
	return m;
}

static void
test_gro_size(void **state)
{
	struct msghdr	 m;

	(void)state;
	m = gro_msg(0, 0);
	assert_int_equal(udp_gro_size(&m), 0);		/* none */
	m = gro_msg(sizeof(int), 1400);
	assert_int_equal(udp_gro_size(&m), 1400);
	m = gro_msg(sizeof(int), 0);
	assert_int_equal(udp_gro_size(&m), 0);
	m = gro_msg(sizeof(int), -1);
	assert_int_equal(udp_gro_size(&m), 0);
	m = gro_msg(sizeof(int), 65536);
	assert_int_equal(udp_gro_size(&m), 0);
	m = gro_msg(2, 1400);				/* short */
	assert_int_equal(udp_gro_size(&m), 0);
	/* The message claims its 4 bytes, the control data ends before. */
	m = gro_msg(sizeof(int), 1400);
	m.msg_control = cbuf.buf + CMSG_SPACE(sizeof(int));
	m.msg_controllen = CMSG_LEN(0) + 2;
	assert_int_equal(udp_gro_size(&m), 0);
	m.msg_controllen = CMSG_LEN(sizeof(int));	/* just enough */
	assert_int_equal(udp_gro_size(&m), 1400);
	m = gro_msg(sizeof(int), 1400);
	m.msg_control = NULL;				/* no control data */
	m.msg_controllen = 0;
	assert_int_equal(udp_gro_size(&m), 0);
}

/* The lengths udp_gro_next gives for (len, gso), 0-terminated. */
static void
assert_split(size_t len, size_t gso, const size_t *want)
{
	size_t	 off = 0, d;
	int	 i = 0;

	while ((d = udp_gro_next(len, gso, off)) != 0) {
		assert_true(want[i] != 0);
		assert_int_equal(d, want[i]);
		assert_true(off + d <= len);
		off += d;
		i++;
	}
	assert_int_equal(want[i], 0);
}

static void
test_gro_split(void **state)
{
	static const size_t	 three[] = { 1400, 1400, 1200, 0 };
	static const size_t	 even[] = { 1400, 1400, 0 };
	static const size_t	 whole[] = { 4000, 0 };
	static const size_t	 small[] = { 1, 1, 1, 0 };
	static const size_t	 none[] = { 0 };

	(void)state;
	assert_split(4000, 1400, three);
	assert_split(2800, 1400, even);
	assert_split(4000, 0, whole);		/* no size: one datagram */
	assert_split(4000, 4001, whole);	/* larger than the buffer */
	assert_split(4000, 4000, whole);
	assert_split(3, 1, small);
	assert_split(0, 1400, none);
	assert_split(0, 0, none);
	assert_int_equal(udp_gro_next(4000, 1400, 4000), 0);
	assert_int_equal(udp_gro_next(4000, 1400, 9000), 0);
}

/* ------------------------------------------------------------ packets */

#define HLEN	40	/* IPv4 + TCP, no options */

/*
 * An inner IPv4 TCP segment at p: flow by sport, IPv4 ID id, sequence
 * seq, plen payload bytes counting up from seq; checksums right.
 */
static size_t
tcp4(uint8_t *p, uint16_t sport, uint16_t id, uint32_t seq, size_t plen)
{
	size_t		 len = HLEN + plen, i;
	uint32_t	 s;
	uint16_t	 c;

	memset(p, 0, HLEN);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = (uint8_t)(id >> 8);
	p[5] = (uint8_t)id;
	p[6] = 0x40;				/* DF */
	p[8] = 64;
	p[9] = IPPROTO_TCP;
	memcpy(p + 12, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	c = (uint16_t)~ref_fold(ref_add(0, p, 20));
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[23] = 80;
	p[24] = (uint8_t)(seq >> 24);
	p[25] = (uint8_t)(seq >> 16);
	p[26] = (uint8_t)(seq >> 8);
	p[27] = (uint8_t)seq;
	p[32] = 0x50;				/* data offset 5 */
	p[33] = 0x10;				/* ACK */
	p[34] = 0xff;				/* window */
	for (i = 0; i < plen; i++)
		p[HLEN + i] = (uint8_t)(seq + i);
	s = ref_add(0, p + 12, 8) + IPPROTO_TCP + (uint32_t)(len - 20);
	c = (uint16_t)~ref_fold(ref_add(s, p + 20, len - 20));
	p[36] = (uint8_t)(c >> 8);
	p[37] = (uint8_t)c;
	return len;
}

static struct decap_state
fou_state(void)
{
	struct decap_state	 st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(addr_parse("192.0.2.1", &st.local), 0);
	assert_int_equal(addr_parse("192.0.2.2", &st.remote), 0);
	st.carry = TUN_CARRY_V4 | TUN_CARRY_V6;
	st.encap = ENCAP_FOU;
	st.remote_port = PORT_PEER;
	return st;
}

static struct udp_meta
fou_meta(void)
{
	struct udp_meta	 m;

	memset(&m, 0, sizeof(m));
	assert_int_equal(addr_parse("192.0.2.2", &m.src), 0);
	assert_int_equal(addr_parse("192.0.2.1", &m.dst), 0);
	m.sport = PORT_PEER;
	return m;
}

/* -------------------------------------------------- split and decap */

static uint8_t	 gbuf[8192];

/*
 * Four datagrams of 140 bytes (the last 90) in one buffer; the second
 * one's inner version nibble is broken: it alone is refused.
 */
static void
test_gro_split_decap(void **state)
{
	struct decap_state	 st = fou_state();
	struct udp_meta		 m = fou_meta();
	struct decap_result	 r;
	size_t			 off, d, len = 0;
	int			 ok = 0, bad = 0;

	(void)state;
	len += tcp4(gbuf + len, 1000, 1, 1000, 100);
	len += tcp4(gbuf + len, 1000, 2, 1100, 100);
	len += tcp4(gbuf + len, 1000, 3, 1200, 100);
	len += tcp4(gbuf + len, 1000, 4, 1300, 50);
	assert_int_equal(len, 3 * 140 + 90);
	gbuf[140] = 0x55;			/* version 5 */
	for (off = 0; (d = udp_gro_next(len, 140, off)) != 0; off += d) {
		if (decap_udp(&st, &m, gbuf + off, d, &r) != DROP_NONE) {
			assert_int_equal(off, 140);
			bad++;
			continue;
		}
		assert_int_equal(r.off, 0);
		assert_int_equal(r.len, d);
		assert_int_equal(r.pi_proto, ETH_P_IP);
		ok++;
	}
	assert_int_equal(ok, 3);
	assert_int_equal(bad, 1);
	/* The same buffer with a size larger than it: one datagram, whose
	 * inner length (140) is shorter than the buffer: trimmed. */
	gbuf[140] = 0x45;
	assert_int_equal(udp_gro_next(len, len + 1, 0), len);
	assert_int_equal(decap_udp(&st, &m, gbuf, len, &r), DROP_NONE);
	assert_int_equal(r.len, 140);
}

/* ---------------------------------- in-place GRO through a pipe TUN */

static struct engine	 eng;
static uint8_t		 rbuf[65536];

/* What was written to the "TUN device": the packets, headers skipped. */
static size_t
read_writes(int fd, uint8_t *out, size_t cap, size_t *lens, int *n)
{
	size_t	 got = 0, pos = 0, plen;
	ssize_t	 r;

	while ((r = read(fd, out + got, cap - got)) > 0)
		got += (size_t)r;
	*n = 0;
	while (pos + TUN_PI_LEN + VNET_HDR_LEN + 4 <= got) {
		pos += TUN_PI_LEN + VNET_HDR_LEN;
		plen = (size_t)(out[pos + 2] << 8 | out[pos + 3]);
		assert_true(pos + plen <= got);
		memmove(out + (pos - (TUN_PI_LEN + VNET_HDR_LEN) *
		    (size_t)(*n + 1)), out + pos, plen);
		lens[(*n)++] = plen;
		pos += plen;
	}
	assert_int_equal(pos, got);
	return got;
}

/*
 * Segments of flows X (sport 1000) and Y (2000) in one coalesced buffer
 * in the order given ("XYXYX"), handed on in place as rx_udp
 * does.  Every byte of each flow's stream must arrive in order with
 * nothing of the other mixed in, although both live in one buffer;
 * returns the number of TUN writes.
 */
static int
gro_in_place(const char *order)
{
	struct decap_state	 st = fou_state();
	struct udp_meta		 m = fou_meta();
	struct decap_result	 r;
	size_t			 off, d, len = 0, lens[16], pos, total[2];
	uint32_t		 seq[2] = { 5000, 9000 }, next[2];
	uint16_t		 id[2] = { 1, 7 };
	int			 p[2], n, k, i;
	const uint8_t		*x;

	assert_int_equal(pipe(p), 0);
	memset(&eng, 0, sizeof(eng));
	eng.conf.flags = CONF_OFFLOAD;
	eng.tun_fd = p[1];
	for (k = 0; order[k] != '\0'; k++) {
		i = order[k] == 'X' ? 0 : 1;
		len += tcp4(gbuf + len, i ? 2000 : 1000, id[i]++, seq[i], 100);
		seq[i] += 100;
	}
	for (off = 0; (d = udp_gro_next(len, 140, off)) != 0; off += d) {
		assert_int_equal(decap_udp(&st, &m, gbuf + off, d, &r),
		    DROP_NONE);
		offload_net_rx(&eng, gbuf + off + r.off, r.len,
		    sizeof(gbuf) - off - r.off, r.pi_proto);
	}
	offload_net_flush(&eng);
	close(p[1]);
	(void)read_writes(p[0], rbuf, sizeof(rbuf), lens, &n);
	close(p[0]);
	next[0] = 5000;
	next[1] = 9000;
	total[0] = total[1] = 0;
	for (k = 0, pos = 0; k < n; k++) {
		x = rbuf + pos;
		i = (x[20] << 8 | x[21]) == 1000 ? 0 : 1;
		assert_int_equal((uint32_t)(x[24] << 24 | x[25] << 16 |
		    x[26] << 8 | x[27]), next[i]);
		for (d = HLEN; d < lens[k]; d++)
			assert_int_equal(x[d], (uint8_t)(next[i] + d - HLEN));
		next[i] += (uint32_t)(lens[k] - HLEN);
		total[i] += lens[k] - HLEN;
		pos += lens[k];
	}
	assert_int_equal(total[0], seq[0] - 5000);
	assert_int_equal(total[1], seq[1] - 9000);
	return n;
}

static void
test_gro_in_place(void **state)
{
	(void)state;
	/* One flow after the other: one super-packet each. */
	assert_int_equal(gro_in_place("XXXYY"), 2);
	assert_int_equal(gro_in_place("XXXXXXXX"), 1);
	/* Interleaved: each flow may grow only up to the other's start
	 * (no two held packets overlap), so little is merged, but
	 * nothing is lost or overwritten. */
	assert_in_range(gro_in_place("XYXYX"), 2, 5);
	assert_in_range(gro_in_place("XXYYXXYX"), 3, 8);
}

/* ------------------------------------------ UDP_SEGMENT over loopback */

static uint8_t	 sbuf[8][PKT_HEADROOM + 2048];

/* A bound loopback UDP socket; its port in *port. */
static int
udp_socket(uint16_t *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	int			 fd;

	assert_true((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Five FOU datagrams (four of 140 bytes, one of 90) queued in eng. */
static void
uso_queue(size_t len[5])
{
	struct encap_params	 ep;
	int			 i;

	memset(&ep, 0, sizeof(ep));
	ep.ttl = 64;
	for (i = 0; i < 5; i++) {
		len[i] = tcp4(sbuf[i] + PKT_HEADROOM, 1000, (uint16_t)(i + 1),
		    (uint32_t)(100 * i), i < 4 ? 100 : 50);
		tx_udp_packet(&eng, sbuf[i] + PKT_HEADROOM, len[i],
		    IPPROTO_IPIP, &ep, 1);
	}
}

/*
 * Queue and flush the five; the receiver (no UDP_GRO: the kernel cuts
 * anything coalesced) must get all five, intact, whatever the sender
 * did with UDP_SEGMENT.
 */
static void
uso_flush_check(int rfd)
{
	uint8_t		 got[2048];
	ssize_t		 r;
	size_t		 len[5];
	int		 n = 0;

	uso_queue(len);
	tx_udp_flush(&eng);
	while ((r = recv(rfd, got, sizeof(got), 0)) > 0) {
		assert_true(n < 5);
		assert_int_equal((size_t)r, len[n]);
		assert_memory_equal(got, sbuf[n] + PKT_HEADROOM, len[n]);
		n++;
	}
	assert_int_equal(n, 5);
}

/* A FOU engine on a loopback socket, sending to another one (*rfd). */
static void
uso_setup(int *rfd)
{
	uint16_t	 sport, rport;

	memset(&eng, 0, sizeof(eng));
	eng.conf.flags = CONF_OFFLOAD;
	eng.encap.type = ENCAP_FOU;
	assert_int_equal(addr_parse("127.0.0.1", &eng.peer.local), 0);
	eng.peer.remote = eng.peer.local;
	eng.udp[0][0] = udp_socket(&sport);
	eng.udp[1][0] = -1;
	*rfd = udp_socket(&rport);
	eng.tx_dport = rport;
}

static void
set_no_check(int on)
{
	assert_int_equal(setsockopt(eng.udp[0][0], SOL_SOCKET, SO_NO_CHECK,
	    &on, sizeof(on)), 0);
}

/* The counters after some flushes: every datagram sent, none failed. */
static void
uso_counts(uint64_t refused, uint64_t msgs, uint64_t segs, uint64_t pkts)
{
	assert_int_equal(eng.off.uso_refused, refused);
	assert_int_equal(eng.off.uso_msgs, msgs);
	assert_int_equal(eng.off.uso_segs, segs);
	assert_int_equal(eng.stats.net_tx_pkts, pkts);
	assert_int_equal(eng.stats.net_tx_errors, 0);
}

static void
test_uso_send(void **state)
{
	int	 rfd;

	(void)state;
	uso_setup(&rfd);
	uso_flush_check(rfd);
	uso_counts(0, 1, 5, 5);
	close(eng.udp[0][0]);
	close(rfd);
}

/*
 * The kernel refuses UDP_SEGMENT on a socket with SO_NO_CHECK: the
 * datagrams still go, one per message; UDP_SEGMENT pauses (1 s, then
 * 2 s, ...) and is tried again when the pause is over, and once the
 * kernel takes it again the next refusal starts from 1 s.
 */
static void
test_uso_refused(void **state)
{
	int	 rfd;

	(void)state;
	uso_setup(&rfd);
	set_no_check(1);
	uso_flush_check(rfd);
	uso_counts(1, 0, 0, 5);
	assert_int_equal(eng.utxq.gso_refused_seg, 140);
	assert_true(eng.utxq.gso_retry_ms > mono_ms());
	assert_true(eng.utxq.gso_retry_ms <= mono_ms() + 1000);
	/* Paused: not tried again. */
	uso_flush_check(rfd);
	uso_counts(1, 0, 0, 10);
	/* Pause over, still refused: the next pause is 2 s. */
	eng.utxq.gso_retry_ms = 1;
	uso_flush_check(rfd);
	uso_counts(2, 0, 0, 15);
	assert_true(eng.utxq.gso_retry_ms > mono_ms() + 1000);
	assert_true(eng.utxq.gso_retry_ms <= mono_ms() + 2000);
	/* Pause over, accepted: on again. */
	set_no_check(0);
	eng.utxq.gso_retry_ms = 1;
	uso_flush_check(rfd);
	uso_counts(2, 1, 5, 20);
	assert_int_equal(eng.utxq.gso_retry_ms, 0);
	assert_int_equal(eng.utxq.gso_backoff_s, 0);
	close(eng.udp[0][0]);
	close(rfd);
}

/*
 * After a refusal of large segments (as an EINVAL over a smaller path
 * MTU), a run of smaller ones going through does not end the row of
 * refusals: the next pause would still be the longer one.  A run as
 * large as the refused one does.
 */
static void
test_uso_row(void **state)
{
	int	 rfd;

	(void)state;
	uso_setup(&rfd);
	eng.utxq.gso_refused_seg = 1400;
	eng.utxq.gso_backoff_s = 8;
	eng.utxq.gso_retry_ms = 1;	/* the pause is over */
	uso_flush_check(rfd);		/* 140-byte segments: taken */
	uso_counts(0, 1, 5, 5);
	assert_int_equal(eng.utxq.gso_backoff_s, 8);
	assert_int_equal(eng.utxq.gso_refused_seg, 1400);
	eng.utxq.gso_refused_seg = 140;
	uso_flush_check(rfd);
	uso_counts(0, 2, 10, 10);
	assert_int_equal(eng.utxq.gso_backoff_s, 0);
	assert_int_equal(eng.utxq.gso_refused_seg, 0);
	assert_int_equal(eng.utxq.gso_retry_ms, 0);
	close(eng.udp[0][0]);
	close(rfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gro_size),
		cmocka_unit_test(test_gro_split),
		cmocka_unit_test(test_gro_split_decap),
		cmocka_unit_test(test_gro_in_place),
		cmocka_unit_test(test_uso_send),
		cmocka_unit_test(test_uso_refused),
		cmocka_unit_test(test_uso_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
