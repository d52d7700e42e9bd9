#!/bin/bash
#
# ipipd demo (`make demo`): two network namespaces, "fox" and "rabbit",
# joined by a veth pair, and an ipipd tunnel between them for each of the
# four combinations in turn: 4in4, 6in4, 4in6, 6in6.  Like the README
# example, each side pre-creates its TUN device (tun-rabbit on fox,
# tun-fox on rabbit), names its peer by host name (from a per-namespace
# hosts file) and pins the outer family with -4 or -6.
#
# Everything is removed on exit, also on Ctrl-C.  Exit status 0 when
# every ping worked.  Needs root.  BUILD (default build) holds the
# binaries.

set -u

TOPDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$TOPDIR/$BUILD ;;
esac
IPIPD=$BUILD/ipipd

FOX=fox-$$
RABBIT=rabbit-$$
TMPD=
PIDS=()
FAILED=0
RESULTS=()

if [ -t 1 ]; then
	B=$(printf '\033[1m') G=$(printf '\033[32m') R=$(printf '\033[31m')
	N=$(printf '\033[0m')
else
	B= G= R= N=
fi

say() { printf '%s\n' "$*"; }
title() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }

# on HOST CMD...: show the command as run on fox or rabbit, then run it.
on() {
	local host=$1 ns
	shift
	case $host in
	fox) ns=$FOX ;;
	rabbit) ns=$RABBIT ;;
	esac
	printf '%-7s# %s\n' "$host" "$*"
	ip netns exec "$ns" "$@"
}

cleanup() {
	local p n
	trap - EXIT INT TERM
	set +e
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for n in 1 2 3 4 5 6 7 8 9 10; do
		p=
		for p in "${PIDS[@]+"${PIDS[@]}"}"; do
			kill -0 "$p" 2>/dev/null && break
			p=
		done
		[ -z "$p" ] && break
		sleep 0.2
	done
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for n in "$FOX" "$RABBIT"; do
		# Anything still running in our namespaces is ours.
		p=$(ip netns pids "$n" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$p" ] && kill -KILL $p 2>/dev/null
		ip netns delete "$n" 2>/dev/null
		rm -rf "/etc/netns/$n"
	done
	rmdir /etc/netns 2>/dev/null
	[ -n "$TMPD" ] && rm -rf "$TMPD"
}
trap 'cleanup; exit "$FAILED"' EXIT
trap 'say ""; say "interrupted, cleaning up"; FAILED=130; exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	say "demo.sh: needs root (network namespaces, TUN devices)" >&2
	FAILED=1
	exit 1
fi
for b in ipipd ipipd-engine ipipd-resolver; do
	if [ ! -x "$BUILD/$b" ]; then
		say "demo.sh: $BUILD/$b missing; run make first" >&2
		FAILED=1
		exit 1
	fi
done
TMPD=$(mktemp -d /tmp/ipipd-demo.XXXXXX) || { FAILED=1; exit 1; }

title "setup"
if ! id _ipipd >/dev/null 2>&1; then
	say "# creating the service user _ipipd"
	say "# useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin _ipipd"
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin _ipipd || { FAILED=1; exit 1; }
fi
say "# two namespaces joined by a veth pair"
say "# ip netns add $FOX; ip netns add $RABBIT"
ip netns add "$FOX" && ip netns add "$RABBIT" || { FAILED=1; exit 1; }
say "# ip link add veth-fox netns $FOX type veth peer name veth-rabbit netns $RABBIT"
ip link add veth-fox netns "$FOX" type veth \
    peer name veth-rabbit netns "$RABBIT" || { FAILED=1; exit 1; }
on fox ip link set lo up
on rabbit ip link set lo up
on fox ip address add 192.0.2.1/24 dev veth-fox
on fox ip address add 2001:db8::1/64 dev veth-fox nodad
on rabbit ip address add 192.0.2.2/24 dev veth-rabbit
on rabbit ip address add 2001:db8::2/64 dev veth-rabbit nodad
on fox ip link set veth-fox up
on rabbit ip link set veth-rabbit up
say "# host names, each namespace with its own /etc/hosts"
mkdir -p "/etc/netns/$FOX" "/etc/netns/$RABBIT"
printf '127.0.0.1 localhost\n192.0.2.2 rabbit.localdomain rabbit\n2001:db8::2 rabbit.localdomain rabbit\n' \
    >"/etc/netns/$FOX/hosts"
printf '127.0.0.1 localhost\n192.0.2.1 fox.localdomain fox\n2001:db8::1 fox.localdomain fox\n' \
    >"/etc/netns/$RABBIT/hosts"
sed 's/^/fox     : /' "/etc/netns/$FOX/hosts"
sed 's/^/rabbit  : /' "/etc/netns/$RABBIT/hosts"
ip netns exec "$FOX" ping -c 1 -W 2 -q 192.0.2.2 >/dev/null 2>&1 ||
	sleep 1

# start HOST LOG ARGS...: ipipd -d in the background; waits for
# `tunnel up:`.  Sets STARTED_PID.
start() {
	local host=$1 logf=$2 ns n
	shift 2
	case $host in
	fox) ns=$FOX ;;
	rabbit) ns=$RABBIT ;;
	esac
	printf '%-7s# ipipd %s &\n' "$host" "$*"
	env --default-signal=INT ip netns exec "$ns" "$IPIPD" -d "$@" \
	    >"$logf" 2>&1 </dev/null &
	STARTED_PID=$!
	PIDS+=("$STARTED_PID")
	for n in $(seq 100); do
		if grep -q 'tunnel up:' "$logf"; then
			sed -n 's/.*\(tunnel up:.*\)/        \1/p' "$logf"
			return 0
		fi
		kill -0 "$STARTED_PID" 2>/dev/null || break
		sleep 0.1
	done
	say "${R}ipipd on $host did not come up:${N}"
	sed 's/^/        | /' "$logf"
	return 1
}

