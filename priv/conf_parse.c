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
 * The command line: [-46dnv] [-u user] dev DEVICE [local ADDRESS]
 * remote ADDRESS|NAME [mtu MTU] and the tunnel keywords of ip-link(8)
 * (ttl, tos, tclass, flowlabel, encaplimit, mode, [no]pmtudisc).
 * Parsing only fills struct ipipd_conf; nothing touches the system, so
 * a bad word leaves nothing half-made.  The keyword functions write
 * their error into a buffer so a configuration file can reuse them.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outer_hdr.h"
#include "priv.h"

typedef int (*kw_fn)(struct ipipd_conf *, const char *, char *, size_t);

struct keyword {
	const char	*name;
	unsigned int	 bit;
	int		 takes_value;
	kw_fn		 set;
};

/* Write a keyword's error message into err; returns -1 for the caller. */
int
kw_err(char *err, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Interface names the kernel accepts: 1..15 bytes, no '/', ':', space. */
static int
valid_ifname(const char *s)
{
	size_t	 len = strlen(s);

	if (len == 0 || len >= IFNAMSIZ || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return 0;
	for (; *s != '\0'; s++)
		if (*s == '/' || *s == ':' || !isgraph((unsigned char)*s))
			return 0;
	return 1;
}

/* A host name as getaddrinfo will be asked for it: LDH labels and dots. */
static int
valid_hostname(const char *s)
{
	size_t	 len = strlen(s);

	if (len == 0 || len >= RESOLVE_NAME_MAX || *s == '-' || *s == '.')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    *s != '_')
			return 0;
	return 1;
}

/* A number in [lo, hi], decimal or 0x hex as ip-link(8) takes it. */
static int
parse_num(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	char	*end;

	if (*s == '\0' || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	*out = strtoul(s, &end, 0);
	if (*end != '\0' || *out < lo || *out > hi)
		return -1;
	return 0;
}

static int
kw_dev(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	if (!valid_ifname(v))
		return kw_err(err, len, "bad dev '%s': not a valid interface "
		    "name", v);
	strlcpy(c->dev, v, sizeof(c->dev));
	return 0;
}

static int
kw_local(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	const char	*why;

	if (addr_parse(v, &c->local) == -1)
		return kw_err(err, len, "bad local '%s': not an IPv4 or IPv6 "
		    "address", v);
	if ((why = addr_not_unicast(&c->local)) != NULL)
		return kw_err(err, len, "bad local '%s': %s", v, why);
	return 0;
}

static int
kw_remote(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	struct tun_addr	 a;
	const char	*why;

	if (addr_parse(v, &a) == -1) {
		if (!valid_hostname(v))
			return kw_err(err, len, "bad remote '%s': not an "
			    "address or host name", v);
	} else if ((why = addr_not_unicast(&a)) != NULL)
		return kw_err(err, len, "bad remote '%s': %s", v, why);
	strlcpy(c->remote, v, sizeof(c->remote));
	return 0;
}

static int
kw_mtu(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	unsigned long	 n;

	if (parse_num(v, 68, 65535, &n) == -1)
		return kw_err(err, len, "bad mtu '%s': not a number from 68 "
		    "to 65535", v);
	c->mtu = (uint32_t)n;
	return 0;
}

static int
kw_ttl(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	unsigned long	 n;

	if (strcmp(v, "inherit") == 0) {
		c->ttl = 0;
		return 0;
	}
	if (parse_num(v, 1, 255, &n) == -1)
		return kw_err(err, len, "bad ttl '%s': not 1 to 255 or "
		    "inherit", v);
	c->ttl = (uint8_t)n;
	return 0;
}

/* tos and tclass: a byte or inherit; ECN bits come from RFC 6040. */
static int
kw_dscp(const char *kw, const char *v, uint8_t *val, uint8_t *flags,
    uint8_t inherit_flag, char *err, size_t len)
{
	unsigned long	 n;

	if (strcmp(v, "inherit") == 0) {
		*flags |= inherit_flag;
		return 0;
	}
	if (parse_num(v, 0, 255, &n) == -1)
		return kw_err(err, len, "bad %s '%s': not 0 to 255 or inherit",
		    kw, v);
	if (n & 0x03)
		return kw_err(err, len, "bad %s '%s': the two ECN bits are set "
		    "from the inner packet (RFC 6040)", kw, v);
	*flags &= ~inherit_flag;
	*val = (uint8_t)n;
	return 0;
}

static int
kw_tos(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	return kw_dscp("tos", v, &c->tos, &c->flags, CONF_TOS_INHERIT, err,
	    len);
}

static int
kw_tclass(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	return kw_dscp("tclass", v, &c->tclass, &c->flags, CONF_TCLASS_INHERIT,
	    err, len);
}

static int
kw_flowlabel(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	unsigned long	 n;

	if (strcmp(v, "inherit") == 0) {
		c->flags |= CONF_FLOW_INHERIT;
		return 0;
	}
	if (parse_num(v, 0, 0xfffff, &n) == -1)
		return kw_err(err, len, "bad flowlabel '%s': not 0 to 0xfffff "
		    "or inherit", v);
	c->flags &= ~CONF_FLOW_INHERIT;
	c->flowlabel = (uint32_t)n;
	return 0;
}

static int
kw_encaplimit(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	unsigned long	 n;

	if (strcmp(v, "none") == 0) {
		c->encaplimit = ENCAPLIMIT_NONE;
		return 0;
	}
	if (parse_num(v, 0, 255, &n) == -1)
		return kw_err(err, len, "bad encaplimit '%s': not 0 to 255 or "
		    "none", v);
	c->encaplimit = (int)n;
	return 0;
}

static const struct {
	const char	*name;
	enum tun_mode	 mode;
	uint8_t		 af;	/* outer family the mode implies */
} modes[] = {
	{ "any",	MODE_ANY,	AF_UNSPEC },
	{ "ipip",	MODE_IPIP,	AF_INET },
	{ "sit",	MODE_SIT,	AF_INET },
	{ "ip6ip6",	MODE_IP6IP6,	AF_INET6 },
	{ "ipip6",	MODE_IPIP6,	AF_INET6 },
	{ "mplsip",	MODE_MPLSIP,	AF_UNSPEC },
};

static int
kw_mode(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(v, modes[i].name) == 0) {
			c->mode = modes[i].mode;
			return 0;
		}
	}
	return kw_err(err, len, "bad mode '%s': not any, ipip, sit, ip6ip6, "
	    "ipip6 or mplsip", v);
}

