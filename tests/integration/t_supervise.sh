#!/bin/bash
#
# Supervision (ipipd(8), issues 4 and 14).  Side a runs from a copy of
# the build in a directory of mode 0700 (as a clone under /root is), so
# the service user the parent becomes cannot reach its binaries by path:
#
#  - kill -9 of the engine during a ping: the parent logs the child and
#    the signal, restarts it (new pid; parent and resolver unchanged) and
#    the tunnel carries traffic again; the time from the kill to steady
#    traffic is measured and reported against the 1 s target; no child
#    holds a descriptor of a child binary;
#  - kill -9 of the resolver: logged, restarted, and re-resolution goes
#    on (the new resolver's lookup count grows; the tunnel keeps going);
#  - a stopped (SIGSTOP) resolver with a request outstanding: the parent
#    waits without burning CPU;
#  - the engine binary replaced on disk (as a package upgrade does),
#    then kill -9 of the engine: the restarted engine is the file the
#    parent started with (same inode as before, now deleted), not the
#    new one (a copy of false(1)), and traffic flows;
#  - an engine binary the service user may not execute (mode 0700): the
#    start is refused, naming it (a restart would fail);
#  - an engine that fails at once every time (tests/helpers/rogue_child
#    in mode exit-1 as ipipd-engine): the parent gives up with a clear
#    error and exits non-zero;
#  - kill -9 of the parent: engine and resolver exit (PR_SET_PDEATHSIG)
#    and the TUN device ipipd created goes.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
[ -x "$(type -P false)" ] || die "no false(1) binary"
ROGUE=$BUILD/tests/rogue_child
[ -x "$ROGUE" ] || die "$ROGUE not built (make check builds it)"
mk_pair

# stage DIR: a copy of the three binaries in DIR.
stage() {
	mkdir -p "$1" || die "mkdir $1"
	cp "$BUILD/ipipd" "$BUILD/ipipd-engine" "$BUILD/ipipd-resolver" "$1/" ||
		die "copy the build to $1"
}
PRIV=$TMPD/private
mkdir -m 0700 "$PRIV" || die "mkdir $PRIV"
stage "$PRIV/build"
log "side a runs from $PRIV/build ($(stat -c %a "$PRIV"))"
hosts_only "$NS_A"
set_hosts "$NS_A" "$V4B peer"

LOG_A=$TMPD/a.log LOG_B=$TMPD/b.log
IPIPD=$PRIV/build/ipipd side_up a auto ts$SID "$LOG_A" remote peer \
    resolve-interval 1
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
    "engine \(pid $eng\) killed by signal 9 \([^)]*\), strike 1 of 3; restarting it in [0-9]+ ms" \
    "log names the engine, the signal and the strike"
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

# no_binary_fds PID...: none holds a descriptor of an ipipd binary (the
# parent's are close-on-exec and must not reach a child).
no_binary_fds() {
	local k held
	for k in "$@"; do
		held=$(find "/proc/$k/fd" -lname '*/ipipd*' 2>/dev/null)
		if [ -z "$held" ]; then
			ok "$(cat "/proc/$k/comm") $k holds no binary's descriptor"
		else
			error "$(cat "/proc/$k/comm") $k holds: $(for f in $held; do readlink "$f"; done)"
		fi
	done
}
# The probe sees them where they are: the parent holds both.
expect_eq "$(find "/proc/$par2/fd" -lname '*/ipipd-*' -printf '%l\n' 2>/dev/null |
    sed 's|.*/||' | sort | tr '\n' ' ')" "ipipd-engine ipipd-resolver " \
    "binaries the parent holds open"
no_binary_fds "$eng2" "$res2"

log "=== kill -9 of the resolver"
line=$(status_line "$PID_A" "$LOG_A" 'resolver: status: ')
log "before: $line"
run kill -KILL "$res2"
if wait_log "$LOG_A" "resolver \(pid $res2\) killed by signal 9 \([^)]*\), strike 1 of 3; restarting" 5; then
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

