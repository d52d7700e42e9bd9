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
 * Keywords of the TCP transport (issue 16).  A client:
 *   encap tcp encap-dport PORT [identifier ID] [prefix-dev IFACE]
 *   [reconnect-interval SECONDS]
 * A prefix server:
 *   serve tcp [listen ADDRESS]... port PORT prefix-pool PREFIX/LEN
 *   [assignments FILE] [max-clients N] [max-handshakes N]
 *   [max-handshakes-per-address N]
 * Both: [handshake-timeout SECONDS] [send-queue KBYTES].
 * Like conf_parse.c they only fill struct ipipd_conf; it calls
 * tcp_conf_keyword() for a word it does not know.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"
#include "log.h"
#include "priv_tcp.h"

#define TW_SERVE	0x0001
#define TW_PORT		0x0002
#define TW_POOL		0x0004
#define TW_ASSIGN	0x0008
#define TW_ID		0x0010
#define TW_PREFIX_DEV	0x0020
#define TW_RECONNECT	0x0040
#define TW_HS_TIMEOUT	0x0080
#define TW_MAX_CLIENTS	0x0100
#define TW_MAX_HS	0x0200
#define TW_MAX_HS_ADDR	0x0400
#define TW_SENDQ	0x0800
#define TW_LISTEN	0x1000	/* repeats: only for "needs serve tcp" */
#define TW_KEY		0x2000
#define TW_ALLOW	0x4000

#define TW_SERVER_ONLY	(TW_LISTEN | TW_PORT | TW_POOL | TW_ASSIGN | \
			 TW_MAX_CLIENTS | TW_MAX_HS | TW_MAX_HS_ADDR | TW_ALLOW)
#define TW_CLIENT_ONLY	(TW_ID | TW_PREFIX_DEV | TW_RECONNECT | TW_KEY)

typedef int (*tkw_fn)(struct tcp_conf *, const char *, char *, size_t);

struct tcp_keyword {
	const char	*name;
	unsigned int	 bit;
	int		 repeats;
	tkw_fn		 set;
};

/* Identifiers as the engine accepts them: 1..64 printable ASCII bytes. */
int
tcp_id_valid(const char *s)
{
	size_t	 n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= TCP_ID_MAX || s[n] < 0x20 || s[n] > 0x7e)
			return 0;
	return n > 0;
}

static int
tkw_serve(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	if (strcmp(v, "tcp") != 0)
		return kw_err(err, len, "bad serve '%s': only tcp is served", v);
	t->role = TCP_ROLE_SERVER;
	return 0;
}

static int
tkw_listen(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	struct tun_addr	 a;
	int		 i;

	if (addr_parse(v, &a) == -1)
		return kw_err(err, len, "bad listen '%s': not an IPv4 or IPv6 "
		    "address", v);
	if (t->nlisten == TCP_LISTEN_MAX)
		return kw_err(err, len, "more than %d listen keywords",
		    TCP_LISTEN_MAX);
	for (i = 0; i < t->nlisten; i++)
		if (addr_eq(&t->listen[i], &a))
			return kw_err(err, len, "listen '%s' given twice", v);
	t->listen[t->nlisten++] = a;
	return 0;
}

static int
tkw_port(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	unsigned long	 n;

	if (conf_num_in(v, 1, 65535, &n) == -1)
		return kw_err(err, len, "bad port '%s': not a port from 1 to "
		    "65535", v);
	t->port = (uint16_t)n;
	return 0;
}

