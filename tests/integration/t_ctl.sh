#!/bin/bash
#
# ipipctl against two running tunnel ends in namespaces, each with its
# socket where ipipd puts it by default (/run/ipipd/DEV.sock):
#   - the socket: mode 0660, owner and group _ipipd; the directory
#     owned by the service user; gone when the daemon exits;
#   - show and show stats, text and JSON (-j, parsed here): 100 pings
#     each way show as at least 100 packets each way in the counters of
#     both ends; every drop reason by its stable name; with 1000 more,
#     -h shows packets in k and bytes in KiB; SIGUSR1's status line has
#     the numbers of -j;
#   - ipipctl show without -s finds both tunnels, and -s DIR too;
#   - show clients on a peer tunnel: exit 1 and the reason;
#   - a daemon for a device of the same name in another namespace runs
#     without a socket, and leaves the first one's alone;
#   - no daemon: a missing socket, a stale one, an empty directory: a
#     clear message and exit 1.

. "$(dirname "$0")/../lib.sh"
setup_common
need_ipipctl
mk_pair

ta=ca$SID tb=cb$SID
SA=/run/ipipd/$ta.sock SB=/run/ipipd/$tb.sock
pair_up 4 pre "$ta" "$tb"

log "=== the sockets"
for s in "$SA" "$SB"; do
	expect_eq "$(stat -c '%F %a %U %G' "$s")" "socket 660 _ipipd _ipipd" \
	    "$(basename "$s"): type, mode, owner, group"
done
expect_eq "$(stat -c '%a %U %G' /run/ipipd)" "755 _ipipd _ipipd" \
    "/run/ipipd: mode, owner, group"

log "=== 100 pings each way"
for pair in "$NS_A $IN4B" "$NS_B $IN4A"; do
	set -- $pair
	out=$(nsx "$1" ping -q -n -c 100 -i 0.01 -W 2 "$2" 2>&1)
	expect_match "$out" " 100 received" "100 pings from $1 to $2"
done

log "=== show stats -j"
for end in "a $SA" "b $SB"; do
	set -- $end
	"$IPIPCTL" -j -s "$2" show stats >"$TMPD/stats.$1.json"
	expect_status $? 0 "ipipctl -j -s $2 show stats"
	f=$TMPD/stats.$1.json
	for k in tun-rx-packets net-tx-packets net-rx-packets tun-tx-packets; do
		v=$(jq_py "$f" "j[0]['traffic']['$k']")
		[ "$v" -ge 100 ] 2>/dev/null && ok "$1: $k $v >= 100" ||
			error "$1: $k is '$v', want >= 100"
	done
	v=$(jq_py "$f" "j[0]['traffic']['tun-rx-bytes'] >= 100 * 84")
	expect_eq "$v" True "$1: tun-rx-bytes >= 100 pings of 84 bytes"
	expect_eq "$(jq_py "$f" "j[0]['dev']")" "c$1$SID" "$1: dev"
	# Every drop reason, by the names of the SIGUSR1 line.
	expect_eq "$(jq_py "$f" "' '.join(sorted(j[0]['drops']))")" \
	    "net-dst net-ecn net-encap net-inner-hdr net-martian net-mode net-nopeer net-outer-hdr net-proto net-short net-src net-ttl net-version tun-encaplimit tun-frag tun-hdr tun-mode tun-nopeer tun-proto tun-short tun-toobig tun-ttl tun-version" \
	    "$1: drop reason keys"
	expect_eq "$(jq_py "$f" "sorted(j[0])")" \
	    "['control', 'dev', 'drops', 'engine_uptime', 'fragments', 'icmp', 'offload', 'traffic', 'udp']" \
	    "$1: top-level keys"
done
# SIGUSR1 tells the same counters (engine status line).
kill -USR1 "$PID_A"
wait_log "$LOG_A" 'engine: status: tun-rx' 5 ||
	error "no engine status line after SIGUSR1"
