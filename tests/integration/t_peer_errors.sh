#!/bin/bash
# The peer has no tunnel yet: its kernel answers our tunnel packets with
# ICMP errors (protocol unreachable over IPv4, parameter problem over
# IPv6).  ipipd relays them to the inner sender as unreachable errors of
# the inner family (ping shows them), keeps running, does not flood its
# log, and forwards as soon as the peer's ipipd starts.  (The README of
# a userland predecessor warns of floods of "connection refused" here.)

. "$(dirname "$0")/../lib.sh"
setup_common
mk_pair

RUNS=0
peer_errors() {
	local outer=$1 n=$((++RUNS)) ta tb ra rb
	ta=tp$SID$n tb=to$SID$n
	if [ "$outer" = 4 ]; then ra=$V4B rb=$V4A; else ra=$V6B rb=$V6A; fi
	log "=== outer IPv$outer, peer without a tunnel"
	LOG_A=$TMPD/a$n.log LOG_B=$TMPD/b$n.log
	side_up a pre "$ta" "$LOG_A" remote "$ra"
	# Nothing answers in B but its kernel, with ICMP errors, which
	# ipipd relays to the inner sender as host/address unreachable
	# (RFC 2003 4), in the inner packet's family: over an IPv4 outer,
	# the ICMPv4 error about a 6in4 packet becomes ICMPv6, as sit does.
	nsx "$NS_A" ping -4 -n -c 5 -i 0.2 -W 1 "$IN4B" >"$TMPD/p4.$n" 2>&1 &&
		error "ping answered although B has no tunnel"
	nsx "$NS_A" ping -6 -n -c 5 -i 0.2 -W 1 "$IN6B" >"$TMPD/p6.$n" 2>&1 &&
		error "ping answered although B has no tunnel"
	expect_file_match "$TMPD/p4.$n" "Destination Host Unreachable" \
	    "IPv4 inner over IPv$outer: the peer's ICMP error relayed"
	expect_file_match "$TMPD/p6.$n" "Destination unreachable: Address unreachable" \
	    "IPv6 inner over IPv$outer: the peer's ICMP error relayed"
	if pid_running "$PID_A"; then
		ok "ipipd still running after the peer's ICMP errors"
	else
		error "ipipd exited after the peer's ICMP errors"
		show_log "$LOG_A"
		return 1
	fi
	side_up b pre "$tb" "$LOG_B" remote "$rb"
	ping_ok "$NS_A" "$IN4B" 56
	ping_ok "$NS_A" "$IN6B" 56
	pair_down "$ta" "$tb"
	if [ "$(grep -c . "$LOG_A")" -gt 20 ]; then
		error "A logged $(grep -c . "$LOG_A") lines (a flood?)"
		show_log "$LOG_A" 10
	fi
}

peer_errors 4
peer_errors 6
finish
