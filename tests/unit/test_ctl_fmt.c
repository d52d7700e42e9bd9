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
 * ipipctl's numbers (fmt.c): exact without -h; with -h byte counts in
 * KiB, MiB, GiB... (powers of 1024) and other counts in k, M, G...
 * (powers of 1000), as ipipctl(8) says, one decimal; durations in
 * days, hours, minutes and seconds.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipipctl.h"

static const struct opts	 exact = { 0, 0 }, human = { 0, 1 };

#define COUNT(v, bytes, o, want) do {					\
	char	 b_[32];						\
									\
	assert_string_equal(fmt_count((v), (bytes), (o), b_,		\
	    sizeof(b_)), (want));					\
} while (0)

static void
test_exact(void **state)
{
	(void)state;
	COUNT(0, 0, &exact, "0");
	COUNT(1234567, 0, &exact, "1234567");
	COUNT(1234567, 1, &exact, "1234567");
	COUNT(UINT64_MAX, 1, &exact, "18446744073709551615");
}

static void
test_bytes(void **state)
{
	(void)state;
	COUNT(0, 1, &human, "0 B");
	COUNT(1023, 1, &human, "1023 B");
	COUNT(1024, 1, &human, "1.0 KiB");
	COUNT(1536, 1, &human, "1.5 KiB");
	COUNT(92400, 1, &human, "90.2 KiB");
	COUNT(5u << 20, 1, &human, "5.0 MiB");
	COUNT(3ULL << 30, 1, &human, "3.0 GiB");
	COUNT(7ULL << 40, 1, &human, "7.0 TiB");
	COUNT(2ULL << 50, 1, &human, "2.0 PiB");
	/* past the last unit: more PiB */
	COUNT(UINT64_MAX, 1, &human, "16384.0 PiB");
}

static void
test_counts(void **state)
{
	(void)state;
	COUNT(999, 0, &human, "999");
	COUNT(1000, 0, &human, "1.0 k");
	COUNT(1100, 0, &human, "1.1 k");
	COUNT(1024, 0, &human, "1.0 k");
	COUNT(2500000, 0, &human, "2.5 M");
	COUNT(7000000000ULL, 0, &human, "7.0 G");
	COUNT(3000000000000ULL, 0, &human, "3.0 T");
}

/* Just below the next unit: never "1024.0 KiB" or "1000.0 k". */
static void
test_rounding(void **state)
{
	(void)state;
	COUNT((1u << 20) - 1, 1, &human, "1.0 MiB");
	COUNT((1u << 20) - 60, 1, &human, "1023.9 KiB");
	COUNT(999999, 0, &human, "1.0 M");
	COUNT(999940, 0, &human, "999.9 k");
}

static void
test_secs(void **state)
{
	char	 b[32];

	(void)state;
	assert_string_equal(fmt_secs(90061, &exact, b, sizeof(b)), "90061s");
	assert_string_equal(fmt_secs(59, &human, b, sizeof(b)), "59s");
	assert_string_equal(fmt_secs(61, &human, b, sizeof(b)), "1m01s");
	assert_string_equal(fmt_secs(3725, &human, b, sizeof(b)), "1h02m05s");
	assert_string_equal(fmt_secs(90061, &human, b, sizeof(b)),
	    "1d01h01m");
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_secs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
