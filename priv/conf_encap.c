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
 * Keywords of encapsulation over UDP (encap, encap-dport, encap-sport,
 * encap-sport-range, listen-port, peer-sport, float, keepalive) and of
 * the TUN device's own addresses and routes (address ... [peer ...],
 * route).  Like conf_parse.c they only fill struct ipipd_conf.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"
#include "log.h"

/* A decimal number in [lo, hi]: 0, or -1 for anything else. */
int
conf_num_in(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char	*end;

	if (!isdigit((unsigned char)*s))
		return -1;
	*out = strtoul(s, &end, 10);
	if (*end != '\0' || *out < lo || *out > hi)
		return -1;
	return 0;
}

static int
port_kw(const char *kw, const char *v, uint16_t *port, char *err, size_t len)
{
	unsigned long	 n;

	if (conf_num_in(v, 1, 65535, &n) == -1)
		return kw_err(err, len, "bad %s '%s': not a port from 1 to "
		    "65535", kw, v);
	*port = (uint16_t)n;
	return 0;
}

int
kw_encap(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	if (strcmp(v, "none") == 0)
		c->encap = ENCAP_NONE;
	else if (strcmp(v, "fou") == 0)
		c->encap = ENCAP_FOU;
	else if (strcmp(v, "gue") == 0)
		c->encap = ENCAP_GUE;
	else if (strcmp(v, "tcp") == 0)
		c->encap = ENCAP_TCP;
	else
		return kw_err(err, len, "bad encap '%s': not none, fou, gue "
		    "or tcp", v);
	return 0;
}

int
kw_encap_dport(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	return port_kw("encap-dport", v, &c->encap_dport, err, len);
}

int
kw_encap_sport(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	if (strcmp(v, "auto") == 0) {
		c->sport_auto = 1;
		return 0;
	}
	return port_kw("encap-sport", v, &c->encap_sport, err, len);
}

int
kw_encap_sport_range(struct ipipd_conf *c, const char *v, char *err,
    size_t len)
{
	char		 buf[16], *dash;
	unsigned long	 lo, hi;

	if (strlcpy(buf, v, sizeof(buf)) >= sizeof(buf) ||
	    (dash = strchr(buf, '-')) == NULL)
		goto bad;
	*dash = '\0';
	if (conf_num_in(buf, 1, 65535, &lo) == -1 ||
	    conf_num_in(dash + 1, 1, 65535, &hi) == -1 || lo > hi)
		goto bad;
	if (hi - lo + 1 > UDP_SPORTS_MAX)
		return kw_err(err, len, "bad encap-sport-range '%s': more "
		    "than %d ports", v, UDP_SPORTS_MAX);
	c->sport_lo = (uint16_t)lo;
	c->sport_hi = (uint16_t)hi;
	return 0;
bad:
	return kw_err(err, len, "bad encap-sport-range '%s': not LOW-HIGH "
	    "ports", v);
}

int
kw_listen_port(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	return port_kw("listen-port", v, &c->listen_port, err, len);
}

int
kw_peer_sport(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	if (strcmp(v, "any") == 0) {
		c->encap_flags |= ENCAP_F_ANY_SPORT;
		return 0;
	}
	return port_kw("peer-sport", v, &c->peer_sport, err, len);
}

int
kw_float(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	(void)v;
	(void)err;
	(void)len;
	c->encap_flags |= ENCAP_F_FLOAT;
	return 0;
}

int
kw_keepalive(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	unsigned long	 n;

	if (conf_num_in(v, 1, 3600, &n) == -1)
		return kw_err(err, len, "bad keepalive '%s': not 1 to 3600 "
		    "seconds", v);
	c->keepalive = (uint16_t)n;
	return 0;
}

