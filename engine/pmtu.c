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
 * Path MTU towards the remote and the rate limit of generated ICMP:
 * the two pieces of engine state that depend on time.
 */

#include <sys/socket.h>

#include "engine.h"

/* A new route or link MTU from the parent replaces everything learned. */
void
pmtu_reset(struct pmtu *p, uint32_t link)
{
	p->link = link;
	p->cur = link;
	p->expires = 0;
}

/* The current path MTU; a lowered value expires back to the link's. */
uint32_t
pmtu_get(struct pmtu *p)
{
	if (p->cur < p->link && mono_ms() >= p->expires)
		p->cur = p->link;
	return p->cur;
}

/*
 * An ICMP "fragmentation needed" / "packet too big" or a local
 * EMSGSIZE reported mtu.  Values below what the family allows are
 * raised to the minimum (Linux: min_pmtu 552, IPv6 1280) so a forged
 * error cannot make us fragment into tiny pieces.  1 if it changed.
 */
int
pmtu_lower(struct pmtu *p, uint32_t mtu, int af)
{
	uint32_t	 floor = af == AF_INET ? 552 : 1280;

	if (mtu < floor)
		mtu = floor;
	if (mtu >= pmtu_get(p))
		return 0;
	p->cur = mtu;
	p->expires = mono_ms() + PMTU_EXPIRES_MS;
	return 1;
}

int
ratelimit_allow(struct ratelimit *r)
{
	uint64_t	 now = mono_ms(), add;

	add = (now - r->last_ms) * ICMP_RATE / 1000;
	if (add > 0) {
		r->tokens = add + r->tokens > ICMP_BURST ? ICMP_BURST :
		    (uint32_t)(add + r->tokens);
		r->last_ms = now;
	}
	if (r->tokens == 0)
		return 0;
	r->tokens--;
	return 1;
}
