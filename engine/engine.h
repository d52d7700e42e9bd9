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

/* The engine process: its state and the parts of its loop. */
#ifndef IPIPD_ENGINE_H
#define IPIPD_ENGINE_H

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <stdint.h>

#include "clock.h"
#include "control.h"
#include "imsg.h"
#include "ipipd_msg.h"
#include "offload.h"
#include "pkt.h"

struct tcp_engine;	/* encap tcp, serve tcp: tcp.h */

#define ENGINE_BATCH	64	/* packets read per wake-up and direction */
#define PKT_HEADROOM	128	/* room for outer headers before the inner */
#define TUN_PI_LEN	4	/* struct tun_pi: flags, protocol */
#define FRAGS_MAX	64	/* outer fragments of one packet, at most */
#define TXQ_MAX		(ENGINE_BATCH + 3 * FRAGS_MAX)
#define RAW_PROTOS	3	/* ipip, ipv6, mpls */
#define PMTU_EXPIRES_MS	(600 * 1000)	/* as net.ipv4.route.mtu_expires */
#define ICMP_RATE	100	/* generated ICMP errors per second... */
#define ICMP_BURST	50	/* ...with bursts of this many */
#define UDP_SOCKS	(1 + UDP_SPORTS_MAX)	/* listen + source ports */

/* One packet buffer, with headroom to prepend headers without a copy. */
struct pkt_slot {
	uint8_t		 buf[PKT_HEADROOM + PKT_MAXLEN + TUN_PI_LEN +
			     IPV6_HDR_LEN];	/* 64 KiB IPv6 payload: offload.h */
};

struct engine_stats {
	uint64_t	 tun_rx_pkts, tun_rx_bytes;	/* read from TUN */
	uint64_t	 net_tx_pkts, net_tx_bytes;	/* sent, fragments each */
	uint64_t	 net_rx_pkts, net_rx_bytes;	/* read from raw */
	uint64_t	 tun_tx_pkts, tun_tx_bytes;	/* written to TUN */
	uint64_t	 frag_pkts;		/* packets sent fragmented */
	uint64_t	 frags_sent;		/* outer fragments sent */
	uint64_t	 net_tx_errors;		/* sendmmsg refused */
	uint64_t	 tun_tx_errors;		/* write to TUN failed */
	uint64_t	 icmp_sent;		/* errors written to the TUN */
	uint64_t	 icmp_ratelimited;
	uint64_t	 icmp_rx;		/* errors about our packets */
	uint64_t	 icmp_rx_pmtu;		/* ...that lowered the PMTU */
	uint64_t	 icmp_relayed;		/* ...relayed to the sender */
	uint64_t	 icmp_soft;		/* ...kept as soft state */
	uint64_t	 keepalive_tx;		/* empty datagrams sent */
	uint64_t	 keepalive_rx;		/* ...received, ignored */
	uint64_t	 float_moves;		/* peer address/port changes */
	uint64_t	 drops[DROP_MAX];
};

/* Path MTU towards the remote, as a kernel route cache entry keeps it. */
struct pmtu {
	uint32_t	 link;		/* from the parent: route/link MTU */
	uint32_t	 cur;		/* lowered by ICMP, at most link */
	uint64_t	 expires;	/* ms (monotonic) when cur goes back */
};

/* Token bucket for generated ICMP. */
struct ratelimit {
	uint64_t	 last_ms;
	uint32_t	 tokens;
};

/* Outgoing messages of one batch: whole packets and fragments. */
struct tx_queue {
	struct mmsghdr	 msgs[TXQ_MAX];
	struct iovec	 iov[TXQ_MAX][2];
	struct frag	 frags[TXQ_MAX];	/* fragment headers */
	int		 fd[TXQ_MAX];
	unsigned int	 n;
};

/*
 * Outgoing UDP datagrams of one batch (encap fou|gue): room for the
 * segments of a few 64 KiB super-packets, so that a run of them can go
 * as one UDP_SEGMENT send (tx_udp.c).
 */
