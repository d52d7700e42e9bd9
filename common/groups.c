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
 * A process started as the service user cannot drop its supplementary
 * groups (that needs CAP_SETGID), so it can only check them.  None, or
 * the service user's own primary group alone, grant nothing it does not
 * already have: the latter is what initgroups(3) gives, and so what
 * systemd's User= always leaves (SupplementaryGroups= cannot remove it).
 * Any other group could open files the service user cannot.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "groups.h"

#define GROUPS_SHOWN	4	/* named in a refusal; the rest counted */
#define GROUPS_READ	64

/*
 * 0 if list (n groups) is empty or holds only gid (once or more: some
 * callers repeat it); else -1 with the groups named in why.
 */
int
groups_check(const gid_t *list, int n, gid_t gid, char *why, size_t len)
{
	size_t	 off;
	int	 i, bad = 0;

	for (i = 0; i < n; i++)
		if (list[i] != gid)
			bad = 1;
	if (!bad)
		return 0;
	off = (size_t)snprintf(why, len, "supplementary groups");
	for (i = 0; i < n && i < GROUPS_SHOWN && off < len; i++)
		off += (size_t)snprintf(why + off, len - off, " %ld",
		    (long)list[i]);
	if (n > GROUPS_SHOWN && off < len)
		off += (size_t)snprintf(why + off, len - off, " and %d more",
		    n - GROUPS_SHOWN);
	if (off < len)
		snprintf(why + off, len - off, " (none, or only the service "
		    "user's own group %ld, may be there)", (long)gid);
	return -1;
}

/*
 * groups_check() on the calling process's own supplementary groups.
 * More than GROUPS_READ are refused unread: no start-up makes that many
 * copies of one group.
 */
int
groups_only_own(gid_t gid, char *why, size_t len)
{
	gid_t	 list[GROUPS_READ];
	int	 n;

	if ((n = getgroups(0, NULL)) == -1) {
		snprintf(why, len, "getgroups failed");
		return -1;
	}
	if (n > GROUPS_READ) {
		snprintf(why, len, "%d supplementary groups (none, or only "
		    "the service user's own group %ld, may be there)", n,
		    (long)gid);
		return -1;
	}
	if ((n = getgroups(n, list)) == -1) {
		snprintf(why, len, "getgroups failed");
		return -1;
	}
	return groups_check(list, n, gid, why, len);
}
