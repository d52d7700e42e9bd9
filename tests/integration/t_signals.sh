#!/bin/bash
#
# SIGUSR1 and SIGHUP on the parent.
#
# SIGUSR1: one status line per process, each time: the parent's
# (`status: tunnel up dev ... mtu ... outer-mtu ...`), the engine's
# (`engine: status: tun-rx P/B net-tx P/B ... drops: ...`) and the
# resolver's (`resolver: status: N lookups, M failed`); the engine's
# packet counters grow with the traffic.
#
# SIGHUP: the configuration (-f FILE, or the command line) is read
# again; what can change without privileges is applied (here: mtu, ttl,
# the remote, even of the other family), what cannot (dev) is named in
# the log and kept, and a file with an error changes nothing.  A relative -f path still works after the
# daemon (no -d) has changed its directory to /.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
need_cmd tcpdump
mk_pair

CONF=$TMPD/a.conf
# conf LINE...: the configuration file A reads (the service user reads
# it again on SIGHUP, so it must be readable by others).
conf() {
	printf '%s\n' "$@" >"$CONF" && chmod 0644 "$CONF"
}
TA=tu$SID TB=tv$SID
conf "dev $TA" "remote $V4B" "mtu 1400"
LOG_A=$TMPD/a.log LOG_B=$TMPD/b.log
ipipd_up "$NS_A" "$LOG_A" -f "$CONF"
PID_A=$IPIPD_PID
tun_addrs "$NS_A" "$TA" "$IN4A" "$IN4B" "$IN6A" "$IN6B"
side_up b auto "$TB" "$LOG_B" remote "$V4A" mtu 1400
ping_ok "$NS_A" "$IN4B" 56

# --------------------------------------------------------------- SIGUSR1
log "=== SIGUSR1: one status line per process"
# usr1: one SIGUSR1; sets ST_P, ST_E, ST_R and checks one line each.
usr1() {
	local np ne nr
	np=$(count_lines "$LOG_A" '^status: ')
	ne=$(count_lines "$LOG_A" '^engine: status: ')
	nr=$(count_lines "$LOG_A" '^resolver: status: ')
	kill -USR1 "$PID_A"
	wait_until 5 eval "[ \$(count_lines '$LOG_A' '^engine: status: ') -gt $ne ] &&
	    [ \$(count_lines '$LOG_A' '^resolver: status: ') -gt $nr ]" ||
		error "no engine and resolver status lines after SIGUSR1"
	sleep 0.3	# a second line, if any, would be here by now
	expect_eq "$(count_lines "$LOG_A" '^status: ')" $((np + 1)) "parent status lines"
	expect_eq "$(count_lines "$LOG_A" '^engine: status: ')" $((ne + 1)) "engine status lines"
	expect_eq "$(count_lines "$LOG_A" '^resolver: status: ')" $((nr + 1)) "resolver status lines"
	ST_P=$(grep -E '^status: ' "$LOG_A" | tail -n 1)
	ST_E=$(grep -E '^engine: status: ' "$LOG_A" | tail -n 1)
	ST_R=$(grep -E '^resolver: status: ' "$LOG_A" | tail -n 1)
}
# field LINE NAME: the P of "NAME P/B".
field() { printf '%s\n' "$1" | sed -nE "s/.* $2 ([0-9]+)\/[0-9]+ .*/\1/p"; }

usr1
expect_match "$ST_P" "^status: tunnel up dev $TA local $V4A remote $V4B mtu 1400 outer-mtu 1500\$" "parent status"
expect_match "$ST_E" '^engine: status: tun-rx [0-9]+/[0-9]+ net-tx [0-9]+/[0-9]+ net-rx [0-9]+/[0-9]+ tun-tx [0-9]+/[0-9]+ .* pmtu 1500 .*drops: ' "engine status"
expect_match "$ST_R" '^resolver: status: [0-9]+ lookups, 0 failed$' "resolver status"
tx0=$(field "$ST_E" net-tx) rx0=$(field "$ST_E" net-rx)
ping_ok "$NS_A" "$IN4B" 56 5
usr1
tx1=$(field "$ST_E" net-tx) rx1=$(field "$ST_E" net-rx)
if [ $((tx1 - tx0)) -ge 5 ] && [ $((rx1 - rx0)) -ge 5 ]; then
	ok "engine counters grew: net-tx $tx0 -> $tx1, net-rx $rx0 -> $rx1"
else
	error "engine counters: net-tx $tx0 -> $tx1, net-rx $rx0 -> $rx1 after 5 echoes"
fi

# ---------------------------------------------------------------- SIGHUP
log "=== SIGHUP with -f: mtu 1400 -> 1300 and ttl 33 applied"
procs=$(proc_set "$PID_A")
conf "dev $TA" "remote $V4B" "mtu 1300" "ttl 33"
napplied=$(count_lines "$LOG_A" 'reload: configuration applied')
kill -HUP "$PID_A"
wait_log "$LOG_A" 'reload: configuration applied' 5 "$PID_A" &&
	[ "$(count_lines "$LOG_A" 'reload: configuration applied')" -gt "$napplied" ] ||
	error "no 'reload: configuration applied' after SIGHUP"
wait_until 5 eval "[ \"\$(link_mtu '$NS_A' '$TA')\" = 1300 ]" ||
	error "$TA mtu $(link_mtu "$NS_A" "$TA") after reload, want 1300"
ok "$TA mtu $(link_mtu "$NS_A" "$TA")"
CAP=$TMPD/ttl.pcap
start_capture "$NS_B" "$VETH_B" "$CAP" ip proto 4
ping_ok "$NS_A" "$IN4B" 56 3
stop_capture "$CAP_PID"
ttls=$(tcpdump -n -v -r "$CAP" "src $V4A" 2>/dev/null |
	sed -nE 's/^[0-9:.]+ IP \(tos [^,]*, ttl ([0-9]+),.*/\1/p' |
	sort -u | tr '\n' ' ')	# outer header only (inner: indented)
