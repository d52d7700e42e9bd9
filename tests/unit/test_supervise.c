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
 * Strikes against a child that dies by a signal (priv_supervise.c):
 * one is forgiven per hour, counted from the first strike or the last
 * one forgiven; deaths at any pace below that add up.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "priv.h"

#define SEC	1000ULL
#define HOUR	(3600 * SEC)

/* Deaths 11 s apart (each child lived past the 10 s restart window). */
static void
test_slow_deaths_add_up(void **state)
{
	struct strikes	 k;
	uint64_t	 t = 5 * HOUR;

	(void)state;
	memset(&k, 0, sizeof(k));
	assert_int_equal(strike_add(&k, t), 1);
	assert_int_equal(strike_add(&k, t + 11 * SEC), 2);
	assert_int_equal(strike_add(&k, t + 22 * SEC), 3);
}

/* One strike goes per full hour since the first. */
static void
test_decay(void **state)
{
	struct strikes	 k;
	uint64_t	 t = 1000;

	(void)state;
	memset(&k, 0, sizeof(k));
	assert_int_equal(strike_add(&k, t), 1);
	assert_int_equal(strike_add(&k, t + 10 * SEC), 2);
	/* Just under an hour: nothing forgiven yet. */
	assert_int_equal(strike_add(&k, t + HOUR - 1), 3);
	/* An hour after the first: one forgiven, one added. */
	assert_int_equal(strike_add(&k, t + HOUR), 3);
	/* Two more hours: two forgiven. */
	assert_int_equal(strike_add(&k, t + 3 * HOUR), 2);
}

/* After a long quiet time the count starts from nothing. */
static void
test_forgiven(void **state)
{
	struct strikes	 k;
	uint64_t	 t = 1000;

	(void)state;
	memset(&k, 0, sizeof(k));
	assert_int_equal(strike_add(&k, t), 1);
	assert_int_equal(strike_add(&k, t + SEC), 2);
	assert_int_equal(strike_add(&k, t + 30 * HOUR), 1);
	/* ...and the hour runs from that new first strike. */
	assert_int_equal(strike_add(&k, t + 31 * HOUR - 1), 2);
	assert_int_equal(strike_add(&k, t + 31 * HOUR), 2);
}

/*
 * A death every 50 minutes outpaces the decay: the eighth (after 350
 * minutes) is the third strike standing.  Exactly hourly never grows.
 */
static void
test_steady_pace(void **state)
{
	struct strikes	 k;
	uint64_t	 t;
	int		 i, n = 0;

	(void)state;
	memset(&k, 0, sizeof(k));
	for (i = 0, t = 0; i < 8; i++, t += 50 * 60 * SEC)
		n = strike_add(&k, t);
	assert_int_equal(n, 3);
	memset(&k, 0, sizeof(k));
	for (i = 0, t = 0; i < 8; i++, t += HOUR)
		assert_int_equal(strike_add(&k, t), 1);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_slow_deaths_add_up),
		cmocka_unit_test(test_decay),
		cmocka_unit_test(test_forgiven),
		cmocka_unit_test(test_steady_pace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
