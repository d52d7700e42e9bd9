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

#include <sys/socket.h>
#include <arpa/inet.h>

#include <string.h>

#include "addr.h"

int
addr_eq(const struct tun_addr *a, const struct tun_addr *b)
{
	if (a->af != b->af)
		return 0;
	switch (a->af) {
	case AF_INET:
		return a->u.v4.s_addr == b->u.v4.s_addr;
	case AF_INET6:
		return memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6)) == 0;
	}
	return 1;	/* both unset */
}

int
addr_is_set(const struct tun_addr *a)
{
	return a->af == AF_INET || a->af == AF_INET6;
}

/*
 * Why a can be no tunnel endpoint, or NULL when it is a unicast address.
 * Outer packets to these would loop back, fan out or leave as the other
 * family (an IPv4-mapped address on an IPv6 socket).
 */
const char *
addr_not_unicast(const struct tun_addr *a)
{
	const uint8_t	*b = (const uint8_t *)&a->u;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	switch (a->af) {
	case AF_INET:
		if (b[0] == 0)
			return "not a host address (0.0.0.0/8)";
		if (b[0] == 127)
			return "a loopback address";
		if (b[0] >= 224 && b[0] < 240)
			return "a multicast address";
		if (b[0] >= 240)
			return "a reserved or broadcast address";
		return NULL;
	case AF_INET6:
		if (IN6_IS_ADDR_UNSPECIFIED(&a->u.v6))
			return "the unspecified address";
		if (IN6_IS_ADDR_LOOPBACK(&a->u.v6))
			return "a loopback address";
		if (IN6_IS_ADDR_MULTICAST(&a->u.v6))
			return "a multicast address";
		if (memcmp(b, mapped, sizeof(mapped)) == 0)
			return "an IPv4-mapped address";
		return NULL;
	}
	return "no address";
}

/* A struct tun_addr from another process: a known family or none. */
int
addr_valid(const struct tun_addr *a)
{
	return a->af == AF_INET || a->af == AF_INET6 || a->af == AF_UNSPEC;
}

const char *
addr_fmt(const struct tun_addr *a, char *buf, size_t len)
{
	const char *s = NULL;

	switch (a->af) {
	case AF_INET:
		s = inet_ntop(AF_INET, &a->u.v4, buf, len);
		break;
	case AF_INET6:
		s = inet_ntop(AF_INET6, &a->u.v6, buf, len);
		break;
	}
	if (s == NULL)
		strlcpy(buf, "none", len);
	return buf;
}

/* Parse a numeric IPv4 or IPv6 address; 0 on success, -1 if it is not. */
int
addr_parse(const char *s, struct tun_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->af = AF_INET6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -1;
}
