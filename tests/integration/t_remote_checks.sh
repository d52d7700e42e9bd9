#!/bin/bash
# A remote that cannot be a tunnel endpoint is refused wherever it comes
# from, with a line naming it, and never takes the tunnel down:
#
#   - on the command line (`ipipd -n`): loopback, multicast, broadcast,
#     unspecified and IPv4-mapped addresses; a loopback `local`;
#   - at start: an address of this host, or a remote inside the prefix
#     an `address` puts on the TUN device (the outer packets would go
#     into the tunnel);
#   - from the resolver while running: an answer of 127.0.0.1 or of one
#     of the host's own addresses is not used, the old remote stays and
#     the engine is not restarted (before, the loopback route's MTU of
#     65536 reached the engine, which refused it, again on every
#     restart, until the parent gave up);
#   - from the routing table while running: a route to the remote
#     through the TUN device itself pauses the tunnel until it goes.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common

log "=== command line: addresses that are no endpoint"
for bad in 127.0.0.1:'a loopback address' ::1:'a loopback address' \
    224.0.0.5:'a multicast address' ff02::1:'a multicast address' \
    255.255.255.255:'a reserved or broadcast address' \
    0.0.0.0:'not a host address' :::'the unspecified address' \
    ::ffff:192.0.2.2:'an IPv4-mapped address'; do
	addr=${bad%:*} why=${bad##*:}
	out=$("$IPIPD" -n dev tq0 remote "$addr" 2>&1)
	expect_status $? 1 "ipipd -n remote $addr"
	expect_match "$out" "bad remote '$addr': $why" "ipipd -n remote $addr"
done
out=$("$IPIPD" -n dev tq0 local 127.0.0.2 remote 192.0.2.2 2>&1)
expect_status $? 1 "ipipd -n local 127.0.0.2"
expect_match "$out" "bad local '127.0.0.2': a loopback address" \
    "ipipd -n local 127.0.0.2"

mk_pair
TA=tk$SID TB=tl$SID

# start_fails WHAT ERE ARGS...: ipipd in A exits 1 with a line /ERE/ and
# leaves no TUN device behind.
start_fails() {
	local what=$1 re=$2 logf=$TMPD/fail.$RANDOM.log st
	shift 2
	start_ipipd "$NS_A" "$logf" dev "$TA" "$@"
	if wait_gone "$IPIPD_PID" 10; then
		wait "$IPIPD_PID"
		st=$?
	else
		st=running
	fi
	expect_eq "$st" 1 "$what: exit status"
	expect_file_match "$logf" "$re" "$what"
	link_exists "$NS_A" "$TA" && error "$what: $TA left behind"
	return 0
}

log "=== start: the remote is an address of this host"
start_fails "remote $V4A (A's own)" \
    "remote $V4A: no (IPv4 )?address with a route to it \($V4A: the remote is an address of this host\)" \
    remote "$V4A"

log "=== start: the remote is inside the prefix of a TUN address"
start_fails "address 192.0.2.100/25 with remote $V4B" \
    "address 192.0.2.100/25 on $TA holds the remote $V4B: the outer packets would go into the tunnel" \
    address 192.0.2.100/25 remote "$V4B"

log "=== running: answers of 127.0.0.1 and of A's own address are not used"
hosts_only "$NS_A"
set_hosts "$NS_A" "$V4B peer"
LOG_A=$TMPD/a.log LOG_B=$TMPD/b.log
side_up a auto "$TA" "$LOG_A" remote peer resolve-interval 1
side_up b auto "$TB" "$LOG_B" remote "$V4A"
echoes_ok "$NS_A" "$IN4B" 3 || error "no echoes through the tunnel"
procs=$(proc_set "$PID_A")
for addr in 127.0.0.1 "$V4A" ::1; do
	set_hosts "$NS_A" "$addr peer"
	if wait_log "$LOG_A" "remote peer not used: $addr: " 10 "$PID_A"; then
		ok "A: $(grep -E "remote peer not used: $addr: " "$LOG_A" |
		    head -n 1)"
	else
		error "no 'remote peer not used: $addr' line"
		show_log "$LOG_A"
	fi
done
expect_file_match "$LOG_A" \
    "remote peer not used: 127.0.0.1: the remote is a loopback address" \
    "127.0.0.1 answer"
expect_file_match "$LOG_A" \
    "remote peer not used: $V4A: the remote is an address of this host" \
    "own address answer"
echoes_ok "$NS_A" "$IN4B" 3 || error "echoes stopped after the bad answers"
expect_same_procs "$procs" "$(proc_set "$PID_A")" "A through the bad answers"
grep -Eq "remote peer is now" "$LOG_A" &&
	error "A switched its remote: $(grep -E 'remote peer is now' "$LOG_A")"
set_hosts "$NS_A" "$V4B peer"

log "=== running: a route to the remote through the tunnel pauses it"
nsx "$NS_A" ip route add "$V4B/32" dev "$TA" || die "route via $TA"
if wait_log "$LOG_A" "tunnel paused: the route to the remote goes through $TA itself" 5 "$PID_A"; then
	ok "pause logged"
else
	error "no 'tunnel paused: ... goes through $TA itself' line"
	show_log "$LOG_A"
fi
nsx "$NS_A" ip route del "$V4B/32" dev "$TA" || die "route del"
wait_log "$LOG_A" 'tunnel resumed' 5 "$PID_A" ||
	error "no 'tunnel resumed' line after the route went"
echoes_ok "$NS_A" "$IN4B" 3 || error "no echoes after the resume"
expect_same_procs "$procs" "$(proc_set "$PID_A")" "A through the pause"
stop_ipipd "$PID_A" "$LOG_A"
stop_ipipd "$PID_B" "$LOG_B"
finish
