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
 * JSON for programs: one object per tunnel, with stable keys (listed in
 * ipipctl(8)); absent values are null, never left out.
 */

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "ipipctl.h"

void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
key(FILE *f, const char *k, int *first)
{
	fprintf(f, "%s", *first ? "" : ",");
	*first = 0;
	json_str(f, k);
	fputc(':', f);
}

static void
kstr(FILE *f, const char *k, const char *v, int *first)
{
	key(f, k, first);
	if (v == NULL)
		fprintf(f, "null");
	else
		json_str(f, v);
}

static void
knum(FILE *f, const char *k, uint64_t v, int *first)
{
	key(f, k, first);
	fprintf(f, "%llu", (unsigned long long)v);
}

/* A number, or null when it is not known (0). */
static void
knum0(FILE *f, const char *k, uint64_t v, int *first)
{
	key(f, k, first);
	if (v == 0)
		fprintf(f, "null");
	else
		fprintf(f, "%llu", (unsigned long long)v);
}

static void
kaddr(FILE *f, const char *k, const struct tun_addr *a, int *first)
{
	char	 b[ADDR_STRLEN];

	kstr(f, k, addr_is_set(a) ? addr_fmt(a, b, sizeof(b)) : NULL, first);
}

static void
json_resolve(FILE *f, const struct ctl_tunnel *t, int *first)
{
	const struct msg_ctl_status	*st = &t->st;
	uint32_t			 i;

	key(f, "resolved_ago", first);
	if (st->resolve_ms == 0)
		fprintf(f, "null");
	else
		fprintf(f, "%llu", (unsigned long long)t->resolve_age_s);
	key(f, "resolved", first);
	fprintf(f, "[");
	for (i = 0; i < st->nresolved; i++) {
		char	 b[ADDR_STRLEN];

		fprintf(f, "%s", i ? "," : "");
		json_str(f, addr_fmt(&st->resolved[i], b, sizeof(b)));
	}
	fprintf(f, "]");
	kstr(f, "resolve_error", st->resolve_err[0] ? st->resolve_err : NULL,
	    first);
	knum(f, "resolve_interval", st->resolve_interval, first);
}

static void
json_encap(FILE *f, const struct ctl_tunnel *t, int *first)
{
	const struct msg_ctl_status	*st = &t->st;
	int				 udp = st->encap != ENCAP_NONE;

	kstr(f, "encap", encap_name(st->encap), first);
	knum0(f, "listen_port", udp ? st->listen_port : 0, first);
	knum0(f, "encap_dport", udp ? st->dport : 0, first);
	knum0(f, "peer_sport", udp ? st->peer_sport : 0, first);
	key(f, "float", first);
	fprintf(f, "%s", (st->encap_flags & ENCAP_F_FLOAT) ? "true" : "false");
	knum0(f, "peer_port", udp ? t->peer_port : 0, first);
	kstr(f, "mode", st->mode, first);
}

static void
json_hints(FILE *f, const struct reply *r, int *first)
{
	size_t	 i;
	int	 hf;

	key(f, "hints", first);
	fprintf(f, "[");
	for (i = 0; i < r->nhints; i++) {
		hf = 1;
		fprintf(f, "%s{", i ? "," : "");
		kstr(f, "cause", r->hints[i].cause, &hf);
		kstr(f, "text", r->hints[i].text, &hf);
		knum(f, "count", r->hints[i].count, &hf);
		knum(f, "last_ago", r->hints[i].age_s, &hf);
		fprintf(f, "}");
	}
	fprintf(f, "]");
}

