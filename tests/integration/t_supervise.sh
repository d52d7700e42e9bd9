#!/bin/bash
#
# Supervision (ipipd(8), issue 4):
#
#  - kill -9 of the engine during a ping: the parent logs the child and
#    the signal, restarts it (new pid; parent and resolver unchanged) and
#    the tunnel carries traffic again; the time from the kill to steady
#    traffic is measured and reported against the 1 s target;
#  - kill -9 of the resolver: logged, restarted, and re-resolution goes
#    on (the new resolver's lookup count grows; the tunnel keeps going);
#  - a stopped (SIGSTOP) resolver with a request outstanding: the parent
#    waits without burning CPU;
#  - an engine that fails at once every time (ipipd run from a copy of
#    the build directory whose ipipd-engine is then replaced by a copy of
#    false(1)): the parent gives up with a clear error and exits non-zero;
#  - kill -9 of the parent: engine and resolver exit (PR_SET_PDEATHSIG)
#    and the TUN device ipipd created goes.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
[ -x "$(type -P false)" ] || skip "no false(1) binary"
mk_pair
hosts_only "$NS_A"
set_hosts "$NS_A" "$V4B peer"

LOG_A=$TMPD/a.log LOG_B=$TMPD/b.log
side_up a auto ts$SID "$LOG_A" remote peer resolve-interval 1
side_up b auto tt$SID "$LOG_B" remote "$V4A"
ping_ok "$NS_A" "$IN4B" 56

log "=== kill -9 of the engine during a ping"
read -r par eng res <<<"$(proc_set "$PID_A")"
bg_ping "$NS_A" "$IN4B" "$TMPD/bgping.txt"
BGP=$BGPING_PID
sleep 1
t0=$(now_ms)
run kill -KILL "$eng"
expect_resume "engine restart" "$t0" "$NS_A" "$IN4B" 1 10
bg_ping_stop "$BGP" "$TMPD/bgping.txt"
expect_file_match "$LOG_A" \
    "engine \(pid $eng\) killed by signal 9 \([^)]*\); restarting it in [0-9]+ ms" \
    "log names the engine and the signal"
expect_file_match "$LOG_A" "engine restarted, forwarding again" "log"
read -r par2 eng2 res2 <<<"$(proc_set "$PID_A")"
expect_eq "$par2 $res2" "$par $res" "parent and resolver pids"
expect_ne "$eng2" "$eng" "engine pid"
[ -n "$eng2" ] || error "no engine running after the restart"
ping_both_ways() {
	ping_ok "$NS_A" "$IN4B" 56
	ping_ok "$NS_B" "$IN6A" 1000
}
ping_both_ways

log "=== kill -9 of the resolver"
line=$(status_line "$PID_A" "$LOG_A" 'resolver: status: ')
log "before: $line"
run kill -KILL "$res2"
if wait_log "$LOG_A" "resolver \(pid $res2\) killed by signal 9 \([^)]*\); restarting" 5; then
	ok "log names the resolver and the signal"
else
	error "no 'resolver (pid $res2) killed by signal 9' line"
	show_log "$LOG_A"
fi
wait_until 5 eval '[ -n "$(child_of "$PID_A" ipipd-resolver)" ] &&
    [ "$(child_of "$PID_A" ipipd-resolver)" != "$res2" ]' ||
	error "no new resolver"
read -r par3 eng3 res3 <<<"$(proc_set "$PID_A")"
expect_eq "$par3 $eng3" "$par2 $eng2" "parent and engine pids"
expect_ne "$res3" "$res2" "resolver pid"
sleep 3		# resolve-interval 1: a few lookups by the new resolver
line=$(status_line "$PID_A" "$LOG_A" 'resolver: status: ') ||
	error "no status line from the new resolver"
expect_match "$line" 'status: ([2-9]|[1-9][0-9]+) lookups, 0 failed' \
    "new resolver's status (re-resolution goes on)"
ping_both_ways

