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

/* An IPv4 or IPv6 address as every ipipd process passes it around. */
#ifndef IPIPD_ADDR_H
#define IPIPD_ADDR_H

#include <netinet/in.h>
#include <stdint.h>

#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */

struct tun_addr {
	uint8_t		 af;	/* AF_INET, AF_INET6, or AF_UNSPEC (none) */
	uint8_t		 pad[3];
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}		 u;
};

int		 addr_eq(const struct tun_addr *, const struct tun_addr *);
int		 addr_is_set(const struct tun_addr *);
const char	*addr_fmt(const struct tun_addr *, char *, size_t);
int		 addr_parse(const char *, struct tun_addr *);
int		 addr_valid(const struct tun_addr *);
const char	*addr_not_unicast(const struct tun_addr *);

#endif /* IPIPD_ADDR_H */
