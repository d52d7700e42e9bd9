#!/bin/bash
#
# Acceptance: the scapy peer in B (no ipipd there) sends RFC 2003 (IPv4 in
# IPv4), RFC 4213 (IPv6 in IPv4, protocol 41), and RFC 2473 (IPv4 and
# IPv6 in IPv6) packets carrying ICMP echo requests to A's inner
# addresses; ipipd in A must decapsulate them, A's kernel answers, and the
# replies must come back to B encapsulated, outer headers checked.

. "$(dirname "$0")/../lib.sh"
setup_common
need_scapy
mk_pair
hold_b

MAC_A=$(mac "$NS_A" "$VETH_A")
MAC_B=$(mac "$NS_B" "$VETH_B")

accept() {
	local outer=$1 tun=tc$SID$1 a b
	if [ "$outer" = 4 ]; then a=$V4A b=$V4B; else a=$V6A b=$V6B; fi
	log "=== acceptance over IPv$outer"
	side_up a pre "$tun" "$TMPD/a$outer.log" remote "$b"
	wirepy "$NS_B" accept --iface "$VETH_B" --outer "$outer" \
	    --src "$b" --dst "$a" --src-mac "$MAC_B" --dst-mac "$MAC_A" ||
		error "acceptance over IPv$outer"
	stop_ipipd "$PID_A" "$TMPD/a$outer.log"
	nsx "$NS_A" ip link delete "$tun"
}

accept 4
accept 6
finish
