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
 * The prefix server's allowlist (allowlist FILE): one client per line,
 * its identifier and, optionally, a shared key that the client must
 * send ("Key" in its JSON, the key keyword of an ipipd client):
 *
 *	# comment
 *	00:11:22:aa:bb:cc
 *	site-7	s3cr3t-key
 *
 * Words are 1 to 64 printable ASCII characters without '#'; an
 * identifier twice, or anything after the key, is an error naming the
 * line.  Read once at start; with it, an identifier that is not listed
 * (or comes with the wrong key) gets no /64.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"
#include "allowlist.h"

#define LINE_MAX_LEN	512

static int
word_ok(const char *w)
{
	return strlen(w) <= TCP_ID_MAX && tcp_id_valid(w) &&
	    strchr(w, '#') == NULL;
}

/* One line into map; -1 with why. */
static int
allow_line(json_t *map, char *line, char *why, size_t len)
{
	char	*w[3], *p = line, *save = NULL;
	int	 n = 0;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	for (p = strtok_r(line, " \t\r\n", &save); p != NULL && n < 3;
	    p = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = p;
	if (n == 0)
		return 0;
	if (n == 3)
		return snprintf(why, len, "unexpected '%.40s' after the key",
		    w[2]), -1;
	if (!word_ok(w[0]) || (n == 2 && !word_ok(w[1])))
		return snprintf(why, len, "an identifier or key that is not 1 "
		    "to 64 printable ASCII characters"), -1;
	if (json_object_get(map, w[0]) != NULL)
		return snprintf(why, len, "identifier '%s' given twice",
		    w[0]), -1;
	if (json_object_set_new(map, w[0], json_string(n == 2 ? w[1] : "")) ==
	    -1)
		return snprintf(why, len, "out of memory"), -1;
	return 0;
}

/* The file into *out (identifier -> key or ""); -1 with err. */
int
allowlist_read(const char *path, json_t **out, char *err, size_t len)
{
	char	 line[LINE_MAX_LEN + 2], why[160];
	FILE	*f;
	json_t	*map;
	int	 lineno = 0;

	*out = NULL;
	if ((f = fopen(path, "re")) == NULL)
		return snprintf(err, len, "%s: %s", path, strerror(errno)), -1;
	if ((map = json_object()) == NULL) {
		fclose(f);
		return snprintf(err, len, "%s: out of memory", path), -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, len, "%s:%d: line longer than %d bytes",
			    path, lineno, LINE_MAX_LEN);
			goto fail;
		}
		if (allow_line(map, line, why, sizeof(why)) == -1) {
			snprintf(err, len, "%s:%d: %s", path, lineno, why);
			goto fail;
		}
	}
	if (ferror(f)) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	*out = map;
	return 0;
fail:
	fclose(f);
	json_decref(map);
	return -1;
}

/* 0 when a and b (len bytes each) are equal, in time that does not tell. */
static int
same(const char *a, const char *b, size_t len)
{
	volatile unsigned char	 d = 0;
	size_t			 i;

	for (i = 0; i < len; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d != 0;
}

/*
 * ALLOW_OK, ALLOW_UNLISTED, or ALLOW_BADKEY when id is listed with a key
 * and key is not it (compared in constant time).
 */
int
allowlist_check(const json_t *map, const char *id, const char *key)
{
	const json_t	*v = json_object_get(map, id);
	char		 a[TCP_KEY_MAX + 1], b[TCP_KEY_MAX + 1];

	if (v == NULL || !json_is_string(v))
		return ALLOW_UNLISTED;
	if (json_string_value(v)[0] == '\0')
		return ALLOW_OK;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	strlcpy(a, json_string_value(v), sizeof(a));
	strlcpy(b, key, sizeof(b));
	return same(a, b, sizeof(a)) == 0 ? ALLOW_OK :
	    ALLOW_BADKEY;
}
