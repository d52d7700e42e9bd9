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
 * Unit tests: encapsulation over UDP (engine/pkt/decap_udp.c,
 * engine/pkt/encap_udp_hdr.c) and its keywords (priv/conf_encap.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include <cmocka.h>

#include "priv.h"
#include "pkt.h"

#define PORT_PEER	5555

static uint8_t	 buf[2048];

#define assert_reason(got, want) do {					\
	enum drop_reason g_ = (got), w_ = (want);			\
	if (g_ != w_)							\
		fail_msg("got %s, want %s", drop_reason_name(g_),	\
		    drop_reason_name(w_));				\
} while (0)

static struct tun_addr
addr(const char *s)
{
	struct tun_addr	 a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static struct decap_state
state(int v6, uint8_t encap, uint8_t flags, uint8_t carry)
{
	struct decap_state	 st;

	memset(&st, 0, sizeof(st));
	st.local = addr(v6 ? "2001:db8::1" : "192.0.2.1");
	st.remote = addr(v6 ? "2001:db8::2" : "192.0.2.2");
	st.carry = carry;
	st.encap = encap;
	st.encap_flags = flags;
	st.remote_port = PORT_PEER;
	return st;
}

static struct udp_meta
meta(int v6, const char *src, uint16_t sport)
{
	struct udp_meta	 m;

	memset(&m, 0, sizeof(m));
	m.src = addr(src != NULL ? src : v6 ? "2001:db8::2" : "192.0.2.2");
	m.dst = addr(v6 ? "2001:db8::1" : "192.0.2.1");
	m.sport = sport;
	return m;
}

/* An inner IPv4 packet of len bytes (at least 20) at p. */
static size_t
inner4(uint8_t *p, size_t len)
{
	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	return len;
}

static size_t
inner6(uint8_t *p, size_t plen)
{
	memset(p, 0, 40 + plen);
	p[0] = 0x60;
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	p[6] = IPPROTO_UDP;
	p[7] = 64;
	p[8] = 0xfd;
	p[23] = 2;
	p[24] = 0xfd;
	p[39] = 1;
	return 40 + plen;
}

static void
test_fou_accept(void **state_)
{
	struct decap_state	 st = state(0, ENCAP_FOU, 0,
				    TUN_CARRY_V4 | TUN_CARRY_V6);
	struct udp_meta		 m = meta(0, NULL, PORT_PEER);
	struct decap_result	 r;
	size_t			 n;

	(void)state_;
	n = inner4(buf, 60);
	assert_reason(decap_udp(&st, &m, buf, n + 3, &r), DROP_NONE);
	assert_int_equal(r.off, 0);
	assert_int_equal(r.len, 60);	/* trailing bytes trimmed */
	assert_int_equal(r.pi_proto, ETH_P_IP);
	n = inner6(buf, 20);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NONE);
	assert_int_equal(r.pi_proto, ETH_P_IPV6);
	/* Over IPv6 the same. */
	st = state(1, ENCAP_FOU, 0, TUN_CARRY_V4 | TUN_CARRY_V6);
	m = meta(1, NULL, PORT_PEER);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NONE);
}

static void
test_fou_peer(void **state_)
{
	struct decap_state	 st = state(0, ENCAP_FOU, 0,
				    TUN_CARRY_V4 | TUN_CARRY_V6);
	struct udp_meta		 m;
	struct decap_result	 r;
	size_t			 n = inner4(buf, 40);

	(void)state_;
	m = meta(0, NULL, PORT_PEER + 1);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_SRC);
	m = meta(0, "192.0.2.3", PORT_PEER);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_SRC);
	m = meta(0, NULL, PORT_PEER);
	m.dst = addr("192.0.2.9");
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_DST);
	/* peer-sport any: any port, still the address. */
	st.encap_flags = ENCAP_F_ANY_SPORT;
	m = meta(0, NULL, 40000);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NONE);
	m = meta(0, "192.0.2.3", 40000);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_SRC);
	/* float: anyone, as long as the inner packet is good. */
	st.encap_flags = ENCAP_F_FLOAT;
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NONE);
	buf[0] = 0x55;
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_VERSION);
	/* The other family's datagram, or no local address yet. */
	m = meta(1, NULL, PORT_PEER);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_NOPEER);
	memset(&st.local, 0, sizeof(st.local));
	m = meta(0, NULL, PORT_PEER);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_NOPEER);
}

