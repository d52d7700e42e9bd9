#!/bin/bash
#
# Inside the kernel VM (see run.sh): load the installed profiles in
# enforce mode, run an ipipd tunnel between two namespaces under them,
# ping through it, check every process is confined in enforce mode, and
# so is an engine restarted after kill -9 (started from the descriptor
# the parent opened, also after the file was replaced on disk), and the
# kernel logged no AppArmor denial; then show the profiles bite.
#
#	guest.sh INSTALL_PREFIX

set -u
INST=$1
IPIPD=$INST/sbin/ipipd
AADIR=$INST/etc/apparmor.d
T=$(mktemp -d /tmp/aa-guest.XXXXXX)
npass=0
nfail=0
pids=()

pass() { echo "PASS $*"; npass=$((npass + 1)); }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }
check() {	# check WHAT CMD...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
summary() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del aa-a 2>/dev/null
	ip netns del aa-b 2>/dev/null
	if [ "$nfail" -ne 0 ]; then
		echo "kernel log, AppArmor lines:"
		dmesg | grep -i apparmor | tail -n 40 | sed 's/^/    | /'
	fi
	echo "apparmor: $npass passed, $nfail failed"
	# An explicit status: a bare exit in an EXIT trap returns the status
	# from before the trap, which made a failed check look like success.
	exit $((nfail != 0))
}
trap summary EXIT

denials() { dmesg | grep 'apparmor="DENIED"'; }

echo "kernel $(uname -r), LSMs: $(cat /sys/kernel/security/lsm 2>/dev/null)"
check "AppArmor is enabled" test "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y
dmesg -C

