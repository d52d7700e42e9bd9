#!/bin/bash
#
# Outer fragments on the wire: ipipd in A, a scapy-less independent
# checker (frag_check.py) reading what B's veth received (B runs no
# ipipd; hold_b keeps B's kernel from answering with ICMP errors).
# Pings from A's TUN addresses make A's kernel send inner packets larger
# than what fits in one outer packet; A's TUN is captured too, so the
# reassembled outer payload can be compared byte for byte with what the
# TUN device sent.
#
#  1. nopmtudisc, TUN mtu 4000, over IPv4 and over IPv6 (1500 link):
#     every outer packet, fragmented or not, has DF clear; fragments are
#     at most 1500 bytes, IPv4: header checksum, IHL 5, one non-zero ID
#     per datagram and different IDs across datagrams, offsets
#     contiguous, MF on all but the last; IPv6: Fragment header, one
#     32-bit (random) identification per datagram, different across,
#     offsets and M right, reassembly = encapsulation limit destination
#     option (value 4) + the inner packet.  Inner IPv4 with and without
#     DF (nopmtudisc ignores it) and inner IPv6, 2000 and 4000 bytes.
#  2. pmtudisc (default), TUN mtu 4000 over IPv4: an IPv4 inner packet
#     without DF that does not fit goes in outer fragments (DF clear).
#  3. pmtudisc, IPv6 outer over a 1280-byte link (room 1232), and IPv4
#     outer over it (room 1260): an IPv6 inner packet of exactly 1280
#     bytes goes in fragments of at most 1280 bytes, DF clear (RFC 2473
#     7.1, RFC 4213 3.2: 1280 always gets through), as do 1400-byte
#     IPv4 (no DF) inner packets, and 1248-byte IPv6 ones over IPv6.
#
# frag_check.py selftest runs first: it shows that the checks catch
# broken fragment trains.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd tcpdump ping
# No scapy needed: frag_check.py parses the raw bytes itself.
[ -x "$PYTHON" ] || skip "$PYTHON missing"
mk_pair
hold_b

# cap_start NS IFACE FILE [TCPDUMP ARGS...] / cap_stop PID: packet capture.
# Not lib.sh's start_capture/stop_capture: there `nsx ... &` puts a bash
# subshell between $! and tcpdump, so stop_capture kills the subshell,
# tcpdump goes on running, and the file can be read before the last
# packets are in it.  Here `ip netns exec` execs tcpdump, so CAP_PID is
# tcpdump itself; --immediate-mode hands every packet over at once.
cap_start() {
	local ns=$1 ifc=$2 file=$3
	shift 3
	ip netns exec "$ns" tcpdump -Z root -i "$ifc" -n -U --immediate-mode \
	    -s 0 -w "$file" "$@" 2>"$file.err" </dev/null &
	CAP_PID=$!
	_DAEMON_PIDS+=("$CAP_PID")
	wait_log "$file.err" 'listening on' 10 "$CAP_PID" || {
		cat "$file.err"
		die "tcpdump on $ifc in $ns did not start"
	}
}
cap_stop() {
	sleep 0.3
	kill -TERM "$1" 2>/dev/null
	if ! wait_gone "$1" 5; then
		kill -KILL "$1" 2>/dev/null
		error "tcpdump pid $1 ignored SIGTERM: its capture may be cut"
	fi
	wait "$1" 2>/dev/null
	return 0
}

log "=== checker self test (broken fragment trains must be caught)"
"$PYTHON" "$WIREDIR/frag_check.py" selftest ||
	die "frag_check.py selftest: the checker would miss bugs"

# fping4/fping6 SIZE [PING OPTIONS]: two echo requests from A through
# the tunnel.  Nothing answers them (B has no tunnel): they only send.
fping4() {
	local s=$1
	shift
	nsx "$NS_A" ping -4 -n -q -c 2 -i 0.1 -W 0.3 -s "$s" "$@" "$IN4B" \
	    >/dev/null 2>&1
}
fping6() {
	local s=$1
	shift
	nsx "$NS_A" ping -6 -n -q -c 2 -i 0.1 -W 0.3 -s "$s" "$@" "$IN6B" \
	    >/dev/null 2>&1
}

