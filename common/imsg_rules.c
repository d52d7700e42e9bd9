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
 * The one check every process runs on every message before it acts on
 * it, against the table of ipipd_msg.h.  What is left to the handlers
 * is the meaning of the payload (ranges, addresses, strings).
 */

#include <stdio.h>

#include "imsg.h"
#include "ipipd_msg.h"

const char *
imsg_proc_name(int p)
{
	switch (p) {
	case IMSG_P_PARENT:
		return "parent";
	case IMSG_P_ENGINE:
		return "engine";
	case IMSG_P_RESOLVER:
		return "resolver";
	case IMSG_P_CLIENT:
		return "control client";
	}
	return "unknown process";
}

int
imsg_rule_check(const struct imsg *imsg, int self, int from,
    unsigned int state, uint64_t *seen, char *why, size_t whylen)
{
	const struct imsg_rule	*r = imsg_rule(imsg->hdr.type);
	const char		*who = imsg_proc_name(from);
	uint64_t		 bit = 1ULL << (imsg->hdr.type % 64);
	size_t			 len = imsg_get_len(imsg);

	if (r == NULL || !(r->from & from) || !(r->to & self))
		snprintf(why, whylen, "%s sent unexpected message type %u",
		    who, imsg->hdr.type);
	else if (len != r->len)
		snprintf(why, whylen, "%s sent a malformed %s message (%zu "
		    "bytes, not %u)", who, r->name, len, r->len);
	else if ((r->flags & IMSG_R_FD) && imsg->fd == -1)
		snprintf(why, whylen, "%s sent a %s message without an fd",
		    who, r->name);
	else if (!(r->flags & IMSG_R_FD) && imsg->fd != -1)
		snprintf(why, whylen, "%s sent an unexpected fd (%s message)",
		    who, r->name);
	else if ((r->flags & IMSG_R_STARTED) && !(state & IMSG_S_STARTED))
		snprintf(why, whylen, "%s sent %s before it was started", who,
		    r->name);
	else if ((r->flags & IMSG_R_ANSWER) && !(state & IMSG_S_ASKED))
		snprintf(why, whylen, "%s sent an answer to no question (%s "
		    "message)", who, r->name);
	else if ((r->flags & IMSG_R_ONCE) && (*seen & bit))
		snprintf(why, whylen, "%s sent a second %s message", who,
		    r->name);
	else {
		if (r->flags & IMSG_R_ONCE)
			*seen |= bit;
		return 0;
	}
	return -1;
}
