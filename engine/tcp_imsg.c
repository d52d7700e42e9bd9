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
 * The parent's messages of the TCP roles, checked like every other
 * (engine_imsg.c): its settings, the sockets, the answers to prefix
 * requests.  Also what must happen before the sandbox: the epoll
 * instance and jansson's hash seed (tcp_hs_init()).
 */

#include <sys/epoll.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tcp.h"

static int	 pre_epfd = -1;

/* Before the sandbox: what the seccomp filter would not allow later. */
void
tcp_engine_preinit(struct engine *e)
{
	e->tcp = NULL;
	tcp_hs_init();
	if ((pre_epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
}

static void
get(struct imsg *imsg, void *buf, size_t len, const char *what)
{
	if (imsg_get_data(imsg, buf, len) == -1)
		fatalx("parent sent a %s message of %zu bytes, not %zu", what,
		    imsg_get_len(imsg), len);
}

static void
recv_tcp_conf(struct engine *e, struct imsg *imsg)
{
	struct msg_tcp_conf	 c;
	struct tcp_engine	*t;
	uint32_t		 slots;

	get(imsg, &c, sizeof(c), "tcp configuration");
	if ((c.role != TCP_ROLE_CLIENT && c.role != TCP_ROLE_SERVER) ||
	    c.hs_timeout == 0 || c.sendq_max < 16384 || c.hold_ms > 60000 ||
	    (c.role == TCP_ROLE_SERVER && (c.pool_plen < 16 ||
	    c.pool_plen > 63 || c.max_clients == 0 ||
	    c.max_clients > 1000000 || c.max_unauth == 0 ||
	    c.max_unauth > 100000 || c.max_unauth_src == 0)) ||
	    (c.role == TCP_ROLE_CLIENT && (memchr(c.id, '\0',
	    sizeof(c.id)) == NULL || !tcp_hs_id_valid(c.id, strlen(c.id)) ||
	    memchr(c.key, '\0', sizeof(c.key)) == NULL || (c.key[0] != '\0' &&
	    !tcp_hs_id_valid(c.key, strlen(c.key))))))
		fatalx("tcp configuration out of range");
	if (e->tcp != NULL)
		fatalx("second tcp configuration");
	if ((t = calloc(1, sizeof(*t))) == NULL)
		fatal("tcp state");
	t->conf = c;
	t->epfd = pre_epfd;
	t->client = -1;
	slots = c.role == TCP_ROLE_SERVER ? c.max_clients + c.max_unauth : 1;
	tcp_tables_init(t, slots);
	if ((t->rbuf = malloc(TCP_RBUF)) == NULL ||
	    (t->tunbuf = malloc(TUN_PI_LEN + PKT_MAXLEN)) == NULL)
		fatal("tcp buffers");
	if (c.role == TCP_ROLE_SERVER) {
		t->pool_mask = ~((1ULL << (64 - c.pool_plen)) - 1);
		t->pool_hi = tcp_hi64(c.pool.s6_addr) & t->pool_mask;
	}
	t->have_conf = 1;
	e->tcp = t;
}

static void
recv_listen(struct engine *e, struct imsg *imsg)
{
	struct tcp_engine	*t = e->tcp;
	struct msg_fd_tcp	 m;
	int			 fd;

	get(imsg, &m, sizeof(m), "listening socket");
	if (t == NULL || t->conf.role != TCP_ROLE_SERVER || e->started ||
	    t->nlisten == TCP_LISTEN_MAX || !addr_valid(&m.addr))
		fatalx("unexpected listening socket");
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("listening socket message without an fd");
	t->listen_info[t->nlisten] = m;
	t->listen[t->nlisten++] = fd;
}

static void
recv_conn(struct engine *e, struct imsg *imsg)
{
	struct tcp_engine	*t = e->tcp;
	struct msg_fd_tcp	 m;
	int			 fd;

	get(imsg, &m, sizeof(m), "connected socket");
	if (t == NULL || t->conf.role != TCP_ROLE_CLIENT || !e->started ||
	    !addr_is_set(&m.addr))
		fatalx("unexpected connected socket");
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("connected socket message without an fd");
	tcp_client_conn(e, fd, &m);
}

static void
recv_assign(struct engine *e, struct imsg *imsg)
{
	struct msg_tcp_assign	 a;

	get(imsg, &a, sizeof(a), "prefix answer");
	if (e->tcp == NULL || e->tcp->conf.role != TCP_ROLE_SERVER ||
	    a.status < TCP_ASSIGN_OK || a.status > TCP_ASSIGN_REFUSED)
		fatalx("unexpected prefix answer");
	tcp_assigned(e, &a);
}

/* 1 when imsg was one of the TCP messages. */
int
tcp_engine_imsg(struct engine *e, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_TCP_CONF:
		recv_tcp_conf(e, imsg);
		return 1;
	case IMSG_FD_TCP_LISTEN:
		recv_listen(e, imsg);
		return 1;
	case IMSG_FD_TCP_CONN:
		recv_conn(e, imsg);
		return 1;
	case IMSG_TCP_ASSIGN:
		recv_assign(e, imsg);
		return 1;
	}
	return 0;
}

/* IMSG_START with encap tcp: everything there? */
void
tcp_engine_start(struct engine *e)
{
	struct tcp_engine	*t = e->tcp;

	if (e->tun_fd == -1 || !e->have_conf || t == NULL ||
	    (t->conf.role == TCP_ROLE_SERVER && t->nlisten == 0))
		fatalx("start before the TUN fd, configuration and sockets");
}
