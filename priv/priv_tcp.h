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
 * The parent's part of the TCP transport (issue 16): the client role
 * (encap tcp) and the prefix server (serve tcp).  Keywords in
 * conf_tcp.c, the pool and its assignments file in pool.c and
 * pool_file.c, the server's sockets and answers in priv_tcp_server.c,
 * the client's connections and prefix in priv_tcp_client.c.
 */
#ifndef IPIPD_PRIV_TCP_H
#define IPIPD_PRIV_TCP_H

#include <net/if.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "ipipd_msg.h"

#define TCP_DEFAULT_HS_TIMEOUT		10	/* seconds */
#define TCP_DEFAULT_RECONNECT		2	/* seconds, as the seed */
#define TCP_DEFAULT_MAX_CLIENTS		1024
#define TCP_DEFAULT_MAX_HANDSHAKES	64
#define TCP_DEFAULT_MAX_HS_PER_ADDR	8
#define TCP_DEFAULT_SENDQ_KB		256
#define TCP_DEFAULT_HOLD_MS		200	/* see tcp_server.c */
#define TCP_DEFAULT_MTU			1500	/* the seed's TUN devices */
#define TCP_PATH_MAX			256
#define TCP_TUN_TXQLEN			1000	/* priv_tcp_nl.c */

/* What the TCP keywords asked for (inside struct ipipd_conf). */
struct tcp_conf {
	uint8_t		 role;		/* 0, TCP_ROLE_CLIENT, _SERVER */
	unsigned int	 seen;		/* TW_* of conf_tcp.c */
	struct tun_addr	 listen[TCP_LISTEN_MAX];
	int		 nlisten;
	uint16_t	 port;		/* server: listen port */
	struct tun_addr	 pool;		/* server: prefix-pool */
	uint8_t		 pool_plen;
	char		 assignments[TCP_PATH_MAX];	/* "" : none */
	char		 id[TCP_ID_MAX + 1];	/* client; "": uplink MAC */
	char		 key[TCP_KEY_MAX + 1];	/* client: allowlist key */
	char		 allowlist[TCP_PATH_MAX];	/* server; "": none */
	char		 prefix_dev[IFNAMSIZ];	/* client; "": the TUN */
	uint32_t	 reconnect_s;	/* client */
	uint32_t	 hs_timeout_s;
	uint32_t	 max_clients;
	uint32_t	 max_hs;
	uint32_t	 max_hs_addr;
	uint32_t	 sendq_kb;
};

struct ipipd;
struct ipipd_conf;
struct imsg;

/* conf_tcp.c */
void	 tcp_conf_defaults(struct tcp_conf *);
int	 tcp_conf_keyword(struct ipipd_conf *, const char *, const char *,
	    int *, char *, size_t);
int	 tcp_conf_finish(struct ipipd_conf *, char *, size_t);
int	 tcp_conf_is_server(const struct ipipd_conf *);
void	 tcp_conf_keep(struct ipipd_conf *, const struct ipipd_conf *);
void	 tcp_conf_print(FILE *, const struct ipipd_conf *);
int	 tcp_id_valid(const char *);

/* priv_tcp.c: the hooks the rest of the parent calls */
int	 tcp_dup(int);
void	 tcp_priv_init(struct ipipd *);
void	 tcp_priv_open(struct ipipd *);
void	 tcp_priv_start(struct ipipd *);
void	 tcp_engine_push_start(struct ipipd *);
int	 tcp_priv_dispatch(struct ipipd *, struct imsg *);
void	 tcp_priv_flush(struct ipipd *);
int	 tcp_priv_pollfd(struct ipipd *, short *);
void	 tcp_priv_pollin(struct ipipd *, short);
uint64_t tcp_priv_next_ms(struct ipipd *);
void	 tcp_priv_tick(struct ipipd *, uint64_t);

/* priv_tcp_server.c */
void	 tcp_server_init(struct ipipd *);
void	 tcp_server_up_line(struct ipipd *, char *, size_t);
void	 tcp_server_open(struct ipipd *);
void	 tcp_server_push(struct ipipd *);
void	 tcp_server_start(struct ipipd *);
void	 tcp_server_assign_req(struct ipipd *, struct imsg *);
void	 tcp_server_flush(struct ipipd *);

/* priv_tcp_client.c */
void	 tcp_client_id(struct ipipd *, char *, size_t);
void	 tcp_client_push(struct ipipd *);
void	 tcp_client_prefix(struct ipipd *, struct imsg *);
void	 tcp_client_down(struct ipipd *, struct imsg *);
int	 tcp_client_pollfd(short *);
void	 tcp_client_connected(struct ipipd *, short);
uint64_t tcp_client_next_ms(void);
void	 tcp_client_tick(struct ipipd *, uint64_t);

/* priv_tcp_id.c */
void	 tcp_client_default_id(struct ipipd *, char *, size_t);

/* priv_tcp_nl.c: the client's address, the server's pool route */
int	 tcp_nl_addr(struct ipipd *, unsigned int, const struct in6_addr *,
	    int, int);
int	 tcp_nl_route(struct ipipd *, unsigned int, const struct in6_addr *,
	    int, int);
void	 tcp_nl_remove_all(void);
void	 tcp_nl_txqlen(struct ipipd *);

/* priv_tcp_sock.c */
void	 tcp_sock_keepalive(int);
int	 tcp_sock_listen(const struct tun_addr *, uint16_t, char *, size_t);
int	 tcp_sock_connect(const struct tun_addr *, const struct tun_addr *,
	    uint16_t);

#endif /* IPIPD_PRIV_TCP_H */
