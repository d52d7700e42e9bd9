#!/bin/bash
#
# A flood of malformed and spoofed outer packets while a TCP transfer
# runs through the tunnel (issue 7).  A and B are the usual pair with an
# IPv4 outer; B also holds 192.0.2.3, an outer address that is not the
# tunnel's.  tests/integration/flood_frames.py builds one frame of each
# kind with scapy (wrong outer source or destination, wrong inner
# version, truncated, bad lengths, bad inner and outer IHL, bad outer
# checksum, fragments with absurd offsets, inner TTL 0, martian inner
# sources, outer CE on a Not-ECT inner; IPv4 and IPv6 inners) plus one
# valid canary; build/tests/pkt_blast sends FLOOD_COUNT (100000) of them
# in turn, byte for byte from A's veth (AF_PACKET), at FLOOD_RATE
# (4000) per second, while 4 MiB TCP transfers (socat) run from A to B
# through the tunnel one after the other until the flood ends.
#
# Checked:
#   - every transfer arrives intact (SHA-256);
#   - B's parent, engine and resolver are the same processes afterwards;
#   - tcpdump on B's TUN (what the engine writes): every packet is a
#     well-formed IPv4 or IPv6 packet (version, IHL, lengths, header
#     checksum, TTL/hop limit not 0) between the two inner addresses
#     (or IPv6 link-local: A's neighbour discovery), and no flood packet
#     but the canary comes out (the inner payloads carry markers);
#   - the accounting: B's engine counters (SIGUSR1 status line, before
#     and after) went up for each drop reason by exactly the number of
#     frames sent of that kind (less any the raw socket itself dropped,
#     /proc/net/raw), net-rx = drops + tun-tx + tun write errors +
#     the segments GRO merged away (a coalesced super-packet is one
#     tun-tx write for "gro P/S": S - P more packets received), no
#     other drop reason moved, the canary came out as often as it was
#     sent, and B's kernel counted exactly the frames it refused itself:
#     InHdrErrors + InTruncatedPkts for the bad outer headers, ReasmReqds
#     for the fragments (/proc/net/snmp and netstat; none of these
#     fragments can ever be reassembled and reach a socket).

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd socat sha256sum tcpdump ss awk
need_scapy
BLAST=$BUILD/tests/pkt_blast
[ -x "$BLAST" ] || skip "$BLAST not built (make check builds it)"
FLOOD_COUNT=${FLOOD_COUNT:-100000}
FLOOD_RATE=${FLOOD_RATE:-4000}
OTHER4=192.0.2.3
mk_pair
nsx "$NS_B" ip address add "$OTHER4/24" dev "$VETH_B" || die "add $OTHER4"

TA=fa$SID TB=fb$SID
pair_up 4 auto "$TA" "$TB"
ping_ok "$NS_A" "$IN4B" 56

# ---------------------------------------------------------------- frames
FR=$TMPD/frames
"$PYTHON" "$(dirname "$0")/flood_frames.py" "$FR" \
    "$(nsx "$NS_A" cat "/sys/class/net/$VETH_A/address")" \
    "$(nsx "$NS_B" cat "/sys/class/net/$VETH_B/address")" \
    "$V4A" "$V4B" "$OTHER4" "$IN4A" "$IN4B" || die "flood_frames.py"
NFR=$(wc -l <"$FR.list")
log "$NFR kinds of frame, $FLOOD_COUNT frames at $FLOOD_RATE/s"

# sent_of WHERE: how many of the FLOOD_COUNT frames are of that kind.
sent_of() {
	awk -v w="$1" -v c="$FLOOD_COUNT" -v n="$NFR" '
	    { if ($2 == w) s += int(c / n) + ((NR - 1) < (c % n)) }
	    END { print s + 0 }' "$FR.list"
}

# ------------------------------------------------------------- counters
# status NS_LOG: SIGUSR1 to B, then B's engine status line.
status() {
	local n
	n=$(grep -c 'status: tun-rx' "$LOG_B")
	kill -USR1 "$PID_B"
	wait_until 10 eval "[ \$(grep -c 'status: tun-rx' '$LOG_B') -gt $n ]" ||
		die "no engine status line after SIGUSR1"
	grep 'status: tun-rx' "$LOG_B" | tail -n 1
}

