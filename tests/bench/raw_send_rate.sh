#!/bin/bash
# make bench-raw: the kernel's cost of the engine's way of sending.
# One raw socket in a namespace sends 1400-byte IP-in-IP packets in
# sendmmsg batches of 64 (tests/helpers/raw_send_rate.c) over a veth
# pair, for each outer family: with the outer header written by the
# sender (IP_HDRINCL / IPV6_HDRINCL, as the engine does) or by the
# kernel, to the peer on the link and to an address behind it (a route
# with a gateway).  Nothing listens on the far side, so the receiver
# only drops (and answers with rate-limited ICMP), the same in every
# case.  Figures compare within one run only.
#
#   tests/bench/raw_send_rate.sh [SECONDS]    (default 2 per case)
#
# Environment: BUILD (default build).  Needs root.
set -u

TOPDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOPDIR/$BUILD ;; esac
RATE=$BUILD/tests/raw_send_rate
SECS=${1:-2}
NS_A="iprsr$$a" NS_B="iprsr$$b" VETH="iprsr$$"

die() { echo "bench-raw: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces)"
[ -x "$RATE" ] || die "$RATE not built (run make bench-raw)"

cleanup() {
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$NS_A" && ip netns add "$NS_B" &&
ip link add "${VETH}a" netns "$NS_A" type veth peer name "${VETH}b" \
    netns "$NS_B" || die "cannot make the namespaces and veth pair"
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set "${VETH}a" up
ip -n "$NS_B" link set "${VETH}b" up
ip -n "$NS_A" addr add 192.0.2.1/24 dev "${VETH}a"
ip -n "$NS_B" addr add 192.0.2.2/24 dev "${VETH}b"
ip -n "$NS_A" addr add 2001:db8:1::1/64 dev "${VETH}a" nodad
ip -n "$NS_B" addr add 2001:db8:1::2/64 dev "${VETH}b" nodad
# The far addresses: on B's loopback, reached from A through B.
ip -n "$NS_B" addr add 198.51.100.9/32 dev lo
ip -n "$NS_B" addr add 2001:db8:9::9/128 dev lo
ip -n "$NS_A" route add 198.51.100.9/32 via 192.0.2.2
ip -n "$NS_A" route add 2001:db8:9::9/128 via 2001:db8:1::2

echo "raw_send_rate: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), ${SECS} s per case"
rc=0
for fam in 4 6; do
	if [ "$fam" = 4 ]; then src=192.0.2.1 near=192.0.2.2 far=198.51.100.9
	else src=2001:db8:1::1 near=2001:db8:1::2 far=2001:db8:9::9; fi
	for hdr in hdrincl kernel; do
		for dst in "$near" "$far"; do
			where=on-link; [ "$dst" = "$far" ] && where=gateway
			out=$(ip netns exec "$NS_A" "$RATE" "$fam" "$hdr" \
			    "$src" "$dst" "$SECS") || rc=1
			echo "$out ($where)"
		done
	done
done
exit $rc
