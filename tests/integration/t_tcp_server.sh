#!/bin/bash
#
# serve tcp and encap tcp (issue 16): one prefix server, three clients
# (over IPv4, over IPv6, and by host name with an explicit identifier)
# and a host behind the server, all with real TUN devices.  Each client
# gets its own /64 of the pool, with PREFIX::1 on its TUN device; pings
# and SHA-256-checked TCP transfers between the clients and the host and
# between clients; the same prefix after a client restart and after a
# server restart (read back from the assignments file, by a root
# parent with the shipped unit's bounding set, which has no
# CAP_DAC_OVERRIDE to read the service user's 0600 file); after the
# server's return the clients connect again and traffic flows within
# 3 s; the assignments file holds what the clients were told.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
setup_common
need_cmd socat sha256sum
[ -x "$PYTHON" ] || skip "$PYTHON missing"
tcp_lab 3
hosts_file "$NS_C3" "$(tcp_srv4 3) tunsrv.test"

LOG_S=$TMPD/server.log
tcp_server "$LOG_S"
expect_file_match "$LOG_S" "serve tcp port $TCP_PORT prefix-pool 2001:db8:100::/48" \
    "server up line"

tcp_client 1 "$TMPD/c1.log" "$(tcp_srv4 1)"
PID_C1=$CLI_PID
tcp_client 2 "$TMPD/c2.log" "$(tcp_srv6 2)"
PID_C2=$CLI_PID
tcp_client 3 "$TMPD/c3.log" tunsrv.test identifier client-three \
    reconnect-interval 1
PID_C3=$CLI_PID
wait_prefix "$TMPD/c1.log" "$PID_C1" || exit 1
P1=$PREFIX
wait_prefix "$TMPD/c2.log" "$PID_C2" || exit 1
P2=$PREFIX
wait_prefix "$TMPD/c3.log" "$PID_C3" || exit 1
P3=$PREFIX
log "prefixes: c1 $P1, c2 $P2, c3 $P3"
expect_match "$P1 $P2 $P3" '^2001:db8:100:[0-9a-f]+:: 2001:db8:100:[0-9a-f]+:: 2001:db8:100:[0-9a-f]+::$' \
    "three /64s of the pool"
[ "$P1" != "$P2" ] && [ "$P2" != "$P3" ] && [ "$P1" != "$P3" ] &&
	ok "the three prefixes differ" || error "prefixes repeat: $P1 $P2 $P3"
expect_file_match "$TMPD/c3.log" "assigned by tunsrv.test \($(tcp_srv4 3)\) port $TCP_PORT" \
    "c3 names the server by name"
expect_file_match "$TMPD/c2.log" "assigned by $(tcp_srv6 2) port $TCP_PORT" \
    "c2 over IPv6"
A1=$(addr_of "$P1") A2=$(addr_of "$P2") A3=$(addr_of "$P3")
expect_match "$(nsx "$NS_C1" ip -6 -o addr show dev "tc1$SID" scope global)" \
    "inet6 $A1/64" "c1's address on its TUN device"

log "=== pings: clients <-> host, client <-> client"
for i in 1 2 3; do
	eval "ns=\$NS_C$i a=\$A$i"
	ping6_ok "$ns" "$TCP_HOST"
	ping6_ok "$NS_H" "$a"
done
ping6_ok "$NS_C1" "$A2"
ping6_ok "$NS_C2" "$A3"
ping6_ok "$NS_C3" "$A1"

log "=== SHA-256-checked transfers"
sha_transfer "$NS_C1" "$NS_H" "$TCP_HOST" 4000000
sha_transfer "$NS_H" "$NS_C2" "$A2" 4000000
sha_transfer "$NS_C3" "$NS_C1" "$A1" 4000000
sha_transfer "$NS_C2" "$NS_C3" "$A3" 2000000

log "=== the assignments file"
ID1=$(client_id "$TMPD/c1.log")
expect_match "$ID1" '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' "c1's default identifier (its uplink's MAC)"
expect_eq "$ID1" "$(mac "$NS_C1" "c1$SID")" "c1's identifier is the MAC of its uplink"
expect_eq "$(json_prefix "$TCP_FILE" "$ID1")" "$P1/64" "file: c1"
expect_eq "$(json_prefix "$TCP_FILE" client-three)" "$P3/64" "file: c3"

log "=== client restart: same prefix"
stop_ipipd "$PID_C1" "$TMPD/c1.log"
expect_eq "$(nsx "$NS_C1" ip -6 -o addr show scope global | grep -c 2001:db8:100)" 0 \
    "c1's address gone with it"
