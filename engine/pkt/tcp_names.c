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
 * The stable names of why a TCP connection ended and why a packet of
 * the TCP transport was dropped: the log, the SIGUSR1 status line and
 * ipipctl show stats all use these.  Add names, never rename.
 */

#include "tcp_proto.h"

static const char *const cause_names[] = {
	[TC_NONE]		= "none",
	[TC_HS_TIMEOUT]		= "handshake-timeout",
	[TC_HS_TOOBIG]		= "handshake-too-big",
	[TC_HS_MALFORMED]	= "handshake-malformed",
	[TC_HS_NOFIELD]		= "handshake-no-field",
	[TC_BAD_ID]		= "bad-identifier",
	[TC_BAD_PREFIX]		= "bad-prefix",
	[TC_BAD_KEY]		= "bad-key",
	[TC_NOT_ALLOWED]	= "not-allowed",
	[TC_HS_EOF]		= "handshake-closed",
	[TC_MAX_HS]		= "max-handshakes",
	[TC_MAX_HS_ADDR]	= "max-handshakes-per-address",
	[TC_MAX_CLIENTS]	= "max-clients",
	[TC_POOL_FULL]		= "pool-full",
	[TC_ASSIGN_ERROR]	= "assignments-unwritable",
	[TC_DESYNC]		= "desync",
	[TC_REPLACED]		= "replaced",
	[TC_EOF]		= "closed",
	[TC_ERROR]		= "error",
	[TC_NOFD]		= "out-of-fds",
};

_Static_assert(sizeof(cause_names) / sizeof(cause_names[0]) == TC_MAX,
    "cause_names does not cover enum tcp_cause");

const char *
tcp_cause_name(enum tcp_cause c)
{
	if ((unsigned int)c >= TC_MAX)
		return "unknown";
	return cause_names[c];
}

static const char *const drop_names[] = {
	[TD_SPOOF]	= "spoofed",
	[TD_LINKLOCAL]	= "link-local",
	[TD_FAMILY]	= "not-ipv6",
	[TD_SENDQ]	= "send-queue-full",
	[TD_UNASSIGNED]	= "unassigned",
	[TD_NOT_POOL]	= "not-pool",
	[TD_DOWN]	= "no-connection",
	[TD_TUN_WRITE]	= "tun-write",
};

_Static_assert(sizeof(drop_names) / sizeof(drop_names[0]) == TD_MAX,
    "drop_names does not cover enum tcp_drop");

const char *
tcp_drop_name(enum tcp_drop d)
{
	if ((unsigned int)d >= TD_MAX)
		return "unknown";
	return drop_names[d];
}
