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
 * The engine's side of the control socket (ipipctl(8)): the clients it
 * serves, each with fixed buffers, and the hints it keeps.  A client
 * costs a bounded amount of memory and work whatever it sends, and one
 * that stops reading is dropped, never waited for.
 */
#ifndef IPIPD_CONTROL_H
#define IPIPD_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"
#include "ipipd_msg.h"

#define CTL_REQ_MAX	(IMSG_HEADER_SIZE + sizeof(struct msg_set_verbose))
#define CTL_RBUF	64	/* bytes read ahead: a few requests */
#define CTL_WBUF	8192	/* the largest reply fits (control_req.c) */
#define CTL_IDLE_MS	10000	/* to send a whole request */
#define CTL_STALL_MS	5000	/* to take a whole reply */
#define CTL_PARK_MS	60000	/* at the parent (resolve waits) */

struct ctl_conn {
	int		 used;
	int		 fd;		/* -1 while at the parent */
	uint32_t	 id;		/* request at the parent, 0: none */
	int		 closing;	/* after this reply */
	uint32_t	 more;		/* show clients: 1 + next slot, 0 */
	uint64_t	 deadline_ms;
	size_t		 rlen;
	size_t		 wlen, woff;
	uint8_t		 rbuf[CTL_RBUF];
	uint8_t		 wbuf[CTL_WBUF];
};

/* What happened on the control socket: ipipctl show stats, group control. */
struct ctl_stats {
	uint64_t	 clients;	/* accepted */
	uint64_t	 requests;	/* answered or forwarded */
	uint64_t	 bad;		/* malformed, oversized, truncated */
	uint64_t	 timeouts;	/* too slow to ask or to read */
	uint64_t	 denied;	/* the parent said no */
	uint64_t	 full;		/* every slot taken: accept paused */
};

/* Likely misconfigurations the drops point at (hints.c). */
enum hint_cause {
	HINT_PEER_SPORT,	/* FOU/GUE from the remote, another port */
	HINT_SRC,		/* from an address that is not the remote */
	HINT_MODE,		/* an inner family the mode does not carry */
	HINT_PROTO,		/* GUE carrying a protocol we do not */
	HINT_UNREACH,		/* the remote answers port/proto unreachable */
	HINT_MAX
};

#define HINT_LOG_MS	60000	/* one log line per cause and minute */
#define HINT_SHOW_MS	600000	/* shown while seen in the last 10 min */

struct hint {
	uint64_t	 count;		/* packets that showed it */
	uint64_t	 last_ms, logged_ms;
	struct tun_addr	 addr;		/* who sent them */
	uint16_t	 port;		/* their source port (HINT_PEER_SPORT) */
	uint8_t		 proto;		/* inner protocol; ICMP code */
	uint8_t		 udp;		/* came over UDP */
	uint64_t	 window_ms;	/* HINT_SRC: remote silent since */
	uint64_t	 mark;		/* HINT_SRC: tun_tx_pkts then */
};

struct control {
	int			 lfd;		/* listening socket, or -1 */
	char			 group[32];
	struct msg_ctl_status	 st;		/* from the parent */
	uint32_t		 next_id;
	uint64_t		 start_ms;	/* the engine's */
	struct ctl_conn		 conns[CTL_CLIENTS_MAX];
	int			 pfd_conn[1 + CTL_CLIENTS_MAX];	/* -1 lfd */
	int			 npfd;
	int			 was_full;
	struct ctl_stats	 stats;
	struct hint		 hints[HINT_MAX];
};

#define CTL_POLLFDS	(1 + CTL_CLIENTS_MAX)

struct engine;
struct pollfd;
struct imsg;
struct udp_meta;
struct msghdr;
struct sock_extended_err;

/* control.c: the socket and the clients */
void	 control_init(struct engine *);
void	 control_set_listener(struct engine *, int, const char *);
int	 control_pollfds(struct engine *, struct pollfd *);
int	 control_timeout(struct engine *, int);
void	 control_events(struct engine *, struct pollfd *, int);
void	 control_answer(struct engine *, struct imsg *);
int	 control_feed(struct engine *, struct ctl_conn *, const uint8_t *,
	    size_t);
int	 ctl_reply(struct ctl_conn *, uint32_t, const void *, size_t);
void	 ctl_drop(struct engine *, struct ctl_conn *);

/* control_req.c: one request, its reply */
int	 control_request(struct engine *, struct ctl_conn *, uint32_t,
	    const uint8_t *, size_t);
void	 control_result(struct ctl_conn *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* control_clients.c: show clients, a buffer at a time */
int	 control_has_clients(const struct engine *);
void	 control_clients_page(struct engine *, struct ctl_conn *);

/* control_stats.c: every counter, by its stable name */
int	 control_counters(struct engine *, struct ctl_conn *);

/* hints.c */
void	 hint_raw_drop(struct engine *, int, int, uint8_t,
	    const struct msghdr *, const uint8_t *, size_t);
void	 hint_udp_drop(struct engine *, int, const struct udp_meta *,
	    const uint8_t *, size_t);
void	 hint_unreach(struct engine *, const struct sock_extended_err *,
	    const uint8_t *, size_t, int);
int	 hint_text(struct engine *, int, char *, size_t);
const char *hint_name(int);

#endif /* IPIPD_CONTROL_H */