/* PREFIX/LEN of IPv6, 16..63 bits: room for at least two /64s. */
static int
tkw_pool(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	char		 buf[ADDR_STRLEN + 8], *slash;
	unsigned long	 n;
	int		 i;
	uint8_t		*b;

	if (strlcpy(buf, v, sizeof(buf)) >= sizeof(buf) ||
	    (slash = strchr(buf, '/')) == NULL)
		goto bad;
	*slash = '\0';
	if (addr_parse(buf, &t->pool) == -1 || t->pool.af != AF_INET6 ||
	    conf_num_in(slash + 1, 0, 128, &n) == -1)
		goto bad;
	if (n < 16 || n > 63)
		return kw_err(err, len, "bad prefix-pool '%s': the length must "
		    "be 16 to 63 (the pool hands out /64s)", v);
	b = t->pool.u.v6.s6_addr;
	for (i = 0; i < 16; i++) {
		int	 keep = (int)n - i * 8;
		uint8_t	 mask = keep >= 8 ? 0xff : keep <= 0 ? 0 :
			    (uint8_t)(0xff << (8 - keep));

		if (b[i] & ~mask)
			return kw_err(err, len, "bad prefix-pool '%s': address "
			    "bits set after the prefix length", v);
	}
	if (addr_not_unicast(&t->pool) != NULL || b[0] == 0xfe)
		return kw_err(err, len, "bad prefix-pool '%s': not a unicast "
		    "prefix", v);
	t->pool_plen = (uint8_t)n;
	return 0;
bad:
	return kw_err(err, len, "bad prefix-pool '%s': not an IPv6 "
	    "PREFIX/LENGTH", v);
}

/* An absolute path a configuration file can hold (and a log line show). */
static int
path_ok(const char *kw, const char *v, char *err, size_t len)
{
	const char	*p;

	if (v[0] != '/')
		return kw_err(err, len, "bad %s '%s': not an absolute path",
		    kw, v);
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '#')
			return kw_err(err, len, "bad %s: a path without white "
			    "space, control characters or '#'", kw);
	if (strlen(v) >= TCP_PATH_MAX)
		return kw_err(err, len, "bad %s: a path longer than %d bytes",
		    kw, TCP_PATH_MAX - 1);
	return 0;
}

static int
tkw_allow(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	if (path_ok("allowlist", v, err, len) == -1)
		return -1;
	strlcpy(t->allowlist, v, sizeof(t->allowlist));
	return 0;
}

static int
tkw_assign(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	const char	*base = strrchr(v, '/');

	if (path_ok("assignments", v, err, len) == -1)
		return -1;
	if (strlen(v) + sizeof(".tmp") > sizeof(t->assignments) ||
	    base == NULL || base[1] == '\0' || strcmp(base, "/.") == 0 ||
	    strcmp(base, "/..") == 0)
		return kw_err(err, len, "bad assignments '%s': not a file "
		    "name of at most %zu bytes", v, sizeof(t->assignments) -
		    sizeof(".tmp"));
	strlcpy(t->assignments, v, sizeof(t->assignments));
	return 0;
}

/*
 * The keyword is narrower than the wire (tcp_id_valid()): no white
 * space or '#', which a configuration file could not hold.
 */
static int
tkw_id(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	const char	*p;

	for (p = v; *p != '\0'; p++)
		if (*p == ' ' || *p == '#')
			break;
	if (!tcp_id_valid(v) || *p != '\0')
		return kw_err(err, len, "bad identifier '%s': not 1 to %d "
		    "printable ASCII characters without white space or '#'",
		    v, TCP_ID_MAX);
	strlcpy(t->id, v, sizeof(t->id));
	return 0;
}

static int
tkw_key(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	if (strlen(v) > TCP_KEY_MAX || !tcp_id_valid(v) || strchr(v, ' ') ||
	    strchr(v, '#'))
		return kw_err(err, len, "bad key: not 1 to %d printable ASCII "
		    "characters without white space or '#'", TCP_KEY_MAX);
	strlcpy(t->key, v, sizeof(t->key));
	return 0;
}

