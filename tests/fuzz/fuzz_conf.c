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
 * Fuzz target: the parent's configuration (priv/conf_parse.c), as
 * parse_args drives it, without its exit()s.  The input is split on
 * NUL and newline into words; leading "-4" / "-6" words pin the family
 * as the options do; then conf_keyword for each keyword and its value,
 * stopping at the first error as badarg would; then conf_finish.
 *
 * The same bytes are also read as a configuration file (-f) with
 * conf_read_file, through a memfd, so the line splitter of
 * priv/conf_file.c is fuzzed too.
 *
 * Checked for any configuration that is accepted: dev is a NUL ended
 * name of 1..15 bytes, remote is set, mtu is 0 or 68..65535,
 * encaplimit -1..255, flowlabel <= 0xfffff, the DSCP fields leave ECN
 * alone, the family is known and agrees with local; every error leaves
 * a NUL ended message.  And what ipipd -nv prints of it
 * (priv/conf_print.c), read back as a file with the same -4/-6, is
 * accepted and prints the same but for the "# default" marks.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_WORDS	64

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_conf: invariant failed at %s:%d: %s\n",\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

static int	 memfd = -1, printfd = -1;

/* conf_print() into a malloc'd string, its "\t# default" marks cut. */
static char *
printed(const struct ipipd_conf *c)
{
	char	*buf = NULL, *p;
	size_t	 len = 0, mlen = strlen("\t# default");
	FILE	*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	conf_print(f, c);
	if (fclose(f) != 0)
		abort();
	while ((p = strstr(buf, "\t# default\n")) != NULL)
		memmove(p, p + mlen, strlen(p + mlen) + 1);
	return buf;
}

/*
 * The -nv output of c read back as a file, with the -4/-6 pin af.  A
 * '#' in the device name cannot be written in a file (it starts a
 * comment), so such a name is not read back.
 */
static void
check_print(const struct ipipd_conf *c, uint8_t af)
{
	struct ipipd_conf	 c2;
	char			*a, *b, path[64], err[512];

	a = printed(c);
	CHECK(strncmp(a, "# ipipd -nv", 11) == 0);
	CHECK(a[strlen(a) - 1] == '\n');
	if (strchr(c->dev, '#') != NULL) {
		free(a);
		return;
	}
	if (printfd == -1 &&
	    (printfd = memfd_create("fuzz_conf_nv", MFD_CLOEXEC)) == -1)
		abort();
	if (ftruncate(printfd, 0) == -1 ||
	    pwrite(printfd, a, strlen(a), 0) != (ssize_t)strlen(a))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", printfd);
	conf_defaults(&c2);
	c2.af = af;
	if (conf_read_file(&c2, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "fuzz_conf: -nv output refused: %s\n%s", err,
		    a);
		abort();
	}
	b = printed(&c2);
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "fuzz_conf: -nv output read back differs:\n"
		    "%s---\n%s", a, b);
		abort();
	}
	free(a);
	free(b);
}

/* err after a failure: a NUL ended, non-empty reason. */
static void
check_err(const char *err, size_t len)
{
	CHECK(memchr(err, '\0', len) != NULL);
	CHECK(err[0] != '\0');
}

/* encap, address and route keywords (priv/conf_encap.c). */
static void
check_conf_encap(const struct ipipd_conf *c)
{
	int	 i, hl;

	CHECK(c->encap <= ENCAP_GUE);
	if (c->encap != ENCAP_NONE) {
		CHECK(c->encap_dport != 0 && c->listen_port != 0);
		CHECK(c->peer_sport != 0 ||
		    (c->encap_flags & ENCAP_F_ANY_SPORT));
		CHECK(conf_udp_sports(c) >= 0 &&
		    conf_udp_sports(c) <= UDP_SPORTS_MAX);
		CHECK(c->sport_lo <= c->sport_hi);
		CHECK(c->sport_lo == 0 || c->listen_port < c->sport_lo ||
		    c->listen_port > c->sport_hi);
	} else
		CHECK(c->encap_dport == 0 && c->encap_flags == 0 &&
		    c->keepalive == 0);
	CHECK(c->naddrs >= 0 && c->naddrs <= CONF_ADDRS_MAX);
	CHECK(c->nroutes >= 0 && c->nroutes <= CONF_ROUTES_MAX);
	for (i = 0; i < c->naddrs; i++) {
		hl = c->addrs[i].addr.af == AF_INET ? 32 : 128;
		CHECK(addr_is_set(&c->addrs[i].addr));
		CHECK(c->addrs[i].plen <= hl);
		CHECK(!addr_is_set(&c->addrs[i].peer) ||
		    c->addrs[i].peer.af == c->addrs[i].addr.af);
	}
	for (i = 0; i < c->nroutes; i++) {
		hl = c->routes[i].dst.af == AF_INET ? 32 : 128;
		CHECK(addr_is_set(&c->routes[i].dst));
		CHECK(c->routes[i].plen <= hl);
	}
}

