#!/bin/bash
#
# Command line handling.  Bad command lines: exit status 1, a first stderr
# line naming the bad word, a `usage: ipipd` line, and no new link.
# `-n` with good arguments: exit 0 and no device.  A missing service user
# (-u): exit 1 and a message saying how to create it.

. "$(dirname "$0")/../lib.sh"
setup_common
mk_pair
NS=$NS_A
T=tq$SID		# a device name that does not exist
LONG=abcdefghijklmnopq	# 17 characters: longer than IFNAMSIZ - 1

# Each line: the bad word the first stderr line must name | the arguments.
BAD_TABLE="
abc|dev $T remote $V4B mtu abc
12abc|dev $T remote $V4B mtu 12abc
67|dev $T remote $V4B mtu 67
65536|dev $T remote $V4B mtu 65536
0|dev $T remote $V4B mtu 0
-5|dev $T remote $V4B mtu -5
99999999999999999999|dev $T remote $V4B mtu 99999999999999999999
mtu|dev $T remote $V4B mtu
bogus|dev $T remote $V4B bogus
bogus|bogus dev $T remote $V4B
remote|dev $T
remote|dev $T local $V4A
dev|remote $V4B
dev|dev
remote|dev $T remote
local|dev $T remote $V4B local
300.1.2.3|dev $T local 300.1.2.3 remote $V4B
not-an-address|dev $T local not-an-address remote $V4B
2001:db8::zz|dev $T local 2001:db8::zz remote $V6B
$LONG|dev $LONG remote $V4B
$V6B|-4 dev $T remote $V6B
$V4B|-6 dev $T remote $V4B
x|-x dev $T remote $V4B
u|dev $T remote $V4B -u
"

before=$(links "$NS")
log "links in $NS before: $(echo $before)"

# bad ARGS WORD: run, check status 1, first line, usage line, links.
bad() {
	local word=$1 out err rc first
	shift
	out=$TMPD/out err=$TMPD/err
	# shellcheck disable=SC2068
	timeout 10 ip netns exec "$NS" "$IPIPD" -d "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	first=$(head -n 1 "$err")
	log "ipipd -d $* -> status $rc, stderr: $first"
	if [ "$rc" -ne 1 ]; then
		error "ipipd -d $*: exit status $rc, want 1"
		show_log "$err" 10
	fi
	if ! printf '%s\n' "$first" | grep -qF -- "$word"; then
		error "ipipd -d $*: first stderr line does not name '$word': '$first'"
		show_log "$err" 10
	fi
	if ! grep -q '^usage: ipipd' "$err"; then
		error "ipipd -d $*: no 'usage: ipipd' line on stderr"
		show_log "$err" 10
	fi
	if [ "$(links "$NS")" != "$before" ]; then
		error "ipipd -d $*: links changed: $(links "$NS" | tr '\n' ' ')"
		nsx "$NS" ip link delete "$T" 2>/dev/null
	fi
}

while IFS='|' read -r word args; do
	[ -n "$word" ] || continue
	# shellcheck disable=SC2086
	bad "$word" $args
done <<<"$BAD_TABLE"

# The same with -n: still rejected.
bad abc -n dev "$T" remote "$V4B" mtu abc
# Larger than an outer packet can hold: the limit is named.
bad 65515 -n dev "$T" remote "$V4B" mtu 65516
bad 65527 -n -6 dev "$T" remote "$V6B" mtu 65535

# -n with good arguments: exit 0, no device.
good_n() {
	local rc
	timeout 10 ip netns exec "$NS" "$IPIPD" "$@" >"$TMPD/out" 2>"$TMPD/err" </dev/null
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "ipipd $*: exit 0"
	else
		error "ipipd $*: exit status $rc, want 0"
		show_log "$TMPD/err" 10
	fi
	if [ "$(links "$NS")" != "$before" ]; then
		error "ipipd $*: links changed: $(links "$NS" | tr '\n' ' ')"
		nsx "$NS" ip link delete "$T" 2>/dev/null
	fi
}
good_n -n dev "$T" remote "$V4B"
good_n -n -d dev "$T" remote "$V4B"
good_n -n dev "$T" local "$V4A" remote "$V4B" mtu 1400
good_n -n -6 dev "$T" remote "$V6B" mtu 65527
good_n -n -6 dev "$T" remote "$V6B" mtu 65535 encaplimit none
good_n -n -4 dev "$T" remote "$V4B" mtu 68
good_n -n -v dev "$T" local "$V6A" remote "$V6B"

# A missing service user: exit 1, and the message says how to create it.
NOUSER=nosuchuser$SID
id "$NOUSER" >/dev/null 2>&1 && die "user $NOUSER exists"
timeout 10 ip netns exec "$NS" "$IPIPD" -d -u "$NOUSER" dev "$T" remote "$V4B" \
    >"$TMPD/out" 2>"$TMPD/err" </dev/null
rc=$?
log "ipipd -d -u $NOUSER ... -> status $rc: $(head -n 3 "$TMPD/err" | tr '\n' ' ')"
expect_status "$rc" 1 "ipipd -u $NOUSER"
expect_file_match "$TMPD/err" "$NOUSER" "missing user message names the user"
expect_file_match "$TMPD/err" 'useradd|adduser' "missing user message says how to create it"
if [ "$(links "$NS")" != "$before" ]; then
	error "ipipd -u $NOUSER: links changed: $(links "$NS" | tr '\n' ' ')"
fi
finish