# field LINE NAME: the packet count of NAME (net-rx, tun-tx, ...).
field() {
	printf '%s\n' "$1" | sed -n "s/.* $2 \([0-9]*\)\/[0-9]*.*/\1/p"
}

# field2 LINE NAME: the second number of "NAME P/B" (0 when absent, as
# "gro" is under offload off).
field2() {
	local v
	v=$(printf '%s\n' "$1" | sed -n "s/.* $2 [0-9]*\/\([0-9]*\).*/\1/p")
	echo "${v:-0}"
}

# drops LINE: `name count` per drop reason.
drops() {
	printf '%s\n' "$1" | sed 's/.*drops://' | tr ' ' '\n' |
	    awk -F= 'NF == 2 { print $1, $2 }'
}

# kstat: B's IP-layer counters, `name value` (snmp Ip:, netstat IpExt:).
kstat() {
	nsx "$NS_B" awk '$1 == "Ip:" || $1 == "IpExt:" {
		if (!($1 in hdr)) { hdr[$1] = 1; for (i = 2; i <= NF; i++)
		    name[$1, i] = $i }
		else for (i = 2; i <= NF; i++) print name[$1, i], $i }' \
	    /proc/net/snmp /proc/net/netstat
}

rawdrops() {
	nsx "$NS_B" awk 'NR > 1 { s += $NF } END { print s + 0 }' /proc/net/raw
}

children() { pgrep -P "$PID_B" | sort | tr '\n' ' '; }