log "=== a stalled resolver: the parent waits for it without spinning"
# cpu_ticks PID: user + system time in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
run kill -STOP "$res3"
sleep 1.5	# resolve-interval 1: a request is now outstanding
c0=$(cpu_ticks "$PID_A")
sleep 3
c1=$(cpu_ticks "$PID_A")
run kill -CONT "$res3"
hz=$(getconf CLK_TCK)
if [ $((c1 - c0)) -le $((hz / 5)) ]; then
	ok "parent used $((c1 - c0)) ticks of CPU in 3 s (CLK_TCK $hz)"
else
	error "parent used $((c1 - c0)) ticks of CPU in 3 s while the resolver was stopped (CLK_TCK $hz): busy loop"
fi
ping_both_ways
stop_ipipd "$PID_A" "$LOG_A"

log "=== an engine that fails at once every time: the parent gives up"
BIN=$TMPD/bin
mkdir "$BIN" || die "mkdir $BIN"
cp "$BUILD/ipipd" "$BUILD/ipipd-engine" "$BUILD/ipipd-resolver" "$BIN/" ||
	die "copy the build"
LOG_G=$TMPD/g.log
IPIPD=$BIN/ipipd ipipd_up "$NS_A" "$LOG_G" dev tg$SID remote "$V4B"
PID_G=$IPIPD_PID
eng=$(child_of "$PID_G" ipipd-engine)
# Replace, not overwrite: the running engine keeps its binary.
cp "$(type -P false)" "$BIN/ipipd-engine.new" &&
	mv -f "$BIN/ipipd-engine.new" "$BIN/ipipd-engine" || die "replace"
t0=$(now_ms)
run kill -KILL "$eng"
if wait_gone "$PID_G" 20; then
	wait "$PID_G"
	rc=$?
	log "parent exited $rc after $(ms_fmt $(($(now_ms) - t0)))"
	if [ "$rc" -ne 0 ]; then
		ok "parent exited with status $rc"
	else
		error "parent exited 0 after giving up"
	fi
else
	error "parent still running 20 s after its engine started failing"
	kill -KILL "$PID_G"
	wait "$PID_G"
fi
show_log "$LOG_G" 12
expect_eq "$(count_lines "$LOG_G" 'engine \(pid [0-9]+\) exited with status 1; restarting')" 3 \
    "restarts of the failing engine before giving up"
expect_file_match "$LOG_G" \
    "engine \(pid [0-9]+\) exited with status 1; it failed 5 times in a row soon after starting, giving up" \
    "give-up message"
expect_file_match "$LOG_G" "restarting it in 100 ms" "first backoff"
expect_file_match "$LOG_G" "restarting it in 800 ms" "backoff doubles"
if wait_until 3 eval "! link_exists '$NS_A' tg$SID"; then
	ok "daemon-created tg$SID is gone"
else
	error "tg$SID still exists after the parent gave up"
fi
# ipipd_left NS: pids of running (not zombie) ipipd* processes in NS.
ipipd_left() {
	local p
	for p in $(ip netns pids "$1"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		ipipd*) pid_running "$p" && echo "$p" ;;
		esac
	done
}
if wait_until 3 eval '[ -z "$(ipipd_left "$NS_A")" ]'; then
	ok "no ipipd process left in $NS_A after the give-up"
else
	error "ipipd processes left in $NS_A after the give-up: $(ipipd_left "$NS_A")"
fi

log "=== kill -9 of the parent"
LOG_P=$TMPD/p.log
ipipd_up "$NS_A" "$LOG_P" dev tp$SID remote "$V4B"
read -r par eng res <<<"$(proc_set "$IPIPD_PID")"
log "parent $par engine $eng resolver $res"
[ -n "$eng" ] && [ -n "$res" ] || error "want 2 children of $par"
run kill -KILL "$par"
wait "$par" 2>/dev/null
for k in $eng $res; do
	if wait_gone "$k" 2; then
		ok "child $k exited within 2 s of the parent's SIGKILL"
	else
		error "child $k ($(cat "/proc/$k/comm")) still running 2 s after the parent's SIGKILL"
		kill -KILL "$k"
	fi
done
if wait_until 2 eval "! link_exists '$NS_A' tp$SID"; then
	ok "daemon-created tp$SID is gone"
else
	error "tp$SID still exists after the parent's SIGKILL"
fi
stop_ipipd "$PID_B" "$LOG_B"
finish
