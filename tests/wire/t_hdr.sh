#!/bin/bash
#
# Outer header fields, ECN (RFC 6040) and inner-packet filtering, on the
# wire: ipipd in A, the scapy peer in B (no ipipd there; hold_b keeps
# B's kernel quiet).  One persistent TUN device in A, captured for the
# whole test (-Q in: what ipipd writes to it), and B's veth, captured
# for the whole test; ipipd is restarted on that TUN with each set of
# options.  hdr_check.py writes hand-built inner packets straight into
# A's TUN (exact TTL, TOS/traffic class, DF, flow label), a few come
# from ping (-t, -Q); every probe has a marker, and hdr_check.py check
# matches the outer packets on B's veth to them at the end.
#
# A sends (encapsulation):
#   IPv4 outer: TTL 64 by default, `ttl 10`, `ttl inherit` (= inner TTL,
#   also with ping -t 33); TOS = inner ECN by default (DSCP not copied),
#   `tos 0x20` (0x20 | inner ECN), `tos inherit`; DF = inner DF for
#   IPv4 inner (pmtudisc, RFC 2003 5.1).
#   IPv6 outer: hop limit as above; traffic class = inner ECN by
#   default, `tclass 0x40`, `tclass inherit`; flow label 0, `flowlabel
#   0x12345`, `flowlabel inherit`; destination options header with the
#   tunnel encapsulation limit option (type 4) = 4 by default,
#   `encaplimit 7`, none at all with `encaplimit none`.
#   Inner ECN is copied outward in every mode, CE included (RFC 6040 4.1).
#   An inner packet with TTL / hop limit 0 is not sent: an ICMP time
#   exceeded (ICMPv6 type 3) quoting it comes back into A's TUN.
# B sends (decapsulation), over IPv4 and IPv6 outer, inner IPv4 and IPv6:
#   the RFC 6040 4.2 table (outer CE marks an ECT inner CE, DSCP kept,
#   outer CE with a Not-ECT inner is dropped, outer ECT(1) turns inner
#   ECT(0) into ECT(1), other combinations unchanged); martian inner
#   sources (0.0.0.0, 127/8, 224/4, 255.255.255.255, ::, ::1, ff00::/8,
#   ::a.b.c.d, ::ffff:a.b.c.d) and TTL / hop limit 0 never reach A's TUN;
#   control packets (first, last, TTL 1, IPv6 outer with an encapsulation
#   limit option) do, so the test fails if the tunnel does not work.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd tcpdump ping
need_scapy
mk_pair
hold_b

# cap_start NS IFACE FILE [TCPDUMP ARGS...] / cap_stop PID: packet capture.
# Not lib.sh's start_capture/stop_capture: there `nsx ... &` puts a bash
# subshell between $! and tcpdump, so stop_capture kills the subshell,
# tcpdump goes on running, and the file can be read before the last
# packets are in it.  Here `ip netns exec` execs tcpdump, so CAP_PID is
# tcpdump itself; --immediate-mode hands every packet over at once.
cap_start() {
	local ns=$1 ifc=$2 file=$3
	shift 3
	ip netns exec "$ns" tcpdump -Z root -i "$ifc" -n -U --immediate-mode \
	    -s 0 -w "$file" "$@" 2>"$file.err" </dev/null &
	CAP_PID=$!
	_DAEMON_PIDS+=("$CAP_PID")
	wait_log "$file.err" 'listening on' 10 "$CAP_PID" || {
		cat "$file.err"
		die "tcpdump on $ifc in $ns did not start"
	}
}
cap_stop() {
	sleep 0.3
	kill -TERM "$1" 2>/dev/null
	if ! wait_gone "$1" 5; then
		kill -KILL "$1" 2>/dev/null
		error "tcpdump pid $1 ignored SIGTERM: its capture may be cut"
	fi
	wait "$1" 2>/dev/null
	return 0
}

MAC_A=$(mac "$NS_A" "$VETH_A")
MAC_B=$(mac "$NS_B" "$VETH_B")
MANIFEST=$TMPD/manifest
TUN=th$SID
: >"$MANIFEST"

hdrpy() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then
		"$PYTHON" "$WIREDIR/hdr_check.py" "$@"
	else
		nsx "$ns" "$PYTHON" "$WIREDIR/hdr_check.py" "$@"
	fi
}

# A persistent TUN device, up and addressed, that outlives each ipipd.
mk_tun "$NS_A" "$TUN"
nsx "$NS_A" ip link set "$TUN" up || die "ip link set $TUN up"
tun_addrs "$NS_A" "$TUN" "$IN4A" "$IN4B" "$IN6A" "$IN6B"

