#!/bin/bash
#
# A prefix server (serve tcp) against hostile clients (issue 16),
# driven by tests/integration/tcp_hostile.py: a connection that never
# sends its identifier (closed after the default handshake-timeout of
# 10 s), oversized and malformed JSON, bad identifiers, a stream that
# cannot be framed, a second connection with a connected identifier
# (replaces the first), 1000 connections that never send a byte from
# ten addresses (max-handshakes-per-address, max-handshakes),
# max-clients, a client that never reads while another transfers (its
# throughput holds, the stalled client's packets are dropped and
# counted), and a full pool.  Nothing crashes, every refusal is counted
# and each cause is logged once, the ipipd client keeps working.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
setup_common
need_cmd socat sha256sum
[ -x "$PYTHON" ] || skip "$PYTHON missing"
HOSTILE=$TOPDIR/tests/integration/tcp_hostile.py
tcp_lab 3
S2=$(tcp_srv4 2)
S3=$(tcp_srv4 3)

hostile() {
	local ns=$1
	shift
	nsx "$ns" "$PYTHON" "$HOSTILE" "$@" 2>&1 </dev/null
}

LOG_S=$TMPD/server.log
tcp_server "$LOG_S" max-clients 6
tcp_client 1 "$TMPD/c1.log" "$(tcp_srv4 1)"
PID_C1=$CLI_PID
wait_prefix "$TMPD/c1.log" "$PID_C1" || exit 1
A1=$(addr_of "$PREFIX")

log "=== silent connection: the default handshake-timeout"
out=$(hostile "$NS_C2" silent "$S2" "$TCP_PORT")
echo "$out"
t=$(echo "$out" | sed -n 's/^RESULT closed after \([0-9]*\)\..*/\1/p')
if [ -n "$t" ] && [ "$t" -ge 9 ] && [ "$t" -le 12 ]; then
	ok "silent connection closed after ${t} s (handshake-timeout 10)"
else
	error "silent connection: $out"
fi

log "=== refused handshakes"
for w in bigjson badjson array noid longid ctrlid numid; do
	out=$(hostile "$NS_C2" refused "$S2" "$TCP_PORT" "$w")
	expect_match "$out" "^RESULT $w closed" "$w"
done
out=$(hostile "$NS_C2" desync "$S2" "$TCP_PORT" desync-1)
expect_match "$out" 'RESULT desync closed' "a stream out of step"
expect_file_match "$LOG_S" 'client desync-1 \(198.51.101.2 port [0-9]+\): desync: IP version 0' \
    "the desync is logged with the client"

log "=== the same identifier again replaces the first connection"
nsx "$NS_C2" ip addr add 198.51.101.10/24 dev "c2$SID" || die "addr"
out=$(hostile "$NS_C2" replace "$S2" "$TCP_PORT" twin 198.51.101.2 198.51.101.10)
expect_match "$out" '^RESULT replaced' "second connection of twin"
expect_file_match "$LOG_S" 'client twin: new connection from 198.51.101.10 port [0-9]+ replaces the one from 198.51.101.2 port [0-9]+' \
    "both addresses logged"

log "=== 1000 connections that never send a byte, 100 from each of 10 addresses"
srcs=
for i in $(seq 10 19); do
	nsx "$NS_C3" ip addr add "198.51.102.$i/24" dev "c3$SID" || die "addr"
	srcs="$srcs 198.51.102.$i"
done
# shellcheck disable=SC2086
hostile "$NS_C3" idle "$S3" "$TCP_PORT" 1000 1 $srcs >"$TMPD/idle.log" &
IDLE=$!
_DAEMON_PIDS+=("$IDLE")
wait_log "$TMPD/idle.log" '^RESULT' 30 "$IDLE" || die "idle flood: $(cat "$TMPD/idle.log")"
cat "$TMPD/idle.log"
# 8 from each address are kept (max-handshakes-per-address refuses the
# other 92 of the first seven), until the eighth address's 8 make 64:
# from then on max-handshakes refuses first (92 + 200).
expect_match "$(cat "$TMPD/idle.log")" '^RESULT idle 1000 refused 936 kept 64$' \
    "max-handshakes 64 kept, the rest refused at once"
