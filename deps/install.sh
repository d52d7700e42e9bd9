#!/bin/sh
#
# deps/install.sh [-n] [FOR...]: install the Debian packages of
# deps/debian.txt whose FOR is one of FOR... (default: build check) and
# that are not installed yet (dpkg-query).  Prints the one apt-get
# command before it runs it, and nothing when everything is there; -n
# only prints it.  `make deps` runs it; NO_DEPS=1 make ... skips it
# (packagers, systems without dpkg).  DEPS_LIST names another list (the
# tests use one).
#
# apt-get update runs first only when apt does not know a missing
# package (a fresh machine or container has no package lists).

set -eu
list=${DEPS_LIST:-$(dirname "$0")/debian.txt}
dry=0
if [ "${1:-}" = -n ]; then
	dry=1
	shift
fi
[ $# -gt 0 ] || set -- build check
[ -r "$list" ] || { echo "deps/install.sh: cannot read $list" >&2; exit 1; }

want=$(for f in "$@"; do
	awk -v f="$f" '!/^#/ && NF >= 2 && $2 == f { print $1 }' "$list"
done)

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps/install.sh: no dpkg-query (not Debian?): install the" \
	    "equivalents of:" $want "; then run make with NO_DEPS=1" >&2
	exit 1
fi

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || st=
	[ "$st" = installed ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
if [ "$dry" -eq 1 ]; then
	echo "apt-get install -y --no-install-recommends$missing"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps/install.sh: missing packages:$missing; run as root," \
	    "or install them yourself and use NO_DEPS=1" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-cache show --no-all-versions $missing >/dev/null 2>&1; then
	echo "apt-get update"
	apt-get update -q
fi
echo "apt-get install -y --no-install-recommends$missing"
# shellcheck disable=SC2086
exec apt-get install -y --no-install-recommends $missing