static void
test_fou_inner_checks(void **state_)
{
	struct decap_state	 st = state(0, ENCAP_FOU, 0, TUN_CARRY_V4);
	struct udp_meta		 m = meta(0, NULL, PORT_PEER);
	struct decap_result	 r;
	size_t			 n;

	(void)state_;
	assert_reason(decap_udp(&st, &m, buf, 0, &r), DROP_NET_SHORT);
	n = inner6(buf, 8);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_MODE);
	n = inner4(buf, 40);
	assert_reason(decap_udp(&st, &m, buf, 10, &r), DROP_NET_SHORT);
	assert_reason(decap_udp(&st, &m, buf, 30, &r), DROP_NET_INNER_HDR);
	buf[12] = 127;				/* loopback source */
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_MARTIAN);
	n = inner4(buf, 40);
	buf[8] = 0;				/* TTL 0 */
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_TTL);
	/* A MPLS-only tunnel: no version nibble to read. */
	st.carry = TUN_CARRY_MPLS;
	memcpy(buf, "\x00\x01\x01\x40", 4);
	assert_reason(decap_udp(&st, &m, buf, 4, &r), DROP_NONE);
	assert_int_equal(r.pi_proto, ETH_P_MPLS_UC);
}

static void
test_gue(void **state_)
{
	struct decap_state	 st = state(1, ENCAP_GUE, 0,
				    TUN_CARRY_V4 | TUN_CARRY_V6);
	struct udp_meta		 m = meta(1, NULL, PORT_PEER);
	struct decap_result	 r;
	size_t			 n;

	(void)state_;
	/* Variant 0, protocol 4. */
	n = inner4(buf + 4, 40) + 4;
	assert_int_equal(encap_udp_hdr(buf, ENCAP_GUE, IPPROTO_IPIP), 4);
	assert_memory_equal(buf, "\x00\x04\x00\x00", 4);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NONE);
	assert_int_equal(r.off, 4);
	assert_int_equal(r.len, 40);
	assert_int_equal(r.pi_proto, ETH_P_IP);
	/* Protocol 41 over an IPv4 packet: the version disagrees. */
	buf[1] = IPPROTO_IPV6;
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_VERSION);
	buf[1] = IPPROTO_UDP;
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_PROTO);
	buf[1] = IPPROTO_IPIP;
	buf[0] = 0x20;				/* control message */
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_ENCAP);
	buf[0] = 0x01;				/* optional fields */
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_ENCAP);
	buf[0] = 0;
	buf[3] = 0x80;				/* a flag */
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_ENCAP);
	buf[3] = 0;
	assert_reason(decap_udp(&st, &m, buf, 3, &r), DROP_NET_SHORT);
	/* Variant 1: direct IP, version by nibble (0x6 = 01 10). */
	n = inner6(buf, 8);
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NONE);
	assert_int_equal(r.off, 0);
	assert_int_equal(r.pi_proto, ETH_P_IPV6);
	buf[0] = 0x80;				/* variant 2 */
	assert_reason(decap_udp(&st, &m, buf, n, &r), DROP_NET_ENCAP);
	/* FOU writes no header. */
	assert_int_equal(encap_udp_hdr(buf, ENCAP_FOU, IPPROTO_IPIP), 0);
}

static void
test_flow_hash(void **state_)
{
	uint8_t		 a[64], b[64];
	uint32_t	 h;

	(void)state_;
	inner4(a, 48);
	memcpy(a + 20, "\x04\xd2\x16\x2e", 4);	/* ports 1234 -> 5678 */
	memcpy(b, a, sizeof(a));
	h = udp_flow_hash(a, 48);
	b[8] = 3;				/* TTL, ID, checksum */
	b[4] = 0x12;
	b[10] = 0x77;
	assert_int_equal(udp_flow_hash(b, 48), h);
	b[21] = 0xd3;				/* another source port */
	assert_int_not_equal(udp_flow_hash(b, 48), h);
	/* A later fragment has no ports: hashed without them. */
	b[6] = 0x00;
	b[7] = 0x10;
	a[6] = 0x00;
	a[7] = 0x10;
	assert_int_equal(udp_flow_hash(a, 48), udp_flow_hash(b, 48));
	assert_int_equal(udp_flow_hash(a, 0), udp_flow_hash(b, 0));
}

