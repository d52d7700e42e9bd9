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


/* Numbers, durations and names as ipipctl prints them. */

#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipipctl.h"

/* Exact, or with -h in units: bytes in KiB/MiB/GiB, others in k/M/G. */
const char *
fmt_count(uint64_t v, int bytes, const struct opts *o, char *buf,
    size_t len)
{
	static const char	*bu[] = { "B", "KiB", "MiB", "GiB", "TiB",
				    "PiB" };
	static const char	*cu[] = { "", "k", "M", "G", "T", "P" };
	double			 d = (double)v, step = bytes ? 1024 : 1000;
	int			 i = 0;

	if (!o->human || d < step) {
		snprintf(buf, len, "%llu%s", (unsigned long long)v,
		    o->human && bytes ? " B" : "");
		return buf;
	}
	/* Up while the one decimal would round to step: not "1024.0 KiB". */
	while (d >= step - 0.05 && i < 5) {
		d /= step;
		i++;
	}
	snprintf(buf, len, "%.1f %s", d, bytes ? bu[i] : cu[i]);
	return buf;
}

/* Exact seconds, or with -h 1d02h03m04s. */
const char *
fmt_secs(uint64_t s, const struct opts *o, char *buf, size_t len)
{
	if (!o->human)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s >= 86400)
		snprintf(buf, len, "%llud%02lluh%02llum",
		    (unsigned long long)(s / 86400),
		    (unsigned long long)(s / 3600 % 24),
		    (unsigned long long)(s / 60 % 60));
	else if (s >= 3600)
		snprintf(buf, len, "%lluh%02llum%02llus",
		    (unsigned long long)(s / 3600),
		    (unsigned long long)(s / 60 % 60),
		    (unsigned long long)(s % 60));
	else if (s >= 60)
		snprintf(buf, len, "%llum%02llus",
		    (unsigned long long)(s / 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
	return buf;
}

const char *
group_name(uint8_t g)
{
	static const char *const names[] = {
		[CTL_GROUP_TRAFFIC] = "traffic",
		[CTL_GROUP_FRAGMENTS] = "fragments",
		[CTL_GROUP_ICMP] = "icmp",
		[CTL_GROUP_UDP] = "udp",
		[CTL_GROUP_DROPS] = "drops",
		[CTL_GROUP_OFFLOAD] = "offload",
		[CTL_GROUP_CONTROL] = "control",
		[CTL_GROUP_TCP] = "tcp",
		[CTL_GROUP_TCP_CLOSED] = "tcp-closed",
		[CTL_GROUP_TCP_DROPS] = "tcp-drops",
	};

	return g < CTL_GROUP_MAX ? names[g] : "other";
}

const char *
state_name(const struct ctl_tunnel *t)
{
	if (t->tun_gone)
		return "stopping";
	switch (t->st.state) {
	case CTL_STATE_UP:
		return "up";
	case CTL_STATE_PAUSED:
		return "paused";
	}
	return "starting";
}

const char *
mtu_from_name(uint8_t f)
{
	switch (f) {
	case CTL_MTU_GIVEN:
		return "given";
	case CTL_MTU_V6_MIN:
		return "ipv6-minimum";
	}
	return "path";
}

const char *
encap_name(uint8_t e)
{
	switch (e) {
	case ENCAP_FOU:
		return "fou";
	case ENCAP_GUE:
		return "gue";
	}
	return "none";
}

const char *
family_name(const struct tun_addr *a)
{
	switch (a->af) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	}
	return NULL;
}

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct ctl_client *)a)->id,
	    ((const struct ctl_client *)b)->id);
}

/* show clients lists them by identifier, in text and JSON alike. */
void
clients_sort(struct reply *r)
{
	if (r->nclients > 1)
		qsort(r->clients, r->nclients, sizeof(r->clients[0]), by_id);
}

const char *
client_state_name(uint8_t s)
{
	return s == CTL_CLIENT_UP ? "up" : "assigning";
}

/* A client's /64, or "-" while the parent picks it. */
const char *
fmt_prefix(const struct in6_addr *p, char *buf, size_t len)
{
	static const struct in6_addr	 none;
	char				 a[INET6_ADDRSTRLEN];

	if (memcmp(p, &none, sizeof(none)) == 0 ||
	    inet_ntop(AF_INET6, p, a, sizeof(a)) == NULL)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s/64", a);
	return buf;
}

/* The time secs_ago seconds ago: local for people, ISO 8601 UTC for JSON. */
const char *
fmt_since(uint64_t secs_ago, int utc, char *buf, size_t len)
{
	time_t		 t = time(NULL) - (time_t)secs_ago;
	struct tm	 tm;

	if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL ||
	    strftime(buf, len, utc ? "%Y-%m-%dT%H:%M:%SZ" :
	    "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}