tcp_client 1 "$TMPD/c1b.log" "$(tcp_srv4 1)"
PID_C1=$CLI_PID
wait_prefix "$TMPD/c1b.log" "$PID_C1" || exit 1
expect_eq "$PREFIX" "$P1" "c1's prefix after its restart"
ping6_ok "$NS_H" "$A1"

log "=== server restart: same prefixes, traffic again within 3 s"
stop_ipipd "$SRV_PID" "$LOG_S"
for f in c1b c2 c3; do
	wait_log "$TMPD/$f.log" 'connection to the server ended' 5 ||
		error "$f did not notice the server's end"
done
n1=$(prefix_count "$TMPD/c1b.log")
n2=$(prefix_count "$TMPD/c2.log")
n3=$(prefix_count "$TMPD/c3.log")
# Away for a while: the clients' attempts fail and are logged once.
sleep 3
expect_file_match "$TMPD/c2.log" 'cannot connect to .*trying again every 2 s' \
    "c2 retries every 2 s"
expect_file_match "$TMPD/c3.log" 'cannot connect to .*trying again every 1 s' \
    "c3 retries every reconnect-interval"
# Root with the bounding set of the shipped unit (dist/ipipd@.service.in),
# so without CAP_DAC_OVERRIDE: the file is the service user's, mode
# 0600 as under the unit's UMask, and must still be read back.
chmod 0600 "$TCP_FILE"
LOG_S2=$TMPD/server2.log
IPIPD_WRAPPER="setpriv --bounding-set=-all,+net_admin,+net_raw,+setuid,+setgid,+setpcap,+sys_chroot,+net_bind_service ${IPIPD_WRAPPER:-}" \
    start_ipipd "$NS_S" "$LOG_S2" dev "tp$SID" serve tcp port "$TCP_PORT" \
    prefix-pool "$TCP_POOL" assignments "$TCP_FILE"
SRV_PID=$IPIPD_PID
wait_log "$LOG_S2" 'tunnel up:' 10 "$SRV_PID" || {
	show_log "$LOG_S2"
	die "server did not come back"
}
t0=$(date +%s%3N)
expect_file_match "$LOG_S2" '3 identifier\(s\) assigned' "server read the file back"
ok_ms=
while [ $(($(date +%s%3N) - t0)) -lt 6000 ]; do
	if nsx "$NS_H" ping -6 -n -c 1 -W 0.2 "$A2" 2>/dev/null |
	    grep -q ' 1 received'; then
		ok_ms=$(($(date +%s%3N) - t0))
		break
	fi
done
if [ -n "$ok_ms" ] && [ "$ok_ms" -lt 3000 ]; then
	ok "host -> c2 answered ${ok_ms} ms after the server was up again"
else
	error "host -> c2 not answered within 3 s of the server's return (${ok_ms:-none} ms)"
fi
wait_prefix "$TMPD/c1b.log" "$PID_C1" $((n1 + 1)) && expect_eq "$PREFIX" "$P1" "c1 after the server restart"
wait_prefix "$TMPD/c2.log" "$PID_C2" $((n2 + 1)) && expect_eq "$PREFIX" "$P2" "c2 after the server restart"
wait_prefix "$TMPD/c3.log" "$PID_C3" $((n3 + 1)) && expect_eq "$PREFIX" "$P3" "c3 after the server restart"
ping6_ok "$NS_C1" "$A3"
sha_transfer "$NS_C2" "$NS_H" "$TCP_HOST" 1000000

log "=== SIGHUP on both roles; the server's engine killed"
kill -HUP "$SRV_PID" "$PID_C2"
wait_log "$LOG_S2" 'reload: configuration applied' 5 ||
	error "server: no reload line"
wait_log "$TMPD/c2.log" 'reload: configuration applied' 5 ||
	error "client: no reload line"
ping6_ok "$NS_H" "$A2"
n2=$(prefix_count "$TMPD/c2.log")
ENG=$(pgrep -P "$SRV_PID" -x ipipd-engine)
kill -KILL "$ENG"
wait_log "$LOG_S2" 'engine restarted, forwarding again' 10 ||
	error "the server's engine was not restarted"
wait_prefix "$TMPD/c2.log" "$PID_C2" $((n2 + 1)) && expect_eq "$PREFIX" "$P2" \
    "c2 after the server's engine restart"
ping6_ok "$NS_H" "$A2"

stop_ipipd "$PID_C1" "$TMPD/c1b.log"
stop_ipipd "$PID_C2" "$TMPD/c2.log"
stop_ipipd "$PID_C3" "$TMPD/c3.log"
stop_ipipd "$SRV_PID" "$LOG_S2"
expect_eq "$(nsx "$NS_S" ip -6 route show 2001:db8:100::/48)" "" \
    "the pool's route is gone with the server"
finish
