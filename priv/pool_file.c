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
 * The assignments file: a JSON object mapping each client identifier
 * to its "PREFIX/64", as the seed's server keeps it.  Read once at
 * start (a file that does not parse stops the start, with where and
 * why, and is never overwritten); written whole after every new
 * assignment and before the client is told, atomically: a temporary
 * file in the same directory, fsync, rename over the old one, fsync
 * of the directory.  A crash at any point leaves the old file or the
 * new one.  An empty file (the seed's "touch FILE") holds nothing.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"

#define TMP_SUFFIX	".tmp"

/* The whole file, NUL ended; -1 with errno (EFBIG when too large). */
static int
slurp(int dirfd, const char *name, char **buf, size_t *len)
{
	struct stat	 st;
	size_t		 have = 0;
	ssize_t		 n = 0;
	int		 fd, saved;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (st.st_size > POOL_FILE_MAX) {
		errno = EFBIG;
		goto fail;
	}
	if ((*buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (have < (size_t)st.st_size) {
		n = read(fd, *buf + have, (size_t)st.st_size - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* shrank while read: parse what is there */
		have += (size_t)n;
	}
	if (n == -1) {
		free(*buf);
		goto fail;
	}
	(*buf)[have] = '\0';
	*len = have;
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static int
blank(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

/*
 * name in dirfd into *out (a new reference to an object): a missing or
 * blank file is an empty object.  -1 with err naming the line, column,
 * byte and reason of a parse error.
 */
int
pool_file_read(int dirfd, const char *name, json_t **out, char *err,
    size_t len)
{
	json_error_t	 je;
	char		*buf = NULL;
	size_t		 n = 0;

	*out = NULL;
	if (slurp(dirfd, name, &buf, &n) == -1) {
		if (errno != ENOENT) {
			snprintf(err, len, "%s", errno == EINVAL ?
			    "not a regular file" : errno == EFBIG ?
			    "larger than 64 MiB" : strerror(errno));
			return -1;
		}
		n = 0;
	}
	if (blank(buf, n)) {
		free(buf);
		if ((*out = json_object()) == NULL)
			return snprintf(err, len, "out of memory"), -1;
		return 0;
	}
	/* Go's reader takes duplicate keys (the last wins); so do we. */
	*out = json_loadb(buf, n, 0, &je);
	free(buf);
	if (*out == NULL) {
		snprintf(err, len, "line %d column %d (byte %d): %s", je.line,
		    je.column, je.position, je.text);
		return -1;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(err, len, "line 1: not a JSON object of identifier: "
		    "prefix");
		return -1;
	}
	return 0;
}

static int
write_all(int fd, const char *s, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* map as name in dirfd, atomically; -1 and err on any failure. */
int
pool_file_write(int dirfd, const char *name, const json_t *map, char *err,
    size_t len)
{
	char	 tmp[512], *text;
	int	 fd, saved;
	size_t	 n;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s", name, TMP_SUFFIX) >=
	    sizeof(tmp))
		return snprintf(err, len, "name too long"), -1;
	if ((text = json_dumps(map, JSON_INDENT(1) | JSON_SORT_KEYS)) == NULL)
		return snprintf(err, len, "out of memory"), -1;
	n = strlen(text);
	if (unlinkat(dirfd, tmp, 0) == -1 && errno != ENOENT) {
		snprintf(err, len, "remove %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0640);
	if (fd == -1) {
		snprintf(err, len, "create %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (write_all(fd, text, n) == -1 || write_all(fd, "\n", 1) == -1 ||
	    fsync(fd) == -1) {
		saved = errno;
		close(fd);
		(void)unlinkat(dirfd, tmp, 0);
		snprintf(err, len, "write %s: %s", tmp, strerror(saved));
		goto fail;
	}
	if (close(fd) == -1 || renameat(dirfd, tmp, dirfd, name) == -1) {
		saved = errno;
		(void)unlinkat(dirfd, tmp, 0);
		snprintf(err, len, "rename %s: %s", tmp, strerror(saved));
		goto fail;
	}
	if (fsync(dirfd) == -1) {
		snprintf(err, len, "fsync of the directory: %s",
		    strerror(errno));
		goto fail;
	}
	free(text);
	return 0;
fail:
	free(text);
	return -1;
}
