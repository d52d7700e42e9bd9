#!/bin/bash
#
# Emission: ipipd in A, an independent scapy peer in B (no ipipd there).
# Pings from A's TUN addresses to peer inner addresses; the outer packets
# captured on B's veth must have every promised header field right (IPv4:
# IHL 5, TTL 64, DF copied from an IPv4 inner and set for an IPv6 inner
# (RFC 2003 5.1, RFC 4213 3.2; pings with -M do and -M dont), ID != 0,
# checksum, TOS 0, protocol 4 or 41 for the inner family; IPv6: hop
# limit 64, one destination options header with the RFC 2473 Tunnel
# Encapsulation Limit 4, then next header 4 or 41, traffic class 0, flow
# label 0) and carry the inner packets byte for byte as A's TUN device
# sent them.  Over IPv4 and over IPv6.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd tcpdump
need_scapy
mk_pair
hold_b

emit() {
	local outer=$1 tun=te$SID$1 remote lcl mtu
	if [ "$outer" = 4 ]; then lcl=$V4A remote=$V4B; else lcl=$V6A remote=$V6B; fi
	log "=== emission over IPv$outer"
	side_up a pre "$tun" "$TMPD/a$outer.log" remote "$remote"
	mtu=$(link_mtu "$NS_A" "$tun")
	start_capture "$NS_A" "$tun" "$TMPD/tun$outer.pcap" -Q out
	local cap_a=$CAP_PID
	start_capture "$NS_B" "$VETH_B" "$TMPD/wire$outer.pcap"
	local cap_b=$CAP_PID
	# No answers come back (B has no tunnel): ping only sends.
	nsx "$NS_A" ping -4 -n -q -c 2 -i 0.2 -W 1 -M do -p 6970697064 \
	    -s 56 "$IN4B" >/dev/null
	nsx "$NS_A" ping -4 -n -q -c 2 -i 0.2 -W 1 -M do -p a5 \
	    -s $((mtu - 28)) "$IN4B" >/dev/null
	nsx "$NS_A" ping -4 -n -q -c 2 -i 0.2 -W 1 -M dont -p 5a \
	    -s 100 "$IN4B" >/dev/null
	nsx "$NS_A" ping -6 -n -q -c 2 -i 0.2 -W 1 -M do -p 6970697064 \
	    -s 56 "$IN6B" >/dev/null
	nsx "$NS_A" ping -6 -n -q -c 2 -i 0.2 -W 1 -M do -p 5a \
	    -s $((mtu - 48)) "$IN6B" >/dev/null
	stop_capture "$cap_a"
	stop_capture "$cap_b"
	wirepy - emit-check --outer "$outer" --local "$lcl" \
	    --remote "$remote" --min 4 --max-size "$mtu" \
	    --tun-pcap "$TMPD/tun$outer.pcap" --wire-pcap "$TMPD/wire$outer.pcap" ||
		error "emission over IPv$outer"
	stop_ipipd "$PID_A" "$TMPD/a$outer.log"
	nsx "$NS_A" ip link delete "$tun"
}

emit 4
emit 6
finish
