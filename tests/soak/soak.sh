#!/bin/bash
#
# Soak (issue 7; not part of make check): `make soak` runs
# `BUILD=build SOAK_SECONDS=300 tests/soak/soak.sh`.
#
# The usual pair, IPv4 outer.  A has two outer addresses, 192.0.2.1 and
# 192.0.2.11; B's remote is the name peera (B's /etc/hosts), looked up
# every 2 s.  For SOAK_SECONDS (300):
#   - 8 MiB TCP transfers A -> B through the tunnel, one after the other
#     (socat), each checked by SHA-256;
#   - every SOAK_CHANGE (20) seconds the outer address of A changes: the
#     connected route's preferred source goes to the other address (A's
#     parent follows the route) and peera to it (B's resolver follows
#     the name); an address on B's loopback comes or goes as well;
#   - every SOAK_SAMPLE (5) seconds, resident memory (VmRSS, KiB) and
#     open fds of each process of both daemons: one table row.
# At the end: each process's first and last sample and the growth.
# Fails when a transfer arrived damaged or none completed, a process of
# either daemon was replaced, a process has more fds at the end than at
# the start, or its RSS grew by more than SOAK_RSS_SLACK (512) KiB from
# the first sample taken after the first minute (or the first sample,
# in a shorter run) to the last.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd socat sha256sum ss awk pgrep
SOAK_SECONDS=${SOAK_SECONDS:-300}
SOAK_SAMPLE=${SOAK_SAMPLE:-5}
SOAK_CHANGE=${SOAK_CHANGE:-20}
SOAK_RSS_SLACK=${SOAK_RSS_SLACK:-512}
ALT4A=192.0.2.11
mk_pair
nsx "$NS_A" ip address add "$ALT4A/24" dev "$VETH_A" || die "add $ALT4A"
hosts_file "$NS_B" "$V4A peera"

TA=sa$SID TB=sb$SID
side_up a auto "$TA" "$TMPD/a.log" remote "$V4B"
side_up b auto "$TB" "$TMPD/b.log" remote peera resolve-interval 2
ping_ok "$NS_A" "$IN4B" 56

# ------------------------------------------------------------- transfers
XFER=$TMPD/xfer.bin
head -c $((8 * 1024 * 1024)) /dev/urandom >"$XFER" || die "random data"
XFER_SUM=$(sha256sum <"$XFER" | cut -d' ' -f1)
STOPF=$TMPD/stop
listening() { nsx "$NS_B" ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# One line per transfer in $TMPD/xfers: `ok PORT` or `bad PORT ...`.
xfer_loop() {
	local port=7000 rx lpid sum
	while [ ! -e "$STOPF" ]; do
		port=$((port + 1))
		rx=$TMPD/rx
		nsx "$NS_B" timeout 120 socat -u \
		    "TCP4-LISTEN:$port,bind=$IN4B,reuseaddr" "CREATE:$rx" \
		    2>/dev/null &
		lpid=$!
		wait_until 5 listening "$port" || {
			echo "bad $port listener" >>"$TMPD/xfers"
			continue
		}
		nsx "$NS_A" timeout 120 socat -u "OPEN:$XFER" \
		    "TCP4:$IN4B:$port" 2>/dev/null
		wait "$lpid"
		sum=$(sha256sum <"$rx" | cut -d' ' -f1)
		if [ "$sum" = "$XFER_SUM" ]; then
			echo "ok $port" >>"$TMPD/xfers"
		else
			echo "bad $port $(stat -c %s "$rx") bytes" >>"$TMPD/xfers"
		fi
		rm -f "$rx"
	done
}
: >"$TMPD/xfers"
xfer_loop &
XPID=$!
_DAEMON_PIDS+=("$XPID")	# stopped by the cleanup trap too

# ---------------------------------------------------------------- sample
# procs: `LABEL PID` for the parent and children of both daemons.
procs() {
	local side pid c
	for side in A B; do
		if [ "$side" = A ]; then pid=$PID_A; else pid=$PID_B; fi
		echo "$side:ipipd $pid"
		for c in $(pgrep -P "$pid"); do
			case $(cat "/proc/$c/comm" 2>/dev/null) in
			ipipd-engine) echo "$side:engine $c" ;;
			ipipd-resolver) echo "$side:resolver $c" ;;
			esac
		done
	done
}

rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

PROCS0=$(procs)
LABELS=$(printf '%s\n' "$PROCS0" | cut -d' ' -f1)
[ "$(printf '%s\n' "$LABELS" | wc -l)" -eq 6 ] ||
	die "want 6 processes (parent, engine, resolver x 2), have: $PROCS0"
