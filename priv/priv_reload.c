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
 * SIGHUP: read the configuration again (the file, or the command line
 * the daemon was started with) and apply what can change without the
 * privileges the parent gave up: header fields, mode, PMTU discovery,
 * MTU, the remote name and the resolve interval.  What would need them
 * (device, user, chroot) is named in the log and left as it is.  A
 * configuration with an error changes nothing, nor does one that,
 * merged with what was kept, start-up would refuse or the running
 * tunnel (its sockets, its remote address) cannot carry.
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"
#include "log.h"

/* Read the configuration the way start-up did, without exiting. */
static int
reload_read(struct ipipd *env, struct ipipd_conf *c, char *err, size_t len)
{
	int	 i, used;

	conf_defaults(c);
	/*
	 * -4/-6 are flags, not reloadable.  Not conf.af: that also holds
	 * the family of the old literal remote, which may change.
	 */
	c->af = c->af_flag = env->conf.af_flag;
	if (env->conf.file[0] != '\0')
		return conf_read_file(c, env->conf.file, err, len);
	/* The keywords follow the flags, as parse_args() left optind. */
	for (i = optind; i < env->argc; i += 1 + used)
		if (conf_keyword(c, env->argv[i], i + 1 < env->argc ?
		    env->argv[i + 1] : NULL, &used, err, len) == -1)
			return -1;
	return conf_finish(c, err, len);
}

static void
reload_fixed(const struct ipipd_conf *old, const struct ipipd_conf *new)
{
	if (strcmp(old->dev, new->dev) != 0)
		log_warnx("reload: dev %s -> %s needs a restart; kept %s",
		    old->dev, new->dev, old->dev);
	if (!addr_eq(&old->local, &new->local))
		log_warnx("reload: a new local address needs a restart; "
		    "kept the old one");
	if ((old->flags ^ new->flags) & CONF_OFFLOAD)
		log_warnx("reload: offload on/off needs a restart; kept it");
	/* Both families' raw sockets are open: only local pins it. */
	if (new->af != AF_UNSPEC && old->af != new->af &&
	    addr_is_set(&old->local))
		log_warnx("reload: a new outer family needs a restart; kept "
		    "the old one");
}

/* What cannot change at run time stays as start-up made it. */
static void
reload_keep(const struct ipipd *env, struct ipipd_conf *c)
{
	conf_keep_fixed_encap(c, &env->conf);
	strlcpy(c->dev, env->conf.dev, sizeof(c->dev));
	if (addr_is_set(&env->conf.local))
		c->local = env->conf.local;
	else
		memset(&c->local, 0, sizeof(c->local));
	c->foreground = env->conf.foreground;
	c->verbose = env->conf.verbose;
	strlcpy(c->user, env->conf.user, sizeof(c->user));
	strlcpy(c->chroot, env->conf.chroot, sizeof(c->chroot));
	strlcpy(c->file, env->conf.file, sizeof(c->file));
	strlcpy(c->control, env->conf.control, sizeof(c->control));
}

/* A new name, or a new family to look it up in: resolve it again. */
static int
remote_changes(const struct ipipd *env, const struct ipipd_conf *c)
{
	return strcmp(c->remote, env->conf.remote) != 0 ||
	    c->af != env->conf.af;
}

/*
 * encap fou|gue has UDP sockets of the family start-up pinned only
 * (priv_udp.c): a remote or mode of the other family would send on no
 * socket.  It pins a host name like -4/-6.
 */
static int
reload_check_udp(const struct ipipd *env, struct ipipd_conf *c, char *err,
    size_t len)
{
	const struct priv_res	*r = &env->res;
	char			 what[64];
	int			 af;

	if (c->encap == ENCAP_NONE || (r->udp[0][0] != -1 &&
	    r->udp[1][0] != -1))
		return 0;
	af = r->udp[0][0] != -1 ? AF_INET : AF_INET6;
	if (c->af == af)
		return 0;
	if (c->af == AF_UNSPEC) {
		c->af = af;
		/* The header words and the MTU, for this family now. */
		return conf_check(c, err, len);
	}
	conf_pin_word(c, what, sizeof(what));
	return kw_err(err, len, "%s needs outer %s, but encap %s opened UDP "
	    "sockets for %s only (a restart opens them anew)", what,
	    conf_af_name(c->af), c->encap == ENCAP_FOU ? "fou" : "gue",
	    conf_af_name(af));
}

