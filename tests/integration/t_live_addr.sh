#!/bin/bash
#
# The local (outer) address follows the host's addresses, with no
# process restarted:
#
#  1. explicit `local ADDR`: while ADDR is absent from the host the
#     tunnel pauses (logged once, packets counted as tun-nopeer in the
#     SIGUSR1 status) and it resumes when ADDR comes back (IPv4; IPv6
#     with the address coming back through duplicate address detection);
#  2. no `local`, outer IPv4 then outer IPv6: A's address is deleted and
#     a different one added, as a DHCP renewal would, while a ping runs
#     through the tunnel.  B reaches A by a name (as dynamic DNS would
#     give it) whose hosts entry the test changes at the same moment,
#     with resolve-interval 1.  Traffic must come back; the time it took
#     is reported against the issue's 2 s target.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
need_cmd sysctl
mk_pair

# A's address for B, as a name.
set_peer_a() { set_hosts "$NS_B" "$1 peer-a" "$2 peer-a"; }
set_peer_a "$V4A" "$V6A"

# ---------------------------------------------------------------- local
log "=== explicit local $V4A: pause while it is absent, resume when back"
# A second address on the same prefix keeps the route to B (and its
# source) while $V4A is gone: only `local` is missing then.  Without
# promote_secondaries, deleting the primary would delete it too.
nsx "$NS_A" sysctl -qw "net.ipv4.conf.$VETH_A.promote_secondaries=1" ||
	die "promote_secondaries"
nsx "$NS_A" ip address add 192.0.2.21/24 dev "$VETH_A" || die "add .21"
LOG_A=$TMPD/a1.log LOG_B=$TMPD/b1.log
side_up a auto tl$SID "$LOG_A" local "$V4A" remote "$V4B"
side_up b auto tm$SID "$LOG_B" remote "$V4A"
ping_ok "$NS_A" "$IN4B" 56
procs=$(proc_set "$PID_A")
run nsx "$NS_A" ip address del "$V4A/24" dev "$VETH_A"
if wait_log "$LOG_A" 'tunnel paused: local address not on this host' 5 \
    "$PID_A"; then
	ok "pause logged: $(grep -E 'tunnel paused' "$LOG_A" | tail -n 1)"
else
	error "no 'tunnel paused: local address not on this host' line"
	show_log "$LOG_A"
fi
# More events while paused: still one line.
run nsx "$NS_A" ip address add 192.0.2.22/24 dev "$VETH_A"
run nsx "$NS_A" ip address del 192.0.2.22/24 dev "$VETH_A"
sleep 0.5
if nsx "$NS_A" ping -n -q -c 3 -i 0.2 -W 1 "$IN4B" >/dev/null 2>&1; then
	error "ping through the tunnel answered while $V4A is absent"
else
	ok "no traffic while $V4A is absent"
fi
expect_eq "$(count_lines "$LOG_A" 'tunnel paused')" 1 "pause lines"
line=$(status_line "$PID_A" "$LOG_A" 'engine: status: ') ||
	error "no engine status line after SIGUSR1"
expect_match "$line" 'tun-nopeer=[1-9]' "engine status while paused"
t0=$(now_ms)
run nsx "$NS_A" ip address add "$V4A/24" dev "$VETH_A"
expect_resume "local $V4A back" "$t0" "$NS_A" "$IN4B" 2 10
expect_file_match "$LOG_A" "outer local $V4A .*tunnel resumed" "resume line"
expect_eq "$(count_lines "$LOG_A" 'tunnel paused')" 1 "pause lines"
expect_same_procs "$procs" "$(proc_set "$PID_A")" "A through the pause"
pair_down tl$SID tm$SID
nsx "$NS_A" ip address del 192.0.2.21/24 dev "$VETH_A"

