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
 * Counting and logging of the TCP transport: every refusal and drop is
 * counted by cause; the first of each cause is logged with what it was
 * about, the rest at debug level only, so that a hostile client cannot
 * flood the log.  The status line (SIGUSR1) has every counter.
 */

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "tcp.h"

/* "client ID (ADDRESS port P)", "ADDRESS port P", or the server's. */
static const char *
who(const struct tcp_engine *t, const struct tcp_conn *c,
    const struct tun_addr *addr, char *buf, size_t len)
{
	char	 pb[64], a[ADDR_STRLEN];

	if (c == NULL && addr == NULL)
		snprintf(buf, len, "a connection");
	else if (c == NULL)
		snprintf(buf, len, "%s", addr_fmt(addr, a, sizeof(a)));
	else if (t->conf.role == TCP_ROLE_CLIENT)
		snprintf(buf, len, "server %s", tcp_peer_fmt(c, pb,
		    sizeof(pb)));
	else if (c->state == TS_UP || c->state == TS_ASSIGN)
		snprintf(buf, len, "client %s (%s)", c->id, tcp_peer_fmt(c,
		    pb, sizeof(pb)));
	else
		snprintf(buf, len, "%s", tcp_peer_fmt(c, pb, sizeof(pb)));
	return buf;
}

/*
 * A connection refused or ended for cause.  Counted here only when
 * there is no connection (c NULL): tcp_conn_close() counts the others.
 * A client logs every end of its one connection.
 */
void
tcp_refused(struct engine *e, const struct tcp_conn *c,
    const struct tun_addr *addr, enum tcp_cause cause, const char *why)
{
	struct tcp_engine	*t = e->tcp;
	char			 w[160];

	if (c == NULL)
		t->st.causes[cause]++;
	who(t, c, addr, w, sizeof(w));
	if (t->conf.role == TCP_ROLE_CLIENT) {
		log_warnx("%s: %s%s%s", w, tcp_cause_name(cause),
		    why ? ": " : "", why ? why : "");
		return;
	}
	if (t->logged[cause]) {
		log_debug("%s: %s%s%s", w, tcp_cause_name(cause),
		    why ? ": " : "", why ? why : "");
		return;
	}
	t->logged[cause] = 1;
	log_warnx("%s: %s%s%s (from now on this cause is only counted; "
	    "see the status)", w, tcp_cause_name(cause), why ? ": " : "",
	    why ? why : "");
}

void
tcp_drop(struct engine *e, struct tcp_conn *c, enum tcp_drop d,
    const char *why)
{
	struct tcp_engine	*t = e->tcp;
	char			 w[160];

	t->st.drops[d]++;
	/* Every client's kernel sends RS and DAD: not worth its column. */
	if (c != NULL && d != TD_LINKLOCAL)
		c->drops++;
	if (why == NULL || t->dlogged[d])
		return;
	t->dlogged[d] = 1;
	log_warnx("%s: packet dropped: %s (from now on only counted)",
	    who(t, c, NULL, w, sizeof(w)), why);
}

static size_t
counts_fmt(char *buf, size_t len, const uint64_t *v, int n,
    const char *(*name)(int))
{
	size_t	 off = 0;
	int	 i, r;

	buf[0] = '\0';
	for (i = 1; i < n && off < len; i++) {
		if (v[i] == 0)
			continue;
		r = snprintf(buf + off, len - off, " %s=%llu", name(i),
		    (unsigned long long)v[i]);
		if (r < 0)
			break;
		off += (size_t)r;
	}
	if (buf[0] == '\0')
		strlcpy(buf, " none", len);
	return off;
}

static const char *
cause_name(int i)
{
	return tcp_cause_name((enum tcp_cause)i);
}

static const char *
drop_name_shifted(int i)
{
	return tcp_drop_name((enum tcp_drop)(i - 1));
}

void
tcp_log_status(struct engine *e)
{
	struct tcp_engine	*t = e->tcp;
	char			 causes[512], drops[256];
	uint64_t		 d[TD_MAX + 1];

	if (t == NULL)
		return;
	counts_fmt(causes, sizeof(causes), t->st.causes, TC_MAX, cause_name);
	/* drop_names start at 0: shift by one for counts_fmt. */
	d[0] = 0;
	memcpy(d + 1, t->st.drops, sizeof(t->st.drops));
	counts_fmt(drops, sizeof(drops), d, TD_MAX + 1, drop_name_shifted);
	log_info("status tcp: clients %u handshakes %u accepted %llu "
	    "rx %llu/%llu tx %llu/%llu sends %llu queued %llu closed:%s "
	    "drops:%s", t->nclients, t->nunauth,
	    (unsigned long long)t->st.accepted,
	    (unsigned long long)t->st.rx_pkts,
	    (unsigned long long)t->st.rx_bytes,
	    (unsigned long long)t->st.tx_pkts,
	    (unsigned long long)t->st.tx_bytes,
	    (unsigned long long)t->st.tx_writes,
	    (unsigned long long)t->queued, causes, drops);
}