static int
kw_pmtudisc(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	(void)v;
	(void)err;
	(void)len;
	c->flags |= CONF_PMTUDISC;
	return 0;
}

static int
kw_nopmtudisc(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	(void)v;
	(void)err;
	(void)len;
	c->flags &= ~CONF_PMTUDISC;
	return 0;
}

static int
kw_resolve_interval(struct ipipd_conf *c, const char *v, char *err,
    size_t len)
{
	unsigned long	 n;

	if (parse_num(v, 1, 86400, &n) == -1)
		return kw_err(err, len, "bad resolve-interval '%s': not 1 to "
		    "86400 seconds", v);
	c->resolve_interval = (uint32_t)n;
	return 0;
}

/* TUN offloads (issue 8): on by default. */
static int
kw_offload(struct ipipd_conf *c, const char *v, char *err, size_t len)
{
	if (strcmp(v, "on") == 0)
		c->flags |= CONF_OFFLOAD;
	else if (strcmp(v, "off") == 0)
		c->flags &= ~CONF_OFFLOAD;
	else
		return kw_err(err, len, "bad offload '%s': not on or off", v);
	return 0;
}

static const struct keyword keywords[] = {
	{ "dev",	W_DEV,		1, kw_dev },
	{ "local",	W_LOCAL,	1, kw_local },
	{ "remote",	W_REMOTE,	1, kw_remote },
	{ "mtu",	W_MTU,		1, kw_mtu },
	{ "ttl",	W_TTL,		1, kw_ttl },
	{ "hoplimit",	W_TTL,		1, kw_ttl },
	{ "tos",	W_TOS,		1, kw_tos },
	{ "dsfield",	W_TOS,		1, kw_tos },
	{ "tclass",	W_TCLASS,	1, kw_tclass },
	{ "flowlabel",	W_FLOWLABEL,	1, kw_flowlabel },
	{ "encaplimit",	W_ENCAPLIMIT,	1, kw_encaplimit },
	{ "mode",	W_MODE,		1, kw_mode },
	{ "pmtudisc",	W_PMTUDISC,	0, kw_pmtudisc },
	{ "nopmtudisc",	W_PMTUDISC,	0, kw_nopmtudisc },
	{ "resolve-interval", W_RESOLVE, 1, kw_resolve_interval },
	{ "encap",	W_ENCAP,	1, kw_encap },
	{ "encap-dport", W_ENCAP_DPORT,	1, kw_encap_dport },
	{ "encap-sport", W_ENCAP_SPORT,	1, kw_encap_sport },
	{ "encap-sport-range", W_SPORT_RANGE, 1, kw_encap_sport_range },
	{ "listen-port", W_LISTEN_PORT,	1, kw_listen_port },
	{ "peer-sport",	W_PEER_SPORT,	1, kw_peer_sport },
	{ "float",	W_FLOAT,	0, kw_float },
	{ "keepalive",	W_KEEPALIVE,	1, kw_keepalive },
	{ "address",	0,		1, kw_address },
	{ "peer",	0,		1, kw_address_peer },
	{ "route",	0,		1, kw_route },
	{ "offload",	W_OFFLOAD,	1, kw_offload },
};