cap_start "$NS_A" "$TUN" "$TMPD/tun.pcap" -Q in
CAP_TUN=$CAP_PID
cap_start "$NS_B" "$VETH_B" "$TMPD/wire.pcap" "ip or ip6"
CAP_WIRE=$CAP_PID

# cfg NAME OUTER [IPIPD ARGS...]: ipipd in A on $TUN with these options.
cfg() {
	local remote
	CFG=$1 OUTER=$2
	shift 2
	if [ "$OUTER" = 4 ]; then remote=$V4B; else remote=$V6B; fi
	log "=== $CFG: IPv$OUTER outer, ipipd options: ${*:-(none)}"
	CFG_LOG=$TMPD/a.$CFG.log
	ipipd_up "$NS_A" "$CFG_LOG" dev "$TUN" remote "$remote" "$@"
	CFG_PID=$IPIPD_PID
	# The IPv6 peer route may go with the carrier while no ipipd runs.
	nsx "$NS_A" ip -6 route replace "$IN6B/128" dev "$TUN" 2>/dev/null
}

cfg_end() {
	stop_ipipd "$CFG_PID" "$CFG_LOG"
}

# inject TAG|INNER|EXPECT...: hand-built inner packets into A's TUN.
inject() {
	local p probes=()
	for p in "$@"; do
		probes+=("$CFG.$p")
	done
	hdrpy "$NS_A" inject --iface "$TUN" --outer "$OUTER" \
	    --manifest "$MANIFEST" "${probes[@]}" ||
		error "$CFG: hdr_check.py inject failed"
}

# ping_probe TAG FAM EXPECT [PING ARGS...]: one echo request from A's
# kernel, found on the wire by a pad pattern of its own.
PROBE_N=0
ping_probe() {
	local tag=$CFG.$1 fam=$2 expect=$3 pat dst
	shift 3
	PROBE_N=$((PROBE_N + 1))
	pat=$(printf '68647270%08x' "$PROBE_N")
	if [ "$fam" = 4 ]; then dst=$IN4B; else dst=$IN6B; fi
	echo "ping -$fam $* (pattern $pat) -> expect $expect"
	nsx "$NS_A" ping -"$fam" -n -q -c 1 -W 0.3 -p "$pat" "$@" "$dst" \
	    >/dev/null 2>&1
	printf 'out\t%s\t%s\t%s%s\t%s\t-\tping -%s %s\n' "$tag" "$OUTER" \
	    "$pat" "$pat" "$expect" "$fam" "$*" >>"$MANIFEST"
}

# send_net: the scapy peer sends the decapsulation cases to A.
send_net() {
	local src dst
	if [ "$OUTER" = 4 ]; then src=$V4B dst=$V4A; else src=$V6B dst=$V6A; fi
	hdrpy "$NS_B" send-net --iface "$VETH_B" --outer "$OUTER" \
	    --src "$src" --dst "$dst" --src-mac "$MAC_B" --dst-mac "$MAC_A" \
	    --manifest "$MANIFEST" || error "hdr_check.py send-net failed"
	sleep 0.3
}

# ------------------------------------------------------------ IPv4 outer

cfg def4 4
inject \
    'df|fam=4,ttl=64,tos=0,df=1|ttl=64,tos=0x00,df=1' \
    'nodf|fam=4,df=0|ttl=64,tos=0x00,df=0' \
    'ect0|fam=4,tos=0x02|tos=0x02,df=1' \
    'ect1|fam=4,tos=0x01|tos=0x01' \
    'ce|fam=4,tos=0x03|tos=0x03' \
    'dscp|fam=4,tos=0xb8|tos=0x00' \
    'dscpEct0|fam=4,tos=0xba|tos=0x02' \
    'v6|fam=6,ttl=64|ttl=64,tos=0x00,info=df' \
    'v6ect1|fam=6,tos=0x01|tos=0x01' \
    'v6dscp|fam=6,tos=0xb9|tos=0x01' \
    'ttl0|fam=4,ttl=0|absent,back=11' \
    'hlim0|fam=6,ttl=0|absent,back=3'
ping_probe pingQ2 4 tos=0x02,ttl=64,df=1 -Q 2 -Mdo
ping_probe ping6Q2 6 tos=0x02,ttl=64 -Q 2
send_net
cfg_end

cfg ttl10 4 ttl 10
inject 'a|fam=4,ttl=64|ttl=10,tos=0x00' 'b|fam=6,ttl=200|ttl=10'
cfg_end

