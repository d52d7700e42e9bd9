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

/* Opening the TUN device: the parent does every ioctl on it. */

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <linux/if_tun.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

#define TUN_PATH	"/dev/net/tun"

/* user:group names of a file's owner, numbers when unknown. */
static void
owner_name(const struct stat *st, char *buf, size_t len)
{
	struct passwd	*pw = getpwuid(st->st_uid);
	struct group	*gr = getgrgid(st->st_gid);
	char		 u[32], g[32];

	if (pw == NULL)
		snprintf(u, sizeof(u), "%ld", (long)st->st_uid);
	if (gr == NULL)
		snprintf(g, sizeof(g), "%ld", (long)st->st_gid);
	snprintf(buf, len, "%s:%s", pw != NULL ? pw->pw_name : u,
	    gr != NULL ? gr->gr_name : g);
}

/*
 * The clone device refused us: say what it is, who we are, and the two
 * ways out.  EPERM rather than EACCES is the device cgroup (systemd's
 * DevicePolicy=), not the file's mode.
 */
static void __attribute__((noreturn))
tun_denied(int err)
{
	struct stat	 st;
	char		 own[96];

	if (err == EPERM)
		fatalx("open %s: %s: the device cgroup refuses it (under "
		    "systemd: DeviceAllow=%s rw)", TUN_PATH, strerror(err),
		    TUN_PATH);
	if (stat(TUN_PATH, &st) == -1)
		fatalx("open %s: %s", TUN_PATH, strerror(err));
	owner_name(&st, own, sizeof(own));
	fatalx("open %s: %s: it is mode %04o, owner %s, and ipipd runs as "
	    "uid %ld gid %ld, which needs read and write access to it; "
	    "start ipipd as root (it opens the device, then drops to the "
	    "service user itself; the shipped ipipd@.service does), or give "
	    "the device mode 0666 as udev's rule does", TUN_PATH,
	    strerror(err), (unsigned int)(st.st_mode & 07777), own,
	    (long)geteuid(), (long)getegid());
}

/*
 * Attach to the TUN device name, or create it.  A created device is not
 * persistent: it disappears when the last fd (ours and the engine's)
 * closes, so it never outlives the daemon.  Packet info stays on: the
 * engine reads and writes the inner protocol there (ETH_P_IP, ETH_P_IPV6,
 * later ETH_P_MPLS_UC), which a version nibble cannot express.
 */
int
priv_open_tun(const char *name, int *created, unsigned int *ifindex, int vnet)
{
	struct ifreq	 ifr;
	int		 fd, existed;

	existed = if_nametoindex(name) != 0;
	if ((fd = open(TUN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == EACCES || errno == EPERM)
			tun_denied(errno);
		fatal("open %s", TUN_PATH);
	}
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	ifr.ifr_flags = IFF_TUN | (vnet ? IFF_VNET_HDR : 0);	/* issue 8 */
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		switch (errno) {
		case EINVAL:
			fatalx("device %s exists and is not a TUN device",
			    name);
		case EBUSY:
			fatalx("TUN device %s is in use by another process",
			    name);
		default:
			fatal("TUNSETIFF %s", name);
		}
	}
	if ((*ifindex = if_nametoindex(name)) == 0)
		fatal("TUN device %s vanished", name);
	if (vnet)
		priv_tun_set_offload(fd, name);
	*created = !existed;
	log_debug("%s TUN device %s (index %u)",
	    existed ? "attached to" : "created", name, *ifindex);
	return fd;
}