void
conf_defaults(struct ipipd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->af = AF_UNSPEC;
	c->mode = MODE_ANY;
	c->ttl = IPIPD_DEFAULT_TTL;
	c->encaplimit = IPIPD_DEFAULT_ENCAPLIMIT;
	c->flags = CONF_PMTUDISC | CONF_OFFLOAD;
	c->resolve_interval = IPIPD_RESOLVE_INTERVAL;
	strlcpy(c->user, IPIPD_USER, sizeof(c->user));
	strlcpy(c->chroot, IPIPD_CHROOT, sizeof(c->chroot));
	tcp_conf_defaults(&c->tcp);
}

/*
 * Apply one keyword.  *used is set to the number of words consumed
 * from value (0 or 1).  -1 with the reason in err.
 */
int
conf_keyword(struct ipipd_conf *c, const char *kw, const char *value,
    int *used, char *err, size_t len)
{
	size_t	 i;
	int	 after_address = c->last_was_address;

	*used = 0;
	c->last_was_address = 0;
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strcmp(kw, keywords[i].name) != 0)
			continue;
		if (keywords[i].set == kw_address_peer && !after_address)
			return kw_err(err, len, "'peer' must follow "
			    "'address ADDRESS'");
		if (c->seen & keywords[i].bit)
			return kw_err(err, len, "'%s' given twice", kw);
		c->seen |= keywords[i].bit;
		if (keywords[i].takes_value) {
			if (value == NULL)
				return kw_err(err, len, "'%s' needs a value",
				    kw);
			*used = 1;
		}
		return keywords[i].set(c, value, err, len);
	}
	return tcp_conf_keyword(c, kw, value, used, err, len);
}

/* The keyword of a mode. */
const char *
conf_mode_name(enum tun_mode m)
{
	size_t	 i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (modes[i].mode == m)
			return modes[i].name;
	return "any";
}

/* The outer family a mode implies, or AF_UNSPEC. */
static uint8_t
mode_af(enum tun_mode m)
{
	size_t	 i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (modes[i].mode == m)
			return modes[i].af;
	return AF_UNSPEC;
}

/* For messages: "IPv4" or "IPv6". */
const char *
conf_af_name(int af)
{
	return af == AF_INET ? "IPv4" : "IPv6";
}

/* Pin the outer family from -4/-6, mode, local and a literal remote. */
static int
finish_family(struct ipipd_conf *c, char *err, size_t len)
{
	struct tun_addr	 r;
	uint8_t		 maf = mode_af(c->mode);
	char		 buf[ADDR_STRLEN];

	if (c->af != AF_UNSPEC && maf != AF_UNSPEC && c->af != maf) {
		c->bad = W_MODE;
		return kw_err(err, len, "mode %s carries over %s, not %s",
		    modes[c->mode].name, conf_af_name(maf),
		    conf_af_name(c->af));
	}
	if (c->af == AF_UNSPEC)
		c->af = maf;
	if (addr_parse(c->remote, &r) == 0) {
		c->bad = W_REMOTE;
		if (c->af != AF_UNSPEC && r.af != c->af)
			return kw_err(err, len, "remote '%s' is not an %s "
			    "address", c->remote, conf_af_name(c->af));
		c->af = r.af;
	}
	if (addr_is_set(&c->local)) {
		c->bad = W_LOCAL;
		if (c->af != AF_UNSPEC && c->local.af != c->af)
			return kw_err(err, len, "local '%s' is not an %s "
			    "address", addr_fmt(&c->local, buf, sizeof(buf)),
			    conf_af_name(c->af));
		c->af = c->local.af;
	}
	c->bad = 0;
	return 0;
}

