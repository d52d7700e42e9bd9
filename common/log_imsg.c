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
 * The children's log sink: every line goes to the parent as IMSG_LOG,
 * which labels, sanitizes and writes it (stderr or syslog).
 */

#include <string.h>

#include "imsg.h"
#include "ipipd_msg.h"
#include "log.h"

static struct imsgbuf	*log_ibuf;

static void
log_imsg_sink(int pri, const char *line)
{
	struct msg_log	 m;

	memset(&m, 0, sizeof(m));
	m.pri = pri;
	strlcpy(m.line, line, sizeof(m.line));
	if (imsg_compose(log_ibuf, IMSG_LOG, 0, 0, -1, &m, sizeof(m)) != -1)
		(void)imsg_flush(log_ibuf);
}

void
log_to_parent(struct imsgbuf *ibuf)
{
	log_ibuf = ibuf;
	log_setsink(log_imsg_sink);
}
