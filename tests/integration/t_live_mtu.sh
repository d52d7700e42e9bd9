#!/bin/bash
#
# The outer MTU follows the outer interface (and a route's mtu metric),
# with no process restarted.  ipipd(8): the outer MTU is the MTU of the
# route to the remote if it has one, else of the interface it goes out
# of; without `mtu` the TUN MTU is the outer MTU minus the outer header
# (20 over IPv4, 40 + 8 for the encapsulation limit option over IPv6)
# and follows it; with `mtu` the TUN MTU stays and only the engine's
# outer MTU (status `pmtu`) changes.
#
# Observed: the TUN device's MTU in sysfs, the parent's status line
# (`outer-mtu`), the engine's status line (`pmtu`), and DF pings of the
# largest size that fits, both directions.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
mk_pair

# veth_mtu MTU: both ends of the outer link (a link's MTU is one value;
# veth drops what is larger than the receiving end's MTU).
veth_mtu() {
	run nsx "$NS_A" ip link set "$VETH_A" mtu "$1" || die "mtu $1"
	run nsx "$NS_B" ip link set "$VETH_B" mtu "$1" || die "mtu $1"
}

# expect_tun_mtu NS TUN WANT: within 5 s.
expect_tun_mtu() {
	if wait_until 5 eval "[ \"\$(link_mtu '$1' '$2')\" = '$3' ]"; then
		ok "$2 in $1: mtu $3"
	else
		error "$2 in $1: mtu $(link_mtu "$1" "$2"), want $3"
	fi
}

# expect_outer PID LOG WANT_OUTER WANT_TUN: both status lines.
expect_outer() {
	local l
	l=$(status_line "$1" "$2" '^status: tunnel') ||
		error "no parent status line"
	expect_match "$l" "mtu $4 outer-mtu $3\$" "parent status"
	l=$(status_line "$1" "$2" 'engine: status: ') ||
		error "no engine status line"
	expect_match "$l" " pmtu $3 " "engine status"
}

# follow FAM: without `mtu`, 1500 -> 1400 -> 1500 and a route metric.
follow() {
	local fam=$1 n=$((++RUNS)) hdr ta tb pa pb
	ta=tf$SID$n tb=tg$SID$n
	# IPv6: 40 + 8 for the default encapsulation limit option.
	if [ "$fam" = 4 ]; then hdr=20; else hdr=48; fi
	log "=== outer IPv$fam, default TUN MTU follows the outer MTU"
	pair_up "$fam" auto "$ta" "$tb"
	pa=$(proc_set "$PID_A") pb=$(proc_set "$PID_B")
	expect_outer "$PID_A" "$LOG_A" 1500 $((1500 - hdr))
	veth_mtu 1400
	expect_tun_mtu "$NS_A" "$ta" $((1400 - hdr))
	expect_tun_mtu "$NS_B" "$tb" $((1400 - hdr))
	expect_file_match "$LOG_A" "mtu of $ta now $((1400 - hdr)) \(outer mtu 1400\)" \
	    "log"
	expect_outer "$PID_A" "$LOG_A" 1400 $((1400 - hdr))
	ping_sizes "$NS_A" "$IN4B" $((1400 - hdr))
	ping_sizes "$NS_B" "$IN6A" $((1400 - hdr))
	veth_mtu 1500
	expect_tun_mtu "$NS_A" "$ta" $((1500 - hdr))
	expect_tun_mtu "$NS_B" "$tb" $((1500 - hdr))
	ping_sizes "$NS_A" "$IN4B" $((1500 - hdr))
	# A route with its own mtu metric wins over the link's.
	if [ "$fam" = 4 ]; then
		run nsx "$NS_A" ip route replace 192.0.2.0/24 dev "$VETH_A" \
		    src "$V4A" mtu lock 1380
	else
		# metric 256: the kernel's prefix route, not a second one.
		run nsx "$NS_A" ip -6 route replace 2001:db8::/64 dev "$VETH_A" \
		    metric 256 mtu lock 1380
	fi
	expect_tun_mtu "$NS_A" "$ta" $((1380 - hdr))
	expect_outer "$PID_A" "$LOG_A" 1380 $((1380 - hdr))
	ping_sizes "$NS_A" "$IN4B" $((1380 - hdr))
	expect_same_procs "$pa" "$(proc_set "$PID_A")" "A"
	expect_same_procs "$pb" "$(proc_set "$PID_B")" "B"
	pair_down "$ta" "$tb"
	if [ "$fam" = 4 ]; then
		nsx "$NS_A" ip route replace 192.0.2.0/24 dev "$VETH_A" src "$V4A"
	else
		nsx "$NS_A" ip -6 route replace 2001:db8::/64 dev "$VETH_A" \
		    proto kernel metric 256
	fi
}
RUNS=0
follow 4
follow 6

log "=== explicit mtu 1400: the TUN MTU stays, the outer MTU follows"
pair_up 4 auto tk$SID tj$SID mtu 1400
expect_outer "$PID_A" "$LOG_A" 1500 1400
veth_mtu 1300
sleep 1
expect_eq "$(link_mtu "$NS_A" tk$SID)" 1400 "configured TUN MTU"
expect_outer "$PID_A" "$LOG_A" 1300 1400
ping_ok "$NS_A" "$IN4B" 56
pair_down tk$SID tj$SID
veth_mtu 1500
finish