#define UTXQ_MAX	256
struct udp_tx_queue {
	struct mmsghdr	 msgs[UTXQ_MAX];	/* one per datagram */
	struct iovec	 iov[UTXQ_MAX];
	union {
		struct cmsghdr	 align;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    2 * CMSG_SPACE(sizeof(int)) +
				    CMSG_SPACE(sizeof(uint16_t))];
	}		 cmsg[UTXQ_MAX];
	int		 fd[UTXQ_MAX];
	uint8_t		 fits[UTXQ_MAX];	/* no outer fragmentation */
	unsigned int	 n;
	/* UDP_SEGMENT: the messages actually sent, each a run of msgs */
	struct mmsghdr	 gso[UTXQ_MAX];
	int		 gso_fd[UTXQ_MAX];
	unsigned int	 gso_first[UTXQ_MAX];	/* its first datagram */
	/* The kernel refused UDP_SEGMENT: off until gso_retry_ms (mono_ms) */
	uint64_t	 gso_retry_ms;	/* 0: on */
	uint32_t	 gso_backoff_s;	/* the next pause, doubling */
	size_t		 gso_refused_seg; /* its segment size; 0: none */
	uint64_t	 gso_warn_ms;	/* the last refusal logged */
	struct sockaddr_in6 to6;
	struct sockaddr_in to4;
};

/* Engine side: counters and buffers of the offload path. */
struct offload_state {
	uint8_t		*arena;		/* GSO segments, GSO_ARENA_LEN */
	size_t		 arena_used;
	struct gro_flow	 flows[GRO_FLOWS];
	uint64_t	 gso_pkts, gso_segs;	/* super-packets read, cut */
	uint64_t	 csum_done;		/* partial checksums completed */
	uint64_t	 gro_pkts, gro_segs;	/* super-packets written */
	uint64_t	 bad;			/* offload metadata refused */
	/* encap fou|gue: UDP_SEGMENT sends and UDP_GRO receives */
	uint64_t	 uso_msgs, uso_segs;	/* sends, datagrams in them */
	uint64_t	 uso_refused;		/* the kernel said no */
	uint64_t	 udp_gro_bufs, udp_gro_segs;	/* read, split */
};

struct engine;

/* tun_offload.c: the engine hooks (offload_on() is below). */
void	 offload_init(struct engine *);
#define OFFLOAD_PASS	0	/* go on with the (now ordinary) packet */
#define OFFLOAD_DONE	1	/* consumed: segments queued or dropped */
int	 offload_tun_rx(struct engine *, const uint8_t *vnet, uint8_t *pkt,
	    size_t len, uint16_t pi_proto);
int	 offload_tun_write(struct engine *, uint8_t *pkt, size_t len,
	    uint16_t pi_proto, const struct vnet_hdr *);
void	 offload_net_rx(struct engine *, uint8_t *pkt, size_t len, size_t cap,
	    uint16_t pi_proto);
void	 offload_net_flush(struct engine *);
void	 offload_status_fmt(const struct engine *, char *, size_t);

struct engine {
	struct imsgbuf		 ibuf;		/* to the parent */
	uint64_t		 imsg_seen;	/* IMSG_R_ONCE: imsg_rules.c */
	int			 tun_fd;
	int			 raw[2][RAW_PROTOS];	/* [v4, v6][proto] */
	struct msg_engine_conf	 conf;
	int			 have_conf;
	struct decap_state	 peer;		/* local, remote, carry */
	struct pmtu		 pmtu;
	int			 started;
	int			 tun_gone;	/* device deleted: main.c */
	uint16_t		 ip_id;		/* next outer IPv4 ID */
	struct ratelimit	 icmp_rl;
	struct pkt_slot		*slots;		/* ENGINE_BATCH of them */
	struct tx_queue		 txq;
	struct engine_stats	 stats;
	uint64_t		 unreach_window_ms;	/* peer_unreach.c */
	unsigned int		 unreach_count;
	/* encap fou|gue */
	struct msg_encap_conf	 encap;		/* type ENCAP_NONE: raw */
	int			 udp[2][UDP_SOCKS];	/* [v4, v6][0 listen] */
	struct tun_addr		 parent_remote;	/* as the parent said */
	uint16_t		 tx_dport;	/* encap.dport, or floated */
	struct udp_tx_queue	 utxq;
	uint64_t		 keepalive_ms;	/* next one due, 0: none */
	struct offload_state	 off;		/* TUN offloads: offload.h */
	struct tcp_engine	*tcp;		/* encap tcp, serve tcp */
	struct control		 ctl;		/* ipipctl: control.h */
};

/* Index of e->raw and e->udp by outer family, of e->raw by protocol. */
static inline int
af_index(int af)
{
	return af == AF_INET6 ? 1 : 0;
}

static inline int
proto_index(int proto)
{
	return proto == IPPROTO_IPV6 ? 1 : proto == IPPROTO_MPLS ? 2 : 0;
}

