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
 * Unit tests: the rules of every message (common/ipipd_msg.h) and the
 * check every process runs before dispatching (common/imsg_rules.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "imsg.h"
#include "ipipd_msg.h"

#define ALL_P	(IMSG_P_PARENT | IMSG_P_ENGINE | IMSG_P_RESOLVER | \
		    IMSG_P_CLIENT)

static struct imsg
msg(uint32_t type, size_t len, int fd)
{
	struct imsg	 m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = (uint16_t)(IMSG_HEADER_SIZE + len);
	m.fd = fd;
	return m;
}

/* check() with what a rule-keeping message needs, then one change. */
static int
check(const struct imsg *m, int self, int from, unsigned int state,
    uint64_t *seen, char *why)
{
	return imsg_rule_check(m, self, from, state, seen, why, 128);
}

static int
lowest(int mask)
{
	return mask & -mask;
}

/* Every type between IMSG_NONE and IMSG_MAX has its rule. */
static void
test_every_type_has_a_rule(void **state)
{
	uint32_t	 t;

	(void)state;
	assert_null(imsg_rule(IMSG_NONE));
	assert_null(imsg_rule(IMSG_MAX));
	assert_null(imsg_rule(0xffffffff));
	for (t = IMSG_NONE + 1; t < IMSG_MAX; t++) {
		assert_non_null(imsg_rule(t));
		assert_true(imsg_rule(t)->from != 0);
		assert_true(imsg_rule(t)->to != 0);
		assert_true(imsg_rule(t)->len <= MAX_IMSGSIZE -
		    IMSG_HEADER_SIZE);
	}
}

/*
 * The privilege boundary in the table: only the parent sends fds, but
 * for the engine's control request (the client's connection, for the
 * parent to check its credentials); the parent sends only to children
 * and the children only to the parent; a control client (ipipctl) talks
 * to the engine only, and only the engine answers it.
 */
static void
test_boundary(void **state)
{
	const struct imsg_rule	*r;
	uint32_t		 t;

	(void)state;
	for (t = IMSG_NONE + 1; t < IMSG_MAX; t++) {
		r = imsg_rule(t);
		if (r->flags & IMSG_R_FD)
			assert_true(r->from == IMSG_P_PARENT ||
			    (t == IMSG_CTL_REQUEST &&
			    r->from == IMSG_P_ENGINE &&
			    r->to == IMSG_P_PARENT));
		if (r->from & IMSG_P_PARENT) {
			assert_int_equal(r->from, IMSG_P_PARENT);
			assert_false(r->to & (IMSG_P_PARENT | IMSG_P_CLIENT));
		} else if (r->from & IMSG_P_CLIENT) {
			assert_int_equal(r->from, IMSG_P_CLIENT);
			assert_int_equal(r->to, IMSG_P_ENGINE);
			assert_false(r->flags & IMSG_R_FD);
		} else if (r->to & IMSG_P_CLIENT) {
			assert_int_equal(r->from, IMSG_P_ENGINE);
			assert_int_equal(r->to, IMSG_P_CLIENT);
			assert_false(r->flags & IMSG_R_FD);
		} else
			assert_int_equal(r->to, IMSG_P_PARENT);
	}
	assert_int_equal(imsg_rule(IMSG_RESOLVE_ANSWER)->flags,
	    IMSG_R_ANSWER);
	assert_int_equal(imsg_rule(IMSG_ENGINE_READY)->flags,
	    IMSG_R_STARTED);
	assert_int_equal(imsg_rule(IMSG_START)->flags, IMSG_R_ONCE);
}

/* Each rule-keeping message passes; any one thing wrong is refused. */
static void
test_each_rule(void **state)
{
	const struct imsg_rule	*r;
	struct imsg		 m;
	uint64_t		 seen;
	unsigned int		 st = IMSG_S_STARTED | IMSG_S_ASKED;
	char			 why[128];
	uint32_t		 t;
	int			 fd, from, to, p;

	(void)state;
	for (t = IMSG_NONE + 1; t < IMSG_MAX; t++) {
		r = imsg_rule(t);
		fd = (r->flags & IMSG_R_FD) ? 7 : -1;
		from = lowest(r->from);
		to = lowest(r->to);
		seen = 0;
		m = msg(t, r->len, fd);
		assert_int_equal(check(&m, to, from, st, &seen, why), 0);
		seen = 0;
		for (p = 1; p & ALL_P; p <<= 1) {
			if (!(r->from & p))
				assert_int_equal(check(&m, to, p, st, &seen,
				    why), -1);
			if (!(r->to & p))
				assert_int_equal(check(&m, p, from, st, &seen,
				    why), -1);
		}
		m = msg(t, r->len + 1, fd);
		assert_int_equal(check(&m, to, from, st, &seen, why), -1);
		assert_non_null(strstr(why, "malformed"));
		if (r->len > 0) {
			m = msg(t, r->len - 1, fd);
			assert_int_equal(check(&m, to, from, st, &seen, why),
			    -1);
		}
		m = msg(t, r->len, fd == -1 ? 7 : -1);
		assert_int_equal(check(&m, to, from, st, &seen, why), -1);
		assert_non_null(strstr(why, "fd"));
	}
}

/* The messages the rogue child test sends, refused in its words. */
static void
test_when(void **state)
{
	struct imsg	 m;
	uint64_t	 seen = 0, other = 0;
	char		 why[128];

	(void)state;
	m = msg(IMSG_ENGINE_READY, 0, -1);
	assert_int_equal(check(&m, IMSG_P_PARENT, IMSG_P_ENGINE, 0, &seen,
	    why), -1);
	assert_string_equal(why, "engine sent ready before it was started");
	m = msg(IMSG_RESOLVE_ANSWER, sizeof(struct msg_resolve_answer), -1);
	assert_int_equal(check(&m, IMSG_P_PARENT, IMSG_P_RESOLVER,
	    IMSG_S_STARTED, &seen, why), -1);
	assert_non_null(strstr(why, "resolver sent an answer to no question"));
	m = msg(IMSG_PEER, sizeof(struct msg_peer), -1);
	assert_int_equal(check(&m, IMSG_P_PARENT, IMSG_P_RESOLVER,
	    IMSG_S_ASKED, &seen, why), -1);
	assert_string_equal(why, "resolver sent unexpected message type 4");
	m = msg(IMSG_LOG, 3, -1);
	assert_int_equal(check(&m, IMSG_P_PARENT, IMSG_P_ENGINE, 0, &seen,
	    why), -1);
	assert_non_null(strstr(why, "engine sent a malformed log message"));
	/* Once: per receiver, as its seen mask says. */
	m = msg(IMSG_START, 0, -1);
	assert_int_equal(check(&m, IMSG_P_ENGINE, IMSG_P_PARENT, 0, &seen,
	    why), 0);
	assert_int_equal(check(&m, IMSG_P_ENGINE, IMSG_P_PARENT, 0, &seen,
	    why), -1);
	assert_string_equal(why, "parent sent a second start message");
	assert_int_equal(check(&m, IMSG_P_ENGINE, IMSG_P_PARENT, 0, &other,
	    why), 0);
	/* Not once: any number of times. */
	m = msg(IMSG_PEER, sizeof(struct msg_peer), -1);
	assert_int_equal(check(&m, IMSG_P_ENGINE, IMSG_P_PARENT, 0, &seen,
	    why), 0);
	assert_int_equal(check(&m, IMSG_P_ENGINE, IMSG_P_PARENT, 0, &seen,
	    why), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_has_a_rule),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_each_rule),
		cmocka_unit_test(test_when),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
