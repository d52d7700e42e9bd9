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
 * The pool of /64s: lookups by identifier go through the JSON object,
 * the set of prefixes in use is a hash set of their upper 64 bits.  A
 * new identifier gets the next free /64 after the last one handed out;
 * index 0 of the pool stays the server's own.  An assignment is never
 * taken back from an identifier.
 */

#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

/* splitmix64's finaliser: prefixes differ in their low bits only. */
static size_t
hash64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)x;
}

static int
used_has(const struct pool *p, uint64_t v)
{
	size_t	 i;

	for (i = hash64(v) & (p->used_cap - 1); p->used[i] != 0;
	    i = (i + 1) & (p->used_cap - 1))
		if (p->used[i] == v)
			return 1;
	return 0;
}

static int
used_grow(struct pool *p)
{
	uint64_t	*old = p->used;
	size_t		 oldcap = p->used_cap, i, j;

	if ((p->used = calloc(oldcap * 2, sizeof(*p->used))) == NULL) {
		p->used = old;
		return -1;
	}
	p->used_cap = oldcap * 2;
	for (i = 0; i < oldcap; i++) {
		if (old[i] == 0)
			continue;
		for (j = hash64(old[i]) & (p->used_cap - 1); p->used[j] != 0;
		    j = (j + 1) & (p->used_cap - 1))
			;
		p->used[j] = old[i];
	}
	free(old);
	return 0;
}

/* Kept at most half full, so that probes stay short. */
static int
used_add(struct pool *p, uint64_t v)
{
	size_t	 i;

	if ((p->nused + 1) * 2 > p->used_cap && used_grow(p) == -1)
		return -1;
	for (i = hash64(v) & (p->used_cap - 1); p->used[i] != 0;
	    i = (i + 1) & (p->used_cap - 1))
		if (p->used[i] == v)
			return 0;
	p->used[i] = v;
	p->nused++;
	return 0;
}

/* Backward-shift deletion: no tombstones for the probes to skip. */
static void
used_del(struct pool *p, uint64_t v)
{
	size_t	 i, j, k, mask = p->used_cap - 1;

	for (i = hash64(v) & mask; p->used[i] != v; i = (i + 1) & mask)
		if (p->used[i] == 0)
			return;
	p->used[i] = 0;
	p->nused--;
	for (j = (i + 1) & mask; p->used[j] != 0; j = (j + 1) & mask) {
		k = hash64(p->used[j]) & mask;
		/* Move j back to i unless its home lies in (i, j]. */
		if ((i < j) ? (k > i && k <= j) : (k > i || k <= j))
			continue;
		p->used[i] = p->used[j];
		p->used[j] = 0;
		i = j;
	}
}

int
pool_init(struct pool *p, const struct in6_addr *pfx, int plen)
{
	uint64_t	 hi = 0;
	int		 i;

	memset(p, 0, sizeof(*p));
	if (plen < 1 || plen > 63)
		return -1;
	for (i = 0; i < 8; i++)
		hi = hi << 8 | pfx->s6_addr[i];
	p->size = 1ULL << (64 - plen);
	p->base = hi & ~(p->size - 1);
	p->next = 1;
	p->used_cap = 64;
	if ((p->used = calloc(p->used_cap, sizeof(*p->used))) == NULL ||
	    (p->map = json_object()) == NULL) {
		pool_free(p);
		return -1;
	}
	return 0;
}

void
pool_free(struct pool *p)
{
	free(p->used);
	json_decref(p->map);
	memset(p, 0, sizeof(*p));
}

void
pool_prefix_addr(uint64_t hi, struct in6_addr *a)
{
	int	 i;

	memset(a, 0, sizeof(*a));
	for (i = 7; i >= 0; i--, hi >>= 8)
		a->s6_addr[i] = (uint8_t)hi;
}

void
pool_prefix_fmt(uint64_t hi, char *buf, size_t len)
{
	struct in6_addr	 a;
	char		 s[INET6_ADDRSTRLEN];

	pool_prefix_addr(hi, &a);
	inet_ntop(AF_INET6, &a, s, sizeof(s));
	snprintf(buf, len, "%s/64", s);
}

