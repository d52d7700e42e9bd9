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
 * Finding the running daemons: each has a socket named after its
 * device in the runtime directory (/run/ipipd/DEV.sock).
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipipctl.h"

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
ctl_paths_free(char **p, size_t n)
{
	while (n > 0)
		free(p[--n]);
	free(p);
}

/* "tun-rabbit" for /run/ipipd/tun-rabbit.sock */
const char *
ctl_sock_name(const char *path, char *buf, size_t len)
{
	const char	*b = strrchr(path, '/');
	size_t		 n;

	strlcpy(buf, b != NULL ? b + 1 : path, len);
	n = strlen(buf);
	if (n > 5 && strcmp(buf + n - 5, ".sock") == 0)
		buf[n - 5] = '\0';
	return buf;
}

static int
is_sock_name(const char *name)
{
	size_t	 n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".sock") == 0;
}

int
ctl_discover(const char *dir, char ***paths, size_t *np, char *err,
    size_t errlen)
{
	struct dirent	*de;
	struct stat	 st;
	char		 path[512], **p;
	DIR		*d;
	size_t		 n = 0;

	*paths = NULL;
	*np = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			snprintf(err, errlen, "no ipipd is running (%s does "
			    "not exist)", dir);
		else
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((p = calloc(SOCKETS_MAX, sizeof(*p))) == NULL) {
		closedir(d);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while ((de = readdir(d)) != NULL && n < SOCKETS_MAX) {
		if (!is_sock_name(de->d_name) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path) ||
		    lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode))
			continue;
		if ((p[n] = strdup(path)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n == 0) {
		free(p);
		snprintf(err, errlen, "no ipipd is running (no sockets in %s)",
		    dir);
		return -1;
	}
	qsort(p, n, sizeof(*p), cmp);
	*paths = p;
	*np = n;
	return 0;
}
