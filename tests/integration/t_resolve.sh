#!/bin/bash
#
# The remote name is re-resolved every resolve-interval (1 s here) and
# the tunnel follows what it resolves to, with no process restarted.
#
# A resolves the name "peer" from /etc/netns/$NS_A/hosts, which
# `ip netns exec` (start_ipipd) mounts over /etc/hosts for ipipd and its
# children; the resolver reads it on every lookup, and the test rewrites
# it in place.  nsswitch.conf there says `hosts: files`, so a name that
# is not in the file fails at once.  Two peers, in two namespaces with
# the same inner addresses: B (192.0.2.2, outer IPv4) and C (outer IPv6,
# 2001:db8:2::3, on a second link from A).  With a ping running, "peer"
# goes:
#
#   B's IPv4 only -> C's IPv6 only (outer family switches to IPv6)
#   -> nothing (keeps C, logged once, traffic goes on)
#   -> B's IPv4 only (resolves again; back to outer IPv4)
#
# and with -4 a name that turns IPv6-only keeps the IPv4 address.  Last,
# with B's ipipd gone (B's kernel answers ICMP protocol unreachable) and
# resolve-interval 600, the engine's report of the unreachables makes A
# look the name up again at once.
# Which peer answers is told by its TUN counters.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
mk_pair

NS_C=${RUNID}c
WA=wa$SID WC=wc$SID
mk_ns "$NS_C"
ip link add "$WA" netns "$NS_A" type veth peer name "$WC" netns "$NS_C" ||
	die "veth A-C"
nsx "$NS_A" ip address add 2001:db8:2::1/64 dev "$WA" nodad || die addr
nsx "$NS_C" ip address add 2001:db8:2::3/64 dev "$WC" nodad || die addr
nsx "$NS_A" ip link set "$WA" up || die up
nsx "$NS_C" ip link set "$WC" up || die up
C6=2001:db8:2::3

hosts_only "$NS_A"
set_hosts "$NS_A" "$V4B peer"