# stop PID LOG HOST: Ctrl-C (SIGINT), as a user would.
stop() {
	local n
	printf '%-7s# ^C  (kill -INT %s)\n' "$3" "$1"
	kill -INT "$1" 2>/dev/null
	for n in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
	local rc=$?
	grep -h 'exiting' "$2" | sed 's/^/        /'
	[ "$rc" -eq 0 ] || say "${R}ipipd on $3 exited with status $rc${N}"
}

# ping_show HOST DEST: three pings, summary lines shown.
ping_show() {
	local host=$1 dst=$2 out rc ns
	case $host in
	fox) ns=$FOX ;;
	rabbit) ns=$RABBIT ;;
	esac
	printf '%-7s# ping -c 3 %s\n' "$host" "$dst"
	out=$(ip netns exec "$ns" ping -c 3 -i 0.3 -W 2 "$dst" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E 'transmitted|rtt|ping:' | sed 's/^/        /'
	return "$rc"
}

# combo NAME FLAG INNER DESCRIPTION
combo() {
	local name=$1 flag=$2 inner=$3 desc=$4 ok=1 pf pr
	title "$name: $desc"
	on fox ip tuntap add mode tun name tun-rabbit
	on rabbit ip tuntap add mode tun name tun-fox
	# Up before the addresses: the kernel loses the route to an IPv6
	# peer address added while the device is down.
	on fox ip link set tun-rabbit up
	on rabbit ip link set tun-fox up
	if [ "$inner" = 4 ]; then
		on fox ip address add 10.0.0.1 peer 10.0.0.2/32 dev tun-rabbit
		on rabbit ip address add 10.0.0.2 peer 10.0.0.1/32 dev tun-fox
	else
		on fox ip address add fd00:cafe::1 peer fd00:cafe::2/128 dev tun-rabbit nodad
		on rabbit ip address add fd00:cafe::2 peer fd00:cafe::1/128 dev tun-fox nodad
	fi
	if start fox "$TMPD/fox.$name.log" "$flag" dev tun-rabbit \
	    remote rabbit.localdomain; then
		pf=$STARTED_PID
	else
		ok=0 pf=
	fi
	if start rabbit "$TMPD/rabbit.$name.log" "$flag" dev tun-fox \
	    remote fox.localdomain; then
		pr=$STARTED_PID
	else
		ok=0 pr=
	fi
	if [ "$ok" -eq 1 ]; then
		if [ "$inner" = 4 ]; then
			ping_show fox 10.0.0.2 || ok=0
			ping_show rabbit 10.0.0.1 || ok=0
		else
			ping_show fox fd00:cafe::2 || ok=0
			ping_show rabbit fd00:cafe::1 || ok=0
		fi
	fi
	[ -n "$pf" ] && stop "$pf" "$TMPD/fox.$name.log" fox
	[ -n "$pr" ] && stop "$pr" "$TMPD/rabbit.$name.log" rabbit
	on fox ip link delete tun-rabbit
	on rabbit ip link delete tun-fox
	if [ "$ok" -eq 1 ]; then
		RESULTS+=("${G}ok${N}    $name  $desc")
	else
		RESULTS+=("${R}FAIL${N}  $name  $desc")
		FAILED=1
	fi
}

combo 4in4 -4 4 "IPv4 inside IPv4 (protocol 4, RFC 2003)"
combo 6in4 -4 6 "IPv6 inside IPv4 (protocol 41, RFC 4213)"
combo 4in6 -6 4 "IPv4 inside IPv6 (next header 4, RFC 2473)"
combo 6in6 -6 6 "IPv6 inside IPv6 (next header 41, RFC 2473)"

title "summary"
for r in "${RESULTS[@]}"; do
	say "$r"
done
if [ "$FAILED" -eq 0 ]; then
	say "every ping went through the tunnel"
else
	say "${R}some pings failed${N}"
fi
exit "$FAILED"