# ------------------------------------------------------------- transfer
XFER=$TMPD/xfer.bin
head -c $((4 * 1024 * 1024)) /dev/urandom >"$XFER" || die "random data"
XFER_SUM=$(sha256sum <"$XFER" | cut -d' ' -f1)
PORT=6000
listening() { nsx "$NS_B" ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# xfer: one 4 MiB transfer A -> B over the tunnel, checked.
xfer() {
	local rx lpid sum
	PORT=$((PORT + 1))
	rx=$TMPD/rx.$PORT
	nsx "$NS_B" timeout 60 socat -u \
	    "TCP4-LISTEN:$PORT,bind=$IN4B,reuseaddr" "CREATE:$rx" \
	    2>"$rx.err" &
	lpid=$!
	wait_until 5 listening "$PORT" || {
		error "socat did not listen on $PORT"
		return 1
	}
	nsx "$NS_A" timeout 60 socat -u "OPEN:$XFER" "TCP4:$IN4B:$PORT" \
	    2>"$rx.serr"
	wait "$lpid"
	sum=$(sha256sum <"$rx" 2>/dev/null | cut -d' ' -f1)
	if [ "$sum" != "$XFER_SUM" ]; then
		error "transfer $PORT: $(stat -c %s "$rx" 2>/dev/null || echo 0)" \
		    "bytes, sha256 ${sum:-none}, want 4194304, $XFER_SUM"
		sed 's/^/    | /' "$rx.err" "$rx.serr"
		return 1
	fi
	rm -f "$rx"
	NXFER=$((NXFER + 1))
}

# ---------------------------------------------------------------- flood
KIDS0=$(children)
[ -n "$KIDS0" ] || die "no children of $PID_B"
ST0=$(status)
K0=$TMPD/k0; kstat >"$K0"
RAW0=$(rawdrops)
VDROP0=$(nsx "$NS_A" cat "/sys/class/net/$VETH_A/statistics/tx_dropped")

PCAP=$TMPD/tun.pcap
# Not through nsx (a function: $! would be a subshell, deaf to SIGINT):
# ip netns exec execs tcpdump in its own process.
ip netns exec "$NS_B" tcpdump -i "$TB" -Q in -n -U -s 256 -w "$PCAP" \
    2>"$TMPD/tcpdump.err" &
TCPDUMP=$!
wait_until 10 grep -q 'listening on' "$TMPD/tcpdump.err" ||
	die "tcpdump did not start on $TB"

nsx "$NS_A" "$BLAST" "$VETH_A" "$FR" "$FLOOD_COUNT" "$FLOOD_RATE" \
    >"$TMPD/blast.out" 2>&1 &
BLASTPID=$!
NXFER=0
while pid_running "$BLASTPID"; do
	xfer || break
done
wait "$BLASTPID"
expect_status $? 0 "pkt_blast"
cat "$TMPD/blast.out"
xfer	# once more after the flood: the tunnel still carries traffic
log "$NXFER transfers of 4 MiB completed"
[ "$NXFER" -ge 2 ] || error "only $NXFER transfers completed"

sleep 1	# the last frames through the engine and tcpdump
ST1=$(status)
K1=$TMPD/k1; kstat >"$K1"
RAW1=$(rawdrops)
VDROP1=$(nsx "$NS_A" cat "/sys/class/net/$VETH_A/statistics/tx_dropped")
kill -INT "$TCPDUMP"
wait "$TCPDUMP"
cat "$TMPD/tcpdump.err"

# ---------------------------------------------------------------- alive
pid_running "$PID_B" || die "ipipd at B died during the flood"
expect_eq "$(children)" "$KIDS0" "B's children (engine, resolver)"
printf 'before: %s\nafter:  %s\n' "$ST0" "$ST1"

# ---------------------------------------------------------- accounting
RAWD=$((RAW1 - RAW0))
VD=$((VDROP1 - VDROP0))
log "raw socket drops at B: $RAWD; veth tx drops at A: $VD"
[ "$VD" -eq 0 ] || error "A's veth dropped $VD frames: the count is off"
D0=$TMPD/d0 D1=$TMPD/d1
drops "$ST0" >"$D0"
drops "$ST1" >"$D1"
delta() {	# delta NAME: how much drop counter NAME went up
	local a b
	a=$(awk -v n="$1" '$1 == n { print $2 }' "$D0")
	b=$(awk -v n="$1" '$1 == n { print $2 }' "$D1")
	echo $((${b:-0} - ${a:-0}))
}
engine_sent=0 engine_counted=0
for w in $(awk '{ print $2 }' "$FR.list" | sort -u); do
	case $w in kernel-* | tun) continue ;; esac
	s=$(sent_of "$w")
	d=$(delta "$w")
	engine_sent=$((engine_sent + s))
	engine_counted=$((engine_counted + d))
	if [ "$RAWD" -eq 0 ]; then
		expect_eq "$d" "$s" "drops $w (frames of that kind sent)"
	elif [ "$d" -gt "$s" ]; then
		error "drops $w went up by $d, only $s such frames were sent"
	fi
done
expect_eq "$((engine_counted + RAWD))" "$engine_sent" \
    "engine drops + raw socket drops"
# No other drop reason moved (the transfer itself drops nothing).
for w in $(cut -d' ' -f1 "$D1"); do
	grep -q " $w\$" "$FR.list" && continue
	expect_eq "$(delta "$w")" 0 "drops $w (no such frame sent)"
done
rx=$(($(field "$ST1" net-rx) - $(field "$ST0" net-rx)))
tx=$(($(field "$ST1" tun-tx) - $(field "$ST0" tun-tx)))
alld=0
for w in $(cut -d' ' -f1 "$D1"); do alld=$((alld + $(delta "$w"))); done
terr0=$(printf '%s\n' "$ST0" | sed -n 's/.* errors [0-9]*\/\([0-9]*\).*/\1/p')
terr1=$(printf '%s\n' "$ST1" | sed -n 's/.* errors [0-9]*\/\([0-9]*\).*/\1/p')
g0=$(field "$ST0" gro) g1=$(field "$ST1" gro)
merged=$(($(field2 "$ST1" gro) - ${g1:-0} - $(field2 "$ST0" gro) + ${g0:-0}))
expect_eq "$rx" "$((alld + tx + terr1 - terr0 + merged))" \
    "B's net-rx = drops + tun-tx + tun write errors + GRO-merged segments"

