#!/bin/bash
#
# The outer source address: automatic (what the routing table picks for
# the remote, as `ip route get` tells) and explicit `local` (a second
# address of A's veth).  With an explicit local the peer only accepts
# packets from that address, so the pings prove it is used; and a peer
# that expects the primary address instead must get nothing through.

. "$(dirname "$0")/../lib.sh"
setup_common
mk_pair

ALT4A=192.0.2.11 ALT6A=2001:db8::11
nsx "$NS_A" ip address add "$ALT4A/24" dev "$VETH_A" || die "alt addr"
nsx "$NS_A" ip address add "$ALT6A/64" dev "$VETH_A" nodad || die "alt addr6"

# route_src NS DEST: the source address the kernel picks for DEST.
route_src() {
	nsx "$1" ip -o route get "$2" |
		sed -n 's/.* src \([^ ]*\).*/\1/p' | head -n 1
}

RUNS=0
# run_local OUTER LOCAL_ARG(or "") EXPECTED_LOCAL PEER_REMOTE WORKS(yes|no)
run_local() {
	local outer=$1 larg=$2 want=$3 peer_remote=$4 works=$5
	local n=$((++RUNS)) remote line ta tb
	ta=tl$SID$n tb=tk$SID$n
	if [ "$outer" = 4 ]; then remote=$V4B; else remote=$V6B; fi
	log "=== outer IPv$outer, local ${larg:-(automatic)}; B's remote $peer_remote"
	LOG_A=$TMPD/a$n.log LOG_B=$TMPD/b$n.log
	if [ -n "$larg" ]; then
		side_up a pre "$ta" "$LOG_A" local "$larg" remote "$remote"
	else
		side_up a pre "$ta" "$LOG_A" remote "$remote"
	fi
	line=$(up_line "$LOG_A")
	expect_match "$line" "local $want( |\$)" "tunnel up line"
	side_up b pre "$tb" "$LOG_B" remote "$peer_remote"
	if [ "$works" = yes ]; then
		ping_ok "$NS_A" "$IN4B" 56
		ping_ok "$NS_B" "$IN6A" 56
	else
		if nsx "$NS_A" ping -4 -n -q -c 2 -i 0.2 -W 1 "$IN4B" >/dev/null; then
			error "ping got through although B expects $peer_remote, not $want"
		else
			ok "no ping through: B drops outer packets from $want"
		fi
	fi
	pair_down "$ta" "$tb"
}

auto4=$(route_src "$NS_A" "$V4B")
auto6=$(route_src "$NS_A" "$V6B")
log "routing table picks $auto4 and $auto6"
[ -n "$auto4" ] && [ -n "$auto6" ] || die "ip route get gave no source"
# The explicit local: whichever of A's two addresses the kernel does not
# pick by itself.
if [ "$auto4" = "$ALT4A" ]; then exp4=$V4A; else exp4=$ALT4A; fi
if [ "$auto6" = "$ALT6A" ]; then exp6=$V6A; else exp6=$ALT6A; fi

run_local 4 "" "$auto4" "$auto4" yes
run_local 6 "" "$auto6" "$auto6" yes
run_local 4 "$exp4" "$exp4" "$exp4" yes
run_local 6 "$exp6" "$exp6" "$exp6" yes
# B expects A's automatic address, A sends from the explicit one.
run_local 4 "$exp4" "$exp4" "$auto4" no
run_local 6 "$exp6" "$exp6" "$auto6" no
finish
