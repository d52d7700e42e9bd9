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
 * Message passing between the ipipd processes over a SOCK_STREAM unix
 * socket pair, with the API shape of OpenBSD's imsg(3).  Written for
 * ipipd; Debian's libbsd does not ship imsg.
 *
 * Wire format: struct imsg_hdr (host byte order: both ends are the same
 * binary family on one host) followed by hdr.len - IMSG_HEADER_SIZE bytes
 * of payload.  At most one file descriptor travels with a message, as
 * SCM_RIGHTS ancillary data on the first byte of that message.
 */
#ifndef IPIPD_IMSG_H
#define IPIPD_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#define IMSG_HEADER_SIZE	sizeof(struct imsg_hdr)
#define MAX_IMSGSIZE		16384	/* header included */
#define IMSG_READ_SIZE		65536	/* read buffer: several messages */

struct ibuf {
	TAILQ_ENTRY(ibuf)	 entry;
	uint8_t			*buf;
	size_t			 size;	/* allocated */
	size_t			 wpos;	/* bytes written into buf */
	size_t			 rpos;	/* bytes already sent */
	int			 fd;	/* to pass with this message, or -1 */
};

struct msgbuf {
	TAILQ_HEAD(, ibuf)	 bufs;
	uint32_t		 queued;
	int			 fd;
};

struct imsg_fd {
	TAILQ_ENTRY(imsg_fd)	 entry;
	int			 fd;
};

struct ibuf_read {
	uint8_t			 buf[IMSG_READ_SIZE];
	size_t			 wpos;	/* bytes held in buf */
};

struct imsg_hdr {
	uint32_t	 type;
	uint16_t	 len;		/* header + payload */
	uint16_t	 flags;
	uint32_t	 peerid;
	uint32_t	 pid;
};

#define IMSGF_HASFD	0x0001	/* an fd was sent with this message */

struct imsgbuf {
	TAILQ_HEAD(, imsg_fd)	 fds;	/* received, not yet claimed */
	struct ibuf_read	 r;
	struct msgbuf		 w;
	int			 fd;
	pid_t			 pid;
};

struct imsg {
	struct imsg_hdr	 hdr;
	int		 fd;		/* -1 when none */
	void		*data;		/* payload, NULL when empty */
};

void	 imsg_init(struct imsgbuf *, int);
ssize_t	 imsg_read(struct imsgbuf *);
ssize_t	 imsg_get(struct imsgbuf *, struct imsg *);
int	 imsg_compose(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 imsg_flush(struct imsgbuf *);
void	 imsg_free(struct imsg *);
void	 imsg_clear(struct imsgbuf *);
size_t	 imsg_get_len(const struct imsg *);
int	 imsg_get_data(const struct imsg *, void *, size_t);
int	 imsg_get_fd(struct imsg *);

int	 msgbuf_write(struct msgbuf *);
void	 msgbuf_clear(struct msgbuf *);

#endif /* IPIPD_IMSG_H */