/* ADDR[/LEN]; *plen is -1 without /LEN. */
static int
prefix_parse(const char *v, struct tun_addr *a, int *plen)
{
	char		 buf[ADDR_STRLEN + 8], *slash;
	unsigned long	 n;

	if (strlcpy(buf, v, sizeof(buf)) >= sizeof(buf))
		return -1;
	*plen = -1;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (addr_parse(buf, a) == -1)
		return -1;
	if (slash != NULL) {
		if (conf_num_in(slash + 1, 0, a->af == AF_INET ? 32 : 128,
		    &n) == -1)
			return -1;
		*plen = (int)n;
	}
	return 0;
}

static int
host_len(const struct tun_addr *a)
{
	return a->af == AF_INET ? 32 : 128;
}

int
kw_address(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	struct conf_addr	*ca;
	int			 plen, i;

	if (c->naddrs == CONF_ADDRS_MAX)
		return kw_err(err, len, "more than %d address keywords",
		    CONF_ADDRS_MAX);
	ca = &c->addrs[c->naddrs];
	memset(ca, 0, sizeof(*ca));
	if (prefix_parse(v, &ca->addr, &plen) == -1)
		return kw_err(err, len, "bad address '%s': not ADDRESS or "
		    "ADDRESS/LENGTH", v);
	for (i = 0; i < c->naddrs; i++)
		if (addr_eq(&c->addrs[i].addr, &ca->addr))
			return kw_err(err, len, "address '%s' given twice",
			    v);
	ca->plen = (uint8_t)(plen == -1 ? host_len(&ca->addr) : plen);
	c->naddrs++;
	c->last_was_address = 1;
	return 0;
}

/* peer ADDR[/LEN], right after address: a point-to-point address. */
int
kw_address_peer(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	struct conf_addr	*ca = &c->addrs[c->naddrs - 1];
	struct tun_addr		 p;
	int			 plen;

	if (prefix_parse(v, &p, &plen) == -1)
		return kw_err(err, len, "bad peer '%s': not ADDRESS or "
		    "ADDRESS/LENGTH", v);
	if (p.af != ca->addr.af)
		return kw_err(err, len, "bad peer '%s': not the family of "
		    "its address", v);
	ca->peer = p;
	ca->plen = (uint8_t)(plen == -1 ? host_len(&p) : plen);
	return 0;
}

/* No bits set after the prefix length, as the kernel insists. */
static int
prefix_clean(const struct tun_addr *a, int plen)
{
	const uint8_t	*b = a->af == AF_INET ? (const uint8_t *)&a->u.v4 :
			    a->u.v6.s6_addr;
	int		 i, nbytes = host_len(a) / 8;

	for (i = 0; i < nbytes; i++) {
		int	 keep = plen - i * 8;
		uint8_t	 mask = keep >= 8 ? 0xff : keep <= 0 ? 0 :
			    (uint8_t)(0xff << (8 - keep));

		if (b[i] & ~mask)
			return 0;
	}
	return 1;
}

int
kw_route(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	struct conf_route	*r;
	int			 plen, i;

	if (c->nroutes == CONF_ROUTES_MAX)
		return kw_err(err, len, "more than %d route keywords",
		    CONF_ROUTES_MAX);
	r = &c->routes[c->nroutes];
	memset(r, 0, sizeof(*r));
	if (prefix_parse(v, &r->dst, &plen) == -1)
		return kw_err(err, len, "bad route '%s': not PREFIX/LENGTH "
		    "or ADDRESS", v);
	r->plen = (uint8_t)(plen == -1 ? host_len(&r->dst) : plen);
	if (!prefix_clean(&r->dst, r->plen))
		return kw_err(err, len, "bad route '%s': address bits set "
		    "after the prefix length", v);
	for (i = 0; i < c->nroutes; i++)
		if (addr_eq(&c->routes[i].dst, &r->dst) &&
		    c->routes[i].plen == r->plen)
			return kw_err(err, len, "route '%s' given twice", v);
	c->nroutes++;
	return 0;
}

