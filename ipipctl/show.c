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


/* ipipctl show and show stats, as aligned text for people. */

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "ipipctl.h"

#define ROW	"  %-12s  "	/* key column */

static void
row_state(FILE *f, const struct ctl_tunnel *t, const struct opts *o)
{
	char	 b[32];

	fprintf(f, ROW "%s", "state", state_name(t));
	if (t->tun_gone)
		fprintf(f, ": the TUN device was deleted");
	else if (t->st.state == CTL_STATE_PAUSED)
		fprintf(f, ": %s", t->st.pause_why);
	else if (t->st.state == CTL_STATE_STARTING)
		fprintf(f, ": resolving %s", t->st.remote_name);
	fprintf(f, "\n");
	if (t->st.state != CTL_STATE_STARTING)
		fprintf(f, ROW "%s\n", "uptime", fmt_secs(t->uptime_s, o, b,
		    sizeof(b)));
}

static void
row_addrs(FILE *f, const struct ctl_tunnel *t)
{
	const struct msg_ctl_status	*st = &t->st;
	char				 a[ADDR_STRLEN];
	const char			*fam;

	fprintf(f, ROW "%s\n", "local", addr_fmt(&st->local, a, sizeof(a)));
	fprintf(f, ROW "%s", "remote", addr_fmt(&st->remote, a, sizeof(a)));
	if (strcmp(a, st->remote_name) != 0)
		fprintf(f, " (%s)", st->remote_name);
	fprintf(f, "\n");
	if (st->encap != ENCAP_NONE && addr_is_set(&t->peer))
		fprintf(f, ROW "%s port %u\n", "peer now",
		    addr_fmt(&t->peer, a, sizeof(a)), t->peer_port);
	fam = family_name(&st->remote);
	fprintf(f, ROW "%s\n", "outer", fam == NULL ? "-" :
	    strcmp(fam, "inet") == 0 ? "IPv4" : "IPv6");
}

static void
row_encap(FILE *f, const struct msg_ctl_status *st)
{
	fprintf(f, ROW "%s", "encap", encap_name(st->encap));
	if (st->encap != ENCAP_NONE) {
		fprintf(f, ", port %u -> %u, peer-sport ", st->listen_port,
		    st->dport);
		if (st->peer_sport == 0)
			fprintf(f, "any");
		else
			fprintf(f, "%u", st->peer_sport);
		if (st->encap_flags & ENCAP_F_FLOAT)
			fprintf(f, ", float");
	}
	fprintf(f, "\n" ROW "%s\n", "mode", st->mode);
}

static void
row_mtu(FILE *f, const struct ctl_tunnel *t, const struct opts *o)
{
	const struct msg_ctl_status	*st = &t->st;
	char				 b[32];

	fprintf(f, ROW "%u", "mtu", st->tun_mtu);
	switch (st->mtu_from) {
	case CTL_MTU_GIVEN:
		fprintf(f, " (given)\n");
		break;
	case CTL_MTU_V6_MIN:
		fprintf(f, " (raised to the IPv6 minimum; outer mtu %u)\n",
		    st->outer_mtu);
		break;
	default:
		fprintf(f, " (from the path: outer mtu %u - %u bytes of "
		    "header)\n", st->outer_mtu, st->outer_hdr);
	}
	if (t->pmtu == 0)
		return;
	fprintf(f, ROW "%u", "path mtu", t->pmtu);
	if (t->pmtu_expires_s != 0)
		fprintf(f, " (lowered by ICMP, back in %s)", fmt_secs(
		    t->pmtu_expires_s, o, b, sizeof(b)));
	fprintf(f, "\n");
}

static void
row_resolve(FILE *f, const struct ctl_tunnel *t, const struct opts *o)
{
	const struct msg_ctl_status	*st = &t->st;
	char				 a[ADDR_STRLEN], b[32];
	uint32_t			 i;

	if (st->resolve_ms == 0) {
		fprintf(f, ROW "not yet\n", "resolved");
		return;
	}
	fprintf(f, ROW "%s ago: ", "resolved", fmt_secs(t->resolve_age_s, o,
	    b, sizeof(b)));
	if (st->resolve_err[0] != '\0')
		fprintf(f, "failed: %s", st->resolve_err);
	for (i = 0; i < st->nresolved; i++)
		fprintf(f, "%s%s", i ? ", " : "", addr_fmt(&st->resolved[i],
		    a, sizeof(a)));
	fprintf(f, " (every %us)\n", st->resolve_interval);
}