static char	 err[512];

static int
apply(struct ipipd_conf *c, const char *const *w)
{
	int	 used;

	conf_defaults(c);
	for (; *w != NULL; w += 1 + used)
		if (conf_keyword(c, w[0], w[1], &used, err, sizeof(err)) == -1)
			return -1;
	return conf_finish(c, err, sizeof(err));
}

static void
test_conf_encap(void **state_)
{
	struct ipipd_conf	 c;
	const char		*w[] = { "dev", "t", "remote", "192.0.2.2",
				    "encap", "fou", "encap-dport", "5555", NULL };
	const char		*g[] = { "dev", "t", "remote", "2001:db8::2",
				    "encap", "gue", "encap-dport", "5555",
				    "encap-sport", "auto", "encap-sport-range",
				    "7000-7015", "listen-port", "6000",
				    "peer-sport", "any", "float", "keepalive",
				    "25", NULL };

	(void)state_;
	assert_int_equal(apply(&c, w), 0);
	assert_int_equal(c.encap, ENCAP_FOU);
	assert_int_equal(c.listen_port, 5555);
	assert_int_equal(c.peer_sport, 5555);
	assert_int_equal(conf_udp_sports(&c), 0);
	assert_int_equal(conf_outer_hdrlen(&c, AF_INET), 28);
	assert_int_equal(conf_outer_hdrlen(&c, AF_INET6), 48);
	assert_int_equal(conf_carry(&c), TUN_CARRY_V4 | TUN_CARRY_V6);
	assert_int_equal(apply(&c, g), 0);
	assert_int_equal(c.encap, ENCAP_GUE);
	assert_int_equal(c.listen_port, 6000);
	assert_int_equal(conf_udp_sports(&c), 16);
	assert_int_equal(c.encap_flags, ENCAP_F_ANY_SPORT | ENCAP_F_FLOAT);
	assert_int_equal(c.keepalive, 25);
	assert_int_equal(conf_outer_hdrlen(&c, AF_INET6), 52);
	assert_int_equal(conf_carry(&c), TUN_CARRY_ALL);
}

/* Each of these must fail with err containing want. */
static void
expect_err(const char *const *w, const char *want)
{
	struct ipipd_conf	 c;

	if (apply(&c, w) != -1)
		fail_msg("accepted, want an error with '%s'", want);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
}

#define BASE	"dev", "t", "remote", "192.0.2.2"

static void
test_conf_encap_errors(void **state_)
{
	(void)state_;
	expect_err((const char *[]){ BASE, "encap", "vxlan", NULL },
	    "bad encap 'vxlan'");
	expect_err((const char *[]){ BASE, "encap", "fou", NULL },
	    "needs encap-dport");
	expect_err((const char *[]){ BASE, "encap-dport", "5", NULL },
	    "need encap fou or gue");
	expect_err((const char *[]){ BASE, "encap", "fou", "encap-dport",
	    "0", NULL }, "bad encap-dport '0'");
	expect_err((const char *[]){ BASE, "encap", "fou", "encap-dport",
	    "65536", NULL }, "bad encap-dport '65536'");
	expect_err((const char *[]){ BASE, "encap", "fou", "encap-dport",
	    "5", "encap-sport-range", "1-2", NULL }, "needs encap-sport auto");
	expect_err((const char *[]){ BASE, "encap", "fou", "encap-dport",
	    "5", "encap-sport", "auto", "encap-sport-range", "100-200",
	    NULL }, "more than 64 ports");
	expect_err((const char *[]){ BASE, "encap", "fou", "encap-dport",
	    "5", "encap-sport", "auto", "encap-sport-range", "9-3", NULL },
	    "not LOW-HIGH");
	expect_err((const char *[]){ BASE, "encap", "fou", "encap-dport",
	    "5", "encap-sport", "auto", "encap-sport-range", "1-10", NULL },
	    "holds the listen port 5");
	expect_err((const char *[]){ BASE, "encap", "fou", "encap-dport",
	    "5", "keepalive", "0", NULL }, "bad keepalive '0'");
	expect_err((const char *[]){ "dev", "t", "remote", "2001:db8::2",
	    "encap", "fou", "encap-dport", "5", "encaplimit", "none", NULL },
	    "not used with encap");
	expect_err((const char *[]){ BASE, "float", NULL },
	    "need encap fou or gue");
}