/* "ADDRESS/64" with no bits after the 64th: 0 and *hi. */
int
pool_parse_prefix(const char *s, uint64_t *hi)
{
	char		 buf[INET6_ADDRSTRLEN + 4], *slash;
	struct in6_addr	 a;
	int		 i;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf) ||
	    (slash = strchr(buf, '/')) == NULL || strcmp(slash, "/64") != 0)
		return -1;
	*slash = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return -1;
	for (i = 8; i < 16; i++)
		if (a.s6_addr[i] != 0)
			return -1;
	for (*hi = 0, i = 0; i < 8; i++)
		*hi = *hi << 8 | a.s6_addr[i];
	return 0;
}

static int
in_pool(const struct pool *p, uint64_t hi)
{
	return (hi & ~(p->size - 1)) == p->base;
}

/*
 * Adopt the map an assignments file held: every value a /64 of the
 * pool, no /64 twice.  On error the pool is unchanged and err names
 * the identifier and what is wrong with its prefix.
 */
int
pool_take_map(struct pool *p, json_t *map, char *err, size_t len)
{
	const char	*id;
	json_t		*v;
	uint64_t	 hi;
	char		 pb[64];

	if (!json_is_object(map))
		return snprintf(err, len, "not a JSON object"), -1;
	json_object_foreach(map, id, v) {
		if (!json_is_string(v) ||
		    pool_parse_prefix(json_string_value(v), &hi) == -1) {
			snprintf(err, len, "\"%.80s\": not a \"PREFIX/64\" "
			    "string", id);
			goto fail;
		}
		if (!in_pool(p, hi)) {
			pool_prefix_fmt(p->base, pb, sizeof(pb));
			snprintf(err, len, "\"%.80s\": %s is outside "
			    "prefix-pool %s (base)", id, json_string_value(v),
			    pb);
			goto fail;
		}
		if (used_has(p, hi)) {
			snprintf(err, len, "\"%.80s\": %s is assigned twice",
			    id, json_string_value(v));
			goto fail;
		}
		if (used_add(p, hi) == -1) {
			snprintf(err, len, "out of memory");
			goto fail;
		}
	}
	json_decref(p->map);
	p->map = json_incref(map);
	return 0;
fail:
	memset(p->used, 0, p->used_cap * sizeof(*p->used));
	p->nused = 0;
	return -1;
}

/* 1 and *hi when id has a /64, else 0. */
int
pool_lookup(const struct pool *p, const char *id, uint64_t *hi)
{
	json_t	*v = json_object_get(p->map, id);

	if (v == NULL || !json_is_string(v))
		return 0;
	return pool_parse_prefix(json_string_value(v), hi) == 0;
}

uint64_t
pool_free_count(const struct pool *p)
{
	/* Index 0 is the server's; every used /64 is inside the pool. */
	return p->size - 1 - (used_has(p, p->base) ? p->nused - 1 : p->nused);
}

/* A /64 for a new id: 0 and *hi, -1 when the pool is full. */
int
pool_assign(struct pool *p, const char *id, uint64_t *hi)
{
	uint64_t	 i, tried;
	char		 buf[64];
	json_t		*s;

	if (pool_free_count(p) == 0)
		return -1;
	for (i = p->next, tried = 0; tried < p->size; tried++, i++) {
		if (i >= p->size)
			i = 1;
		if (!used_has(p, p->base + i))
			break;
	}
	if (tried == p->size)
		return -1;
	*hi = p->base + i;
	pool_prefix_fmt(*hi, buf, sizeof(buf));
	if ((s = json_string(buf)) == NULL || used_add(p, *hi) == -1) {
		json_decref(s);
		return -1;
	}
	if (json_object_set_new(p->map, id, s) == -1) {
		used_del(p, *hi);
		return -1;
	}
	p->next = i + 1 >= p->size ? 1 : i + 1;
	return 0;
}

/* Undo pool_assign() (the file could not be written). */
void
pool_forget(struct pool *p, const char *id, uint64_t hi)
{
	json_object_del(p->map, id);
	used_del(p, hi);
}
