# shellcheck shell=bash
#
# Shared helpers of the ipipd integration and wire tests.  Every test
# script sources this file first:
#
#	. "$(dirname "$0")/../lib.sh"
#
# It gives the test unique names, namespaces joined by a veth pair, ipipd
# start/stop helpers, assertions, and a trap that cleans everything up on
# exit, on error and on INT/TERM.
#
# Exit status of a test: 0 pass, 1 fail, 77 skip (tests/run.sh reads it).

set -u

TESTNAME=${TESTNAME:-$(basename "$0" .sh)}
TOPDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$TOPDIR/$BUILD ;;
esac
IPIPD=$BUILD/ipipd
IPIPCTL=$BUILD/ipipctl
PYTHON=/usr/bin/python3		# the one with scapy; never a bare python3
WIREDIR=$TOPDIR/tests/wire

# Unique per run.  Namespace names may be long; interface names must stay
# within IFNAMSIZ - 1 = 15 characters, so they get a short id of their own.
RUNID="ipt$$x$RANDOM"
SID=$(printf '%04x%x' "$RANDOM" "$(($$ % 16))")	# 5 hex digits

# The usual two-namespace lab (see mk_pair).
V4A=192.0.2.1
V4B=192.0.2.2
V6A=2001:db8::1
V6B=2001:db8::2
IN4A=10.0.0.1
IN4B=10.0.0.2
IN6A=fd00:cafe::1
IN6B=fd00:cafe::2

_NAMESPACES=()
_DAEMON_PIDS=()
_ETC_NETNS=()
_ERRORS=0
_CLEANED=0
_AT_CLEANUP=()

TMPD=$(mktemp -d "/tmp/$RUNID.XXXXXX") || {
	echo "FAIL: mktemp" >&2
	exit 1
}
chmod 0755 "$TMPD"

# ---------------------------------------------------------------- output

log() { printf '%s: %s\n' "$TESTNAME" "$*"; }

# Print and run a command (for readable logs).
run() {
	printf '+ %s\n' "$*"
	"$@"
}

# A failed check: print it, remember it, go on.  Return 1 so that callers
# can write `expect_eq ... || return 1` when the rest makes no sense.
error() {
	printf 'FAIL: %s\n' "$*"
	_ERRORS=$((_ERRORS + 1))
	return 1
}

# A fatal failure: print it and end the test (the trap cleans up).
die() {
	printf 'FAIL: %s\n' "$*"
	_ERRORS=$((_ERRORS + 1))
	exit 1
}

# The test cannot run here: exit 77, which run.sh reports as SKIP.
skip() {
	printf 'SKIP: %s\n' "$*"
	exit 77
}

ok() { printf 'ok: %s\n' "$*"; }

# End of a test: exit 0 when no check failed, else 1.
finish() {
	if [ "$_ERRORS" -ne 0 ]; then
		log "$_ERRORS check(s) failed"
		exit 1
	fi
	log "all checks passed"
	exit 0
}

# --------------------------------------------------------------- asserts

# expect_eq GOT WANT WHAT
expect_eq() {
	if [ "$1" = "$2" ]; then
		ok "$3 = '$2'"
	else
		error "$3: got '$1', want '$2'"
	fi
}

# expect_ne GOT UNWANTED WHAT
expect_ne() {
	if [ "$1" != "$2" ]; then
		ok "$3 = '$1' (not '$2')"
	else
		error "$3: got '$1', which it must not be"
	fi
}

# expect_match STRING ERE WHAT
expect_match() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3 matches /$2/"
	else
		error "$3: '$1' does not match /$2/"
	fi
}

# expect_file_match FILE ERE WHAT
expect_file_match() {
	if grep -Eq -- "$2" "$1" 2>/dev/null; then
		ok "$3: $(basename "$1") has /$2/"
	else
		error "$3: no line matching /$2/ in $1:"
		sed 's/^/    | /' "$1" 2>/dev/null | tail -n 40
		return 1
	fi
}

