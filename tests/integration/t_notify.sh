#!/bin/bash
#
# Type=notify readiness: with NOTIFY_SOCKET set, ipipd -d sends exactly
# "READY=1" to it once the tunnel is up (after dropping to the service
# user), and the children do not inherit the variable.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd "$PYTHON"
mk_pair

SOCK=$TMPD/notify.sock
GOT=$TMPD/notify.got

# The listener: the first datagram into $GOT.
"$PYTHON" - "$SOCK" "$GOT" <<'PYEOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)	# the daemon sends after dropping root
s.settimeout(60)
data = s.recv(4096)
with open(sys.argv[2] + ".tmp", "wb") as f:
    f.write(data)
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
PYEOF
LISTENER=$!
_DAEMON_PIDS+=("$LISTENER")
wait_until 5 test -S "$SOCK" || die "listener socket did not appear"

NOTIFY_SOCKET=$SOCK side_up a auto tn$SID "$TMPD/a.log" remote "$V4B"
LOG_A=$TMPD/a.log
wait_until 10 test -f "$GOT" || error "no datagram on NOTIFY_SOCKET"
expect_eq "$(cat "$GOT" 2>/dev/null)" "READY=1" "notification"

for k in $(pgrep -P "$PID_A"); do
	if tr '\0' '\n' <"/proc/$k/environ" | grep -q '^NOTIFY_SOCKET='; then
		error "child $k ($(cat /proc/$k/comm)) has NOTIFY_SOCKET"
	else
		ok "child $(cat /proc/$k/comm) has no NOTIFY_SOCKET"
	fi
done
stop_ipipd "$PID_A" "$LOG_A"

# A bad value is ignored with a warning, and the tunnel still comes up.
NOTIFY_SOCKET=relative/path side_up a auto tm$SID "$TMPD/a2.log" remote "$V4B"
expect_file_match "$TMPD/a2.log" "ignoring NOTIFY_SOCKET 'relative/path'" "warning"
stop_ipipd "$PID_A" "$TMPD/a2.log"
finish
