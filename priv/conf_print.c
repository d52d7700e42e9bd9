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
 * ipipd -nv: the configuration as parsed, in the configuration file's
 * own syntax, so that what each keyword ended up as can be read and
 * reviewed (and fed back with -f).  Every keyword gets one line: its
 * effective value, marked "# default" when it was not given; a value
 * the syntax cannot state (automatic, off, not used by this tunnel) is
 * a comment that says so.
 */

#include <sys/socket.h>

#include <stdio.h>

#include "priv.h"

#define DEFAULT_MARK	"\t# default"

static const char *
mark(const struct ipipd_conf *c, unsigned int bit)
{
	return (c->seen & bit) ? "" : DEFAULT_MARK;
}

/* "inherit", or the number: decimal, or hex of hexdigits digits. */
static void
print_inherit(FILE *f, const struct ipipd_conf *c, const char *kw,
    unsigned int bit, int inherit, int hexdigits, unsigned int v)
{
	fprintf(f, "%s ", kw);
	if (inherit)
		fprintf(f, "inherit");
	else if (hexdigits == 0)
		fprintf(f, "%u", v);
	else
		fprintf(f, "0x%0*x", hexdigits, v);
	fprintf(f, "%s\n", mark(c, bit));
}

static void
print_endpoints(FILE *f, const struct ipipd_conf *c)
{
	char	 a[ADDR_STRLEN], pin[64];

	fprintf(f, "dev %s\n", c->dev);
	fprintf(f, "remote %s\n", c->remote);
	if (addr_is_set(&c->local))
		fprintf(f, "local %s\n", addr_fmt(&c->local, a, sizeof(a)));
	else
		fprintf(f, "# local: the routing table's source for the "
		    "remote%s\n", DEFAULT_MARK);
	conf_pin_word(c, pin, sizeof(pin));
	if (c->af != AF_UNSPEC)
		fprintf(f, "# outer family: %s (%s)\n", conf_af_name(c->af),
		    pin);
	else
		fprintf(f, "# outer family: the remote's address\n");
	if (c->mtu != 0)
		fprintf(f, "mtu %u\n", c->mtu);
	else
		fprintf(f, "# mtu: the outer MTU less the outer header%s\n",
		    DEFAULT_MARK);
	fprintf(f, "mode %s%s\n", conf_mode_name(c->mode), mark(c, W_MODE));
}

/* The outer header; the keywords of the other family are not used. */
static void
print_header(FILE *f, const struct ipipd_conf *c)
{
	int	 v4 = c->af != AF_INET6, v6 = c->af != AF_INET;
	int	 raw6 = v6 && c->encap == ENCAP_NONE;

	print_inherit(f, c, "ttl", W_TTL, c->ttl == 0, 0, c->ttl);
	if (v4)
		print_inherit(f, c, "tos", W_TOS,
		    (c->flags & CONF_TOS_INHERIT) != 0, 2, c->tos);
	else
		fprintf(f, "# tos: not used over IPv6\n");
	if (v6)
		print_inherit(f, c, "tclass", W_TCLASS,
		    (c->flags & CONF_TCLASS_INHERIT) != 0, 2, c->tclass);
	else
		fprintf(f, "# tclass: not used over IPv4\n");
	if (raw6)
		print_inherit(f, c, "flowlabel", W_FLOWLABEL,
		    (c->flags & CONF_FLOW_INHERIT) != 0, 5,
		    c->flowlabel);
	if (raw6 && c->encaplimit == ENCAPLIMIT_NONE)
		fprintf(f, "encaplimit none%s\n", mark(c, W_ENCAPLIMIT));
	else if (raw6)
		fprintf(f, "encaplimit %d%s\n", c->encaplimit,
		    mark(c, W_ENCAPLIMIT));
	if (!raw6)
		fprintf(f, "# flowlabel, encaplimit: not used %s\n",
		    v6 ? "over UDP" : "over IPv4");
	fprintf(f, "%s%s\n", (c->flags & CONF_PMTUDISC) ? "pmtudisc" :
	    "nopmtudisc", mark(c, W_PMTUDISC));
	fprintf(f, "resolve-interval %u%s\n", c->resolve_interval,
	    mark(c, W_RESOLVE));
	fprintf(f, "offload %s%s\n", (c->flags & CONF_OFFLOAD) ? "on" : "off",
	    mark(c, W_OFFLOAD));
}