/* Cross-checks of the UDP keywords, and their defaults. */
int
conf_finish_encap(struct ipipd_conf *c, char *err, size_t len)
{
	int	 udpwords = c->encap_dport || c->encap_sport || c->sport_auto ||
		    c->sport_lo || c->listen_port || c->peer_sport ||
		    c->encap_flags || c->keepalive;

	if (c->encap == ENCAP_TCP)	/* conf_tcp.c checked them */
		return 0;
	if (c->encap == ENCAP_NONE) {
		if (udpwords)
			return kw_err(err, len, "encap-dport, encap-sport, "
			    "encap-sport-range, listen-port, peer-sport, float "
			    "and keepalive need encap fou or gue");
		return 0;
	}
	if (c->encap_dport == 0)
		return kw_err(err, len, "encap %s needs encap-dport PORT",
		    c->encap == ENCAP_FOU ? "fou" : "gue");
	if (c->sport_lo && !c->sport_auto)
		return kw_err(err, len, "encap-sport-range needs encap-sport "
		    "auto");
	if ((c->encap_flags & ENCAP_F_ANY_SPORT) && c->peer_sport)
		return kw_err(err, len, "peer-sport given twice");
	if (c->listen_port == 0)
		c->listen_port = c->encap_sport ? c->encap_sport :
		    c->encap_dport;
	if (c->peer_sport == 0)
		c->peer_sport = c->encap_dport;
	if (c->sport_lo && c->listen_port >= c->sport_lo &&
	    c->listen_port <= c->sport_hi)
		return kw_err(err, len, "encap-sport-range %u-%u holds the "
		    "listen port %u", c->sport_lo, c->sport_hi,
		    c->listen_port);
	return 0;
}

/* Source port sockets the parent opens per family. */
static int
sports_wanted(const struct ipipd_conf *c)
{
	if (c->sport_auto)
		return c->sport_lo ? c->sport_hi - c->sport_lo + 1 :
		    UDP_SPORTS_AUTO;
	return c->encap_sport && c->encap_sport != c->listen_port ? 1 : 0;
}

int
conf_udp_sports(const struct ipipd_conf *c)
{
	return c->encap == ENCAP_NONE || c->encap == ENCAP_TCP ? 0 :
	    sports_wanted(c);
}

/* SIGHUP: sockets, addresses and routes stay as they were made. */
void
conf_keep_fixed_encap(struct ipipd_conf *new, const struct ipipd_conf *old)
{
	if (new->encap != old->encap || new->encap_dport != old->encap_dport ||
	    new->listen_port != old->listen_port ||
	    new->encap_sport != old->encap_sport ||
	    new->sport_auto != old->sport_auto ||
	    new->sport_lo != old->sport_lo || new->sport_hi != old->sport_hi ||
	    new->peer_sport != old->peer_sport ||
	    new->encap_flags != old->encap_flags ||
	    new->keepalive != old->keepalive)
		log_warnx("reload: new encap settings need a restart; kept the "
		    "old ones");
	if (new->naddrs != old->naddrs || new->nroutes != old->nroutes ||
	    memcmp(new->addrs, old->addrs, sizeof(new->addrs)) != 0 ||
	    memcmp(new->routes, old->routes, sizeof(new->routes)) != 0)
		log_warnx("reload: new address or route keywords need a "
		    "restart; kept the old ones");
	new->encap = old->encap;
	new->encap_flags = old->encap_flags;
	new->sport_auto = old->sport_auto;
	new->encap_dport = old->encap_dport;
	new->encap_sport = old->encap_sport;
	new->listen_port = old->listen_port;
	new->peer_sport = old->peer_sport;
	new->sport_lo = old->sport_lo;
	new->sport_hi = old->sport_hi;
	new->keepalive = old->keepalive;
	memcpy(new->addrs, old->addrs, sizeof(new->addrs));
	new->naddrs = old->naddrs;
	memcpy(new->routes, old->routes, sizeof(new->routes));
	new->nroutes = old->nroutes;
	tcp_conf_keep(new, old);
}
