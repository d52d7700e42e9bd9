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
 * Reading a connection: one large read into the engine's buffer, after
 * the bytes an earlier read left of an unfinished packet (or
 * handshake), then every whole packet in it.  What is left is kept,
 * in a buffer of its own size, until the rest comes.  A server checks
 * each client packet's source against the client's /64 (RFC 2827)
 * before it goes into the TUN device.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tcp.h"

int
tcp_part_save(struct tcp_conn *c, const uint8_t *p, size_t len)
{
	free(c->part);
	c->part = NULL;
	c->part_len = 0;
	if (len == 0)
		return 0;
	if ((c->part = malloc(len)) == NULL)
		return -1;
	memcpy(c->part, p, len);
	c->part_len = (uint32_t)len;
	return 0;
}

/* One packet a client sent: into the TUN device if its source is its own. */
static void
client_packet(struct engine *e, struct tcp_conn *c, const uint8_t *p,
    size_t len)
{
	struct tcp_engine	*t = e->tcp;
	const uint8_t		*src = p + 8;

	t->st.rx_pkts++;
	t->st.rx_bytes += len;
	c->rx_pkts++;
	c->rx_bytes += len;
	if (c->held)	/* its first packet: our quiet can end */
		tcp_release_hold(e, c);
	if ((p[0] >> 4) != 6) {
		tcp_drop(e, c, TD_FAMILY, "not IPv6");
		return;
	}
	if (t->conf.role == TCP_ROLE_SERVER) {
		/* Router solicitations, DAD: not for the other side. */
		if ((src[0] == 0xfe && (src[1] & 0xc0) == 0x80) ||
		    IN6_IS_ADDR_UNSPECIFIED((const struct in6_addr *)src)) {
			tcp_drop(e, c, TD_LINKLOCAL, NULL);
			return;
		}
		if (tcp_hi64(src) != c->prefix) {
			tcp_drop(e, c, TD_SPOOF, "a source outside its /64");
			return;
		}
	}
	tcp_tun_write(e, p, len);
}

/*
 * Every whole packet in buf[0..len); the rest is kept.  0, or -1 when
 * the connection was closed (a stream that cannot be framed).
 */
int
tcp_frames(struct engine *e, struct tcp_conn *c, uint8_t *buf, size_t len)
{
	size_t		 off = 0, plen;
	char		 why[96];
	enum tcp_result	 r;

	while (off < len) {
		r = tcp_frame_next(buf + off, len - off, 0, &plen, why,
		    sizeof(why));
		if (r == TCP_MORE)
			break;
		if (r == TCP_BAD) {
			tcp_refused(e, c, NULL, TC_DESYNC, why);
			tcp_conn_close(e, c, TC_DESYNC);
			return -1;
		}
		client_packet(e, c, buf + off, plen);
		off += plen;
		if (c->state != TS_UP)	/* closed under us */
			return -1;
	}
	if (tcp_part_save(c, buf + off, len - off) == -1) {
		tcp_refused(e, c, NULL, TC_ERROR, "out of memory");
		tcp_conn_close(e, c, TC_ERROR);
		return -1;
	}
	return 0;
}

/* Readable: at most TCP_HS_MAX bytes while in the handshake. */
void
tcp_conn_read(struct engine *e, struct tcp_conn *c)
{
	struct tcp_engine	*t = e->tcp;
	size_t			 have = c->part_len, room;
	ssize_t			 n;

	if (c->state == TS_ASSIGN)
		return;		/* waits for the parent's answer */
	room = c->state == TS_HS ? TCP_HS_MAX - have : TCP_RBUF - have;
	if (have > 0)
		memcpy(t->rbuf, c->part, have);
	n = read(c->fd, t->rbuf + have, room);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		enum tcp_cause	 cause = n == 0 ? TC_EOF : TC_ERROR;

		if (c->state == TS_HS && t->conf.role == TCP_ROLE_SERVER)
			cause = TC_HS_EOF;
		if (c->state == TS_UP && t->conf.role == TCP_ROLE_SERVER) {
			char	 pb[64];

			log_info("client %s (%s) disconnected%s%s", c->id,
			    tcp_peer_fmt(c, pb, sizeof(pb)), n == 0 ? "" :
			    ": ", n == 0 ? "" : strerror(errno));
		} else
			tcp_refused(e, c, NULL, cause, n == 0 ?
			    "closed by the peer" : strerror(errno));
		tcp_conn_close(e, c, cause);
		return;
	}
	have += (size_t)n;
	if (c->state == TS_HS) {
		if (t->conf.role == TCP_ROLE_SERVER)
			tcp_hs_input(e, c, t->rbuf, have);
		else
			tcp_client_hs_input(e, c, t->rbuf, have);
		return;
	}
	(void)tcp_frames(e, c, t->rbuf, have);
}
