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
 * The messages the ipipd processes exchange: every IMSG_* type and its
 * fixed-size payload.  A receiver checks each message's payload size
 * against the struct named here (imsg_get_data()) before touching it;
 * a wrong size from a less privileged process ends the receiver's trust
 * in that peer (fatalx), never a crash.
 *
 *   parent  ->  engine    IMSG_FD_TUN, IMSG_FD_RAW, IMSG_ENGINE_CONF,
 *                         IMSG_PEER, IMSG_START, IMSG_STATUS,
 *                         IMSG_FD_UDP, IMSG_ENCAP_CONF
 *   engine  ->  parent    IMSG_ENGINE_READY, IMSG_LOG, IMSG_PEER_UNREACH,
 *                         IMSG_TUN_GONE
 *   parent  ->  engine    (encap tcp, serve tcp) IMSG_TCP_CONF,
 *                         IMSG_FD_TCP_LISTEN, IMSG_FD_TCP_CONN,
 *                         IMSG_TCP_ASSIGN
 *   engine  ->  parent    (encap tcp, serve tcp) IMSG_TCP_ASSIGN_REQ,
 *                         IMSG_TCP_PREFIX, IMSG_TCP_DOWN
 *   parent  ->  resolver  IMSG_RESOLVE, IMSG_STATUS
 *   resolver -> parent    IMSG_RESOLVE_ANSWER, IMSG_LOG
 */
#ifndef IPIPD_MSG_H
#define IPIPD_MSG_H

#include <net/if.h>
#include <stdint.h>

#include "addr.h"
#include "log.h"

/* The child's end of its socket pair with the parent, set before exec. */
#define IPIPD_CHILD_FD		3

enum imsg_type {
	IMSG_NONE = 0,
	IMSG_FD_TUN,		/* fd: TUN device;   struct msg_fd_tun */
	IMSG_FD_RAW,		/* fd: raw socket;   struct msg_fd_raw */
	IMSG_ENGINE_CONF,	/* struct msg_engine_conf */
	IMSG_PEER,		/* struct msg_peer: outer addresses and MTU */
	IMSG_START,		/* no payload: everything sent, forward */
	IMSG_ENGINE_READY,	/* no payload: engine forwards packets */
	IMSG_RESOLVE,		/* struct msg_resolve */
	IMSG_RESOLVE_ANSWER,	/* struct msg_resolve_answer */
	IMSG_LOG,		/* struct msg_log */
	IMSG_STATUS,		/* no payload: log one status line */
	IMSG_PEER_UNREACH,	/* no payload: remote answers unreachable */
	IMSG_FD_UDP,		/* fd: UDP socket;   struct msg_fd_udp */
	IMSG_ENCAP_CONF,	/* struct msg_encap_conf */
	IMSG_TUN_GONE,		/* no payload: the TUN device was deleted */
	IMSG_TCP_CONF,		/* struct msg_tcp_conf */
	IMSG_FD_TCP_LISTEN,	/* fd: listening socket; struct msg_fd_tcp */
	IMSG_FD_TCP_CONN,	/* fd: connected socket; struct msg_fd_tcp */
	IMSG_TCP_ASSIGN_REQ,	/* struct msg_tcp_assign_req */
	IMSG_TCP_ASSIGN,	/* struct msg_tcp_assign */
	IMSG_TCP_PREFIX,	/* struct msg_tcp_prefix: client got a /64 */
	IMSG_TCP_DOWN,		/* no payload: client connection ended */
	IMSG_MAX
};

struct msg_fd_tun {
	uint32_t	 ifindex;
	char		 ifname[IFNAMSIZ];
};

struct msg_fd_raw {
	uint8_t		 af;		/* outer family: AF_INET, AF_INET6 */
	uint8_t		 proto;		/* IPPROTO_IPIP, _IPV6, _MPLS (137) */
	uint8_t		 pad[2];
};

/* Inner families a tunnel carries (mode). */
#define TUN_CARRY_V4	0x01
#define TUN_CARRY_V6	0x02
#define TUN_CARRY_MPLS	0x04
#define TUN_CARRY_ALL	(TUN_CARRY_V4 | TUN_CARRY_V6 | TUN_CARRY_MPLS)

/* msg_engine_conf.flags */
#define CONF_TOS_INHERIT	0x01	/* outer TOS from the inner packet */
#define CONF_TCLASS_INHERIT	0x02	/* outer traffic class likewise */
#define CONF_FLOW_INHERIT	0x04	/* flow label from the inner IPv6 */
#define CONF_PMTUDISC		0x08	/* outer DF as RFC 2003 5.1 says */
#define CONF_OFFLOAD		0x10	/* TUN fd has IFF_VNET_HDR (issue 8) */
#define CONF_FLAGS_ALL		0x1f

#define ENCAPLIMIT_NONE		-1

struct msg_engine_conf {
	uint32_t	 tun_mtu;	/* MTU of the TUN device */
	uint32_t	 flowlabel;	/* IPv6 outer flow label, 20 bits */
	int16_t		 encaplimit;	/* IPv6 outer, 0..255 or NONE */
	uint8_t		 ttl;		/* outer TTL / hop limit; 0 inherit */
	uint8_t		 tos;		/* IPv4 outer TOS (ECN bits 0) */
	uint8_t		 tclass;	/* IPv6 outer traffic class */
	uint8_t		 carry;		/* TUN_CARRY_* */
	uint8_t		 flags;		/* CONF_* */
	uint8_t		 pad;
};