log "=== explicit local $V6A: absent, then back with duplicate address detection"
# Another address in the prefix keeps the prefix route.
nsx "$NS_A" ip address add 2001:db8::21/64 dev "$VETH_A" nodad || die "add ::21"
LOG_A=$TMPD/a6.log LOG_B=$TMPD/b6.log
side_up a auto tl$SID "$LOG_A" local "$V6A" remote "$V6B"
side_up b auto tm$SID "$LOG_B" remote "$V6A"
ping_ok "$NS_A" "$IN4B" 56
procs=$(proc_set "$PID_A")
run nsx "$NS_A" ip address del "$V6A/64" dev "$VETH_A"
wait_log "$LOG_A" 'tunnel paused: local address not on this host' 5 \
    "$PID_A" || error "no 'tunnel paused' line for $V6A"
# With DAD: tentative first (not usable as a source), then valid.
t0=$(now_ms)
run nsx "$NS_A" ip address add "$V6A/64" dev "$VETH_A"
expect_resume "local $V6A back (after DAD)" "$t0" "$NS_A" "$IN4B" 4 15
expect_file_match "$LOG_A" "outer local $V6A .*tunnel resumed" "resume line"
expect_eq "$(count_lines "$LOG_A" 'tunnel paused')" 1 "pause lines"
expect_same_procs "$procs" "$(proc_set "$PID_A")" "A through the pause"
pair_down tl$SID tm$SID
nsx "$NS_A" ip address del 2001:db8::21/64 dev "$VETH_A"

# ------------------------------------------------------- DHCP renewal
# renew FAM OLD NEW PREFIXLEN: A's address OLD goes, NEW comes.
renew() {
	local fam=$1 old=$2 new=$3 plen=$4 n=$((++RUNS)) pa pb t0 tc bgp bgf
	local nodad=
	[ "$fam" = 6 ] && nodad=nodad
	log "=== outer IPv$fam: $old -> $new on A while a ping runs"
	LOG_A=$TMPD/a$n.log LOG_B=$TMPD/b$n.log
	if [ "$fam" = 4 ]; then
		side_up a auto ta$SID$n "$LOG_A" remote "$V4B"
	else
		side_up a auto ta$SID$n "$LOG_A" remote "$V6B"
	fi
	SIDE_FLAGS=-$fam side_up b auto tb$SID$n "$LOG_B" remote peer-a \
	    resolve-interval 1
	expect_match "$(up_line "$LOG_B")" "remote $old " "B's tunnel up line"
	ping_ok "$NS_A" "$IN4B" 56
	pa=$(proc_set "$PID_A") pb=$(proc_set "$PID_B")
	bgf=$TMPD/bgping$n.txt
	bg_ping "$NS_A" "$IN4B" "$bgf"
	bgp=$BGPING_PID
	sleep 1
	tc=$(now_ms)
	run nsx "$NS_A" ip address del "$old/$plen" dev "$VETH_A"
	# shellcheck disable=SC2086
	run nsx "$NS_A" ip address add "$new/$plen" dev "$VETH_A" $nodad
	if [ "$fam" = 4 ]; then set_peer_a "$new" "$V6A"; else set_peer_a "$V4A" "$new"; fi
	t0=$(now_ms)
	if seen_after "$tc" "$LOG_A" "outer local $new remote" 10; then
		ok "A uses $new $(ms_fmt "$SEEN_MS") after the change began"
		echo "MEASURED IPv$fam A follows the address $SEEN_MS ms"
	else
		error "A did not log 'outer local $new remote'"
		show_log "$LOG_A"
	fi
	expect_resume "IPv$fam address change" "$t0" "$NS_A" "$IN4B" 2 10
	sleep 1
	bg_ping_stop "$bgp" "$bgf"
	expect_file_match "$LOG_B" "remote peer-a is now $new" "B re-resolved"
	ping_ok "$NS_B" "$IN6A" 56
	expect_same_procs "$pa" "$(proc_set "$PID_A")" "A"
	expect_same_procs "$pb" "$(proc_set "$PID_B")" "B"
	pair_down ta$SID$n tb$SID$n
}
RUNS=1
renew 4 "$V4A" 192.0.2.11 24
renew 6 "$V6A" 2001:db8::11 64
finish