# expect_status GOT WANT WHAT
expect_status() {
	if [ "$1" -eq "$2" ]; then
		ok "$3: exit status $1"
	else
		error "$3: exit status $1, want $2"
	fi
}

# ---------------------------------------------------------- environment

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "must run as root"
}

# stage_build: sets STAGE to a copy of the three binaries in this test's
# own 0755 directory.  Started as the service user, ipipd has no
# capability that passes directory permissions: from a build tree under
# /root (mode 0700) it could neither be started nor reach its children,
# so such a test runs it from there, as an installed ipipd runs from /usr.
stage_build() {
	STAGE=$TMPD/stage
	mkdir -m 0755 "$STAGE" &&
		cp "$BUILD/ipipd" "$BUILD/ipipd-engine" "$BUILD/ipipd-resolver" \
		    "$STAGE/" ||
		die "copy the build to $STAGE"
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not installed"
	done
}

need_ipipd() {
	local b
	for b in ipipd ipipd-engine ipipd-resolver; do
		[ -x "$BUILD/$b" ] || die "$BUILD/$b not built (run make)"
	done
}

need_scapy() {
	[ -x "$PYTHON" ] || skip "$PYTHON missing"
	"$PYTHON" -c 'import scapy.all' >/dev/null 2>&1 ||
		skip "scapy not importable by $PYTHON (apt-get install python3-scapy)"
}

# The service user ipipd drops to.
ensure_user() {
	local u=${1:-_ipipd}
	id "$u" >/dev/null 2>&1 && return 0
	log "creating service user $u"
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$u" || die "useradd $u failed"
}

