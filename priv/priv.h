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

/* The privileged parent's own declarations. */
#ifndef IPIPD_PRIV_H
#define IPIPD_PRIV_H

#include <sys/types.h>
#include <net/if.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "clock.h"
#include "imsg.h"
#include "ipipd_msg.h"
#include "priv_tcp.h"

#define IPIPD_USER		"_ipipd"
#define IPIPD_CHROOT		"/var/lib/ipipd/empty"
#define IPIPD_DEFAULT_TTL	64
#define IPIPD_RESOLVE_INTERVAL	60	/* seconds */

#define IPIPD_DEFAULT_ENCAPLIMIT 4	/* as Linux ip6tnl */
#define TUN_MIN_MTU_V6		1280	/* IPv6 minimum link MTU, RFC 8200 5 */

/* Tunnel modes, with the names of ip-link(8). */
enum tun_mode {
	MODE_ANY = 0,		/* IPv4, IPv6 and MPLS inside */
	MODE_IPIP,		/* IPv4 in IPv4 */
	MODE_SIT,		/* IPv6 in IPv4 */
	MODE_IP6IP6,		/* IPv6 in IPv6 */
	MODE_IPIP6,		/* IPv4 in IPv6 */
	MODE_MPLSIP		/* MPLS in IPv4 or IPv6 */
};

#define CONF_ADDRS_MAX		16	/* address keywords */
#define CONF_ROUTES_MAX		32	/* route keywords */
#define UDP_SPORTS_AUTO		8	/* encap-sport auto, no range */

/* address ADDR[/LEN] [peer ADDR] */
struct conf_addr {
	struct tun_addr	 addr;
	struct tun_addr	 peer;		/* AF_UNSPEC: none */
	uint8_t		 plen;
};

/* route PREFIX */
struct conf_route {
	struct tun_addr	 dst;
	uint8_t		 plen;
};

/* What the command line asked for; nothing here has touched the system. */
struct ipipd_conf {
	char		 dev[IFNAMSIZ];
	char		 remote[RESOLVE_NAME_MAX];	/* name or literal */
	struct tun_addr	 local;		/* AF_UNSPEC: from the routing table */
	uint32_t	 mtu;		/* 0: outer MTU minus outer header */
	uint8_t		 af;		/* -4/-6/mode pin, else AF_UNSPEC */
	uint8_t		 af_flag;	/* -4/-6 alone (what SIGHUP keeps) */
	enum tun_mode	 mode;
	uint8_t		 ttl;		/* 0: inherit */
	uint8_t		 tos;		/* IPv4 outer */
	uint8_t		 tclass;	/* IPv6 outer */
	uint32_t	 flowlabel;	/* IPv6 outer, 20 bits */
	int		 encaplimit;	/* IPv6 outer; -1: none */
	uint32_t	 resolve_interval;	/* seconds */
	uint8_t		 flags;		/* CONF_* of ipipd_msg.h */
	unsigned int	 seen;		/* keywords given (W_*) */
	unsigned int	 bad;		/* the W_* word a conflict blames */
	int		 foreground;
	int		 noaction;
	pid_t		 reload_pid;	/* -r: ask this daemon to reload */
	int		 verbose;
	char		 user[64];
	char		 file[256];	/* -f, or empty */
	char		 chroot[256];
	char		 control[108];	/* -s: control socket; "": default */
	/* encap fou|gue (conf_encap.c) */
	uint8_t		 encap;		/* ENCAP_* */
	uint8_t		 encap_flags;	/* ENCAP_F_* */
	uint8_t		 sport_auto;	/* encap-sport auto */
	uint16_t	 encap_dport;
	uint16_t	 encap_sport;	/* 0: the listen port */
	uint16_t	 listen_port;	/* 0: encap-sport, else encap-dport */
	uint16_t	 peer_sport;	/* 0: encap-dport */
	uint16_t	 sport_lo, sport_hi;	/* 0: kernel-chosen ports */
	uint16_t	 keepalive;	/* seconds, 0: none */
	/* address, route (conf_encap.c, priv_ifaddr.c) */
	struct conf_addr addrs[CONF_ADDRS_MAX];
	int		 naddrs;
	struct conf_route routes[CONF_ROUTES_MAX];
	int		 nroutes;
	int		 last_was_address;	/* for a following 'peer' */
	struct tcp_conf	 tcp;		/* encap tcp, serve tcp: priv_tcp.h */
};

