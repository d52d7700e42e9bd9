#!/bin/bash
#
# encap-sport auto with encap-sport-range: each inner flow leaves from
# one port of the range, picked by a hash of its addresses and ports, so
# 16 UDP flows spread over several ports, all inside the range, and one
# flow always uses the same port.  The peer takes any source port of
# the remote address (peer-sport any).

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd tcpdump
need_scapy	# /usr/bin/python3 is the test Python
mk_pair

PA=$((20000 + 16#${SID:0:3} % 20000))
PB=$((PA + 1))
LO=$((PA + 100)) HI=$((PA + 107))
ta=fp$SID tb=fq$SID
LOG_A=$TMPD/a.log LOG_B=$TMPD/b.log
side_up a auto "$ta" "$LOG_A" remote "$V4B" encap fou encap-dport "$PB" \
    listen-port "$PA" encap-sport auto encap-sport-range "$LO-$HI"
side_up b auto "$tb" "$LOG_B" remote "$V4A" encap fou encap-dport "$PA" \
    encap-sport "$PB" peer-sport any
ping_ok "$NS_A" "$IN4B" 56
ping_ok "$NS_B" "$IN4A" 56
cap=$TMPD/sport.pcap
start_capture "$NS_A" "$VETH_A" "$cap" --immediate-mode udp
# 16 flows (source ports 30000..30015), 3 datagrams each.
nsx "$NS_A" "$PYTHON" -c "
import socket
for r in range(3):
    for p in range(30000, 30016):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('$IN4A', p)); s.sendto(b'flow %d' % p, ('$IN4B', 9)); s.close()
"
sleep 1
stop_capture "$CAP_PID"
# "outer source port, flow N" for each datagram of each flow.
tcpdump -nn -A -r "$cap" "src $V4A and dst port $PB" 2>/dev/null | awk '
	/ IP [0-9.]+\.[0-9]+ > / { split($3, a, "."); port = a[5] }
	match($0, /flow 300[0-9][0-9]/) { print port, substr($0, RSTART + 5, 5) }
' | sort -u >"$TMPD/pairs"
cut -d' ' -f1 "$TMPD/pairs" | sort -u >"$TMPD/uports"
n=$(wc -l <"$TMPD/uports")
log "outer source ports used: $(tr '\n' ' ' <"$TMPD/uports")"
[ "$n" -ge 3 ] && ok "16 flows over $n source ports" ||
	error "16 flows left from only $n source port(s)"
bad=$(awk -v lo="$LO" -v hi="$HI" '$1 < lo || $1 > hi' "$TMPD/uports")
[ -z "$bad" ] && ok "every source port within $LO-$HI" ||
	error "source ports outside $LO-$HI: $bad"
# One flow, one port: 16 flows, and no flow with two ports.
flows=$(cut -d' ' -f2 "$TMPD/pairs" | sort -u | wc -l)
expect_eq "$flows" 16 "flows seen on the wire"
expect_eq "$(wc -l <"$TMPD/pairs")" 16 "(port, flow) pairs: one port per flow"
stop_ipipd "$PID_A" "$LOG_A"
stop_ipipd "$PID_B" "$LOG_B"
finish
