#!/bin/bash
#
# Rejection: the scapy peer in B sends packets ipipd in A must drop: wrong
# outer source (a second address of B), wrong outer destination (a second
# address of A), protocol 4 carrying IPv6 and 41 carrying IPv4, truncated
# inner headers, inner lengths larger than the packet, bad inner IHL.
# Valid control packets go first and last in the same run.  What ipipd
# writes to A's TUN is captured (tcpdump -Q in): the control packets must
# be there, none of the others.  Over IPv4 and over IPv6.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd tcpdump
need_scapy
mk_pair
hold_b

ALT4B=192.0.2.12 ALT6B=2001:db8::12
ALT4A=192.0.2.21 ALT6A=2001:db8::21
nsx "$NS_B" ip address add "$ALT4B/24" dev "$VETH_B" || die "alt addr B"
nsx "$NS_B" ip address add "$ALT6B/64" dev "$VETH_B" nodad || die "alt addr6 B"
nsx "$NS_A" ip address add "$ALT4A/24" dev "$VETH_A" || die "alt addr A"
nsx "$NS_A" ip address add "$ALT6A/64" dev "$VETH_A" nodad || die "alt addr6 A"

MAC_A=$(mac "$NS_A" "$VETH_A")
MAC_B=$(mac "$NS_B" "$VETH_B")

reject() {
	local outer=$1 tun=tr$SID$1 a b alta altb
	if [ "$outer" = 4 ]; then
		a=$V4A b=$V4B alta=$ALT4A altb=$ALT4B
	else
		a=$V6A b=$V6B alta=$ALT6A altb=$ALT6B
	fi
	log "=== rejection over IPv$outer"
	side_up a pre "$tun" "$TMPD/a$outer.log" local "$a" remote "$b"
	start_capture "$NS_A" "$tun" "$TMPD/tun$outer.pcap" -Q in
	local cap=$CAP_PID
	wirepy "$NS_B" reject-send --iface "$VETH_B" --outer "$outer" \
	    --src "$b" --dst "$a" --src-mac "$MAC_B" --dst-mac "$MAC_A" \
	    --alt-src "$altb" --alt-dst "$alta" \
	    --manifest "$TMPD/manifest$outer" || error "reject-send failed"
	sleep 0.5
	stop_capture "$cap"
	wirepy - reject-check --tun-pcap "$TMPD/tun$outer.pcap" \
	    --manifest "$TMPD/manifest$outer" ||
		error "rejection over IPv$outer"
	stop_ipipd "$PID_A" "$TMPD/a$outer.log"
	nsx "$NS_A" ip link delete "$tun"
}

reject 4
reject 6
finish
