#!/bin/bash
#
# Outer fragmentation end to end: ipipd on both sides with `nopmtudisc`,
# so that ipipd fragments every outer packet that does not fit (with DF
# on the inner or not) and the receiving kernel reassembles it.
#
# The whole matrix, 15 tunnels:
#   IPv4 outer over the 1500 veth (room 1480),
#   IPv6 outer over the 1500 veth (room 1452: 40 + 8 for the default
#     encapsulation limit option),
#   IPv6 outer over a 1280 veth, both ends (room 1232),
# each with TUN MTU 1280, 1460, 1500, 4000 and 9000.  For each:
#   - the TUN MTU is the one asked for;
#   - pings of both inner families, both directions, of 56 bytes, of the
#     smallest size that needs fragmenting (room + 1, when below the
#     MTU) and of the full MTU; IPv4 without DF (-M dont), and the full
#     size once more with DF (-M do: nopmtudisc fragments it anyway);
#     IPv6 sizes stop at the MTU (beyond, the sender would fragment);
#   - a TCP transfer of 2 MiB of random data through the tunnel in both
#     directions over inner IPv4 and inner IPv6 (socat), compared by
#     SHA-256: full-MTU segments, each in outer fragments;
#   - both kernels' reassembly counters (IpReasmOKs / Ip6ReasmOKs of the
#     outer family) went up when the MTU exceeds the room, and stayed
#     put when every packet fits (no needless fragmentation).
# About 1.5 s per tunnel, well under a minute in all, so no subset.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd ping socat sha256sum ss awk head
mk_pair

XFER=$TMPD/xfer.bin
head -c $((2 * 1024 * 1024)) /dev/urandom >"$XFER" || die "random data"
XFER_SUM=$(sha256sum <"$XFER" | cut -d' ' -f1)
PORT=5000

# reasm NS FAM: datagrams the kernel in NS reassembled (IPv4 or IPv6).
reasm() {
	if [ "$2" = 4 ]; then
		nsx "$1" awk '$1 == "Ip:" { if (!n++) { for (i = 2; i <= NF; i++)
		    if ($i == "ReasmOKs") c = i } else print $c }' /proc/net/snmp
	else
		nsx "$1" awk '$1 == "Ip6ReasmOKs" { print $2 }' /proc/net/snmp6
	fi
}

# fping NS DST SIZE [PING ARGS...]: 2 echoes of SIZE bytes, both answered.
fping() {
	local ns=$1 dst=$2 size=$3 fam=4 out rc side=A
	shift 3
	case $dst in *:*) fam=6 ;; esac
	[ "$ns" = "$NS_B" ] && side=B
	out=$(nsx "$ns" ping -"$fam" -n -q -c 2 -i 0.05 -W 2 -s "$size" "$@" \
	    "$dst" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q ' 2 received'; then
		ok "ping -$fam -s $size $* $side -> $dst: 2/2"
		return 0
	fi
	error "ping -$fam -s $size $* from $side to $dst (status $rc):"
	printf '%s\n' "$out" | sed 's/^/    | /'
	return 1
}

# xfer FROM_NS TO_NS DST: send $XFER over TCP from FROM_NS to DST (an
# address of TO_NS) with socat; the bytes received must be the same.
xfer() {
	local from=$1 to=$2 dst=$3 lsn con rx lpid rc t0 t1 sum
	PORT=$((PORT + 1))
	rx=$TMPD/rx.$PORT
	case $dst in
	*:*)	lsn="TCP6-LISTEN:$PORT,bind=[$dst],reuseaddr"
		con="TCP6:[$dst]:$PORT" ;;
	*)	lsn="TCP4-LISTEN:$PORT,bind=$dst,reuseaddr"
		con="TCP4:$dst:$PORT" ;;
	esac
	t0=$(date +%s%N)
	nsx "$to" timeout 25 socat -u "$lsn" "CREATE:$rx" 2>"$rx.err" &
	lpid=$!
	if ! wait_until 5 listening "$to" "$PORT"; then
		error "TCP to $dst: socat did not listen on port $PORT"
		cat "$rx.err"
		return 1
	fi
	nsx "$from" timeout 20 socat -u "OPEN:$XFER" "$con" 2>"$rx.serr"
	rc=$?
	wait "$lpid"
	t1=$(date +%s%N)
	[ "$rc" -ne 0 ] && sed 's/^/    | sender: /' "$rx.serr"
	sum=$(sha256sum <"$rx" 2>/dev/null | cut -d' ' -f1)
	if [ "$sum" = "$XFER_SUM" ]; then
		ok "TCP $dst: 2 MiB received intact in $(((t1 - t0) / 1000000)) ms"
		rm -f "$rx"
		return 0
	fi
	error "TCP to $dst: received $(stat -c %s "$rx" 2>/dev/null || echo 0)" \
	    "bytes, sha256 ${sum:-none}, want 2097152 bytes, $XFER_SUM"
	sed 's/^/    | receiver: /' "$rx.err"
	return 1
}

