#!/bin/bash
#
# float and keepalive.  With float, a datagram that decapsulates to a
# valid inner packet moves the remote to its source address and port
# (replies go there, one log line per move); garbage from elsewhere
# moves nothing.  keepalive 1 sends an empty datagram every second, to
# wherever the peer now is.

. "$(dirname "$0")/../lib.sh"
setup_common
need_scapy	# /usr/bin/python3 is the test Python
mk_pair

PEER="$PYTHON $TOPDIR/tests/integration/fou_peer.py"
PA=$((20000 + 16#${SID:0:3} % 20000))
PB=$((PA + 1))
ALT4B=192.0.2.99 ALT6B=2001:db8::99
nsx "$NS_B" ip address add "$ALT4B/24" dev "$VETH_B" || die "alt addr"
nsx "$NS_B" ip address add "$ALT6B/64" dev "$VETH_B" nodad || die "alt addr6"

moves() { grep -c 'float: peer moved' "$1"; }

N=0
run_case() {
	local outer=$1 ra vb alt to ta out
	N=$((N + 1))
	ta=ff$SID$N
	if [ "$outer" = 4 ]; then ra=$V4B vb=$V4B alt=$ALT4B to=$V4A:$PA
	else ra=$V6B vb="[$V6B]" alt="[$ALT6B]" to="[$V6A]:$PA"; fi
	log "=== float over IPv$outer"
	LOG_A=$TMPD/a$N.log
	side_up a auto "$ta" "$LOG_A" remote "$ra" encap fou \
	    encap-dport "$PB" encap-sport "$PA" float keepalive 1
	# A new port of the same address.
	nsx "$NS_B" $PEER send --to "$to" --bind "$vb:$((PB + 10))" --id 201 \
	    --expect-reply 5 >/dev/null &&
		ok "reply went to the new port $((PB + 10))" ||
		error "no reply at port $((PB + 10)) after the peer moved"
	expect_eq "$(moves "$LOG_A")" 1 "float log lines after one move"
	# Garbage from a third place must not move the peer.
	nsx "$NS_B" $PEER send --to "$to" --bind "$alt:$((PB + 20))" --garbage
	sleep 0.5
	expect_eq "$(moves "$LOG_A")" 1 "float log lines after garbage"
	# A new address and port; then more from there: one line only.
	nsx "$NS_B" $PEER send --to "$to" --bind "$alt:$((PB + 30))" --id 202 \
	    --expect-reply 5 >/dev/null &&
		ok "reply went to $alt:$((PB + 30))" ||
		error "no reply at $alt:$((PB + 30)) after the peer moved"
	for id in 203 204; do
		nsx "$NS_B" $PEER send --to "$to" --bind "$alt:$((PB + 30))" \
		    --id $id --expect-reply 5 >/dev/null ||
			error "no reply to echo $id from $alt:$((PB + 30))"
	done
	expect_eq "$(moves "$LOG_A")" 2 "float log lines after two moves"
	grep 'float: peer moved' "$LOG_A"
	# Keepalives reach the peer where it is now.
	out=$(nsx "$NS_B" $PEER listen --bind "$alt:$((PB + 30))" --seconds 3.5)
	n=$(printf '%s\n' "$out" | grep -c '^empty$')
	[ "$n" -ge 2 ] && ok "$n empty keepalive datagrams in 3.5 s" ||
		error "only $n keepalives in 3.5 s (keepalive 1)"
	stop_ipipd "$PID_A" "$LOG_A"
}

run_case 4
run_case 6
finish
