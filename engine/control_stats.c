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
 * Every counter the engine keeps, by its stable name, for ipipctl show
 * stats.  The names are an interface (scripts and JSON read them): add
 * new ones, never rename.  The drop reasons carry the names of
 * engine/pkt/drop.c, as the SIGUSR1 status line shows them.
 */

#include <stddef.h>
#include <string.h>

#include "engine.h"
#include "tcp.h"

struct cdef {
	const char	*name;
	uint8_t		 group;
	size_t		 off;		/* a uint64_t in its struct */
};

#define ES(n, g, f)	{ n, g, offsetof(struct engine_stats, f) }
static const struct cdef engine_defs[] = {
	ES("tun-rx-packets", CTL_GROUP_TRAFFIC, tun_rx_pkts),
	ES("tun-rx-bytes", CTL_GROUP_TRAFFIC, tun_rx_bytes),
	ES("net-tx-packets", CTL_GROUP_TRAFFIC, net_tx_pkts),
	ES("net-tx-bytes", CTL_GROUP_TRAFFIC, net_tx_bytes),
	ES("net-rx-packets", CTL_GROUP_TRAFFIC, net_rx_pkts),
	ES("net-rx-bytes", CTL_GROUP_TRAFFIC, net_rx_bytes),
	ES("tun-tx-packets", CTL_GROUP_TRAFFIC, tun_tx_pkts),
	ES("tun-tx-bytes", CTL_GROUP_TRAFFIC, tun_tx_bytes),
	ES("net-tx-errors", CTL_GROUP_TRAFFIC, net_tx_errors),
	ES("tun-tx-errors", CTL_GROUP_TRAFFIC, tun_tx_errors),
	ES("frag-packets", CTL_GROUP_FRAGMENTS, frag_pkts),
	ES("frags-sent", CTL_GROUP_FRAGMENTS, frags_sent),
	ES("icmp-sent", CTL_GROUP_ICMP, icmp_sent),
	ES("icmp-ratelimited", CTL_GROUP_ICMP, icmp_ratelimited),
	ES("icmp-rx", CTL_GROUP_ICMP, icmp_rx),
	ES("icmp-rx-pmtu", CTL_GROUP_ICMP, icmp_rx_pmtu),
	ES("icmp-relayed", CTL_GROUP_ICMP, icmp_relayed),
	ES("icmp-soft", CTL_GROUP_ICMP, icmp_soft),
	ES("keepalive-tx", CTL_GROUP_UDP, keepalive_tx),
	ES("keepalive-rx", CTL_GROUP_UDP, keepalive_rx),
	ES("float-moves", CTL_GROUP_UDP, float_moves),
};
#undef ES

#define OS(n, f)	{ n, CTL_GROUP_OFFLOAD, offsetof(struct offload_state, f) }
static const struct cdef offload_defs[] = {
	OS("gso-packets", gso_pkts),
	OS("gso-segments", gso_segs),
	OS("csum-done", csum_done),
	OS("gro-packets", gro_pkts),
	OS("gro-segments", gro_segs),
	OS("offload-bad", bad),
	OS("uso-sends", uso_msgs),
	OS("uso-segments", uso_segs),
	OS("uso-refused", uso_refused),
	OS("udp-gro-buffers", udp_gro_bufs),
	OS("udp-gro-segments", udp_gro_segs),
};
#undef OS

#define CS(n, f)	{ n, CTL_GROUP_CONTROL, offsetof(struct ctl_stats, f) }
static const struct cdef control_defs[] = {
	CS("control-clients", clients),
	CS("control-requests", requests),
	CS("control-bad", bad),
	CS("control-timeouts", timeouts),
	CS("control-denied", denied),
	CS("control-full", full),
};
#undef CS

#define TS(n, f)	{ n, CTL_GROUP_TCP, offsetof(struct tcp_stats, f) }
static const struct cdef tcp_defs[] = {
	TS("accepted", accepted),
	TS("rx-packets", rx_pkts),
	TS("rx-bytes", rx_bytes),
	TS("tx-packets", tx_pkts),
	TS("tx-bytes", tx_bytes),
	TS("sends", tx_writes),
};
#undef TS
#define TCP_GAUGES	3	/* tcp_counters() */

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NCOUNTERS	(NELEM(engine_defs) + DROP_MAX - 1 + \
			    NELEM(offload_defs) + NELEM(control_defs) + \
			    TCP_GAUGES + NELEM(tcp_defs) + TC_MAX - 1 + TD_MAX)
