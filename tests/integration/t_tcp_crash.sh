#!/bin/bash
#
# kill -9 of a prefix server (serve tcp) while it writes its assignments
# file again and again (issue 16): a client opens one connection after
# another, each with a new identifier, and writes down every prefix it
# was told; the server is killed at a different moment in each of five
# rounds.  After each kill the file parses and holds every prefix a
# client was told (the parent writes and fsyncs it, and renames it into
# place, before any answer goes out), and the next start reads it back.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
setup_common
[ -x "$PYTHON" ] || skip "$PYTHON missing"
HOSTILE=$TOPDIR/tests/integration/tcp_hostile.py
tcp_lab 1
S1=$(tcp_srv4 1)

# check_file TOLD: every "id prefix" line of TOLD is in the file.
check_file() {
	"$PYTHON" - "$TCP_FILE" "$1" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("FILE BROKEN: %s" % e)
    sys.exit(1)
told = [l.split() for l in open(sys.argv[2]) if l.strip()]
bad = [(i, p, d.get(i)) for i, p in told if d.get(i) != p]
print("file %d entries, told %d, missing or different %d %s" %
      (len(d), len(told), len(bad), bad[:3]))
sys.exit(1 if bad else 0)
PY
}

total=0
for round in 1 2 3 4 5; do
	log "=== round $round"
	LOG_S=$TMPD/server$round.log
	tcp_server "$LOG_S"
	expect_file_match "$LOG_S" ", $total identifier\\(s\\) assigned" \
	    "round $round: the file read back"
	nsx "$NS_C1" "$PYTHON" "$HOSTILE" newids "$S1" "$TCP_PORT" "r$round" \
	    "$TMPD/told$round" >"$TMPD/loop$round.log" 2>&1 </dev/null &
	LOOP=$!
	_DAEMON_PIDS+=("$LOOP")
	# Wait for the loop to be well under way, then a little more.
	wait_until 10 test -s "$TMPD/told$round" || die "no prefix told"
	sleep "0.$((round * 17 % 10))"
	kill -KILL "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null
	wait "$LOOP"
	cat "$TMPD/loop$round.log"
	n=$(wc -l <"$TMPD/told$round")
	[ "$n" -ge 1 ] && ok "round $round: $n prefixes told before the kill" ||
		error "round $round: no prefix told"
	if out=$(check_file "$TMPD/told$round"); then
		ok "round $round: $out"
	else
		error "round $round: $out"
	fi
	total=$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TCP_FILE")
	# The engine goes with the parent (PR_SET_PDEATHSIG), and the
	# device with both.
	wait_until 5 sh -c "! ip netns exec $NS_S ip link show tp$SID >/dev/null 2>&1" ||
		error "TUN device still there after the kill"
done
finish
