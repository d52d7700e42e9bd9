#!/bin/bash
#
# The remote given as a host name, resolved by ipipd's resolver child
# (getaddrinfo) from /etc/netns/NS/hosts, which `ip netns exec` mounts
# over /etc/hosts.  A name with both an A and an AAAA record: without -4
# or -6 the outer family is IPv6; with -4 it is IPv4; with -6 IPv6.  A name
# with only an A record gives IPv4 without -4.  The peer B uses literal
# addresses of the expected family, so the pings only work over that one.

. "$(dirname "$0")/../lib.sh"
setup_common
mk_pair
hosts_file "$NS_A" \
    "$V4B peer-both.test peer-both" \
    "$V6B peer-both.test peer-both" \
    "$V4B peer-four.test peer-four" \
    "$V6B peer-six.test peer-six"

# by_name FLAGS NAME OUTER
by_name() {
	local flags=$1 name=$2 outer=$3 n=$((++RUNS)) ta tb line want_r want_m
	ta=tn$SID$n tb=tm$SID$n
	if [ "$outer" = 4 ]; then want_r=$V4B want_m=1480; else want_r=$V6B want_m=1452; fi
	log "=== ipipd ${flags:+$flags }dev $ta remote $name: want outer IPv$outer"
	LOG_A=$TMPD/a$n.log LOG_B=$TMPD/b$n.log
	SIDE_FLAGS=$flags side_up a auto "$ta" "$LOG_A" remote "$name"
	line=$(up_line "$LOG_A")
	expect_match "$line" "remote $want_r( |\$)" "tunnel up line"
	expect_match "$line" "mtu $want_m( |\$)" "tunnel up line"
	if [ "$outer" = 4 ]; then
		side_up b auto "$tb" "$LOG_B" remote "$V4A"
	else
		side_up b auto "$tb" "$LOG_B" remote "$V6A"
	fi
	ping_ok "$NS_A" "$IN4B" 56
	ping_ok "$NS_B" "$IN6A" 56
	pair_down "$ta" "$tb"
}
RUNS=0

by_name "" peer-both 6
by_name -4 peer-both 4
by_name -6 peer-both 6
by_name "" peer-four 4
by_name "" peer-six.test 6

# -4 with a name that has only an AAAA record: must not come up over IPv6.
log "=== ipipd -4 remote peer-six: must not make an IPv6 tunnel"
LOGX=$TMPD/x.log
start_ipipd "$NS_A" "$LOGX" -4 dev tx$SID remote peer-six
if wait_log "$LOGX" 'tunnel up:' 5 "$IPIPD_PID"; then
	error "ipipd -4 came up for a name with only an AAAA record: $(up_line "$LOGX")"
	stop_ipipd "$IPIPD_PID" "$LOGX"
elif pid_running "$IPIPD_PID"; then
	ok "no tunnel after 5 s (still running, presumably retrying)"
	kill -TERM "$IPIPD_PID"
	wait_gone "$IPIPD_PID" 5
	wait "$IPIPD_PID"
else
	wait "$IPIPD_PID"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		ok "ipipd exited $rc: $(head -n 1 "$LOGX")"
	else
		error "ipipd -4 remote peer-six exited 0 without a tunnel"
		show_log "$LOGX"
	fi
fi
finish
