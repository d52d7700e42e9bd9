#!/bin/bash
#
# Lifecycle: SIGTERM and SIGINT make ipipd log a line with `exiting` and
# exit 0.  A TUN device ipipd created is gone afterwards; a pre-created
# one (ip tuntap add) remains, with its addresses, and can be used again.

. "$(dirname "$0")/../lib.sh"
setup_common
mk_pair

RUNS=0
# life MODE SIG
life() {
	local mode=$1 sig=$2 n=$((++RUNS)) tun logf
	tun=tf$SID$n logf=$TMPD/a$n.log
	log "=== $mode-created TUN, SIG$sig"
	side_up a "$mode" "$tun" "$logf" remote "$V4B"
	link_exists "$NS_A" "$tun" || error "$tun missing while ipipd runs"
	stop_ipipd "$PID_A" "$logf" "$sig"
	if [ "$mode" = auto ]; then
		if link_exists "$NS_A" "$tun"; then
			error "daemon-created $tun still exists after SIG$sig"
			nsx "$NS_A" ip link delete "$tun"
		else
			ok "daemon-created $tun is gone"
		fi
	else
		if link_exists "$NS_A" "$tun"; then
			ok "pre-created $tun remains"
			nsx "$NS_A" ip -o address show dev "$tun" | grep -q " $IN4A " ||
				error "pre-created $tun lost its address $IN4A"
		else
			error "pre-created $tun was deleted by ipipd"
		fi
	fi
}

life pre TERM
life pre INT
life auto TERM
life auto INT

# A pre-created TUN can be used again by the next ipipd, and the tunnel
# works (B is a second ipipd).
log "=== reuse of a pre-created TUN"
TA=tf${SID}1		# left over by the first run
LOG_A=$TMPD/reuse-a.log LOG_B=$TMPD/reuse-b.log
ipipd_up "$NS_A" "$LOG_A" dev "$TA" remote "$V4B"
PID_A=$IPIPD_PID
side_up b pre tg$SID "$LOG_B" remote "$V4A"
ping_ok "$NS_A" "$IN4B" 56
ping_ok "$NS_A" "$IN6B" 56
pair_down "$TA" tg$SID
finish