expect_eq "$ttls" "33 " "outer TTLs from A after reload"
if pid_running "$CAP_PID"; then
	error "tcpdump $CAP_PID still running after stop_capture"
else
	ok "stop_capture ended tcpdump itself (pid $CAP_PID)"
fi
expect_same_procs "$procs" "$(proc_set "$PID_A")" "reload"

log "=== SIGHUP: a new dev needs a restart and is named; the rest applies"
conf "dev other$SID" "remote $V4B" "mtu 1300" "ttl 33"
kill -HUP "$PID_A"
if wait_log "$LOG_A" "reload: dev $TA -> other$SID needs a restart; kept $TA" 5; then
	ok "the dev change is named in the log"
else
	error "no 'reload: dev $TA -> other$SID needs a restart; kept $TA'"
	show_log "$LOG_A"
fi
link_exists "$NS_A" "other$SID" && error "other$SID was created"
ping_ok "$NS_A" "$IN4B" 56

log "=== SIGHUP with an error in the file: nothing changes"
conf "dev $TA" "remote $V4B" "mtu 5"
kill -HUP "$PID_A"
if wait_log "$LOG_A" "reload: .*mtu.*5.*; nothing changed" 5; then
	ok "$(grep -E 'nothing changed' "$LOG_A" | tail -n 1)"
else
	error "no 'reload: ... nothing changed' line for mtu 5"
	show_log "$LOG_A"
fi
sleep 0.5
expect_eq "$(link_mtu "$NS_A" "$TA")" 1300 "$TA mtu after the bad reload"
ping_ok "$NS_A" "$IN4B" 56

log "=== SIGHUP: mtu removed from the file: back to the default (1480)"
conf "dev $TA" "remote $V4B"
kill -HUP "$PID_A"
if wait_until 5 eval "[ \"\$(link_mtu '$NS_A' '$TA')\" = 1480 ]"; then
	ok "$TA mtu 1480 after the reload"
else
	error "$TA mtu $(link_mtu "$NS_A" "$TA") after mtu was removed, want 1480"
fi

log "=== SIGHUP: a new remote ($V6B): outer IPv6 from then on"
procs=$(proc_set "$PID_A")
stop_ipipd "$PID_B" "$LOG_B"
nsx "$NS_B" ip link delete "$TB" 2>/dev/null
LOG_B=$TMPD/b2.log
side_up b auto "$TB" "$LOG_B" remote "$V6A"
conf "dev $TA" "remote $V6B"
kill -HUP "$PID_A"
wait_log "$LOG_A" "reload: remote is now $V6B" 5 ||
	error "no 'reload: remote is now $V6B' line"
if wait_log "$LOG_A" "outer local $V6A remote $V6B mtu 1500" 5; then
	ok "A switched to $V6B"
else
	error "no 'outer local $V6A remote $V6B mtu 1500' line"
	show_log "$LOG_A"
fi
wait_until 5 eval "[ \"\$(link_mtu '$NS_A' '$TA')\" = 1452 ]" ||
	error "$TA mtu $(link_mtu "$NS_A" "$TA") over IPv6, want 1452"
ping_ok "$NS_A" "$IN4B" 56
ping_ok "$NS_B" "$IN6A" 1000
expect_same_procs "$procs" "$(proc_set "$PID_A")" "reload of remote"
stop_ipipd "$PID_A" "$LOG_A"
stop_ipipd "$PID_B" "$LOG_B"
nsx "$NS_B" ip link delete "$TB" 2>/dev/null
LOG_B=$TMPD/b3.log
side_up b auto "$TB" "$LOG_B" remote "$V4A" mtu 1400

log "=== SIGHUP without -f: the command line is read again"
LOG_A=$TMPD/a2.log
side_up a auto tw$SID "$LOG_A" remote "$V4B" mtu 1400
kill -HUP "$PID_A"
wait_log "$LOG_A" 'reload: configuration applied' 5 "$PID_A" ||
	error "no 'reload: configuration applied'"
expect_eq "$(link_mtu "$NS_A" tw$SID)" 1400 "tw$SID mtu after reload"
ping_ok "$NS_A" "$IN4B" 56
stop_ipipd "$PID_A" "$LOG_A"

log "=== daemon (no -d) started with a relative -f path: SIGHUP still reads it"
conf "dev tx$SID" "remote $V4B" "mtu 1400"
(cd "$TMPD" && ip netns exec "$NS_A" "$IPIPD" -f a.conf) >"$TMPD/d.out" 2>&1 ||
	{ cat "$TMPD/d.out"; die "daemon did not start"; }
DPID=
for p in $(ip netns pids "$NS_A"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ipipd ] && DPID=$p
done
[ -n "$DPID" ] || die "no daemon in $NS_A"
_DAEMON_PIDS+=("$DPID")
expect_eq "$(readlink "/proc/$DPID/cwd")" / "daemon's directory"
conf "dev tx$SID" "remote $V4B" "mtu 1280"
kill -HUP "$DPID"
if wait_until 5 eval "[ \"\$(link_mtu '$NS_A' tx$SID)\" = 1280 ]"; then
	ok "tx$SID mtu 1280 after SIGHUP to the daemon"
else
	error "tx$SID mtu $(link_mtu "$NS_A" tx$SID) after SIGHUP, want 1280" \
	    "(the relative path a.conf was not read again)"
fi
kill -TERM "$DPID"
wait_gone "$DPID" 5 || error "daemon still running after SIGTERM"
stop_ipipd "$PID_B" "$LOG_B"
finish