/* ipipd_conf.seen: the keywords given, each at most once */
#define W_DEV		0x0001
#define W_LOCAL		0x0002
#define W_REMOTE	0x0004
#define W_MTU		0x0008
#define W_TTL		0x0010
#define W_TOS		0x0020
#define W_TCLASS	0x0040
#define W_FLOWLABEL	0x0080
#define W_ENCAPLIMIT	0x0100
#define W_MODE		0x0200
#define W_PMTUDISC	0x0400
#define W_RESOLVE	0x0800
/* encap over UDP (conf_encap.c); address and route repeat: no bit */
#define W_ENCAP		0x00100000
#define W_ENCAP_DPORT	0x00200000
#define W_ENCAP_SPORT	0x00400000
#define W_SPORT_RANGE	0x00800000
#define W_LISTEN_PORT	0x01000000
#define W_PEER_SPORT	0x02000000
#define W_FLOAT		0x04000000
#define W_KEEPALIVE	0x08000000
#define W_OFFLOAD	0x1000
#define CONF_BITS	32	/* bits of ipipd_conf.seen */

#define CHILD_ARGV_MAX	12

/* Deaths by signal of one child (priv_supervise.c). */
struct strikes {
	int		 count;
	uint64_t	 since_ms;	/* next one is forgiven an hour on */
};

/* One child process and our end of its socket pair. */
struct child {
	const char	*name;		/* "engine", "resolver" */
	const char	*binary;	/* "ipipd-engine", ... */
	char		 path[PATH_MAX];	/* where it was opened */
	int		 exec_fd;	/* opened once; every start runs it */
	char		*argv[CHILD_ARGV_MAX];
	pid_t		 pid;
	struct imsgbuf	 ibuf;
	int		 alive;
	uint64_t	 started_ms;	/* when it was (re)started */
	uint64_t	 restart_ms;	/* when to restart it, 0: not due */
	uint32_t	 backoff_ms;
	int		 fast_failures;	/* deaths in a row soon after start */
	uint64_t	 imsg_seen;	/* IMSG_R_ONCE types it sent */
	struct strikes	 strikes;	/* deaths by signal */
};

/* Resources opened while privileged, held for the daemon's lifetime. */
struct priv_res {
	int		 tun_fd;
	int		 tun_created;	/* we made it: it goes when we exit */
	unsigned int	 ifindex;
	int		 tun_vnet;	/* IFF_VNET_HDR: offloads (issue 8) */
	int		 raw[2][3];	/* [v4, v6][ipip, ipv6, mpls] */
	int		 udp[2][1 + UDP_SPORTS_MAX];	/* [v4, v6][listen..] */
	uint16_t	 udp_port[2][1 + UDP_SPORTS_MAX];
	int		 nsports;	/* source port sockets per family */
	struct mnl_socket *nl;
	struct mnl_socket *nl_events;	/* address/route/link changes */
};

/* Where the outer packets go, as the routing table answers. */
struct route_info {
	struct tun_addr	 src;		/* preferred source */
	unsigned int	 oif;		/* outgoing interface */
	uint32_t	 mtu;		/* route MTU, else link MTU */
	uint8_t		 type;		/* RTN_UNICAST, RTN_LOCAL, ... */
};

/* The watchdog's ping to the engine (priv_watchdog.c). */
struct watchdog {
	uint64_t	 next_ms;	/* next ping due */
	uint32_t	 seq;		/* of the last ping */
	int		 waiting;	/* for the pong to seq */
	pid_t		 pid;		/* the engine it went to */
	int		 late_logged;
};

/* The parent's whole state. */
struct ipipd {
	struct ipipd_conf	 conf;
	struct priv_res		 res;
	struct child		 engine;
	struct child		 resolver;
	uid_t			 uid;
	gid_t			 gid;
	struct tun_addr		 local;		/* current outer source */
	struct tun_addr		 remote;	/* current outer destination */
	uint32_t		 outer_mtu;
	uint32_t		 tun_mtu;
	int			 engine_started;
	int			 up;		/* engine reported ready */
	int			 paused;	/* no local address / route */
	int			 sigfd;
	char			**argv;		/* for SIGHUP without -f */
	int			 argc;
	uint64_t		 recheck_ms;	/* route check due, 0: none */
	uint64_t		 resolve_ms;	/* next resolution due */
	int			 resolving;	/* a request is out */
	unsigned int		 resolve_gen;	/* bumped when the name changes */
	unsigned int		 resolving_gen;	/* ...as the request went out */
	int			 resolve_failing; /* last answer failed */
	uint32_t		 resolve_backoff_ms;
	int			 unreach_logged; /* for this remote */
	char			 pause_why[128]; /* paused: why (ipipctl) */
	struct watchdog		 wd;
};

