#!/bin/bash
#
# ipipctl show clients on a prefix server (issue 17), with two real
# ipipd clients (one over IPv4, one over IPv6 with its own identifier):
#   - -j: one object for the server, a record per client with its
#     identifier, its /64 (the one the client logged and the
#     assignments file holds), where it connects from, since when, and
#     its counters: 100 pings through the tunnel show as >= 100 packets
#     each way; packets with a source outside its /64 as its drops;
#   - text: a header line and a row per client;
#   - asking every daemon of a directory, only the server answers: the
#     clients' tunnels (encap tcp) are skipped, and the exit status is
#     0; with no server among them, a message and exit 1;
#   - show stats has the tcp groups: clients now, traffic, closes by
#     cause, drops (the spoofed packets again);
#   - show clients on a client tunnel alone: exit 1 and the reason.
# Paging (more clients than one reply buffer holds) is t_tcp_many's.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
setup_common
need_ipipctl
[ -x "$PYTHON" ] || skip "$PYTHON missing"
tcp_lab 2

LOG_S=$TMPD/server.log
tcp_server "$LOG_S"
SS=/run/ipipd/tp$SID.sock
t0=$(date +%s)
tcp_client 1 "$TMPD/c1.log" "$(tcp_srv4 1)"
PID_C1=$CLI_PID
tcp_client 2 "$TMPD/c2.log" "$(tcp_srv6 2)" identifier client-two
PID_C2=$CLI_PID
wait_prefix "$TMPD/c1.log" "$PID_C1" || exit 1
P1=$PREFIX
wait_prefix "$TMPD/c2.log" "$PID_C2" || exit 1
P2=$PREFIX
ID1=$(client_id "$TMPD/c1.log")
A1=$(addr_of "$P1")

log "=== traffic: 100 pings from c1, 10 from c2, spoofed packets from c1"
out=$(nsx "$NS_C1" ping -6 -q -n -c 100 -i 0.01 -W 2 "$TCP_HOST" 2>&1)
expect_match "$out" " 100 received" "100 pings c1 -> host"
out=$(nsx "$NS_C2" ping -6 -q -n -c 10 -i 0.05 -W 2 "$TCP_HOST" 2>&1)
expect_match "$out" " 10 received" "10 pings c2 -> host"
# A source outside c1's /64, routed into its tunnel: the server drops
# each of them as spoofed, on c1's account.
nsx "$NS_C1" ip addr add 2001:db8:ffff:9::1/128 dev "tc1$SID" nodad
nsx "$NS_C1" ping -6 -q -n -c 5 -i 0.05 -W 1 -I 2001:db8:ffff:9::1 \
    "$TCP_HOST" >/dev/null 2>&1
sleep 0.5

log "=== show clients -j"
"$IPIPCTL" -j -s "$SS" show clients >"$TMPD/clients.json"
expect_status $? 0 "ipipctl -j -s SERVER show clients"
f=$TMPD/clients.json
expect_eq "$(jq_py "$f" "len(j)")" 1 "one object: the server"
expect_eq "$(jq_py "$f" "j[0]['dev']")" "tp$SID" "its dev"
expect_eq "$(jq_py "$f" "' '.join(c['id'] for c in j[0]['clients'])")" \
    "$(printf '%s\n' "$ID1" client-two | sort | tr '\n' ' ' | sed 's/ $//')" \
    "both clients, by identifier"
c1="[c for c in j[0]['clients'] if c['id'] == '$ID1'][0]"
c2="[c for c in j[0]['clients'] if c['id'] == 'client-two'][0]"
expect_eq "$(jq_py "$f" "sorted($c1)")" \
    "['connected_for', 'connected_since', 'drops', 'id', 'peer', 'peer_port', 'prefix', 'rx_bytes', 'rx_packets', 'state', 'tx_bytes', 'tx_packets']" \
    "a client's keys"
expect_eq "$(jq_py "$f" "$c1['prefix']")" "$P1/64" "c1: the prefix it logged"
expect_eq "$(jq_py "$f" "$c2['prefix']")" "$P2/64" "c2: the prefix it logged"
expect_eq "$(json_prefix "$TCP_FILE" client-two)" "$P2/64" \
    "c2: the prefix of the assignments file"
expect_eq "$(jq_py "$f" "$c1['peer']")" 198.51.100.2 "c1 connects over IPv4"
expect_eq "$(jq_py "$f" "$c2['peer']")" fd00:2::2 "c2 connects over IPv6"
expect_eq "$(jq_py "$f" "$c1['state'] + ' ' + $c2['state']")" "up up" "both up"
port=$(jq_py "$f" "$c1['peer_port']")
expect_match "$(nsx "$NS_C1" ss -Htn state established)" ":$port " \
    "c1's peer_port is its connection's source port"
for k in rx_packets tx_packets; do
	v=$(jq_py "$f" "$c1['$k']")
	[ "$v" -ge 100 ] 2>/dev/null && ok "c1: $k $v >= 100" ||
		error "c1: $k is '$v', want >= 100"
