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
 * The prefix server's pool and assignments file (priv/pool.c,
 * priv/pool_file.c): the seed's format read back, truncated and hostile
 * files refused with where and why (and left as they are), the atomic
 * write, allocation order, a full pool, and taking back an assignment
 * whose write failed.
 */

#include <sys/stat.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pool.h"

static char	 dir[] = "/tmp/test_pool.XXXXXX";
static int	 dirfd_ = -1;
static char	 err[512];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY);
	return dirfd_ == -1 ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	close(dirfd_);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
put(const char *name, const char *text, size_t len)
{
	int	 fd;

	(void)unlinkat(dirfd_, name, 0);
	fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void
pool48(struct pool *p)
{
	struct in6_addr	 a;

	assert_int_equal(inet_pton(AF_INET6, "2001:db8:100::", &a), 1);
	assert_int_equal(pool_init(p, &a, 48), 0);
}

/* Read name into a /48 pool: 0, or -1 with err. */
static int
load(struct pool *p, const char *name)
{
	json_t	*m;
	int	 r;

	pool48(p);
	if (pool_file_read(dirfd_, name, &m, err, sizeof(err)) == -1)
		return -1;
	r = pool_take_map(p, m, err, sizeof(err));
	json_decref(m);
	return r;
}

static const char *
fmt(uint64_t hi)
{
	static char	 b[64];

	pool_prefix_fmt(hi, b, sizeof(b));
	return b;
}

static void
test_empty_and_missing(void **state)
{
	struct pool	 p;

	(void)state;
	assert_int_equal(load(&p, "missing.json"), 0);
	assert_int_equal(json_object_size(p.map), 0);
	pool_free(&p);
	put("empty.json", "", 0);	/* the seed's "touch FILE" */
	assert_int_equal(load(&p, "empty.json"), 0);
	pool_free(&p);
	put("blank.json", " \n\t\r\n", 5);
	assert_int_equal(load(&p, "blank.json"), 0);
	assert_int_equal(pool_free_count(&p), 65535);
	pool_free(&p);
}

static void
test_seed_format(void **state)
{
	static const char	 seed[] = "{\"00:11:22:aa:bb:cc\": "
				    "\"2001:db8:100:3::/64\", \"Id\\u0041\":"
				    "\"2001:db8:100:1::/64\"}";
	struct pool		 p;
	uint64_t		 hi;

	(void)state;
	put("seed.json", seed, sizeof(seed) - 1);
	assert_int_equal(load(&p, "seed.json"), 0);
	assert_int_equal(pool_lookup(&p, "00:11:22:aa:bb:cc", &hi), 1);
	assert_string_equal(fmt(hi), "2001:db8:100:3::/64");
	assert_int_equal(pool_lookup(&p, "IdA", &hi), 1);
	assert_string_equal(fmt(hi), "2001:db8:100:1::/64");
	assert_int_equal(pool_lookup(&p, "nobody", &hi), 0);
	/* New ones skip what the file holds; index 0 is the server's. */
	assert_int_equal(pool_assign(&p, "n1", &hi), 0);
	assert_string_equal(fmt(hi), "2001:db8:100:2::/64");
	assert_int_equal(pool_assign(&p, "n2", &hi), 0);
	assert_string_equal(fmt(hi), "2001:db8:100:4::/64");
	assert_int_equal(pool_free_count(&p), 65535 - 4);
	pool_free(&p);
}

/*
 * name holding text (len bytes, 0: strlen) must be refused with a
 * message matching what, and left as it was.
 */
static void
refused(const char *name, const char *text, size_t len, const char *what)
{
	struct pool	 p;
	struct stat	 before, after;

	put(name, text, len ? len : strlen(text));
	assert_int_equal(fstatat(dirfd_, name, &before, 0), 0);
	if (load(&p, name) != -1)
		fail_msg("%s was accepted", name);
	if (strstr(err, what) == NULL)
		fail_msg("%s: '%s' does not say '%s'", name, err, what);
	assert_int_equal(fstatat(dirfd_, name, &after, 0), 0);
	assert_int_equal(before.st_size, after.st_size);
	pool_free(&p);
}

static void
test_hostile(void **state)
{
	static const char	 nul[] = "{\"a\":\"2001:db8:100:1::/64\"\0}";
	char			*deep;
	size_t			 i;

	(void)state;
	refused("trunc.json", "{\"a\": \"2001:db8:100:1::/64\", \"b\": \"20",
	    37, "line 1 column");
	refused("trunc2.json", "{\"a\": \"2001:db8:100:1::/64\",\n", 0,
	    "line 2");
	refused("array.json", "[\"a\", \"b\"]", 0, "not a JSON object");
	refused("number.json", "{\"a\": 7}", 0, "\"a\": not a \"PREFIX/64\"");
	refused("len48.json", "{\"a\": \"2001:db8:100::/48\"}", 0,
	    "not a \"PREFIX/64\"");
	refused("hostbits.json", "{\"a\": \"2001:db8:100:1::1/64\"}", 0,
	    "not a \"PREFIX/64\"");
	refused("outside.json", "{\"a\": \"2001:db8:200:1::/64\"}", 0,
	    "outside prefix-pool");
	refused("twice.json", "{\"a\": \"2001:db8:100:1::/64\", "
	    "\"b\": \"2001:db8:100:1::/64\"}", 0, "assigned twice");
	refused("nul.json", nul, sizeof(nul) - 1, "line 1");
	refused("utf8.json", "{\"\xff\": \"2001:db8:100:1::/64\"}", 0,
	    "unable to decode byte 0xff");
	refused("garbage.json", "{} trailing", 0, "end of file expected");
	/* Nesting deeper than jansson takes. */
	deep = malloc(4097);
	assert_non_null(deep);
	for (i = 0; i < 4096; i++)
		deep[i] = i < 2048 ? '[' : ']';
	refused("deep.json", deep, 4096, "line 1");
	free(deep);
}

static void
test_not_a_file(void **state)
{
	struct pool	 p;

	(void)state;
	assert_int_equal(mkdirat(dirfd_, "adir.json", 0755), 0);
	assert_int_equal(load(&p, "adir.json"), -1);
	assert_non_null(strstr(err, "not a regular file"));
	pool_free(&p);
	put("target.json", "{}", 2);
	assert_int_equal(symlinkat("target.json", dirfd_, "link.json"), 0);
	assert_int_equal(load(&p, "link.json"), -1);
	pool_free(&p);
}

static void
test_too_big(void **state)
{
	struct pool	 p;
	int		 fd;

	(void)state;
	fd = openat(dirfd_, "big.json", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd != -1);
	assert_int_equal(ftruncate(fd, POOL_FILE_MAX + 1), 0);
	close(fd);
	assert_int_equal(load(&p, "big.json"), -1);
	assert_non_null(strstr(err, "larger than 64 MiB"));
	pool_free(&p);
}

static void
test_write_read_back(void **state)
{
	struct pool	 p, q;
	uint64_t	 hi, hj;
	char		 id[32];
	struct stat	 st;
	int		 i;

	(void)state;
	pool48(&p);
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "client-%d", i);
		assert_int_equal(pool_assign(&p, id, &hi), 0);
	}
	/* A planted FILE.tmp symlink is replaced, not followed. */
	put("victim", "keep", 4);
	assert_int_equal(symlinkat("victim", dirfd_, "rw.json.tmp"), 0);
	assert_int_equal(pool_file_write(dirfd_, "rw.json", p.map, err,
	    sizeof(err)), 0);
	assert_int_equal(fstatat(dirfd_, "victim", &st, 0), 0);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(fstatat(dirfd_, "rw.json.tmp", &st,
	    AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(load(&q, "rw.json"), 0);
	assert_int_equal(json_object_size(q.map), 1000);
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "client-%d", i);
		assert_int_equal(pool_lookup(&p, id, &hi), 1);
		assert_int_equal(pool_lookup(&q, id, &hj), 1);
		assert_true(hi == hj);
	}
	pool_free(&p);
	pool_free(&q);
}

