#!/bin/bash
#
# ipipd -nv prints the configuration as parsed, in the configuration
# file's syntax (priv/conf_print.c).  For each tests/nv/NAME.ok the
# command line of NAME.args (or -f NAME.conf) must print exactly that,
# exit 0 and say "configuration OK" on stderr; and the output, read back
# with -f (and the -4/-6 of the command line), must print the same
# again, but for the "# default" marks: every keyword is given then.
# `-n` without -v prints nothing on standard output.

. "$(dirname "$0")/../lib.sh"
need_ipipd
NVDIR=$TOPDIR/tests/nv

# nv NAME OUT ARGS...: ipipd -nv ARGS into OUT, checked for status, stderr.
nv() {
	local name=$1 out=$2 st
	shift 2
	"$IPIPD" -nv "$@" >"$out" 2>"$out.err"
	st=$?
	expect_eq "$st" 0 "$name: exit status"
	expect_eq "$(cat "$out.err")" "configuration OK" "$name: stderr"
}

# Lines without their "# default" mark.
unmarked() { sed 's/\t# default$//' "$1"; }

n=0
for okf in "$NVDIR"/*.ok; do
	name=$(basename "$okf" .ok)
	out=$TMPD/$name.out
	pins=()
	if [ -f "$NVDIR/$name.conf" ]; then
		args=(-f "$NVDIR/$name.conf")
	else
		read -r -a args <"$NVDIR/$name.args" || die "$name.args"
		for a in "${args[@]}"; do
			case $a in -4 | -6) pins+=("$a") ;; esac
		done
	fi
	log "=== $name: ipipd -nv ${args[*]}"
	nv "$name" "$out" "${args[@]}"
	if diff -u "$okf" "$out"; then
		ok "$name: the output is $name.ok"
	else
		error "$name: the output differs from $name.ok"
	fi
	nv "$name again" "$out.2" "${pins[@]}" -f "$out"
	if diff -u <(unmarked "$okf") <(unmarked "$out.2"); then
		ok "$name: read back, it prints the same"
	else
		error "$name: read back, it prints something else"
	fi
	n=$((n + 1))
done
[ "$n" -ge 8 ] || error "only $n cases in $NVDIR"

out=$("$IPIPD" -n dev tun9 remote 192.0.2.2 2>/dev/null)
expect_eq "$out" "" "-n alone: nothing on standard output"
finish
