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

/* Confinement steps both children take before they touch any input. */
#ifndef IPIPD_SANDBOX_H
#define IPIPD_SANDBOX_H

#include <sys/types.h>

/*
 * The valgrind build (make valgrind: -DIPIPD_VALGRIND, build-valgrind
 * only) loads no seccomp filter: valgrind makes calls of its own around
 * every call of the program (signal masks, its executable translation
 * cache, its lock pipe) that no allowlist has, and under valgrind
 * libseccomp cannot even tell which actions the kernel has.  The
 * filters are tested in every other build (unit/test_sandbox,
 * t_sandbox); chroot, user and limits stay the same.
 */
#ifdef IPIPD_VALGRIND
#define SANDBOX_NO_SECCOMP	1
#else
#define SANDBOX_NO_SECCOMP	0
#endif
#include <stdint.h>

void	sandbox_chroot(const char *);
void	sandbox_chroot_userns(const char *);
void	sandbox_drop_user(uid_t, gid_t);
void	sandbox_lockdown(pid_t);
int	sandbox_parse_id(const char *, unsigned long *);
uint32_t sandbox_seccomp_action(void);

#endif /* IPIPD_SANDBOX_H */