# Load, in enforce mode (no flags in the profiles), no cache.
for f in "$AADIR"/*; do
	if apparmor_parser -r -T -K "$f" 2>"$T/parser.err"; then
		pass "load $(basename "$f")"
	else
		fail "load $(basename "$f"): $(cat "$T/parser.err")"
	fi
done
for p in ipipd ipipctl ipipd-engine ipipd-resolver; do
	check "profile $p loaded in enforce mode" \
	    grep -qx "$p (enforce)" /sys/kernel/security/apparmor/profiles
done

# Two namespaces, a veth pair, a tunnel.
ip netns add aa-a && ip netns add aa-b || { fail "netns"; exit; }
ip link add va netns aa-a type veth peer name vb netns aa-b
ip -n aa-a addr add 192.0.2.1/24 dev va
ip -n aa-b addr add 192.0.2.2/24 dev vb
ip -n aa-a link set va up; ip -n aa-b link set vb up
ip -n aa-a link set lo up; ip -n aa-b link set lo up

# up NS DEV REMOTE LOG: start ipipd in NS, wait for `tunnel up:`.
up() {
	local n=150
	ip netns exec "$1" "$IPIPD" -d dev "$2" remote "$3" >"$4" 2>&1 </dev/null &
	pids+=($!)
	UP_PID=$!
	while ! grep -q 'tunnel up:' "$4"; do
		n=$((n - 1))
		if [ "$n" -eq 0 ] || ! kill -0 "$UP_PID" 2>/dev/null; then
			fail "ipipd in $1 did not come up:"
			sed 's/^/    | /' "$4"
			return 1
		fi
		sleep 0.2
	done
	pass "ipipd in $1: $(grep 'tunnel up:' "$4")"
}
up aa-a t0 192.0.2.2 "$T/a.log" || exit
PID_A=$UP_PID
up aa-b t0 192.0.2.1 "$T/b.log" || exit
PID_B=$UP_PID
ip -n aa-a addr add 10.0.0.1 peer 10.0.0.2/32 dev t0
ip -n aa-b addr add 10.0.0.2 peer 10.0.0.1/32 dev t0

check "ping 10.0.0.2 through the tunnel" \
    ip netns exec aa-a ping -c 3 -i 0.3 -W 3 -q 10.0.0.2
check "ping 10.0.0.1 back" ip netns exec aa-b ping -c 3 -i 0.3 -W 3 -q 10.0.0.1

# confined PID PROFILE
confined() {
	local cur
	cur=$(tr -d '\0' <"/proc/$1/attr/current" 2>/dev/null)
	if [ "$cur" = "$2 (enforce)" ]; then
		pass "pid $1 ($(cat /proc/$1/comm)) is '$cur'"
	else
		fail "pid $1 ($(cat /proc/$1/comm 2>/dev/null)): '$cur', want '$2 (enforce)'"
	fi
}
for p in $PID_A $PID_B; do
	confined "$p" ipipd
	for k in $(pgrep -P "$p"); do
		case $(cat "/proc/$k/comm") in
		ipipd-engine) confined "$k" 'ipipd//&ipipd-engine' ;;
		ipipd-resolver) confined "$k" 'ipipd//&ipipd-resolver' ;;
		*) fail "unexpected child $k of $p" ;;
		esac
	done
	check "$p has two children" test "$(pgrep -P "$p" | wc -l)" -eq 2
done

# ipipctl under its profile, on the socket the confined parent made
# (the second daemon, of the same device name t0 in the other
# namespace, runs without one).
IPIPCTL=$INST/sbin/ipipctl
out=$("$IPIPCTL" show 2>&1)
echo "$out" | sed 's/^/    ipipctl show | /'
check "ipipctl show: t0 up" eval 'echo "$out" | grep -q "^  state  *up$"'
out=$("$IPIPCTL" -s /run/ipipd/t0.sock show stats 2>&1)
check "ipipctl show stats: packets through the tunnel" \
    eval 'echo "$out" | grep -Eq "^    tun-tx-packets +[1-9]"'
out=$("$IPIPCTL" reload 2>&1)
check "ipipctl reload: applied ($out)" eval 'echo "$out" | grep -q ": applied$"'
check "/run/ipipd/t0.sock: mode 0660, _ipipd, _ipipd" \
    test "$(stat -c '%a %U %G' /run/ipipd/t0.sock)" = "660 _ipipd _ipipd"

# engine_of PID: the parent's engine child.
engine_of() {
	local k
	for k in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$k/comm" 2>/dev/null)" = ipipd-engine ] && echo "$k"
	done
}
# restarted PID WHAT: kill -9 of PID's engine; the parent restarts it from
# the descriptor it opened at start (fexecve), and the new engine must be
# under its profile as the first was.
restarted() {
	local old new n=100
	old=$(engine_of "$1")
	[ -n "$old" ] || { fail "$2: no engine of $1"; return 1; }
	kill -KILL "$old"
	while :; do
		new=$(engine_of "$1")
		[ -n "$new" ] && [ "$new" != "$old" ] && break
		n=$((n - 1))
		[ "$n" -gt 0 ] || { fail "$2: no new engine of $1"; return 1; }
		sleep 0.1
	done
	pass "$2: engine $old killed, $new started ($(readlink /proc/$new/exe))"
	confined "$new" 'ipipd//&ipipd-engine'
}
ENGINE_BIN=$INST/libexec/ipipd/ipipd-engine
restarted "$PID_A" "restart"
check "ping 10.0.0.2 after the restart" \
    ip netns exec aa-a ping -c 3 -i 0.3 -W 3 -q 10.0.0.2
# As a package upgrade does: a new file under the name, the old one
# unlinked; the restart runs the old one, under the same profile.
cp "$ENGINE_BIN" "$ENGINE_BIN.new" && mv -f "$ENGINE_BIN.new" "$ENGINE_BIN"
restarted "$PID_A" "restart after the binary was replaced on disk"
check "the restarted engine runs the replaced (deleted) file" \
    eval 'readlink "/proc/$(engine_of "$PID_A")/exe" | grep -q "(deleted)$"'
check "ping 10.0.0.2 after that restart" \
    ip netns exec aa-a ping -c 3 -i 0.3 -W 3 -q 10.0.0.2

# A status line (SIGUSR1 to the children passes through the profiles),
# then a clean stop.
kill -USR1 "$PID_A"
sleep 1
for p in $PID_A $PID_B; do
	kill -TERM "$p"
	wait "$p"
	check "ipipd $p exited 0 after SIGTERM" test $? -eq 0
done
pids=()
grep -h 'engine:' "$T/a.log" | tail -n 2 | sed 's/^/    a.log | /'

if [ -z "$(denials)" ]; then
	pass "no apparmor DENIED line in the kernel log"
else
	fail "apparmor DENIED lines:"
	denials | sed 's/^/    | /'
fi

# The profiles bite: unconfined root reads /etc/shadow; the confined
# parent may not (ipipd -n -f FILE reads FILE and nothing else).
check "unconfined root reads /etc/shadow" head -c 1 /etc/shadow >/dev/null
out=$("$IPIPD" -n -f /etc/shadow 2>&1)
rc=$?
echo "    ipipd -n -f /etc/shadow: status $rc: $out"
check "confined ipipd cannot read /etc/shadow" \
    test "$rc" -eq 1 -a -n "$(echo "$out" | grep 'Permission denied')"
check "the kernel logged that denial" \
    test -n "$(denials | grep 'profile="ipipd"' | grep 'name="/etc/shadow"')"
# The engine's profile executes nothing and reads no file.
if command -v aa-exec >/dev/null 2>&1; then
	out=$(aa-exec -p ipipd-engine -- /bin/cat /etc/shadow 2>&1)
	rc=$?
	echo "    aa-exec -p ipipd-engine cat /etc/shadow: status $rc: $out"
	check "under ipipd-engine, /etc/shadow cannot be read" \
	    test "$rc" -ne 0 -a -n "$(denials | grep 'profile="ipipd-engine"' |
	    grep 'name="/etc/shadow"')"
fi
denials | sed 's/^/    expected denial | /'

# As systemd starts it (User=_ipipd, AmbientCapabilities=,
# CapabilityBoundingSet=, NoNewPrivileges=yes): side a that way, side b
# as root.  The VM's own /dev/net/tun gets Debian's usual mode 0666.
dmesg -C
chmod 0666 /dev/net/tun
SP="setpriv --reuid=_ipipd --regid=_ipipd --clear-groups --no-new-privs
    --inh-caps=-all,+net_admin,+net_raw --ambient-caps=-all,+net_admin,+net_raw
    --bounding-set=-all,+net_admin,+net_raw"
upx() {	# upx NS DEV REMOTE LOG [WRAPPER...]
	local ns=$1 dev=$2 rem=$3 log=$4 n=150
	shift 4
	ip netns exec "$ns" "$@" "$IPIPD" -d dev "$dev" remote "$rem" >"$log" 2>&1 </dev/null &
	pids+=($!)
	UP_PID=$!
	while ! grep -q 'tunnel up:' "$log"; do
		n=$((n - 1))
		if [ "$n" -eq 0 ] || ! kill -0 "$UP_PID" 2>/dev/null; then
			fail "ipipd in $ns ($*) did not come up:"
			sed 's/^/    | /' "$log"
			return 1
		fi
		sleep 0.2
	done
	pass "ipipd in $ns ($*): $(grep 'tunnel up:' "$log")"
}
# shellcheck disable=SC2086
if upx aa-a t1 192.0.2.2 "$T/a1.log" $SP && PID_A=$UP_PID &&
    upx aa-b t1 192.0.2.1 "$T/b1.log" && PID_B=$UP_PID; then
	ip -n aa-a addr add 10.0.1.1 peer 10.0.1.2/32 dev t1
	ip -n aa-b addr add 10.0.1.2 peer 10.0.1.1/32 dev t1
	check "NoNewPrivs start: ping 10.0.1.2" \
	    ip netns exec aa-a ping -c 3 -i 0.3 -W 3 -q 10.0.1.2
	confined "$PID_A" ipipd
	for k in $(pgrep -P "$PID_A"); do
		case $(cat "/proc/$k/comm") in
		ipipd-engine) confined "$k" 'ipipd//&ipipd-engine' ;;
		ipipd-resolver) confined "$k" 'ipipd//&ipipd-resolver' ;;
		esac
	done
	echo "    parent: $(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs)' /proc/$PID_A/status | tr '\n\t' '  ')"
	# The service-user parent under NoNewPrivs restarts it too, from a
	# replaced file again.
	cp "$ENGINE_BIN" "$ENGINE_BIN.new" && mv -f "$ENGINE_BIN.new" "$ENGINE_BIN"
	restarted "$PID_A" "NoNewPrivs start: restart after the binary was replaced"
	check "NoNewPrivs start: ping 10.0.1.2 after the restart" \
	    ip netns exec aa-a ping -c 3 -i 0.3 -W 3 -q 10.0.1.2
fi
if [ -z "$(denials)" ]; then
	pass "NoNewPrivs start: no apparmor DENIED line"
else
	fail "NoNewPrivs start: apparmor DENIED lines:"
	denials | sed 's/^/    | /'
fi

# The TCP roles (issue 16): a prefix server in aa-a writing its
# assignments file, a client in aa-b; ping the client's address.
dmesg -C
POOLF=/var/lib/ipipd/pool/aa-guest-$$.json
ip -n aa-a addr add 2001:db8:ffff::1/128 dev lo
tcpup() {	# tcpup NS LOG ARGS...
	local ns=$1 log=$2 n=150
	shift 2
	ip netns exec "$ns" "$IPIPD" -d "$@" >"$log" 2>&1 </dev/null &
	pids+=($!)
	UP_PID=$!
	while ! grep -q 'tunnel up:' "$log"; do
		n=$((n - 1))
		if [ "$n" -eq 0 ] || ! kill -0 "$UP_PID" 2>/dev/null; then
			fail "ipipd in $ns ($*) did not come up:"
			sed 's/^/    | /' "$log"
			return 1
		fi
		sleep 0.2
	done
	pass "ipipd in $ns: $(grep 'tunnel up:' "$log")"
}
if tcpup aa-a "$T/tsrv.log" dev tp0 serve tcp listen 192.0.2.1 port 4444 \
    prefix-pool 2001:db8:100::/48 assignments "$POOLF" && PID_S=$UP_PID &&
    tcpup aa-b "$T/tcli.log" dev tc0 remote 192.0.2.1 encap tcp \
    encap-dport 4444 route 2001:db8:ffff::/48 && PID_C=$UP_PID; then
	n=100
	while ! grep -q 'prefix .* assigned by' "$T/tcli.log" && [ "$n" -gt 0 ]; do
		sleep 0.2
		n=$((n - 1))
	done
	check "tcp client got a prefix" grep -q 'prefix 2001:db8:100:1::/64 assigned by' "$T/tcli.log"
	check "tcp: ping the client's address from the server" \
	    ip netns exec aa-a ping -6 -c 3 -i 0.3 -W 3 -q 2001:db8:100:1::1
	check "tcp: the assignments file was written" grep -q '2001:db8:100:1::/64' "$POOLF"
	# ipipctl under its profile: the server's client list (its SINCE
	# column reads the time zone) and the engine's tcp counters.
	out=$("$IPIPCTL" -s /run/ipipd/tp0.sock show clients 2>&1)
	echo "$out" | sed 's/^/    ipipctl show clients | /'
	check "ipipctl show clients: the client, up, with its /64" \
	    eval 'echo "$out" | grep -Eq " up +2001:db8:100:1::/64 +192.0.2.2 port [0-9]+ "'
	out=$("$IPIPCTL" -s /run/ipipd/tp0.sock show stats 2>&1)
	check "ipipctl show stats: tcp clients 1" \
	    eval 'echo "$out" | grep -Eq "^    clients +1$"'
	confined "$PID_S" ipipd
	confined "$PID_C" ipipd
	for p in $PID_S $PID_C; do
		for k in $(pgrep -P "$p"); do
			case $(cat "/proc/$k/comm") in
			ipipd-engine) confined "$k" 'ipipd//&ipipd-engine' ;;
			ipipd-resolver) confined "$k" 'ipipd//&ipipd-resolver' ;;
			esac
		done
	done
	for p in $PID_C $PID_S; do
		kill -TERM "$p"
		wait "$p"
		check "tcp: ipipd $p exited 0 after SIGTERM" test $? -eq 0
	done
fi
rm -f "$POOLF" "$POOLF.tmp"
if [ -z "$(denials)" ]; then
	pass "tcp roles: no apparmor DENIED line"
else
	fail "tcp roles: apparmor DENIED lines:"
	denials | sed 's/^/    | /'
fi