line=$(grep 'engine: status:' "$LOG_A" | tail -n 1)
ok "SIGUSR1 still logs: $(printf '%s' "$line" | cut -c1-80)"
# ... with the numbers of -j: between those before the signal and after
# (counters only grow; a stray packet may pass meanwhile).
"$IPIPCTL" -j -s "$SA" show stats >"$TMPD/stats.a2.json"
for k in tun-rx net-tx net-rx tun-tx; do
	expect_eq "$("$PYTHON" -c 'import json, re, sys
k = sys.argv[2]
m = re.search(" %s ([0-9]+)/([0-9]+)( |$)" % k, sys.argv[1])
v = (int(m.group(1)), int(m.group(2)))
j0, j1 = (json.load(open(f))[0]["traffic"] for f in sys.argv[3:5])
print(all(j0[k + s] <= x <= j1[k + s] for s, x in zip(("-packets", "-bytes"), v)))' \
	    "$line" "$k" "$TMPD/stats.a.json" "$TMPD/stats.a2.json" 2>&1)" True \
	    "SIGUSR1: $k packets/bytes within show stats -j before and after"
done

log "=== show stats (text)"
out=$("$IPIPCTL" -s "$SA" show stats)
expect_status $? 0 "ipipctl -s $SA show stats"
expect_match "$out" "^$ta " "text: tunnel name first"
expect_match "$out" "^    net-src +0$" "text: net-src row"
expect_match "$out" "^  drops$" "text: drops group"
# 1000 more echo requests into A's device: over 1100 packets, 90 KiB.
out=$(nsx "$NS_A" ping -q -n -f -c 1000 -w 20 "$IN4B" 2>&1)
expect_match "$out" "^1000 packets transmitted" "1000 more pings from A"
"$IPIPCTL" -j -s "$SA" show stats >"$TMPD/stats.h0.json"
out=$("$IPIPCTL" -h -s "$SA" show stats)
"$IPIPCTL" -j -s "$SA" show stats >"$TMPD/stats.h1.json"
expect_eq "$(jq_py "$TMPD/stats.h0.json" "1100 <= j[0]['traffic']['tun-rx-packets'] < 2000")" \
    True "-j: 1100 to 2000 packets into A's device"
# hunit NAME UNIT DIV: NAME's -h row is "N.N UNIT", N.N between the
# -j values before and after divided by DIV (a stray packet may pass).
hunit() {
	"$PYTHON" -c 'import json, re, sys
out, k, unit, div = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
m = re.search(r"^    %s +([0-9]+\.[0-9]) %s$" % (k, unit), out, re.M)
lo, hi = (json.load(open(f))[0]["traffic"][k] for f in sys.argv[5:7])
print(m is not None and lo / div - 0.05 <= float(m.group(1)) <= hi / div + 0.05)' \
	    "$out" "$1" "$2" "$3" "$TMPD/stats.h0.json" "$TMPD/stats.h1.json"
}
expect_eq "$(hunit tun-rx-packets k 1000)" True "-h: packets in k (powers of 1000), as -j"
expect_eq "$(hunit tun-rx-bytes KiB 1024)" True "-h: bytes in KiB (powers of 1024), as -j"
expect_match "$out" "^    net-src +0$" "-h: a count below 1000 exact"

log "=== show -j"
"$IPIPCTL" -j -s "$SA" show >"$TMPD/show.json"
expect_status $? 0 "ipipctl -j -s $SA show"
f=$TMPD/show.json
for kv in "dev=$ta" "state=up" "role=peer" "local=$V4A" "remote=$V4B" \
    "remote_name=$V4B" "family=inet" "encap=none" "mode=any" "mtu=1480" \
    "mtu_source=path" "outer_mtu=1500" "outer_header=20" "log=brief" \
    "engine_restarts=0" "resolved=['$V4B']" "paused_reason=None"; do
	expect_eq "$(jq_py "$f" "j[0]['${kv%%=*}']")" "${kv#*=}" "show -j ${kv%%=*}"
