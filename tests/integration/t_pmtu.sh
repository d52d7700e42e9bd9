#!/bin/bash
#
# Path MTU discovery through the tunnel with the default `pmtudisc`:
# ipipd on both sides, TUN MTU 9000 over the 1500 veth, so the room for
# an inner packet is 1480 over IPv4 and 1452 over IPv6 (40 + 8 for the
# default encapsulation limit option).
#
#   - IPv4 inner with DF, too big (ping -M do -s 8000): ipipd writes ICMP
#     "fragmentation needed" with mtu = room back into the TUN: ping
#     shows "Frag needed and DF set (mtu = 1480)", the kernel caches
#     the PMTU (ip route get ... mtu 1480) (RFC 2003 5.1);
#   - the boundary, from the other side (whose kernel has learnt
#     nothing): a DF packet of exactly the room passes, one byte more
#     gets "Frag needed" with the room;
#   - IPv4 inner without DF (ping -M dont -s 8000) passes both ways, in
#     outer fragments;
#   - IPv6 inner too big (ping -6 -s 8000): ICMPv6 Packet Too Big with
#     mtu = room, the kernel caches it, and once both kernels have
#     learnt it (each side's ipipd tells its own), pings of 8000 bytes
#     pass, fragmented at the source; the IPv6 boundary likewise;
#   - tracepath and tracepath -6 on fresh tunnels: "pmtu 9000" at the
#     start, then "pmtu <room>" learnt from ipipd, and the peer reached.
# The same with `encaplimit none` over IPv6 (room 1460).
# Then over a 1280 veth, IPv6 outer (room 1232) and IPv4 outer (room
# 1260), both less than the IPv6 minimum MTU, TUN MTU 1500:
#   - IPv6 inner of exactly 1280 bytes, and of 1248, with DF semantics
#     (-M do): delivered (in outer fragments) both ways, never refused
#     (RFC 2473 7.1, RFC 4213 3.2);
#   - IPv6 inner of 1281: Packet Too Big with mtu 1280, not the room;
#   - IPv4 inner with DF: the room passes, one more byte gets "Frag
#     needed" with the room;
#   - tracepath -6 learns 1280, tracepath learns the room.
# Every check that depends on what the kernels have cached runs on a
# fresh pair of tunnels (cached PMTUs go with the TUN devices).

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd ping tracepath awk
mk_pair

# pmping NS ARGS...: run ping, print its output indented; sets PING_OUT
# and returns ping's status.
pmping() {
	local ns=$1 rc
	shift
	PING_OUT=$(nsx "$ns" ping -n "$@" 2>&1)
	rc=$?
	printf '+ ping %s\n' "$*"
	printf '%s\n' "$PING_OUT" | grep -Ev '^$|^PING|^--- |^rtt' |
		sed 's/^/    | /'
	return "$rc"
}

# ping_pass NS COUNT ARGS...: all COUNT echoes answered.
ping_pass() {
	local ns=$1 n=$2
	shift 2
	if pmping "$ns" -c "$n" -i 0.1 -W 2 "$@" &&
	    printf '%s\n' "$PING_OUT" | grep -q " $n received"; then
		ok "ping $*: $n/$n answered"
	else
		error "ping $*: want $n/$n answered"
	fi
}

# ping_err NS ERE ARGS...: one echo, not answered, and ping reports ERE.
ping_err() {
	local ns=$1 re=$2
	shift 2
	pmping "$ns" -c 1 -W 2 "$@"
	if printf '%s\n' "$PING_OUT" | grep -q ' 1 received'; then
		error "ping $*: answered, but it must not fit (want /$re/)"
	elif printf '%s\n' "$PING_OUT" | grep -Eq -- "$re"; then
		ok "ping $*: /$re/"
	else
		error "ping $*: no /$re/ in its output"
	fi
}

# ping_learns NS TRIES ARGS...: repeat single pings until one is answered
# (the first ones teach the PMTU to the kernels on the way).
ping_learns() {
	local ns=$1 tries=$2 i
	shift 2
	for i in $(seq "$tries"); do
		if nsx "$ns" ping -n -q -c 1 -W 1 "$@" 2>&1 |
		    grep -q ' 1 received'; then
			ok "ping $*: answered at attempt $i"
			return 0
		fi
	done
	error "ping $*: never answered in $tries attempts"
}

