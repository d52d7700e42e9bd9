#!/bin/bash
# The parent against a compromised child.  ipipd runs from a copy of the
# build directory in which ipipd-resolver (or ipipd-engine) is
# tests/helpers/rogue_child.c, which talks to the parent the way an
# attacker who owns that child could:
#
#   fd-noflag     fds sent with log messages whose header does not
#                 announce them: the parent stops at the first, instead
#                 of keeping them open until the child dies
#   errstr-ctl    an escape sequence in a failed answer's error text:
#                 refused as malformed, never written to the log
#   answer-twice  an answer to no question: refused (with a silent
#                 engine, so the tunnel cannot come up first)
#   ready-early   the engine says it forwards before it was started
#                 (which would let a daemonised ipipd report success):
#                 refused
#   pong-unasked  a watchdog answer to no ping: refused
#   pong-wrong    a watchdog answer with another number than the ping's
#                 (the watchdog on: WATCHDOG_USEC): refused
#   log-forge     a newline and an escape in a log line: logged on one
#                 line with both escaped, and the tunnel comes up
#   wrong-type    a message type only the parent sends (the rule table
#                 of common/ipipd_msg.h): refused
#   short-log     a log message shorter than its rule says: refused
#
# A refused message ends the daemon with status 1 and a line naming the
# child and what it sent.

. "$(dirname "$0")/../lib.sh"
setup_common
ROGUE=$BUILD/tests/rogue_child
[ -x "$ROGUE" ] || die "$ROGUE not built (make check builds it)"
mk_pair

BIN=$TMPD/bin
mkdir "$BIN" || die "mkdir $BIN"
cp "$BUILD/ipipd" "$BUILD/ipipd-engine" "$BUILD/ipipd-resolver" "$BIN/" ||
	die "copy the build"

# rogue MODE AS...: in the next daemon each AS (engine, resolver) is
# the rogue.
rogue() {
	local as mode=$1
	shift
	# Replace, not overwrite: a binary may still be running.
	rm -f "$BIN/ipipd-engine" "$BIN/ipipd-resolver"
	cp "$BUILD/ipipd-engine" "$BUILD/ipipd-resolver" "$BIN/" ||
		die "copy the build"
	for as in "$@"; do
		rm -f "$BIN/ipipd-$as"
		cp "$ROGUE" "$BIN/ipipd-$as" || die "copy the rogue"
	done
	printf '%s\n' "$mode" >"$BIN/rogue_mode" || die "rogue_mode"
}

# refused WHAT ERE: the daemon in A exits 1 within 10 s with /ERE/.
refused() {
	local what=$1 re=$2 logf=$TMPD/$1.log st
	IPIPD=$BIN/ipipd start_ipipd "$NS_A" "$logf" dev tz$SID \
	    remote "$V4B"
	if wait_gone "$IPIPD_PID" 10; then
		wait "$IPIPD_PID"
		st=$?
	else
		st=running
		kill -KILL "$IPIPD_PID"
		wait "$IPIPD_PID"
	fi
	expect_eq "$st" 1 "$what: exit status"
	expect_file_match "$logf" "$re" "$what"
	if grep -q $'\033' "$logf"; then
		error "$what: an escape character reached the log"
	fi
	grep -Eq 'tunnel up:' "$logf" && error "$what: the tunnel came up"
	return 0
}

log "=== resolver sends fds its messages do not announce"
rogue fd-noflag resolver
refused fd-noflag "resolver sent an unexpected fd"

log "=== resolver puts an escape sequence in an error text"
rogue errstr-ctl resolver
refused errstr-ctl "resolver sent a malformed answer"

log "=== resolver answers twice"
# A silent rogue engine: the real one could report ready, and the tunnel
# come up, before the parent reads the second answer; the order would
# then decide what the log shows.  With no engine answer, it cannot.
rogue answer-twice resolver engine
refused answer-twice "resolver sent an answer to no question"

log "=== engine reports ready before it was started"
# A silent resolver too: with no answer, no start can come first.
rogue ready-early engine resolver
refused ready-early "engine sent ready before it was started"

log "=== resolver sends a message only the parent may send"
rogue wrong-type resolver
refused wrong-type "resolver sent unexpected message type"

log "=== engine sends a log message of the wrong size"
rogue short-log engine
refused short-log "engine sent a malformed log message"

log "=== engine answers a ping it was not sent"
rogue pong-unasked engine resolver
refused pong-unasked "engine sent an answer to no question \\(pong message\\)"

log "=== engine answers the watchdog's ping with another number"
# The notify socket need not exist: only a pong that passed would use it.
rogue pong-wrong engine resolver
NOTIFY_SOCKET=$TMPD/no.sock WATCHDOG_USEC=300000 \
    refused pong-wrong "engine answered ping 2, not 1"

log "=== resolver forges log lines"
rogue log-forge resolver
LOG=$TMPD/log-forge.log
IPIPD=$BIN/ipipd ipipd_up "$NS_A" "$LOG" dev tz$SID remote "$V4B"
PID=$IPIPD_PID
expect_file_match "$LOG" 'resolver: harmless\\nforged: tunnel up: a line of our own\\033\[2K' \
    "the forged line, escaped, on one line"
expect_eq "$(grep -c 'tunnel up:' "$LOG")" 2 \
    "'tunnel up:' in the log: the real one and the escaped forgery"
grep -Eq '^forged' "$LOG" && error "a line of the log starts with the forgery"
grep -q $'\033' "$LOG" && error "an escape character reached the log"
stop_ipipd "$PID" "$LOG"
finish
