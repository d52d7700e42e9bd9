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
 * The recvmmsg batch of both network receive paths (raw sockets,
 * rx_raw.c; UDP sockets, rx_udp.c): each message reads
 * into a packet slot behind PKT_HEADROOM, with room for the sender's
 * address and the control messages either path asks for.
 */

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <string.h>

#include "engine.h"

/*
 * Reset every message of the batch before a recvmmsg: the kernel
 * shortens msg_namelen and msg_controllen on each read.
 */
void
rx_batch_prepare(struct engine *e, struct rx_batch *rx)
{
	struct msghdr	*m;
	int		 i;

	for (i = 0; i < ENGINE_BATCH; i++) {
		rx->iov[i].iov_base = e->slots[i].buf + PKT_HEADROOM;
		rx->iov[i].iov_len = PKT_MAXLEN;
		m = &rx->msgs[i].msg_hdr;
		memset(m, 0, sizeof(*m));
		m->msg_iov = &rx->iov[i];
		m->msg_iovlen = 1;
		m->msg_name = &rx->from[i];
		m->msg_namelen = sizeof(rx->from[i]);
		m->msg_control = rx->cmsg[i].buf;
		m->msg_controllen = sizeof(rx->cmsg[i].buf);
	}
}