kdelta() {
	local a b
	a=$(awk -v n="$1" '$1 == n { print $2 }' "$K0")
	b=$(awk -v n="$1" '$1 == n { print $2 }' "$K1")
	echo $((${b:-0} - ${a:-0}))
}
log "B's kernel: InHdrErrors +$(kdelta InHdrErrors)" \
    "InTruncatedPkts +$(kdelta InTruncatedPkts)" \
    "InCsumErrors +$(kdelta InCsumErrors) ReasmReqds +$(kdelta ReasmReqds)" \
    "ReasmFails +$(kdelta ReasmFails)"
expect_eq "$(($(kdelta InHdrErrors) + $(kdelta InTruncatedPkts)))" \
    "$(sent_of kernel-hdr)" "B's kernel: bad outer headers refused"
expect_eq "$(kdelta ReasmReqds)" "$(sent_of kernel-frag)" \
    "B's kernel: outer fragments taken for reassembly"

# ------------------------------------------------------------- the TUN
CANARY=$(sent_of tun)
"$PYTHON" - "$PCAP" "$IN4A" "$IN4B" "$IN6A" "$IN6B" "$CANARY" "$RAWD" \
    "$TMPD/tcpdump.err" <<'PY' || error "packets on the TUN (above)"
import socket, struct, sys
from scapy.utils import RawPcapReader

pcap, a4, b4, a6, b6, canary, rawd, tderr = sys.argv[1:9]
ends4 = {socket.inet_aton(a4), socket.inet_aton(b4)}
ends6 = {socket.inet_pton(socket.AF_INET6, a6),
         socket.inet_pton(socket.AF_INET6, b6)}
bad = []
n = seen_canary = 0


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


for data, meta in RawPcapReader(pcap):
    n += 1
    wire = meta.wirelen
    why = None
    if len(data) < 1:
        why = "empty"
    elif data[0] >> 4 == 4:
        ihl = (data[0] & 15) * 4
        if len(data) < 20 or ihl < 20 or len(data) < ihl:
            why = "short or bad IHL"
        elif struct.unpack("!H", data[2:4])[0] != wire:
            why = "total length %d, %d on the wire" % (
                struct.unpack("!H", data[2:4])[0], wire)
        elif csum(data[:ihl]) != 0xffff:
            why = "bad header checksum"
        elif data[8] == 0:
            why = "TTL 0"
        elif {data[12:16], data[16:20]} != ends4:
            why = "not between the inner addresses"
    elif data[0] >> 4 == 6:
        if len(data) < 40:
            why = "short IPv6 header"
        elif 40 + struct.unpack("!H", data[4:6])[0] != wire:
            why = "payload length does not match"
        elif data[7] == 0:
            why = "hop limit 0"
        elif ({data[8:24], data[24:40]} != ends6 and
              data[8:10] != b"\xfe\x80"):
            # (link-local: neighbour discovery of A's kernel)
            why = "not between the inner addresses"
    else:
        why = "version %d" % (data[0] >> 4)
    if why is None and b"ipipd-flood-drop" in data:
        why = "a flood packet that must have been dropped"
    if (why is None and data[0] == 0x45 and data[9] == 17 and
            data[16:20] == socket.inet_aton(b4) and
            b"ipipd-flood-canary" in data):
        seen_canary += 1
    if why is not None:
        bad.append("packet %d (%d bytes): %s: %s" % (n, wire, why,
                                                      data[:48].hex()))
print("TUN capture: %d packets, %d canaries, %d malformed" %
      (n, seen_canary, len(bad)))
for b in bad[:20]:
    print("  " + b)
ok = not bad
lost = "0 packets dropped by kernel" not in open(tderr).read()
if int(rawd) == 0 and not lost:
    if seen_canary != int(canary):
        print("canary came out %d times, sent %s" % (seen_canary, canary))
        ok = False
elif seen_canary == 0:
    print("canary never came out (sent %s)" % canary)
    ok = False
sys.exit(0 if ok else 1)
PY

pair_down "$TA" "$TB"
finish
