#!/bin/bash
#
# The Debian package under a real systemd, with AppArmor enforcing
# (`make systemd-test` builds the package with `make deb`, then runs
# this).  This host runs no systemd and its kernel has no AppArmor, so
# the test boots /work/shared/kernel-vm/kernel-vm --systemd: Debian's
# kernel, systemd 252 as PID 1, this machine's root file system under a
# writable overlay that vanishes with the VM.  tests/systemd/guest.sh
# does the work inside and prints `systemd: N passed, M failed` last.
#
#	tests/systemd/run.sh DEB
#
# Exit status: 0 when every check passed; 1 when one failed, the VM
# failed or a prerequisite is missing; 77 (skip) when the kernel-vm
# harness is not there.
#
# Environment: KERNEL_VM (../shared/kernel-vm/kernel-vm beside the tree,
# else /work/shared/kernel-vm/kernel-vm), SYSTEMD_VM_TIMEOUT (600 s),
# SYSTEMD_VM_SMP (2 CPUs).

set -u

TOPDIR=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOPDIR" || exit 1
if [ -z "${KERNEL_VM:-}" ]; then
	KERNEL_VM=/work/shared/kernel-vm/kernel-vm
	[ -e "$TOPDIR/../shared/kernel-vm/kernel-vm" ] &&
		KERNEL_VM=$TOPDIR/../shared/kernel-vm/kernel-vm
fi
DEB=${1:-}

abort() {
	echo "systemd/run.sh: $*" >&2
	echo "systemd: 0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" -eq 0 ] || abort "must run as root (kernel-vm)"
if [ ! -e "$KERNEL_VM" ]; then
	echo "systemd/run.sh: SKIP: the kernel-vm harness $KERNEL_VM is missing" >&2
	exit 77
fi
[ -n "$DEB" ] && [ -f "$DEB" ] || abort "no package '$DEB' (make systemd-test builds it)"
case $DEB in /*) ;; *) DEB=$TOPDIR/$DEB ;; esac
# The guest runs this host's programs: they must be installed here.
for c in systemctl journalctl systemd-analyze apparmor_parser ip ping apt-get; do
	command -v "$c" >/dev/null 2>&1 ||
		abort "$c is not installed (the guest uses the host's tools)"
done

t0=$(date +%s)
"$KERNEL_VM" --systemd -t "${SYSTEMD_VM_TIMEOUT:-600}" -s "${SYSTEMD_VM_SMP:-2}" \
    "$TOPDIR/tests/systemd/guest.sh" "$DEB"
rc=$?
echo "systemd/run.sh: the VM took $(($(date +%s) - t0)) s"
case $rc in
0) exit 0 ;;
124|125) echo "systemd: 0 passed, 1 failed (kernel-vm status $rc)"; exit 1 ;;
*) exit 1 ;;
esac
