#!/bin/bash
#
# address and route keywords, as the seed's script sets them up, and two
# tunnels at once: ipipd puts the addresses and routes on its TUN device
# when the tunnel starts and takes them away at exit (a temporary device
# goes entirely; a device that was there before stays, without them).
# Clashes are clear errors and leave nothing behind: a device name held
# by something that is not a TUN, a UDP port in use, a route that
# exists, a route that would swallow the outer packets.

. "$(dirname "$0")/../lib.sh"
setup_common
mk_pair

PA=$((20000 + 16#${SID:0:3} % 20000))
PB=$((PA + 1))

# start NS LOG ARGS: ipipd in the foreground until `tunnel up:`.
up() {
	local ns=$1 logf=$2
	shift 2
	ipipd_up "$ns" "$logf" "$@" >/dev/null
	echo "$IPIPD_PID"
}

has_addr() { nsx "$1" ip -o addr show | grep -Eq " inet6? $2(/| )"; }
has_route() { nsx "$1" ip -o route show "$2" | grep -q .; }
has_route6() { nsx "$1" ip -6 -o route show "$2" | grep -q .; }

log "=== two tunnels at once, addresses and routes made by ipipd"
nsx "$NS_B" ip address add 10.77.0.1/32 dev lo || die "lo addr B"
nsx "$NS_B" ip address add fd00:77::1/128 dev lo || die "lo addr6 B"
nsx "$NS_B" ip address add 10.78.0.1/32 dev lo || die "lo addr B 2"
ta1=ad$SID ta2=ae$SID tb1=bd$SID tb2=be$SID
LA1=$TMPD/a1.log LB1=$TMPD/b1.log LA2=$TMPD/a2.log LB2=$TMPD/b2.log
ipipd_up "$NS_A" "$LA1" dev "$ta1" remote "$V4B" encap fou \
    encap-dport "$PB" encap-sport "$PA" address 10.0.0.1 peer 10.0.0.2 \
    address fd00:cafe::1/64 route 10.77.0.0/24 route fd00:77::/64
PA1=$IPIPD_PID
ipipd_up "$NS_B" "$LB1" dev "$tb1" remote "$V4A" encap fou \
    encap-dport "$PA" encap-sport "$PB" address 10.0.0.2 peer 10.0.0.1 \
    address fd00:cafe::2/64
PB1=$IPIPD_PID
ipipd_up "$NS_A" "$LA2" dev "$ta2" remote "$V6B" encap gue \
    encap-dport "$((PB + 2))" encap-sport "$((PA + 2))" \
    address 10.1.0.1 peer 10.1.0.2 route 10.78.0.0/24
PA2=$IPIPD_PID
ipipd_up "$NS_B" "$LB2" dev "$tb2" remote "$V6A" encap gue \
    encap-dport "$((PA + 2))" encap-sport "$((PB + 2))" \
    address 10.1.0.2 peer 10.1.0.1
PB2=$IPIPD_PID
nsx "$NS_A" ip -o addr show dev "$ta1"
nsx "$NS_A" ip -o route show dev "$ta1"
has_addr "$NS_A" 10.0.0.1 && ok "10.0.0.1 on $ta1" || error "10.0.0.1 not on $ta1"
has_route "$NS_A" 10.77.0.0/24 && ok "route 10.77.0.0/24" || error "no route 10.77.0.0/24"
has_route6 "$NS_A" fd00:77::/64 && ok "route fd00:77::/64" || error "no route fd00:77::/64"
ping_ok "$NS_A" 10.0.0.2 56
ping_ok "$NS_B" 10.0.0.1 56
ping_ok "$NS_A" fd00:cafe::2 56
ping_ok "$NS_A" 10.77.0.1 56
ping_ok "$NS_A" fd00:77::1 56
ping_ok "$NS_A" 10.1.0.2 56
ping_ok "$NS_A" 10.78.0.1 56
# The second tunnel's traffic went over its own device.
n=$(nsx "$NS_A" cat "/sys/class/net/$ta2/statistics/tx_packets")
[ "$n" -ge 4 ] && ok "$n packets sent on $ta2" || error "only $n packets on $ta2"
stop_ipipd "$PA1" "$LA1"
link_exists "$NS_A" "$ta1" && error "$ta1 still exists after SIGTERM" ||
	ok "$ta1 gone after SIGTERM"
has_addr "$NS_A" 10.0.0.1 && error "10.0.0.1 left behind" || ok "10.0.0.1 gone"
has_route "$NS_A" 10.77.0.0/24 && error "route 10.77.0.0/24 left behind" ||
	ok "route 10.77.0.0/24 gone"
has_route6 "$NS_A" fd00:77::/64 && error "route fd00:77::/64 left behind" ||
	ok "route fd00:77::/64 gone"
# The other tunnel does not care.
ping_ok "$NS_A" 10.78.0.1 56
stop_ipipd "$PA2" "$LA2"
stop_ipipd "$PB1" "$LB1"
stop_ipipd "$PB2" "$LB2"

log "=== a TUN device that was there before stays, without our additions"
tp=ap$SID
mk_tun "$NS_A" "$tp"
ipipd_up "$NS_A" "$TMPD/p.log" dev "$tp" remote "$V4B" \
    address 10.3.0.1 peer 10.3.0.2 route 10.79.0.0/24
has_addr "$NS_A" 10.3.0.1 && ok "10.3.0.1 on $tp" || error "10.3.0.1 not on $tp"
stop_ipipd "$IPIPD_PID" "$TMPD/p.log"
link_exists "$NS_A" "$tp" && ok "$tp (not ours) stays" || error "$tp was deleted"
has_addr "$NS_A" 10.3.0.1 && error "10.3.0.1 left on $tp" || ok "10.3.0.1 removed"
has_route "$NS_A" 10.79.0.0/24 && error "route 10.79.0.0/24 left" ||
	ok "route 10.79.0.0/24 removed"

# clash NAME WANT_ERE ARGS...: ipipd must exit 1 with WANT in its output.
clash() {
	local what=$1 want=$2 logf=$TMPD/clash.$RANDOM.log rc
	shift 2
	start_ipipd "$NS_A" "$logf" "$@"
	if ! wait_gone "$IPIPD_PID" 10; then
		error "$what: ipipd still running"
		return 1
	fi
	wait "$IPIPD_PID"
	rc=$?
	expect_eq "$rc" 1 "$what: exit status"
	expect_file_match "$logf" "$want" "$what: error"
	grep -E "$want" "$logf"
}

log "=== clashes"
nsx "$NS_A" ip link add "dm$SID" type veth peer name "dn$SID" || die "veth"
clash "device is no TUN" "dm$SID exists and is not a TUN device" \
    dev "dm$SID" remote "$V4B" encap fou encap-dport "$PB"
ip netns exec "$NS_A" "$PYTHON" -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', $PA))
print('bound', flush=True); time.sleep(60)" >"$TMPD/hold.out" 2>&1 &
HOLD=$!
_DAEMON_PIDS+=("$HOLD")
wait_log "$TMPD/hold.out" bound 10 "$HOLD" || die "port holder did not start"
clash "port in use" "UDP port $PA \\(listen-port\\) is in use" \
    dev "cp$SID" remote "$V4B" encap fou encap-dport "$PB" encap-sport "$PA"
link_exists "$NS_A" "cp$SID" && error "cp$SID left behind" || ok "no cp$SID left"
kill "$HOLD"
nsx "$NS_A" ip route add 10.88.0.0/24 via "$V4B" || die "route"
tc=ac$SID
mk_tun "$NS_A" "$tc"
clash "route exists" "route 10.88.0.0/24 dev $tc \\(a route to it exists\\)" \
    dev "$tc" remote "$V4B" address 10.4.0.1 peer 10.4.0.2 \
    route 10.89.0.0/24 route 10.88.0.0/24
has_addr "$NS_A" 10.4.0.1 && error "10.4.0.1 left behind" || ok "10.4.0.1 removed"
has_route "$NS_A" 10.89.0.0/24 && error "route 10.89.0.0/24 left behind" ||
	ok "route 10.89.0.0/24 removed"
has_route "$NS_A" 10.88.0.0/24 && ok "the existing route 10.88.0.0/24 stays" ||
	error "the existing route 10.88.0.0/24 was removed"
nsx "$NS_A" ip address add 10.4.0.9/32 dev "$tc" || die "addr on $tc"
clash "address exists" "address 10.4.0.9/32 on $tc: File exists" \
    dev "$tc" remote "$V4B" address 10.4.0.8 address 10.4.0.9
has_addr "$NS_A" 10.4.0.8 && error "10.4.0.8 left behind" || ok "10.4.0.8 removed"
has_addr "$NS_A" 10.4.0.9 && ok "the existing 10.4.0.9 stays" ||
	error "the existing 10.4.0.9 was removed"
clash "route over the remote" "route 192.0.0.0/8 holds the remote" \
    dev "$tc" remote "$V4B" route 192.0.0.0/8
finish