/* The header keywords of the outer family, and those encap does not use. */
static int
check_header_words(struct ipipd_conf *c, char *err, size_t len)
{
	if (c->af == AF_INET && (c->seen & (W_TCLASS | W_FLOWLABEL |
	    W_ENCAPLIMIT))) {
		c->bad = c->seen & W_TCLASS ? W_TCLASS :
		    c->seen & W_FLOWLABEL ? W_FLOWLABEL : W_ENCAPLIMIT;
		return kw_err(err, len, "'%s' is for an IPv6 outer header, but "
		    "the tunnel runs over IPv4 (tclass, flowlabel and "
		    "encaplimit are)", c->bad == W_TCLASS ? "tclass" :
		    c->bad == W_FLOWLABEL ? "flowlabel" : "encaplimit");
	}
	if (c->af == AF_INET6 && (c->seen & W_TOS)) {
		c->bad = W_TOS;
		return kw_err(err, len, "'tos' is for an IPv4 outer header, "
		    "but the tunnel runs over IPv6 (use tclass)");
	}
	if (c->encap == ENCAP_TCP && (c->seen & (W_TTL | W_TOS | W_TCLASS |
	    W_FLOWLABEL | W_ENCAPLIMIT | W_PMTUDISC | W_MODE))) {
		c->bad = c->seen & (W_TTL | W_TOS | W_TCLASS | W_FLOWLABEL |
		    W_ENCAPLIMIT | W_PMTUDISC | W_MODE);
		return kw_err(err, len, "ttl, tos, tclass, flowlabel, "
		    "encaplimit, mode and [no]pmtudisc are not used with tcp "
		    "(the kernel's TCP writes the outer headers)");
	}
	if (c->encap != ENCAP_NONE && (c->seen & (W_FLOWLABEL | W_ENCAPLIMIT))) {
		c->bad = c->seen & W_FLOWLABEL ? W_FLOWLABEL : W_ENCAPLIMIT;
		return kw_err(err, len, "flowlabel and encaplimit are not used "
		    "with encap fou or gue");
	}
	return 0;
}

/* With a pinned family the MTU is checked now, else once it is known. */
static int
check_pinned_mtu(struct ipipd_conf *c, char *err, size_t len)
{
	if (c->af == AF_UNSPEC || conf_check_mtu(c, c->af, err, len) == 0)
		return 0;
	c->bad = W_MTU;
	return -1;
}

/* Checks across keywords, once every word is in. */
int
conf_finish(struct ipipd_conf *c, char *err, size_t len)
{
	if (!(c->seen & W_DEV))
		return kw_err(err, len, "missing 'dev DEVICE'");
	if (tcp_conf_finish(c, err, len) == -1)
		return -1;
	if (!(c->seen & W_REMOTE) && !tcp_conf_is_server(c))
		return kw_err(err, len, "missing 'remote ADDRESS'");
	if (finish_family(c, err, len) == -1 ||
	    check_header_words(c, err, len) == -1 ||
	    conf_finish_encap(c, err, len) == -1)
		return -1;
	return check_pinned_mtu(c, err, len);
}

/*
 * The same checks again for the configuration a reload would run with
 * (priv_reload.c): the new words merged with what stays as start-up
 * made it, the encap settings and the local address.  The family is
 * pinned anew from c->af as the caller sets it (-4/-6, the kept local
 * address); the encap keywords were checked among themselves then.
 */
int
conf_check(struct ipipd_conf *c, char *err, size_t len)
{
	if (finish_family(c, err, len) == -1 ||
	    check_header_words(c, err, len) == -1)
		return -1;
	return check_pinned_mtu(c, err, len);
}

/*
 * The TUN MTU against what one outer packet over af holds; AF_UNSPEC:
 * over either family, for a remote whose family is not known yet.
 */
