#!/bin/bash
#
# ipipd interoperability tests against the Linux kernel's ipip, sit and
# ip6tnl tunnels (`make interop` runs `BUILD=build tests/interop/run.sh`).
#
#	tests/interop/run.sh [PATTERN]
#
# This host's kernel has no tunnel modules, so the tests run in ONE
# virtual machine booted by /work/shared/kernel-vm/kernel-vm with Debian's
# own kernel and this machine's root file system (read-only).
# tests/interop/guest.sh runs inside it; its output comes back live.
# PATTERN (an extended regular expression) keeps only the cases whose name
# matches it.
#
# Host side, here: check the prerequisites, make sure the service user
# _ipipd and the chroot directory /var/lib/ipipd/empty exist (the guest
# cannot create them: its / is read-only), boot the VM, and print a last
# line `interop: N passed, M failed`.
#
# Exit status: 0 when every case passed; 1 when a case failed, the VM
# failed or timed out, or a prerequisite is missing; 77 (skip) when the
# kernel-vm harness is not there.  A skip is never reported as a pass.
#
# Environment: BUILD (build), KERNEL_VM (/work/shared/kernel-vm/kernel-vm),
# INTEROP_VM_TIMEOUT (1500 seconds for the whole VM: the 27 cases took 403 s
# one day and did not finish in 600 s another), INTEROP_VERBOSE=1
# (show every case's log, with its packet captures), INTEROP_CASE_TIMEOUT,
# INTEROP_NO_ICMP_FILTER=1 (see icmp_filter in guest.sh).

set -u

TOPDIR=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOPDIR" || exit 1

BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$TOPDIR/$BUILD ;;
esac
KERNEL_VM=${KERNEL_VM:-/work/shared/kernel-vm/kernel-vm}
VM_TIMEOUT=${INTEROP_VM_TIMEOUT:-1500}
# One vCPU: under TCG every exec and netns switch is about 1.5 times
# faster than with two, and nothing here needs parallelism.
VM_SMP=${INTEROP_VM_SMP:-1}
FILTER=${1:-${INTEROP_FILTER:-}}
CHROOT=/var/lib/ipipd/empty
USER_=_ipipd

# A problem that stops the run before any case: say why, count it failed.
abort() {
	echo "run.sh: $*" >&2
	echo "interop: 0 passed, 1 failed"
	exit 1
}

skip() {
	echo "run.sh: SKIP: $*" >&2
	echo "interop: 0 passed, 0 failed (SKIPPED, nothing was tested: $*)"
	exit 77
}

[ "$(id -u)" -eq 0 ] ||
	abort "must run as root (kernel-vm, namespaces, TUN devices)"

if [ ! -e "$KERNEL_VM" ]; then
	skip "the kernel-vm harness $KERNEL_VM is missing; without it there" \
	    "is no kernel with ipip/sit/ip6tnl to test against"
fi
[ -x "$KERNEL_VM" ] || abort "$KERNEL_VM is not executable"

for b in ipipd ipipd-engine ipipd-resolver; do
	[ -x "$BUILD/$b" ] || abort "$BUILD/$b is not built (run make)"
done

# The guest runs this host's binaries: they must be installed here.
for c in ip ping tcpdump timeout socat ethtool cmp; do
	command -v "$c" >/dev/null 2>&1 ||
		abort "$c is not installed (the guest uses the host's tools)"
done

# The service user: the guest reads the host's /etc.
if ! id "$USER_" >/dev/null 2>&1; then
	echo "run.sh: creating service user $USER_"
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$USER_" || abort "useradd $USER_ failed"
fi

# The engine's chroot: ipipd would create it, but not on a read-only /.
if [ ! -d "$CHROOT" ]; then
	echo "run.sh: creating $CHROOT"
	install -d -o root -g root -m 0755 "$CHROOT" || abort "mkdir $CHROOT"
fi
st=$(stat -c '%u %a' "$CHROOT")
[ "$st" = "0 755" ] ||
	abort "$CHROOT is owner/mode '$st', ipipd wants root-owned 0755"

# The guest covers /tmp, /var/tmp, /run and /var/log with tmpfs: a tree
# or build there is visible inside only when shared with -w.
vmargs=()
for d in "$TOPDIR" "$BUILD"; do
	case $d/ in
	/tmp/* | /var/tmp/* | /run/* | /var/log/*) vmargs+=(-w "$d") ;;
	esac
done

OUT=$(mktemp /tmp/ipipd-interop.XXXXXX) || abort "mktemp"
trap 'rm -f "$OUT"' EXIT

echo "run.sh: booting $KERNEL_VM (timeout ${VM_TIMEOUT}s)"
start=$(date +%s)
"$KERNEL_VM" -t "$VM_TIMEOUT" -s "$VM_SMP" "${vmargs[@]+"${vmargs[@]}"}" \
    -e IPIPD_TOPDIR="$TOPDIR" -e BUILD="$BUILD" \
    -e INTEROP_FILTER="$FILTER" -e INTEROP_VERBOSE="${INTEROP_VERBOSE:-0}" \
    -e INTEROP_CASE_TIMEOUT="${INTEROP_CASE_TIMEOUT:-120}" \
    -e INTEROP_NO_ICMP_FILTER="${INTEROP_NO_ICMP_FILTER:-0}" \
    -e INTEROP_NO_SUMMARY=1 \
    "$TOPDIR/tests/interop/guest.sh" 2>&1 | tee "$OUT"
rc=${PIPESTATUS[0]}
secs=$(($(date +%s) - start))

npass=$(grep -c '^PASS ' "$OUT")
nfail=$(grep -c '^FAIL ' "$OUT")
case $rc in
0) ;;
124)
	echo "run.sh: the VM timed out after ${VM_TIMEOUT}s (cases not" \
	    "reported above did not run)"
	nfail=$((nfail + 1)) ;;
125)
	echo "run.sh: the VM or the kernel-vm harness failed (status 125)"
	nfail=$((nfail + 1)) ;;
*)
	# The guest's own status: 1 with FAIL lines is expected; without
	# any, something else went wrong and it must not pass.
	if [ "$nfail" -eq 0 ]; then
		echo "run.sh: the guest exited with status $rc"
		nfail=1
	fi ;;
esac
if [ "$npass" -eq 0 ] && [ "$nfail" -eq 0 ]; then
	echo "run.sh: no case ran${FILTER:+ (pattern \"$FILTER\")}"
	nfail=1
fi
echo "run.sh: wall time ${secs}s (VM status $rc)"
echo "interop: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ] && [ "$rc" -eq 0 ]
