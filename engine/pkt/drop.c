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

/* Names of the drop reasons, as status output and logs show them. */
#include <stddef.h>

#include "pkt.h"

/*
 * Indexed by enum drop_reason.  These names are an interface (scripts
 * read status output): add new ones, never rename.
 */
static const char *const drop_names[] = {
	[DROP_NONE]		= "none",
	[DROP_TUN_SHORT]	= "tun-short",
	[DROP_TUN_PROTO]	= "tun-proto",
	[DROP_TUN_VERSION]	= "tun-version",
	[DROP_TUN_HDR]		= "tun-hdr",
	[DROP_TUN_MODE]		= "tun-mode",
	[DROP_TUN_TOOBIG]	= "tun-toobig",
	[DROP_TUN_TTL]		= "tun-ttl",
	[DROP_TUN_ENCAPLIMIT]	= "tun-encaplimit",
	[DROP_TUN_FRAG]		= "tun-frag",
	[DROP_TUN_NOPEER]	= "tun-nopeer",
	[DROP_NET_SHORT]	= "net-short",
	[DROP_NET_OUTER_HDR]	= "net-outer-hdr",
	[DROP_NET_SRC]		= "net-src",
	[DROP_NET_DST]		= "net-dst",
	[DROP_NET_PROTO]	= "net-proto",
	[DROP_NET_VERSION]	= "net-version",
	[DROP_NET_INNER_HDR]	= "net-inner-hdr",
	[DROP_NET_MODE]		= "net-mode",
	[DROP_NET_NOPEER]	= "net-nopeer",
	[DROP_NET_MARTIAN]	= "net-martian",
	[DROP_NET_TTL]		= "net-ttl",
	[DROP_NET_ECN]		= "net-ecn",
	[DROP_NET_ENCAP]	= "net-encap",
};

/* A reason added to the enum without a name here fails the build. */
_Static_assert(sizeof(drop_names) / sizeof(drop_names[0]) == DROP_MAX,
    "drop_names does not cover enum drop_reason");

const char *
drop_reason_name(enum drop_reason r)
{
	/* Unsigned, so a negative value from a bad cast is out of range too. */
	if ((unsigned int)r >= DROP_MAX || drop_names[r] == NULL)
		return "unknown";
	return drop_names[r];
}
