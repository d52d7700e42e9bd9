#!/bin/sh
#
# apparmor/gen.sh OUTDIR SBINDIR LIBEXECDIR SYSCONFDIR APPARMORDIR
#
# Writes the four AppArmor profiles for binaries installed in SBINDIR
# (ipipd, ipipctl) and LIBEXECDIR (ipipd-engine, ipipd-resolver) into OUTDIR, each
# named after its binary's path as AppArmor's tools expect
# (/usr/sbin/ipipd -> usr.sbin.ipipd).  Paths must be absolute and free
# of characters special to AppArmor or sed.

set -eu
[ $# -eq 5 ] || { echo "usage: $0 OUTDIR SBINDIR LIBEXECDIR SYSCONFDIR APPARMORDIR" >&2; exit 2; }
out=$1 sbindir=$2 libexecdir=$3 sysconfdir=$4 aadir=$5
src=$(dirname "$0")
chrootdir=/var/lib/ipipd/empty

for p in "$sbindir" "$libexecdir" "$sysconfdir" "$aadir"; do
	case $p in
	/*) ;;
	*) echo "$0: $p: not an absolute path" >&2; exit 2 ;;
	esac
	case $p in
	*[!A-Za-z0-9/._+-]*) echo "$0: $p: unusual characters" >&2; exit 2 ;;
	esac
done

# name PATH: the profile file name of a binary.
name() { echo "${1#/}" | tr / .; }

mkdir -p "$out"
for b in ipipd ipipctl ipipd-engine ipipd-resolver; do
	case $b in
	ipipd | ipipctl) dir=$sbindir ;;
	*) dir=$libexecdir ;;
	esac
	n=$(name "$dir/$b")
	sed -e "s|@SBINDIR@|$sbindir|g" -e "s|@LIBEXECDIR@|$libexecdir|g" \
	    -e "s|@SYSCONFDIR@|$sysconfdir|g" -e "s|@APPARMORDIR@|$aadir|g" \
	    -e "s|@CHROOTDIR@|$chrootdir|g" -e "s|@NAME@|$n|g" \
	    "$src/$b.in" >"$out/$n.tmp"
	mv "$out/$n.tmp" "$out/$n"
	echo "$n"
done
