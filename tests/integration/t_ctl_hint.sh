#!/bin/bash
#
# Hints: drops that point at a likely misconfiguration are explained,
# once a minute per cause in the log and in ipipctl show.  A runs
# `encap fou` with the default peer-sport (its encap-dport) and mode
# ipip; B is a FOU peer made of plain sockets (fou_peer.py), as a
# kernel peer would send:
#   - from the remote's address but other source ports, as a kernel
#     peer with encap-sport auto does: dropped as net-src, and the hint
#     "... come from port P, not PORT: a kernel peer with encap-sport
#     auto needs peer-sport any", logged once for 3 datagrams; with
#     peer-sport any (A restarted) the same datagrams go through;
#   - inner IPv6, which mode ipip does not carry: the mode hint;
#   - a GUE header first, as a kernel peer with encap gue sends: dropped
#     as net-version, and the protocol hint says the peer runs gue;
#   - from another address, the remote silent for 5 s: the source hint;
#   - A's own datagrams to a port where nothing listens on B: B answers
#     ICMP port unreachable: the unreachable hint;
#   - A with encap gue: GUE datagrams of protocol 47 (net-proto), the
#     protocol hint, logged once for 3 and shown; of protocol 41 to
#     mode ipip (net-mode), the mode hint: a cause of its own;
#   - A without encap, nothing for IP protocol 4 on B: B's kernel answers
#     ICMP protocol unreachable: the unreachable hint names the protocol.

. "$(dirname "$0")/../lib.sh"
setup_common
need_ipipctl
mk_pair