ping6_ok "$NS_C1" "$TCP_HOST"
ping6_ok "$NS_H" "$A1"
wait "$IDLE"

log "=== max-clients 6"
out=$(hostile "$NS_C2" many "$S2" "$TCP_PORT" 7 many 0)
echo "$out"
expect_match "$out" '^RESULT many 7 prefixes 5 refused 2 ' \
    "with c1 connected, 5 more clients, 2 refused"
for i in 5 6; do
	[ "$(json_prefix "$TCP_FILE" "many-$i")" = none ] &&
		ok "many-$i refused without taking a prefix" ||
		error "many-$i took a prefix of the pool"
done

log "=== a client that never reads, beside a transfer"
t0=$(date +%s%3N)
sha_transfer "$NS_H" "$NS_C1" "$A1" 20000000
base=$(($(date +%s%3N) - t0))
hostile "$NS_C2" noread "$S2" "$TCP_PORT" sleeper 30 >"$TMPD/noread.log" &
NR=$!
_DAEMON_PIDS+=("$NR")
wait_log "$TMPD/noread.log" '^prefix' 10 "$NR" || die "noread: $(cat "$TMPD/noread.log")"
P_NR=$(sed -n 's/^prefix \(.*\)::\/64/\1::1/p' "$TMPD/noread.log")
hostile "$NS_H" udpflood "$P_NR" 25 2000 >/dev/null &
FL=$!
_DAEMON_PIDS+=("$FL")
sleep 3
t0=$(date +%s%3N)
sha_transfer "$NS_H" "$NS_C1" "$A1" 20000000
with=$(($(date +%s%3N) - t0))
log "20 MB to c1: ${base} ms alone, ${with} ms beside the stalled client"
[ "$with" -le $((2 * base + 1000)) ] &&
	ok "throughput held beside a client that does not read" ||
	error "20 MB took ${with} ms beside the stalled client, ${base} ms alone"
kill "$FL" "$NR" 2>/dev/null
wait "$FL" "$NR" 2>/dev/null

log "=== counters, and each cause logged once"
kill -USR1 "$SRV_PID"
wait_log "$LOG_S" 'status tcp:' 5 || error "no status line"
st=$(grep 'status tcp:' "$LOG_S" | tail -n 1)
echo "$st"
# The 64 kept were closed by the flood's end (handshake-closed).
for c in handshake-timeout=1 handshake-closed=64 handshake-too-big=1 handshake-malformed=2 \
    handshake-no-field=2 bad-identifier=2 desync=1 replaced=1 \
    max-handshakes=292 max-handshakes-per-address=644 \
    max-clients=2 'send-queue-full=[0-9]+'; do
	expect_match "$st" " $c( |$)" "counter $c"
done
for c in handshake-timeout handshake-too-big handshake-malformed \
    handshake-no-field bad-identifier desync max-handshakes \
    max-handshakes-per-address max-clients; do
	expect_eq "$(grep -Ec ": $c(:| \().*only counted" "$LOG_S")" 1 "log lines for $c"
done
# Logged once for whichever client filled its queue first (the stalled
# one, or c1 during a 20 MB burst), then only counted.
expect_eq "$(grep -c 'packet dropped: its send queue is full' "$LOG_S")" 1 \
    "a full send queue logged once"
ping6_ok "$NS_C1" "$TCP_HOST"
stop_ipipd "$PID_C1" "$TMPD/c1.log"
stop_ipipd "$SRV_PID" "$LOG_S"

log "=== a full pool"
TCP_FILE=$TMPD/pool/small.json
TCP_POOL=2001:db8:200::/62
LOG_S=$TMPD/server2.log
tcp_server "$LOG_S"
out=$(hostile "$NS_C2" many "$S2" "$TCP_PORT" 5 full 0)
echo "$out"
expect_match "$out" '^RESULT many 5 prefixes 3 refused 2 ' \
    "a /62 holds 3 clients (its first /64 is the server's)"
expect_eq "$(grep -c 'prefix-pool is full' "$LOG_S")" 1 "pool full logged once"
expect_eq "$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TCP_FILE")" 3 \
    "assignments in the file"
stop_ipipd "$SRV_PID" "$LOG_S"
finish
