#!/bin/bash
# SKIPPED until updated: written for the foundation spec (parent exits when a child dies; since issue 4 children are restarted); needs updating
echo "SKIP: written for the foundation spec (parent exits when a child dies; since issue 4 children are restarted); needs updating"; exit 77
#
# Supervision.  If a child dies (kill -9 of the engine or of the
# resolver), the parent exits with a non-zero status and a log line naming
# the child and the signal; nothing is left behind.  If the parent is
# killed with SIGKILL, both children exit within 2 s (no orphans).  A TUN
# device ipipd created disappears in every case.

. "$(dirname "$0")/../lib.sh"
setup_common
mk_pair

# child_of PPID COMM: the child's pid.
child_of() {
	local k
	for k in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$k/comm" 2>/dev/null)" = "$2" ] && { echo "$k"; return 0; }
	done
	return 1
}

RUNS=0
# kill_child NAME (engine|resolver)
kill_child() {
	local name=$1 n=$((++RUNS)) tun logf victim other rc
	tun=tv$SID$n logf=$TMPD/a$n.log
	log "=== kill -9 ipipd-$name"
	side_up a auto "$tun" "$logf" remote "$V4B"
	victim=$(child_of "$PID_A" "ipipd-$name") ||
		{ error "no ipipd-$name child"; return 1; }
	if [ "$name" = engine ]; then
		other=$(child_of "$PID_A" ipipd-resolver)
	else
		other=$(child_of "$PID_A" ipipd-engine)
	fi
	kill -KILL "$victim"
	if ! wait_gone "$PID_A" 5; then
		error "parent still running 5 s after kill -9 of ipipd-$name"
		show_log "$logf"
		kill -KILL "$PID_A"
		wait "$PID_A" 2>/dev/null
		return 1
	fi
	wait "$PID_A"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		ok "parent exited with status $rc"
	else
		error "parent exited 0 after its $name was killed"
	fi
	show_log "$logf" 8
	expect_file_match "$logf" "$name" "log names the $name"
	if grep -Ei "$name" "$logf" | grep -Eqi 'signal|kill|sig9|\b9\b'; then
		ok "a log line names the $name and the signal"
	else
		error "no log line naming the $name and its signal (9, KILL)"
	fi
	if [ -n "$other" ] && ! wait_gone "$other" 2; then
		error "the other child $other ($(cat "/proc/$other/comm")) outlived the parent"
		kill -KILL "$other"
	fi
	if wait_until 2 eval "! link_exists '$NS_A' '$tun'"; then
		ok "daemon-created $tun is gone"
	else
		error "daemon-created $tun still exists after the crash"
		nsx "$NS_A" ip link delete "$tun"
	fi
}

kill_child engine
kill_child resolver

log "=== kill -9 of the parent"
tun=tw$SID logf=$TMPD/p.log
side_up a auto "$tun" "$logf" remote "$V4B"
kids=$(pgrep -P "$PID_A")
log "children: $(echo $kids)"
[ "$(echo "$kids" | wc -w)" -eq 2 ] || error "want 2 children, have: $kids"
kill -KILL "$PID_A"
wait "$PID_A" 2>/dev/null
for k in $kids; do
	comm=$(cat "/proc/$k/comm" 2>/dev/null)
	if wait_gone "$k" 2; then
		ok "child $k (${comm:-gone}) exited within 2 s"
	else
		error "child $k ($comm) still running 2 s after the parent's SIGKILL"
		kill -KILL "$k"
	fi
done
if wait_until 2 eval "! link_exists '$NS_A' '$tun'"; then
	ok "daemon-created $tun is gone"
else
	error "daemon-created $tun still exists after the parent's SIGKILL"
fi
finish
