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
 * ipipctl show clients on a prefix server: the tunnel, a record per
 * client that has sent its identifier, the end.  Ten thousand clients
 * do not fit a client's buffer, so the records go out a buffer at a
 * time: c->more keeps the next connection slot while the rest waits
 * for the buffer to drain (control.c).  A listing is therefore not a
 * snapshot: a client that comes or goes meanwhile may be left out.
 */

#include <string.h>

#include "engine.h"
#include "tcp.h"

/* An empty buffer takes a record and the end: every page makes progress. */
_Static_assert(2 * IMSG_HEADER_SIZE + sizeof(struct ctl_client) <= CTL_WBUF,
    "a show clients record does not fit CTL_WBUF");

int
control_has_clients(const struct engine *e)
{
	return e->tcp != NULL && e->tcp->conf.role == TCP_ROLE_SERVER &&
	    e->tcp->conns != NULL;
}

/* The record of c, or -1 for a connection still in the handshake. */
static int
client_fill(const struct tcp_conn *c, uint64_t now, struct ctl_client *r)
{
	if (c->state != TS_ASSIGN && c->state != TS_UP)
		return -1;
	memset(r, 0, sizeof(*r));
	strlcpy(r->id, c->id, sizeof(r->id));
	r->state = c->state == TS_UP ? CTL_CLIENT_UP : CTL_CLIENT_ASSIGNING;
	if (c->state == TS_UP)
		tcp_hi64_addr(&r->prefix, c->prefix);
	r->peer = c->peer;
	r->port = c->port;
	r->connected_s = now > c->since_ms ? (now - c->since_ms) / 1000 : 0;
	r->rx_pkts = c->rx_pkts;
	r->rx_bytes = c->rx_bytes;
	r->tx_pkts = c->tx_pkts;
	r->tx_bytes = c->tx_bytes;
	r->drops = c->drops;
	return 0;
}

/*
 * As many records as c's buffer takes from slot c->more - 1 on, keeping
 * room for the end; the end after the last.
 */
void
control_clients_page(struct engine *e, struct ctl_conn *c)
{
	const size_t		 rec = IMSG_HEADER_SIZE +
				    sizeof(struct ctl_client);
	struct tcp_engine	*t = e->tcp;
	struct ctl_client	 r;
	uint64_t		 now = mono_ms();
	uint32_t		 i;

	for (i = c->more - 1; control_has_clients(e) && i < t->nconns; i++) {
		if (c->wlen + rec + IMSG_HEADER_SIZE > CTL_WBUF) {
			c->more = i + 1;
			return;
		}
		if (client_fill(&t->conns[i], now, &r) == 0)
			(void)ctl_reply(c, IMSG_CTL_CLIENT, &r, sizeof(r));
	}
	c->more = 0;
	(void)ctl_reply(c, IMSG_CTL_END, NULL, 0);
}
