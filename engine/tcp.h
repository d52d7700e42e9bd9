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
 * The engine's TCP transport (issue 16): one epoll loop for the TUN
 * device, the listening sockets (server) and every connection.  Each
 * connection costs a small struct while idle; input and output buffers
 * exist only while bytes wait in them.
 */
#ifndef IPIPD_TCP_H
#define IPIPD_TCP_H

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "engine.h"
#include "tcp_proto.h"

#define TCP_RBUF	(256 * 1024)	/* one read from a connection */
#define TCP_EVENTS	128		/* epoll events per wake-up */
#define TCP_ACCEPTS	64		/* accept4 per wake-up and socket */
#define TCP_QUEUED_MAX	(64ULL * 1024 * 1024)	/* all send queues */
#define TCP_NOFD_PAUSE_MS 1000		/* accept paused when out of fds */

enum tcp_state { TS_FREE = 0, TS_HS, TS_ASSIGN, TS_UP };

struct tcp_link {
	int32_t		 prev, next;
};

struct tcp_list {
	int32_t		 head, tail;
};

struct tcp_conn {
	int		 fd;
	uint8_t		 state;		/* enum tcp_state */
	uint8_t		 held;		/* server: Prefix sent, quiet */
	uint8_t		 dirty;		/* on the dirty list */
	uint8_t		 reg;		/* in the epoll set */
	uint32_t	 ev;		/* epoll events registered */
	uint32_t	 gen;
	uint64_t	 deadline_ms;	/* handshake, or end of quiet */
	struct tun_addr	 peer;
	uint16_t	 port;
	uint64_t	 prefix;	/* upper 64 bits of the /64 */
	char		 id[TCP_ID_MAX + 1];
	uint64_t	 since_ms;	/* accepted (server), connected */
	uint64_t	 rx_pkts, rx_bytes;	/* ipipctl show clients */
	uint64_t	 tx_pkts, tx_bytes;
	uint64_t	 drops;
	uint8_t		*part;		/* bytes of an unfinished packet */
	uint32_t	 part_len;
	uint8_t		*out;		/* send queue: out[head..head+len) */
	uint32_t	 out_head, out_len, out_cap;
	int32_t		 hnext;		/* prefix hash chain */
	struct tcp_link	 tl;		/* handshake or quiet list; free */
	struct tcp_link	 dl;		/* dirty list */
};

struct tcp_stats {
	uint64_t	 causes[TC_MAX];
	uint64_t	 drops[TD_MAX];
	uint64_t	 accepted;
	uint64_t	 rx_pkts, rx_bytes;	/* from connections */
	uint64_t	 tx_pkts, tx_bytes;	/* queued to connections */
	uint64_t	 tx_writes;		/* send calls */
};

struct tcp_engine {
	struct msg_tcp_conf	 conf;
	int			 have_conf;
	int			 epfd;
	int			 listen[TCP_LISTEN_MAX];
	struct msg_fd_tcp	 listen_info[TCP_LISTEN_MAX];
	int			 nlisten;
	uint64_t		 listen_paused_ms;	/* out of fds */
	int			 tun_polled;
	struct tcp_conn		*conns;
	uint32_t		 nconns;
	int32_t			 free_head;
	int32_t			*buckets;	/* prefix hash */
	uint32_t		 nbuckets;	/* a power of two */
	struct tcp_list		 hs;		/* in handshake: deadline */
	struct tcp_list		 hold;		/* quiet after Prefix */
	struct tcp_list		 dirty;		/* output to write */
	uint32_t		 nclients, nunauth;
	uint64_t		 queued;	/* bytes in all send queues */
	uint32_t		 gen_next;
	uint8_t			*rbuf;
	uint8_t			*tunbuf;
	uint64_t		 pool_hi, pool_mask;
	int32_t			 client;	/* client: its one slot */
	struct tcp_stats	 st;
	uint8_t			 logged[TC_MAX];
	uint8_t			 dlogged[TD_MAX];
};