/*
 * The address in use for a host name stays until the name answers in
 * the new family, and for good if it has none: the new mode would go
 * over the old family.  A new literal remote is taken as it answers.
 */
static int
reload_check_remote(const struct ipipd *env, const struct ipipd_conf *c,
    char *err, size_t len)
{
	struct tun_addr	 lit;
	char		 what[64], a[ADDR_STRLEN];

	if (c->af == AF_UNSPEC || !addr_is_set(&env->remote) ||
	    env->remote.af == c->af || addr_parse(c->remote, &lit) == 0)
		return 0;
	conf_pin_word(c, what, sizeof(what));
	return kw_err(err, len, "%s needs outer %s, but the tunnel runs to %s "
	    "(%s) now; only a restart moves remote %s to the other family",
	    what, conf_af_name(c->af), addr_fmt(&env->remote, a,
	    sizeof(a)), conf_af_name(env->remote.af), c->remote);
}

/*
 * The MTU must fit the outer family the tunnel runs over: the pinned
 * one, else the current remote's, or either while a name is looked up
 * anew (peer_first() checks the first answer the same way).
 */
static int
reload_check_mtu(const struct ipipd *env, const struct ipipd_conf *c,
    char *err, size_t len)
{
	int	 af = c->af;

	if (af == AF_UNSPEC && addr_is_set(&env->remote) &&
	    !remote_changes(env, c))
		af = env->remote.af;
	return conf_check_mtu(c, af, err, len);
}

/*
 * The merged configuration as a whole, with start-up's checks (conf_parse.c)
 * and against what the running tunnel has: its sockets and remote.
 */
static int
reload_check(const struct ipipd *env, struct ipipd_conf *c, char *err,
    size_t len)
{
	/*
	 * The family anew from the words, pinned first by what cannot
	 * change: -4/-6 and local (then the new remote is named if wrong).
	 */
	c->af = addr_is_set(&c->local) ? c->local.af : c->af_flag;
	if (conf_check(c, err, len) == -1 ||
	    reload_check_udp(env, c, err, len) == -1 ||
	    reload_check_remote(env, c, err, len) == -1)
		return -1;
	return reload_check_mtu(env, c, err, len);
}

/* 0 when applied; -1 when refused, with the reason in err. */
int
priv_reload(struct ipipd *env, char *err, size_t len)
{
	struct ipipd_conf	 c;
	int			 renamed;

	if (reload_read(env, &c, err, len) == -1)
		goto refused;
	reload_fixed(&env->conf, &c);
	reload_keep(env, &c);
	if (reload_check(env, &c, err, len) == -1)
		goto refused;
	/* A new family (remote literal, mode) means choosing anew too. */
	renamed = remote_changes(env, &c);
	env->conf = c;
	priv_udp_pmtudisc(env);
	if (env->engine_started)
		engine_push_conf(env);
	if (c.mtu != 0 && c.mtu != env->tun_mtu) {
		if (nl_link_set(env->res.nl, env->res.ifindex, c.mtu, 0) == -1)
			log_warn("reload: set mtu %u", c.mtu);
		else
			env->tun_mtu = c.mtu;
	}
	env->recheck_ms = mono_ms();	/* header size may have changed */
	if (renamed) {
		/*
		 * The current remote stays until the new name's answer (the
		 * engine always has one); an answer still out is for the
		 * old name and is dropped.
		 */
		env->resolve_gen++;
		env->resolve_ms = mono_ms();
		log_info("reload: remote is now %s", c.remote);
	}
	log_info("reload: configuration applied");
	return 0;
refused:
	log_warnx("reload: %s; nothing changed", err);
	return -1;
}