static void
test_conf_addr_route(void **state_)
{
	struct ipipd_conf	 c;
	const char		*w[] = { BASE, "address", "10.0.0.1", "peer",
				    "10.0.0.2", "address", "fd00::1/64",
				    "route", "10.9.0.0/16", "route",
				    "fd00:9::/48", "route", "10.8.0.1", NULL };
	char			 b[ADDR_STRLEN];

	(void)state_;
	assert_int_equal(apply(&c, w), 0);
	assert_int_equal(c.naddrs, 2);
	assert_string_equal(addr_fmt(&c.addrs[0].peer, b, sizeof(b)),
	    "10.0.0.2");
	assert_int_equal(c.addrs[0].plen, 32);
	assert_int_equal(c.addrs[1].plen, 64);
	assert_int_equal(c.addrs[1].peer.af, AF_UNSPEC);
	assert_int_equal(c.nroutes, 3);
	assert_int_equal(c.routes[0].plen, 16);
	assert_int_equal(c.routes[2].plen, 32);
	expect_err((const char *[]){ BASE, "peer", "10.0.0.2", NULL },
	    "'peer' must follow");
	expect_err((const char *[]){ BASE, "address", "10.0.0.1", "mtu",
	    "1400", "peer", "10.0.0.2", NULL }, "'peer' must follow");
	expect_err((const char *[]){ BASE, "address", "10.0.0.1", "peer",
	    "fd00::2", NULL }, "not the family");
	expect_err((const char *[]){ BASE, "address", "10.0.0.1/33", NULL },
	    "bad address '10.0.0.1/33'");
	expect_err((const char *[]){ BASE, "route", "10.9.0.1/16", NULL },
	    "bits set after the prefix");
	expect_err((const char *[]){ BASE, "route", "10.9.0.0/16", "route",
	    "10.9.0.0/16", NULL }, "given twice");
	expect_err((const char *[]){ BASE, "address", "host.example", NULL },
	    "bad address");
}

/* The configuration file: address ... peer ... is one statement. */
static void
test_conf_file(void **state_)
{
	struct ipipd_conf	 c;
	char			 path[] = "/tmp/test_fou.XXXXXX";
	const char		*text = "dev t\nremote 192.0.2.2\n"
				    "encap fou\nencap-dport 5555\nfloat\n"
				    "address 10.0.0.1 peer 10.0.0.2/32\n"
				    "route 10.9.0.0/16\n";
	int			 fd;

	(void)state_;
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.naddrs, 1);
	assert_int_equal(c.addrs[0].peer.af, AF_INET);
	assert_int_equal(c.nroutes, 1);
	assert_int_equal(c.encap_flags, ENCAP_F_FLOAT);
	text = "dev t\nremote 192.0.2.2\naddress 10.0.0.1 peer\n";
	assert_true((fd = open(path, O_WRONLY | O_TRUNC)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: 'peer' needs a value"));
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fou_accept),
		cmocka_unit_test(test_fou_peer),
		cmocka_unit_test(test_fou_inner_checks),
		cmocka_unit_test(test_gue),
		cmocka_unit_test(test_flow_hash),
		cmocka_unit_test(test_conf_encap),
		cmocka_unit_test(test_conf_encap_errors),
		cmocka_unit_test(test_conf_addr_route),
		cmocka_unit_test(test_conf_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
