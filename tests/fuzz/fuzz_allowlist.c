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
 * Fuzz target: the prefix server's allowlist file (priv/allowlist.c),
 * read through a memfd as the parent reads the file.
 *
 * Input: the file.
 *
 * Invariants: an accepted file gives identifiers and keys of 1 to 64
 * printable ASCII characters without '#' (keys may be empty: none);
 * allowlist_check() agrees with what was read: a listed identifier with
 * its own key is ALLOW_OK, an unlisted one ALLOW_UNLISTED; a refused
 * file leaves a NUL ended, non-empty reason.
 */
#include <sys/types.h>
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "allowlist.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_allowlist: invariant failed at %s:%d: "\
		    "%s\n", __FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

static int	 memfd = -1;

static int
word_ok(const char *w, int may_be_empty)
{
	size_t	 i, n = strlen(w);

	if (n == 0)
		return may_be_empty;
	if (n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (w[i] < 0x21 || w[i] > 0x7e || w[i] == '#')
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 path[64], err[512];
	const char	*id;
	json_t		*map, *v;

	if (memfd == -1 && (memfd = memfd_create("fuzz_allowlist",
	    MFD_CLOEXEC)) == -1)
		abort();
	if (ftruncate(memfd, 0) == -1 ||
	    (size > 0 && pwrite(memfd, data, size, 0) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	err[0] = '\0';
	if (allowlist_read(path, &map, err, sizeof(err)) == -1) {
		CHECK(map == NULL);
		CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
		return 0;
	}
	json_object_foreach(map, id, v) {
		CHECK(word_ok(id, 0));
		CHECK(json_is_string(v) && word_ok(json_string_value(v), 1));
		CHECK(allowlist_check(map, id, json_string_value(v)) ==
		    ALLOW_OK);
	}
	CHECK(allowlist_check(map, "id with space", "") == ALLOW_UNLISTED);
	json_decref(map);
	return 0;
}
