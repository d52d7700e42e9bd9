#!/bin/bash
#
# The sandbox as deployed in both TCP roles (issue 16): while a prefix
# server (serve tcp) and a client (encap tcp) carry traffic, each
# engine has no effective capability, NoNewPrivs 1, a seccomp filter
# (Seccomp 2), a non-root uid, and /var/lib/ipipd/empty as its root;
# each parent keeps CAP_NET_ADMIN alone.  The engines hold sockets, the
# TUN device and their epoll instance, no file.  Both ends of the
# connection probe a dead peer by keepalive, set per socket (the
# server's accepted socket has it from the listening one).

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
setup_common
need_cmd ss
tcp_lab 1
SVC_UID=$(id -u _ipipd)
CHROOT=/var/lib/ipipd/empty

status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' \
	    "/proc/$1/status"
}

engine_of() {
	local k
	for k in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$k/comm")" = ipipd-engine ] && echo "$k"
	done
}

check_role() {
	local what=$1 ppid=$2 eng u v fds
	expect_eq "$(status_field "$ppid" CapEff)" 0000000000001000 \
	    "$what parent CapEff (CAP_NET_ADMIN only)"
	expect_eq "$(status_field "$ppid" Uid | awk '{ print $2 }')" "$SVC_UID" \
	    "$what parent euid"
	eng=$(engine_of "$ppid")
	[ -n "$eng" ] || { error "$what: no engine"; return; }
	expect_eq "$(status_field "$eng" CapEff)" 0000000000000000 "$what engine CapEff"
	expect_eq "$(status_field "$eng" NoNewPrivs)" 1 "$what engine NoNewPrivs"
	expect_eq "$(status_field "$eng" Seccomp)" 2 "$what engine Seccomp"
	u=$(status_field "$eng" Uid)
	expect_eq "$u" "$SVC_UID $SVC_UID $SVC_UID $SVC_UID" "$what engine uids"
	expect_eq "$(readlink "/proc/$eng/root")" "$CHROOT" "$what engine root"
	# From fd 3 on: 0-2 are whatever the test gave ipipd -d.
	fds=$(for v in /proc/"$eng"/fd/*; do
		[ "${v##*/}" -ge 3 ] && readlink "$v"
	done | sort | uniq -c)
	log "$what engine fds:"
	echo "$fds" | sed 's/^/    /'
	echo "$fds" | grep -q 'anon_inode:\[eventpoll\]' &&
		ok "$what engine has its epoll instance" ||
		error "$what engine: no epoll fd"
	echo "$fds" | grep -q '/dev/net/tun' &&
		ok "$what engine has the TUN device" || error "$what engine: no TUN fd"
	if echo "$fds" | awk '{ print $2 }' |
	    grep -Ev '^(socket:|anon_inode:.eventpoll.$|/dev/net/tun$)' |
	    grep -q .; then
		error "$what engine holds something else: $fds"
	else
		ok "$what engine holds sockets, the TUN device, epoll only"
	fi
}

LOG_S=$TMPD/server.log
tcp_server "$LOG_S"
tcp_client 1 "$TMPD/c1.log" "$(tcp_srv4 1)"
PID_C1=$CLI_PID
wait_prefix "$TMPD/c1.log" "$PID_C1" || exit 1
A1=$(addr_of "$PREFIX")
ping6_ok "$NS_C1" "$TCP_HOST"
ping6_ok "$NS_H" "$A1"
check_role server "$SRV_PID"
check_role client "$PID_C1"

ss_s=$(nsx "$NS_S" ss -tno state established "( sport = :$TCP_PORT )")
ss_c=$(nsx "$NS_C1" ss -tno state established "( dport = :$TCP_PORT )")
echo "$ss_s"
echo "$ss_c"
expect_match "$ss_s" 'timer:\(keepalive' "server's accepted socket keepalive"
expect_match "$ss_c" 'timer:\(keepalive' "client's socket keepalive"
# Still alive and forwarding after all that.
ping6_ok "$NS_H" "$A1"
stop_ipipd "$PID_C1" "$TMPD/c1.log"
stop_ipipd "$SRV_PID" "$LOG_S"
finish
