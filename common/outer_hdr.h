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
 * The outer headers in front of every inner packet, and their length:
 * the engine lays them down (or the kernel does, over UDP), the parent
 * needs their length for the TUN device's MTU.  One definition for
 * both, so that the two can never disagree.
 */
#ifndef IPIPD_OUTER_HDR_H
#define IPIPD_OUTER_HDR_H

#include <sys/socket.h>

#include <stdint.h>

#include "ipipd_msg.h"

#define IPV4_HDR_LEN		20	/* outer IPv4 header, no options */
#define IPV6_HDR_LEN		40
#define IPV6_ENCAPLIM_LEN	8	/* destination options header */
#define UDP_HDR_LEN		8
#define GUE_HDR_LEN		4	/* variant 0, no optional fields */

/*
 * Bytes of outer header per packet over af (AF_INET, AF_INET6) with
 * encap (ENCAP_*).  encaplim: an IPv6 header of our own carries the
 * Tunnel Encapsulation Limit option; over UDP the kernel writes the IP
 * header, which never does.
 */
static inline uint32_t
outer_hdr_len(int af, uint8_t encap, int encaplim)
{
	uint32_t	 ip = af == AF_INET ? IPV4_HDR_LEN : IPV6_HDR_LEN;

	if (encap != ENCAP_NONE)
		return ip + UDP_HDR_LEN +
		    (encap == ENCAP_GUE ? GUE_HDR_LEN : 0);
	if (af == AF_INET6 && encaplim)
		return ip + IPV6_ENCAPLIM_LEN;
	return ip;
}

#endif /* IPIPD_OUTER_HDR_H */
