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
 * Test helper: send prebuilt Ethernet frames, byte for byte, out of one
 * interface (AF_PACKET, so the kernel fixes no checksum or length).
 *
 *	pkt_blast IFNAME FILE COUNT RATE
 *
 * FILE holds the frames as records: a 2-byte big-endian length, then
 * the frame.  COUNT frames are sent, the records taken in turn (frame
 * i is record i % records), RATE per second at most (0: no limit).
 * Prints `sent COUNT frames in MS ms (RETRIES retries)`; exits 0 only
 * when every frame was handed to the kernel.
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLAST_BATCH	32
#define BLAST_MAXREC	4096

struct frames {
	uint8_t		*data;
	struct iovec	 iov[BLAST_MAXREC];
	size_t		 n;
};

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "pkt_blast: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
load_frames(const char *path, struct frames *f)
{
	FILE		*fp;
	struct stat	 st;
	size_t		 off = 0, len;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) == -1)
		die(path);
	if ((f->data = malloc((size_t)st.st_size + 1)) == NULL)
		die("malloc");
	if (fread(f->data, 1, (size_t)st.st_size, fp) != (size_t)st.st_size)
		die(path);
	fclose(fp);
	for (f->n = 0; off + 2 <= (size_t)st.st_size; f->n++) {
		len = (size_t)f->data[off] << 8 | f->data[off + 1];
		if (f->n == BLAST_MAXREC || len == 0 ||
		    len > (size_t)st.st_size - off - 2) {
			errno = EINVAL;
			die("bad record in frame file");
		}
		f->iov[f->n].iov_base = f->data + off + 2;
		f->iov[f->n].iov_len = len;
		off += 2 + len;
	}
	if (f->n == 0 || off != (size_t)st.st_size) {
		errno = EINVAL;
		die("frame file");
	}
}

static int
open_packet(const char *ifname)
{
	struct sockaddr_ll	 sll;
	int			 fd;

	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) == -1)
		die("AF_PACKET socket");
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0;	/* send only */
	if ((sll.sll_ifindex = (int)if_nametoindex(ifname)) == 0)
		die(ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		die("bind");
	return fd;
}

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Hold the rate: sleep until sent frames are due. */
static void
pace(uint64_t t0, unsigned long sent, unsigned long rate)
{
	uint64_t	 due, now;
	struct timespec	 ts;

	if (rate == 0)
		return;
	due = t0 + (uint64_t)sent * 1000000000u / rate;
	if ((now = now_ns()) >= due)
		return;
	ts.tv_sec = (time_t)((due - now) / 1000000000u);
	ts.tv_nsec = (long)((due - now) % 1000000000u);
	nanosleep(&ts, NULL);
}

int
main(int argc, char *argv[])
{
	static struct frames	 f;
	struct mmsghdr		 m[BLAST_BATCH];
	unsigned long		 count, rate, sent = 0, retries = 0;
	uint64_t		 t0;
	int			 fd, i, n, want;

	if (argc != 5) {
		fprintf(stderr, "usage: pkt_blast IFNAME FILE COUNT RATE\n");
		return 2;
	}
	load_frames(argv[2], &f);
	count = strtoul(argv[3], NULL, 10);
	rate = strtoul(argv[4], NULL, 10);
	fd = open_packet(argv[1]);
	t0 = now_ns();
	while (sent < count) {
		want = count - sent < BLAST_BATCH ? (int)(count - sent) :
		    BLAST_BATCH;
		memset(m, 0, sizeof(m));
		for (i = 0; i < want; i++) {
			m[i].msg_hdr.msg_iov = &f.iov[(sent + (unsigned long)i) %
			    f.n];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		if ((n = sendmmsg(fd, m, (unsigned int)want, 0)) == -1) {
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR)
				die("sendmmsg");
			retries++;
			usleep(1000);
			continue;
		}
		sent += (unsigned long)n;
		pace(t0, sent, rate);
	}
	printf("sent %lu frames in %llu ms (%lu retries)\n", sent,
	    (unsigned long long)((now_ns() - t0) / 1000000u), retries);
	return 0;
}
