#!/bin/bash
# make bench: ipipd beside the tunnels a user would otherwise pick, in the
# same runs of the shared harness (../shared/bench/tunnel-bench, see its
# README.md), then ping latency through ipipd against the bare veth,
# kernel VXLAN and socat, the cost of waking a process on this host, and
# the engine's resident memory under load.
#
# Per family two harness runs: raw IP-in-IP (4in4 / 6in6) beside veth,
# kernel VXLAN, fastd and socat, then ipipd with `encap fou` (UDP port
# 5555 both ways) beside veth and kernel VXLAN again, so that FOU is
# compared with VXLAN in the same run.
#
#   tests/bench/run.sh [-- HARNESS-OPTIONS]
#
# Environment:
#   BUILD          build directory (default build)
#   TUNNEL_BENCH   the harness (default ../shared/bench/tunnel-bench)
#   BENCH_FAMILIES which runs: "4" (4in4), "6" (6in6); default "4 6"
#   BENCH_CASES    peer cases beside ipipd (default: veth vxlan fastd socat)
#   BENCH_ENCAPS   which ipipd encapsulations: "raw", "fou"; default
#                  "raw fou" (one harness run each per family)
#   BENCH_FOU_CASES peer cases beside ipipd FOU (default: veth vxlan)
#   BENCH_IPIPD_ARGS extra ipipd words, e.g. "offload off"
#   BENCH_RUNS     harness runs per family and encapsulation (default 1);
#                  with more, each run's table and then the median of
#                  ipipd's per-run ratios to fastd and VXLAN
#   BENCH_OUT      where TSVs, RSS samples and the summary go
#                  (default $BUILD/bench)
#   BENCH_ONLY     "latency": only the ping test, no harness runs
#
# Needs root.  Figures only compare within one harness run; see
# tests/bench/RESULTS.md for the recorded ones.
set -u

TOPDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOPDIR/$BUILD ;; esac
IPIPD=$BUILD/ipipd
WRAP=$TOPDIR/tests/bench/ipipd-under-bench.sh
HARNESS=${TUNNEL_BENCH:-$TOPDIR/../shared/bench/tunnel-bench}
FAMILIES=${BENCH_FAMILIES:-4 6}
PEERS=${BENCH_CASES:-veth vxlan fastd socat}
ENCAPS=${BENCH_ENCAPS:-raw fou}
FOU_PEERS=${BENCH_FOU_CASES:-veth vxlan}
FOU_PORT=5555
EXTRA=${BENCH_IPIPD_ARGS:-}
RUNS=${BENCH_RUNS:-1}
OUT=${BENCH_OUT:-$BUILD/bench}
[ "${1:-}" = -- ] && shift

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces, TUN devices)"
[ -x "$HARNESS" ] || die "no harness at $HARNESS (set TUNNEL_BENCH)"
for b in ipipd ipipd-engine ipipd-resolver; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b not built (run make)"
done
id _ipipd >/dev/null 2>&1 || die "service user _ipipd missing (see README)"
case $RUNS in ''|*[!0-9]*|0*) die "BENCH_RUNS must be a number from 1: $RUNS" ;; esac
mkdir -p "$OUT" || die "cannot make $OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

