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


/* ipipctl: the control program of ipipd (ipipctl(8)). */
#ifndef IPIPCTL_H
#define IPIPCTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ipipd_msg.h"

#define HINTS_MAX	16	/* hints kept from one reply */
#define COUNTERS_MAX	512	/* counters kept from one reply */
#define SOCKETS_MAX	1024	/* sockets found in a directory */
#define CLIENTS_MAX	1100000	/* max-clients + max-handshakes, at most */

/* What one daemon answered. */
struct reply {
	int			 have_tunnel;
	struct ctl_tunnel	 tunnel;
	struct ctl_hint		 hints[HINTS_MAX];
	size_t			 nhints;
	struct ctl_counter	 counters[COUNTERS_MAX];
	size_t			 ncounters;
	struct ctl_client	*clients;	/* show clients, grown */
	size_t			 nclients, clients_cap;
	int			 have_result;
	struct ctl_result	 result;
};

struct opts {
	int		 json;
	int		 human;
};

/* conn.c: one request to the daemon behind path; -1 with err set */
int	 ctl_ask(const char *path, uint32_t type, const void *, size_t,
	    int timeout_ms, struct reply *, char *err, size_t errlen);

/* discover.c: the sockets under dir, sorted; -1 with err set */
int	 ctl_discover(const char *dir, char ***paths, size_t *n, char *err,
	    size_t errlen);
void	 ctl_paths_free(char **, size_t);
const char *ctl_sock_name(const char *path, char *buf, size_t len);

/* show.c: text for people */
void	 show_tunnel(FILE *, const struct reply *, const struct opts *);
void	 show_stats(FILE *, const struct reply *, const struct opts *);
void	 show_clients(FILE *, const struct reply *, const struct opts *);

/* json.c: one JSON value per tunnel, in an array */
void	 json_tunnel(FILE *, const struct reply *);
void	 json_stats(FILE *, const struct reply *);
void	 json_clients(FILE *, const struct reply *);
void	 json_result(FILE *, const char *path, const char *name,
	    const struct reply *, const char *err);
void	 json_str(FILE *, const char *);

/* fmt.c */
const char *fmt_count(uint64_t, int bytes, const struct opts *, char *,
	    size_t);
const char *fmt_secs(uint64_t, const struct opts *, char *, size_t);
const char *group_name(uint8_t);
const char *state_name(const struct ctl_tunnel *);
const char *mtu_from_name(uint8_t);
const char *encap_name(uint8_t);
const char *family_name(const struct tun_addr *);
void	 clients_sort(struct reply *);
const char *client_state_name(uint8_t);
const char *fmt_prefix(const struct in6_addr *, char *, size_t);
const char *fmt_since(uint64_t secs_ago, int utc, char *, size_t);

#endif /* IPIPCTL_H */