void
show_tunnel(FILE *f, const struct reply *r, const struct opts *o)
{
	const struct ctl_tunnel		*t = &r->tunnel;
	const struct msg_ctl_status	*st = &t->st;
	char				 b[32];
	size_t				 i;

	fprintf(f, "%s\n", st->dev);
	row_state(f, t, o);
	fprintf(f, ROW "%s\n", "role", st->role);
	fprintf(f, ROW "%u, up %s\n", "pid", st->pid, fmt_secs(t->daemon_s,
	    o, b, sizeof(b)));
	fprintf(f, ROW "%s\n", "config", st->file[0] != '\0' ? st->file :
	    "command line");
	row_addrs(f, t);
	row_encap(f, st);
	row_mtu(f, t, o);
	row_resolve(f, t, o);
	fprintf(f, ROW "engine %u, resolver %u\n", "restarts",
	    st->engine_restarts, st->resolver_restarts);
	fprintf(f, ROW "%s\n", "log", st->verbose > 0 ? "verbose" : "brief");
	for (i = 0; i < r->nhints; i++)
		fprintf(f, ROW "%s (%llu packets, last %s ago)\n", "hint",
		    r->hints[i].text,
		    (unsigned long long)r->hints[i].count,
		    fmt_secs(r->hints[i].age_s, o, b, sizeof(b)));
}

void
show_stats(FILE *f, const struct reply *r, const struct opts *o)
{
	const struct ctl_counter	*c;
	char				 b[32];
	size_t				 i, n;
	int				 g, seen;

	fprintf(f, "%s (counting for %s, since the engine started)\n",
	    r->tunnel.st.dev, fmt_secs(r->tunnel.engine_s, o, b, sizeof(b)));
	for (g = 0; g <= CTL_GROUP_MAX; g++) {
		seen = 0;
		for (i = 0; i < r->ncounters; i++) {
			c = &r->counters[i];
			if (c->group != g)
				continue;
			if (!seen++)
				fprintf(f, "  %s\n", group_name((uint8_t)g));
			n = strlen(c->name);
			fprintf(f, "    %-20s %s\n", c->name, fmt_count(c->value,
			    n > 6 && strcmp(c->name + n - 6, "-bytes") == 0, o,
			    b, sizeof(b)));
		}
	}
}

/* "ADDRESS port P" of where a client connects from. */
static const char *
peer_fmt(const struct ctl_client *c, char *buf, size_t len)
{
	char	 a[ADDR_STRLEN];

	snprintf(buf, len, "%s port %u", addr_fmt(&c->peer, a, sizeof(a)),
	    c->port);
	return buf;
}

static void
client_row(FILE *f, const struct ctl_client *c, const int *w,
    const struct opts *o)
{
	char	 p[64], a[ADDR_STRLEN + 16], t[32], n[4][32], d[32];

	fprintf(f, "  %-*s  %-9s  %-*s  %-*s  %s  %10s %10s %10s %10s %8s\n",
	    w[0], c->id, client_state_name(c->state),
	    w[1], fmt_prefix(&c->prefix, p, sizeof(p)),
	    w[2], peer_fmt(c, a, sizeof(a)),
	    fmt_since(c->connected_s, 0, t, sizeof(t)),
	    fmt_count(c->rx_pkts, 0, o, n[0], sizeof(n[0])),
	    fmt_count(c->rx_bytes, 1, o, n[1], sizeof(n[1])),
	    fmt_count(c->tx_pkts, 0, o, n[2], sizeof(n[2])),
	    fmt_count(c->tx_bytes, 1, o, n[3], sizeof(n[3])),
	    fmt_count(c->drops, 0, o, d, sizeof(d)));
}

/* One line per client; columns as wide as needed. */
void
show_clients(FILE *f, const struct reply *r, const struct opts *o)
{
	char	 b[ADDR_STRLEN + 16];
	int	 w[3] = { 10, 6, 4 }, l;
	size_t	 i;

	fprintf(f, "%s: %zu client%s\n", r->tunnel.st.dev, r->nclients,
	    r->nclients == 1 ? "" : "s");
	if (r->nclients == 0)
		return;
	for (i = 0; i < r->nclients; i++) {
		if ((l = (int)strlen(r->clients[i].id)) > w[0])
			w[0] = l;
		if ((l = (int)strlen(fmt_prefix(&r->clients[i].prefix, b,
		    sizeof(b)))) > w[1])
			w[1] = l;
		if ((l = (int)strlen(peer_fmt(&r->clients[i], b,
		    sizeof(b)))) > w[2])
			w[2] = l;
	}
	fprintf(f, "  %-*s  %-9s  %-*s  %-*s  %-19s  %10s %10s %10s %10s "
	    "%8s\n", w[0], "IDENTIFIER", "STATE", w[1], "PREFIX", w[2],
	    "PEER", "SINCE", "RX-PKTS", "RX-BYTES", "TX-PKTS", "TX-BYTES",
	    "DROPS");
	for (i = 0; i < r->nclients; i++)
		client_row(f, &r->clients[i], w, o);
}