static void
print_sports(FILE *f, const struct ipipd_conf *c)
{
	if (c->sport_auto)
		fprintf(f, "encap-sport auto\n");
	else if (c->encap_sport != 0)
		fprintf(f, "encap-sport %u\n", c->encap_sport);
	else
		fprintf(f, "# encap-sport: the listen port%s\n", DEFAULT_MARK);
	if (c->sport_lo != 0)
		fprintf(f, "encap-sport-range %u-%u\n", c->sport_lo,
		    c->sport_hi);
	else if (c->sport_auto)
		fprintf(f, "# encap-sport-range: %d ports the kernel "
		    "picks%s\n", UDP_SPORTS_AUTO, DEFAULT_MARK);
}

/* encap fou|gue and the keywords that only it takes. */
static void
print_encap(FILE *f, const struct ipipd_conf *c)
{
	if (c->encap == ENCAP_NONE) {
		fprintf(f, "encap none%s\n", mark(c, W_ENCAP));
		fprintf(f, "# encap-dport, encap-sport, encap-sport-range, "
		    "listen-port, peer-sport, float, keepalive: not used "
		    "without encap\n");
		return;
	}
	fprintf(f, "encap %s\n", c->encap == ENCAP_FOU ? "fou" : "gue");
	fprintf(f, "encap-dport %u\n", c->encap_dport);
	print_sports(f, c);
	fprintf(f, "listen-port %u%s\n", c->listen_port,
	    mark(c, W_LISTEN_PORT));
	if (c->encap_flags & ENCAP_F_ANY_SPORT)
		fprintf(f, "peer-sport any\n");
	else
		fprintf(f, "peer-sport %u%s\n", c->peer_sport,
		    mark(c, W_PEER_SPORT));
	if (c->encap_flags & ENCAP_F_FLOAT)
		fprintf(f, "float\n");
	else
		fprintf(f, "# float: off%s\n", DEFAULT_MARK);
	if (c->keepalive != 0)
		fprintf(f, "keepalive %u\n", c->keepalive);
	else
		fprintf(f, "# keepalive: none%s\n", DEFAULT_MARK);
}

/* The TUN device's own addresses and routes, in the order given. */
static void
print_addrs(FILE *f, const struct ipipd_conf *c)
{
	const struct conf_addr	*ca;
	char			 a[ADDR_STRLEN], p[ADDR_STRLEN];
	int			 i;

	for (i = 0; i < c->naddrs; i++) {
		ca = &c->addrs[i];
		addr_fmt(&ca->addr, a, sizeof(a));
		if (ca->peer.af != AF_UNSPEC)
			fprintf(f, "address %s peer %s/%u\n", a,
			    addr_fmt(&ca->peer, p, sizeof(p)), ca->plen);
		else
			fprintf(f, "address %s/%u\n", a, ca->plen);
	}
	if (c->naddrs == 0)
		fprintf(f, "# address: none%s\n", DEFAULT_MARK);
	for (i = 0; i < c->nroutes; i++)
		fprintf(f, "route %s/%u\n", addr_fmt(&c->routes[i].dst, a,
		    sizeof(a)), c->routes[i].plen);
	if (c->nroutes == 0)
		fprintf(f, "# route: none%s\n", DEFAULT_MARK);
}

void
conf_print(FILE *f, const struct ipipd_conf *c)
{
	fprintf(f, "# ipipd -nv: the configuration as parsed\n");
	print_endpoints(f, c);
	print_header(f, c);
	print_encap(f, c);
	print_addrs(f, c);
}
