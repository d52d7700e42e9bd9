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
 * Fuzz target: the server side of the control socket, the engine's
 * (engine/control*.c), as any local client could drive it: the bytes a
 * client sends, in chunks as reads would return them.  After each
 * chunk the replies queued are checked and taken (as a client reading
 * them would), and a request forwarded to the parent is answered, with
 * the client's socket back, as the parent would.
 *
 * Input: chunks, each a length byte L (taken as L % 64 + 1) and L bytes
 * of the client's stream (fewer at the end of the input).  Bit 7 of L:
 * the parent refuses (CTL_DENIED) rather than allows a forwarded
 * request.  An input of odd length talks to a prefix server with
 * FAKE_LISTED clients (and handshakes among them), so that show clients
 * answers in several buffers; an even one to a peer tunnel.
 *
 * Checked: no crash, no leak, no fd left open; the read buffer never
 * holds more than CTL_RBUF bytes; every reply is a sequence of whole
 * messages of a reply type, each exactly its size, ending in
 * IMSG_CTL_END or IMSG_CTL_RESULT, or, while show clients has more, in
 * a record; show clients lists every client exactly once; a client is
 * dropped only with
 * control-bad counted, and every bad frame drops it or is answered.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"
#include "tcp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_ctl: invariant failed at %s:%d: %s\n",\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#define FAKE_SLOTS	300
#define FAKE_LISTED	120	/* slots 0, 2, 4, ...: assigning or up */

static struct engine	 e;
static int		 parent[2] = { -1, -1 };	/* [0] engine's end */
static struct tcp_engine fake;
static struct tcp_conn	 fake_conns[FAKE_SLOTS];

static size_t
reply_size(uint32_t type)
{
	switch (type) {
	case IMSG_CTL_TUNNEL:
		return sizeof(struct ctl_tunnel);
	case IMSG_CTL_HINT:
		return sizeof(struct ctl_hint);
	case IMSG_CTL_COUNTERS:
		return sizeof(struct ctl_counters);
	case IMSG_CTL_END:
		return 0;
	case IMSG_CTL_RESULT:
		return sizeof(struct ctl_result);
	case IMSG_CTL_CLIENT:
		return sizeof(struct ctl_client);
	}
	return (size_t)-1;
}

/* One buffer of replies; the type of its last message. */
static uint32_t
take_buffer(struct ctl_conn *c, size_t *nclients)
{
	struct imsg_hdr	 hdr;
	size_t		 off = 0;
	uint32_t	 last = 0;

	while (off < c->wlen) {
		CHECK(c->wlen - off >= IMSG_HEADER_SIZE);
		memcpy(&hdr, c->wbuf + off, sizeof(hdr));
		CHECK(reply_size(hdr.type) != (size_t)-1);
		CHECK(hdr.len == IMSG_HEADER_SIZE + reply_size(hdr.type));
		CHECK(hdr.flags == 0);
		if (hdr.type == IMSG_CTL_CLIENT)
			(*nclients)++;
		off += hdr.len;
		last = hdr.type;
	}
	CHECK(off == c->wlen);
	c->wlen = c->woff = 0;
	return last;
}

/*
 * What a client would read: whole messages, the last one ending the
 * reply; show clients a buffer at a time, as control.c sends it.
 */
static void
take_replies(struct ctl_conn *c)
{
	size_t		 n = 0;
	uint32_t	 last;

	for (;;) {
		last = take_buffer(c, &n);
		if (c->more == 0)
			break;
		CHECK(last == IMSG_CTL_CLIENT || last == IMSG_CTL_TUNNEL);
		control_clients_page(&e, c);
		CHECK(c->wlen > 0);
	}
	CHECK(last == IMSG_CTL_END || last == IMSG_CTL_RESULT);
	CHECK(n == 0 || (e.tcp != NULL && n == FAKE_LISTED));
	if (c->closing) {
		ctl_drop(&e, c);
		return;
	}
}

/* The parent: read the request (closing the client fd it carries). */
static int
parent_read(uint32_t *id)
{
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(int))];
	}			 cbuf;
	uint8_t			 buf[IMSG_HEADER_SIZE +
				    sizeof(struct msg_ctl_request)];
	struct msg_ctl_request	 rq;
	struct cmsghdr		*cm;
	struct iovec		 iov = { buf, sizeof(buf) };
	struct msghdr		 m;
	int			 fd = -1;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf.buf;
	m.msg_controllen = sizeof(cbuf.buf);
	CHECK(recvmsg(parent[1], &m, MSG_DONTWAIT) == (ssize_t)sizeof(buf));
	for (cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	CHECK(fd != -1);
	close(fd);
	memcpy(&rq, buf + IMSG_HEADER_SIZE, sizeof(rq));
	CHECK(rq.type == IMSG_CTL_RELOAD || rq.type == IMSG_CTL_RESOLVE ||
	    rq.type == IMSG_CTL_LOG);
	*id = rq.id;
	return 0;
}