# Standard preamble of a test that runs ipipd.
setup_common() {
	need_root
	need_cmd ip timeout pgrep
	need_ipipd
	[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
	ensure_user _ipipd
}

# -------------------------------------------------------------- cleanup

# pid_running PID: the process exists and is not a zombie.
pid_running() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_gone PID SECONDS: poll until PID is gone; 1 on timeout.
wait_gone() {
	local pid=$1 n=$(($2 * 10))
	while [ "$n" -gt 0 ]; do
		pid_running "$pid" || return 0
		sleep 0.1
		n=$((n - 1))
	done
	! pid_running "$pid"
}

# Stop PIDS: TERM, up to 3 s, then KILL.
_stop_pids() {
	local p left=()
	for p in "$@"; do
		pid_running "$p" && kill -TERM "$p" 2>/dev/null
	done
	for p in "$@"; do
		wait_gone "$p" 3 || left+=("$p")
	done
	for p in "${left[@]+"${left[@]}"}"; do
		echo "cleanup: pid $p ignored SIGTERM, sending SIGKILL" >&2
		kill -KILL "$p" 2>/dev/null
	done
}

cleanup() {
	local ns pids d
	[ "$_CLEANED" -eq 1 ] && return 0
	_CLEANED=1
	set +e
	# The daemons we started, then anything still in our namespaces
	# (the daemons' children, tcpdump, scapy): all of it ours.
	_stop_pids "${_DAEMON_PIDS[@]+"${_DAEMON_PIDS[@]}"}"
	for ns in "${_NAMESPACES[@]+"${_NAMESPACES[@]}"}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && _stop_pids $pids
	done
	for p in "${_DAEMON_PIDS[@]+"${_DAEMON_PIDS[@]}"}"; do
		wait "$p" 2>/dev/null
	done
	for ns in "${_NAMESPACES[@]+"${_NAMESPACES[@]}"}"; do
		ip netns delete "$ns" 2>/dev/null
	done
	# Control sockets of our devices that a daemon killed with SIGKILL
	# left behind (every daemon of ours is gone by now).
	rm -f /run/ipipd/*"$SID".sock
	for d in "${_ETC_NETNS[@]+"${_ETC_NETNS[@]}"}"; do
		rm -rf -- "$d"
	done
	rmdir /etc/netns 2>/dev/null
	for d in "${_AT_CLEANUP[@]+"${_AT_CLEANUP[@]}"}"; do
		eval "$d"
	done
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "cleanup: keeping $TMPD" >&2
	else
		rm -rf -- "$TMPD"
	fi
}

# at_cleanup CMD: run CMD (eval'd) at cleanup, after the daemons and
# namespaces are gone (e.g. userdel of a user the test made).
at_cleanup() { _AT_CLEANUP+=("$1"); }

_on_exit() {
	local rc=$?
	cleanup
	exit "$rc"
}
_on_signal() {
	trap - INT TERM
	echo "$TESTNAME: interrupted by signal" >&2
	cleanup
	exit 130
}
trap _on_exit EXIT
trap _on_signal INT TERM

# ------------------------------------------------------------ namespaces

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# mk_ns NAME: a new empty namespace with lo up.
mk_ns() {
	ip netns add "$1" || die "ip netns add $1"
	_NAMESPACES+=("$1")
	nsx "$1" ip link set lo up || die "lo up in $1"
}

# mk_pair: namespaces NS_A and NS_B joined by a veth pair VETH_A/VETH_B
# carrying 192.0.2.1/24 - 192.0.2.2/24 and 2001:db8::1/64 - ::2/64.
mk_pair() {
	NS_A=${RUNID}a
	NS_B=${RUNID}b
	VETH_A=va$SID
	VETH_B=vb$SID
	mk_ns "$NS_A"
	mk_ns "$NS_B"
	ip link add "$VETH_A" netns "$NS_A" type veth \
	    peer name "$VETH_B" netns "$NS_B" || die "veth pair"
	nsx "$NS_A" ip address add "$V4A/24" dev "$VETH_A" || die "addr A"
	nsx "$NS_B" ip address add "$V4B/24" dev "$VETH_B" || die "addr B"
	nsx "$NS_A" ip address add "$V6A/64" dev "$VETH_A" nodad ||
		die "addr6 A"
	nsx "$NS_B" ip address add "$V6B/64" dev "$VETH_B" nodad ||
		die "addr6 B"
	nsx "$NS_A" ip link set "$VETH_A" up || die "veth A up"
	nsx "$NS_B" ip link set "$VETH_B" up || die "veth B up"
	wait_until 5 nsx "$NS_A" ping -c 1 -W 1 -q "$V4B" >/dev/null ||
		die "veth pair: $V4B unreachable from $NS_A"
	wait_until 5 nsx "$NS_A" ping -6 -c 1 -W 1 -q "$V6B" >/dev/null ||
		die "veth pair: $V6B unreachable from $NS_A"
}

# hosts_file NS LINE...: /etc/netns/NS/hosts, which `ip netns exec NS`
# mounts over /etc/hosts.
hosts_file() {
	local ns=$1 d=/etc/netns/$1
	shift
	mkdir -p "$d" || die "mkdir $d"
	_ETC_NETNS+=("$d")
	{
		echo "127.0.0.1 localhost"
		echo "::1 localhost"
		printf '%s\n' "$@"
	} >"$d/hosts"
}

# wait_until SECONDS CMD...: run CMD every 0.2 s until it succeeds.
wait_until() {
	local n=$(($1 * 5))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# ---------------------------------------------------------------- ipipd

# start_ipipd NS LOG ARGS...: start `ipipd -d ARGS` in NS in the
# background; its stdout and stderr go to LOG.  Sets IPIPD_PID.  Does not
# wait; see wait_up.  SIGINT/SIGQUIT are reset to default: a shell without
# job control would otherwise start the daemon with them ignored.
start_ipipd() {
	local ns=$1 logf=$2
	shift 2
	printf '+ ip netns exec %s ipipd -d %s  (log %s)\n' "$ns" "$*" \
	    "$(basename "$logf")"
	# Empty now: the background job's own redirection may come after the
	# caller's first look at the log, which would see the old contents.
	: >"$logf"
	# IPIPD_WRAPPER: a command line to run ipipd under (tests/valgrind.sh).
	# shellcheck disable=SC2086
	env --default-signal=INT,QUIT ip netns exec "$ns" ${IPIPD_WRAPPER:-} \
	    "$IPIPD" -d "$@" >>"$logf" 2>&1 </dev/null &
	IPIPD_PID=$!
	_DAEMON_PIDS+=("$IPIPD_PID")
}

# show_log FILE: the file, indented, for failure reports.
show_log() {
	echo "---- $1"
	sed 's/^/    | /' "$1" 2>/dev/null | tail -n "${2:-60}"
	echo "----"
}

# wait_log FILE ERE SECONDS [PID]: poll FILE for a line matching ERE.
# Returns 1 on timeout or when PID has exited meanwhile.
wait_log() {
	local f=$1 re=$2 n=$(($3 * 10)) pid=${4:-}
	while [ "$n" -gt 0 ]; do
		grep -Eq -- "$re" "$f" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! pid_running "$pid"; then
			grep -Eq -- "$re" "$f" 2>/dev/null && return 0
			return 1
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_up LOG PID [SECONDS]: wait for `tunnel up:`; die with the log if it
# does not come.
wait_up() {
	local logf=$1 pid=$2 t=${3:-${WAIT_UP_SECONDS:-10}}
	if ! wait_log "$logf" 'tunnel up:' "$t" "$pid"; then
		if pid_running "$pid"; then
			error "no 'tunnel up:' within ${t}s (pid $pid)"
		else
			wait "$pid"
			error "ipipd exited with status $? before 'tunnel up:'"
		fi
		show_log "$logf"
		exit 1
	fi
	grep -E 'tunnel up:' "$logf" | head -n 1
}

# up_line LOG: the `tunnel up:` line.
up_line() { grep -E 'tunnel up:' "$1" | head -n 1; }

# ipipd_up NS LOG ARGS...: start and wait for `tunnel up:` (IPIPD_PID).
ipipd_up() {
	local ns=$1 logf=$2
	start_ipipd "$@"
	wait_up "$logf" "$IPIPD_PID"
}

# stop_ipipd PID LOG [SIG]: send SIG (TERM), wait up to 5 s, check exit
# status 0 and an `exiting` line.  Sets STOP_STATUS.
stop_ipipd() {
	local pid=$1 logf=$2 sig=${3:-TERM}
	STOP_STATUS=
	if ! pid_running "$pid"; then
		wait "$pid"
		STOP_STATUS=$?
		error "ipipd pid $pid had already exited (status $STOP_STATUS)"
		show_log "$logf"
		return 1
	fi
	kill -"$sig" "$pid"
	if ! wait_gone "$pid" "${STOP_SECONDS:-5}"; then
		error "ipipd pid $pid still running ${STOP_SECONDS:-5} s after SIG$sig"
		show_log "$logf"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 1
	fi
	wait "$pid"
	STOP_STATUS=$?
	if [ "$STOP_STATUS" -ne 0 ]; then
		error "ipipd exited with status $STOP_STATUS after SIG$sig, want 0"
		show_log "$logf"
		return 1
	fi
	ok "ipipd exited 0 after SIG$sig"
	expect_file_match "$logf" 'exiting' "log after SIG$sig"
}

# ----------------------------------------------------------- TUN devices

# mk_tun NS NAME: a persistent TUN device (not up, no addresses).
mk_tun() {
	nsx "$1" ip tuntap add mode tun name "$2" || die "ip tuntap add $2 in $1"
}

# tun_addrs NS DEV LOCAL4 PEER4 LOCAL6 PEER6: point-to-point addresses.
tun_addrs() {
	nsx "$1" ip address add "$3" peer "$4/32" dev "$2" ||
		die "add $3 peer $4 on $2"
	nsx "$1" ip address add "$5" peer "$6/128" dev "$2" nodad ||
		die "add $5 peer $6 on $2"
}

# link_exists NS DEV
link_exists() { nsx "$1" ip link show dev "$2" >/dev/null 2>&1; }

# link_mtu NS DEV: the device's MTU.
link_mtu() {
	nsx "$1" cat "/sys/class/net/$2/mtu" 2>/dev/null
}

# links NS: one line per link name, sorted (to compare before/after).
links() {
	nsx "$1" ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		sort
}

# ------------------------------------------------------------------ ping

# ping_ok NS DEST SIZE [COUNT]: ping with DF (-M do) and the given payload
# size; all COUNT (2) echoes must be answered.
ping_ok() {
	local ns=$1 dst=$2 size=$3 count=${4:-2} fam=-4 out rc
	case $dst in *:*) fam=-6 ;; esac
	out=$(nsx "$ns" ping "$fam" -n -q -M do -s "$size" -c "$count" \
	    -i 0.2 -W 2 "$dst" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] &&
	    printf '%s\n' "$out" | grep -Eq " $count received"; then
		ok "ping $fam -s $size $dst from $ns: $count/$count"
		return 0
	fi
	error "ping $fam -M do -s $size -c $count $dst from $ns (status $rc):"
	printf '%s\n' "$out" | sed 's/^/    | /'
	return 1
}

# -------------------------------------------------------- tunnel helpers

# side_up SIDE MODE TUN LOG ARGS...: one tunnel end in NS_A (SIDE a) or
# NS_B (SIDE b).  MODE pre: the TUN device is made and addressed before
# ipipd starts; MODE auto: ipipd creates it and the addresses are added
# after `tunnel up:`.  ARGS follow `dev TUN` on ipipd's command line.
# SIDE_FLAGS (word-split) go before `dev`, e.g. SIDE_FLAGS=-4.
# Sets PID_A or PID_B.
side_up() {
	local side=$1 mode=$2 tun=$3 logf=$4 ns l4 p4 l6 p6
	shift 4
	if [ "$side" = a ]; then
		ns=$NS_A l4=$IN4A p4=$IN4B l6=$IN6A p6=$IN6B
	else
		ns=$NS_B l4=$IN4B p4=$IN4A l6=$IN6B p6=$IN6A
	fi
	if [ "$mode" = pre ]; then
		mk_tun "$ns" "$tun"
		# Up first (NO-CARRIER until ipipd attaches): the kernel drops
		# the route to an IPv6 peer address added while the device is
		# down, and does not bring it back on link up.
		nsx "$ns" ip link set "$tun" up || die "ip link set $tun up"
		tun_addrs "$ns" "$tun" "$l4" "$p4" "$l6" "$p6"
	elif link_exists "$ns" "$tun"; then
		die "$tun exists in $ns before ipipd creates it"
	fi
	# shellcheck disable=SC2086
	ipipd_up "$ns" "$logf" ${SIDE_FLAGS:-} dev "$tun" "$@"
	if [ "$mode" = auto ]; then
		link_exists "$ns" "$tun" ||
			die "ipipd is up but $tun does not exist in $ns"
		tun_addrs "$ns" "$tun" "$l4" "$p4" "$l6" "$p6"
	fi
	if [ "$side" = a ]; then PID_A=$IPIPD_PID; else PID_B=$IPIPD_PID; fi
}

# pair_up OUTER MODE TUN_A TUN_B [ARGS...]: both ends, outer family 4 or
# 6 given by literal remote addresses; ARGS are added on both sides.
# Logs in $TMPD/a.log and $TMPD/b.log (LOG_A, LOG_B).
pair_up() {
	local outer=$1 mode=$2 ta=$3 tb=$4 ra rb
	shift 4
	if [ "$outer" = 4 ]; then ra=$V4B rb=$V4A; else ra=$V6B rb=$V6A; fi
	LOG_A=$TMPD/a.$ta.log
	LOG_B=$TMPD/b.$tb.log
	side_up a "$mode" "$ta" "$LOG_A" remote "$ra" "$@"
	side_up b "$mode" "$tb" "$LOG_B" remote "$rb" "$@"
}

# pair_down TUN_A TUN_B: stop both ends (checking exit 0 and `exiting`),
# then delete the TUN devices if they are still there.
pair_down() {
	stop_ipipd "$PID_A" "$LOG_A"
	stop_ipipd "$PID_B" "$LOG_B"
	nsx "$NS_A" ip link delete "$1" 2>/dev/null
	nsx "$NS_B" ip link delete "$2" 2>/dev/null
	return 0
}

# ping_sizes NS DEST MTU: DF pings of a few sizes up to a full MTU-sized
# packet (v4: MTU - 28, v6: MTU - 48 bytes of ICMP data).
ping_sizes() {
	local ns=$1 dst=$2 mtu=$3 hdr=28 s
	case $dst in *:*) hdr=48 ;; esac
	for s in 56 1000 $((mtu - hdr)); do
		ping_ok "$ns" "$dst" "$s"
	done
}

# ping_both MTU: every size, both inner families, both directions.
ping_both() {
	ping_sizes "$NS_A" "$IN4B" "$1"
	ping_sizes "$NS_B" "$IN4A" "$1"
	ping_sizes "$NS_A" "$IN6B" "$1"
	ping_sizes "$NS_B" "$IN6A" "$1"
}

# -------------------------------------------------------------- captures

# start_capture NS IFACE FILE [TCPDUMP ARGS...]: tcpdump into FILE in the
# background until stop_capture; waits until it listens.  Sets CAP_PID.
start_capture() {
	local ns=$1 ifc=$2 file=$3
	shift 3
	# Not through nsx: `func &` forks a subshell, and $! would be that
	# shell, not tcpdump (ip netns exec execs its command, same pid).
	: >"$file.err"
	ip netns exec "$ns" tcpdump --immediate-mode -Z root -i "$ifc" -n -U \
	    -s 0 -w "$file" "$@" 2>"$file.err" </dev/null &
	CAP_PID=$!
	_DAEMON_PIDS+=("$CAP_PID")
	wait_log "$file.err" 'listening on' 10 "$CAP_PID" || {
		cat "$file.err"
		die "tcpdump on $ifc in $ns did not start"
	}
}

# stop_capture PID: let tcpdump flush and exit.
stop_capture() {
	sleep 0.3
	# TERM: a background job of a script starts with SIGINT ignored.
	kill -TERM "$1" 2>/dev/null
	wait_gone "$1" 5 || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# mac NS IFACE
mac() { nsx "$1" cat "/sys/class/net/$2/address"; }

# wirepy NS ARGS...: tests/wire/wire.py in NS (NS "-" for none).
wirepy() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then
		"$PYTHON" "$WIREDIR/wire.py" "$@"
	else
		nsx "$ns" "$PYTHON" "$WIREDIR/wire.py" "$@"
	fi
}

# hold_b: in NS_B, keep raw sockets for protocols 4 and 41 open so that
# B's kernel (which has no tunnel there) does not send ICMP errors for
# the tunnel packets: B behaves like a tunnel endpoint.
hold_b() {
	wirepy "$NS_B" hold --seconds "${1:-280}" >"$TMPD/hold.log" 2>&1 &
	_DAEMON_PIDS+=("$!")
	wait_log "$TMPD/hold.log" 'holding' 10 "$!" || {
		cat "$TMPD/hold.log"
		die "wire.py hold did not start"
	}
}

# ------------------------------------------------------------- ipipctl

need_ipipctl() {
	[ -x "$IPIPCTL" ] || die "$IPIPCTL not built (run make)"
}

# jq_py JSON-FILE EXPR: evaluate the Python expression EXPR with j bound
# to the parsed JSON (ipipctl -j output) and print the result.
jq_py() {
	"$PYTHON" -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}
