#!/bin/bash
#
# encap tcp and serve tcp against an independent peer (issue 16):
# tests/integration/tcp_peer.py, standard-library Python written from
# the seed's description, speaking its protocol exactly ({"Id":...} and
# {"Prefix":...} as one JSON object each, read with a single recv(),
# then raw IPv6 packets back to back).  Both directions:
#   - the Python server and an ipipd client: the reply comes with a
#     packet right behind it in the same write; echo requests to the
#     client's PREFIX::1 split at every byte boundary, ten in one write,
#     one a byte at a time, all answered;
#   - an ipipd server and the Python client: its one recv() holds the
#     reply alone even with packets for it waiting (the server is quiet
#     until the client's first packet or a short delay), the same
#     splits towards a host behind the server, a spoofed source dropped
#     and counted.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
setup_common
[ -x "$PYTHON" ] || skip "$PYTHON missing"
PEER=$TOPDIR/tests/integration/tcp_peer.py
tcp_lab 2

log "=== Python server, ipipd client"
nsx "$NS_S" "$PYTHON" "$PEER" server "$TCP_PORT" 2001:db8:100:5:: \
    >"$TMPD/pyserver.log" 2>&1 </dev/null &
PYS=$!
_DAEMON_PIDS+=("$PYS")
wait_log "$TMPD/pyserver.log" listening 10 "$PYS" || {
	show_log "$TMPD/pyserver.log"
	die "python server did not start"
}
tcp_client 1 "$TMPD/c1.log" "$(tcp_srv4 1)"
PID_C1=$CLI_PID
wait_prefix "$TMPD/c1.log" "$PID_C1" || exit 1
expect_eq "$PREFIX" 2001:db8:100:5:: "prefix the Python server handed out"
wait_gone "$PYS" 40 || error "python server still running"
wait "$PYS"
expect_status $? 0 "python server"
expect_file_match "$TMPD/pyserver.log" "client ::ffff:198.51.100.2 sent Id '$(mac "$NS_C1" "c1$SID")'" \
    "the ipipd client's Id, in one write"
expect_file_match "$TMPD/pyserver.log" '^RESULT ok server: 67 echo replies .*57-byte packet' \
    "ipipd client against the Python server"
stop_ipipd "$PID_C1" "$TMPD/c1.log"

log "=== ipipd server, Python client"
LOG_S=$TMPD/server.log
tcp_server "$LOG_S"
nsx "$NS_C2" "$PYTHON" "$PEER" client "$(tcp_srv6 2)" "$TCP_PORT" py-peer-1 \
    "$TCP_HOST" >"$TMPD/pyclient.log" 2>&1 </dev/null
expect_status $? 0 "python client"
show_log "$TMPD/pyclient.log" 10
expect_file_match "$TMPD/pyclient.log" '^RESULT ok client: 67 echo replies .*57-byte packet' \
    "Python client against the ipipd server"
PY_PREFIX=$(sed -n 's/^prefix \([^/]*\)\/64.*/\1/p' "$TMPD/pyclient.log")
expect_match "$PY_PREFIX" '^2001:db8:100:[0-9a-f]+::$' "the Python client's prefix"

log "=== the reply alone in the first recv(), with packets waiting"
# The host pings the Python client's address all along: once it is
# connected, echo requests wait for it on the server.
nsx "$NS_H" ping -6 -n -i 0.05 -W 1 "$(addr_of "$PY_PREFIX")" \
    >"$TMPD/hostping.log" 2>&1 </dev/null &
HP=$!
_DAEMON_PIDS+=("$HP")
sleep 0.5
nsx "$NS_C2" "$PYTHON" "$PEER" client "$(tcp_srv6 2)" "$TCP_PORT" py-peer-1 \
    "$TCP_HOST" --no-first-packet >"$TMPD/pyclient2.log" 2>&1 </dev/null
expect_status $? 0 "python client, quiet after the reply"
show_log "$TMPD/pyclient2.log" 10
expect_file_match "$TMPD/pyclient2.log" '^queued packets arrived' \
    "packets queued for it came after the quiet"
expect_file_match "$TMPD/pyclient2.log" '^RESULT ok client' \
    "second run of the Python client"
kill "$HP" 2>/dev/null
wait "$HP" 2>/dev/null
expect_eq "$(json_prefix "$TCP_FILE" py-peer-1)" "$PY_PREFIX/64" \
    "the assignments file holds the Python client's prefix"
kill -USR1 "$SRV_PID"
wait_log "$LOG_S" 'status tcp:' 5 || error "no status line"
expect_file_match "$LOG_S" 'status tcp: .*drops:.* spoofed=[1-9]' \
    "the spoofed packets were counted"
stop_ipipd "$SRV_PID" "$LOG_S"
finish
