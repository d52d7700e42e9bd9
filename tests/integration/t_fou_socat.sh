#!/bin/bash
#
# ipipd (encap fou) against the seed's userspace relay: socat between a
# TUN device and a UDP datagram socket, in the other namespace.  Pings
# both ways, IPv4 and IPv6 inside, over both outer families.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd socat
mk_pair

PA=$((20000 + 16#${SID:0:3} % 20000))	# ipipd (A) listens here
PB=$((PA + 1))				# socat (B) listens here

N=0
run_case() {
	local outer=$1 ta tb ra udp
	N=$((N + 1))
	ta=fo$SID$N tb=so$SID$N
	log "=== socat relay, outer IPv$outer"
	if [ "$outer" = 4 ]; then
		ra=$V4B udp="UDP4-DATAGRAM:$V4A:$PA,bind=$V4B:$PB"
	else
		ra=$V6B udp="UDP6-DATAGRAM:[$V6A]:$PA,bind=[$V6B]:$PB"
	fi
	ip netns exec "$NS_B" socat -d -d "$udp" \
	    "TUN:$IN4B/24,tun-type=tun,iff-no-pi,iff-up,tun-name=$tb" \
	    >"$TMPD/socat$N.log" 2>&1 &
	SOCAT_PID=$!
	_DAEMON_PIDS+=("$SOCAT_PID")
	wait_until 5 link_exists "$NS_B" "$tb" || {
		cat "$TMPD/socat$N.log"
		die "socat did not make $tb"
	}
	nsx "$NS_B" ip address add "$IN6B/64" dev "$tb" nodad ||
		die "IPv6 address on $tb"
	LOG_A=$TMPD/a$N.log
	# keepalive 1: socat must shrug off the empty datagrams.
	side_up a auto "$ta" "$LOG_A" remote "$ra" encap fou \
	    encap-dport "$PB" encap-sport "$PA" keepalive 1
	sleep 2.5

	ping_ok "$NS_A" "$IN4B" 56
	ping_ok "$NS_B" "$IN4A" 56
	ping_ok "$NS_A" "$IN4B" 1400
	ping_ok "$NS_A" "$IN6B" 56
	ping_ok "$NS_B" "$IN6A" 56
	pid_running "$SOCAT_PID" && ok "socat still running after keepalives" ||
		error "socat exited (keepalives?): $(tail -n 3 "$TMPD/socat$N.log")"
	stop_ipipd "$PID_A" "$LOG_A"
	kill -TERM "$SOCAT_PID" 2>/dev/null
	wait_gone "$SOCAT_PID" 5 || kill -KILL "$SOCAT_PID"
	wait "$SOCAT_PID" 2>/dev/null
}

run_case 4
run_case 6
finish
