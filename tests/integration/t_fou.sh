#!/bin/bash
#
# encap fou (and gue) between two ipipd: both outer families, pings of
# every size up to the default MTU (1500 - outer IP - 8, - 4 for GUE)
# both ways and both inner families, and a TCP transfer (socat) whose
# bytes must arrive unchanged.  The capture on the veth proves the
# packets travel as UDP to the configured port, not as IP protocol 4/41.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd socat tcpdump cmp
mk_pair

PA=$((10000 + 16#${SID:0:3} % 20000))	# A listens here
PB=$((PA + 1))				# B listens here

# tcp_transfer NS_SRC NS_DST DST_ADDR: 1 MB over TCP through the tunnel.
tcp_transfer() {
	local src=$1 dst=$2 addr=$3 port=$((PA + 7)) got=$TMPD/got.$RANDOM
	local listen=TCP4-LISTEN
	head -c 1000000 /dev/urandom >"$TMPD/data"
	case $addr in *:*) addr="[$addr]" listen=TCP6-LISTEN ;; esac
	ip netns exec "$dst" timeout 30 socat -u "$listen:$port,reuseaddr" \
	    "OPEN:$got,creat,trunc" 2>"$TMPD/socat-l.err" &
	local lpid=$!
	_DAEMON_PIDS+=("$lpid")
	wait_until 5 nsx "$src" timeout 25 socat -u "OPEN:$TMPD/data" \
	    "TCP:$addr:$port,connect-timeout=2" 2>>"$TMPD/socat-c.err" ||
		error "socat to $addr failed"
	wait "$lpid" 2>/dev/null
	if cmp -s "$TMPD/data" "$got"; then
		ok "1 MB over TCP to $addr: identical"
	else
		error "TCP transfer to $addr: data differs ($(stat -c %s "$got" 2>/dev/null) bytes)"
	fi
}

# run_case OUTER ENCAP: one pair, pings, TCP, capture check.
N=0
run_case() {
	local outer=$1 encap=$2 ta tb mtu ra rb hdr cap
	N=$((N + 1))
	ta=fa$SID$N tb=fb$SID$N
	log "=== encap $encap over IPv$outer"
	if [ "$outer" = 4 ]; then ra=$V4B rb=$V4A hdr=28; else ra=$V6B rb=$V6A hdr=48; fi
	[ "$encap" = gue ] && hdr=$((hdr + 4))
	mtu=$((1500 - hdr))
	cap=$TMPD/cap$N.pcap
	start_capture "$NS_A" "$VETH_A" "$cap" udp
	LOG_A=$TMPD/a$N.log LOG_B=$TMPD/b$N.log
	side_up a auto "$ta" "$LOG_A" remote "$ra" encap "$encap" \
	    encap-dport "$PB" encap-sport "$PA"
	side_up b auto "$tb" "$LOG_B" remote "$rb" encap "$encap" \
	    encap-dport "$PA" encap-sport "$PB"
	expect_eq "$(link_mtu "$NS_A" "$ta")" "$mtu" "default MTU of $ta"
	ping_both "$mtu"
	tcp_transfer "$NS_A" "$NS_B" "$IN4B"
	tcp_transfer "$NS_B" "$NS_A" "$IN6A"
	stop_capture "$CAP_PID"
	local n
	n=$(tcpdump -nn -r "$cap" "udp and src port $PA and dst port $PB" \
	    2>/dev/null | wc -l)
	[ "$n" -gt 10 ] && ok "$n UDP datagrams $PA -> $PB on the wire" ||
		error "only $n UDP datagrams $PA -> $PB captured"
	pair_down "$ta" "$tb"
}

# frag_case OUTER: TUN MTU 2000 over a 1500 path.  An inner packet that
# may be fragmented is sent, the kernel fragmenting the outer UDP
# datagram; one with DF set is answered with "fragmentation needed" and
# the room left in the path MTU.
frag_case() {
	local outer=$1 ta tb ra rb room out cap n
	N=$((N + 1))
	ta=fa$SID$N tb=fb$SID$N
	log "=== encap fou over IPv$outer, mtu 2000: fragmentation"
	if [ "$outer" = 4 ]; then ra=$V4B rb=$V4A room=1472
	else ra=$V6B rb=$V6A room=1452; fi
	cap=$TMPD/frag$N.pcap
	LOG_A=$TMPD/a$N.log LOG_B=$TMPD/b$N.log
	side_up a auto "$ta" "$LOG_A" remote "$ra" encap fou \
	    encap-dport "$PB" encap-sport "$PA" mtu 2000
	side_up b auto "$tb" "$LOG_B" remote "$rb" encap fou \
	    encap-dport "$PA" encap-sport "$PB" mtu 2000
	# (immediate mode: a few packets, then the capture stops at once)
	start_capture "$NS_A" "$VETH_A" "$cap" --immediate-mode
	out=$(nsx "$NS_A" ping -4 -n -c 2 -i 0.2 -W 2 -M dont -s 1800 "$IN4B" 2>&1)
	printf '%s\n' "$out" | grep -q ' 2 received' &&
		ok "ping -M dont -s 1800 through a 1500 path: 2/2" ||
		error "ping -M dont -s 1800: $(printf '%s\n' "$out" | tail -n 2)"
	stop_capture "$CAP_PID"
	if [ "$outer" = 4 ]; then
		n=$(tcpdump -nn -r "$cap" "ip and src $V4A and (ip[6:2] & 0x3fff) != 0" 2>/dev/null | wc -l)
	else
		n=$(tcpdump -nn -r "$cap" "ip6 and src $V6A and ip6[6] = 44" 2>/dev/null | wc -l)
	fi
	[ "$n" -ge 4 ] && ok "$n outer fragments from A on the wire" ||
		error "only $n outer fragments from A captured"
	out=$(nsx "$NS_A" ping -4 -n -c 1 -W 2 -M do -s 1800 "$IN4B" 2>&1)
	printf '%s\n' "$out" | grep -Eiq "(frag needed|message too long).*mtu ?[=:]? ?$room" &&
		ok "ping -M do -s 1800: told mtu $room" ||
		error "ping -M do -s 1800: no frag needed with mtu $room: $out"
	pair_down "$ta" "$tb"
}

run_case 4 fou
frag_case 4
frag_case 6
run_case 6 fou
run_case 4 gue
run_case 6 gue
finish
