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
 * UDP_GRO on the receive side of encap fou|gue.  The parent sets UDP_GRO
 * on the sockets it passes (with offloads on), so the kernel may hand
 * over several datagrams of one sender as one buffer: all of gso_size
 * bytes but the last, which may be shorter, with the size in a SOL_UDP
 * UDP_GRO control message.  A UDP_SEGMENT send over veth arrives so
 * without ever being cut.  These two helpers find the size and the
 * datagrams; everything else about each datagram is checked as if it
 * had come alone (rx_udp.c).
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <string.h>

#include "pkt.h"

/*
 * The segment size of a coalesced buffer, 0 if there is none (an
 * ordinary datagram) or the control message is short or out of range.
 */
int
udp_gro_size(struct msghdr *m)
{
	struct cmsghdr	*c;
	int		 sz;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO)
			continue;
		/* Its length and the control buffer must both hold it. */
		if (c->cmsg_len < CMSG_LEN(sizeof(sz)) ||
		    (size_t)(CMSG_DATA(c) - (uint8_t *)m->msg_control) +
		    sizeof(sz) > m->msg_controllen)
			return 0;
		memcpy(&sz, CMSG_DATA(c), sizeof(sz));
		return sz > 0 && sz <= PKT_MAXLEN ? sz : 0;
	}
	return 0;
}

/*
 * The length of the datagram at off in a buffer of len bytes, 0 when
 * there is none left.  A gso_size of 0, or larger than the buffer,
 * makes the whole buffer one datagram.
 */
size_t
udp_gro_next(size_t len, size_t gso_size, size_t off)
{
	if (off >= len)
		return 0;
	if (gso_size == 0 || gso_size > len)
		return off == 0 ? len : 0;
	return len - off < gso_size ? len - off : gso_size;
}