listening() {
	nsx "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q .
}

# tunnel OUTER LINKMTU TUNMTU
tunnel() {
	local outer=$1 lmtu=$2 mtu=$3 ta tb hdr room s ra rb da db sizes4 sizes6
	# Names (and so log files) unique per tunnel: start_ipipd truncates
	# the log in the background, and wait_up could otherwise see the
	# previous tunnel's `tunnel up:` line.
	NTUN=$((${NTUN:-0} + 1))
	ta=ta$SID$NTUN tb=tb$SID$NTUN
	if [ "$outer" = 4 ]; then hdr=20; else hdr=48; fi
	room=$((lmtu - hdr))
	log "=== IPv$outer outer, link mtu $lmtu (room $room), TUN mtu $mtu, nopmtudisc"
	pair_up "$outer" auto "$ta" "$tb" mtu "$mtu" nopmtudisc
	expect_eq "$(link_mtu "$NS_A" "$ta")" "$mtu" "MTU of $ta"
	expect_eq "$(link_mtu "$NS_B" "$tb")" "$mtu" "MTU of $tb"
	ra=$(reasm "$NS_A" "$outer")
	rb=$(reasm "$NS_B" "$outer")

	sizes4="56 $((mtu - 28))"
	[ $((room + 1)) -lt "$mtu" ] && sizes4="56 $((room + 1 - 28)) $((mtu - 28))"
	sizes6="56 $((mtu - 48))"
	[ $((room + 1)) -lt "$mtu" ] && sizes6="56 $((room + 1 - 48)) $((mtu - 48))"
	for s in $sizes4; do
		fping "$NS_A" "$IN4B" "$s" -Mdont
		fping "$NS_B" "$IN4A" "$s" -Mdont
	done
	fping "$NS_A" "$IN4B" $((mtu - 28)) -Mdo
	fping "$NS_B" "$IN4A" $((mtu - 28)) -Mdo
	for s in $sizes6; do
		fping "$NS_A" "$IN6B" "$s"
		fping "$NS_B" "$IN6A" "$s"
	done
	xfer "$NS_A" "$NS_B" "$IN4B"
	xfer "$NS_B" "$NS_A" "$IN4A"
	xfer "$NS_A" "$NS_B" "$IN6B"
	xfer "$NS_B" "$NS_A" "$IN6A"

	da=$(($(reasm "$NS_A" "$outer") - ra))
	db=$(($(reasm "$NS_B" "$outer") - rb))
	if [ "$mtu" -gt "$room" ]; then
		if [ "$da" -gt 0 ] && [ "$db" -gt 0 ]; then
			ok "outer fragments reassembled: $db datagrams by B, $da by A"
		else
			error "MTU $mtu > room $room, yet the kernels reassembled" \
			    "$db (B) and $da (A) outer IPv$outer datagrams"
		fi
	else
		expect_eq "$da/$db" 0/0 \
		    "IPv$outer datagrams reassembled (A/B), all packets fit"
	fi
	pair_down "$ta" "$tb"
}

for mtu in 1280 1460 1500 4000 9000; do
	tunnel 4 1500 "$mtu"
done
for mtu in 1280 1460 1500 4000 9000; do
	tunnel 6 1500 "$mtu"
done

log "=== veth mtu 1280 on both ends"
nsx "$NS_A" ip link set "$VETH_A" mtu 1280 || die "veth A mtu 1280"
nsx "$NS_B" ip link set "$VETH_B" mtu 1280 || die "veth B mtu 1280"
for mtu in 1280 1460 1500 4000 9000; do
	tunnel 6 1280 "$mtu"
done

finish