int
conf_check_mtu(const struct ipipd_conf *c, int af, char *err, size_t len)
{
	static const int	 afs[2] = { AF_INET, AF_INET6 };
	int			 i;

	for (i = 0; i < 2; i++) {
		if (af != AF_UNSPEC && af != afs[i])
			continue;
		if (c->mtu > conf_max_mtu(c, afs[i]))
			return kw_err(err, len, "mtu %u is too large: an outer "
			    "%s packet holds at most %u bytes of inner packet",
			    c->mtu, conf_af_name(afs[i]),
			    conf_max_mtu(c, afs[i]));
	}
	return 0;
}

/*
 * For messages: the word that pins the outer family (finish_family()
 * has checked that they agree), those a reload may change first.
 */
void
conf_pin_word(const struct ipipd_conf *c, char *buf, size_t len)
{
	struct tun_addr	 r;
	char		 a[ADDR_STRLEN];

	if (addr_parse(c->remote, &r) == 0)
		snprintf(buf, len, "remote %s", c->remote);
	else if (mode_af(c->mode) != AF_UNSPEC)
		snprintf(buf, len, "mode %s", modes[c->mode].name);
	else if (addr_is_set(&c->local))
		snprintf(buf, len, "local %s", addr_fmt(&c->local, a,
		    sizeof(a)));
	else if (c->af_flag != AF_UNSPEC)
		snprintf(buf, len, "-%c", c->af_flag == AF_INET ? '4' : '6');
	else
		snprintf(buf, len, "the configuration");
}

/*
 * The largest inner packet an outer packet can hold, fragmented or not:
 * IPv4's total length and IPv6's payload length are 16 bits.
 */
uint32_t
conf_max_mtu(const struct ipipd_conf *c, int af)
{
	if (af == AF_INET)
		return 65535 - conf_outer_hdrlen(c, af);
	return 65535 - (conf_outer_hdrlen(c, af) - IPV6_HDR_LEN);
}

uint8_t
conf_carry(const struct ipipd_conf *c)
{
	switch (c->mode) {
	case MODE_IPIP:
	case MODE_IPIP6:
		return TUN_CARRY_V4;
	case MODE_SIT:
	case MODE_IP6IP6:
		return TUN_CARRY_V6;
	case MODE_MPLSIP:
		return TUN_CARRY_MPLS;
	default:
		/* The prefix delegation of encap tcp is IPv6's. */
		if (c->encap == ENCAP_TCP)
			return TUN_CARRY_V6;
		/* FOU tells the inner protocol by its version nibble. */
		if (c->encap == ENCAP_FOU)
			return TUN_CARRY_V4 | TUN_CARRY_V6;
		return TUN_CARRY_ALL;
	}
}

/* Bytes of outer header per packet over af, as the engine writes it. */
uint32_t
conf_outer_hdrlen(const struct ipipd_conf *c, int af)
{
	if (c->encap == ENCAP_TCP)	/* a stream: no header per packet */
		return 0;
	return outer_hdr_len(af, c->encap, c->encaplimit != ENCAPLIMIT_NONE);
}

void
usage(void)
{
	fprintf(stderr, "usage: %s [-46dnv] [-s socket] [-u user] -f file\n"
	    "       %s [-v] [-u user] -r pid\n"
	    "       %s [-46dnv] [-s socket] [-u user] dev device "
	    "[local address] remote address|name\n"
	    "\t[mtu mtu] [mode any|ipip|sit|ip6ip6|ipip6|mplsip] "
	    "[ttl n|inherit]\n"
	    "\t[tos n|inherit] [tclass n|inherit] [flowlabel n|inherit]\n"
	    "\t[encaplimit n|none] [pmtudisc|nopmtudisc] "
	    "[resolve-interval seconds]\n"
	    "\t[encap none|fou|gue encap-dport port [encap-sport port|auto]\n"
	    "\t[encap-sport-range low-high] [listen-port port]\n"
	    "\t[peer-sport port|any] [float] [keepalive seconds]]\n"
	    "\t[address address[/len] [peer address[/len]]] ... "
	    "[route prefix] ... [offload on|off]\n"
	    "\t[encap tcp encap-dport port [identifier id] [key key]\n"
	    "\t[prefix-dev device] [reconnect-interval seconds]]\n"
	    "       %s [-46dnv] [-u user] dev device serve tcp port port\n"
	    "\tprefix-pool prefix/len [listen address] ... "
	    "[assignments file]\n"
	    "\t[allowlist file] [max-clients n] [max-handshakes n]\n"
	    "\t[max-handshakes-per-address n] [handshake-timeout seconds]\n"
	    "\t[send-queue KiB] [mtu mtu] [address ...] [route ...]\n",
	    getprogname(), getprogname(), getprogname(), getprogname());
	exit(1);
}

