#!/bin/bash
#
# The ipipctl requests that change something, and who may make them.
#   - reload of a good file: "applied", the new mtu shows (ipipctl show
#     and the link); of a bad one: exit 1, the reason, nothing changed
#     (same mtu, the tunnel still forwards);
#   - resolve: the remote name looked up now, the answer returned;
#   - log verbose|brief: debug lines (the resolver's) appear, then not;
#   - -j of reload, resolve and log: one object each, dev, socket,
#     status ok and the message;
#   - permissions: a user not in group _ipipd cannot connect (socket
#     0660) and is told so; with the socket opened to all (0666) it may
#     show, but reload is refused (SO_PEERCRED, checked by the parent)
#     with a clear message, counted, and nothing reloaded; a member of
#     _ipipd (supplementary group) may reload.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
need_ipipctl
need_cmd setpriv useradd userdel
mk_pair
hosts_only "$NS_A"
set_hosts "$NS_A" "$V4B peer4"

ta=sa$SID tb=sb$SID
SA=/run/ipipd/$ta.sock
CONF=$TMPD/a.conf
conf() { printf '%s\n' "$@" >"$CONF" && chmod 0644 "$CONF"; }

conf "dev $ta" "remote peer4" "mtu 1400"
LOG_A=$TMPD/a.log LOG_B=$TMPD/b.log
mk_tun "$NS_A" "$ta"
nsx "$NS_A" ip link set "$ta" up
tun_addrs "$NS_A" "$ta" "$IN4A" "$IN4B" "$IN6A" "$IN6B"
ipipd_up "$NS_A" "$LOG_A" -f "$CONF"
PID_A=$IPIPD_PID
side_up b pre "$tb" "$LOG_B" remote "$V4A"
ping_ok "$NS_A" "$IN4B" 56

# showj KEY: a key of A's ipipctl -j show.
showj() {
	"$IPIPCTL" -j -s "$SA" show >"$TMPD/show.json" &&
	    jq_py "$TMPD/show.json" "j[0]['$1']"
}

log "=== reload"
expect_eq "$(showj mtu) $(showj mtu_source)" "1400 given" "mtu before"
conf "dev $ta" "remote peer4" "mtu 1300"
out=$("$IPIPCTL" -s "$SA" reload 2>&1)
expect_status $? 0 "reload of a good file"
expect_eq "$out" "$ta: applied" "reload answer"
expect_eq "$(showj mtu)" 1300 "mtu after the reload (ipipctl show)"
expect_eq "$(link_mtu "$NS_A" "$ta")" 1300 "mtu after the reload (link)"
conf "dev $ta" "remote peer4" "mtu 99999"
out=$("$IPIPCTL" -s "$SA" reload 2>&1)
expect_status $? 1 "reload of a bad mtu"
expect_match "$out" "^ipipctl: $ta: refused: $CONF:3: bad mtu '99999'.*; nothing changed$" \
    "reload refused: the reason"
conf "dev $ta" "remote peer4" "mtu 1280" "frobnicate 3"
out=$("$IPIPCTL" -j -s "$SA" reload 2>/dev/null)
expect_status $? 1 "reload of an unknown keyword (-j)"
printf '%s\n' "$out" >"$TMPD/r.json"
expect_eq "$(jq_py "$TMPD/r.json" "j[0]['status']")" failed "-j: status"
expect_match "$(jq_py "$TMPD/r.json" "j[0]['message']")" "frobnicate" \
    "-j: message names the bad word"
expect_eq "$(showj mtu)" 1300 "mtu unchanged after the refusals (ipipctl)"
expect_eq "$(link_mtu "$NS_A" "$ta")" 1300 "mtu unchanged (link)"
ping_ok "$NS_A" "$IN4B" 56

log "=== resolve"
sleep 2
before=$(showj resolved_ago)
out=$("$IPIPCTL" -s "$SA" resolve 2>&1)
expect_status $? 0 "resolve"
expect_eq "$out" "$ta: remote peer4: $V4B; using $V4B" "resolve answer"
after=$(showj resolved_ago)
[ "$before" -ge 2 ] && [ "$after" -le 1 ] &&
	ok "resolved_ago $before -> $after" ||
	error "resolved_ago $before -> $after: want >= 2, then <= 1"