done
v=$(jq_py "$f" "$c1['rx_bytes'] >= 100 * 104")
expect_eq "$v" True "c1: rx_bytes >= 100 echo requests of 104 bytes"
v=$(jq_py "$f" "$c2['rx_packets'] >= 10 and $c2['rx_packets'] < 100")
expect_eq "$v" True "c2: its own 10 pings, not c1's 100"
expect_eq "$(jq_py "$f" "$c1['drops']")" 5 "c1: the 5 spoofed packets are its drops"
expect_eq "$(jq_py "$f" "$c2['drops']")" 0 "c2: no drops"
now=$(date +%s)
v=$(jq_py "$f" "0 <= $c1['connected_for'] <= $((now - t0 + 1))")
expect_eq "$v" True "c1: connected_for within the test's run"
since=$(jq_py "$f" "$c1['connected_since']")
expect_match "$since" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    "connected_since: ISO 8601, UTC"
s=$(date -u -d "${since%Z}" +%s 2>/dev/null)
[ -n "$s" ] && [ "$s" -ge $((t0 - 2)) ] && [ "$s" -le "$now" ] &&
	ok "connected_since $since: after the test began" ||
	error "connected_since $since: not between $t0 and $now"

log "=== show clients, text"
out=$("$IPIPCTL" -s "$SS" show clients)
expect_status $? 0 "ipipctl -s SERVER show clients"
printf '%s\n' "$out"
expect_eq "$(printf '%s\n' "$out" | head -n 1)" "tp$SID: 2 clients" "header line"
expect_match "$out" "IDENTIFIER +STATE +PREFIX +PEER +SINCE +RX-PKTS" "column heads"
expect_match "$out" "client-two +up +$P2/64 +fd00:2::2 port [0-9]+ " "c2's row"
expect_match "$out" "$ID1 +up +$P1/64 +198.51.100.2 port $port " "c1's row"
out=$("$IPIPCTL" -h -s "$SS" show clients)
expect_match "$out" "client-two .* [0-9.]+ KiB " "-h: bytes in KiB"

log "=== every daemon of a directory: only the server lists clients"
# Our own directory with the three sockets (-s DIR is what ipipctl does
# with /run/ipipd when no -s is given; t_ctl tests that default).
mkdir "$TMPD/run"
for d in "tp$SID" "tc1$SID" "tc2$SID"; do
	ln "/run/ipipd/$d.sock" "$TMPD/run/$d.sock" || error "link $d.sock"
done
"$IPIPCTL" -j -s "$TMPD/run" show clients >"$TMPD/all.json"
expect_status $? 0 "ipipctl -j -s DIR show clients"
expect_eq "$(jq_py "$TMPD/all.json" "[t['dev'] for t in j]")" "['tp$SID']" \
    "the server alone, not the client tunnels"
out=$("$IPIPCTL" -s "/run/ipipd/tc1$SID.sock" show clients 2>&1)
expect_status $? 1 "show clients on a client tunnel"
expect_match "$out" "tc1$SID has role peer: no prefix server" \
    "show clients on a client: why"
rm "$TMPD/run/tp$SID.sock"
out=$("$IPIPCTL" -s "$TMPD/run" show clients 2>&1)
expect_status $? 1 "show clients, no server in the directory"
expect_match "$out" "no prefix server \\(serve tcp\\) among the 2 daemons asked" \
    "no server: the message"

log "=== show stats: the tcp groups"
"$IPIPCTL" -j -s "$SS" show stats >"$TMPD/stats.json"
expect_status $? 0 "ipipctl -j -s SERVER show stats"
f=$TMPD/stats.json
expect_eq "$(jq_py "$f" "j[0]['tcp']['clients']")" 2 "tcp clients: 2"
expect_eq "$(jq_py "$f" "j[0]['tcp']['handshakes']")" 0 "tcp handshakes: 0"
v=$(jq_py "$f" "j[0]['tcp']['accepted'] >= 2 and j[0]['tcp']['rx-packets'] >= 110")
expect_eq "$v" True "tcp accepted >= 2, rx-packets >= 110"
expect_eq "$(jq_py "$f" "j[0]['tcp-drops']['spoofed']")" 5 "tcp-drops spoofed: 5"
expect_eq "$(jq_py "$f" "'handshake-timeout' in j[0]['tcp-closed']")" True \
    "tcp-closed: by the causes of the log"
out=$("$IPIPCTL" -s "$SS" show stats)
expect_match "$out" "tcp-drops" "text: the tcp-drops group"
"$IPIPCTL" -j -s "/run/ipipd/tc1$SID.sock" show stats >"$TMPD/cstats.json"
v=$(jq_py "$TMPD/cstats.json" "j[0]['tcp']['tx-packets'] >= 100")
expect_eq "$v" True "a client's show stats: its tcp traffic"

ping6_ok "$NS_H" "$A1"
stop_ipipd "$PID_C1" "$TMPD/c1.log"
stop_ipipd "$PID_C2" "$TMPD/c2.log"
stop_ipipd "$SRV_PID" "$LOG_S"
finish