struct msg_peer {
	struct tun_addr	 local;		/* outer source */
	struct tun_addr	 remote;	/* outer destination */
	uint32_t	 outer_mtu;	/* MTU of the path to remote */
};

#define RESOLVE_NAME_MAX	256	/* NUL included; RFC 1035 names fit */
#define RESOLVE_ADDRS_MAX	16

struct msg_resolve {
	char		 name[RESOLVE_NAME_MAX];
	uint8_t		 af;		/* AF_UNSPEC, AF_INET, AF_INET6 */
	uint8_t		 pad[3];
};

/* Encapsulation over UDP (encap fou|gue). */
#define ENCAP_NONE		0	/* raw IP protocol 4/41/137 */
#define ENCAP_FOU		1	/* UDP + the bare inner packet */
#define ENCAP_GUE		2	/* UDP + GUE header + inner */
#define ENCAP_TCP		3	/* TCP stream of IP packets (issue 16) */
#define UDP_SPORTS_MAX		64	/* source port sockets, at most */

/* msg_fd_udp.role: the socket bound to the listen port, or one of the
 * sockets bound to the source ports outer packets leave from. */
#define UDP_ROLE_LISTEN		0
#define UDP_ROLE_SPORT		1

struct msg_fd_udp {
	uint8_t		 af;		/* AF_INET, AF_INET6 */
	uint8_t		 role;		/* UDP_ROLE_* */
	uint8_t		 index;		/* UDP_ROLE_SPORT: 0..SPORTS_MAX-1 */
	uint8_t		 pad;
	uint16_t	 port;		/* bound port, host order */
	uint16_t	 pad2;
};

/* msg_encap_conf.flags */
#define ENCAP_F_FLOAT		0x01	/* follow the peer's address/port */
#define ENCAP_F_ANY_SPORT	0x02	/* any peer source port accepted */
#define ENCAP_F_ALL		0x03

struct msg_encap_conf {
	uint8_t		 type;		/* ENCAP_* */
	uint8_t		 flags;		/* ENCAP_F_* */
	uint16_t	 dport;		/* remote port, host order */
	uint16_t	 peer_sport;	/* peer's source port, host order */
	uint16_t	 keepalive;	/* seconds, 0: none */
	uint16_t	 nsports;	/* source port sockets; 0: listen's */
	uint16_t	 pad;
};

/*
 * encap tcp (client) and serve tcp (prefix server): the protocol of the
 * seed's ipv6_tunnel.  The client sends {"Id":"..."}, the server answers
 * {"Prefix":"P/64"}, then IP packets follow back to back, framed by
 * their own length fields.
 */
#define TCP_ID_MAX		64	/* identifier bytes, printable ASCII */
#define TCP_ROLE_CLIENT		1
#define TCP_ROLE_SERVER		2
#define TCP_LISTEN_MAX		4	/* listen keywords */

struct msg_tcp_conf {
	uint8_t		 role;		/* TCP_ROLE_* */
	uint8_t		 pool_plen;	/* server: prefix-pool length */
	uint16_t	 hs_timeout;	/* seconds to complete the handshake */
	uint32_t	 max_clients;	/* server */
	uint32_t	 max_unauth;	/* server: handshakes at once */
	uint32_t	 max_unauth_src;	/* ...from one address */
	uint32_t	 sendq_max;	/* bytes queued per connection */
	uint32_t	 hold_ms;	/* server: quiet after the Prefix reply */
	struct in6_addr	 pool;		/* server: prefix-pool */
	char		 id[TCP_ID_MAX + 1];	/* client: identifier */
	uint8_t		 pad[3];
};

/* A listening socket (server) or a connected one (client). */
struct msg_fd_tcp {
	struct tun_addr	 addr;		/* listen address, or the server */
	uint16_t	 port;		/* host order */
	uint16_t	 pad;
};

/* Server: the engine asks which /64 belongs to an identifier. */
struct msg_tcp_assign_req {
	uint32_t	 slot;		/* the engine's connection, echoed */
	uint32_t	 gen;
	char		 id[TCP_ID_MAX + 1];	/* checked by the engine */
	uint8_t		 pad[3];
};

#define TCP_ASSIGN_OK		0
#define TCP_ASSIGN_FULL		1	/* pool exhausted */
#define TCP_ASSIGN_ERROR	2	/* could not be stored */

struct msg_tcp_assign {
	uint32_t	 slot;
	uint32_t	 gen;
	int32_t		 status;	/* TCP_ASSIGN_* */
	struct in6_addr	 prefix;	/* a /64 when OK */
};

/* Client: the /64 the server handed out, and who it is. */
struct msg_tcp_prefix {
	struct in6_addr	 prefix;
};

struct msg_resolve_answer {
	int32_t		 error;		/* 0, or a getaddrinfo EAI_* code */
	uint32_t	 naddrs;	/* valid entries in addrs */
	struct tun_addr	 addrs[RESOLVE_ADDRS_MAX];
	char		 errstr[128];	/* gai_strerror(error), NUL ended */
};

struct msg_log {
	int32_t		 pri;		/* LOG_ERR .. LOG_DEBUG */
	char		 line[LOG_LINE_MAX];	/* NUL ended */
};

struct imsgbuf;
/* log_imsg.c: a child's log lines go to the parent over ibuf. */
void	 log_to_parent(struct imsgbuf *);

#endif /* IPIPD_MSG_H */