log "=== -j: reload, resolve, log"
# rj NAME ARGS...: ipipctl -j -s SA ARGS, its exit status and JSON.
rj() {
	local name=$1
	shift
	"$IPIPCTL" -j -s "$SA" "$@" >"$TMPD/$name.json" 2>"$TMPD/$name.err"
	expect_status $? 0 "ipipctl -j $*"
	expect_eq "$(jq_py "$TMPD/$name.json" "[(o['dev'], o['socket'], o['status']) for o in j]")" \
	    "[('$ta', '$SA', 'ok')]" "-j $*: dev, socket, status"
}
conf "dev $ta" "remote peer4" "mtu 1300"
rj reload reload
expect_eq "$(jq_py "$TMPD/reload.json" "j[0]['message']")" applied "-j reload: message"
rj resolve resolve
expect_eq "$(jq_py "$TMPD/resolve.json" "j[0]['message']")" \
    "remote peer4: $V4B; using $V4B" "-j resolve: message"
rj log log brief
expect_eq "$(jq_py "$TMPD/log.json" "j[0]['message']")" \
    "log brief: debug lines are not logged" "-j log brief: message"

log "=== log verbose|brief"
dbg='resolver: peer4: 1 address'
n0=$(count_lines "$LOG_A" "$dbg")
out=$("$IPIPCTL" -s "$SA" log verbose 2>&1)
expect_status $? 0 "log verbose"
expect_eq "$(showj log)" verbose "show: log"
"$IPIPCTL" -s "$SA" resolve >/dev/null
n1=$(count_lines "$LOG_A" "$dbg")
expect_eq "$n1" $((n0 + 1)) "a debug line of the resolver after log verbose"
"$IPIPCTL" -s "$SA" log brief >/dev/null
expect_eq "$(showj log)" brief "show: log"
"$IPIPCTL" -s "$SA" resolve >/dev/null
expect_eq "$(count_lines "$LOG_A" "$dbg")" "$n1" "no debug line after log brief"

log "=== permissions"
UN=ipc${SID}n UG=ipc${SID}g
useradd -M -N -s /usr/sbin/nologin "$UN" || die "useradd $UN"
at_cleanup "userdel $UN"
useradd -M -N -s /usr/sbin/nologin -G _ipipd "$UG" || die "useradd $UG"
at_cleanup "userdel $UG"
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }

out=$(as "$UN" "$IPIPCTL" -s "$SA" show 2>&1)
expect_status $? 1 "$UN (not in _ipipd): show on the 0660 socket"
expect_match "$out" "permission denied: only root and members of group _ipipd may use it" \
    "$UN: message"
chmod 0666 "$SA"
out=$(as "$UN" "$IPIPCTL" -s "$SA" show 2>&1)
expect_status $? 0 "$UN: show once the socket is 0666"
napplied=$(count_lines "$LOG_A" 'reload: configuration applied')
conf "dev $ta" "remote peer4" "mtu 1280"
out=$(as "$UN" "$IPIPCTL" -s "$SA" reload 2>&1)
expect_status $? 1 "$UN: reload"
expect_match "$out" "^ipipctl: $ta: permission denied: reload needs root or membership of group _ipipd$" \
    "$UN: reload refused, and why"
expect_file_match "$LOG_A" "control: reload refused to uid $(id -u "$UN") " \
    "the refusal is logged"
expect_eq "$(count_lines "$LOG_A" 'reload: configuration applied')" \
    "$napplied" "nothing reloaded for $UN"
expect_eq "$(showj mtu)" 1300 "mtu unchanged after the refused reload"
out=$(as "$UN" "$IPIPCTL" -s "$SA" log verbose 2>&1)
expect_status $? 1 "$UN: log verbose"
"$IPIPCTL" -j -s "$SA" show stats >"$TMPD/st.json"
expect_eq "$(jq_py "$TMPD/st.json" "j[0]['control']['control-denied']")" 2 \
    "control-denied counts both"
chmod 0660 "$SA"
out=$(as "$UG" "$IPIPCTL" -s "$SA" reload 2>&1)
expect_status $? 0 "$UG (in _ipipd): reload"
expect_eq "$out" "$ta: applied" "$UG: reload answer"
expect_eq "$(showj mtu)" 1280 "mtu after $UG's reload"
expect_eq "$(stat -c '%a %U %G' "$SA")" "660 _ipipd _ipipd" "socket mode and owner"
stop_ipipd "$PID_A" "$LOG_A"
stop_ipipd "$PID_B" "$LOG_B"
finish