# cached_mtu NS DST: the PMTU the kernel in NS caches towards DST.
cached_mtu() {
	local fam=-4
	case $2 in *:*) fam=-6 ;; esac
	nsx "$1" ip "$fam" route get "$2" 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "mtu") print $(i + 1) }' |
		head -n 1
}

# tpath NS ROOM TUNMTU ARGS...: tracepath through the tunnel must show
# the TUN MTU first, then learn ROOM, then reach the peer.
tpath() {
	local ns=$1 room=$2 mtu=$3 out
	shift 3
	printf '+ tracepath %s\n' "$*"
	out=$(nsx "$ns" timeout 20 tracepath -n -m 4 "$@" 2>&1)
	printf '%s\n' "$out" | sed 's/^/    | /'
	expect_match "$(printf '%s\n' "$out" | head -n 1)" \
	    "LOCALHOST.*pmtu $mtu\$" "tracepath $*: first line"
	expect_match "$(printf '%s\n' "$out" | grep -v LOCALHOST | tr '\n' ' ')" \
	    "^ *1: .* pmtu $room( |\$)" "tracepath $*: pmtu learnt at hop 1"
	expect_match "$out" "reached" "tracepath $*: peer reached"
	expect_match "$(printf '%s\n' "$out" | grep Resume)" \
	    "Resume: pmtu $room " "tracepath $*: resume line"
}

fresh_pair() {
	local outer=$1 mtu=$2
	shift 2
	PAIRN=$((${PAIRN:-0} + 1))
	TA=ta$SID$PAIRN TB=tb$SID$PAIRN
	pair_up "$outer" auto "$TA" "$TB" mtu "$mtu" "$@"
}

# pmtu_1500 OUTER ROOM [IPIPD ARGS...]: TUN mtu 9000 over the 1500 link.
pmtu_1500() {
	local outer=$1 room=$2
	shift 2
	log "=== IPv$outer outer, TUN mtu 9000, link 1500, ipipd ${*:-(defaults)}: room $room"
	fresh_pair "$outer" 9000 "$@"
	expect_eq "$(cached_mtu "$NS_A" "$IN4B")" "" "A's cached PMTU to $IN4B before"

	log "--- IPv4 inner, DF, too big"
	ping_err "$NS_A" "Frag needed and DF set \(mtu = $room\)" \
	    -Mdo -s 8000 "$IN4B"
	expect_eq "$(cached_mtu "$NS_A" "$IN4B")" "$room" \
	    "A's kernel learnt the PMTU to $IN4B"
	log "--- IPv4 inner, DF, boundary (B has learnt nothing)"
	ping_pass "$NS_B" 2 -Mdo -s $((room - 28)) "$IN4A"
	ping_err "$NS_B" "Frag needed and DF set \(mtu = $room\)" \
	    -Mdo -s $((room - 27)) "$IN4A"
	log "--- IPv4 inner without DF: outer fragments"
	ping_pass "$NS_A" 3 -Mdont -s 8000 "$IN4B"
	ping_pass "$NS_B" 3 -Mdont -s 8000 "$IN4A"

	log "--- IPv6 inner, too big"
	ping_err "$NS_A" "Packet too big: mtu=$room\$" -6 -s 8000 "$IN6B"
	expect_eq "$(cached_mtu "$NS_A" "$IN6B")" "$room" \
	    "A's kernel learnt the PMTU to $IN6B"
	# B's reply is too big for B's side: B's ipipd tells B's kernel.
	ping_learns "$NS_A" 4 -6 -s 8000 "$IN6B"
	expect_eq "$(cached_mtu "$NS_B" "$IN6A")" "$room" \
	    "B's kernel learnt the PMTU to $IN6A"
	ping_pass "$NS_A" 3 -6 -s 8000 "$IN6B"
	ping_pass "$NS_B" 3 -6 -s 8000 "$IN6A"
	log "--- IPv6 inner boundary, on a fresh pair"
	pair_down "$TA" "$TB"
	fresh_pair "$outer" 9000 "$@"
	ping_pass "$NS_B" 2 -6 -Mdo -s $((room - 48)) "$IN6A"
	ping_err "$NS_B" "Packet too big: mtu=$room\$" \
	    -6 -Mdo -s $((room - 47)) "$IN6A"
	pair_down "$TA" "$TB"

	log "--- tracepath on a fresh pair"
	fresh_pair "$outer" 9000 "$@"
	tpath "$NS_A" "$room" 9000 "$IN4B"
	tpath "$NS_A" "$room" 9000 -6 "$IN6B"
	pair_down "$TA" "$TB"
}