SAMPLES=$TMPD/samples	# lines: T LABEL RSS FDS

sample() {
	local t=$1 label pid row
	row=$(printf '%5d' "$t")
	while read -r label pid; do
		r=$(rss "$pid") f=$(nfds "$pid")
		echo "$t $label ${r:-0} $f" >>"$SAMPLES"
		row="$row $(printf '%8s/%-3s' "${r:-?}" "$f")"
	done <<<"$(procs)"
	row="$row $(printf '%5d' "$(grep -c '^ok' "$TMPD/xfers")")"
	echo "$row"
}

printf '%5s' "t(s)"
for l in $LABELS; do printf ' %12s' "$l"; done
printf ' %5s\n' xfers
printf '%5s' ""
for l in $LABELS; do printf ' %12s' "rssKiB/fds"; done
echo

# ------------------------------------------------------------------ soak
T0=$(date +%s)
next_change=$SOAK_CHANGE cur=$V4A changes=0 lo=0
while :; do
	t=$(($(date +%s) - T0))
	[ "$t" -ge "$SOAK_SECONDS" ] && break
	sample "$t"
	if [ "$t" -ge "$next_change" ]; then
		if [ "$cur" = "$V4A" ]; then cur=$ALT4A; else cur=$V4A; fi
		nsx "$NS_A" ip route replace 192.0.2.0/24 dev "$VETH_A" \
		    proto kernel scope link src "$cur" ||
			error "route change to src $cur"
		hosts_file "$NS_B" "$cur peera"
		if [ "$lo" = 0 ]; then
			nsx "$NS_B" ip address add 198.51.100.7/32 dev lo
			lo=1
		else
			nsx "$NS_B" ip address del 198.51.100.7/32 dev lo
			lo=0
		fi
		changes=$((changes + 1))
		next_change=$((next_change + SOAK_CHANGE))
	fi
	sleep "$SOAK_SAMPLE"
done
sample "$(($(date +%s) - T0))"
touch "$STOPF"
wait "$XPID"

# --------------------------------------------------------------- verdict
log "$changes address changes; transfers: $(grep -c '^ok' "$TMPD/xfers") intact, $(grep -vc '^ok' "$TMPD/xfers") damaged"
grep -v '^ok' "$TMPD/xfers" | sed 's/^/    | /'
[ "$(grep -c '^ok' "$TMPD/xfers")" -ge 1 ] || error "no transfer completed"
[ "$(grep -vc '^ok' "$TMPD/xfers")" -eq 0 ] || error "damaged transfers"
expect_eq "$(procs)" "$PROCS0" "processes (no restart)"
# Both ends followed the changes (the last may still be on its way).
na=$(grep -c 'outer local' "$TMPD/a.log")
nb=$(grep -c 'remote peera is now' "$TMPD/b.log")
log "A's parent moved its outer address $na times, B's remote moved $nb times"
[ "$na" -ge $((changes - 1)) ] && [ "$nb" -ge $((changes - 1)) ] ||
	error "the tunnel did not follow the $changes address changes"

# The baseline: the first sample after 60 s, else the first.
base_t=$(awk '$1 >= 60 { print $1; exit }' "$SAMPLES")
[ -n "$base_t" ] || base_t=$(awk '{ print $1; exit }' "$SAMPLES")
last_t=$(awk '{ t = $1 } END { print t }' "$SAMPLES")
printf '%-12s %10s %10s %10s %8s %8s %8s\n' process "rss@0" "rss@$base_t" \
    "rss@$last_t" "max" "fds@0" "fds@end"
for l in $LABELS; do
	read -r r0 f0 rb rl fl rmax <<<"$(awk -v l="$l" -v b="$base_t" '
	    $2 == l { if (!n++) { r0 = $3; f0 = $4 } if ($1 == b) rb = $3
		rl = $3; fl = $4; if ($3 > m) m = $3 }
	    END { print r0, f0, rb, rl, fl, m }' "$SAMPLES")"
	printf '%-12s %10s %10s %10s %8s %8s %8s\n' "$l" "$r0" "$rb" "$rl" \
	    "$rmax" "$f0" "$fl"
	[ "$fl" -le "$f0" ] || error "$l: $f0 fds at the start, $fl at the end"
	[ $((rl - rb)) -le "$SOAK_RSS_SLACK" ] ||
		error "$l: RSS grew by $((rl - rb)) KiB after ${base_t}s"
done
stop_ipipd "$PID_A" "$TMPD/a.log"
stop_ipipd "$PID_B" "$TMPD/b.log"
finish
