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
 * groups_check(): which supplementary group lists a process started as
 * the service user may have (none, or its own group only), and that a
 * refusal names the groups.
 */

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "groups.h"

static void
test_accepted(void **state)
{
	const gid_t	 own[] = { 998 }, twice[] = { 998, 998 };
	char		 why[160] = "";

	(void)state;
	assert_int_equal(groups_check(NULL, 0, 998, why, sizeof(why)), 0);
	assert_int_equal(groups_check(own, 1, 998, why, sizeof(why)), 0);
	assert_int_equal(groups_check(twice, 2, 998, why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

static void
test_refused(void **state)
{
	const gid_t	 root[] = { 0 }, plus[] = { 998, 27 },
			 other[] = { 999 };
	char		 why[160];

	(void)state;
	assert_int_equal(groups_check(root, 1, 998, why, sizeof(why)), -1);
	assert_string_equal(why, "supplementary groups 0 (none, or only the "
	    "service user's own group 998, may be there)");
	assert_int_equal(groups_check(plus, 2, 998, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "groups 998 27 ("));
	assert_int_equal(groups_check(other, 1, 998, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "groups 999 ("));
}

/* A long list: four named, the rest counted; a short buffer holds. */
static void
test_long(void **state)
{
	gid_t	 many[40];
	char	 why[160], tiny[12];
	int	 i;

	(void)state;
	for (i = 0; i < 40; i++)
		many[i] = (gid_t)(100 + i);
	assert_int_equal(groups_check(many, 40, 998, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "groups 100 101 102 103 and 36 more ("));
	assert_int_equal(groups_check(many, 40, 998, tiny, sizeof(tiny)), -1);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