static int
tkw_prefix_dev(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	size_t	 i, n = strlen(v);

	for (i = 0; i < n; i++)
		if (v[i] == '/' || v[i] == ':' || !isgraph((unsigned char)v[i]))
			break;
	if (n == 0 || n >= IFNAMSIZ || i < n || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return kw_err(err, len, "bad prefix-dev '%s': not a valid "
		    "interface name", v);
	strlcpy(t->prefix_dev, v, sizeof(t->prefix_dev));
	return 0;
}

/* Seconds, counts and sizes: NAME in [lo, hi]. */
static int
tkw_num(const char *kw, const char *what, const char *v, unsigned long lo,
    unsigned long hi, uint32_t *out, char *err, size_t len)
{
	unsigned long	 n;

	if (conf_num_in(v, lo, hi, &n) == -1)
		return kw_err(err, len, "bad %s '%s': not %lu to %lu%s", kw, v,
		    lo, hi, what);
	*out = (uint32_t)n;
	return 0;
}

static int
tkw_reconnect(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	return tkw_num("reconnect-interval", " seconds", v, 1, 3600,
	    &t->reconnect_s, err, len);
}

static int
tkw_hs_timeout(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	return tkw_num("handshake-timeout", " seconds", v, 1, 300,
	    &t->hs_timeout_s, err, len);
}

static int
tkw_max_clients(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	return tkw_num("max-clients", "", v, 1, 1000000, &t->max_clients,
	    err, len);
}

static int
tkw_max_hs(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	return tkw_num("max-handshakes", "", v, 1, 100000, &t->max_hs, err,
	    len);
}

static int
tkw_max_hs_addr(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	return tkw_num("max-handshakes-per-address", "", v, 1, 100000,
	    &t->max_hs_addr, err, len);
}

static int
tkw_sendq(struct tcp_conf *t, const char *v, char *err, size_t len)
{
	return tkw_num("send-queue", " KiB", v, 16, 65536, &t->sendq_kb, err,
	    len);
}

static const struct tcp_keyword tcp_keywords[] = {
	{ "serve",		TW_SERVE,	0, tkw_serve },
	{ "listen",		TW_LISTEN,	1, tkw_listen },
	{ "port",		TW_PORT,	0, tkw_port },
	{ "prefix-pool",	TW_POOL,	0, tkw_pool },
	{ "assignments",	TW_ASSIGN,	0, tkw_assign },
	{ "identifier",		TW_ID,		0, tkw_id },
	{ "prefix-dev",		TW_PREFIX_DEV,	0, tkw_prefix_dev },
	{ "reconnect-interval",	TW_RECONNECT,	0, tkw_reconnect },
	{ "handshake-timeout",	TW_HS_TIMEOUT,	0, tkw_hs_timeout },
	{ "max-clients",	TW_MAX_CLIENTS,	0, tkw_max_clients },
	{ "max-handshakes",	TW_MAX_HS,	0, tkw_max_hs },
	{ "max-handshakes-per-address", TW_MAX_HS_ADDR, 0, tkw_max_hs_addr },
	{ "send-queue",		TW_SENDQ,	0, tkw_sendq },
	{ "key",		TW_KEY,		0, tkw_key },
	{ "allowlist",		TW_ALLOW,	0, tkw_allow },
};

void
tcp_conf_defaults(struct tcp_conf *t)
{
	memset(t, 0, sizeof(*t));
	t->reconnect_s = TCP_DEFAULT_RECONNECT;
	t->hs_timeout_s = TCP_DEFAULT_HS_TIMEOUT;
	t->max_clients = TCP_DEFAULT_MAX_CLIENTS;
	t->max_hs = TCP_DEFAULT_MAX_HANDSHAKES;
	t->max_hs_addr = TCP_DEFAULT_MAX_HS_PER_ADDR;
	t->sendq_kb = TCP_DEFAULT_SENDQ_KB;
}

/* A word conf_parse.c does not know: one of ours, or unknown. */
int
tcp_conf_keyword(struct ipipd_conf *c, const char *kw, const char *value,
    int *used, char *err, size_t len)
{
	const struct tcp_keyword	*k;
	size_t				 i;

	*used = 0;
	for (i = 0; i < sizeof(tcp_keywords) / sizeof(tcp_keywords[0]); i++) {
		k = &tcp_keywords[i];
		if (strcmp(kw, k->name) != 0)
			continue;
		if (!k->repeats && (c->tcp.seen & k->bit))
			return kw_err(err, len, "'%s' given twice", kw);
		c->tcp.seen |= k->bit;
		if (value == NULL)
			return kw_err(err, len, "'%s' needs a value", kw);
		*used = 1;
		return k->set(&c->tcp, value, err, len);
	}
	return kw_err(err, len, "unknown word '%s'", kw);
}

/* The name of the first keyword of bits that was given. */
static const char *
first_word(unsigned int bits)
{
	size_t	 i;

	for (i = 0; i < sizeof(tcp_keywords) / sizeof(tcp_keywords[0]); i++)
		if (bits & tcp_keywords[i].bit)
			return tcp_keywords[i].name;
	return "?";
}

/* The keywords of encapsulation over UDP, which TCP has no use for. */
static int
udp_words(const struct ipipd_conf *c, char *err, size_t len)
{
	if (c->encap_sport || c->sport_auto || c->sport_lo ||
	    c->listen_port || c->peer_sport || c->encap_flags ||
	    c->keepalive)
		return kw_err(err, len, "encap-sport, encap-sport-range, "
		    "listen-port, peer-sport, float and keepalive are for "
		    "encap fou or gue, not tcp");
	return 0;
}

/* serve tcp: no remote, a port and a pool; both wildcards by default. */
static int
finish_server(struct ipipd_conf *c, char *err, size_t len)
{
	struct tcp_conf	*t = &c->tcp;

	if (c->encap != ENCAP_NONE && c->encap != ENCAP_TCP)
		return kw_err(err, len, "serve tcp cannot use encap %s",
		    c->encap == ENCAP_FOU ? "fou" : "gue");
	if (c->remote[0] != '\0')
		return kw_err(err, len, "serve tcp takes no remote: clients "
		    "connect to it");
	if (addr_is_set(&c->local))
		return kw_err(err, len, "serve tcp takes no local: use "
		    "listen ADDRESS");
	if (c->encap_dport != 0)
		return kw_err(err, len, "serve tcp takes no encap-dport: use "
		    "port PORT");
	if (udp_words(c, err, len) == -1)
		return -1;
	if (t->seen & TW_CLIENT_ONLY)
		return kw_err(err, len, "'%s' is for a client (encap tcp), "
		    "not for serve tcp", first_word(t->seen & TW_CLIENT_ONLY));
	if (!(t->seen & TW_PORT))
		return kw_err(err, len, "serve tcp needs port PORT");
	if (!(t->seen & TW_POOL))
		return kw_err(err, len, "serve tcp needs prefix-pool "
		    "PREFIX/LENGTH");
	c->encap = ENCAP_TCP;
	if (t->nlisten == 0) {
		t->listen[0].af = AF_INET;
		t->listen[1].af = AF_INET6;
		t->nlisten = 2;
	}
	return 0;
}

/* encap tcp: a remote, its port, nothing of a server's. */
static int
finish_client(struct ipipd_conf *c, char *err, size_t len)
{
	struct tcp_conf	*t = &c->tcp;

	if (t->seen & TW_SERVER_ONLY)
		return kw_err(err, len, "'%s' is for serve tcp, not for a "
		    "client (encap tcp)", first_word(t->seen & TW_SERVER_ONLY));
	if (c->encap_dport == 0)
		return kw_err(err, len, "encap tcp needs encap-dport PORT");
	if (udp_words(c, err, len) == -1)
		return -1;
	t->role = TCP_ROLE_CLIENT;
	return 0;
}

/* Cross-checks of the TCP keywords; conf_parse.c calls it first. */
int
tcp_conf_finish(struct ipipd_conf *c, char *err, size_t len)
{
	struct tcp_conf	*t = &c->tcp;

	if (t->role == TCP_ROLE_SERVER)
		return finish_server(c, err, len);
	if (c->encap == ENCAP_TCP)
		return finish_client(c, err, len);
	if (t->seen != 0)
		return kw_err(err, len, "'%s' needs encap tcp or serve tcp",
		    first_word(t->seen));
	return 0;
}

int
tcp_conf_is_server(const struct ipipd_conf *c)
{
	return c->tcp.role == TCP_ROLE_SERVER;
}

/* SIGHUP: the TCP settings stay as start-up made them. */
void
tcp_conf_keep(struct ipipd_conf *new, const struct ipipd_conf *old)
{
	if (memcmp(&new->tcp, &old->tcp, sizeof(new->tcp)) != 0)
		log_warnx("reload: new tcp settings need a restart; kept the "
		    "old ones");
	new->tcp = old->tcp;
}

/* ipipd -nv (conf_print.c): the TCP keywords, in the file's syntax. */
static const char *
tmark(const struct tcp_conf *t, unsigned int bit)
{
	return (t->seen & bit) ? "" : "\t# default";
}

static void
print_server(FILE *f, const struct tcp_conf *t)
{
	char	 a[ADDR_STRLEN];
	int	 i;

	fprintf(f, "serve tcp\n");
	for (i = 0; i < t->nlisten; i++)
		fprintf(f, "listen %s%s\n", addr_is_set(&t->listen[i]) ?
		    addr_fmt(&t->listen[i], a, sizeof(a)) :
		    t->listen[i].af == AF_INET ? "0.0.0.0" : "::",
		    tmark(t, TW_LISTEN));
	fprintf(f, "port %u\n", t->port);
	fprintf(f, "prefix-pool %s/%u\n", addr_fmt(&t->pool, a, sizeof(a)),
	    t->pool_plen);
	if (t->assignments[0] != '\0')
		fprintf(f, "assignments %s\n", t->assignments);
	else
		fprintf(f, "# assignments: none, in memory only\t# default\n");
	if (t->allowlist[0] != '\0')
		fprintf(f, "allowlist %s\n", t->allowlist);
	else
		fprintf(f, "# allowlist: none, every identifier gets a /64\t"
		    "# default\n");
	fprintf(f, "max-clients %u%s\n", t->max_clients,
	    tmark(t, TW_MAX_CLIENTS));
	fprintf(f, "max-handshakes %u%s\n", t->max_hs, tmark(t, TW_MAX_HS));
	fprintf(f, "max-handshakes-per-address %u%s\n", t->max_hs_addr,
	    tmark(t, TW_MAX_HS_ADDR));
}

static void
print_client(FILE *f, const struct ipipd_conf *c)
{
	const struct tcp_conf	*t = &c->tcp;

	fprintf(f, "encap tcp\n");
	fprintf(f, "encap-dport %u\n", c->encap_dport);
	if (t->id[0] != '\0')
		fprintf(f, "identifier %s\n", t->id);
	else
		fprintf(f, "# identifier: the uplink's MAC address\t"
		    "# default\n");
	if (t->key[0] != '\0')
		fprintf(f, "key %s\n", t->key);
	else
		fprintf(f, "# key: none\t# default\n");
	if (t->prefix_dev[0] != '\0')
		fprintf(f, "prefix-dev %s\n", t->prefix_dev);
	else
		fprintf(f, "# prefix-dev: the TUN device\t# default\n");
	fprintf(f, "reconnect-interval %u%s\n", t->reconnect_s,
	    tmark(t, TW_RECONNECT));
}

void
tcp_conf_print(FILE *f, const struct ipipd_conf *c)
{
	const struct tcp_conf	*t = &c->tcp;

	if (t->role == TCP_ROLE_SERVER)
		print_server(f, t);
	else
		print_client(f, c);
	fprintf(f, "handshake-timeout %u%s\n", t->hs_timeout_s,
	    tmark(t, TW_HS_TIMEOUT));
	fprintf(f, "send-queue %u%s\n", t->sendq_kb, tmark(t, TW_SENDQ));
	fprintf(f, "# encap-sport, encap-sport-range, listen-port, peer-sport, "
	    "float, keepalive: not used with tcp\n");
}
