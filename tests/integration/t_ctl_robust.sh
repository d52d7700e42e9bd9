#!/bin/bash
#
# Bad and many control clients do not hurt forwarding or the daemon.
# While a TCP transfer runs through the tunnel (a Python TCP sender and receiver), ctl_abuse.py
# connects clients that never read, stop half-way, send oversized or
# truncated frames, an unknown type, random bytes, a request with an fd,
# and 100 ipipctl show run at once.  Then:
#   - every one of the 100 got its answer (exit 0, JSON with the tunnel);
#   - every bad client was dropped by the daemon and counted: control-bad
#     is exactly the number sent, the two stuck ones are control-timeouts;
#   - the daemon and its engine are the same processes (no restart), the
#     engine's memory did not grow by more than 512 KiB;
#   - the transfer kept at least half the rate it has without them (the
#     lower of a measurement before and one after: the CPU is shared).

. "$(dirname "$0")/../lib.sh"
setup_common
need_ipipctl
mk_pair

ta=ra$SID tb=rb$SID
SA=/run/ipipd/$ta.sock
pair_up 4 pre "$ta" "$tb"
ping_ok "$NS_A" "$IN4B" 56
PORT=$((20000 + 16#${SID:0:3} % 20000))

# rate SECONDS: a TCP transfer A -> B through the tunnel for SECONDS,
# in Mbit/s as B received it (integer).
rate() {
	local out
	nsx "$NS_B" "$PYTHON" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
print("listening", flush=True)
c, _ = s.accept(); n = 0; t0 = None
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    if t0 is None:
        t0 = time.monotonic()
    n += len(b)
print(int(n * 8 / (time.monotonic() - t0) / 1e6), flush=True)' \
	    "$IN4B" "$PORT" >"$TMPD/rate.out" 2>&1 &
	_DAEMON_PIDS+=("$!")
	wait_log "$TMPD/rate.out" listening 5 "$!" || die "TCP receiver did not start"
	nsx "$NS_A" "$PYTHON" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
buf = bytes(256 * 1024); end = time.monotonic() + float(sys.argv[3])
while time.monotonic() < end:
    s.sendall(buf)
s.close()' "$IN4B" "$PORT" "$1"
	wait_until 10 eval "[ \$(wc -l <'$TMPD/rate.out') -ge 2 ]" ||
		die "TCP receiver did not report"
	out=$(tail -n 1 "$TMPD/rate.out")
	printf '%s\n' "$out"
}

engine_pid() { pgrep -P "$PID_A" -x ipipd-engine; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

EPID=$(engine_pid)
# Warm up: client slots used, so the RSS below counts them.
pids=()
for i in $(seq 20); do
	"$IPIPCTL" -s "$SA" show stats >/dev/null &
	pids+=("$!")
done
wait "${pids[@]}"
# After a transfer: the packet buffers it touched count too.
R0=$(rate 3)
RSS0=$(rss_kb "$EPID")
log "rate without bad clients: $R0 Mbit/s; engine $EPID RSS $RSS0 kB"

log "=== bad clients, 100 ipipctl, a transfer"
"$PYTHON" "$TOPDIR/tests/integration/ctl_abuse.py" "$SA" \
    "$TOPDIR/common/ipipd_msg.h" 6 >"$TMPD/abuse.out" 2>&1 &
ABUSE=$!
_DAEMON_PIDS+=("$ABUSE")
pids=()
for i in $(seq 100); do
	"$IPIPCTL" -j -s "$SA" show >"$TMPD/c.$i.json" 2>"$TMPD/c.$i.err" &
	pids+=("$!")
done
R1=$(rate 4)
nok=0
for i in $(seq 100); do
	wait "${pids[$((i - 1))]}" &&
	    [ "$(jq_py "$TMPD/c.$i.json" "j[0]['dev']" 2>/dev/null)" = "$ta" ] &&
	    nok=$((nok + 1))
done
expect_eq "$nok" 100 "concurrent ipipctl show answered"
wait "$ABUSE"
cat "$TMPD/abuse.out"
NBAD=$(awk '$1 == "bad" { print $2 }' "$TMPD/abuse.out")
expect_match "$(cat "$TMPD/abuse.out")" "^answered-fd 1$" \
    "a request with an fd is answered"
expect_match "$(cat "$TMPD/abuse.out")" "^closed ([0-9]+)/\1$" \
    "the daemon closed every bad client"
expect_match "$(cat "$TMPD/abuse.out")" "^held-dropped 2/2$" \
    "the daemon dropped the two stuck clients"
R2=$(rate 3)
log "rates: before $R0, during $R1, after $R2 Mbit/s"
base=$((R0 < R2 ? R0 : R2))
[ "$((R1 * 2))" -ge "$base" ] &&
	ok "rate during $R1 >= half of $base Mbit/s" ||
	error "rate during $R1 Mbit/s, less than half of $base"

log "=== the daemon"
pid_running "$PID_A" && ok "ipipd still runs" || error "ipipd is gone"
expect_eq "$(engine_pid)" "$EPID" "the same engine process"
RSS1=$(rss_kb "$EPID")
[ "$RSS1" -le $((RSS0 + 512)) ] &&
	ok "engine RSS $RSS0 -> $RSS1 kB" ||
	error "engine RSS grew from $RSS0 to $RSS1 kB"
"$IPIPCTL" -j -s "$SA" show stats >"$TMPD/st.json"
expect_status $? 0 "ipipctl show stats afterwards"
c() { jq_py "$TMPD/st.json" "j[0]['control']['control-$1']"; }
expect_eq "$(c bad)" "$NBAD" "control-bad: every bad client counted"
expect_eq "$(c timeouts)" 2 "control-timeouts: the two stuck clients"
expect_eq "$(c denied)" 0 "control-denied"
log "control: clients $(c clients) requests $(c requests) full $(c full)"
expect_eq "$("$IPIPCTL" -j -s "$SA" show >"$TMPD/s.json" &&
    jq_py "$TMPD/s.json" "j[0]['engine_restarts']")" 0 "engine_restarts"
ping_ok "$NS_A" "$IN4B" 56
pair_down "$ta" "$tb"
finish
