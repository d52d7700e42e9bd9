#!/bin/bash
#
# encap fou without float accepts only datagrams from the remote's
# address and port: a datagram from the right address and port gets an
# echo reply (control), the same datagram from another port or another
# address never reaches the TUN device (capture on it) and is counted as
# net-src; an empty datagram is counted as a keepalive and ignored.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd tcpdump
need_scapy	# /usr/bin/python3 is the test Python
mk_pair

PEER="$PYTHON $TOPDIR/tests/integration/fou_peer.py"
PA=$((20000 + 16#${SID:0:3} % 20000))
PB=$((PA + 1))
ALT4B=192.0.2.99 ALT6B=2001:db8::99
nsx "$NS_B" ip address add "$ALT4B/24" dev "$VETH_B" || die "alt addr"
nsx "$NS_B" ip address add "$ALT6B/64" dev "$VETH_B" nodad || die "alt addr6"

# status PID LOG: ask for a status line, print the engine's last one.
status() {
	local before
	before=$(grep -c 'status: tun-rx' "$2")
	kill -USR1 "$1"
	wait_until 5 test "$(grep -c 'status: tun-rx' "$2")" -gt "$before"
	grep 'status: tun-rx' "$2" | tail -n 1
}

N=0
run_case() {
	local outer=$1 ra vb alt ta st n cap
	N=$((N + 1))
	ta=fs$SID$N
	if [ "$outer" = 4 ]; then ra=$V4B vb=$V4B alt=$ALT4B
	else ra=$V6B vb="[$V6B]" alt="[$ALT6B]"; fi
	log "=== outer IPv$outer"
	LOG_A=$TMPD/a$N.log
	side_up a auto "$ta" "$LOG_A" remote "$ra" encap fou \
	    encap-dport "$PB" encap-sport "$PA"
	cap=$TMPD/tun$N.pcap
	start_capture "$NS_A" "$ta" "$cap" icmp
	local to="$([ "$outer" = 4 ] && echo "$V4A" || echo "[$V6A]"):$PA"
	if nsx "$NS_B" $PEER send --to "$to" --bind "$vb:$PB" --id 101 \
	    --expect-reply 5 >/dev/null; then
		ok "echo from $vb:$PB (the remote) answered"
	else
		error "no answer to the echo from the remote's own port"
	fi
	nsx "$NS_B" $PEER send --to "$to" --bind "$vb:$((PB + 3))" --id 102
	nsx "$NS_B" $PEER send --to "$to" --bind "$alt:$PB" --id 103
	nsx "$NS_B" $PEER send --to "$to" --bind "$vb:$((PB + 4))" --id 104 \
	    --garbage
	nsx "$NS_B" "$PYTHON" -c "
import socket; s = socket.socket(socket.AF_INET$([ "$outer" = 6 ] && echo 6), socket.SOCK_DGRAM)
s.bind(('${vb//[\[\]]/}', $PB)); s.sendto(b'', ('${to%:*}'.strip('[]'), $PA))"
	sleep 1
	stop_capture "$CAP_PID"
	for id in 102 103 104; do
		n=$(tcpdump -nn -r "$cap" "icmp[icmptype] = icmp-echo and icmp[4:2] = $id" 2>/dev/null | wc -l)
		expect_eq "$n" 0 "echo requests id $id on $ta"
	done
	n=$(tcpdump -nn -r "$cap" "icmp[icmptype] = icmp-echo and icmp[4:2] = 101" 2>/dev/null | wc -l)
	expect_eq "$n" 1 "echo requests id 101 on $ta"
	st=$(status "$PID_A" "$LOG_A")
	log "$st"
	expect_match "$st" "net-src=3( |\$)" "spoofed datagrams counted"
	expect_match "$st" "keepalive [0-9]+/1 " "empty datagram counted"
	stop_ipipd "$PID_A" "$LOG_A"
}

run_case 4
run_case 6
finish