static void
check_conf(const struct ipipd_conf *c)
{
	uint32_t	 h;

	CHECK(memchr(c->dev, '\0', sizeof(c->dev)) != NULL);
	CHECK(c->dev[0] != '\0');
	CHECK(memchr(c->remote, '\0', sizeof(c->remote)) != NULL);
	CHECK(c->remote[0] != '\0');
	CHECK(c->mtu == 0 || (c->mtu >= 68 && c->mtu <= 65535));
	CHECK(c->encaplimit >= -1 && c->encaplimit <= 255);
	CHECK(c->flowlabel <= 0xfffff);
	CHECK((c->tos & 3) == 0 && (c->tclass & 3) == 0);
	CHECK((c->flags & ~CONF_FLAGS_ALL) == 0);
	CHECK(c->mode >= MODE_ANY && c->mode <= MODE_MPLSIP);
	CHECK(c->af == AF_UNSPEC || c->af == AF_INET || c->af == AF_INET6);
	if (addr_is_set(&c->local))
		CHECK(c->local.af == c->af);
	CHECK(conf_carry(c) != 0 && (conf_carry(c) & ~TUN_CARRY_ALL) == 0);
	h = conf_outer_hdrlen(c, AF_INET);
	CHECK(c->encap == ENCAP_NONE ? h == 20 :
	    h == 28 + (c->encap == ENCAP_GUE ? 4u : 0u));
	h = conf_outer_hdrlen(c, AF_INET6);
	CHECK(c->encap == ENCAP_NONE ? h == 40 || h == 48 :
	    h == 48 + (c->encap == ENCAP_GUE ? 4u : 0u));
	check_conf_encap(c);
}

/* The command line way: words, keywords, conf_finish. */
static void
fuzz_words(const uint8_t *data, size_t size)
{
	struct ipipd_conf	 c;
	char			*copy, *w[MAX_WORDS], err[256];
	size_t			 i, start;
	uint8_t			 pin = AF_UNSPEC;
	int			 n = 0, k, used;

	if ((copy = malloc(size + 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0, start = 0; i <= size && n < MAX_WORDS; i++) {
		if (i == size || copy[i] == '\0' || copy[i] == '\n') {
			copy[i] = '\0';
			/* A trailing separator ends the last word, no more. */
			if (i < size || i > start)
				w[n++] = copy + start;
			start = i + 1;
		}
	}

	conf_defaults(&c);
	/* -4 / -6, as getopt would see them before the keywords. */
	for (k = 0; k < n; k++) {
		if (strcmp(w[k], "-4") == 0 || strcmp(w[k], "-6") == 0) {
			uint8_t	 af = w[k][1] == '4' ? AF_INET : AF_INET6;

			if (c.af != AF_UNSPEC && c.af != af)
				goto out;	/* badarg */
			c.af = pin = af;
		} else
			break;
	}
	for (; k < n; k += 1 + used) {
		memset(err, 0xff, sizeof(err));
		if (conf_keyword(&c, w[k], k + 1 < n ? w[k + 1] : NULL, &used,
		    err, sizeof(err)) == -1) {
			check_err(err, sizeof(err));
			goto out;
		}
		CHECK(used == 0 || used == 1);
		CHECK(used == 0 || k + 1 < n);
	}
	memset(err, 0xff, sizeof(err));
	if (conf_finish(&c, err, sizeof(err)) == -1) {
		check_err(err, sizeof(err));
		goto out;
	}
	check_conf(&c);
	check_print(&c, pin);
out:
	free(copy);
}

/* The -f way: the same bytes as a configuration file. */
static void
fuzz_file(const uint8_t *data, size_t size)
{
	struct ipipd_conf	 c;
	char			 path[64], err[512];

	if (memfd == -1 && (memfd = memfd_create("fuzz_conf", MFD_CLOEXEC)) ==
	    -1)
		abort();
	if (ftruncate(memfd, 0) == -1 ||
	    pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);

	conf_defaults(&c);
	memset(err, 0xff, sizeof(err));
	if (conf_read_file(&c, path, err, sizeof(err)) == -1) {
		check_err(err, sizeof(err));
		return;
	}
	check_conf(&c);
	check_print(&c, AF_UNSPEC);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_words(data, size);
	fuzz_file(data, size);
	return 0;
}
