#!/bin/bash
# make bench-tcp (and the end of make bench): the TCP transport (encap
# tcp to a serve tcp prefix server, issue 16) beside the raw ipipd
# tunnel (ip6ip6) and socat's TUN <-> UDP relay, between the same two
# namespaces in the same run, and a prefix server with many clients.
#
# Throughput: one iperf3 stream each way (server namespace -> client's
# inner address, and -R), inner IPv6, MTU 1500 for the TCP transport
# (the seed's) and 1452 for the others (1500 minus their outer
# headers); CPU is the two endpoint processes' (engines, or the socats),
# % of one core, over Gbit/s.
#
# Scale: BENCH_TCP_CLIENTS (10000) clients of one server from one
# process (tests/integration/tcp_many.py, from 10 source addresses):
# time until all are assigned, engine RSS over the number of clients,
# and one echo each through the server (all must be answered).
#
# Environment: BUILD (build), BENCH_TCP_SECONDS (iperf3 seconds, 8),
# BENCH_TCP_CLIENTS (10000), BENCH_OUT ($BUILD/bench).
set -u

TOPDIR=$(cd "$(dirname "$0")/../.." && pwd)
TESTNAME=bench-tcp
. "$TOPDIR/tests/lib.sh"
. "$TOPDIR/tests/integration/tcp_lib.sh"
setup_common
need_cmd iperf3 socat
SECS=${BENCH_TCP_SECONDS:-8}
NCLI=${BENCH_TCP_CLIENTS:-10000}
OUT=${BENCH_OUT:-$BUILD/bench}
mkdir -p "$OUT"
SUMMARY=$OUT/tcp-$(date -u +%Y%m%dT%H%M%SZ).txt
tcp_lab 1
# Point-to-point inner addresses, the same for the three: the client's
# /64 is fd00:77::/64, and its PREFIX::1 must not be the server's.
IN_S=fd00:78::1
IN_C=fd00:77::2

cpu_ticks() {	# cpu_ticks PID...: utime + stime of the processes
	local p t=0
	for p in "$@"; do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo "$t"
}

# measure NAME DST PIDS...: iperf3 both ways from NS_S to DST in NS_C1.
measure() {
	local name=$1 dst=$2 dir r t0 t1 w0 w1 gbps cpu
	shift 2
	for dir in fwd rev; do
		nsx "$NS_C1" iperf3 -s -1 -D -B "$dst" >/dev/null 2>&1
		sleep 0.5
		t0=$(cpu_ticks "$@")
		w0=$(date +%s%N)
		r=$(nsx "$NS_S" iperf3 -c "$dst" -t "$SECS" -O 1 -J \
		    $([ "$dir" = rev ] && echo -R) 2>/dev/null)
		w1=$(date +%s%N)
		t1=$(cpu_ticks "$@")
		gbps=$(printf '%s' "$r" | "$PYTHON" -c 'import json,sys
print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))' 2>/dev/null)
		cpu=$(( (t1 - t0) * 100 * 1000000000 / 100 / (w1 - w0) ))
		printf '%-10s %-4s %6s Gbit/s  CPU %3d%%  CPU%%/(Gbit/s) %s\n' \
		    "$name" "$dir" "${gbps:-fail}" "$cpu" \
		    "$("$PYTHON" -c "print('%.0f' % ($cpu / $gbps))" 2>/dev/null)" |
		    tee -a "$SUMMARY"
		eval "G_${name//-/_}_$dir=${gbps:-0}"
	done
}

engines() {	# engines PID...: their ipipd-engine children
	local p
	for p in "$@"; do pgrep -P "$p" -x ipipd-engine; done
}

echo "== throughput, $SECS s per direction, $(uname -r)" | tee "$SUMMARY"
# 1. The TCP transport; the client's /64 is fd00:77::/64 (assigned
# beforehand in the file), so both inner addresses are as for the others.
echo '{"bench": "fd00:77::/64"}' >"$TCP_FILE"
chown _ipipd "$TCP_FILE"
TCP_POOL=fd00::/16
tcp_server "$TMPD/s.log"
nsx "$NS_S" ip addr add "$IN_S/128" dev lo
tcp_client 1 "$TMPD/c.log" "$(tcp_srv4 1)" identifier bench
wait_prefix "$TMPD/c.log" "$CLI_PID" || exit 1
nsx "$NS_C1" ip addr add "$IN_C/128" dev lo
wait_until 5 nsx "$NS_S" ping -6 -c 1 -W 1 -I "$IN_S" "$IN_C" >/dev/null ||
	die "no path through the TCP transport"
