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

/* The keyword table and the configuration file reader. */

#include <sys/socket.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "priv.h"

static char	 err[512];

/* Apply NULL-terminated keyword/value words as parse_args does. */
static int
apply(struct ipipd_conf *c, const char *const *w)
{
	int	 used;

	conf_defaults(c);
	for (; *w != NULL; w += 1 + used)
		if (conf_keyword(c, w[0], w[1], &used, err, sizeof(err)) == -1)
			return -1;
	return conf_finish(c, err, sizeof(err));
}

static void
test_defaults(void **state)
{
	struct ipipd_conf	 c;
	const char		*w[] = { "dev", "tun0", "remote", "192.0.2.2",
				    NULL };

	(void)state;
	assert_int_equal(apply(&c, w), 0);
	assert_string_equal(c.dev, "tun0");
	assert_int_equal(c.af, AF_INET);	/* from the literal */
	assert_int_equal(c.ttl, 64);
	assert_int_equal(c.encaplimit, 4);
	assert_int_equal(c.flags, CONF_PMTUDISC | CONF_OFFLOAD);
	assert_int_equal(c.mtu, 0);
	assert_int_equal(conf_carry(&c), TUN_CARRY_ALL);
	assert_int_equal(conf_outer_hdrlen(&c, AF_INET), 20);
	assert_int_equal(conf_outer_hdrlen(&c, AF_INET6), 48);
}

static void
test_options(void **state)
{
	struct ipipd_conf	 c;
	const char		*w[] = { "dev", "t", "remote", "2001:db8::2",
				    "ttl", "inherit", "tclass", "0x20",
				    "flowlabel", "0x12345", "encaplimit", "none",
				    "mode", "ip6ip6", "nopmtudisc", "mtu", "9000",
				    NULL };

	(void)state;
	assert_int_equal(apply(&c, w), 0);
	assert_int_equal(c.ttl, 0);
	assert_int_equal(c.tclass, 0x20);
	assert_int_equal(c.flowlabel, 0x12345);
	assert_int_equal(c.encaplimit, ENCAPLIMIT_NONE);
	assert_int_equal(c.flags & CONF_PMTUDISC, 0);
	assert_int_equal(c.mtu, 9000);
	assert_int_equal(conf_carry(&c), TUN_CARRY_V6);
	assert_int_equal(conf_outer_hdrlen(&c, AF_INET6), 40);
}

/* offload on|off (issue 8): only the one flag changes. */
static void
test_offload_keyword(void **state)
{
	struct ipipd_conf	 c;
	const char		*off[] = { "dev", "t", "remote", "r", "offload",
				    "off", NULL };
	const char		*on[] = { "dev", "t", "remote", "r", "offload",
				    "on", "nopmtudisc", NULL };

	(void)state;
	assert_int_equal(apply(&c, off), 0);
	assert_int_equal(c.flags, CONF_PMTUDISC);
	assert_int_equal(apply(&c, on), 0);
	assert_int_equal(c.flags, CONF_OFFLOAD);
}

/* Each bad line must fail, and the message must name the bad word. */
static void
test_errors(void **state)
{
	static const struct {
		const char	*w[8];
		const char	*names;
	} bad[] = {
		{ { "dev", "t", "remote", "r", "mtu", "67", NULL }, "67" },
		{ { "dev", "t", "remote", "r", "mtu", "1e3", NULL }, "1e3" },
		{ { "dev", "t", "remote", "r", "ttl", "0", NULL }, "ttl" },
		{ { "dev", "t", "remote", "r", "tos", "3", NULL }, "ECN" },
		{ { "dev", "t", "remote", "r", "bogus", "1", NULL }, "bogus" },
		{ { "dev", "t", "remote", "r", "mode", "gre", NULL }, "gre" },
		{ { "dev", "a/b", "remote", "r", NULL }, "a/b" },
		{ { "dev", "t", "remote", "-x", NULL }, "-x" },
		{ { "dev", "t", "dev", "u", "remote", "r", NULL }, "twice" },
		{ { "dev", "t", NULL }, "remote" },
		{ { "remote", "r", NULL }, "dev" },
		{ { "dev", "t", "remote", "192.0.2.1", "local", "::1", NULL },
		    "::1" },
		{ { "dev", "t", "remote", "192.0.2.1", "tclass", "8", NULL },
		    "IPv4" },
		{ { "dev", "t", "remote", "2001:db8::1", "tos", "8", NULL },
		    "tclass" },
		{ { "dev", "t", "remote", "192.0.2.1", "mode", "ip6ip6",
		    NULL }, "192.0.2.1" },
		{ { "dev", "t", "remote", "r", "mtu", NULL }, "value" },
		{ { "dev", "t", "remote", "192.0.2.1", "mtu", "65516", NULL },
		    "65515" },
		{ { "dev", "t", "remote", "2001:db8::1", "mtu", "65528",
		    NULL }, "65527" },
		{ { "dev", "t", "remote", "r", "offload", "yes", NULL },
		    "yes" },
		{ { "offload", "on", "offload", "off", NULL }, "twice" },
	};
	struct ipipd_conf	 c;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(apply(&c, bad[i].w), -1);
		if (strstr(err, bad[i].names) == NULL)
			fail_msg("case %zu: '%s' does not name '%s'", i, err,
			    bad[i].names);
	}
}