/* TUN offloads on (the parent said so: CONF_OFFLOAD). */
static inline int
offload_on(const struct engine *e)
{
	return (e->conf.flags & CONF_OFFLOAD) != 0;
}

/* engine_status.c */
void	 engine_log_status(struct engine *);

/* engine_imsg.c */
void	 engine_dispatch_imsg(struct engine *);

/*
 * The data path.  TUN -> network: tun.c reads (tun_offload.c cuts
 * super-packets), tx.c checks each inner packet and picks the outer
 * header fields, tx_raw.c or tx_udp.c queue and send it.  Network ->
 * TUN: rx_raw.c or rx_udp.c read and decapsulate (rx_batch.c is their
 * recvmmsg batch), tun.c writes (tun_offload.c coalesces); rx_icmp.c
 * reads the errors about what we sent.  The one loop is real: a packet
 * tx.c cannot send is answered with an ICMP error (tun_icmp.c) written
 * into the TUN device by tun.c, whose read path called tx.c; and a
 * send refused for an earlier ICMP error reads the error queue
 * (rx_icmp.c), which may relay that error the same way.
 */

/* tun.c */
void	 tun_read(struct engine *);
void	 tun_write_inner(struct engine *, uint8_t *, size_t, uint16_t);
void	 tun_deliver(struct engine *, uint8_t *, size_t, size_t, uint16_t);
void	 tun_deliver_end(struct engine *);

/* tx.c */
int	 tx_inner(struct engine *, uint8_t *, size_t, uint16_t);
void	 tx_flush(struct engine *);

/* tx_raw.c: the outer header of one packet, as tx.c chose it */
struct tx_outer {
	struct encap_params	 ep;
	size_t			 hlen;		/* header bytes per packet */
	int			 encaplim;	/* -1: no option */
	uint8_t			 proto;
};
void	 tx_raw_packet(struct engine *, uint8_t *, size_t, struct tx_outer *,
	    uint32_t, uint32_t);
void	 tx_raw_flush(struct engine *);

/* tx_src.c */
void	 tx_src_cmsg(struct engine *, struct msghdr *);

/* tx_udp.c */
void	 tx_udp_packet(struct engine *, uint8_t *, size_t, uint8_t,
	    const struct encap_params *, int);
void	 tx_udp_flush(struct engine *);
int	 tx_udp_keepalive(struct engine *, uint64_t);

/* rx_batch.c: one recvmmsg batch of outer packets or datagrams */
struct rx_batch {
	struct mmsghdr		 msgs[ENGINE_BATCH];
	struct iovec		 iov[ENGINE_BATCH];
	struct sockaddr_in6	 from[ENGINE_BATCH];	/* or sockaddr_in */
	union {
		struct cmsghdr	 align;
		/* PKTINFO, TCLASS or TOS, UDP_GRO, and slack */
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    2 * CMSG_SPACE(sizeof(int)) + 32];
	}			 cmsg[ENGINE_BATCH];
};
void	 rx_batch_prepare(struct engine *, struct rx_batch *);

/* rx_raw.c */
void	 rx_raw(struct engine *, int, int);

/* rx_udp.c */
void	 rx_udp(struct engine *, int, int);

/* rx_icmp.c; for UDP sockets the quote starts after the UDP header */
void	 rx_icmp_errors(struct engine *, int, int);
void	 rx_icmp_errors_udp(struct engine *, int, int);
void	 rx_icmp_msg(struct engine *, struct msghdr *, size_t, int, int);

/* tun_icmp.c */
void	 tun_icmp_v4(struct engine *, const uint8_t *, size_t, uint8_t,
	    uint8_t, uint32_t);
void	 tun_icmp_v6(struct engine *, const uint8_t *, size_t, uint8_t,
	    uint8_t, uint32_t);

/* peer_unreach.c */
int	 peer_unreach_note(struct engine *, const uint8_t *, size_t, int);
int	 peer_unreach_note_dst(struct engine *, const struct tun_addr *);

/* pmtu.c */
void	 pmtu_reset(struct pmtu *, uint32_t);
uint32_t pmtu_get(struct pmtu *);
int	 pmtu_lower(struct pmtu *, uint32_t, int);
int	 ratelimit_allow(struct ratelimit *);

/* engine_sandbox.c */
void	 engine_seccomp_install(void);

#endif /* IPIPD_ENGINE_H */
