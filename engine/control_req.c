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
 * One control request and its reply.  The show requests are answered
 * here from the engine's state and the parent's last status; the ones
 * that change something go to the parent with the client's socket
 * (priv/priv_ctl_request.c), whose answer comes back through
 * control_answer().
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "log.h"

/* Every reply fits a client's buffer (checked again for the stats). */
_Static_assert(2 * IMSG_HEADER_SIZE + sizeof(struct ctl_tunnel) +
    HINT_MAX * (IMSG_HEADER_SIZE + sizeof(struct ctl_hint)) <= CTL_WBUF,
    "ipipctl show does not fit CTL_WBUF");

void
control_result(struct ctl_conn *c, int status, const char *fmt, ...)
{
	struct ctl_result	 r;
	va_list			 ap;

	memset(&r, 0, sizeof(r));
	r.status = status;
	va_start(ap, fmt);
	vsnprintf(r.text, sizeof(r.text), fmt, ap);
	va_end(ap);
	(void)ctl_reply(c, IMSG_CTL_RESULT, &r, sizeof(r));
}

static uint64_t
secs_since(uint64_t now, uint64_t then)
{
	return then == 0 || then > now ? 0 : (now - then) / 1000;
}

static void
tunnel_fill(struct engine *e, struct ctl_tunnel *t, uint32_t nhints)
{
	const struct msg_ctl_status	*st = &e->ctl.st;
	uint64_t			 now = mono_ms();

	memset(t, 0, sizeof(*t));
	t->st = *st;
	t->peer = e->peer.remote;
	if (e->encap.type != ENCAP_NONE)
		t->peer_port = e->tx_dport;
	t->uptime_s = secs_since(now, st->up_ms);
	t->daemon_s = secs_since(now, st->start_ms);
	t->resolve_age_s = secs_since(now, st->resolve_ms);
	t->engine_s = secs_since(now, e->ctl.start_ms);
	if (e->started) {
		t->pmtu = pmtu_get(&e->pmtu);
		if (t->pmtu < e->pmtu.link && e->pmtu.expires > now)
			t->pmtu_expires_s = (uint32_t)((e->pmtu.expires -
			    now) / 1000);
	}
	t->nhints = nhints;
	t->tun_gone = (uint8_t)e->tun_gone;
}

static void
show(struct engine *e, struct ctl_conn *c)
{
	struct ctl_tunnel	 t;
	struct ctl_hint		 h[HINT_MAX];
	uint64_t		 now = mono_ms();
	uint32_t		 n = 0;
	int			 i;

	for (i = 0; i < HINT_MAX; i++) {
		memset(&h[n], 0, sizeof(h[n]));
		/* A cause gone for a while, such as a peer started later. */
		if (now - e->ctl.hints[i].last_ms > HINT_SHOW_MS ||
		    hint_text(e, i, h[n].text, sizeof(h[n].text)) == -1)
			continue;
		strlcpy(h[n].cause, hint_name(i), sizeof(h[n].cause));
		h[n].count = e->ctl.hints[i].count;
		h[n].age_s = secs_since(now, e->ctl.hints[i].last_ms);
		n++;
	}
	tunnel_fill(e, &t, n);
	(void)ctl_reply(c, IMSG_CTL_TUNNEL, &t, sizeof(t));
	for (i = 0; i < (int)n; i++)
		(void)ctl_reply(c, IMSG_CTL_HINT, &h[i], sizeof(h[i]));
	(void)ctl_reply(c, IMSG_CTL_END, NULL, 0);
}

static void
show_stats(struct engine *e, struct ctl_conn *c)
{
	struct ctl_tunnel	 t;

	tunnel_fill(e, &t, 0);
	(void)ctl_reply(c, IMSG_CTL_TUNNEL, &t, sizeof(t));
	if (control_counters(e, c) == -1)
		fatalx("control: the counters do not fit a reply");
	(void)ctl_reply(c, IMSG_CTL_END, NULL, 0);
}

static void
show_clients(struct engine *e, struct ctl_conn *c)
{
	struct ctl_tunnel	 t;

	if (!control_has_clients(e)) {
		control_result(c, CTL_UNSUPPORTED, "%s has role %s: no "
		    "prefix server, no clients", e->ctl.st.dev,
		    e->ctl.st.role);
		return;
	}
	tunnel_fill(e, &t, 0);
	(void)ctl_reply(c, IMSG_CTL_TUNNEL, &t, sizeof(t));
	c->more = 1;
	control_clients_page(e, c);
}

/*
 * To the parent, with the client's socket: the imsg layer closes our
 * copy once sent, so the client is the parent's until it answers.
 */
static void
forward(struct engine *e, struct ctl_conn *c, uint32_t type, int32_t verbose)
{
	struct msg_ctl_request	 rq;

	memset(&rq, 0, sizeof(rq));
	if (++e->ctl.next_id == 0)
		e->ctl.next_id = 1;
	rq.id = e->ctl.next_id;
	rq.type = type;
	rq.verbose = verbose;
	if (imsg_compose(&e->ibuf, IMSG_CTL_REQUEST, 0, 0, c->fd, &rq,
	    sizeof(rq)) == -1 || imsg_flush(&e->ibuf) == -1)
		fatal("control request to parent");
	c->fd = -1;
	c->id = rq.id;
}

/* A request of a size no request has: the client is dropped. */
static int
bad(struct engine *e, struct ctl_conn *c)
{
	e->ctl.stats.bad++;
	ctl_drop(e, c);
	return -1;
}

/*
 * The table of ipipd_msg.h first: a client's request is one of its
 * IMSG_P_CLIENT rows, of exactly its size.  0, or -1 when c was dropped.
 */
int
control_request(struct engine *e, struct ctl_conn *c, uint32_t type,
    const uint8_t *data, size_t len)
{
	const struct imsg_rule	*r = imsg_rule(type);
	struct msg_set_verbose	 v;
	struct imsg		 m;
	uint64_t		 seen = 0;
	char			 why[128];

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = (uint16_t)(IMSG_HEADER_SIZE + len);
	m.fd = -1;
	m.data = (void *)(uintptr_t)data;
	if (imsg_rule_check(&m, IMSG_P_ENGINE, IMSG_P_CLIENT, 0, &seen, why,
	    sizeof(why)) == -1) {
		if (r != NULL && (r->from & IMSG_P_CLIENT))
			return bad(e, c);	/* a request of the wrong size */
		/* Framed right: say so, for an ipipctl newer than us. */
		e->ctl.stats.bad++;
		control_result(c, CTL_UNSUPPORTED, "unknown request type %u",
		    type);
		c->closing = 1;
		return 0;
	}
	e->ctl.stats.requests++;
	switch (type) {
	case IMSG_CTL_SHOW:
		show(e, c);
		break;
	case IMSG_CTL_SHOW_STATS:
		show_stats(e, c);
		break;
	case IMSG_CTL_SHOW_CLIENTS:
		show_clients(e, c);
		break;
	case IMSG_CTL_RELOAD:
	case IMSG_CTL_RESOLVE:
		forward(e, c, type, 0);
		break;
	case IMSG_CTL_LOG:
		memcpy(&v, data, sizeof(v));
		if (v.verbose != 0 && v.verbose != 1)
			return bad(e, c);
		forward(e, c, type, v.verbose);
		break;
	}
	return 0;
}