# scenario NAME OUTER LINKMTU CHECKARGS -- IPIPDARGS: start ipipd in A
# with IPIPDARGS, capture A's TUN (what the kernel sent) and B's veth,
# run the function send_NAME, then frag_check.py check CHECKARGS.
scenario() {
	local name=$1 outer=$2 lmtu=$3 tun=tf$SID$1 lcl rmt
	local chk=() cap_a cap_b
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		chk+=("$1")
		shift
	done
	shift
	if [ "$outer" = 4 ]; then lcl=$V4A rmt=$V4B; else lcl=$V6A rmt=$V6B; fi
	log "=== $name: IPv$outer outer, link mtu $lmtu, ipipd $*"
	side_up a pre "$tun" "$TMPD/a.$name.log" remote "$rmt" "$@"
	expect_eq "$(link_mtu "$NS_A" "$tun")" 4000 "TUN mtu"
	cap_start "$NS_A" "$tun" "$TMPD/tun.$name.pcap" -Q out
	cap_a=$CAP_PID
	cap_start "$NS_B" "$VETH_B" "$TMPD/wire.$name.pcap" "ip or ip6"
	cap_b=$CAP_PID
	"send_$name"
	cap_stop "$cap_a"
	cap_stop "$cap_b"
	if "$PYTHON" "$WIREDIR/frag_check.py" check --outer "$outer" \
	    --local "$lcl" --remote "$rmt" --mtu "$lmtu" \
	    --tun-pcap "$TMPD/tun.$name.pcap" \
	    --wire-pcap "$TMPD/wire.$name.pcap" "${chk[@]}"; then
		ok "$name: outer fragments correct"
	else
		error "$name: outer fragments (IPv$outer, ipipd $*)"
		show_log "$TMPD/a.$name.log" 20
	fi
	stop_ipipd "$PID_A" "$TMPD/a.$name.log"
	nsx "$NS_A" ip link delete "$tun"
}

# nopmtudisc: 4000- and 2000-byte inner packets of both families, IPv4
# ones with DF too, and small ones (whose outer DF must be clear too).
send_nopmtu4() {
	fping4 3972 -Mdont	# 4000-byte inner IPv4, no DF
	fping4 1972 -Mdont	# 2000
	fping4 3972 -Mdo	# DF on the inner: fragmented all the same
	fping4 56 -Mdo		# fits: one outer packet, DF clear
	fping6 3952		# 4000-byte inner IPv6
	fping6 1952		# 2000
	fping6 56
}
send_nopmtu6() { send_nopmtu4; }

# pmtudisc: IPv4 inner without DF is fragmented; small DF packets fit.
send_pmtu4() {
	fping4 2972 -Mdont	# 3000-byte inner IPv4, no DF
	fping4 3972 -Mdont
	fping4 56 -Mdo
}

# IPv6 outer over a 1280 link: room 1232; 1280-byte IPv6 inner packets
# (and 1248-byte ones) still go, in fragments.
send_v6min() {
	fping6 1232 -Mdo	# exactly 1280 bytes of inner IPv6
	fping6 1200 -Mdo	# 1248
	fping4 1372 -Mdont	# 1400 bytes of IPv4 without DF
}

scenario nopmtu4 4 1500 --nopmtudisc --min-frag 10 \
    --want 4:4000 --want 4:2000 --want 6:4000 --want 6:2000 \
    -- mtu 4000 nopmtudisc
scenario nopmtu6 6 1500 --nopmtudisc --min-frag 10 --encaplimit 4 \
    --want 4:4000 --want 4:2000 --want 6:4000 --want 6:2000 \
    -- mtu 4000 nopmtudisc
scenario pmtu4 4 1500 --min-frag 4 --want 4:3000 --want 4:4000 \
    -- mtu 4000

log "=== veth mtu 1280 on both ends"
nsx "$NS_A" ip link set "$VETH_A" mtu 1280 || die "veth A mtu 1280"
nsx "$NS_B" ip link set "$VETH_B" mtu 1280 || die "veth B mtu 1280"
# mtu 4000 for the TUN, so that the kernel hands ipipd whole 1280-byte
# IPv6 packets; pmtudisc is the default.
scenario v6min 6 1280 --min-frag 4 --encaplimit 4 --want 6:1280 \
    --want 6:1248 --want 4:1400 -- mtu 4000
# (1248 bytes of IPv6 fit in the IPv4 room of 1260: sent whole.)
send_v4min() { send_v6min; }
scenario v4min 4 1280 --min-frag 4 --want 6:1280 --want 4:1400 -- mtu 4000

finish
