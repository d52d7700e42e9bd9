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
 * The handshake of the seed's protocol, parsed with jansson:
 *   client -> server  {"Id":"00:11:22:aa:bb:cc"}
 *   server -> client  {"Prefix":"2001:db8:100:3::/64"}
 * one JSON object each, no newline, packets right behind it.  A reader
 * takes what has arrived so far and answers TCP_MORE until one whole
 * object is there (at most TCP_HS_MAX bytes), then tells how many
 * bytes it used: whatever follows is the packet stream.  As the seed's
 * Go server does, a key matches whatever its case ("id", "ID") and
 * unknown keys are ignored; where a key repeats, the last one counts.
 * An ipipd client may add "Key", the shared key of a server's
 * allowlist; the seed's clients send none.
 */

#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ipipd_msg.h"
#include "tcp_proto.h"

/*
 * jansson seeds its hash function from /dev/urandom on first use, which
 * the engine's sandbox forbids (no open): seed it before the sandbox.
 */
void
tcp_hs_init(void)
{
	uint32_t	 seed = 0;

	while (seed == 0)
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			seed = 0x9e3779b9;
	json_object_seed(seed);
}

/* 1..TCP_ID_MAX printable ASCII bytes. */
int
tcp_hs_id_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > TCP_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/* One whole object from p, or MORE, or BAD with the cause. */
static enum tcp_result
load(const uint8_t *p, size_t len, json_t **obj, size_t *used,
    enum tcp_cause *cause, char *why, size_t whylen)
{
	json_error_t	 je;

	if (len > TCP_HS_MAX)
		len = TCP_HS_MAX;
	*obj = json_loadb((const char *)p, len, JSON_DISABLE_EOF_CHECK, &je);
	if (*obj == NULL) {
		if (json_error_code(&je) == json_error_premature_end_of_input) {
			if (len < TCP_HS_MAX)
				return TCP_MORE;
			*cause = TC_HS_TOOBIG;
			snprintf(why, whylen, "no JSON object within %d bytes",
			    TCP_HS_MAX);
			return TCP_BAD;
		}
		*cause = TC_HS_MALFORMED;
		snprintf(why, whylen, "not JSON at byte %d: %s", je.position,
		    je.text);
		return TCP_BAD;
	}
	if (!json_is_object(*obj)) {
		json_decref(*obj);
		*cause = TC_HS_MALFORMED;
		snprintf(why, whylen, "a JSON array, not an object");
		return TCP_BAD;
	}
	*used = (size_t)je.position;
	return TCP_OK;
}

/* The value of key (any case, the last one), or NULL. */
static json_t *
field(json_t *obj, const char *key)
{
	const char	*k;
	json_t		*v, *found = NULL;

	json_object_foreach(obj, k, v)
		if (strcasecmp(k, key) == 0)
			found = v;
	return found;
}

/* The string of key, or NULL with cause and why. */
static const char *
string_field(json_t *obj, const char *key, size_t *len,
    enum tcp_cause *cause, char *why, size_t whylen)
{
	json_t	*v = field(obj, key);

	if (v == NULL || !json_is_string(v)) {
		*cause = TC_HS_NOFIELD;
		snprintf(why, whylen, "no \"%s\" string in the object", key);
		return NULL;
	}
	*len = json_string_length(v);
	return json_string_value(v);
}

/* The optional "Key" into key (TCP_KEY_MAX + 1 bytes); -1 if bad. */
static int
read_key(json_t *obj, char *key, enum tcp_cause *cause, char *why,
    size_t whylen)
{
	json_t	*v = field(obj, "Key");
	size_t	 n;

	key[0] = '\0';
	if (v == NULL)
		return 0;
	n = json_is_string(v) ? json_string_length(v) : 0;
	if (!json_is_string(v) || n > TCP_KEY_MAX ||
	    !tcp_hs_id_valid(json_string_value(v), n)) {
		*cause = TC_BAD_KEY;
		snprintf(why, whylen, "a key that is not 1 to %d printable "
		    "ASCII characters", TCP_KEY_MAX);
		return -1;
	}
	memcpy(key, json_string_value(v), n);
	key[n] = '\0';
	return 0;
}