#define NBATCHES	((NCOUNTERS + CTL_COUNTERS_MAX - 1) / CTL_COUNTERS_MAX)

/* show stats: the tunnel, the counters, the end (control_req.c). */
_Static_assert(2 * IMSG_HEADER_SIZE + sizeof(struct ctl_tunnel) +
    NBATCHES * (IMSG_HEADER_SIZE + sizeof(struct ctl_counters)) <= CTL_WBUF,
    "ipipctl show stats does not fit CTL_WBUF");

static int
add(struct ctl_conn *c, struct ctl_counters *m, const char *name,
    uint8_t group, uint64_t value)
{
	if (m->n == CTL_COUNTERS_MAX) {
		if (ctl_reply(c, IMSG_CTL_COUNTERS, m, sizeof(*m)) == -1)
			return -1;
		memset(m, 0, sizeof(*m));
	}
	strlcpy(m->c[m->n].name, name, sizeof(m->c[m->n].name));
	m->c[m->n].group = group;
	m->c[m->n].value = value;
	m->n++;
	return 0;
}

static int
add_defs(struct ctl_conn *c, struct ctl_counters *m, const struct cdef *d,
    size_t n, const void *base)
{
	uint64_t	 v;
	size_t		 i;

	for (i = 0; i < n; i++) {
		memcpy(&v, (const uint8_t *)base + d[i].off, sizeof(v));
		if (add(c, m, d[i].name, d[i].group, v) == -1)
			return -1;
	}
	return 0;
}

/*
 * encap tcp, serve tcp: the connections now, the traffic, why they
 * ended (by the cause names of the log) and the drops.
 */
static int
tcp_counters(struct engine *e, struct ctl_conn *c, struct ctl_counters *m)
{
	struct tcp_engine	*t = e->tcp;
	int			 i;

	if (add(c, m, "clients", CTL_GROUP_TCP, t->nclients) == -1 ||
	    add(c, m, "handshakes", CTL_GROUP_TCP, t->nunauth) == -1 ||
	    add(c, m, "queued-bytes", CTL_GROUP_TCP, t->queued) == -1 ||
	    add_defs(c, m, tcp_defs, NELEM(tcp_defs), &t->st) == -1)
		return -1;
	for (i = TC_NONE + 1; i < TC_MAX; i++)
		if (add(c, m, tcp_cause_name((enum tcp_cause)i),
		    CTL_GROUP_TCP_CLOSED, t->st.causes[i]) == -1)
			return -1;
	for (i = 0; i < TD_MAX; i++)
		if (add(c, m, tcp_drop_name((enum tcp_drop)i),
		    CTL_GROUP_TCP_DROPS, t->st.drops[i]) == -1)
			return -1;
	return 0;
}

int
control_counters(struct engine *e, struct ctl_conn *c)
{
	static struct ctl_counters	 m;
	int				 i;

	memset(&m, 0, sizeof(m));
	if (add_defs(c, &m, engine_defs, NELEM(engine_defs), &e->stats) == -1)
		return -1;
	for (i = DROP_NONE + 1; i < DROP_MAX; i++)
		if (add(c, &m, drop_reason_name((enum drop_reason)i),
		    CTL_GROUP_DROPS, e->stats.drops[i]) == -1)
			return -1;
	if (add_defs(c, &m, offload_defs, NELEM(offload_defs), &e->off) ==
	    -1 || add_defs(c, &m, control_defs, NELEM(control_defs),
	    &e->ctl.stats) == -1)
		return -1;
	if (e->tcp != NULL && tcp_counters(e, c, &m) == -1)
		return -1;
	if (m.n > 0 && ctl_reply(c, IMSG_CTL_COUNTERS, &m, sizeof(m)) == -1)
		return -1;
	return 0;
}
