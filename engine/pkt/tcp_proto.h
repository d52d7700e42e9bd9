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
 * The pure parts of the TCP transport (issue 16), which read bytes from
 * the network and nothing else: the handshake (tcp_hs.c) and the stream
 * framer (tcp_frame.c).  No engine state here, so that the fuzz targets
 * and unit tests link them alone.
 */
#ifndef IPIPD_TCP_PROTO_H
#define IPIPD_TCP_PROTO_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_HS_MAX	1024	/* bytes of a handshake JSON object */
#define TCP_FRAME_MAX	(40 + 65535)	/* largest packet the framer takes */

/* Why a connection is refused or closed: counted, logged once each. */
enum tcp_cause {
	TC_NONE = 0,
	TC_HS_TIMEOUT,		/* no handshake within handshake-timeout */
	TC_HS_TOOBIG,		/* JSON longer than TCP_HS_MAX */
	TC_HS_MALFORMED,	/* not a JSON object */
	TC_HS_NOFIELD,		/* no Id (no Prefix) string in it */
	TC_BAD_ID,		/* not 1..64 printable ASCII bytes */
	TC_BAD_PREFIX,		/* client: not a usable /64 */
	TC_BAD_KEY,		/* a "Key" that is not 1..64 printable */
	TC_NOT_ALLOWED,		/* not in the allowlist, or a wrong key */
	TC_HS_EOF,		/* closed before the handshake ended */
	TC_MAX_HS,		/* max-handshakes reached */
	TC_MAX_HS_ADDR,		/* max-handshakes-per-address reached */
	TC_MAX_CLIENTS,		/* max-clients reached */
	TC_POOL_FULL,		/* no /64 left for a new identifier */
	TC_ASSIGN_ERROR,	/* the assignments file could not be written */
	TC_DESYNC,		/* the stream cannot be framed */
	TC_REPLACED,		/* the identifier connected again */
	TC_EOF,			/* the peer closed */
	TC_ERROR,		/* read or write error (reset, timeout) */
	TC_NOFD,		/* accept: out of fds */
	TC_MAX
};

/* Why a packet of the TCP transport is dropped: counted. */
enum tcp_drop {
	TD_SPOOF = 0,		/* source outside the client's /64 */
	TD_LINKLOCAL,		/* source link-local or :: (RS, DAD) */
	TD_FAMILY,		/* not IPv6 */
	TD_SENDQ,		/* send queue full */
	TD_UNASSIGNED,		/* to a /64 with no client: ICMPv6 sent */
	TD_NOT_POOL,		/* from the TUN, not to the pool */
	TD_DOWN,		/* client: no connection */
	TD_TUN_WRITE,		/* write to the TUN device failed */
	TD_MAX
};

enum tcp_result { TCP_OK, TCP_MORE, TCP_BAD };

/* tcp_frame.c */
enum tcp_result tcp_frame_next(const uint8_t *, size_t, int, size_t *,
	    char *, size_t);

/* tcp_hs.c */
void	 tcp_hs_init(void);
int	 tcp_hs_id_valid(const char *, size_t);
enum tcp_result tcp_hs_read_id(const uint8_t *, size_t, char *, char *,
	    size_t *, enum tcp_cause *, char *, size_t);
enum tcp_result tcp_hs_read_prefix(const uint8_t *, size_t,
	    struct in6_addr *, size_t *, enum tcp_cause *, char *, size_t);
int	 tcp_hs_prefix_usable(const struct in6_addr *);
size_t	 tcp_hs_write_id(const char *, const char *, char *, size_t);
size_t	 tcp_hs_write_prefix(const struct in6_addr *, char *, size_t);
/* tcp_names.c: the stable names of the log, the status and ipipctl */
const char *tcp_cause_name(enum tcp_cause);
const char *tcp_drop_name(enum tcp_drop);

#endif /* IPIPD_TCP_PROTO_H */
