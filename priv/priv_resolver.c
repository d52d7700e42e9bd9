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
 * The parent's channel to the resolver: the question (the remote's
 * name, asked at start, every resolve-interval and when the remote
 * answers unreachable) and the answer, checked field by field before
 * priv_peer.c picks the remote from it.
 */

#include <string.h>

#include "priv.h"
#include "log.h"

void
peer_request_resolve(struct ipipd *env)
{
	struct msg_resolve	 req;

	/* serve tcp has no remote */
	if (env->resolving || !env->resolver.alive ||
	    env->conf.remote[0] == '\0')
		return;
	memset(&req, 0, sizeof(req));
	strlcpy(req.name, env->conf.remote, sizeof(req.name));
	/* -4/-6, mode or an explicit local address pin the family. */
	req.af = env->conf.af;
	if (imsg_compose(&env->resolver.ibuf, IMSG_RESOLVE, 0, 0, -1, &req,
	    sizeof(req)) == -1)
		fatal("imsg_compose");
	env->resolving = 1;
	env->resolving_gen = env->resolve_gen;
}

/* The answer comes from a less privileged process: check every field. */
int
resolve_answer_valid(const struct msg_resolve_answer *ans)
{
	const char	*p;
	uint32_t	 i;

	if (ans->naddrs > RESOLVE_ADDRS_MAX ||
	    memchr(ans->errstr, '\0', sizeof(ans->errstr)) == NULL)
		return 0;
	/* It goes into the log as it is: printable ASCII only. */
	for (p = ans->errstr; *p != '\0'; p++)
		if (*p < ' ' || *p > '~')
			return 0;
	if (ans->error == 0 && ans->naddrs == 0)
		return 0;
	for (i = 0; i < ans->naddrs; i++)
		if (!addr_is_set(&ans->addrs[i]))
			return 0;
	return 1;
}

void
peer_resolved(struct ipipd *env, const struct msg_resolve_answer *ans)
{
	if (!resolve_answer_valid(ans))
		fatalx("resolver sent a malformed answer");
	env->resolving = 0;
	if (env->resolving_gen != env->resolve_gen) {
		/* For the name before a reload: ask for the new one. */
		env->resolve_ms = mono_ms();
		return;
	}
	env->resolve_ms = mono_ms() + env->conf.resolve_interval * 1000;
	peer_answer(env, ans);
}

/* A message from the resolver, which kept the rules of ipipd_msg.h. */
void
resolver_dispatch(struct ipipd *env, struct imsg *imsg)
{
	struct msg_resolve_answer	 ans;

	switch (imsg->hdr.type) {
	case IMSG_RESOLVE_ANSWER:
		if (imsg_get_data(imsg, &ans, sizeof(ans)) == -1)
			fatalx("resolver sent a malformed answer");
		peer_resolved(env, &ans);
		ctl_resolved(env, &ans);
		break;
	case IMSG_LOG:
		child_log(&env->resolver, imsg);
		break;
	default:	/* a type the table lets through but not handled */
		fatalx("resolver sent unexpected message type %u",
		    imsg->hdr.type);
	}
}
