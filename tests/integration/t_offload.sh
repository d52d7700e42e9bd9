#!/bin/bash
#
# TUN offloads (issue 8) carrying real TCP: 4 MB each way through the
# tunnel, inner IPv4 and IPv6 over outer IPv4 and IPv6, the received
# bytes compared by SHA-256 with what was sent.  With offloads on (the
# default) the engines must have cut super-packets read from the TUN
# device (GSO) and coalesced received segments (GRO), with nothing
# refused; with IPIPD_OFFLOAD=off in the environment (make check run
# both ways) there must be no offload status at all.  The same again
# with encap fou: there the segments must also have left as UDP_SEGMENT
# sends, none refused, and arrived as UDP_GRO buffers.

. "$(dirname "$0")/../lib.sh"
setup_common
[ -x "$PYTHON" ] || skip "$PYTHON missing"
mk_pair

OFF=0
[ "${IPIPD_OFFLOAD:-}" = off ] && OFF=1
PORT=5201

# Sender and receiver of N pseudo-random bytes; both print the SHA-256.
cat >"$TMPD/xfer.py" <<'PY'
import hashlib, random, socket, sys
role, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
h = hashlib.sha256()
if role == "recv":
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    print("ready", flush=True)
    c, _ = s.accept()
    got = 0
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        h.update(d)
        got += len(d)
    print(got, h.hexdigest(), flush=True)
elif role == "udprecv":
    # n datagrams of 1000 bytes, each its index repeated.
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(5)
    print("ready", flush=True)
    got = []
    try:
        while len(got) < n:
            got.append(s.recv(2000))
    except socket.timeout:
        pass
    want = [bytes([i]) * 1000 for i in range(n)]
    print("udp", len(got), "ok" if sorted(got) == want else "bad", flush=True)
elif role == "udpsend":
    # One send of n segments: UDP GSO (UDP_SEGMENT), the TUN gets it whole.
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(17, 103, 1000)
    s.sendto(b"".join(bytes([i]) * 1000 for i in range(n)), (addr, port))
    print("udp", n, "ok", flush=True)
else:
    data = random.Random(n).randbytes(n)
    s = socket.create_connection((addr, port), timeout=20)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    h.update(data)
    print(len(data), h.hexdigest(), flush=True)
PY

# xfer FROM_NS TO_NS TO_ADDR: send 4 MB, compare.
xfer() {
	local from=$1 to=$2 dst=$3 n=4194304 out=$TMPD/recv.$RANDOM sent got
	nsx "$to" timeout 60 "$PYTHON" "$TMPD/xfer.py" recv "$dst" "$PORT" "$n" \
	    >"$out" 2>&1 &
	local rpid=$!
	wait_until 5 grep -q ready "$out" || { error "receiver on $dst not ready"; cat "$out"; return 1; }
	sent=$(nsx "$from" timeout 60 "$PYTHON" "$TMPD/xfer.py" send "$dst" "$PORT" "$n" 2>&1)
	wait "$rpid"
	got=$(grep -v ready "$out")
	if [ -n "$sent" ] && [ "$sent" = "$got" ]; then
		ok "4 MB to $dst intact ($got)"
	else
		error "TCP to $dst: sent '$sent', received '$got'"
	fi
}

# udp_gso FROM_NS TO_NS TO_ADDR: 20 datagrams in one UDP GSO send.
udp_gso() {
	local from=$1 to=$2 dst=$3 out=$TMPD/udp.$RANDOM sent got
	nsx "$to" timeout 20 "$PYTHON" "$TMPD/xfer.py" udprecv "$dst" "$PORT" 20 \
	    >"$out" 2>&1 &
	local rpid=$!
	wait_until 5 grep -q ready "$out" || { error "UDP receiver on $dst not ready"; cat "$out"; return 1; }
	sent=$(nsx "$from" timeout 20 "$PYTHON" "$TMPD/xfer.py" udpsend "$dst" "$PORT" 20 2>&1)
	wait "$rpid"
	got=$(grep -v ready "$out")
	if [ "$sent" = "udp 20 ok" ] && [ "$got" = "udp 20 ok" ]; then
		ok "UDP GSO send of 20 x 1000 bytes to $dst: all received intact"
	else
		error "UDP GSO to $dst: sender '$sent', receiver '$got'"
	fi
}

