#!/bin/bash
#
# SIGHUP: the configuration a reload would run with (the new file
# merged with what stays as start-up made it: the encap sockets, local)
# is checked as a whole, as start-up checks it, and refused with one
# line naming the bad value; the tunnel then goes on with its old
# settings and passes traffic.
#
#   a. A host-name remote without -4/-6 over IPv4: `mtu 65535` is more
#      than an outer IPv4 packet holds (65515): refused; a good mtu
#      after it applies.
#   b. encap fou started with an IPv4 remote has IPv4 UDP sockets only:
#      an IPv6 remote is refused; a host name is then looked up over
#      IPv4 only (an IPv6-only name keeps the IPv4 address).
#   c. A host-name remote running over IPv6: `mode ipip` (outer IPv4)
#      is refused; inner IPv6 still goes through.
#   d. The local address stays (it needs a restart): a new remote
#      address of the other family is refused.
#
# A resolves "peer4" ($V4B) and "peer6" ($V6B) from its hosts file.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
mk_pair
hosts_only "$NS_A"
set_hosts "$NS_A" "$V4B peer4" "$V6B peer6"

CONF=$TMPD/a.conf
# conf LINE...: the file A reads (again on SIGHUP, as the service user).
conf() {
	printf '%s\n' "$@" >"$CONF" && chmod 0644 "$CONF"
}

# refused ERE: SIGHUP to A; A logs "reload: ERE; nothing changed" and
# nothing else of the reload.
refused() {
	local n
	n=$(count_lines "$LOG_A" 'reload: configuration applied')
	kill -HUP "$PID_A"
	if wait_log "$LOG_A" "reload: $1; nothing changed" 5 "$PID_A"; then
		ok "$(grep -E "reload: $1" "$LOG_A" | tail -n 1)"
	else
		error "no 'reload: $1; nothing changed' line"
		show_log "$LOG_A"
	fi
	sleep 0.5	# a wrongly applied reload would be logged by now
	expect_eq "$(count_lines "$LOG_A" 'reload: configuration applied')" \
	    "$n" "'configuration applied' lines after the refused reload"
}

# applied: SIGHUP to A, which applies it.
applied() {
	local n
	n=$(count_lines "$LOG_A" 'reload: configuration applied')
	kill -HUP "$PID_A"
	wait_until 5 eval "[ \$(count_lines '$LOG_A' 'reload: configuration applied') -gt $n ]" ||
		error "no 'reload: configuration applied' after SIGHUP"
}

# remote_is ADDR: A's status line names ADDR as the remote.
remote_is() {
	local line
	line=$(status_line "$PID_A" "$LOG_A" '^status: ') ||
		error "no status line from A"
	expect_match "$line" " remote $1 " "A's status line"
}

# a_up TUN: A from $CONF, its TUN addressed (LOG_A, PID_A).
a_up() {
	ipipd_up "$NS_A" "$LOG_A" -f "$CONF"
	PID_A=$IPIPD_PID
	tun_addrs "$NS_A" "$1" "$IN4A" "$IN4B" "$IN6A" "$IN6B"
}

log "=== a. host-name remote over IPv4, no -4/-6: mtu 65535 is refused"
TA=ra$SID TB=rb$SID
LOG_A=$TMPD/a1.log LOG_B=$TMPD/b1.log
side_up b auto "$TB" "$LOG_B" remote "$V4A" mtu 1400
conf "dev $TA" "remote peer4" "mtu 1400"
a_up "$TA"
ping_ok "$NS_A" "$IN4B" $((1400 - 28))
conf "dev $TA" "remote peer4" "mtu 65535"
refused "mtu 65535 is too large: an outer IPv4 packet holds at most 65515 bytes of inner packet"
expect_eq "$(link_mtu "$NS_A" "$TA")" 1400 "$TA mtu after the refused reload"
ping_ok "$NS_A" "$IN4B" $((1400 - 28))
log "--- the largest IPv4 mtu is taken"
conf "dev $TA" "remote peer4" "mtu 65515"
applied
if wait_until 5 eval "[ \"\$(link_mtu '$NS_A' '$TA')\" = 65515 ]"; then
	ok "$TA mtu 65515 after the reload"
