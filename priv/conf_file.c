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
 * The configuration file (-f): the command line's keywords, one
 * statement per line ("mtu 1460", "nopmtudisc"), '#' to the end of a
 * line is a comment.  Every error names the file, the line and the
 * word; a file with any error is refused as a whole.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

#define CONF_LINE_MAX	1024
/*
 * The longest statement, `address ADDRESS peer ADDRESS`, and one more
 * word to name in the error.
 */
#define CONF_WORDS_MAX	5

/* Split line into at most max words in place; the rest is not looked at. */
static int
split_words(char *line, char **words, int max)
{
	char	*p = line;
	int	 n = 0;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#' || n == max)
			return n;
		words[n++] = p;
		while (*p != '\0' && !isspace((unsigned char)*p) && *p != '#')
			p++;
		if (*p == '#') {
			*p = '\0';
			return n;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* One statement: a keyword and its value, nothing else on the line. */
static int
conf_line(struct ipipd_conf *c, char *line, char *err, size_t len)
{
	char	*w[CONF_WORDS_MAX];
	int	 n, used;

	if ((n = split_words(line, w, CONF_WORDS_MAX)) == 0)
		return 0;
	if (conf_keyword(c, w[0], n > 1 ? w[1] : NULL, &used, err, len) == -1)
		return -1;
	/* address ADDRESS peer ADDRESS: the one statement of two words. */
	if (n >= 3 && used == 1 && strcmp(w[0], "address") == 0 &&
	    strcmp(w[2], "peer") == 0) {
		if (conf_keyword(c, w[2], n >= 4 ? w[3] : NULL, &used, err,
		    len) == -1)
			return -1;
		if (n > 4) {
			snprintf(err, len, "unexpected '%s' after 'peer'",
			    w[4]);
			return -1;
		}
		return 0;
	}
	if (n > 1 + used) {
		snprintf(err, len, "unexpected '%s' after '%s'", w[1 + used],
		    w[0]);
		return -1;
	}
	return 0;
}

/*
 * Read path into c (already holding the defaults and command-line
 * flags).  0, or -1 with "path:line: reason" in err.
 */
/* Remember on which line each keyword (bit of c->seen) was given. */
static void
note_lines(const struct ipipd_conf *c, unsigned int before, int lineno,
    int *lines)
{
	unsigned int	 b;

	for (b = 0; b < CONF_BITS; b++)
		if ((c->seen & ~before) & (1U << b))
			lines[b] = lineno;
}

/* A conflict found once the file is read: on the line of the word at fault. */
static void
finish_error(const struct ipipd_conf *c, const char *path, const int *lines,
    const char *why, char *err, size_t len)
{
	unsigned int	 b;

	for (b = 0; b < CONF_BITS; b++)
		if ((c->bad & (1U << b)) && lines[b] > 0) {
			snprintf(err, len, "%s:%d: %s", path, lines[b], why);
			return;
		}
	snprintf(err, len, "%s: %s", path, why);
}

int
conf_read_file(struct ipipd_conf *c, const char *path, char *err, size_t len)
{
	char		 line[CONF_LINE_MAX + 2], why[256];
	FILE		*f;
	int		 lineno = 0, lines[CONF_BITS] = { 0 };
	unsigned int	 before;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, len, "%s:%d: line too long", path,
			    lineno);
			fclose(f);
			return -1;
		}
		before = c->seen;
		if (conf_line(c, line, why, sizeof(why)) == -1) {
			snprintf(err, len, "%s:%d: %s", path, lineno, why);
			fclose(f);
			return -1;
		}
		note_lines(c, before, lineno, lines);
	}
	if (ferror(f)) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	if (conf_finish(c, why, sizeof(why)) == -1) {
		finish_error(c, path, lines, why, err, len);
		return -1;
	}
	return 0;
}
