#!/bin/bash
#
# encap fou|gue towards a remote where nothing listens on the port: its
# kernel answers each datagram with ICMP port unreachable.  On a UDP
# socket the error queue quotes only what followed the UDP header, so
# the engine must take the outer destination from msg_name; then 3
# errors within 5 s make it ask the parent to resolve the remote again
# ("answers unreachable"), as for raw sockets (t_resolve).  With
# resolve-interval 600 nothing else can log that line.  Both encaps,
# both outer families; inner IPv4 and IPv6.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
mk_pair

PA=$((30000 + 16#${SID:0:3} % 20000))	# A listens here
PB=$((PA + 1))				# nobody listens here on B

# run_case OUTER ENCAP INNER_DST
N=0
run_case() {
	local outer=$1 encap=$2 dst=$3 ta rb logf line
	N=$((N + 1))
	ta=fu$SID$N
	if [ "$outer" = 4 ]; then rb=$V4B; else rb=$V6B; fi
	log "=== encap $encap over IPv$outer, pings to $dst: B answers port unreachable"
	LOG_A=$TMPD/a$N.log
	logf=$LOG_A
	side_up a auto "$ta" "$logf" remote "$rb" encap "$encap" \
	    encap-dport "$PB" encap-sport "$PA" resolve-interval 600
	# The echoes go out as datagrams to B:PB and are never answered.
	nsx "$NS_A" ping -n -q -c 6 -i 0.2 -W 1 "$dst" >/dev/null 2>&1
	if wait_log "$logf" "remote $rb \($rb\) answers unreachable; resolving it again" 5; then
		ok "IPv$outer $encap: $(grep -E 'answers unreachable' "$logf")"
	else
		error "IPv$outer $encap: no 'answers unreachable' within 5 s of the pings"
		line=$(status_line "$PID_A" "$logf" 'engine: status: ')
		log "engine: ${line#*status: }"
		show_log "$logf" 20
	fi
	expect_eq "$(count_lines "$logf" 'answers unreachable')" 1 \
	    "IPv$outer $encap: 'answers unreachable' lines"
	stop_ipipd "$PID_A" "$logf"
}

run_case 4 fou "$IN4B"
run_case 6 fou "$IN6B"
run_case 4 gue "$IN6B"
run_case 6 gue "$IN4B"
finish
