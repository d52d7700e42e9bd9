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
 * The prefix server's pool (serve tcp): which /64 belongs to which
 * client identifier.  The map is the assignments file's own JSON object
 * (identifier -> "PREFIX/64", the seed's format), kept in memory as
 * jansson holds it, so that a write gives back every entry it read.
 */
#ifndef IPIPD_POOL_H
#define IPIPD_POOL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct pool {
	json_t		*map;		/* identifier -> "PREFIX/64" */
	uint64_t	 base;		/* first /64 of the pool (high bits) */
	uint64_t	 size;		/* /64s in the pool */
	uint64_t	 next;		/* index to try first */
	uint64_t	*used;		/* open addressing; 0: empty slot */
	size_t		 used_cap;	/* a power of two */
	size_t		 nused;
};

#define POOL_FILE_MAX	(64 * 1024 * 1024)	/* bytes read, at most */

/* pool.c */
int	 pool_init(struct pool *, const struct in6_addr *, int);
void	 pool_free(struct pool *);
int	 pool_take_map(struct pool *, json_t *, char *, size_t);
int	 pool_lookup(const struct pool *, const char *, uint64_t *);
int	 pool_assign(struct pool *, const char *, uint64_t *);
void	 pool_forget(struct pool *, const char *, uint64_t);
uint64_t pool_free_count(const struct pool *);
void	 pool_prefix_addr(uint64_t, struct in6_addr *);
int	 pool_parse_prefix(const char *, uint64_t *);
void	 pool_prefix_fmt(uint64_t, char *, size_t);

/* pool_file.c */
int	 pool_file_read(int, const char *, json_t **, char *, size_t);
int	 pool_file_write(int, const char *, const json_t *, char *, size_t);

#endif /* IPIPD_POOL_H */