void
json_tunnel(FILE *f, const struct reply *r)
{
	const struct ctl_tunnel		*t = &r->tunnel;
	const struct msg_ctl_status	*st = &t->st;
	int				 first = 1;

	fprintf(f, "{");
	kstr(f, "dev", st->dev, &first);
	kstr(f, "state", state_name(t), &first);
	kstr(f, "paused_reason", st->state == CTL_STATE_PAUSED ?
	    st->pause_why : NULL, &first);
	key(f, "tun_deleted", &first);
	fprintf(f, "%s", t->tun_gone ? "true" : "false");
	knum(f, "uptime", t->uptime_s, &first);
	kstr(f, "role", st->role, &first);
	knum(f, "pid", st->pid, &first);
	knum(f, "daemon_uptime", t->daemon_s, &first);
	knum(f, "engine_uptime", t->engine_s, &first);
	kstr(f, "config", st->file[0] ? st->file : NULL, &first);
	kaddr(f, "local", &st->local, &first);
	kaddr(f, "remote", &st->remote, &first);
	kstr(f, "remote_name", st->remote_name, &first);
	kaddr(f, "peer", &t->peer, &first);
	kstr(f, "family", family_name(&st->remote), &first);
	json_encap(f, t, &first);
	knum(f, "mtu", st->tun_mtu, &first);
	kstr(f, "mtu_source", mtu_from_name(st->mtu_from), &first);
	knum0(f, "outer_mtu", st->outer_mtu, &first);
	knum0(f, "outer_header", st->outer_hdr, &first);
	knum0(f, "pmtu", t->pmtu, &first);
	knum(f, "pmtu_expires", t->pmtu_expires_s, &first);
	json_resolve(f, t, &first);
	knum(f, "engine_restarts", st->engine_restarts, &first);
	knum(f, "resolver_restarts", st->resolver_restarts, &first);
	kstr(f, "log", st->verbose > 0 ? "verbose" : "brief", &first);
	json_hints(f, r, &first);
	fprintf(f, "}");
}

void
json_stats(FILE *f, const struct reply *r)
{
	size_t	 i;
	int	 first = 1, gfirst, g;

	fprintf(f, "{");
	kstr(f, "dev", r->tunnel.st.dev, &first);
	knum(f, "engine_uptime", r->tunnel.engine_s, &first);
	/* By group, each key once, whatever order they came in. */
	for (g = 0; g <= CTL_GROUP_MAX; g++) {
		gfirst = 1;
		for (i = 0; i < r->ncounters; i++) {
			if (r->counters[i].group != g)
				continue;
			if (gfirst) {
				key(f, group_name((uint8_t)g), &first);
				fprintf(f, "{");
			}
			knum(f, r->counters[i].name, r->counters[i].value,
			    &gfirst);
		}
		if (!gfirst)
			fprintf(f, "}");
	}
	fprintf(f, "}");
}

static void
json_client(FILE *f, const struct ctl_client *c)
{
	char	 b[64];
	int	 first = 1;

	fprintf(f, "{");
	kstr(f, "id", c->id, &first);
	kstr(f, "state", client_state_name(c->state), &first);
	kstr(f, "prefix", c->state == CTL_CLIENT_UP ? fmt_prefix(&c->prefix,
	    b, sizeof(b)) : NULL, &first);
	kaddr(f, "peer", &c->peer, &first);
	knum(f, "peer_port", c->port, &first);
	kstr(f, "connected_since", fmt_since(c->connected_s, 1, b,
	    sizeof(b)), &first);
	knum(f, "connected_for", c->connected_s, &first);
	knum(f, "rx_packets", c->rx_pkts, &first);
	knum(f, "rx_bytes", c->rx_bytes, &first);
	knum(f, "tx_packets", c->tx_pkts, &first);
	knum(f, "tx_bytes", c->tx_bytes, &first);
	knum(f, "drops", c->drops, &first);
	fprintf(f, "}");
}

/* show clients: the tunnel's name and its clients. */
void
json_clients(FILE *f, const struct reply *r)
{
	size_t	 i;
	int	 first = 1;

	fprintf(f, "{");
	kstr(f, "dev", r->tunnel.st.dev, &first);
	key(f, "clients", &first);
	fprintf(f, "[");
	for (i = 0; i < r->nclients; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_client(f, &r->clients[i]);
	}
	fprintf(f, "]}");
}

static const char *
status_name(int s)
{
	switch (s) {
	case CTL_OK:
		return "ok";
	case CTL_DENIED:
		return "denied";
	case CTL_UNSUPPORTED:
		return "unsupported";
	}
	return "failed";
}

/* reload, resolve, log; or a daemon that could not be asked (err). */
void
json_result(FILE *f, const char *path, const char *name,
    const struct reply *r, const char *err)
{
	int	 first = 1;

	fprintf(f, "{");
	kstr(f, "dev", name, &first);
	kstr(f, "socket", path, &first);
	kstr(f, "status", err != NULL ? "error" :
	    status_name(r->result.status), &first);
	kstr(f, "message", err != NULL ? err : r->result.text, &first);
	fprintf(f, "}");
}
