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
 * Fuzz target: the TCP transport's readers of network bytes
 * (engine/pkt/tcp_hs.c, engine/pkt/tcp_frame.c): the handshake a server
 * reads ({"Id":...}), the one a client reads ({"Prefix":...}), and the
 * stream framer.
 *
 * Input: byte 0 picks the reader (bit 0: Id or Prefix; bit 1: IPv4
 * framed too), byte 1 a split point; the rest is what the peer sent.
 *
 * Invariants: a handshake reader answers OK only with a valid
 * identifier (1..64 printable bytes) and key (none, or the same), or a
 * usable /64, and a used count
 * within the input; MORE only below TCP_HS_MAX bytes.  The framer's
 * packets tile the start of the stream exactly, each at least a header
 * long; and the packets are the same whether the stream arrives whole
 * or in two reads split anywhere (what the engine keeps between reads,
 * tcp_rx.c, simulated here).
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipipd_msg.h"
#include "tcp_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_tcp: invariant failed at %s:%d: %s\n",\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#define MAXPKTS	4096

struct framed {
	size_t		 off[MAXPKTS], len[MAXPKTS];
	size_t		 n;
	enum tcp_result	 end;	/* MORE or BAD */
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	tcp_hs_init();
	return 0;
}

static void
handshake(const uint8_t *p, size_t len, int prefix)
{
	char		 id[TCP_ID_MAX + 1], key[TCP_KEY_MAX + 1], why[160];
	struct in6_addr	 a;
	enum tcp_cause	 cause = TC_NONE;
	enum tcp_result	 r;
	size_t		 used = 0;

	why[0] = '\0';
	if (prefix)
		r = tcp_hs_read_prefix(p, len, &a, &used, &cause, why,
		    sizeof(why));
	else
		r = tcp_hs_read_id(p, len, id, key, &used, &cause, why,
		    sizeof(why));
	if (r == TCP_OK) {
		CHECK(used > 0 && used <= len && used <= TCP_HS_MAX);
		if (prefix)
			CHECK(tcp_hs_prefix_usable(&a));
		else
			CHECK(tcp_hs_id_valid(id, strlen(id)) &&
			    (key[0] == '\0' ||
			    tcp_hs_id_valid(key, strlen(key))));
	} else if (r == TCP_MORE)
		CHECK(len < TCP_HS_MAX);
	else {
		CHECK(r == TCP_BAD);
		CHECK(cause > TC_NONE && cause < TC_MAX);
		CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0] != 0);
	}
}

/* Frame p whole, as one read; base is p's offset in the stream. */
static size_t
frame(const uint8_t *p, size_t len, int v4, size_t base, struct framed *f)
{
	size_t		 off = 0, plen;
	char		 why[96];
	enum tcp_result	 r;

	for (;;) {
		r = tcp_frame_next(p + off, len - off, v4, &plen, why,
		    sizeof(why));
		if (r != TCP_OK) {
			f->end = r;
			if (r == TCP_MORE)
				CHECK(plen == 0 || plen > len - off);
			return off;
		}
		CHECK(plen >= 20 && plen <= len - off &&
		    plen <= TCP_FRAME_MAX);
		CHECK(f->n < MAXPKTS);
		f->off[f->n] = base + off;
		f->len[f->n++] = plen;
		off += plen;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct framed	 whole, split;
	uint8_t			*buf;
	size_t			 len, k, used, rest;
	int			 v4;

	if (size < 2)
		return 0;
	v4 = (data[0] & 2) != 0;
	len = size - 2;
	if (!(data[0] & 4)) {
		handshake(data + 2, len, data[0] & 1);
		return 0;
	}
	/* The stream, whole. */
	memset(&whole, 0, sizeof(whole));
	(void)frame(data + 2, len, v4, 0, &whole);
	/* In two reads: the unfinished rest of the first read is kept. */
	k = len ? data[1] % (len + 1) : 0;
	memset(&split, 0, sizeof(split));
	used = frame(data + 2, k, v4, 0, &split);
	if (split.end == TCP_BAD) {
		CHECK(whole.end == TCP_BAD && whole.n == split.n);
		return 0;
	}
	rest = len - used;
	if ((buf = malloc(rest + 1)) == NULL)
		return 0;
	memcpy(buf, data + 2 + used, rest);
	(void)frame(buf, rest, v4, used, &split);
	free(buf);
	CHECK(split.n == whole.n && split.end == whole.end);
	CHECK(memcmp(split.off, whole.off, whole.n * sizeof(size_t)) == 0);
	CHECK(memcmp(split.len, whole.len, whole.n * sizeof(size_t)) == 0);
	return 0;
}
