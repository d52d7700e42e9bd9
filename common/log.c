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

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int		 log_foreground = 1;
static int		 log_verbose;
static const char	*log_procname;
static log_sink_fn	 log_sink;
static int		 log_tee;
static int		 log_journal;	/* stderr is systemd's journal */

/*
 * Under systemd, stderr is a stream to the journal, which takes a
 * "<N>" at the start of a line as its syslog priority: critical lines
 * then stay critical.  JOURNAL_STREAM names that stream (device:inode);
 * a stderr redirected elsewhere since does not match and gets no
 * prefix.
 */
static int
stderr_is_journal(void)
{
	const char		*v = getenv("JOURNAL_STREAM");
	struct stat		 st;
	unsigned long long	 dev, ino;
	char			*end;

	if (v == NULL)
		return 0;
	errno = 0;
	dev = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != ':')
		return 0;
	v = end + 1;
	ino = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0')
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(int foreground, int verbose, int facility)
{
	log_foreground = foreground;
	log_verbose = verbose;
	log_journal = stderr_is_journal();
	if (!foreground)
		openlog(getprogname(), LOG_PID | LOG_NDELAY, facility);
	tzset();
}

/* Tag every line with the process it comes from ("engine", "resolver"). */
void
log_procinit(const char *procname)
{
	log_procname = procname;
}

/*
 * Hand lines to fn instead of stderr or syslog: a sandboxed child that
 * is not in the foreground passes its lines to the parent.
 */
void
log_setsink(log_sink_fn fn)
{
	log_sink = fn;
}

/*
 * A daemon that has not finished starting also writes its lines to
 * stderr, so start-up errors reach the terminal that started it.
 */
void
log_tee_stderr(int on)
{
	log_tee = on;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

/* Format into a bounded line; never stdio, never a second write. */
static void
log_emit(int pri, const char *line)
{
	char	 buf[LOG_LINE_MAX + 64], pfx[4] = "";
	int	 n;

	if (log_sink != NULL) {
		log_sink(pri, line);
		return;
	}
	if (!log_foreground) {
		syslog(pri, "%s", line);
		if (!log_tee)
			return;
	}
	if (log_journal) {
		pfx[0] = '<';
		pfx[1] = (char)('0' + (pri & LOG_PRIMASK));
		pfx[2] = '>';
	}
	n = snprintf(buf, sizeof(buf), "%s%s%s%s\n", pfx,
	    log_procname ? log_procname : "", log_procname ? ": " : "", line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, buf, (size_t)n) == -1)
		return;	/* nowhere left to report it */
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 line[LOG_LINE_MAX];

	if (pri == LOG_DEBUG && log_verbose < 1)
		return;
	if (pri == LOG_INFO && log_verbose < 0)
		return;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	log_emit(pri, line);
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/* Log fmt followed by ": " and strerror(errno). */
static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX];
	int	 saved = errno;

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	logit(pri, "%s: %s", msg, strerror(saved));
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