/* One line naming the bad word, then the usage: exit 1. */
static void __attribute__((noreturn))
badarg(const char *msg)
{
	fprintf(stderr, "%s: %s\n", getprogname(), msg);
	usage();
}

/* -r: the pid of a running ipipd, as systemd's $MAINPID gives it. */
static pid_t
parse_pid(const char *s)
{
	char	 err[128], *end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 2 ||
	    v > INT32_MAX) {
		snprintf(err, sizeof(err), "bad pid '%s' for -r: the process "
		    "id of a running ipipd", s);
		badarg(err);
	}
	return (pid_t)v;
}

int
parse_args(int argc, char **argv, struct ipipd_conf *conf)
{
	char	 err[256];
	int	 ch, used;

	conf_defaults(conf);
	opterr = 0;	/* our own message, with the program's short name */
	while ((ch = getopt(argc, argv, "46df:nr:s:u:v")) != -1) {
		switch (ch) {
		case '4':
		case '6':
			if (conf->af != AF_UNSPEC &&
			    conf->af != (ch == '4' ? AF_INET : AF_INET6))
				badarg("-4 and -6 exclude each other");
			conf->af = ch == '4' ? AF_INET : AF_INET6;
			conf->af_flag = conf->af;
			break;
		case 'd':
			conf->foreground = 1;
			break;
		case 'f':
			if (strlcpy(conf->file, optarg, sizeof(conf->file)) >=
			    sizeof(conf->file)) {
				snprintf(err, sizeof(err), "bad file '%s': name "
				    "too long", optarg);
				badarg(err);
			}
			break;
		case 'n':
			conf->noaction = 1;
			break;
		case 'r':
			conf->reload_pid = parse_pid(optarg);
			break;
		case 's':
			/* An absolute path that fits sockaddr_un.sun_path. */
			if (optarg[0] != '/' || strlcpy(conf->control, optarg,
			    sizeof(conf->control)) >= sizeof(conf->control)) {
				snprintf(err, sizeof(err), "bad socket '%s': an "
				    "absolute path of at most %zu bytes",
				    optarg, sizeof(conf->control) - 1);
				badarg(err);
			}
			break;
		case 'u':
			if (strlen(optarg) == 0 ||
			    strlen(optarg) >= sizeof(conf->user)) {
				snprintf(err, sizeof(err), "bad user '%s'",
				    optarg);
				badarg(err);
			}
			strlcpy(conf->user, optarg, sizeof(conf->user));
			break;
		case 'v':
			conf->verbose++;
			break;
		default:
			snprintf(err, sizeof(err), optopt == 'u' ||
			    optopt == 'f' || optopt == 'r' || optopt == 's' ?
			    "option -%c needs a value" : "unknown option -%c",
			    optopt);
			badarg(err);
		}
	}
	argc -= optind;
	argv += optind;
	if (conf->reload_pid != 0) {
		if (argc > 0 || conf->file[0] != '\0' || conf->noaction ||
		    conf->foreground || conf->af_flag != AF_UNSPEC)
			badarg("-r takes only -u and -v besides the pid");
		return 0;
	}
	if (conf->file[0] != '\0') {
		if (argc > 0) {
			snprintf(err, sizeof(err), "unexpected '%s': with -f "
			    "the configuration file holds the keywords",
			    argv[0]);
			badarg(err);
		}
		if (conf_read_file(conf, conf->file, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s: %s\n", getprogname(), err);
			exit(1);
		}
		return 0;
	}
	for (; argc > 0; argc -= 1 + used, argv += 1 + used)
		if (conf_keyword(conf, argv[0], argc > 1 ? argv[1] : NULL,
		    &used, err, sizeof(err)) == -1)
			badarg(err);
	if (conf_finish(conf, err, sizeof(err)) == -1)
		badarg(err);
	return 0;
}