/* conf_parse.c */
int	 parse_args(int, char **, struct ipipd_conf *);
void	 usage(void) __attribute__((noreturn));
void	 conf_defaults(struct ipipd_conf *);
int	 conf_keyword(struct ipipd_conf *, const char *, const char *, int *,
	    char *, size_t);
int	 conf_finish(struct ipipd_conf *, char *, size_t);
int	 conf_check(struct ipipd_conf *, char *, size_t);
int	 conf_check_mtu(const struct ipipd_conf *, int, char *, size_t);
const char	*conf_af_name(int);
const char	*conf_mode_name(enum tun_mode);
void	 conf_pin_word(const struct ipipd_conf *, char *, size_t);
uint8_t	 conf_carry(const struct ipipd_conf *);
uint32_t conf_max_mtu(const struct ipipd_conf *, int);
uint32_t conf_outer_hdrlen(const struct ipipd_conf *, int);
int	 kw_err(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* conf_encap.c: keywords of encapsulation over UDP and the TUN's own
 * addresses and routes, as conf_parse.c's keyword table calls them */
int	 conf_num_in(const char *, unsigned long, unsigned long,
	    unsigned long *);
int	 kw_encap(struct ipipd_conf *, const char *, char *, size_t);
int	 kw_encap_dport(struct ipipd_conf *, const char *, char *, size_t);
int	 kw_encap_sport(struct ipipd_conf *, const char *, char *, size_t);
int	 kw_encap_sport_range(struct ipipd_conf *, const char *, char *,
	    size_t);
int	 kw_listen_port(struct ipipd_conf *, const char *, char *, size_t);
int	 kw_peer_sport(struct ipipd_conf *, const char *, char *, size_t);
int	 kw_float(struct ipipd_conf *, const char *, char *, size_t);
int	 kw_keepalive(struct ipipd_conf *, const char *, char *, size_t);
int	 kw_address(struct ipipd_conf *, const char *, char *, size_t);
int	 kw_address_peer(struct ipipd_conf *, const char *, char *, size_t);
int	 kw_route(struct ipipd_conf *, const char *, char *, size_t);
int	 conf_finish_encap(struct ipipd_conf *, char *, size_t);
int	 conf_udp_sports(const struct ipipd_conf *);
void	 conf_keep_fixed_encap(struct ipipd_conf *, const struct ipipd_conf *);

/* priv_ifaddr.c */
struct nlmsghdr;
int	 nl_ack(struct mnl_socket *, struct nlmsghdr *);
int	 nl_route_change(struct mnl_socket *, unsigned int,
	    const struct conf_route *, int);
void	 ifaddr_apply(struct ipipd *);
void	 ifaddr_remove_all(void);

/* priv_udp.c */
void	 priv_open_udp_all(struct ipipd *);
void	 priv_udp_pmtudisc(struct ipipd *);

/* conf_file.c */
int	 conf_read_file(struct ipipd_conf *, const char *, char *, size_t);

/* conf_print.c */
void	 conf_print(FILE *, const struct ipipd_conf *);

/* priv_tun.c */
int	 priv_open_tun(const char *, int *, unsigned int *, int);

/* priv_tun_offload.c */
int	 priv_tun_want_offload(const struct ipipd_conf *);
void	 priv_tun_set_offload(int, const char *);

/* priv_raw.c */
int	 priv_open_raw(int, int);

/* priv_netlink.c */
struct mnl_socket *priv_open_netlink(void);
int	 nl_route_get(struct mnl_socket *, const struct tun_addr *,
	    struct route_info *);
struct nlmsghdr;
int	 nl_cb_run(const void *, size_t, uint32_t, uint32_t,
	    int (*)(const struct nlmsghdr *, void *), void *);
int	 nl_link_mtu(struct mnl_socket *, unsigned int, uint32_t *);
int	 nl_link_set(struct mnl_socket *, unsigned int, uint32_t, int);
int	 nl_route_parse(const void *, size_t, uint32_t, uint32_t, int,
	    struct route_info *);
int	 nl_addr_present(struct mnl_socket *, const struct tun_addr *);

/* priv_child.c */
void	 child_open(struct child *, uid_t, gid_t);
void	 child_start(struct child *, char *const []);

/* priv_supervise.c */
void	 child_died(struct ipipd *, struct child *, int);
int	 strike_add(struct strikes *, uint64_t);
void	 supervise_tick(struct ipipd *, uint64_t);

/* priv_rtnl_watch.c */
struct mnl_socket *rtnl_watch_open(void);
void	 rtnl_watch_input(struct ipipd *);

/* priv_reload.c */
int	 priv_reload(struct ipipd *, char *, size_t);

/*
 * ipipd -r PID (reload_client.c) asks for a reload with a SIGHUP sent by
 * sigqueue(3) carrying a token (even, not 0); the daemon answers
 * (priv_reload_ctl.c) with RELOAD_ANSWER_SIG carrying the same token,
 * plus RELOAD_REFUSED when it refused.  SIGURG: ignored by default, so
 * an answer that reached a process that is not waiting does nothing.
 */
#define RELOAD_ANSWER_SIG	SIGURG
#define RELOAD_REFUSED		0x1
#define RELOAD_WAIT_S		30	/* for an answer, in all */
#define RELOAD_RETRY_S		5	/* then ask again */

/* priv_reload_ctl.c */
struct signalfd_siginfo;
void	 reload_signal(struct ipipd *, const struct signalfd_siginfo *);

/* reload_client.c */
int	 reload_client(const struct ipipd_conf *);

/* priv_notify.c */
void	 notify_init(void);
void	 notify_ready(const char *);
void	 notify_reloading(void);
void	 notify_watchdog(void);
uint64_t notify_watchdog_ms(void);

/* priv_watchdog.c */
void	 watchdog_tick(struct ipipd *, uint64_t);
void	 watchdog_pong(struct ipipd *, struct imsg *);
uint64_t watchdog_due(const struct ipipd *);
int	 watchdog_asked(const struct ipipd *);

/* priv_drop.c */
void	 priv_drop(uid_t, gid_t);
void	 priv_fs_ids(uid_t, gid_t);
void	 priv_check_start(uid_t, gid_t);
void	 priv_check_chroot(const char *);

/* priv_loop.c */
void	 priv_loop(struct ipipd *);
void	 priv_shutdown(struct ipipd *, int) __attribute__((noreturn));
void	 child_log(struct child *, struct imsg *);

/* priv_peer.c */
void	 peer_answer(struct ipipd *, const struct msg_resolve_answer *);
void	 peer_recheck(struct ipipd *);
void	 peer_tick(struct ipipd *, uint64_t);
void	 peer_unreachable(struct ipipd *);

/* priv_resolver.c */
void	 peer_request_resolve(struct ipipd *);
void	 peer_resolved(struct ipipd *, const struct msg_resolve_answer *);
int	 resolve_answer_valid(const struct msg_resolve_answer *);
void	 resolver_dispatch(struct ipipd *, struct imsg *);

/* priv_engine.c */
void	 engine_push_start(struct ipipd *);
void	 engine_push_conf(struct ipipd *);
void	 engine_ready(struct ipipd *);
void	 engine_dispatch(struct ipipd *, struct imsg *);

/* priv_control.c, priv_ctl_status.c, priv_ctl_request.c: ipipctl(8) */
void	 ctl_open(struct ipipd *);
void	 ctl_tick(struct ipipd *);
void	 ctl_request(struct ipipd *, struct imsg *);
void	 ctl_resolved(struct ipipd *, const struct msg_resolve_answer *);
void	 ctl_engine_lost(void);
void	 ctl_status_resolved(const struct msg_resolve_answer *);
void	 ctl_send_verbose(struct child *);
const char *ctl_group_name(void);
gid_t	 ctl_group(void);
int	 ctl_fd(void);

/* priv_daemon.c */
void	 daemon_begin(void);
void	 daemon_ready(void);
void	 warn_kernel_tunnels(void);

#endif /* IPIPD_PRIV_H */
