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
# and on the control path, where the engine forwards a control client's
# reload, resolve or log request to the parent with the client's socket:
#
#   ctl-nofd       a request without the client's socket: refused
#   ctl-short      a request of 8 bytes, not 12: refused
#   ctl-badtype    a request for something else than reload, resolve
#                  or log (show): refused
#   ctl-badverbose log with a level neither 0 nor 1: refused
#   ctl-answer     a control answer, which only the parent sends: refused
#   ctl-resolver   a control request from the resolver: refused
# (each with a client whose peer is the rogue itself, root or the
# service user, whom the parent would obey: nothing may be done)
#   ctl-relay      the engine forwards every client's request as if it
#                  were allowed: the parent still asks the kernel who the
#                  client is, refuses reload and log verbose to a user
#                  outside the control group (logged, answered "permission
#                  denied", the mtu and log level unchanged) and does both
#                  for root (the same checks seeing the change)
#
# A refused message ends the daemon with status 1 and a line naming the
# child and what it sent, and nothing it asked for is done.

. "$(dirname "$0")/../lib.sh"
setup_common
ROGUE=$BUILD/tests/rogue_child
[ -x "$ROGUE" ] || die "$ROGUE not built (make check builds it)"
need_ipipctl
need_cmd setpriv useradd userdel
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
	grep -Eq 'control: |rogue: (answer|verbose 1)' "$logf" &&
		error "$what: the parent acted on a control request"
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

log "=== engine: a control request without the client's socket"
rogue ctl-nofd engine
refused ctl-nofd "engine sent a control request message without an fd"

log "=== engine: a control request of the wrong size"
rogue ctl-short engine
refused ctl-short "engine sent a malformed control request message \\(8 bytes, not 12\\)"

log "=== engine: a control request for show"
rogue ctl-badtype engine
refused ctl-badtype "engine sent a malformed control request$"

log "=== engine: log with level 2"
rogue ctl-badverbose engine
refused ctl-badverbose "engine sent a malformed control request$"

log "=== engine: a control answer"
rogue ctl-answer engine
refused ctl-answer "engine sent unexpected message type [0-9]+$"

log "=== resolver: a control request"
rogue ctl-resolver resolver
refused ctl-resolver "resolver sent unexpected message type [0-9]+$"

log "=== engine relays requests of a client outside the control group"
rogue ctl-relay engine
CONF=$TMPD/relay.conf
printf '%s\n' "dev tz$SID" "remote $V4B" "mtu 1400" >"$CONF"
LOG=$TMPD/ctl-relay.log SOCK=/run/ipipd/tz$SID.sock
IPIPD=$BIN/ipipd start_ipipd "$NS_A" "$LOG" -f "$CONF"
PID=$IPIPD_PID
# The start comes once the device is set up (mtu), the level before.
wait_log "$LOG" "engine: rogue: start" 10 "$PID" ||
	die "the rogue engine was not started"
expect_file_match "$LOG" "engine: rogue: verbose 0" "the log level given at start"
wait_until 5 test -S "$SOCK" || die "no control socket $SOCK"
expect_eq "$(link_mtu "$NS_A" tz$SID)" 1400 "mtu at start"
UN=rgc${SID}n
useradd -M -N -s /usr/sbin/nologin "$UN" || die "useradd $UN"
at_cleanup "userdel $UN"
chmod 0666 "$SOCK"	# the engine's accept is not what is tested
# ctl REQUEST... [as USER]: ipipctl, as USER if given, then the rogue's
# line for the parent's answer (the client itself gets no answer).
answers() { grep -c 'engine: rogue: answer' "$LOG"; }
answers_gt() { [ "$(answers)" -gt "$1" ]; }
ctl() {
	local n
	n=$(answers)
	if [ -n "${AS:-}" ]; then
		timeout 10 setpriv --reuid="$AS" --regid="$(id -g "$AS")" \
		    --init-groups "$IPIPCTL" -s "$SOCK" "$@" >/dev/null 2>&1
	else
		timeout 10 "$IPIPCTL" -s "$SOCK" "$@" >/dev/null 2>&1
	fi
	wait_until 5 answers_gt "$n" ||
		error "ipipctl $*: no answer from the parent"
	grep 'engine: rogue: answer' "$LOG" | tail -n 1
}
printf '%s\n' "dev tz$SID" "remote $V4B" "mtu 1300" >"$CONF"
expect_match "$(AS=$UN ctl reload)" \
    "rogue: answer 2 permission denied: reload needs root or membership of group _ipipd$" \
    "reload for $UN: denied"
expect_file_match "$LOG" "control: reload refused to uid $(id -u "$UN") " \
    "the refused reload is logged"
expect_match "$(AS=$UN ctl log verbose)" \
    "rogue: answer 2 permission denied: log needs root" "log verbose for $UN: denied"
expect_eq "$(grep -c 'rogue: verbose 1' "$LOG")" 0 "log level unchanged"
expect_eq "$(grep -c 'reload: configuration applied' "$LOG")" 0 "no reload"
expect_eq "$(link_mtu "$NS_A" tz$SID)" 1400 "mtu unchanged"
log "=== the same requests from root"
expect_match "$(ctl log verbose)" "rogue: answer 0 log verbose" "log verbose for root"
expect_eq "$(grep -c 'rogue: verbose 1' "$LOG")" 1 "log level set for root"
expect_match "$(ctl reload)" "rogue: answer 0 applied$" "reload for root"
expect_eq "$(link_mtu "$NS_A" tz$SID)" 1300 "mtu after root's reload"
stop_ipipd "$PID" "$LOG"

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
