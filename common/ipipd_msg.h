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
 * The messages the ipipd processes exchange: every IMSG_* type, its
 * fixed-size payload, and its rules in one table (imsg_rule(), at the
 * end): who may send it to whom, its payload size, whether an fd comes
 * with it, and when it is allowed.  Every process checks every message
 * against the table (imsg_rule_check(), imsg_rules.c) before it
 * dispatches it; a message that breaks a rule ends the receiver's
 * trust in that peer (fatalx), never a crash.
 *
 *   parent  ->  engine    IMSG_FD_TUN, IMSG_FD_RAW, IMSG_ENGINE_CONF,
 *                         IMSG_PEER, IMSG_START, IMSG_STATUS,
 *                         IMSG_FD_UDP, IMSG_ENCAP_CONF, IMSG_PING
 *   engine  ->  parent    IMSG_ENGINE_READY, IMSG_LOG, IMSG_PEER_UNREACH,
 *                         IMSG_TUN_GONE, IMSG_PONG
 *   parent  ->  engine    (encap tcp, serve tcp) IMSG_TCP_CONF,
 *                         IMSG_FD_TCP_LISTEN, IMSG_FD_TCP_CONN,
 *                         IMSG_TCP_ASSIGN
 *   engine  ->  parent    (encap tcp, serve tcp) IMSG_TCP_ASSIGN_REQ,
 *                         IMSG_TCP_PREFIX, IMSG_TCP_DOWN
 *   parent  ->  resolver  IMSG_RESOLVE, IMSG_STATUS
 *   resolver -> parent    IMSG_RESOLVE_ANSWER, IMSG_LOG
 *
 * The control socket (ipipctl(8)); the engine serves it:
 *   parent  ->  engine    IMSG_FD_CONTROL, IMSG_CTL_STATUS,
 *                         IMSG_CTL_ANSWER (with the client's socket),
 *                         IMSG_SET_VERBOSE
 *   engine  ->  parent    IMSG_CTL_REQUEST (with the client's socket)
 *   parent  ->  resolver  IMSG_SET_VERBOSE
 *   ipipctl ->  engine    IMSG_CTL_SHOW, IMSG_CTL_SHOW_STATS,
 *                         IMSG_CTL_SHOW_CLIENTS, IMSG_CTL_RELOAD,
 *                         IMSG_CTL_RESOLVE, IMSG_CTL_LOG
 *   engine  ->  ipipctl   IMSG_CTL_TUNNEL, IMSG_CTL_HINT,
 *                         IMSG_CTL_COUNTERS, IMSG_CTL_CLIENT,
 *                         IMSG_CTL_END, IMSG_CTL_RESULT
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
	IMSG_PING,		/* struct msg_ping: answer to show you run */
	IMSG_PONG,		/* struct msg_ping: the answer, same seq */
	IMSG_TCP_CONF,		/* struct msg_tcp_conf */
	IMSG_FD_TCP_LISTEN,	/* fd: listening socket; struct msg_fd_tcp */
	IMSG_FD_TCP_CONN,	/* fd: connected socket; struct msg_fd_tcp */
	IMSG_TCP_ASSIGN_REQ,	/* struct msg_tcp_assign_req */
	IMSG_TCP_ASSIGN,	/* struct msg_tcp_assign */
	IMSG_TCP_PREFIX,	/* struct msg_tcp_prefix: client got a /64 */
	IMSG_TCP_DOWN,		/* no payload: client connection ended */
	/* the control socket: see the end of this file */
	IMSG_FD_CONTROL,	/* fd: listening socket; struct msg_fd_control */
	IMSG_CTL_STATUS,	/* struct msg_ctl_status */
	IMSG_CTL_REQUEST,	/* fd: client; struct msg_ctl_request */
	IMSG_CTL_ANSWER,	/* struct msg_ctl_answer */
	IMSG_SET_VERBOSE,	/* struct msg_set_verbose */
	IMSG_CTL_SHOW,		/* no payload */
	IMSG_CTL_SHOW_STATS,	/* no payload */
	IMSG_CTL_SHOW_CLIENTS,	/* no payload */
	IMSG_CTL_RELOAD,	/* no payload */
	IMSG_CTL_RESOLVE,	/* no payload */
	IMSG_CTL_LOG,		/* struct msg_set_verbose */
	IMSG_CTL_TUNNEL,	/* struct ctl_tunnel */
	IMSG_CTL_HINT,		/* struct ctl_hint */
	IMSG_CTL_COUNTERS,	/* struct ctl_counters */
	IMSG_CTL_END,		/* no payload: the reply is complete */
	IMSG_CTL_RESULT,	/* struct ctl_result */
	IMSG_CTL_CLIENT,	/* struct ctl_client: show clients */
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
#define TCP_KEY_MAX		64	/* shared key of the allowlist, ditto */
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
	char		 key[TCP_KEY_MAX + 1];	/* client: key, or "" */
	uint8_t		 pad[2];
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
	char		 key[TCP_KEY_MAX + 1];	/* the client's, or "" */
	uint8_t		 pad[2];
};

#define TCP_ASSIGN_OK		0
#define TCP_ASSIGN_FULL		1	/* pool exhausted */
#define TCP_ASSIGN_ERROR	2	/* could not be stored */
#define TCP_ASSIGN_REFUSED	3	/* not in the allowlist, wrong key */

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

/*
 * The watchdog (priv_watchdog.c): the parent tells systemd it is alive
 * only when the engine answers, so a hung engine is noticed too.
 */
struct msg_ping {
	uint32_t	 seq;		/* echoed in the pong */
};

struct msg_log {
	int32_t		 pri;		/* LOG_ERR .. LOG_DEBUG */
	char		 line[LOG_LINE_MAX];	/* NUL ended */
};

/*
 * The control socket.  The parent creates it (priv/priv_control.c) and
 * hands it to the engine, which accepts ipipctl's connections and
 * answers them (engine/control*.c).  Every message is fixed-size: the
 * engine drops a client whose message is not exactly the size named
 * here.  Requests that change something (reload, resolve, log) go on to
 * the parent with the client's socket, which checks SO_PEERCRED.
 */
#define CTL_SOCKET_DIR		"/run/ipipd"
#define CTL_TEXT_MAX		320	/* NUL included */
#define CTL_NAME_MAX		32	/* a counter's name, NUL included */
#define CTL_COUNTERS_MAX	32	/* counters per IMSG_CTL_COUNTERS */
#define CTL_CLIENTS_MAX		16	/* connections the engine serves */

struct msg_fd_control {
	uint32_t	 gid;		/* the control group */
	char		 group[32];	/* its name, for messages */
};

/* msg_ctl_status.state */
#define CTL_STATE_STARTING	0	/* resolving, not yet forwarding */
#define CTL_STATE_UP		1
#define CTL_STATE_PAUSED	2	/* no local address or route */

/* msg_ctl_status.mtu_from */
#define CTL_MTU_GIVEN		0	/* the mtu keyword */
#define CTL_MTU_PATH		1	/* outer MTU minus the outer header */
#define CTL_MTU_V6_MIN		2	/* raised to 1280 for inner IPv6 */

/* What only the parent knows, sent to the engine when it changes. */
struct msg_ctl_status {
	char		 dev[IFNAMSIZ];
	char		 remote_name[RESOLVE_NAME_MAX];
	char		 file[256];	/* -f, or "" */
	char		 mode[12];	/* any, ipip, sit, ... */
	char		 role[12];	/* peer */
	char		 pause_why[128];	/* CTL_STATE_PAUSED: why */
	char		 resolve_err[128];	/* last answer's error, or "" */
	struct tun_addr	 local;
	struct tun_addr	 remote;
	struct tun_addr	 resolved[RESOLVE_ADDRS_MAX];	/* last answer */
	uint64_t	 start_ms;	/* CLOCK_MONOTONIC: daemon start */
	uint64_t	 up_ms;		/* first forwarding, 0: not yet */
	uint64_t	 resolve_ms;	/* last answer, 0: none yet */
	uint32_t	 pid;		/* the parent's */
	uint32_t	 nresolved;
	uint32_t	 tun_mtu;
	uint32_t	 outer_mtu;
	uint32_t	 outer_hdr;	/* bytes of outer header */
	uint32_t	 engine_restarts;
	uint32_t	 resolver_restarts;
	uint32_t	 resolve_interval;	/* seconds */
	int32_t		 verbose;
	uint16_t	 listen_port;	/* encap fou|gue */
	uint16_t	 dport;
	uint16_t	 peer_sport;	/* 0: any */
	uint8_t		 state;		/* CTL_STATE_* */
	uint8_t		 mtu_from;	/* CTL_MTU_* */
	uint8_t		 encap;		/* ENCAP_* */
	uint8_t		 encap_flags;	/* ENCAP_F_* */
	uint8_t		 pad[2];
};

/* engine -> parent: a client's request; the client's socket rides on it */
struct msg_ctl_request {
	uint32_t	 id;		/* the engine's, echoed in the answer */
	uint32_t	 type;		/* IMSG_CTL_RELOAD, _RESOLVE or _LOG */
	int32_t		 verbose;	/* IMSG_CTL_LOG */
};

/* ctl_result.status */
#define CTL_OK			0
#define CTL_FAILED		1	/* the request failed: text says why */
#define CTL_DENIED		2	/* not allowed for this client */
#define CTL_UNSUPPORTED		3	/* no such request here */

struct ctl_result {
	int32_t		 status;	/* CTL_* */
	char		 text[CTL_TEXT_MAX];	/* NUL ended, printable */
};

struct msg_ctl_answer {
	uint32_t	 id;
	struct ctl_result r;
};

struct msg_set_verbose {
	int32_t		 verbose;	/* 0 brief, 1 verbose (debug) */
};

/* ipipctl show: one per tunnel, the parent's status and the engine's */
struct ctl_tunnel {
	struct msg_ctl_status st;	/* as the parent last sent it */
	uint64_t	 uptime_s;	/* since first forwarding, 0: not up */
	uint64_t	 daemon_s;	/* since the daemon started */
	uint64_t	 resolve_age_s;	/* since the last answer */
	uint64_t	 engine_s;	/* since the engine (its counters) started */
	uint32_t	 pmtu;		/* path MTU now (ICMP may lower it) */
	uint32_t	 pmtu_expires_s;	/* lowered: seconds until reset */
	uint32_t	 nhints;	/* IMSG_CTL_HINT messages that follow */
	struct tun_addr	 peer;		/* where packets go (float moves it) */
	uint16_t	 peer_port;	/* encap fou|gue: the peer's port now */
	uint8_t		 tun_gone;	/* the TUN device was deleted */
	uint8_t		 pad;
	uint32_t	 pad2;
};

/* A likely misconfiguration the drops point at (engine/hints.c). */
struct ctl_hint {
	char		 cause[CTL_NAME_MAX];	/* stable name */
	char		 text[CTL_TEXT_MAX];
	uint64_t	 count;		/* packets that showed it */
	uint64_t	 age_s;		/* since the last one */
};

/* ctl_counter.group */
#define CTL_GROUP_TRAFFIC	0
#define CTL_GROUP_FRAGMENTS	1
#define CTL_GROUP_ICMP		2
#define CTL_GROUP_UDP		3
#define CTL_GROUP_DROPS		4
#define CTL_GROUP_OFFLOAD	5
#define CTL_GROUP_CONTROL	6
#define CTL_GROUP_TCP		7	/* encap tcp, serve tcp */
#define CTL_GROUP_TCP_CLOSED	8	/* connections ended, by cause */
#define CTL_GROUP_TCP_DROPS	9
#define CTL_GROUP_MAX		10

struct ctl_counter {
	char		 name[CTL_NAME_MAX - 2];	/* stable, NUL ended */
	uint8_t		 group;		/* CTL_GROUP_* */
	uint8_t		 pad;
	uint64_t	 value;
};

struct ctl_counters {
	uint32_t	 n;		/* valid entries */
	uint32_t	 pad;
	struct ctl_counter c[CTL_COUNTERS_MAX];
};

/* ctl_client.state */
#define CTL_CLIENT_ASSIGNING	0	/* the parent picks its /64 */
#define CTL_CLIENT_UP		1

/*
 * ipipctl show clients, on a prefix server: the tunnel, then one of
 * these per client that has sent its identifier, then the end.  There
 * may be more than one buffer holds: they go out a buffer at a time.
 */
struct ctl_client {
	char		 id[TCP_ID_MAX + 1];	/* printable ASCII */
	uint8_t		 state;		/* CTL_CLIENT_* */
	uint8_t		 pad[6];
	struct in6_addr	 prefix;	/* its /64; :: while assigning */
	struct tun_addr	 peer;		/* where it connects from */
	uint16_t	 port;
	uint16_t	 pad2;
	uint64_t	 connected_s;	/* since the connection was accepted */
	uint64_t	 rx_pkts, rx_bytes;	/* from the client */
	uint64_t	 tx_pkts, tx_bytes;	/* queued to the client */
	uint64_t	 drops;		/* from it or to it; not link-local */
};

/*
 * The payloads are copied as they are between processes of one build:
 * a size that changes by accident (padding, a field added) is caught
 * here, not by a peer refusing every message.
 */
_Static_assert(sizeof(struct tun_addr) == 20, "struct tun_addr");
_Static_assert(sizeof(struct msg_fd_tun) == 4 + IFNAMSIZ, "msg_fd_tun");
_Static_assert(sizeof(struct msg_fd_raw) == 4, "msg_fd_raw");
_Static_assert(sizeof(struct msg_engine_conf) == 16, "msg_engine_conf");
_Static_assert(sizeof(struct msg_peer) == 44, "msg_peer");
_Static_assert(sizeof(struct msg_resolve) == RESOLVE_NAME_MAX + 4,
    "msg_resolve");
_Static_assert(sizeof(struct msg_fd_udp) == 8, "msg_fd_udp");
_Static_assert(sizeof(struct msg_encap_conf) == 12, "msg_encap_conf");
_Static_assert(sizeof(struct msg_resolve_answer) ==
    8 + 20 * RESOLVE_ADDRS_MAX + 128, "msg_resolve_answer");
_Static_assert(sizeof(struct msg_log) == 4 + LOG_LINE_MAX, "msg_log");
_Static_assert(sizeof(struct msg_tcp_conf) == 172, "msg_tcp_conf");
_Static_assert(sizeof(struct msg_fd_tcp) == 24, "msg_fd_tcp");
_Static_assert(sizeof(struct msg_tcp_assign_req) == 140,
    "msg_tcp_assign_req");
_Static_assert(sizeof(struct msg_tcp_assign) == 28, "msg_tcp_assign");
_Static_assert(sizeof(struct msg_tcp_prefix) == 16, "msg_tcp_prefix");
_Static_assert(sizeof(struct msg_ping) == 4, "msg_ping");
_Static_assert(sizeof(struct msg_fd_control) == 36, "msg_fd_control");
_Static_assert(sizeof(struct msg_ctl_status) == IFNAMSIZ +
    RESOLVE_NAME_MAX + 256 + 12 + 12 + 128 + 128 +
    20 * (2 + RESOLVE_ADDRS_MAX) + 3 * 8 + 9 * 4 + 3 * 2 + 6,
    "msg_ctl_status");
_Static_assert(sizeof(struct msg_ctl_request) == 12, "msg_ctl_request");
_Static_assert(sizeof(struct ctl_result) == 4 + CTL_TEXT_MAX, "ctl_result");
_Static_assert(sizeof(struct msg_ctl_answer) == 8 + CTL_TEXT_MAX,
    "msg_ctl_answer");
_Static_assert(sizeof(struct msg_set_verbose) == 4, "msg_set_verbose");
_Static_assert(sizeof(struct ctl_tunnel) == sizeof(struct msg_ctl_status) +
    4 * 8 + 3 * 4 + 20 + 4 + 4, "ctl_tunnel");
_Static_assert(sizeof(struct ctl_hint) == CTL_NAME_MAX + CTL_TEXT_MAX + 16,
    "ctl_hint");
_Static_assert(sizeof(struct ctl_counter) == CTL_NAME_MAX + 8, "ctl_counter");
_Static_assert(sizeof(struct ctl_counters) == 8 + CTL_COUNTERS_MAX *
    sizeof(struct ctl_counter), "ctl_counters");
_Static_assert(sizeof(struct ctl_client) == TCP_ID_MAX + 1 + 7 + 16 + 20 +
    4 + 6 * 8, "ctl_client");

/* The processes, as senders and receivers of a rule. */
#define IMSG_P_PARENT		0x01
#define IMSG_P_ENGINE		0x02
#define IMSG_P_RESOLVER		0x04
#define IMSG_P_CLIENT		0x08	/* ipipctl, on the control socket */

/* When a message is allowed (struct imsg_rule.flags). */
#define IMSG_R_FD		0x01	/* with an fd, always; else never */
#define IMSG_R_ONCE		0x02	/* once in the receiver's life */
#define IMSG_R_STARTED		0x04	/* only after the parent started it */
#define IMSG_R_ANSWER		0x08	/* only while a question is out */

/* What the receiver knows (imsg_rule_check()'s state). */
#define IMSG_S_STARTED		0x01	/* it started the sender */
#define IMSG_S_ASKED		0x02	/* a question to the sender is out */

struct imsg_rule {
	const char	*name;		/* for the error message */
	uint32_t	 len;		/* payload bytes, exactly */
	uint8_t		 from;		/* IMSG_P_*: who may send it */
	uint8_t		 to;		/* IMSG_P_*: who may receive it */
	uint8_t		 flags;		/* IMSG_R_* */
};

_Static_assert(IMSG_MAX <= 64, "imsg_rule_check()'s once mask");

/* The rules of message type t; NULL for a type that does not exist. */
static inline const struct imsg_rule *
imsg_rule(uint32_t t)
{
	static const struct imsg_rule	 rules[IMSG_MAX] = {
	[IMSG_FD_TUN] = { "TUN fd", sizeof(struct msg_fd_tun),
	    IMSG_P_PARENT, IMSG_P_ENGINE, IMSG_R_FD },
	[IMSG_FD_RAW] = { "raw socket", sizeof(struct msg_fd_raw),
	    IMSG_P_PARENT, IMSG_P_ENGINE, IMSG_R_FD },
	[IMSG_FD_UDP] = { "UDP socket", sizeof(struct msg_fd_udp),
	    IMSG_P_PARENT, IMSG_P_ENGINE, IMSG_R_FD },
	[IMSG_ENGINE_CONF] = { "configuration",
	    sizeof(struct msg_engine_conf), IMSG_P_PARENT, IMSG_P_ENGINE, 0 },
	[IMSG_ENCAP_CONF] = { "encapsulation",
	    sizeof(struct msg_encap_conf), IMSG_P_PARENT, IMSG_P_ENGINE,
	    IMSG_R_ONCE },
	[IMSG_PEER] = { "peer", sizeof(struct msg_peer),
	    IMSG_P_PARENT, IMSG_P_ENGINE, 0 },
	[IMSG_START] = { "start", 0,
	    IMSG_P_PARENT, IMSG_P_ENGINE, IMSG_R_ONCE },
	[IMSG_ENGINE_READY] = { "ready", 0,
	    IMSG_P_ENGINE, IMSG_P_PARENT, IMSG_R_STARTED },
	[IMSG_PEER_UNREACH] = { "unreachable", 0,
	    IMSG_P_ENGINE, IMSG_P_PARENT, IMSG_R_STARTED },
	[IMSG_TUN_GONE] = { "TUN device gone", 0,
	    IMSG_P_ENGINE, IMSG_P_PARENT, IMSG_R_STARTED },
	[IMSG_RESOLVE] = { "resolve", sizeof(struct msg_resolve),
	    IMSG_P_PARENT, IMSG_P_RESOLVER, 0 },
	[IMSG_RESOLVE_ANSWER] = { "answer",
	    sizeof(struct msg_resolve_answer), IMSG_P_RESOLVER, IMSG_P_PARENT,
	    IMSG_R_ANSWER },
	[IMSG_LOG] = { "log", sizeof(struct msg_log),
	    IMSG_P_ENGINE | IMSG_P_RESOLVER, IMSG_P_PARENT, 0 },
	[IMSG_STATUS] = { "status", 0,
	    IMSG_P_PARENT, IMSG_P_ENGINE | IMSG_P_RESOLVER, 0 },
	[IMSG_PING] = { "ping", sizeof(struct msg_ping),
	    IMSG_P_PARENT, IMSG_P_ENGINE, 0 },
	[IMSG_PONG] = { "pong", sizeof(struct msg_ping),
	    IMSG_P_ENGINE, IMSG_P_PARENT, IMSG_R_ANSWER },
	/* encap tcp, serve tcp (issue 16) */
	[IMSG_TCP_CONF] = { "tcp configuration", sizeof(struct msg_tcp_conf),
	    IMSG_P_PARENT, IMSG_P_ENGINE, IMSG_R_ONCE },
	[IMSG_FD_TCP_LISTEN] = { "listening socket",
	    sizeof(struct msg_fd_tcp), IMSG_P_PARENT, IMSG_P_ENGINE,
	    IMSG_R_FD },
	[IMSG_FD_TCP_CONN] = { "connected socket", sizeof(struct msg_fd_tcp),
	    IMSG_P_PARENT, IMSG_P_ENGINE, IMSG_R_FD },
	[IMSG_TCP_ASSIGN] = { "prefix answer", sizeof(struct msg_tcp_assign),
	    IMSG_P_PARENT, IMSG_P_ENGINE, 0 },
	[IMSG_TCP_ASSIGN_REQ] = { "prefix request",
	    sizeof(struct msg_tcp_assign_req), IMSG_P_ENGINE, IMSG_P_PARENT,
	    IMSG_R_STARTED },
	[IMSG_TCP_PREFIX] = { "prefix", sizeof(struct msg_tcp_prefix),
	    IMSG_P_ENGINE, IMSG_P_PARENT, IMSG_R_STARTED },
	[IMSG_TCP_DOWN] = { "connection down", 0,
	    IMSG_P_ENGINE, IMSG_P_PARENT, IMSG_R_STARTED },
	/* The control socket.  The client's connection goes to the parent
	 * with a request, for its credentials, and comes back with the
	 * answer: the one fd a child sends. */
	[IMSG_FD_CONTROL] = { "control socket",
	    sizeof(struct msg_fd_control), IMSG_P_PARENT, IMSG_P_ENGINE,
	    IMSG_R_FD },
	[IMSG_CTL_STATUS] = { "control status",
	    sizeof(struct msg_ctl_status), IMSG_P_PARENT, IMSG_P_ENGINE, 0 },
	[IMSG_CTL_REQUEST] = { "control request",
	    sizeof(struct msg_ctl_request), IMSG_P_ENGINE, IMSG_P_PARENT,
	    IMSG_R_FD },
	[IMSG_CTL_ANSWER] = { "control answer",
	    sizeof(struct msg_ctl_answer), IMSG_P_PARENT, IMSG_P_ENGINE,
	    IMSG_R_FD },
	[IMSG_SET_VERBOSE] = { "log level", sizeof(struct msg_set_verbose),
	    IMSG_P_PARENT, IMSG_P_ENGINE | IMSG_P_RESOLVER, 0 },
	[IMSG_CTL_SHOW] = { "show", 0, IMSG_P_CLIENT, IMSG_P_ENGINE, 0 },
	[IMSG_CTL_SHOW_STATS] = { "show stats", 0,
	    IMSG_P_CLIENT, IMSG_P_ENGINE, 0 },
	[IMSG_CTL_SHOW_CLIENTS] = { "show clients", 0,
	    IMSG_P_CLIENT, IMSG_P_ENGINE, 0 },
	[IMSG_CTL_RELOAD] = { "reload", 0, IMSG_P_CLIENT, IMSG_P_ENGINE, 0 },
	[IMSG_CTL_RESOLVE] = { "resolve", 0,
	    IMSG_P_CLIENT, IMSG_P_ENGINE, 0 },
	[IMSG_CTL_LOG] = { "log", sizeof(struct msg_set_verbose),
	    IMSG_P_CLIENT, IMSG_P_ENGINE, 0 },
	[IMSG_CTL_TUNNEL] = { "tunnel", sizeof(struct ctl_tunnel),
	    IMSG_P_ENGINE, IMSG_P_CLIENT, 0 },
	[IMSG_CTL_HINT] = { "hint", sizeof(struct ctl_hint),
	    IMSG_P_ENGINE, IMSG_P_CLIENT, 0 },
	[IMSG_CTL_COUNTERS] = { "counters", sizeof(struct ctl_counters),
	    IMSG_P_ENGINE, IMSG_P_CLIENT, 0 },
	[IMSG_CTL_END] = { "end", 0, IMSG_P_ENGINE, IMSG_P_CLIENT, 0 },
	[IMSG_CTL_RESULT] = { "result", sizeof(struct ctl_result),
	    IMSG_P_ENGINE, IMSG_P_CLIENT, 0 },
	[IMSG_CTL_CLIENT] = { "client", sizeof(struct ctl_client),
	    IMSG_P_ENGINE, IMSG_P_CLIENT, 0 },
	};

	return t < IMSG_MAX && rules[t].name != NULL ? &rules[t] : NULL;
}

struct imsg;
/*
 * imsg_rules.c: 0 if imsg, received by self from from (IMSG_P_*),
 * keeps its rule given state (IMSG_S_*); seen holds the IMSG_R_ONCE
 * types received so far.  Else -1 and why says what from did wrong.
 */
int	 imsg_rule_check(const struct imsg *, int self, int from,
	    unsigned int state, uint64_t *seen, char *why, size_t whylen);
const char *imsg_proc_name(int);

struct imsgbuf;
/* log_imsg.c: a child's log lines go to the parent over ibuf. */
void	 log_to_parent(struct imsgbuf *);

#endif /* IPIPD_MSG_H */
