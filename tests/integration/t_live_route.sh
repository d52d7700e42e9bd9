#!/bin/bash
#
# The default route moves to another interface: the tunnel follows with
# no process restarted.  A and B are joined by two veth pairs (link 1:
# the usual 192.0.2.0/24 and 2001:db8::/64; link 2: 198.51.100.0/24 and
# 2001:db8:2::/64, MTU 1400).  B's tunnel address sits on its loopback
# (203.0.113.2, 2001:db8:ff::2) and A reaches it by its default route,
# first over link 1, then, after `ip route replace default`, over link
# 2.  A's local address is what the routing table picks, so it changes
# with the route, as does the outer MTU; B reaches A by a name whose
# hosts entry the test changes at the same time (dynamic DNS), with
# resolve-interval 1.  Checked: traffic comes back (time reported
# against the issue's 2 s target), it goes out of link 2, A logs the new
# local address and the TUN MTU follows link 2's MTU.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
mk_pair

WA=wa$SID WB=wb$SID
ip link add "$WA" netns "$NS_A" type veth peer name "$WB" netns "$NS_B" ||
	die "second veth pair"
nsx "$NS_A" ip address add 198.51.100.1/24 dev "$WA" || die addr
nsx "$NS_B" ip address add 198.51.100.2/24 dev "$WB" || die addr
nsx "$NS_A" ip address add 2001:db8:2::1/64 dev "$WA" nodad || die addr
nsx "$NS_B" ip address add 2001:db8:2::2/64 dev "$WB" nodad || die addr
for x in "$NS_A $WA" "$NS_B $WB"; do
	set -- $x
	nsx "$1" ip link set "$2" mtu 1400 up || die "$2 up"
done
nsx "$NS_B" ip address add 203.0.113.2/32 dev lo || die "lo addr"
nsx "$NS_B" ip address add 2001:db8:ff::2/128 dev lo nodad || die "lo addr6"
nsx "$NS_A" ip route add default via "$V4B" || die "default"
nsx "$NS_A" ip -6 route add default via "$V6B" || die "default6"

tx_packets() { nsx "$NS_A" cat "/sys/class/net/$1/statistics/tx_packets"; }

# move FAM: one tunnel, its default route moved from link 1 to link 2.
move() {
	local fam=$1 n=$((++RUNS)) ta tb rb la1 la2 gw2 hdr pa pb t0 c0 c1
	ta=tr$SID$n tb=ts$SID$n
	if [ "$fam" = 4 ]; then
		rb=203.0.113.2 la1=$V4A la2=198.51.100.1 gw2=198.51.100.2 hdr=20
	else
		rb=2001:db8:ff::2 la1=$V6A la2=2001:db8:2::1 gw2=2001:db8:2::2
		hdr=48
	fi
	log "=== outer IPv$fam: default route from $VETH_A to $WA"
	set_hosts "$NS_B" "$la1 peer-a"
	LOG_A=$TMPD/a$n.log LOG_B=$TMPD/b$n.log
	side_up a auto "$ta" "$LOG_A" remote "$rb"
	expect_match "$(up_line "$LOG_A")" "local $la1 remote $rb mtu $((1500 - hdr)) " \
	    "A's tunnel up line"
	SIDE_FLAGS=-$fam side_up b auto "$tb" "$LOG_B" local "$rb" \
	    remote peer-a resolve-interval 1
	ping_ok "$NS_A" "$IN4B" 56
	pa=$(proc_set "$PID_A") pb=$(proc_set "$PID_B")
	c0=$(tx_packets "$WA")
	if [ "$fam" = 4 ]; then
		run nsx "$NS_A" ip route replace default via "$gw2" dev "$WA"
	else
		run nsx "$NS_A" ip -6 route replace default via "$gw2" dev "$WA"
	fi
	set_hosts "$NS_B" "$la2 peer-a"
	t0=$(now_ms)
	if seen_after "$t0" "$LOG_A" "outer local $la2 remote $rb mtu 1400" 10
	then
		ok "A uses $la2 after $(ms_fmt "$SEEN_MS") (target 2 s)"
		echo "MEASURED IPv$fam A follows the route $SEEN_MS ms"
	else
		error "A did not log 'outer local $la2 remote $rb mtu 1400'"
		show_log "$LOG_A"
	fi
	expect_resume "IPv$fam default route change" "$t0" "$NS_A" "$IN4B" 2 10
	ping_ok "$NS_A" "$IN4B" 56 5
	c1=$(tx_packets "$WA")
	if [ $((c1 - c0)) -ge 5 ]; then
		ok "$WA sent $((c1 - c0)) packets since the change"
	else
		error "$WA sent only $((c1 - c0)) packets since the change"
	fi
	if wait_until 5 eval "[ \"\$(link_mtu '$NS_A' '$ta')\" = $((1400 - hdr)) ]"
	then
		ok "$ta mtu $((1400 - hdr)) (link 2's MTU minus $hdr)"
	else
		error "$ta mtu $(link_mtu "$NS_A" "$ta"), want $((1400 - hdr))"
	fi
	ping_sizes "$NS_A" "$IN4B" $((1400 - hdr))
	expect_same_procs "$pa" "$(proc_set "$PID_A")" "A"
	expect_same_procs "$pb" "$(proc_set "$PID_B")" "B"
	pair_down "$ta" "$tb"
	if [ "$fam" = 4 ]; then
		nsx "$NS_A" ip route replace default via "$V4B" dev "$VETH_A"
	else
		nsx "$NS_A" ip -6 route replace default via "$V6B" dev "$VETH_A"
	fi
}
RUNS=0
move 4
move 6
finish
