#!/bin/bash
#
# A peer that vanishes without a word (issue 16): the link between a
# prefix server and its client goes down, so nothing answers and no
# reset comes.  Both ends find out by the keepalive set on each socket
# (probes after 20 s of silence, every 10 s, 4 of them): the server
# logs the client gone within about a minute, the client its connection
# ended; when the link is back the client connects again and gets its
# /64.  No host-wide setting is touched.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
setup_common
# A minute of waiting that neither offloads (unused by tcp) nor the
# sanitizers change: CI runs it in its plain make check only.
case ${IPIPD_OFFLOAD:-}:$BUILD in
off:* | *asan*) skip "waits a minute for keepalive; run in the plain make check" ;;
esac
tcp_lab 1

LOG_S=$TMPD/server.log
tcp_server "$LOG_S"
tcp_client 1 "$TMPD/c1.log" "$(tcp_srv4 1)"
PID_C1=$CLI_PID
wait_prefix "$TMPD/c1.log" "$PID_C1" || exit 1
P1=$PREFIX
ping6_ok "$NS_H" "$(addr_of "$P1")"
ka=$(nsx "$NS_S" sysctl -n net.ipv4.tcp_keepalive_time)

# The client's end of the link goes down: the server's end loses its
# carrier, every probe is dropped.
t0=$(date +%s)
nsx "$NS_C1" ip link set "c1$SID" down || die "link down"
if wait_log "$LOG_S" "client .* disconnected: Connection timed out" 100 "$SRV_PID"; then
	t=$(($(date +%s) - t0))
	if [ "$t" -ge 40 ] && [ "$t" -le 80 ]; then
		ok "the server found the dead client after $t s"
	else
		error "the server found the dead client after $t s, not about a minute"
	fi
else
	error "the server never noticed the dead client"
	show_log "$LOG_S"
fi
wait_log "$TMPD/c1.log" 'connection to the server ended' 60 "$PID_C1" &&
	ok "the client noticed too" || error "the client never noticed"
expect_eq "$(nsx "$NS_S" sysctl -n net.ipv4.tcp_keepalive_time)" "$ka" \
    "the host-wide keepalive time untouched"

nsx "$NS_C1" ip link set "c1$SID" up || die "link up"
wait_prefix "$TMPD/c1.log" "$PID_C1" 2 30 && expect_eq "$PREFIX" "$P1" \
    "the same /64 once the link is back"
ping6_ok "$NS_H" "$(addr_of "$P1")"
stop_ipipd "$PID_C1" "$TMPD/c1.log"
stop_ipipd "$SRV_PID" "$LOG_S"
finish