# pmtu_1280 OUTER ROOM: TUN mtu 1500 over the 1280 link, room < 1280.
pmtu_1280() {
	local outer=$1 room=$2
	log "=== IPv$outer outer over the 1280 link (room $room), TUN mtu 1500"
	fresh_pair "$outer" 1500
	log "--- IPv6 inner of 1280 bytes and less: always delivered"
	ping_pass "$NS_A" 2 -6 -Mdo -s 1232 "$IN6B"
	ping_pass "$NS_B" 2 -6 -Mdo -s 1232 "$IN6A"
	ping_pass "$NS_A" 2 -6 -Mdo -s 1200 "$IN6B"
	ping_pass "$NS_B" 2 -6 -Mdo -s 1200 "$IN6A"
	expect_eq "$(cached_mtu "$NS_A" "$IN6B")" "" \
	    "A's cached PMTU to $IN6B (none: nothing was refused)"
	log "--- IPv6 inner of 1281 bytes: Packet Too Big with 1280, not $room"
	ping_err "$NS_A" "Packet too big: mtu=1280\$" -6 -Mdo -s 1233 "$IN6B"
	expect_eq "$(cached_mtu "$NS_A" "$IN6B")" 1280 \
	    "A's kernel learnt the PMTU to $IN6B"
	log "--- IPv4 inner with DF"
	ping_pass "$NS_A" 2 -Mdo -s $((room - 28)) "$IN4B"
	ping_err "$NS_A" "Frag needed and DF set \(mtu = $room\)" \
	    -Mdo -s $((room - 27)) "$IN4B"
	pair_down "$TA" "$TB"
	fresh_pair "$outer" 1500
	tpath "$NS_B" "$room" 1500 "$IN4A"
	tpath "$NS_B" 1280 1500 -6 "$IN6A"
	pair_down "$TA" "$TB"
}

pmtu_1500 4 1480
pmtu_1500 6 1452
pmtu_1500 6 1460 encaplimit none

log "=== veth mtu 1280 on both ends"
nsx "$NS_A" ip link set "$VETH_A" mtu 1280 || die "veth A mtu 1280"
nsx "$NS_B" ip link set "$VETH_B" mtu 1280 || die "veth B mtu 1280"
pmtu_1280 6 1232
pmtu_1280 4 1260

# The default MTU never goes below IPv6's minimum on a tunnel that
# carries IPv6 (the kernel would disable IPv6 on the TUN): 1280 over the
# 1280 link, not 1232, and a full 1280-byte IPv6 packet passes with DF
# semantics, in outer fragments.  With `mode ipip` (IPv4 only), the room.
log "=== default MTU over the 1280 link"
PAIRN=$((${PAIRN:-0} + 1))
TA=ta$SID$PAIRN TB=tb$SID$PAIRN
pair_up 6 auto "$TA" "$TB"
expect_eq "$(link_mtu "$NS_A" "$TA")" 1280 "default TUN mtu, IPv6 outer, mode any"
ping_pass "$NS_A" 2 -6 -Mdo -s 1232 "$IN6B"
ping_pass "$NS_B" 2 -6 -Mdo -s 1232 "$IN6A"
pair_down "$TA" "$TB"
PAIRN=$((PAIRN + 1))
TA=ta$SID$PAIRN
side_up a pre "$TA" "$TMPD/ipiponly.log" remote "$V6B" mode ipip6
expect_eq "$(link_mtu "$NS_A" "$TA")" 1232 "default TUN mtu, IPv6 outer, mode ipip6"
stop_ipipd "$PID_A" "$TMPD/ipiponly.log"
nsx "$NS_A" ip link delete "$TA" 2>/dev/null

finish