/* The largest MTUs an outer packet can hold are accepted. */
static void
test_max_mtu(void **state)
{
	const char	*v4[] = { "dev", "t", "remote", "192.0.2.1", "mtu",
			    "65515", NULL };
	const char	*v6[] = { "dev", "t", "remote", "2001:db8::1", "mtu",
			    "65535", "encaplimit", "none", NULL };
	const char	*any[] = { "dev", "t", "remote", "r", "mtu", "65535",
			    NULL };
	struct ipipd_conf	 c;

	(void)state;
	assert_int_equal(apply(&c, v4), 0);
	assert_int_equal(apply(&c, v6), 0);
	/* Family unknown until the name resolves: checked at start-up. */
	assert_int_equal(apply(&c, any), 0);
	assert_int_equal(conf_max_mtu(&c, AF_INET), 65515);
	assert_int_equal(conf_max_mtu(&c, AF_INET6), 65527);
}

/* conf_check_mtu: one family, or either (the smaller limit, IPv4). */
static void
test_check_mtu(void **state)
{
	const char	*w[] = { "dev", "t", "remote", "r", "mtu", "65520",
			    NULL };
	struct ipipd_conf	 c;

	(void)state;
	assert_int_equal(apply(&c, w), 0);
	assert_int_equal(conf_check_mtu(&c, AF_INET6, err, sizeof(err)), 0);
	assert_int_equal(conf_check_mtu(&c, AF_INET, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mtu 65520 is too large: an outer IPv4 "
	    "packet holds at most 65515"));
	err[0] = '\0';
	assert_int_equal(conf_check_mtu(&c, AF_UNSPEC, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "65515"));
}

/*
 * conf_check on what a reload merges: good words alone, refused with
 * what start-up kept (a local address, the encap settings).
 */
static void
test_check_merged(void **state)
{
	const char	*v6[] = { "dev", "t", "remote", "2001:db8::2", NULL };
	const char	*big[] = { "dev", "t", "remote", "192.0.2.2", "mtu",
			    "65515", NULL };
	struct ipipd_conf	 c;

	(void)state;
	assert_int_equal(apply(&c, v6), 0);
	assert_int_equal(addr_parse("192.0.2.1", &c.local), 0);
	c.af = c.local.af;	/* as priv_reload() pins it */
	assert_int_equal(conf_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "remote '2001:db8::2' is not an IPv4"));

	assert_int_equal(apply(&c, big), 0);
	c.encap = ENCAP_FOU;	/* 8 bytes of UDP header more */
	c.af = c.af_flag;
	assert_int_equal(conf_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 65507 bytes"));
}

/* conf_pin_word names what pins the family, for the reload's messages. */
static void
test_pin_word(void **state)
{
	const char	*mode[] = { "dev", "t", "remote", "r", "mode", "ipip",
			    NULL };
	const char	*lit[] = { "dev", "t", "remote", "2001:db8::2", NULL };
	struct ipipd_conf	 c;
	char			 w[64];

	(void)state;
	assert_int_equal(apply(&c, mode), 0);
	conf_pin_word(&c, w, sizeof(w));
	assert_string_equal(w, "mode ipip");
	assert_int_equal(apply(&c, lit), 0);
	conf_pin_word(&c, w, sizeof(w));
	assert_string_equal(w, "remote 2001:db8::2");
}

static char *
write_file(const char *text)
{
	static char	 path[] = "/tmp/ipipd-conf-XXXXXX";
	int		 fd;

	strlcpy(path, "/tmp/ipipd-conf-XXXXXX", sizeof(path));
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_file(void **state)
{
	struct ipipd_conf	 c;
	char			*p;

	(void)state;
	p = write_file("# a tunnel\n\ndev tun7   # comment\n"
	    "  remote rabbit.example\nmtu 1400\nnopmtudisc\n");
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, p, err, sizeof(err)), 0);
	assert_string_equal(c.dev, "tun7");
	assert_string_equal(c.remote, "rabbit.example");
	assert_int_equal(c.mtu, 1400);
	assert_int_equal(c.flags & CONF_PMTUDISC, 0);
	unlink(p);

	p = write_file("dev tun7\nremote r\nmtu 1400 1500\n");
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: unexpected '1500'"));
	unlink(p);

	p = write_file("dev tun7\nremote r\nttl 300\n");
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: bad ttl '300'"));
	unlink(p);

	p = write_file("dev tun7\n");
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing 'remote"));
	unlink(p);

	/* A conflict is reported on the line of the word at fault. */
	p = write_file("dev tun7\nremote 192.0.2.1\n\ntclass 8\n");
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":4: 'tclass' is for an IPv6"));
	unlink(p);

	p = write_file("dev tun7\nlocal 2001:db8::1\nremote 192.0.2.1\n");
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: local '2001:db8::1'"));
	unlink(p);

	/* Many words: the first one too many is named. */
	p = write_file("dev tun7\nremote r\nnopmtudisc a b c d\n");
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: unexpected 'a' after 'nopmtudisc'"));
	unlink(p);

	p = write_file("dev tun7\nremote r\nfrobnicate 1\n");
	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: unknown word 'frobnicate'"));
	unlink(p);

	conf_defaults(&c);
	assert_int_equal(conf_read_file(&c, "/nonexistent/x", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_offload_keyword),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_max_mtu),
		cmocka_unit_test(test_check_mtu),
		cmocka_unit_test(test_check_merged),
		cmocka_unit_test(test_pin_word),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
