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
 * The client's default identifier, stable across restarts and
 * reinstalls of ipipd: as the seed's clients do, the MAC address of
 * the uplink (the interface of the route to the server), else the
 * host's /etc/machine-id.  `identifier ID` sets it explicitly.
 */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <net/if_arp.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

/* "aa:bb:cc:dd:ee:ff" of ifindex when it has a non-zero 6-byte MAC. */
static int
uplink_mac(unsigned int ifindex, char *name, char *buf, size_t len)
{
	struct ifreq	 ifr;
	const uint8_t	*m;
	int		 s, r;

	if (if_indextoname(ifindex, name) == NULL)
		return -1;
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	r = ioctl(s, SIOCGIFHWADDR, &ifr);
	close(s);
	if (r == -1 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -1;
	m = (const uint8_t *)ifr.ifr_hwaddr.sa_data;
	if ((m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0)
		return -1;
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
	return 0;
}

static int
machine_id(char *buf, size_t len)
{
	char	 s[64];
	ssize_t	 n;
	int	 fd, i;

	if ((fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, s, sizeof(s) - 1);
	close(fd);
	if (n < 32)
		return -1;
	for (i = 0; i < 32; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	s[32] = '\0';
	snprintf(buf, len, "%s", s);
	return 0;
}

void
tcp_client_default_id(struct ipipd *env, char *buf, size_t len)
{
	struct route_info	 ri;
	char			 name[IF_NAMESIZE] = "";

	if (env->conf.tcp.id[0] != '\0') {
		strlcpy(buf, env->conf.tcp.id, len);
		return;
	}
	if (nl_route_get(env->res.nl, &env->remote, &ri) == 0 &&
	    uplink_mac(ri.oif, name, buf, len) == 0) {
		log_info("identifier %s: the MAC address of %s", buf, name);
		return;
	}
	if (machine_id(buf, len) == 0) {
		log_info("identifier %s: /etc/machine-id (%s%shas no MAC "
		    "address)", buf, name, name[0] ? " " : "the uplink ");
		return;
	}
	fatalx("no identifier for the server: the uplink has no MAC address "
	    "and /etc/machine-id is unreadable; set identifier ID");
}
