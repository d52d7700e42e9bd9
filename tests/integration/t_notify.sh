#!/bin/bash
#
# systemd's notify protocol, against a listener that records every
# datagram (one line each, newlines shown as " | "):
#  - Type=notify readiness: with NOTIFY_SOCKET set, ipipd -d sends
#    "READY=1" with "STATUS=tunnel up: ..." once the tunnel is up (after
#    dropping to the service user); the children do not inherit
#    NOTIFY_SOCKET, WATCHDOG_USEC or WATCHDOG_PID;
#  - a reload: RELOADING=1 (with MONOTONIC_USEC=), then READY=1 with
#    STATUS=reload applied, or STATUS=reload refused: the reason;
#    ipipd -r PID exits 0 and 1 for the two;
#  - the watchdog: with WATCHDOG_USEC, WATCHDOG=1 comes while the engine
#    answers the parent's pings; while the engine is stopped (SIGSTOP)
#    none comes and the parent logs that the engine does not answer;
#    after SIGCONT they come again.  WATCHDOG_PID naming another
#    process turns it off;
#  - a bad NOTIFY_SOCKET is ignored with a warning.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd "$PYTHON"
mk_pair

SOCK=$TMPD/notify.sock
GOT=$TMPD/notify.got

# The listener: every datagram, one line each, flushed at once.
"$PYTHON" - "$SOCK" "$GOT" <<'PYEOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)	# the daemon sends after dropping root
with open(sys.argv[2], "a") as f:
    while True:
        data = s.recv(4096)
        f.write(data.decode("ascii", "replace").replace("\n", " | ") + "\n")
        f.flush()
PYEOF
_DAEMON_PIDS+=("$!")
wait_until 5 test -S "$SOCK" || die "listener socket did not appear"

# count ERE: datagrams so far that match.
count() { grep -Ec -- "$1" "$GOT"; }
# at_least N ERE: for wait_until, which runs it anew each time.
at_least() { [ "$(count "$2")" -ge "$1" ]; }

log "=== readiness, reload"
CONF=$TMPD/a.conf
printf 'dev tn%s\nremote %s\n' "$SID" "$V4B" >"$CONF"
chmod 0644 "$CONF"	# a reload reads it as the service user
NOTIFY_SOCKET=$SOCK ipipd_up "$NS_A" "$TMPD/a.log" -f "$CONF"
PID_A=$IPIPD_PID
LOG_A=$TMPD/a.log
wait_until 10 grep -q 'READY=1' "$GOT" || error "no READY=1 on NOTIFY_SOCKET"
expect_file_match "$GOT" "^READY=1 \\| STATUS=tunnel up: dev tn$SID local $V4A remote $V4B " "readiness"
for k in $(pgrep -P "$PID_A"); do
	if tr '\0' '\n' <"/proc/$k/environ" | grep -Eq '^(NOTIFY_SOCKET|WATCHDOG_(USEC|PID))='; then
		error "child $k ($(cat "/proc/$k/comm")) has a notify variable"
	else
		ok "child $(cat "/proc/$k/comm") has no notify variable"
	fi
done

out=$("$IPIPD" -r "$PID_A" 2>&1)
expect_status $? 0 "ipipd -r $PID_A ($out)"
expect_file_match "$GOT" '^RELOADING=1 \| MONOTONIC_USEC=[0-9]+$' "reloading"
expect_file_match "$GOT" '^READY=1 \| STATUS=reload applied$' "reload applied"
echo "mtu 99999" >>"$CONF"
out=$("$IPIPD" -r "$PID_A" 2>&1)
expect_status $? 1 "ipipd -r $PID_A of a bad file ($out)"
expect_match "$out" "refused the reload" "ipipd -r says refused"
expect_file_match "$GOT" "^READY=1 \\| STATUS=reload refused: $CONF:3: bad mtu '99999'.*; nothing changed$" "reload refused"
expect_eq "$(count '^RELOADING=1')" 2 "RELOADING=1 datagrams"
# A plain SIGHUP: the same notifications, nobody to answer.
kill -HUP "$PID_A"
wait_until 5 at_least 3 '^RELOADING=1' || error "no RELOADING=1 after kill -HUP"
wait_until 5 at_least 2 'STATUS=reload refused' || error "no READY=1 after kill -HUP"
expect_eq "$(count 'WATCHDOG=1')" 0 "WATCHDOG=1 without WATCHDOG_USEC"
stop_ipipd "$PID_A" "$LOG_A"

log "=== watchdog"
: >"$GOT"
# 0.6 s: a ping every 0.2 s.
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=600000 side_up a auto tw$SID "$TMPD/w.log" remote "$V4B"
wait_until 5 at_least 3 '^WATCHDOG=1$' ||
	error "fewer than 3 WATCHDOG=1 within 5 s: $(count '^WATCHDOG=1$')"
eng=
for k in $(pgrep -P "$PID_A"); do
	[ "$(cat "/proc/$k/comm")" = ipipd-engine ] && eng=$k
done
[ -n "$eng" ] || die "no engine under $PID_A"
run kill -STOP "$eng"
if wait_log "$TMPD/w.log" "engine \\(pid $eng\\) has not answered the watchdog" 5 "$PID_A"; then
	ok "the parent logged the silent engine"
else
	error "no line about the silent engine"
fi
# From that line on no pong can come: the engine is stopped.
n1=$(count '^WATCHDOG=1$')
sleep 1
expect_eq "$(count '^WATCHDOG=1$')" "$n1" "WATCHDOG=1 while the engine is stopped"
run kill -CONT "$eng"
if wait_log "$TMPD/w.log" "engine answers the watchdog again" 5 "$PID_A"; then
	ok "the parent logged the engine answering again"
else
	error "no line about the engine answering again"
fi
wait_until 5 at_least $((n1 + 1)) '^WATCHDOG=1$' ||
	error "no WATCHDOG=1 after SIGCONT"
stop_ipipd "$PID_A" "$TMPD/w.log"

: >"$GOT"
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=600000 WATCHDOG_PID=1 side_up a auto tx$SID "$TMPD/x.log" remote "$V4B"
sleep 1
expect_eq "$(count '^WATCHDOG=1$')" 0 "WATCHDOG=1 with WATCHDOG_PID=1"
stop_ipipd "$PID_A" "$TMPD/x.log"

log "=== a bad NOTIFY_SOCKET"
NOTIFY_SOCKET=relative/path side_up a auto tm$SID "$TMPD/a2.log" remote "$V4B"
expect_file_match "$TMPD/a2.log" "ignoring NOTIFY_SOCKET 'relative/path'" "warning"
stop_ipipd "$PID_A" "$TMPD/a2.log"
finish
