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
 * remote ADDRESS|NAME [mtu MTU], the words userland-ipip takes.
 * Parsing only fills struct ipipd_conf; nothing touches the system, so a
 * bad word leaves nothing half-made.
 */

#include <sys/socket.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipipd.h"

void
usage(void)
{
	fprintf(stderr, "usage: %s [-46dnv] [-u user] dev device "
	    "[local address] remote address|name [mtu mtu]\n",
	    getprogname());
	exit(1);
}

/* One line naming the bad word, then the usage line: exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
badarg(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", getprogname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage();
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

static void
set_word(const char *kw, const char *val, struct ipipd_conf *conf,
    unsigned int *seen, unsigned int bit)
{
	const char	*errstr;

	if (*seen & bit)
		badarg("'%s' given twice", kw);
	*seen |= bit;
	if (strcmp(kw, "dev") == 0) {
		if (!valid_ifname(val))
			badarg("bad dev '%s': not a valid interface name", val);
		strlcpy(conf->dev, val, sizeof(conf->dev));
	} else if (strcmp(kw, "local") == 0) {
		if (addr_parse(val, &conf->local) == -1)
			badarg("bad local '%s': not an IPv4 or IPv6 address",
			    val);
	} else if (strcmp(kw, "remote") == 0) {
		struct tun_addr	 a;

		if (addr_parse(val, &a) == -1 && !valid_hostname(val))
			badarg("bad remote '%s': not an address or host name",
			    val);
		strlcpy(conf->remote, val, sizeof(conf->remote));
	} else if (strcmp(kw, "mtu") == 0) {
		conf->mtu = strtonum(val, 68, 65535, &errstr);
		if (errstr != NULL)
			badarg("bad mtu '%s': %s (68 to 65535)", val, errstr);
	}
}

#define W_DEV		0x01
#define W_LOCAL		0x02
#define W_REMOTE	0x04
#define W_MTU		0x08

static unsigned int
keyword_bit(const char *kw)
{
	if (strcmp(kw, "dev") == 0)
		return W_DEV;
	if (strcmp(kw, "local") == 0)
		return W_LOCAL;
	if (strcmp(kw, "remote") == 0)
		return W_REMOTE;
	if (strcmp(kw, "mtu") == 0)
		return W_MTU;
	return 0;
}

/* Options that contradict each other, named in the error. */
static void
check_families(const struct ipipd_conf *conf)
{
	struct tun_addr	 r;
	int		 raf = AF_UNSPEC;

	if (addr_parse(conf->remote, &r) == 0)
		raf = r.af;
	if (conf->af != AF_UNSPEC && raf != AF_UNSPEC && raf != conf->af)
		badarg("remote '%s' is not an IPv%d address", conf->remote,
		    conf->af == AF_INET ? 4 : 6);
	if (conf->af != AF_UNSPEC && conf->local.af != AF_UNSPEC &&
	    conf->local.af != conf->af) {
		char	 buf[ADDR_STRLEN];

		badarg("local '%s' is not an IPv%d address",
		    addr_fmt(&conf->local, buf, sizeof(buf)),
		    conf->af == AF_INET ? 4 : 6);
	}
	if (raf != AF_UNSPEC && conf->local.af != AF_UNSPEC &&
	    raf != conf->local.af)
		badarg("local and remote '%s' differ in address family",
		    conf->remote);
}

int
parse_args(int argc, char **argv, struct ipipd_conf *conf)
{
	unsigned int	 seen = 0, bit;
	int		 ch;

	memset(conf, 0, sizeof(*conf));
	conf->af = AF_UNSPEC;
	strlcpy(conf->user, IPIPD_USER, sizeof(conf->user));
	strlcpy(conf->chroot, IPIPD_CHROOT, sizeof(conf->chroot));

	while ((ch = getopt(argc, argv, "46dnu:v")) != -1) {
		switch (ch) {
		case '4':
			conf->af = AF_INET;
			break;
		case '6':
			conf->af = AF_INET6;
			break;
		case 'd':
			conf->foreground = 1;
			break;
		case 'n':
			conf->noaction = 1;
			break;
		case 'u':
			if (strlen(optarg) == 0 ||
			    strlen(optarg) >= sizeof(conf->user))
				badarg("bad user '%s'", optarg);
			strlcpy(conf->user, optarg, sizeof(conf->user));
			break;
		case 'v':
			conf->verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	for (; argc > 0; argc -= 2, argv += 2) {
		if ((bit = keyword_bit(argv[0])) == 0)
			badarg("unknown word '%s'", argv[0]);
		if (argc < 2)
			badarg("'%s' needs a value", argv[0]);
		set_word(argv[0], argv[1], conf, &seen, bit);
	}
	if (!(seen & W_DEV))
		badarg("missing 'dev DEVICE'");
	if (!(seen & W_REMOTE))
		badarg("missing 'remote ADDRESS'");
	check_families(conf);
	return 0;
}