cfg ttlinh4 4 ttl inherit
inject 'a|fam=4,ttl=33|ttl=33' 'b|fam=6,ttl=33|ttl=33' \
    'c|fam=4,ttl=1|ttl=1' 'd|fam=6,ttl=255|ttl=255'
ping_probe pingT33 4 ttl=33 -t 33
ping_probe ping6T33 6 ttl=33 -t 33
cfg_end

cfg tos20 4 tos 0x20
inject \
    'a|fam=4,tos=0|tos=0x20' \
    'b|fam=4,tos=0x02|tos=0x22' \
    'c|fam=4,tos=0xb8|tos=0x20' \
    'd|fam=4,tos=0xbb|tos=0x23' \
    'e|fam=6,tos=0x01|tos=0x21' \
    'f|fam=6,tos=0xb8|tos=0x20'
cfg_end

cfg tosinh 4 tos inherit
inject \
    'a|fam=4,tos=0xb8|tos=0xb8' \
    'b|fam=4,tos=0xba|tos=0xba' \
    'c|fam=4,tos=0|tos=0x00' \
    'd|fam=6,tos=0x48|tos=0x48' \
    'e|fam=6,tos=0xb9|tos=0xb9'
cfg_end

# ------------------------------------------------------------ IPv6 outer

cfg def6 6
inject \
    'a|fam=4,ttl=64|ttl=64,tc=0x00,flow=0x00000,el=4' \
    'b|fam=6,flow=0x54321|ttl=64,tc=0x00,flow=0x00000,el=4' \
    'ect0|fam=4,tos=0x02|tc=0x02,el=4' \
    'ce|fam=6,tos=0x03|tc=0x03' \
    'dscp|fam=6,tos=0xb9|tc=0x01' \
    'ttl0|fam=4,ttl=0|absent,back=11' \
    'hlim0|fam=6,ttl=0|absent,back=3'
ping_probe pingQ2 4 tc=0x02,ttl=64,el=4 -Q 2
ping_probe ping6Q2 6 tc=0x02,ttl=64,el=4 -Q 2
send_net
cfg_end

cfg ttl10v6 6 ttl 10
inject 'a|fam=4,ttl=64|ttl=10' 'b|fam=6,ttl=64|ttl=10'
cfg_end

cfg ttlinh6 6 ttl inherit
inject 'a|fam=4,ttl=33|ttl=33' 'b|fam=6,ttl=33|ttl=33'
ping_probe ping6T33 6 ttl=33 -t 33
cfg_end

cfg tc40 6 tclass 0x40
inject \
    'a|fam=4,tos=0|tc=0x40' \
    'b|fam=4,tos=0x02|tc=0x42' \
    'c|fam=6,tos=0xbb|tc=0x43' \
    'd|fam=6,tos=0|tc=0x40,flow=0,el=4,ttl=64'
cfg_end

cfg tcinh 6 tclass inherit
inject 'a|fam=6,tos=0xb9|tc=0xb9' 'b|fam=4,tos=0x48|tc=0x48' \
    'c|fam=6,tos=0|tc=0x00'
cfg_end

cfg fl12345 6 flowlabel 0x12345
inject 'a|fam=6,flow=0x54321|flow=0x12345' 'b|fam=4|flow=0x12345' \
    'c|fam=6,flow=0|flow=0x12345,tc=0x00'
cfg_end

cfg flinh 6 flowlabel inherit
inject \
    'a|fam=6,flow=0x54321|flow=0x54321' \
    'b|fam=6,flow=0xfffff|flow=0xfffff' \
    'c|fam=6,flow=0|flow=0x00000' \
    'd|fam=4|info=flow'
cfg_end

cfg el7 6 encaplimit 7
inject 'a|fam=4|el=7' 'b|fam=6|el=7'
cfg_end

cfg elnone 6 encaplimit none
inject 'a|fam=4|el=none,ttl=64' 'b|fam=6|el=none,tc=0x00'
ping_probe ping6 6 el=none
cfg_end

cap_stop "$CAP_TUN"
cap_stop "$CAP_WIRE"

log "=== checking $(wc -l <"$MANIFEST") probes"
hdrpy - check --wire-pcap "$TMPD/wire.pcap" --tun-pcap "$TMPD/tun.pcap" \
    --manifest "$MANIFEST" --local4 "$V4A" --local6 "$V6A" ||
	error "outer headers / ECN / filtering (see the FAIL lines above)"

finish