# offload_status PID LOG: the offload words of the engine's last status
# line (SIGUSR1), from "offload" up to "drops:".
offload_status() {
	local pid=$1 logf=$2 before
	before=$(grep -c 'status: tun-rx' "$logf")
	kill -USR1 "$pid"
	wait_until 5 sh -c "[ \$(grep -c 'status: tun-rx' '$logf') -gt $before ]" ||
		error "no status line after SIGUSR1"
	sleep 0.2
	grep 'status: tun-rx' "$logf" | tail -n 1 |
	    sed -n 's/.* \(offload .*\) drops:.*/\1/p'
}

# counter LINE NAME: the first number after NAME.
counter() { printf '%s\n' "$1" | sed -n "s/.* $2 \([0-9]*\).*/\1/p"; }

# uso_refused LINE: the third number of "uso SENDS/SEGS/REFUSED".
uso_refused() { printf '%s\n' "$1" | sed -n 's/.* uso [0-9]*\/[0-9]*\/\([0-9]*\).*/\1/p'; }

# run_outer 4|6 [fou]
run_outer() {
	local outer=$1 encap=${2:-} ta=to$SID$1${2:-} tb=tp$SID$1${2:-} la lb
	local args=
	[ "$encap" = fou ] && args="encap fou encap-dport 5555 encap-sport 5555"
	log "=== outer IPv$outer ${encap:-raw}, offload $([ $OFF = 1 ] && echo off || echo on)"
	# shellcheck disable=SC2086
	pair_up "$outer" auto "$ta" "$tb" $args
	xfer "$NS_A" "$NS_B" "$IN4B"
	xfer "$NS_B" "$NS_A" "$IN4A"
	xfer "$NS_A" "$NS_B" "$IN6B"
	xfer "$NS_B" "$NS_A" "$IN6A"
	udp_gso "$NS_A" "$NS_B" "$IN4B"
	udp_gso "$NS_B" "$NS_A" "$IN6A"
	la=$(offload_status "$PID_A" "$LOG_A")
	lb=$(offload_status "$PID_B" "$LOG_B")
	log "A: ${la:-no offload status}"
	log "B: ${lb:-no offload status}"
	if [ $OFF = 1 ]; then
		[ "$la" = "offload off" ] && [ "$lb" = "offload off" ] &&
			ok "offload off: both engines report 'offload off'" ||
			error "offload off but the engine reports offloads"
	else
		for l in "$la" "$lb"; do
			[ "$(counter "$l" gso)" -gt 0 ] 2>/dev/null &&
				ok "super-packets segmented: $(counter "$l" gso)" ||
				error "no GSO super-packet: '$l'"
			[ "$(counter "$l" gro)" -gt 0 ] 2>/dev/null &&
				ok "segments coalesced: $(counter "$l" gro)" ||
				error "no GRO super-packet: '$l'"
			expect_eq "$(counter "$l" bad)" 0 "offload metadata refused"
			[ "$encap" = fou ] || continue
			[ "$(counter "$l" uso)" -gt 0 ] 2>/dev/null &&
				ok "UDP_SEGMENT sends: $(counter "$l" uso)" ||
				error "no UDP_SEGMENT send: '$l'"
			expect_eq "$(uso_refused "$l")" 0 "UDP_SEGMENT refused"
			[ "$(counter "$l" udp-gro)" -gt 0 ] 2>/dev/null &&
				ok "UDP_GRO buffers split: $(counter "$l" udp-gro)" ||
				error "no UDP_GRO buffer: '$l'"
		done
	fi
	grep -h 'status: tun-rx' "$LOG_A" "$LOG_B" | grep -v 'drops: none' |
		sed 's/^/    /' | grep . && error "engine drops (above)"
	pair_down "$ta" "$tb"
}

run_outer 4
run_outer 6
run_outer 4 fou
run_outer 6 fou
finish
