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
 * The remote keeps answering with ICMP destination unreachable errors:
 * its name may point elsewhere by now.  The parent is told, at most
 * once per window and only after a few errors in it, and resolves the
 * name again (a literal address resolves to itself: no harm).
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "engine.h"
#include "log.h"

#define UNREACH_REPORT		3	/* errors in one window */
#define UNREACH_WINDOW_MS	5000

/* Is the quoted outer packet q one we sent to the current remote? */
static int
quote_to_remote(const struct engine *e, const uint8_t *q, size_t len,
    int af)
{
	const struct tun_addr	*r = &e->peer.remote;

	if (r->af != af)
		return 0;
	if (af == AF_INET)
		return len >= IPV4_HDR_LEN && q[0] >> 4 == 4 &&
		    memcmp(q + 16, &r->u.v4, 4) == 0;
	return len >= IPV6_HDR_LEN && q[0] >> 4 == 6 &&
	    memcmp(q + 24, &r->u.v6, 16) == 0;
}

/* One more error from the remote: tell the parent after a few. */
static void
unreach_count(struct engine *e)
{
	uint64_t	 now = mono_ms();

	if (now - e->unreach_window_ms >= UNREACH_WINDOW_MS) {
		e->unreach_window_ms = now;
		e->unreach_count = 0;
	}
	if (++e->unreach_count != UNREACH_REPORT)
		return;
	if (imsg_compose(&e->ibuf, IMSG_PEER_UNREACH, 0, 0, -1, NULL,
	    0) == -1 || imsg_flush(&e->ibuf) == -1)
		fatal("unreachable report to parent");
}

/* Raw sockets: the error quotes our outer packet, q.  1 if to the remote. */
int
peer_unreach_note(struct engine *e, const uint8_t *q, size_t len, int af)
{
	if (!quote_to_remote(e, q, len, af))
		return 0;
	unreach_count(e);
	return 1;
}

/*
 * UDP sockets: the quote starts after the UDP header, so the outer
 * destination is the one the kernel reported with the error, dst.
 */
int
peer_unreach_note_dst(struct engine *e, const struct tun_addr *dst)
{
	if (!addr_is_set(dst) || !addr_eq(dst, &e->peer.remote))
		return 0;
	unreach_count(e);
	return 1;
}
