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
 * The connection table: a fixed array of slots (max-clients plus
 * max-handshakes, allocated once), a free list, intrusive lists by slot
 * number (handshakes and quiet periods in deadline order, output to
 * write), and a hash of the /64s of the connected clients.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tcp.h"

static struct tcp_link *
link_at(struct tcp_engine *t, int32_t i, size_t off)
{
	return (struct tcp_link *)((char *)&t->conns[i] + off);
}

void
tcp_list_add(struct tcp_engine *t, struct tcp_list *l, int32_t i, size_t off)
{
	struct tcp_link	*k = link_at(t, i, off);

	k->next = -1;
	k->prev = l->tail;
	if (l->tail == -1)
		l->head = i;
	else
		link_at(t, l->tail, off)->next = i;
	l->tail = i;
}

void
tcp_list_del(struct tcp_engine *t, struct tcp_list *l, int32_t i, size_t off)
{
	struct tcp_link	*k = link_at(t, i, off);

	if (k->prev == -1)
		l->head = k->next;
	else
		link_at(t, k->prev, off)->next = k->next;
	if (k->next == -1)
		l->tail = k->prev;
	else
		link_at(t, k->next, off)->prev = k->prev;
	k->prev = k->next = -1;
}

void
tcp_tables_init(struct tcp_engine *t, uint32_t n)
{
	uint32_t	 i;

	if ((t->conns = calloc(n, sizeof(*t->conns))) == NULL)
		fatal("%u connection slots", n);
	t->nconns = n;
	for (i = 0; i < n; i++) {
		t->conns[i].fd = -1;
		t->conns[i].tl.next = i + 1 < n ? (int32_t)i + 1 : -1;
		t->conns[i].tl.prev = t->conns[i].dl.prev =
		    t->conns[i].dl.next = -1;
	}
	t->free_head = 0;
	for (t->nbuckets = 64; t->nbuckets < n; t->nbuckets *= 2)
		;
	if ((t->buckets = malloc(t->nbuckets * sizeof(*t->buckets))) == NULL)
		fatal("prefix hash");
	memset(t->buckets, 0xff, t->nbuckets * sizeof(*t->buckets));
	t->hs.head = t->hs.tail = t->hold.head = t->hold.tail = -1;
	t->dirty.head = t->dirty.tail = -1;
}

int32_t
tcp_slot(const struct tcp_engine *t, const struct tcp_conn *c)
{
	return (int32_t)(c - t->conns);
}

/* A free slot for fd, or NULL. */
struct tcp_conn *
tcp_conn_new(struct tcp_engine *t, int fd)
{
	struct tcp_conn	*c;

	if (t->free_head == -1)
		return NULL;
	c = &t->conns[t->free_head];
	t->free_head = c->tl.next;
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->gen = ++t->gen_next;
	c->since_ms = mono_ms();
	c->hnext = -1;
	c->tl.prev = c->tl.next = c->dl.prev = c->dl.next = -1;
	return c;
}

static uint32_t
bucket(const struct tcp_engine *t, uint64_t hi)
{
	hi ^= hi >> 29;
	hi *= 0xbf58476d1ce4e5b9ULL;
	hi ^= hi >> 32;
	return (uint32_t)hi & (t->nbuckets - 1);
}

struct tcp_conn *
tcp_find_prefix(struct tcp_engine *t, uint64_t hi)
{
	int32_t	 i;

	for (i = t->buckets[bucket(t, hi)]; i != -1; i = t->conns[i].hnext)
		if (t->conns[i].prefix == hi)
			return &t->conns[i];
	return NULL;
}

void
tcp_hash_add(struct tcp_engine *t, struct tcp_conn *c)
{
	uint32_t	 b = bucket(t, c->prefix);

	c->hnext = t->buckets[b];
	t->buckets[b] = tcp_slot(t, c);
}

static void
hash_del(struct tcp_engine *t, struct tcp_conn *c)
{
	int32_t	*p = &t->buckets[bucket(t, c->prefix)];

	while (*p != -1 && *p != tcp_slot(t, c))
		p = &t->conns[*p].hnext;
	if (*p != -1)
		*p = c->hnext;
	c->hnext = -1;
}

/* "ADDRESS port P" of the peer, for log lines. */
const char *
tcp_peer_fmt(const struct tcp_conn *c, char *buf, size_t len)
{
	char	 a[ADDR_STRLEN];

	snprintf(buf, len, "%s port %u", addr_fmt(&c->peer, a, sizeof(a)),
	    c->port);
	return buf;
}

/* Close c and give its slot back; cause is counted. */
void
tcp_conn_close(struct engine *e, struct tcp_conn *c, enum tcp_cause cause)
{
	struct tcp_engine	*t = e->tcp;
	int32_t			 i = tcp_slot(t, c);

	if (c->state == TS_FREE)
		return;
	t->st.causes[cause]++;
	if (c->state == TS_HS || c->state == TS_ASSIGN) {
		tcp_list_del(t, &t->hs, i, offsetof(struct tcp_conn, tl));
		t->nunauth--;
	} else if (c->state == TS_UP) {
		if (c->held)
			tcp_list_del(t, &t->hold, i,
			    offsetof(struct tcp_conn, tl));
		if (t->conf.role == TCP_ROLE_SERVER) {
			hash_del(t, c);
			t->nclients--;
		}
	}
	if (c->dirty)
		tcp_list_del(t, &t->dirty, i, offsetof(struct tcp_conn, dl));
	close(c->fd);	/* leaves the epoll set too */
	free(c->part);
	tcp_out_free(t, c);
	if (t->conf.role == TCP_ROLE_CLIENT)
		tcp_client_closed(e, c);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->hnext = c->dl.prev = c->dl.next = c->tl.prev = -1;
	c->tl.next = t->free_head;
	t->free_head = i;
}