else
	error "$TA mtu $(link_mtu "$NS_A" "$TA") after mtu 65515, want 65515"
fi
ping_ok "$NS_A" "$IN4B" 1000
stop_ipipd "$PID_A" "$LOG_A"
stop_ipipd "$PID_B" "$LOG_B"

log "=== b. encap fou over IPv4: an IPv6 remote is refused"
PA=$((10000 + 16#${SID:0:3} % 20000))	# A listens here
PB=$((PA + 1))				# B listens here
TA=fa$SID TB=fb$SID
LOG_A=$TMPD/a2.log LOG_B=$TMPD/b2.log
FOU=("encap fou" "encap-dport $PB" "encap-sport $PA")	# file lines
side_up b auto "$TB" "$LOG_B" remote "$V4A" encap fou encap-dport "$PA" \
    encap-sport "$PB"
conf "dev $TA" "remote $V4B" "${FOU[@]}"
a_up "$TA"
ping_ok "$NS_A" "$IN4B" 56
conf "dev $TA" "remote $V6B" "${FOU[@]}"
refused "remote $V6B needs outer IPv6, but encap fou opened UDP sockets for IPv4 only .*"
remote_is "$V4B"
ping_ok "$NS_A" "$IN4B" 56
ping_ok "$NS_B" "$IN6A" 56
log "--- an IPv6-only host name is looked up over IPv4: $V4B stays"
conf "dev $TA" "remote peer6" "${FOU[@]}"
applied
if wait_log "$LOG_A" "cannot resolve remote peer6: .*; keeping $V4B" 5; then
	ok "peer6 is not looked up over IPv6"
else
	error "no 'cannot resolve remote peer6: ...; keeping $V4B'"
	show_log "$LOG_A"
fi
remote_is "$V4B"
ping_ok "$NS_A" "$IN4B" 56
stop_ipipd "$PID_A" "$LOG_A"
stop_ipipd "$PID_B" "$LOG_B"

log "=== c. host-name remote over IPv6: mode ipip is refused"
TA=ma$SID TB=mb$SID
LOG_A=$TMPD/a3.log LOG_B=$TMPD/b3.log
side_up b auto "$TB" "$LOG_B" remote "$V6A"
conf "dev $TA" "remote peer6"
a_up "$TA"
ping_ok "$NS_A" "$IN6B" 56
conf "dev $TA" "remote peer6" "mode ipip"
refused "mode ipip needs outer IPv4, but the tunnel runs to $V6B \(IPv6\) now; .*"
remote_is "$V6B"
ping_ok "$NS_A" "$IN6B" 56
ping_ok "$NS_A" "$IN4B" 56
stop_ipipd "$PID_A" "$LOG_A"
stop_ipipd "$PID_B" "$LOG_B"

log "=== d. local $V4A stays: a remote address of IPv6 is refused"
TA=la$SID TB=lb$SID
LOG_A=$TMPD/a4.log LOG_B=$TMPD/b4.log
side_up b auto "$TB" "$LOG_B" remote "$V4A"
conf "dev $TA" "local $V4A" "remote $V4B"
a_up "$TA"
ping_ok "$NS_A" "$IN4B" 56
conf "dev $TA" "remote $V6B"
refused "remote '$V6B' is not an IPv4 address"
expect_file_match "$LOG_A" "reload: a new local address needs a restart; kept the old one" \
    "A's log"
remote_is "$V4B"
ping_ok "$NS_A" "$IN4B" 56
stop_ipipd "$PID_A" "$LOG_A"
stop_ipipd "$PID_B" "$LOG_B"
finish