/* tcp_imsg.c */
int	 tcp_engine_imsg(struct engine *, struct imsg *);
void	 tcp_engine_preinit(struct engine *);
void	 tcp_engine_start(struct engine *);

/* tcp_loop.c */
/*
 * Never returns, but is not declared noreturn: ASan would unpoison the
 * stacks before the call, with a sigaltstack(2) the seccomp filter
 * kills (make asan).
 */
void	 tcp_loop(struct engine *);
void	 tcp_ev_set(struct tcp_engine *, struct tcp_conn *, uint32_t);
void	 tcp_tun_poll(struct engine *, int);
void	 tcp_listen_poll(struct engine *, int);

/* tcp_conn.c */
void	 tcp_tables_init(struct tcp_engine *, uint32_t);
struct tcp_conn *tcp_conn_new(struct tcp_engine *, int);
int32_t	 tcp_slot(const struct tcp_engine *, const struct tcp_conn *);
void	 tcp_conn_close(struct engine *, struct tcp_conn *, enum tcp_cause);
struct tcp_conn *tcp_find_prefix(struct tcp_engine *, uint64_t);
void	 tcp_hash_add(struct tcp_engine *, struct tcp_conn *);
void	 tcp_list_add(struct tcp_engine *, struct tcp_list *, int32_t,
	    size_t);
void	 tcp_list_del(struct tcp_engine *, struct tcp_list *, int32_t,
	    size_t);
const char *tcp_peer_fmt(const struct tcp_conn *, char *, size_t);

/* tcp_out.c */
ssize_t	 tcp_send(int, const void *, size_t);
int	 tcp_out_append(struct engine *, struct tcp_conn *, const uint8_t *,
	    size_t);
int	 tcp_out_flush(struct engine *, struct tcp_conn *);
void	 tcp_flush_dirty(struct engine *);
void	 tcp_out_free(struct tcp_engine *, struct tcp_conn *);

/* tcp_rx.c */
void	 tcp_conn_read(struct engine *, struct tcp_conn *);
int	 tcp_frames(struct engine *, struct tcp_conn *, uint8_t *, size_t);
int	 tcp_part_save(struct tcp_conn *, const uint8_t *, size_t);

/* tcp_tun.c */
void	 tcp_tun_read(struct engine *);
void	 tcp_tun_write(struct engine *, const uint8_t *, size_t);

/* tcp_server.c */
void	 tcp_accept(struct engine *, int);
void	 tcp_hs_input(struct engine *, struct tcp_conn *, uint8_t *,
	    size_t);
void	 tcp_assigned(struct engine *, const struct msg_tcp_assign *);
void	 tcp_release_hold(struct engine *, struct tcp_conn *);

/* tcp_client.c */
void	 tcp_client_conn(struct engine *, int, const struct msg_fd_tcp *);
void	 tcp_client_hs_input(struct engine *, struct tcp_conn *, uint8_t *,
	    size_t);
void	 tcp_client_closed(struct engine *, struct tcp_conn *);

/*
 * The upper 64 bits of an IPv6 address, as a number: the /64 that keys
 * the connection table (tcp_conn.c), and back to an address.
 */
static inline uint64_t
tcp_hi64(const uint8_t *a)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | a[i];
	return v;
}

static inline void
tcp_hi64_addr(struct in6_addr *a, uint64_t hi)
{
	int	 i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < 8; i++)
		a->s6_addr[i] = (uint8_t)(hi >> (56 - 8 * i));
}

/* tcp_stats.c */
void	 tcp_refused(struct engine *, const struct tcp_conn *,
	    const struct tun_addr *, enum tcp_cause, const char *);
void	 tcp_drop(struct engine *, struct tcp_conn *, enum tcp_drop,
	    const char *);
void	 tcp_log_status(struct engine *);

#endif /* IPIPD_TCP_H */