static void
test_full_and_forget(void **state)
{
	struct pool	 p;
	struct in6_addr	 a;
	uint64_t	 h1, h2, h3, h4;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:200::", &a), 1);
	assert_int_equal(pool_init(&p, &a, 62), 0);
	assert_int_equal(pool_free_count(&p), 3);
	assert_int_equal(pool_assign(&p, "a", &h1), 0);
	assert_int_equal(pool_assign(&p, "b", &h2), 0);
	assert_int_equal(pool_assign(&p, "c", &h3), 0);
	assert_int_equal(pool_assign(&p, "d", &h4), -1);
	assert_int_equal(pool_free_count(&p), 0);
	/* A write that failed: the assignment is taken back. */
	pool_forget(&p, "b", h2);
	assert_int_equal(pool_lookup(&p, "b", &h4), 0);
	assert_int_equal(pool_lookup(&p, "a", &h4), 1);
	assert_int_equal(pool_lookup(&p, "c", &h4), 1);
	assert_int_equal(pool_assign(&p, "d", &h4), 0);
	assert_true(h4 == h2);
	pool_free(&p);
}

static void
test_forget_many(void **state)
{
	struct pool	 p;
	uint64_t	 hi[2000], h;
	char		 id[32];
	int		 i;

	(void)state;
	pool48(&p);
	for (i = 0; i < 2000; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		assert_int_equal(pool_assign(&p, id, &hi[i]), 0);
	}
	for (i = 0; i < 2000; i += 3) {
		snprintf(id, sizeof(id), "c%d", i);
		pool_forget(&p, id, hi[i]);
	}
	assert_int_equal(pool_free_count(&p), 65535 - (2000 - 667));
	/* Those kept are still in use: new ones get other /64s. */
	for (i = 0; i < 2000; i++) {
		snprintf(id, sizeof(id), "new%d", i);
		assert_int_equal(pool_assign(&p, id, &h), 0);
		if (i < 667)
			continue;
	}
	assert_int_equal(pool_free_count(&p), 65535 - (2000 - 667) - 2000);
	pool_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_missing),
		cmocka_unit_test(test_seed_format),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_not_a_file),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_write_read_back),
		cmocka_unit_test(test_full_and_forget),
		cmocka_unit_test(test_forget_many),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
