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
 * The parent's TCP sockets: the server's listening sockets (bound while
 * root, so a port below 1024 works) and the client's outgoing
 * connections, non-blocking; the engine gets them once connected.
 * Dead peers are found per socket, never through host-wide sysctls:
 * keepalive probes after 20 s of silence, every 10 s, 4 of them (about
 * a minute), and TCP_USER_TIMEOUT for data that stays unacknowledged.
 * Linux copies these options from a listening socket to each socket
 * accept() returns, so the engine needs no setsockopt.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

#define KEEP_IDLE_S	20
#define KEEP_INTVL_S	10
#define KEEP_CNT	4
#define USER_TIMEOUT_MS	60000
#define LISTEN_BACKLOG	4096

static void
opt(int fd, int level, int name, int val, const char *what)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) == -1)
		log_warn("setsockopt %s", what);
}

void
tcp_sock_keepalive(int fd)
{
	opt(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
	opt(fd, IPPROTO_TCP, TCP_KEEPIDLE, KEEP_IDLE_S, "TCP_KEEPIDLE");
	opt(fd, IPPROTO_TCP, TCP_KEEPINTVL, KEEP_INTVL_S, "TCP_KEEPINTVL");
	opt(fd, IPPROTO_TCP, TCP_KEEPCNT, KEEP_CNT, "TCP_KEEPCNT");
	opt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, USER_TIMEOUT_MS,
	    "TCP_USER_TIMEOUT");
	/* The engine writes many packets per send itself. */
	opt(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
}

static socklen_t
to_sockaddr(const struct tun_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr = a->u.v4;
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	s6->sin6_addr = a->u.v6;
	return sizeof(*s6);
}

/* A listening socket on a:port, or -1 and err. */
int
tcp_sock_listen(const struct tun_addr *a, uint16_t port, char *err,
    size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = to_sockaddr(a, port, &ss);
	char			 b[ADDR_STRLEN];
	int			 fd, on = 1;

	fd = socket(a->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (a->af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) == -1))
		goto fail;
	tcp_sock_keepalive(fd);
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	return fd;
fail:
	snprintf(err, len, "listen %s port %u: %s", addr_is_set(a) ?
	    addr_fmt(a, b, sizeof(b)) : a->af == AF_INET ? "0.0.0.0" : "::",
	    port, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

/* A non-blocking connect to remote:port (from local when set). */
int
tcp_sock_connect(const struct tun_addr *local, const struct tun_addr *remote,
    uint16_t port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd, saved;

	fd = socket(remote->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	tcp_sock_keepalive(fd);
	if (addr_is_set(local) && local->af == remote->af) {
		sl = to_sockaddr(local, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) == -1)
			goto fail;
	}
	sl = to_sockaddr(remote, port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
