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
 * Benchmark helper (tests/bench/raw_send_rate.sh): how many 1400-byte
 * IP-in-IP packets per second one raw socket sends in sendmmsg batches
 * of 64, with the outer header written by us (IP_HDRINCL /
 * IPV6_HDRINCL, as the engine does) or by the kernel.
 *
 *	raw_send_rate 4|6 hdrincl|kernel SRC DST SECONDS
 *
 * Prints `v4|v6 hdrincl|kernel DST: N pkt/s`; exits 1 on any error.
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "pkt.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL	36
#endif

#define BATCH		64
#define PKT_LEN		1400

static uint8_t		 buf[BATCH][PKT_LEN];

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: raw_send_rate 4|6 hdrincl|kernel SRC DST "
	    "SECONDS\n");
	exit(1);
}

/*
 * One packet: the outer header, if we write it, by the engine's own
 * encap_ipv4()/encap_ipv6(), then the first byte of an inner header.
 */
static size_t
build(uint8_t *p, int hdrincl, const struct encap_params *ep)
{
	int	 v6 = ep->dst.af == AF_INET6;
	size_t	 hlen = v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN, off = 0;

	memset(p, 0, PKT_LEN);
	if (hdrincl) {
		off = v6 ? encap_ipv6(p, ep, PKT_LEN - hlen, IPPROTO_IPV6) :
		    encap_ipv4(p, ep, PKT_LEN - hlen, IPPROTO_IPIP);
		if (off == 0) {
			fprintf(stderr, "raw_send_rate: no outer header\n");
			exit(1);
		}
	}
	p[off] = v6 ? 0x60 : 0x45;	/* the inner packet's version */
	return PKT_LEN - (hdrincl ? 0 : hlen);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in6	 d6;
	struct sockaddr_in	 d4;
	struct mmsghdr		 m[BATCH];
	struct iovec		 iov[BATCH];
	struct encap_params	 ep;
	double			 secs, t0, t;
	long			 n = 0;
	int			 v6, hdrincl, fd, one = 1, i, r, af;

	if (argc != 6 || (strcmp(argv[1], "4") && strcmp(argv[1], "6")))
		usage();
	v6 = argv[1][0] == '6';
	if (strcmp(argv[2], "hdrincl") && strcmp(argv[2], "kernel"))
		usage();
	hdrincl = strcmp(argv[2], "hdrincl") == 0;
	af = v6 ? AF_INET6 : AF_INET;
	memset(&ep, 0, sizeof(ep));
	ep.ttl = 64;
	if (addr_parse(argv[3], &ep.src) == -1 || ep.src.af != af ||
	    addr_parse(argv[4], &ep.dst) == -1 || ep.dst.af != af) {
		fprintf(stderr, "raw_send_rate: bad address %s or %s\n",
		    argv[3], argv[4]);
		return 1;
	}
	secs = strtod(argv[5], NULL);
	if (!(secs > 0 && secs <= 600))
		usage();
	fd = socket(af, SOCK_RAW, v6 ? IPPROTO_IPV6 : IPPROTO_IPIP);
	if (fd == -1 || (hdrincl && setsockopt(fd, v6 ? IPPROTO_IPV6 :
	    IPPROTO_IP, v6 ? IPV6_HDRINCL : IP_HDRINCL, &one,
	    sizeof(one)) == -1)) {
		fprintf(stderr, "raw_send_rate: socket: %s\n",
		    strerror(errno));
		return 1;
	}
	memset(&d6, 0, sizeof(d6));
	d6.sin6_family = AF_INET6;
	d6.sin6_addr = ep.dst.u.v6;
	memset(&d4, 0, sizeof(d4));
	d4.sin_family = AF_INET;
	d4.sin_addr = ep.dst.u.v4;
	memset(m, 0, sizeof(m));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = build(buf[i], hdrincl, &ep);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = v6 ? (void *)&d6 : (void *)&d4;
		m[i].msg_hdr.msg_namelen = v6 ? sizeof(d6) : sizeof(d4);
	}
	t0 = now_s();
	while ((t = now_s()) - t0 < secs) {
		if ((r = sendmmsg(fd, m, BATCH, 0)) == -1) {
			fprintf(stderr, "raw_send_rate: sendmmsg: %s\n",
			    strerror(errno));
			return 1;
		}
		n += r;
	}
	printf("v%c %s %s: %.0f pkt/s\n", argv[1][0], argv[2], argv[4],
	    (double)n / (t - t0));
	return 0;
}