measure tcp "$IN_C" $(engines "$SRV_PID" "$CLI_PID")
stop_ipipd "$CLI_PID" "$TMPD/c.log" >/dev/null
stop_ipipd "$SRV_PID" "$TMPD/s.log" >/dev/null
nsx "$NS_S" ip addr del "$IN_S/128" dev lo
nsx "$NS_C1" ip addr del "$IN_C/128" dev lo

# 2. The raw ipipd tunnel, ip6ip6 over the same veth.
ipipd_up "$NS_S" "$TMPD/rs.log" dev "rs$SID" remote fd00:1::2 mode ip6ip6 \
    address "$IN_S" peer "$IN_C" >/dev/null
RS=$IPIPD_PID
ipipd_up "$NS_C1" "$TMPD/rc.log" dev "rc$SID" remote fd00:1::1 mode ip6ip6 \
    address "$IN_C" peer "$IN_S" >/dev/null
RC=$IPIPD_PID
wait_until 5 nsx "$NS_S" ping -6 -c 1 -W 1 "$IN_C" >/dev/null ||
	die "no path through the raw tunnel"
measure raw "$IN_C" $(engines "$RS" "$RC")
stop_ipipd "$RC" "$TMPD/rc.log" >/dev/null
stop_ipipd "$RS" "$TMPD/rs.log" >/dev/null

# 3. socat, TUN <-> UDP datagrams (as ../shared/bench's socat case).
socat_side() {	# socat_side NS LOCAL REMOTE INNER DEV PEER
	ip netns exec "$1" socat "UDP6-DATAGRAM:[$3]:7000,bind=[$2]:7000" \
	    "TUN,tun-name=$5,tun-type=tun,iff-no-pi,iff-up" \
	    >/dev/null 2>&1 </dev/null &
	_DAEMON_PIDS+=("$!")
	SOCAT_PID=$!
	wait_until 5 nsx "$1" ip link show "$5" >/dev/null 2>&1 || die "socat $5"
	nsx "$1" ip link set "$5" mtu 1452
	nsx "$1" ip addr add "$4" peer "$6" dev "$5" nodad
}
socat_side "$NS_S" fd00:1::1 fd00:1::2 "$IN_S" "ss$SID" "$IN_C"
SS=$SOCAT_PID
socat_side "$NS_C1" fd00:1::2 fd00:1::1 "$IN_C" "sc$SID" "$IN_S"
SC=$SOCAT_PID
wait_until 5 nsx "$NS_S" ping -6 -c 1 -W 1 "$IN_C" >/dev/null ||
	die "no path through socat"
measure socat "$IN_C" "$SS" "$SC"
kill "$SS" "$SC"

for dir in fwd rev; do
	eval "t=\$G_tcp_$dir r=\$G_raw_$dir s=\$G_socat_$dir"
	"$PYTHON" -c "print('ratio $dir: tcp/raw %.2f  tcp/socat %.2f' % ($t / $r, $t / $s))" |
	    tee -a "$SUMMARY"
done

echo "== scale: $NCLI clients of one server" | tee -a "$SUMMARY"
TCP_POOL=2001:db8:100::/48
TCP_FILE=$TMPD/pool/many.json
tcp_server "$TMPD/ms.log" max-clients $((NCLI + 10)) \
    max-handshakes $((NCLI + 10)) max-handshakes-per-address $((NCLI + 10)) \
    >/dev/null
srcs=
for i in $(seq 10 19); do
	nsx "$NS_C1" ip addr add "198.51.100.$i/24" dev "c1$SID"
	srcs="$srcs 198.51.100.$i"
done
nsx "$NS_S" ping -6 -c 1 -W 2 "$TCP_HOST" >/dev/null
nsx "$NS_H" ping -6 -c 1 -W 2 2001:db8:ffff::1 >/dev/null
E=$(pgrep -P "$SRV_PID" -x ipipd-engine)
rss0=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$E/status")
mkfifo "$TMPD/hold"
# shellcheck disable=SC2086
nsx "$NS_C1" "$PYTHON" "$TOPDIR/tests/integration/tcp_many.py" \
    "$(tcp_srv4 1)" "$TCP_PORT" "$NCLI" "$TCP_HOST" $srcs \
    <"$TMPD/hold" >"$TMPD/many.log" 2>&1 &
MP=$!
_DAEMON_PIDS+=("$MP")
exec 7>"$TMPD/hold"
wait_log "$TMPD/many.log" '^(RESULT|FAIL)' 300 "$MP" || true
rss1=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$E/status")
{
	cat "$TMPD/many.log"
	echo "engine RSS: $rss0 KiB before, $rss1 KiB with $NCLI clients:" \
	    "$((rss1 * 1024 / NCLI)) bytes per client, all of the RSS counted"
} | tee -a "$SUMMARY"
exec 7>&-
wait "$MP"
echo "summary in $SUMMARY"
finish