# tun_rx NS DEV: packets ipipd wrote into DEV (decapsulated).
tun_rx() { nsx "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

# answers_from NS DEV: a few echoes from A reach that peer's TUN.
answers_from() {
	local ns=$1 dev=$2 r0 r1
	r0=$(tun_rx "$ns" "$dev")
	ping_ok "$NS_A" "$IN4B" 56 3
	r1=$(tun_rx "$ns" "$dev")
	if [ $((r1 - r0)) -ge 3 ]; then
		ok "the echoes went to $ns ($dev: +$((r1 - r0)))"
	else
		error "the echoes did not go to $ns ($dev: +$((r1 - r0)))"
	fi
}

# switch_to WHAT LINE ERE: rewrite the hosts file, wait for A's log line
# and steady traffic; report both times.
switch_to() {
	local what=$1 t0
	set_hosts "$NS_A" "$2"
	t0=$(now_ms)
	if seen_after "$t0" "$LOG_A" "$3" 10; then
		ok "$what: A logged /$3/ after $(ms_fmt "$SEEN_MS")" \
		    "(resolve-interval 1 s)"
		echo "MEASURED $what: log after $SEEN_MS ms"
	else
		error "$what: no line /$3/ in A's log"
		show_log "$LOG_A"
	fi
	expect_resume "$what" "$t0" "$NS_A" "$IN4B" 2 10
}

TA=tq$SID TB=tr$SID TC=tc$SID
LOG_A=$TMPD/a.log LOG_B=$TMPD/b.log LOG_C=$TMPD/c.log
side_up a auto "$TA" "$LOG_A" remote peer resolve-interval 1
expect_match "$(up_line "$LOG_A")" "remote $V4B mtu 1480 " "A's tunnel up line"
side_up b auto "$TB" "$LOG_B" remote "$V4A"
# C: the mirror of B over IPv6, same inner addresses, in NS_C.
mk_tun "$NS_C" "$TC"
nsx "$NS_C" ip link set "$TC" up || die "$TC up"
tun_addrs "$NS_C" "$TC" "$IN4B" "$IN4A" "$IN6B" "$IN6A"
ipipd_up "$NS_C" "$LOG_C" dev "$TC" remote 2001:db8:2::1
PID_C=$IPIPD_PID
answers_from "$NS_B" "$TB"
procs=$(proc_set "$PID_A")
bg_ping "$NS_A" "$IN4B" "$TMPD/bgping.txt"
BGP=$BGPING_PID

log "=== peer: IPv4-only $V4B -> IPv6-only $C6 (outer family switches)"
switch_to "IPv4 -> IPv6 answer" "$C6 peer" "remote peer is now $C6 \(was $V4B\)"
answers_from "$NS_C" "$TC"
expect_file_match "$LOG_A" "mtu of $TA now 1452" "TUN MTU for outer IPv6"

log "=== peer stops resolving: the old address stays"
set_hosts "$NS_A" "$V4B other-name"
wait_log "$LOG_A" "cannot resolve remote peer: .*; keeping $C6" 10 ||
	error "no 'cannot resolve remote peer: ...; keeping $C6' line"
sleep 4		# several more failed lookups
expect_eq "$(count_lines "$LOG_A" 'cannot resolve remote peer')" 1 \
    "'cannot resolve' lines after 4 s more of failures"
answers_from "$NS_C" "$TC"
line=$(status_line "$PID_A" "$LOG_A" 'resolver: status: ') ||
	error "no resolver status line"
expect_match "$line" 'lookups, [1-9][0-9]* failed' "resolver status"

log "=== peer resolves again, IPv4-only: back to B over IPv4"
switch_to "IPv6 -> IPv4 answer" "$V4B peer" "remote peer is now $V4B \(was $C6\)"
expect_file_match "$LOG_A" "remote peer resolves again" "A's log"
answers_from "$NS_B" "$TB"
expect_file_match "$LOG_A" "mtu of $TA now 1480" "TUN MTU for outer IPv4"
bg_ping_stop "$BGP" "$TMPD/bgping.txt"
expect_same_procs "$procs" "$(proc_set "$PID_A")" "A"
stop_ipipd "$PID_A" "$LOG_A"

log "=== -4: an IPv6-only answer does not switch the family"
LOG_A=$TMPD/a2.log
SIDE_FLAGS=-4 side_up a auto t4$SID "$LOG_A" remote peer resolve-interval 1
answers_from "$NS_B" "$TB"
set_hosts "$NS_A" "$C6 peer"
if wait_log "$LOG_A" "cannot resolve remote peer: .*; keeping $V4B" 10; then
	ok "with -4, an IPv6-only name keeps $V4B"
else
	error "with -4: no 'cannot resolve remote peer ...; keeping $V4B'"
	show_log "$LOG_A"
fi
expect_eq "$(count_lines "$LOG_A" "remote peer is now")" 0 "switches with -4"
answers_from "$NS_B" "$TB"
stop_ipipd "$PID_A" "$LOG_A"

log "=== SIGHUP renames the remote while a lookup of the old name is out"
# The resolver is stopped with a request for "peer" pending; the reload
# names "peer2" (resolve-interval 600).  The late answer for "peer" must
# not be taken for "peer2".
CONF=$TMPD/r.conf
printf '%s\n' "dev ty$SID" "remote peer" "resolve-interval 1" >"$CONF"
chmod 0644 "$CONF"
set_hosts "$NS_A" "$V4B peer" "$C6 peer2"
LOG_A=$TMPD/a4.log
ipipd_up "$NS_A" "$LOG_A" -f "$CONF"
PID_A=$IPIPD_PID
tun_addrs "$NS_A" ty$SID "$IN4A" "$IN4B" "$IN6A" "$IN6B"
answers_from "$NS_B" "$TB"
res=$(child_of "$PID_A" ipipd-resolver)
run kill -STOP "$res"
sleep 1.5	# the next lookup of "peer" is now out
printf '%s\n' "dev ty$SID" "remote peer2" "resolve-interval 600" >"$CONF"
kill -HUP "$PID_A"
wait_log "$LOG_A" 'reload: remote is now peer2' 5 ||
	error "no 'reload: remote is now peer2'"
run kill -CONT "$res"
if wait_log "$LOG_A" "remote peer2 is now $C6" 5; then
	ok "peer2 resolved to $C6 after the reload"
else
	error "no 'remote peer2 is now $C6' within 5 s"
	show_log "$LOG_A"
fi
expect_eq "$(count_lines "$LOG_A" "remote peer2 is now $V4B")" 0 \
    "the old name's answer taken for the new one"
answers_from "$NS_C" "$TC"
stop_ipipd "$PID_A" "$LOG_A"

log "=== remote answers unreachable: resolved again long before the interval"
# B without ipipd: its kernel answers protocol 4 with ICMP protocol
# unreachable.  resolve-interval 600: only the engine's report can make
# A look the name up again.
stop_ipipd "$PID_B" "$LOG_B"
set_hosts "$NS_A" "$V4B peer"
LOG_A=$TMPD/a3.log
side_up a auto tz$SID "$LOG_A" remote peer resolve-interval 600
set_hosts "$NS_A" "$C6 peer"
t0=$(now_ms)
nsx "$NS_A" ping -n -q -c 10 -i 0.2 -W 1 "$IN4B" >/dev/null 2>&1
if seen_after "$t0" "$LOG_A" "remote peer is now $C6" 15; then
	ok "A re-resolved after unreachables: $(grep -E 'answers unreachable' "$LOG_A")"
	echo "MEASURED re-resolution after unreachables: $SEEN_MS ms"
else
	error "A did not re-resolve 'peer' after ICMP unreachables from $V4B"
	show_log "$LOG_A"
fi
expect_eq "$(count_lines "$LOG_A" 'answers unreachable')" 1 "'answers unreachable' lines"
answers_from "$NS_C" "$TC"
stop_ipipd "$PID_A" "$LOG_A"
stop_ipipd "$PID_C" "$LOG_C"
finish