# One harness run per family and encapsulation: ipipd as the custom
# case.  Raw: the outer header is 20 bytes over IPv4 and 48 over IPv6
# (ip6tnl's default encapsulation limit option, which ipipd keeps), so
# the MTUs are 1480 and 1452.  FOU: outer IP and 8 bytes of UDP, as the
# kernel's fou (1472, 1452); the kernel writes the outer header, so no
# encapsulation limit option.
harness_run() {
	local fam=$1 encap=$2 run=$3 mtu tsv name args peers
	shift 3
	if [ "$encap" = fou ]; then
		mtu=$((fam == 4 ? 1472 : 1452))
		name=ipipd-fou peers=$FOU_PEERS
		args="encap fou encap-dport $FOU_PORT encap-sport $FOU_PORT"
	else
		mtu=$((fam == 4 ? 1480 : 1452))
		name=ipipd peers=$PEERS args=
	fi
	tsv=$OUT/tb-$STAMP-$fam-$encap.tsv
	[ "$RUNS" -gt 1 ] && tsv=$OUT/tb-$STAMP-$fam-$encap-run$run.tsv
	rm -f "$OUT/rss-$fam-$encap-A" "$OUT/rss-$fam-$encap-B"
	# shellcheck disable=SC2016
	TB_CUSTOM_NAME=$name TB_CUSTOM_MTU=$mtu \
	TB_CUSTOM_VERSION="ipipd $(git -C "$TOPDIR" describe --always --dirty 2>/dev/null)" \
	TB_CUSTOM_A="exec sh $WRAP $OUT/rss-$fam-$encap-@SIDE@ $IPIPD dev @IF@ local @LOCAL@ remote @REMOTE@ mtu @MTU@ $args $EXTRA" \
	TB_CUSTOM_B="exec sh $WRAP $OUT/rss-$fam-$encap-@SIDE@ $IPIPD dev @IF@ local @LOCAL@ remote @REMOTE@ mtu @MTU@ $args $EXTRA" \
	    "$HARNESS" -u "$fam" -i "$fam" -o "$tsv" "$@" $peers custom
	echo "$tsv"
}

# Ratios and CPU cost from one run's TSV.  CPU per Gbit/s: the two
# endpoints' CPU (% of one core) over the throughput; kernel cases have
# no endpoint process, so their whole-machine busy% stands in (marked).
summarize() {
	awk -F'\t' -v ncpu="$(nproc)" '
	NR == 1 { next }
	{
		k = $2 SUBSEP $3
		g[k] = $9; cpu[k] = $13 + $14; busy[k] = $17; oth[k] = $19
		if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
	}
	function r(a, b) { return (a != "" && b > 0) ? sprintf("%.2f", a / b) : "-" }
	END {
		printf "%-10s %-6s %8s %9s %9s %9s %14s %7s\n", "case", "dir",
		    "Gbit/s", "/fastd", "/vxlan", "/veth", "CPU%/(Gbit/s)", "other%"
		for (i = 1; i <= n; i++) for (d = 0; d < 2; d++) {
			c = order[i]; dir = d ? "B->A" : "A->B"; k = c SUBSEP dir
			if (c == "veth" || c == "vxlan")
				cp = g[k] > 0 ? sprintf("%.0f (busy)", busy[k] * ncpu / g[k]) : "-"
			else
				cp = g[k] > 0 ? sprintf("%.0f", cpu[k] / g[k]) : "-"
			printf "%-10s %-6s %8s %9s %9s %9s %14s %7s\n", c, dir,
			    g[k] == "" ? "-" : sprintf("%.2f", g[k]),
			    r(g[k], g["fastd" SUBSEP dir]), r(g[k], g["vxlan" SUBSEP dir]),
			    r(g[k], g["veth" SUBSEP dir]), cp, oth[k]
		}
	}' "$1"
}

# The median over several runs of ipipd's ratio to fastd and to VXLAN,
# each ratio taken within its own run (absolute figures drift between
# runs; ratios within one run do not).  Runs without the peer are left
# out, and the peer's line when no run has it (so med() never gets an
# empty list).
median_ratios() {
	local label=$1
	shift
	awk -F'\t' -v label="$label" '
	FNR == 1 { next }
	{ g[FILENAME, $2, $3] = $9; if ($2 ~ /^ipipd/) me = $2; f[FILENAME] = 1 }
	function med(list,   n, a, i, j, t, m) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && (a[j - 1] + 0) > (a[j] + 0); j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		if (n % 2)
			m = a[(n + 1) / 2]
		else
			m = (a[n / 2] + a[n / 2 + 1]) / 2
		return sprintf("%.2f (%d runs)", m, n)
	}
	END {
		printf "\n== %s: median of the per-run ratios\n", label
		split("fastd vxlan", peers, " ")
		for (p = 1; p <= 2; p++) for (d = 0; d < 2; d++) {
			dir = d ? "B->A" : "A->B"; list = ""
			for (fn in f) {
				a = g[fn, me, dir]; b = g[fn, peers[p], dir]
				if (a != "" && b > 0)
					list = list sprintf(" %.4f", a / b)
			}
			if (list != "")
				printf "%s %s /%s: %s\n", me, dir, peers[p], med(list)
		}
	}' "$@"
}