/*
 * Server: the client's {"Id":...}; id gets TCP_ID_MAX + 1 bytes, key
 * TCP_KEY_MAX + 1 (the "Key" an ipipd client may send, else "").
 */
enum tcp_result
tcp_hs_read_id(const uint8_t *p, size_t len, char *id, char *key,
    size_t *used, enum tcp_cause *cause, char *why, size_t whylen)
{
	enum tcp_result	 r;
	json_t		*obj;
	const char	*s;
	size_t		 n;

	if ((r = load(p, len, &obj, used, cause, why, whylen)) != TCP_OK)
		return r;
	if ((s = string_field(obj, "Id", &n, cause, why, whylen)) == NULL) {
		json_decref(obj);
		return TCP_BAD;
	}
	if (!tcp_hs_id_valid(s, n)) {
		*cause = TC_BAD_ID;
		snprintf(why, whylen, "identifier of %zu bytes, not 1 to %d "
		    "printable ASCII characters", n, TCP_ID_MAX);
		json_decref(obj);
		return TCP_BAD;
	}
	memcpy(id, s, n);
	id[n] = '\0';
	r = read_key(obj, key, cause, why, whylen) == 0 ? TCP_OK : TCP_BAD;
	json_decref(obj);
	return r;
}

/* A /64 a host can use: unicast, global or unique local. */
int
tcp_hs_prefix_usable(const struct in6_addr *a)
{
	static const uint8_t	 zero[8];

	return memcmp(a->s6_addr + 8, zero, 8) == 0 &&
	    memcmp(a->s6_addr, zero, 8) != 0 && a->s6_addr[0] != 0xff &&
	    !(a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80);
}

/* Client: the server's {"Prefix":"P/64"}. */
enum tcp_result
tcp_hs_read_prefix(const uint8_t *p, size_t len, struct in6_addr *pfx,
    size_t *used, enum tcp_cause *cause, char *why, size_t whylen)
{
	enum tcp_result	 r;
	json_t		*obj;
	const char	*s;
	char		 buf[INET6_ADDRSTRLEN + 4];
	size_t		 n;

	if ((r = load(p, len, &obj, used, cause, why, whylen)) != TCP_OK)
		return r;
	if ((s = string_field(obj, "Prefix", &n, cause, why, whylen)) ==
	    NULL) {
		json_decref(obj);
		return TCP_BAD;
	}
	r = TCP_BAD;
	*cause = TC_BAD_PREFIX;
	if (n < 4 || n >= sizeof(buf) || strcmp(s + n - 3, "/64") != 0) {
		snprintf(why, whylen, "prefix of %zu bytes, not ADDRESS/64",
		    n);
		goto out;
	}
	memcpy(buf, s, n - 3);
	buf[n - 3] = '\0';
	if (inet_pton(AF_INET6, buf, pfx) != 1 ||
	    !tcp_hs_prefix_usable(pfx)) {
		snprintf(why, whylen, "prefix \"%s/64\" is not a unicast /64",
		    buf);
		goto out;
	}
	r = TCP_OK;
out:
	json_decref(obj);
	return r;
}

/*
 * {"Id":"..."}, with "Key" when key is not empty, into buf (no NUL
 * counted); 0 if it does not fit.
 */
size_t
tcp_hs_write_id(const char *id, const char *key, char *buf, size_t len)
{
	json_t	*o = key[0] == '\0' ? json_pack("{s:s}", "Id", id) :
		    json_pack("{s:s,s:s}", "Id", id, "Key", key);
	size_t	 n;

	if (o == NULL)
		return 0;
	n = json_dumpb(o, buf, len, JSON_COMPACT);
	json_decref(o);
	return n <= len ? n : 0;
}

size_t
tcp_hs_write_prefix(const struct in6_addr *pfx, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN + 4];
	json_t	*o;
	size_t	 n;

	inet_ntop(AF_INET6, pfx, a, sizeof(a));
	snprintf(s, sizeof(s), "%s/64", a);
	if ((o = json_pack("{s:s}", "Prefix", s)) == NULL)
		return 0;
	n = json_dumpb(o, buf, len, JSON_COMPACT);
	json_decref(o);
	return n <= len ? n : 0;
}