done
expect_eq "$(jq_py "$f" "j[0]['pid']")" "$PID_A" "show -j pid"
expect_eq "$(jq_py "$f" "' '.join(sorted(j[0]))")" \
    "config daemon_uptime dev encap encap_dport engine_restarts engine_uptime family float hints listen_port local log mode mtu mtu_source outer_header outer_mtu paused_reason peer peer_port peer_sport pid pmtu pmtu_expires remote remote_name resolve_error resolve_interval resolved resolved_ago resolver_restarts role state tun_deleted uptime" \
    "show -j: the keys"

log "=== show (text)"
out=$("$IPIPCTL" -s "$SA" show)
expect_status $? 0 "ipipctl -s $SA show"
expect_match "$out" "^  state +up$" "text: state"
expect_match "$out" "^  remote +$V4B$" "text: remote"
expect_match "$out" "^  mtu +1480 \(from the path: outer mtu 1500 - 20 bytes of header\)$" \
    "text: mtu and why"

log "=== discovery: both tunnels"
# Other daemons may run on this host: both of ours must be listed.
"$IPIPCTL" -j show >"$TMPD/all.json"
devs=$(jq_py "$TMPD/all.json" "' '.join(t['dev'] for t in j)")
expect_match " $devs " " $ta " "ipipctl show (no -s) lists $ta"
expect_match " $devs " " $tb " "ipipctl show (no -s) lists $tb"
out=$("$IPIPCTL" show)
expect_match "$out" "^$ta$" "text: $ta listed"
expect_match "$out" "^$tb$" "text: $tb listed"
# -s DIR: a directory of our own with both sockets.
mkdir "$TMPD/run" && ln "$SA" "$TMPD/run/$ta.sock" && ln "$SB" "$TMPD/run/$tb.sock"
out=$("$IPIPCTL" -j -s "$TMPD/run" show)
expect_status $? 0 "ipipctl -s DIR show"
printf '%s\n' "$out" >"$TMPD/dir.json"
expect_eq "$(jq_py "$TMPD/dir.json" "' '.join(t['dev'] for t in j)")" \
    "$ta $tb" "-s DIR: both tunnels, sorted"

log "=== show clients"
out=$("$IPIPCTL" -s "$SA" show clients 2>&1)
expect_status $? 1 "show clients on a peer tunnel"
expect_match "$out" "role peer: no prefix server" "show clients: why"

log "=== usage"
out=$("$IPIPCTL" show nonsense 2>&1)
expect_status $? 1 "unknown command"
expect_match "$out" "unknown command: show nonsense" "unknown command: message"

log "=== the same device name in another namespace"
# /run/ipipd is the host's: the second daemon runs without a socket and
# leaves the first one's alone.
LOG_C=$TMPD/c.log
ipipd_up "$NS_B" "$LOG_C" dev "$ta" remote "$V4A"
PID_C=$IPIPD_PID
expect_file_match "$LOG_C" "control socket $SA belongs to another ipipd .*running without one: give each a path with -s" \
    "second daemon of $ta: warned"
stop_ipipd "$PID_C" "$LOG_C"
"$IPIPCTL" -j -s "$SA" show >"$TMPD/first.json"
expect_eq "$(jq_py "$TMPD/first.json" "j[0]['pid']")" "$PID_A" \
    "$SA still the first daemon's"

log "=== no daemon"
pair_down "$ta" "$tb"
[ ! -e "$SA" ] && ok "$SA removed on exit" || error "$SA still there"
[ ! -e "$SB" ] && ok "$SB removed on exit" || error "$SB still there"
out=$("$IPIPCTL" -s "$SA" show 2>&1)
expect_status $? 1 "-s a socket that is gone"
expect_match "$out" "no such socket: is ipipd running\?" "gone: message"
mkdir "$TMPD/empty"
out=$("$IPIPCTL" -s "$TMPD/empty" show 2>&1)
expect_status $? 1 "-s an empty directory"
expect_match "$out" "no ipipd is running \(no sockets in $TMPD/empty\)" \
    "empty directory: message"
"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' \
    "$TMPD/empty/stale.sock"
out=$("$IPIPCTL" -s "$TMPD/empty" show 2>&1)
expect_status $? 1 "a stale socket"
expect_match "$out" "no daemon answers" "stale socket: message"
finish