PA=$((30000 + 16#${SID:0:3} % 20000))	# A listens here
PB=$((PA + 1))				# A sends here; nothing listens on B
FOU="$PYTHON $TOPDIR/tests/integration/fou_peer.py"
ta=ha$SID
SA=/run/ipipd/$ta.sock
LOG_A=$TMPD/a.log
start_a() {
	side_up a auto "$ta" "$LOG_A" remote "$V4B" mode ipip encap fou \
	    encap-dport "$PB" listen-port "$PA" resolve-interval 600 "$@"
}
start_a
showj() { "$IPIPCTL" -j -s "$SA" show >"$TMPD/show.json" && jq_py "$TMPD/show.json" "$1"; }
drops() {
	"$IPIPCTL" -j -s "$SA" show stats >"$TMPD/st.json" &&
	    jq_py "$TMPD/st.json" "j[0]['drops']['$1']"
}

log "=== a kernel FOU peer with encap-sport auto: other source ports"
hint="datagrams from $V4B come from port [0-9]+, not $PB: a kernel peer with encap-sport auto needs peer-sport any"
for p in 1 2 3; do
	nsx "$NS_B" $FOU send --to "$V4A:$PA" --bind "$V4B:$((PB + 100 + p))" \
	    --src "$IN4B" --dst "$IN4A" --id $p
done
wait_log "$LOG_A" "engine: hint: $hint" 5 && ok "peer-sport hint logged" ||
	error "no peer-sport hint logged"
expect_eq "$(drops net-src)" 3 "net-src drops"
# The engine's status line comes after any line it logged before.
kill -USR1 "$PID_A"
wait_log "$LOG_A" "engine: status: " 5 || error "no engine status line"
expect_eq "$(grep -Ec "hint: $hint" "$LOG_A")" 1 "the hint logged once for 3 datagrams"
expect_eq "$(showj "[h['count'] for h in j[0]['hints'] if h['cause'] == 'peer-sport']")" \
    "[3]" "show -j: the peer-sport hint, 3 packets"
expect_match "$(showj "[h['text'] for h in j[0]['hints'] if h['cause'] == 'peer-sport'][0]")" \
    "^$hint\$" "show -j: the hint's text"
expect_match "$("$IPIPCTL" -s "$SA" show)" "^  hint +$hint \(3 packets, last [0-9]+s ago\)$" \
    "show: the hint"

log "=== inner IPv6 to mode ipip"
nsx "$NS_B" "$PYTHON" -c "
import socket, struct
ip6 = struct.pack('!IHBB16s16s', 6 << 28, 8, 58, 64,
    socket.inet_pton(socket.AF_INET6, '$IN6B'),
    socket.inet_pton(socket.AF_INET6, '$IN6A')) + bytes([128, 0, 0, 0, 0, 1, 0, 1])
s = socket.socket(); s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$V4B', $PB)); s.sendto(ip6, ('$V4A', $PA))"
mode="$V4B sends inner IPv6 \(protocol 41: sit, ip6ip6\), which mode ipip does not carry: the peer's mode differs"
wait_log "$LOG_A" "engine: hint: $mode" 5 && ok "mode hint logged" ||
	error "no mode hint logged"
expect_eq "$(drops net-mode)" 1 "net-mode drops"

log "=== a kernel GUE peer to encap fou: a GUE header first"
nsx "$NS_B" "$PYTHON" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$V4B', $PB))
for i in range(2):
    s.sendto(bytes([0, 4, 0, 0, 0x45]) + bytes(27), ('$V4A', $PA))"
fg="$V4B sends GUE datagrams \(protocol 4\), and this tunnel is encap fou: the peer runs encap gue; use the same encap on both ends"
wait_log "$LOG_A" "engine: hint: $fg" 5 && ok "fou/gue hint logged" ||
	error "no fou/gue hint logged"
expect_eq "$(drops net-version)" 2 "net-version drops"

log "=== datagrams from another address, nothing from the remote"
V4C=192.0.2.3
nsx "$NS_B" ip address add "$V4C/24" dev "$VETH_B" || die "add $V4C"
src="datagrams from $V4C port $PB, not the remote $V4B, which sent nothing for a while: did the remote's address change\? With a NAT in the way, add float"
nsx "$NS_B" $FOU send --to "$V4A:$PA" --bind "$V4C:$PB" --src "$IN4B" --dst "$IN4A"
sleep 6.5	# the remote silent for 5 s (hints.c)
nsx "$NS_B" $FOU send --to "$V4A:$PA" --bind "$V4C:$PB" --src "$IN4B" --dst "$IN4A"
wait_log "$LOG_A" "engine: hint: $src" 5 && ok "source hint logged" ||
	error "no source hint logged"

log "=== nothing listens on B: ICMP port unreachable"
nsx "$NS_A" ping -n -q -c 3 -i 0.2 -W 1 "$IN4B" >/dev/null 2>&1
unr="$V4B answers ICMP port unreachable: nothing listens on UDP port $PB there \(no fou/gue receiver, or another port\)"
wait_log "$LOG_A" "engine: hint: $unr" 5 && ok "unreachable hint logged" ||
	error "no unreachable hint logged"
expect_eq "$(showj "' '.join(sorted(h['cause'] for h in j[0]['hints']))")" \
    "mode peer-sport protocol source unreachable" "show -j: the five causes"

log "=== the fix the hint names: peer-sport any"
stop_ipipd "$PID_A" "$LOG_A"
start_a peer-sport any
nsx "$NS_B" $FOU send --to "$V4A:$PA" --bind "$V4B:$((PB + 200))" \
    --src "$IN4B" --dst "$IN4A" --id 9
"$IPIPCTL" -j -s "$SA" show stats >"$TMPD/st.json"
expect_eq "$(jq_py "$TMPD/st.json" "j[0]['drops']['net-src']")" 0 "net-src with peer-sport any"
expect_eq "$(jq_py "$TMPD/st.json" "j[0]['traffic']['tun-tx-packets'] >= 1")" True \
    "the datagram from another port reached the TUN device"
expect_eq "$(showj "[h['cause'] for h in j[0]['hints'] if h['cause'] != 'unreachable']")" \
    "[]" "no hint but B's unreachable answer to A's echo reply"
stop_ipipd "$PID_A" "$LOG_A"

log "=== encap gue: GUE datagrams of another protocol, and of inner IPv6"
LOG_A=$TMPD/gue.log
side_up a auto "$ta" "$LOG_A" remote "$V4B" mode ipip encap gue \
    encap-dport "$PB" listen-port "$PA" resolve-interval 600
# gue PROTO COUNT: COUNT GUE datagrams (variant 0, no flags) of PROTO
# from B's address and A's peer-sport, as a kernel GUE peer sends them;
# PROTO 41 carries an ICMPv6 echo request, any other 8 bytes.
gue() {
	nsx "$NS_B" "$PYTHON" -c "
import socket, struct
proto, n = $1, $2
ip6 = struct.pack('!IHBB16s16s', 6 << 28, 8, 58, 64,
    socket.inet_pton(socket.AF_INET6, '$IN6B'),
    socket.inet_pton(socket.AF_INET6, '$IN6A')) + bytes([128, 0, 0, 0, 0, 1, 0, 1])
body = ip6 if proto == 41 else bytes(8)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$V4B', $PB))
for i in range(n):
    s.sendto(bytes([0, proto, 0, 0]) + body, ('$V4A', $PA))"
}
gue 47 3
proto="$V4B sends GUE datagrams of protocol 47, which ipipd does not carry \(4, 41, 137\): the peer's tunnel is of another kind"
wait_log "$LOG_A" "engine: hint: $proto" 5 && ok "GUE protocol hint logged" ||
	error "no GUE protocol hint logged"
gue 41 1
gmode="$V4B sends inner IPv6 \(protocol 41: sit, ip6ip6\), which mode ipip does not carry: the peer's mode differs"
wait_log "$LOG_A" "engine: hint: $gmode" 5 && ok "GUE mode hint logged" ||
	error "no mode hint for a GUE datagram of protocol 41"
expect_eq "$(drops net-proto) $(drops net-mode)" "3 1" "net-proto and net-mode drops"
kill -USR1 "$PID_A"
wait_log "$LOG_A" "engine: status: " 5 || error "no engine status line"
expect_eq "$(grep -Ec "hint: $proto" "$LOG_A")" 1 \
    "the protocol hint logged once for 3 datagrams"
expect_eq "$(showj "[h['count'] for h in j[0]['hints'] if h['cause'] == 'protocol']")" \
    "[3]" "show -j: the protocol hint, 3 packets"
expect_match "$(showj "[h['text'] for h in j[0]['hints'] if h['cause'] == 'protocol'][0]")" \
    "^$proto\$" "show -j: the protocol hint's text"
expect_eq "$(showj "' '.join(sorted(h['cause'] for h in j[0]['hints']))")" \
    "mode protocol" "show -j: the two causes"
expect_match "$("$IPIPCTL" -s "$SA" show)" "^  hint +$proto \(3 packets, last [0-9]+s ago\)$" \
    "show: the protocol hint"
stop_ipipd "$PID_A" "$LOG_A"

log "=== no encap, no tunnel on B: ICMP protocol unreachable"
LOG_A=$TMPD/raw.log
side_up a auto "$ta" "$LOG_A" remote "$V4B" mode ipip resolve-interval 600
nsx "$NS_A" ping -n -q -c 3 -i 0.2 -W 1 "$IN4B" >/dev/null 2>&1
punr="$V4B answers ICMP protocol unreachable: its kernel has no tunnel for IP protocol 4 \(load the ipip/sit module and set one up, or run ipipd there\)"
wait_log "$LOG_A" "engine: hint: $punr" 5 && ok "protocol unreachable hint logged" ||
	error "no protocol unreachable hint logged"
expect_match "$(showj "[h['text'] for h in j[0]['hints'] if h['cause'] == 'unreachable'][0]")" \
    "^$punr\$" "show -j: the protocol unreachable hint"
stop_ipipd "$PID_A" "$LOG_A"
finish
