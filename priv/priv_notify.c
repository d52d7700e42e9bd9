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
 * The service manager protocol of systemd's Type=notify, without
 * libsystemd: datagrams to the unix socket named by $NOTIFY_SOCKET (a
 * path, or an abstract name written with a leading '@').  READY=1 once
 * the tunnel is up, RELOADING=1 and READY=1 around a reload (with
 * STATUS= saying how it went), WATCHDOG=1 while the engine answers
 * (priv_watchdog.c).  The variables are read and removed at start-up,
 * so the children never see them and cannot speak for the daemon.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

static struct sockaddr_un	 notify_sun;
static socklen_t		 notify_len;	/* 0: nobody to tell */
static uint64_t			 watchdog_ms;	/* 0: no watchdog */

/*
 * WATCHDOG_USEC, for this process only (WATCHDOG_PID, when set, must be
 * ours).  A value that is no number of microseconds is ignored with a
 * warning, as a bad NOTIFY_SOCKET is.
 */
static void
watchdog_init(void)
{
	const char		*e;
	char			 us[32], pid[32], *end;
	unsigned long long	 v;

	us[0] = pid[0] = '\0';
	if ((e = getenv("WATCHDOG_USEC")) != NULL)
		strlcpy(us, e, sizeof(us));
	if ((e = getenv("WATCHDOG_PID")) != NULL)
		strlcpy(pid, e, sizeof(pid));
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (us[0] == '\0' || notify_len == 0)
		return;
	if (pid[0] != '\0' && strtoll(pid, NULL, 10) != (long long)getpid())
		return;
	errno = 0;
	v = strtoull(us, &end, 10);
	if (errno != 0 || end == us || *end != '\0' || v < 1000 ||
	    v > 24ULL * 3600 * 1000000) {
		log_warnx("ignoring WATCHDOG_USEC '%s': not 1000 to 86400000000 "
		    "microseconds", us);
		return;
	}
	watchdog_ms = v / 1000;
}

void
notify_init(void)
{
	const char	*s = getenv("NOTIFY_SOCKET");
	size_t		 len;

	if (s == NULL) {
		watchdog_init();
		return;
	}
	len = strlen(s);
	if ((s[0] != '/' && s[0] != '@') || len < 2 ||
	    len >= sizeof(notify_sun.sun_path)) {
		log_warnx("ignoring NOTIFY_SOCKET '%s': not a socket path or "
		    "@abstract name", s);
		unsetenv("NOTIFY_SOCKET");
		watchdog_init();
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
	watchdog_init();
}

/* One datagram to the service manager; a failure only warns. */
static void
notify_send(const char *msg)
{
	int	 fd;

	if (notify_len == 0)
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("notify socket");
		return;
	}
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_sun, notify_len) == -1)
		log_warn("sending %.*s to NOTIFY_SOCKET",
		    (int)strcspn(msg, "\n"), msg);
	close(fd);
}

/* Tell the service manager the tunnel is up, and what it is. */
void
notify_ready(const char *status)
{
	char	 msg[512], *p;
	int	 n;

	n = snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	/* One line: a newline would start a field of its own. */
	for (p = msg + strlen("READY=1\n"); n > 0 && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	notify_send(msg);
}

/* A reload begins (systemctl shows "reloading" until notify_ready). */
void
notify_reloading(void)
{
	struct timespec	 ts;
	char		 msg[64];

	/* MONOTONIC_USEC: newer systemd matches the reload by it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000);
	notify_send(msg);
}

void
notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}

/* The watchdog interval systemd asked for, 0 for none. */
uint64_t
notify_watchdog_ms(void)
{
	return watchdog_ms;
}
