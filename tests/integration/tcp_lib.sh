# shellcheck shell=bash
#
# Helpers of the TCP transport tests (t_tcp_*.sh, issue 16), sourced
# after ../lib.sh.  Not a test itself: run.sh only runs t_*.sh.
#
# The lab (tcp_lab N): a server namespace NS_S with one veth to each of
# N client namespaces NS_C1..NS_Cn and one to a host NS_H behind it.
#   server - client i: 198.51.(99+i).1/24 - .2, fd00:i::1/64 - ::2
#   server - host:     2001:db8:ffff::1/64 - ::2 (the host's default
#                      route points to the server)
# The pool is 2001:db8:100::/48 (TCP_POOL), routed by the server's
# ipipd into its TUN device; forwarding is on in the server namespace.

TCP_POOL=2001:db8:100::/48
TCP_HOSTNET=2001:db8:ffff::/48
TCP_HOST=2001:db8:ffff::2
TCP_PORT=$((20000 + 16#${SID:0:3} % 20000))

tcp_srv4() { echo "198.51.$((99 + $1)).1"; }
tcp_srv6() { echo "fd00:$1::1"; }

# tcp_lab N: the namespaces and links above.
tcp_lab() {
	local n=$1 i vs vc
	NS_S=${RUNID}s
	NS_H=${RUNID}h
	mk_ns "$NS_S"
	mk_ns "$NS_H"
	for i in $(seq 1 "$n"); do
		eval "NS_C$i=${RUNID}c$i"
		vs=s$i$SID vc=c$i$SID
		mk_ns "${RUNID}c$i"
		ip link add "$vs" netns "$NS_S" type veth peer name "$vc" \
		    netns "${RUNID}c$i" || die "veth $i"
		nsx "$NS_S" ip addr add "$(tcp_srv4 "$i")/24" dev "$vs"
		nsx "$NS_S" ip addr add "$(tcp_srv6 "$i")/64" dev "$vs" nodad
		nsx "${RUNID}c$i" ip addr add "198.51.$((99 + i)).2/24" dev "$vc"
		nsx "${RUNID}c$i" ip addr add "fd00:$i::2/64" dev "$vc" nodad
		nsx "$NS_S" ip link set "$vs" up || die "link $vs"
		nsx "${RUNID}c$i" ip link set "$vc" up || die "link $vc"
	done
	ip link add "sh$SID" netns "$NS_S" type veth peer name "h$SID" \
	    netns "$NS_H" || die "veth host"
	nsx "$NS_S" ip addr add 2001:db8:ffff::1/64 dev "sh$SID" nodad
	nsx "$NS_H" ip addr add "$TCP_HOST/64" dev "h$SID" nodad
	nsx "$NS_S" ip link set "sh$SID" up
	nsx "$NS_H" ip link set "h$SID" up
	nsx "$NS_H" ip route add default via 2001:db8:ffff::1 ||
		die "host default route"
	nsx "$NS_S" sysctl -qw net.ipv6.conf.all.forwarding=1 ||
		die "forwarding"
	# The service user replaces the assignments file in this directory.
	mkdir -p "$TMPD/pool"
	chown _ipipd "$TMPD/pool"
	TCP_FILE=$TMPD/pool/pool.json
}

# tcp_server LOG [ARGS...]: the prefix server in NS_S (SRV_PID).
tcp_server() {
	local logf=$1
	shift
	ipipd_up "$NS_S" "$logf" dev "tp$SID" serve tcp port "$TCP_PORT" \
	    prefix-pool "$TCP_POOL" assignments "$TCP_FILE" "$@"
	SRV_PID=$IPIPD_PID
}

# tcp_client I LOG REMOTE [ARGS...]: a client in NS_C<I> (CLI_PID),
# routing the host's network and the pool through its tunnel.
tcp_client() {
	local i=$1 logf=$2 remote=$3 ns
	shift 3
	ns=${RUNID}c$i
	ipipd_up "$ns" "$logf" dev "tc$i$SID" remote "$remote" encap tcp \
	    encap-dport "$TCP_PORT" route "$TCP_HOSTNET" route "$TCP_POOL" "$@"
	CLI_PID=$IPIPD_PID
}

# prefix_count LOG: how many prefixes the client was told so far.
prefix_count() { grep -Ec 'prefix [0-9a-f:]+/64 assigned by' "$1"; }

# wait_prefix LOG PID [N] [SECONDS]: wait for the Nth (1st) prefix line;
# PREFIX is the /64 it names (without /64).
wait_prefix() {
	local logf=$1 pid=$2 n=${3:-1} t=$((${4:-10} * 10))
	PREFIX=
	while [ "$t" -gt 0 ]; do
		if [ "$(prefix_count "$logf")" -ge "$n" ]; then
			PREFIX=$(grep -Eo 'prefix [0-9a-f:]+/64 assigned' "$logf" |
			    sed -n "${n}p" | awk '{ sub("/64", "", $2); print $2 }')
			return 0
		fi
		pid_running "$pid" || break
		sleep 0.1
		t=$((t - 1))
	done
	error "no prefix line number $n in $(basename "$logf")"
	show_log "$logf"
	return 1
}

# addr_of PREFIX: the client's address in its /64 (PREFIX::1).
addr_of() { echo "${1%::}::1"; }

# sha_transfer NS_SRC NS_DST DST_ADDR BYTES: BYTES random bytes over TCP
# through the tunnel; the receiver's SHA-256 must match the sender's.
sha_transfer() {
	local src=$1 dst=$2 addr=$3 bytes=$4 port=$((TCP_PORT + 100 + RANDOM % 100))
	local data=$TMPD/data.$RANDOM got=$TMPD/got.$RANDOM lpid want have
	head -c "$bytes" /dev/urandom >"$data"
	want=$(sha256sum <"$data" | cut -d' ' -f1)
	ip netns exec "$dst" timeout 60 socat -u \
	    "TCP6-LISTEN:$port,reuseaddr" "OPEN:$got,creat,trunc" \
	    2>"$got.err" </dev/null &
	lpid=$!
	_DAEMON_PIDS+=("$lpid")
	wait_until 5 nsx "$src" timeout 55 socat -u "OPEN:$data" \
	    "TCP6:[$addr]:$port,connect-timeout=2" 2>>"$got.err" ||
		error "socat to [$addr]:$port failed: $(cat "$got.err")"
	wait "$lpid" 2>/dev/null
	have=$(sha256sum <"$got" 2>/dev/null | cut -d' ' -f1)
	if [ "$have" = "$want" ]; then
		ok "$bytes bytes $src -> [$addr]: sha256 matches"
	else
		error "$bytes bytes $src -> [$addr]: sha256 ${have:-none} ($(stat -c %s "$got" 2>/dev/null) bytes), want $want"
	fi
	rm -f "$data" "$got"
}

# ping6_ok NS DEST: 3 echoes, all answered.
ping6_ok() {
	local out
	out=$(nsx "$1" ping -6 -n -q -c 3 -i 0.2 -W 2 "$2" 2>&1)
	if printf '%s\n' "$out" | grep -q ' 3 received'; then
		ok "ping $2 from $1: 3/3"
	else
		error "ping $2 from $1: $(printf '%s\n' "$out" | tail -n 2)"
	fi
}

# json_prefix FILE ID: the prefix FILE assigns to ID (python3, stdlib).
json_prefix() {
	"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d.get(sys.argv[2], "none"))' "$1" "$2"
}

# client_id LOG: the identifier a client logged as its own.
client_id() { grep -Eo 'identifier [^ ]+:' "$1" | head -n 1 | sed 's/identifier //; s/:$//'; }
