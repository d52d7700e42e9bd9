#!/bin/bash
#
# The AppArmor profiles compile: apparmor/gen.sh for the default and a
# /usr install, then `apparmor_parser -QTK` (parse and compile, no
# kernel, no cache) on every profile.  Loading them in enforce mode and
# running a tunnel under them is tests/apparmor/run.sh (make
# apparmor-test), in the kernel VM.

. "$(dirname "$0")/../lib.sh"
need_cmd apparmor_parser

for prefix in /usr /usr/local /opt/ipipd-test; do
	out=$TMPD/aa${prefix//\//.}
	names=$("$TOPDIR/apparmor/gen.sh" "$out" "$prefix/sbin" \
	    "$prefix/libexec/ipipd" /etc /etc/apparmor.d) ||
		{ error "gen.sh for $prefix failed"; continue; }
	expect_eq "$(echo "$names" | wc -l)" 4 "profiles for $prefix"
	for n in $names; do
		if msg=$(apparmor_parser -QTK "$out/$n" 2>&1 |
		    grep -v '^Cache read/write disabled'); [ -z "$msg" ] &&
		    apparmor_parser -QTK "$out/$n" >/dev/null 2>&1; then
			ok "apparmor_parser -QTK $n"
		else
			error "apparmor_parser -QTK $n: $msg"
		fi
	done
done

# A broken profile must fail, or the check above proves nothing.
printf 'abi <abi/3.0>,\nprofile broken /x {\n  capability no_such_cap,\n}\n' \
    >"$TMPD/broken"
if apparmor_parser -QTK "$TMPD/broken" >/dev/null 2>&1; then
	error "apparmor_parser accepted a broken profile"
else
	ok "apparmor_parser rejects a broken profile"
fi
finish
