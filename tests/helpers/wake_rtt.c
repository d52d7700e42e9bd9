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
 * Bench helper: what waking a sleeping process costs on this host, the
 * floor under every user-space tunnel's added latency (each packet
 * through one wakes the daemon on each side).
 *
 *	wake_rtt CPU_A CPU_B
 *
 * Two processes pinned to CPU_A and CPU_B pass a byte back and forth
 * over two pipes, 501 times, sleeping 2 ms between rounds so that the
 * other CPU goes idle as it does between pings.  Prints
 * `wake_rtt CPU_A/CPU_B median US p10 US p90 US` (round trip, two
 * wake-ups).  Exits 1 on any error.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS	501

static void
pin(int cpu)
{
	cpu_set_t	 set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == -1)
		err(1, "sched_setaffinity %d", cpu);
}

static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cpu_arg(const char *s)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v >= CPU_SETSIZE)
		errx(1, "bad CPU number: %s", s);
	return (int)v;
}

/* The child echoes each byte back until its pipe closes. */
static void
echo_child(int in, int out)
{
	char	 c;

	while (read(in, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			_exit(1);
	_exit(0);
}

int
main(int argc, char *argv[])
{
	static double	 rtt[ROUNDS];
	int		 to[2], from[2], cpu_a, cpu_b, i, status;
	char		 c = 0;
	double		 t;
	pid_t		 pid;

	if (argc != 3)
		errx(1, "usage: wake_rtt CPU_A CPU_B");
	cpu_a = cpu_arg(argv[1]);
	cpu_b = cpu_arg(argv[2]);
	if (pipe(to) == -1 || pipe(from) == -1)
		err(1, "pipe");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		pin(cpu_b);
		echo_child(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	pin(cpu_a);
	usleep(10000);
	for (i = 0; i < ROUNDS; i++) {
		t = now_us();
		if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1) {
			kill(pid, SIGKILL);
			errx(1, "echo child failed");
		}
		rtt[i] = now_us() - t;
		usleep(2000);
	}
	close(to[1]);
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		errx(1, "echo child did not exit cleanly");
	qsort(rtt, ROUNDS, sizeof(rtt[0]), cmp_double);
	printf("wake_rtt %d/%d median %.0f p10 %.0f p90 %.0f\n", cpu_a, cpu_b,
	    rtt[ROUNDS / 2], rtt[ROUNDS / 10], rtt[ROUNDS * 9 / 10]);
	return 0;
}