# ---- ping latency: ipipd beside the bare veth, VXLAN and socat ------
# All over one veth pair, in turn: the bare veth is the floor, kernel
# VXLAN what a tunnel costs inside the kernel, socat (UDP<->TUN, one
# packet per system call) what a plain user-space tunnel costs.
NS_A="ipbench$$a" NS_B="ipbench$$b" VETH="ipbv$$"
LAT_PIDS=()
lat_cleanup() {
	local p
	for p in "${LAT_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	LAT_PIDS=()
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap 'lat_cleanup' EXIT
trap 'exit 1' INT TERM HUP

median_rtt_us() { # NS FAMILY ADDR -> median RTT of 100 pings, microseconds
	ip netns exec "$1" ping -"$2" -n -c 100 -i 0.01 -W 1 "$3" 2>/dev/null |
	    sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR < 50) { print "-"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f", m * 1000 }'
}

lat_inner() { # FAMILY NET HOST -> inner address/prefix
	if [ "$1" = 4 ]; then echo "10.$2.0.$3/24"; else echo "fd00:$2::$3/64"; fi
}

wait_link() { # NS IFNAME: up to 5 s for a device a process creates
	local _
	for _ in $(seq 50); do
		ip -n "$1" link show dev "$2" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# Kernel VXLAN (net 7) and, when installed, socat (net 8) beside ipipd
# (net 9).  One that fails to come up shows as "-" in the table.
lat_peers() { # FAMILY LOCAL-A LOCAL-B NODAD
	local fam=$1 side ns l r n u=UDP4-DATAGRAM
	[ "$fam" = 6 ] && u=UDP6-DATAGRAM
	for side in A B; do
		if [ $side = A ]; then ns=$NS_A l=$2 r=$3 n=1
		else ns=$NS_B l=$3 r=$2 n=2; fi
		ip -n "$ns" link add "vxl$$" type vxlan id 42 local "$l" \
		    remote "$r" dstport 4789 dev "${VETH}${side,}" &&
		ip -n "$ns" addr add "$(lat_inner "$fam" 7 $n)" dev "vxl$$" $4 &&
		ip -n "$ns" link set "vxl$$" up
		command -v socat >/dev/null || continue
		[ "$fam" = 6 ] && l="[$l]" r="[$r]"
		ip netns exec "$ns" socat "$u:$r:9000,bind=$l:9000" \
		    "TUN,tun-type=tun,iff-no-pi,iff-up,tun-name=scl$$" \
		    >"$OUT/lat-$fam-socat-$side.log" 2>&1 </dev/null &
		LAT_PIDS+=("$!")
		wait_link "$ns" "scl$$" &&
		ip -n "$ns" addr add "$(lat_inner "$fam" 8 $n)" dev "scl$$" $4
	done
}

# Prints "FAMILY VETH VXLAN SOCAT IPIPD", median RTTs in microseconds.
latency_run() {
	local fam=$1 la lb plen ns side l r nodad='' peer rtts=''
	[ "$fam" = 6 ] && nodad=nodad
	if [ "$fam" = 4 ]; then
		la=192.0.2.1 lb=192.0.2.2 plen=24
	else
		la=2001:db8::1 lb=2001:db8::2 plen=64
	fi
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add "${VETH}a" netns "$NS_A" type veth peer name "${VETH}b" \
	    netns "$NS_B" ||
		{ echo "IPv$fam: could not make the namespaces"; return 1; }
	for side in A B; do
		if [ $side = A ]; then ns=$NS_A l=$la r=$lb
		else ns=$NS_B l=$lb r=$la; fi
		ip -n "$ns" link set lo up
		ip -n "$ns" link set "${VETH}${side,}" up
		ip -n "$ns" addr add "$l/$plen" dev "${VETH}${side,}" $nodad
		ip netns exec "$ns" "$IPIPD" -d dev "iplat$$" local "$l" \
		    remote "$r" $EXTRA >"$OUT/lat-$fam-$side.log" 2>&1 </dev/null &
		LAT_PIDS+=("$!")
	done
	for side in A B; do
		ns=$NS_A; [ $side = B ] && ns=$NS_B
		for _ in $(seq 50); do
			grep -q 'tunnel up:' "$OUT/lat-$fam-$side.log" && break
			sleep 0.1
		done
		grep -q 'tunnel up:' "$OUT/lat-$fam-$side.log" ||
			{ echo "IPv$fam: ipipd $side did not come up"; return 1; }
		l=1; [ $side = B ] && l=2
		ip -n "$ns" addr add "$(lat_inner "$fam" 9 $l)" dev "iplat$$" $nodad
	done
	lat_peers "$fam" "$la" "$lb" "$nodad"
	for peer in "$lb" 7 8 9; do
		[ "$peer" = "$lb" ] || peer=$(lat_inner "$fam" "$peer" 2)
		peer=${peer%/*}
		# Warm up: neighbour discovery, first-packet paths.
		ip netns exec "$NS_A" ping -"$fam" -c 3 -i 0.2 -W 2 "$peer" \
		    >/dev/null 2>&1
		rtts="$rtts $(median_rtt_us "$NS_A" "$fam" "$peer")"
	done
	echo "$fam$rtts"
}

# The cost of waking a sleeping process, across two CPUs and on one:
# the floor under any user-space tunnel's added latency.
wake_floor() {
	local w=$BUILD/tests/wake_rtt
	[ -x "$w" ] || { echo "  (no $w: make $w)"; return; }
	[ "$(nproc)" -gt 1 ] && "$w" 0 1 | sed 's/^/  /'
	"$w" 0 0 | sed 's/^/  /'
}

# --------------------------------------------------------------- main
SUMMARY=$OUT/summary-$STAMP.txt
{
	echo "ipipd bench $STAMP: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "ipipd $(git -C "$TOPDIR" describe --always --dirty 2>/dev/null) ${EXTRA:+($EXTRA)}"
} >"$SUMMARY"
for fam in $FAMILIES; do
	[ "${BENCH_ONLY:-}" = latency ] && break
	for encap in $ENCAPS; do
		tsvs=()
		for run in $(seq "$RUNS"); do
			tsv=$(harness_run "$fam" "$encap" "$run" "$@" |
			    tee /dev/stderr | tail -n 1)
			# A failed run leaves no TSV (mawk stops on a missing file).
			[ -s "$tsv" ] && tsvs+=("$tsv")
			{
				echo
				echo "== ${fam}in${fam} $encap: $tsv"
				[ -f "$tsv" ] && summarize "$tsv"
				printf 'engine peak RSS (VmHWM) under load: A %s KiB, B %s KiB\n' \
				    "$(cat "$OUT/rss-$fam-$encap-A" 2>/dev/null || echo -)" \
				    "$(cat "$OUT/rss-$fam-$encap-B" 2>/dev/null || echo -)"
			} >>"$SUMMARY"
		done
		if [ "$RUNS" -gt 1 ] && [ "${#tsvs[@]}" -gt 0 ]; then
			median_ratios "${fam}in${fam} $encap" "${tsvs[@]}" \
			    >>"$SUMMARY"
		fi
	done
done
echo >>"$SUMMARY"
{
	echo "ping RTT, median of 100 (us), in brackets added over the bare veth:"
	printf '  %-6s %-6s %-14s %-14s %s\n' family veth kernel-vxlan socat ipipd
	for fam in $FAMILIES; do
		# Not in a pipeline: LAT_PIDS must reach lat_cleanup here.
		latency_run "$fam" >"$OUT/lat-$fam.txt"
		lat_cleanup
		awk 'function added(v) { return (v ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/) ? sprintf("%s (%+d)", v, v - $2) : v }
		NF == 5 { printf "  IPv%-2s   %-6s %-14s %-14s %s\n", $1, $2,
		    added($3), added($4), added($5); next }
		{ print "  " $0 }' "$OUT/lat-$fam.txt"
	done
	echo "wake-up round trip of two processes over pipes (us; CPUs A/B):"
	wake_floor
} >>"$SUMMARY"
echo
cat "$SUMMARY"
echo "summary: $SUMMARY"