log "=== the engine replaced on disk, then kill -9 of the engine"
IPIPD=$PRIV/build/ipipd side_up a auto tu$SID "$TMPD/u.log" remote "$V4B"
LOG_U=$TMPD/u.log PID_U=$PID_A
eng=$(child_of "$PID_U" ipipd-engine)
orig=$(stat -L -c %d:%i "/proc/$eng/exe")
expect_eq "$(stat -c %d:%i "$PRIV/build/ipipd-engine")" "$orig" \
    "running engine's file (dev:inode)"
# Replace, not overwrite, as dpkg does: the old file lives on unlinked.
cp "$(type -P false)" "$PRIV/build/ipipd-engine.new" &&
	mv -f "$PRIV/build/ipipd-engine.new" "$PRIV/build/ipipd-engine" ||
	die "replace"
run kill -KILL "$eng"
wait_log "$LOG_U" "engine restarted, forwarding again" 10 "$PID_U" ||
	error "no 'engine restarted' line"
eng2=$(child_of "$PID_U" ipipd-engine)
if [ -n "$eng2" ] && [ "$eng2" != "$eng" ]; then
	expect_eq "$(stat -L -c %d:%i "/proc/$eng2/exe")" "$orig" \
	    "restarted engine's file: the original"
	expect_match "$(readlink "/proc/$eng2/exe")" '/ipipd-engine \(deleted\)$' \
	    "restarted engine's exe link"
else
	error "no new engine (was $eng, now '$eng2')"
fi
ping_ok "$NS_A" "$IN4B" 56
ping_ok "$NS_B" "$IN6A" 1000
stop_ipipd "$PID_U" "$LOG_U"

log "=== an engine the service user cannot execute: refused at start"
NX=$TMPD/nx
stage "$NX"
chmod 0700 "$NX/ipipd-engine"
LOG_X=$TMPD/x.log
IPIPD=$NX/ipipd start_ipipd "$NS_A" "$LOG_X" dev tx$SID remote "$V4B"
if wait_gone "$IPIPD_PID" 10; then
	wait "$IPIPD_PID"
	expect_status $? 1 "start with a mode 0700 engine"
else
	error "ipipd still running with an engine the service user cannot run"
fi
expect_file_match "$LOG_X" \
    "ipipd-engine \(mode 0700\) is not executable by the service user .*a restarted child would fail" \
    "the refusal names the binary"
link_exists "$NS_A" tx$SID && error "the refused start left tx$SID behind"

log "=== an engine that fails at once every time: the parent gives up"
BIN=$TMPD/bin
stage "$BIN"
rm -f "$BIN/ipipd-engine"
cp "$ROGUE" "$BIN/ipipd-engine" || die "copy the rogue"
echo exit-1 >"$BIN/rogue_mode" || die "rogue_mode"
LOG_G=$TMPD/g.log
IPIPD=$BIN/ipipd start_ipipd "$NS_A" "$LOG_G" dev tg$SID remote "$V4B"
PID_G=$IPIPD_PID
t0=$(now_ms)
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
expect_eq "$(count_lines "$LOG_G" 'engine \(pid [0-9]+\) exited with status 1; restarting')" 4 \
    "restarts of the failing engine before giving up"
expect_file_match "$LOG_G" \
    "engine \(pid [0-9]+\) exited with status 1; it failed 5 times in a row soon after starting, giving up" \
    "give-up message"
expect_file_match "$LOG_G" "restarting it in 100 ms" "first backoff"
expect_file_match "$LOG_G" "restarting it in 800 ms" "backoff doubles"
grep -q 'tunnel up:' "$LOG_G" && error "the tunnel came up without an engine"
if wait_until 3 eval "! link_exists '$NS_A' tg$SID"; then
	ok "daemon-created tg$SID is gone"
else
	error "tg$SID still exists after the parent gave up"
fi
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
