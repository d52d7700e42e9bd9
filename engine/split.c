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
 * EXPERIMENT (issue 8, "scale with cores"), built only with
 * -DENGINE_SPLIT: a second thread for the TUN -> network direction,
 * working on its own copy of the engine (own buffers, queue, counters)
 * whose settings are copied from the main thread's without locks.  Not
 * for production.  Kept to reproduce the measurement in
 * tests/bench/RESULTS.md.
 */
#ifdef ENGINE_SPLIT
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"

static struct engine	 tx;

/* What the transmit side reads of the main thread's state. */
static void
split_sync(const struct engine *e)
{
	tx.tun_fd = e->tun_fd;
	memcpy(tx.raw, e->raw, sizeof(tx.raw));
	tx.conf = e->conf;
	tx.peer = e->peer;
	tx.pmtu = e->pmtu;
}

static void *
split_tx_thread(void *arg)
{
	struct engine	*e = arg;
	struct pollfd	 pfd;

	for (;;) {
		if (!__atomic_load_n(&e->started, __ATOMIC_ACQUIRE)) {
			(void)poll(NULL, 0, 50);
			continue;
		}
		split_sync(e);
		pfd.fd = tx.tun_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) > 0 && (pfd.revents & POLLIN))
			fwd_tun_to_net(&tx);
	}
	return NULL;
}

void
split_start(struct engine *e)
{
	pthread_t	 t;

	memset(&tx, 0, sizeof(tx));
	tx.icmp_rl.tokens = ICMP_BURST;
	if ((tx.slots = calloc(ENGINE_BATCH, sizeof(*tx.slots))) == NULL)
		fatal("packet buffers");
	offload_init(&tx);
	if (pthread_create(&t, NULL, split_tx_thread, e) != 0)
		fatalx("pthread_create");
}
#endif