/* The parent's answer, with "the client's socket" back. */
static void
parent_answer(struct ctl_conn *c, int deny)
{
	struct msg_ctl_answer	 a;
	struct imsg		 im;
	uint32_t		 id;

	CHECK(parent_read(&id) == 0);
	CHECK(id == c->id && c->fd == -1);
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.r.status = deny ? CTL_DENIED : CTL_OK;
	strlcpy(a.r.text, deny ? "permission denied" : "applied",
	    sizeof(a.r.text));
	memset(&im, 0, sizeof(im));
	im.hdr.type = IMSG_CTL_ANSWER;
	im.hdr.len = (uint16_t)(IMSG_HEADER_SIZE + sizeof(a));
	im.data = &a;
	im.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(im.fd != -1);
	control_answer(&e, &im);
	CHECK(c->fd != -1 && c->id == 0 && c->wlen > 0);
}

/* A prefix server's table: every other slot a client, some still
 * assigning, with identifiers of every length; the rest handshakes. */
static void
fake_setup(void)
{
	struct tcp_conn	*c;
	int		 i;

	fake.conf.role = TCP_ROLE_SERVER;
	fake.conns = fake_conns;
	fake.nconns = FAKE_SLOTS;
	for (i = 0; i < FAKE_SLOTS; i++) {
		c = &fake_conns[i];
		c->fd = -1;
		if (i >= 2 * FAKE_LISTED || i % 2 == 1) {
			c->state = i % 3 ? TS_HS : TS_FREE;
			continue;
		}
		c->state = i % 7 ? TS_UP : TS_ASSIGN;
		memset(c->id, 'a' + i % 26, (size_t)(i % TCP_ID_MAX) + 1);
		c->prefix = 0x20010db800000000ULL | (uint64_t)i;
		c->peer.af = AF_INET;
		c->port = (uint16_t)(40000 + i);
		c->rx_pkts = c->tx_pkts = (uint64_t)i;
	}
}

static void
setup(void)
{
	if (parent[0] != -1)
		return;
	log_init(1, -1, LOG_DAEMON);	/* quiet */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, parent) == 0);
	memset(&e, 0, sizeof(e));
	imsg_init(&e.ibuf, parent[0]);
	control_init(&e);
	strlcpy(e.ctl.st.dev, "fuzz0", sizeof(e.ctl.st.dev));
	strlcpy(e.ctl.st.role, "peer", sizeof(e.ctl.st.role));
	fake_setup();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_conn	*c;
	uint64_t	 bad0;
	size_t		 len, off = 0;
	int		 n, deny, probe, probe0;

	setup();
	e.tcp = size % 2 ? &fake : NULL;
	strlcpy(e.ctl.st.role, e.tcp ? "server" : "peer",
	    sizeof(e.ctl.st.role));
	probe0 = dup(0);
	close(probe0);
	c = &e.ctl.conns[0];
	c->used = 1;
	c->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(c->fd != -1);
	while (off < size && c->used) {
		len = (size_t)(data[off] % 64) + 1;
		deny = data[off] & 0x80;
		off++;
		if (len > size - off)
			len = size - off;
		/* What did not fit the buffer is read again after parsing. */
		while (len > 0 && c->used) {
			bad0 = e.ctl.stats.bad;
			n = control_feed(&e, c, data + off, len);
			CHECK(c->rlen <= CTL_RBUF);
			if (n == -1) {
				CHECK(!c->used && c->fd == -1);
				CHECK(e.ctl.stats.bad == bad0 + 1);
				break;
			}
			CHECK((size_t)n <= len);
			if (c->id != 0)
				parent_answer(c, deny);
			if (c->wlen > 0)
				take_replies(c);
			/* A full buffer always holds a whole frame. */
			CHECK(n > 0 || !c->used || c->rlen < CTL_RBUF);
			off += (size_t)n;
			len -= (size_t)n;
		}
	}
	if (c->used)
		ctl_drop(&e, c);
	probe = dup(0);
	close(probe);
	CHECK(probe == probe0);	/* no fd left open */
	return 0;
}
