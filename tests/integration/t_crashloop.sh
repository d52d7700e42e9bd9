#!/bin/bash
#
# Crash loops end (ipipd(8) "Process lifetime", issue 14): a child that
# dies by a signal gets a strike, logged as critical with the signal,
# even when it had lived long enough for its restart delay to start over
# (10 s); strikes are forgiven one per hour, and the third ends the
# daemon with status 1 (so that systemd's restart limits take over).
#
# The engine is killed with SIGILL, SIGABRT and SIGILL, each time after
# it lived 11 s (the old rule forgot every death after 10 s, so a crash a
# packet can cause was an endless series of fresh address spaces to
# probe): strikes 1 and 2 are restarts after the normal 100 ms and the
# tunnel carries traffic again; strike 3 ends the daemon, which exits 1
# and takes its TUN device along.  A kill of the resolver in between is
# that child's own first strike.  The priorities are checked the way
# the journal reads them: with JOURNAL_STREAM naming its stderr, ipipd
# starts each line with "<N>" (2: LOG_CRIT, 6: LOG_INFO).
#
# Not SIGSEGV, SIGBUS or SIGFPE: the sanitizers' handlers catch those in
# the make asan build and turn the death into an exit; nor SIGSYS, which
# a SECCOMP_DEBUG build catches.
#
# Strikes decaying by the hour are checked in unit/test_supervise.
# About 40 s, most of it waiting.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
mk_pair

LOG_A=$TMPD/a.log LOG_B=$TMPD/b.log
: >"$LOG_A"
JOURNAL_STREAM=$(stat -c %d:%i "$LOG_A") || die "stat $LOG_A"
export JOURNAL_STREAM
side_up a auto tc$SID "$LOG_A" remote "$V4B"
unset JOURNAL_STREAM
side_up b auto td$SID "$LOG_B" remote "$V4A"
ping_ok "$NS_A" "$IN4B" 56
expect_file_match "$LOG_A" '^<6>tunnel up: ' \
    "an info line for the journal"
grep -q '^<' "$LOG_B" && error "b's log, not the journal, has a priority prefix"

# new_engine OLD: wait for an engine other than OLD; print its pid.
new_engine() {
	local k n=50
	while [ "$n" -gt 0 ]; do
		k=$(child_of "$PID_A" ipipd-engine)
		if [ -n "$k" ] && [ "$k" != "$1" ]; then
			echo "$k"
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

eng=$(child_of "$PID_A" ipipd-engine)
[ -n "$eng" ] || die "no engine"
SIGS=(x ILL ABRT ILL)
NUMS=(x 4 6 4)
for n in 1 2; do
	log "=== strike $n: SIG${SIGS[n]} to the engine (pid $eng) after 11 s"
	sleep 11
	run kill -"${SIGS[n]}" "$eng"
	re="^<2>engine \(pid $eng\) killed by signal ${NUMS[n]} \([^)]*\), strike $n of 3; restarting it in 100 ms$"
	if wait_log "$LOG_A" "$re" 5 "$PID_A"; then
		ok "strike $n logged as critical: $(grep -E "$re" "$LOG_A")"
	else
		error "no line /$re/"
		show_log "$LOG_A"
	fi
	eng=$(new_engine "$eng") || die "no engine after strike $n"
	wait_until 5 echoes_ok "$NS_A" "$IN4B" 1 ||
		error "no traffic after strike $n"
	ping_ok "$NS_A" "$IN4B" 56
	ping_ok "$NS_B" "$IN6A" 1000
	if [ "$n" -eq 1 ]; then
		res=$(child_of "$PID_A" ipipd-resolver)
		run kill -KILL "$res"
		re="^<2>resolver \(pid $res\) killed by signal 9 \([^)]*\), strike 1 of 3; restarting"
		wait_log "$LOG_A" "$re" 5 "$PID_A" ||
			error "no line /$re/: the resolver's strikes are its own"
	fi
done

log "=== strike 3: the daemon exits"
sleep 11
run kill -"${SIGS[3]}" "$eng"
if wait_gone "$PID_A" 10; then
	wait "$PID_A"
	expect_status $? 1 "parent after the third strike"
else
	error "parent still running 10 s after the engine's third strike"
fi
show_log "$LOG_A" 8
expect_file_match "$LOG_A" \
    "^<2>engine \(pid $eng\) killed by signal ${NUMS[3]} \([^)]*\), strike 3 of 3: a child that keeps dying by a signal may be under attack, exiting$" \
    "the last strike"
expect_eq "$(count_lines "$LOG_A" 'restarting it in')" 3 \
    "restarts (two of the engine, one of the resolver)"
if wait_until 3 eval "! link_exists '$NS_A' tc$SID"; then
	ok "daemon-created tc$SID is gone"
else
	error "tc$SID still exists after the daemon exited"
fi
if wait_until 3 eval '[ -z "$(ipipd_left "$NS_A")" ]'; then
	ok "no ipipd process left in $NS_A"
else
	error "ipipd processes left in $NS_A: $(ipipd_left "$NS_A")"
fi
stop_ipipd "$PID_B" "$LOG_B"
finish
