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
 * Readiness for systemd's Type=notify, without libsystemd: one
 * datagram "READY=1" to the unix socket named by $NOTIFY_SOCKET (a path,
 * or an abstract name written with a leading '@'), sent once the tunnel
 * is up.  The variable is read and removed at start-up, so the children
 * never see it and cannot speak for the daemon.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

static struct sockaddr_un	 notify_sun;
static socklen_t		 notify_len;	/* 0: nobody to tell */

void
notify_init(void)
{
	const char	*s = getenv("NOTIFY_SOCKET");
	size_t		 len;

	if (s == NULL)
		return;
	len = strlen(s);
	if ((s[0] != '/' && s[0] != '@') || len < 2 ||
	    len >= sizeof(notify_sun.sun_path)) {
		log_warnx("ignoring NOTIFY_SOCKET '%s': not a socket path or "
		    "@abstract name", s);
		unsetenv("NOTIFY_SOCKET");
		return;
	}
	memset(&notify_sun, 0, sizeof(notify_sun));
	notify_sun.sun_family = AF_UNIX;
	memcpy(notify_sun.sun_path, s, len);
	if (s[0] == '@')
		notify_sun.sun_path[0] = '\0';
	notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + (s[0] == '/'));
	unsetenv("NOTIFY_SOCKET");
}

/* Tell the service manager the tunnel is up; a failure only warns. */
void
notify_ready(void)
{
	static const char	 msg[] = "READY=1";
	int			 fd;

	if (notify_len == 0)
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("notify socket");
		return;
	}
	if (sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_sun, notify_len) == -1)
		log_warn("sending READY=1 to NOTIFY_SOCKET");
	close(fd);
	notify_len = 0;
}
