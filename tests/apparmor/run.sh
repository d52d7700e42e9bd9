#!/bin/bash
#
# ipipd under its AppArmor profiles, in enforce mode (`make apparmor-test`
# runs `BUILD=build tests/apparmor/run.sh`).
#
# This host's kernel has no AppArmor, so the check runs in a virtual
# machine booted by /work/shared/kernel-vm/kernel-vm (Debian's kernel,
# AppArmor on, this machine's root file system read-only).  Here, on the
# host: `make install` into a fresh directory under /tmp, with PREFIX
# pointing there, so the binaries sit exactly where the generated
# profiles say; make sure the service user and the chroot directory
# exist (the guest cannot create them); boot the VM with that directory
# writable; tests/apparmor/guest.sh does the rest inside and prints
# `apparmor: N passed, M failed` last.
#
# Exit status: 0 when every check passed; 1 when one failed, the VM
# failed or a prerequisite is missing; 77 (skip) when the kernel-vm
# harness is not there.
#
# Environment: KERNEL_VM (../shared/kernel-vm/kernel-vm beside the
# tree, else /work/shared/kernel-vm/kernel-vm), APPARMOR_VM_TIMEOUT (900
# seconds).  The install builds in a directory of its own.  About a
# minute on this machine.

set -u

TOPDIR=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOPDIR" || exit 1
# The harness sits in shared/ beside the work tree (as in CI's clone).
if [ -z "${KERNEL_VM:-}" ]; then
	KERNEL_VM=/work/shared/kernel-vm/kernel-vm
	[ -e "$TOPDIR/../shared/kernel-vm/kernel-vm" ] &&
		KERNEL_VM=$TOPDIR/../shared/kernel-vm/kernel-vm
fi
VM_TIMEOUT=${APPARMOR_VM_TIMEOUT:-900}
CHROOT=/var/lib/ipipd/empty

abort() {
	echo "apparmor/run.sh: $*" >&2
	echo "apparmor: 0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" -eq 0 ] || abort "must run as root (kernel-vm)"
if [ ! -e "$KERNEL_VM" ]; then
	echo "apparmor/run.sh: SKIP: the kernel-vm harness $KERNEL_VM is missing" >&2
	exit 77
fi
for c in apparmor_parser ip ping make; do
	command -v "$c" >/dev/null 2>&1 ||
		abort "$c is not installed (the guest uses the host's tools)"
done
id _ipipd >/dev/null 2>&1 ||
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin _ipipd || abort "useradd _ipipd"
install -d -o root -g root -m 0755 /var/lib/ipipd "$CHROOT" ||
	abort "cannot create $CHROOT"
# serve tcp's assignments file goes here (as tmpfiles.d makes it); the
# guest gets it writable.
install -d -o _ipipd -g root -m 0750 /var/lib/ipipd/pool ||
	abort "cannot create /var/lib/ipipd/pool"

W=$(mktemp -d /tmp/ipipd-aa.XXXXXX) || abort "mktemp"
chmod 0755 "$W"
trap 'rm -rf "$W"' EXIT
INST=$W/inst
if ! make -s BUILD="$W/build" PREFIX="$INST" SYSCONFDIR="$INST/etc" \
    install >"$W/make.log" 2>&1; then
	cat "$W/make.log" >&2
	abort "make install PREFIX=$INST failed"
fi
echo "apparmor/run.sh: installed into $INST:"
(cd "$INST" && find . -type f | sort | sed 's/^/    /')

"$KERNEL_VM" -t "$VM_TIMEOUT" -w "$W" -w /var/lib/ipipd/pool \
    "$TOPDIR/tests/apparmor/guest.sh" "$INST"
rc=$?
case $rc in
0) exit 0 ;;
124|125) echo "apparmor: 0 passed, 1 failed (kernel-vm status $rc)"; exit 1 ;;
*) exit 1 ;;
esac
