#!/bin/bash
#
# The Debian packages (issue 14, README "Quick start"): deps/debian.txt
# is the one list.
#
#  - README's apt-get line names exactly its build and check packages;
#  - deps/install.sh -n names exactly the packages of a list that are
#    not installed, on one apt-get line, and prints nothing when all are
#    (checked against dpkg-query with a list of two installed packages
#    and one that exists nowhere; nothing is installed);
#  - plain make, in a copy of the tree whose list names a pkg-config
#    module that does not exist, stops before compiling anything with
#    one line naming the package; the real list finds every module;
#  - make check and make demo run make deps first, NO_DEPS=1 does not.

. "$(dirname "$0")/../lib.sh"
need_cmd dpkg-query make awk pkg-config
# Run by make check, whose make passes NO_DEPS=1 (and its job server)
# down in MAKEFLAGS and the environment: the makes here must start from
# nothing.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES NO_DEPS
LIST=$TOPDIR/deps/debian.txt

# pkgs FOR...: the packages of the list for FOR..., sorted.
pkgs() {
	local f
	for f in "$@"; do
		awk -v f="$f" '!/^#/ && NF >= 2 && $2 == f { print $1 }' "$LIST"
	done | sort
}

log "=== README's apt-get line is the list"
readme=$(grep -E '^apt-get install ' "$TOPDIR/README.md" | head -n 1 |
	sed 's/^apt-get install //' | tr ' ' '\n' | grep -v '^$' | sort)
[ -n "$readme" ] || error "no apt-get install line in README.md"
expect_eq "$(echo $readme)" "$(echo $(pkgs build check))" \
    "README's packages"

log "=== deps/install.sh -n: only what is missing"
FAKE=ipipd-t-deps-absent-$SID
printf 'coreutils\tbuild\nbash\tcheck\n%s\tcheck\n' "$FAKE" >"$TMPD/list"
out=$(DEPS_LIST=$TMPD/list "$TOPDIR/deps/install.sh" -n 2>&1)
expect_status $? 0 "install.sh -n"
expect_eq "$out" "apt-get install -y --no-install-recommends $FAKE" \
    "install.sh -n output"
printf 'coreutils\tbuild\nbash\tcheck\n' >"$TMPD/list2"
out=$(DEPS_LIST=$TMPD/list2 "$TOPDIR/deps/install.sh" -n 2>&1)
expect_eq "$out" "" "install.sh -n with everything installed"
out=$(DEPS_LIST=$TMPD/list "$TOPDIR/deps/install.sh" -n ci 2>&1)
expect_eq "$out" "" "install.sh -n for a FOR the list does not have"

log "=== plain make: one line naming a missing package, nothing compiled"
SRC=$TMPD/src
mkdir "$SRC" || die "mkdir"
(cd "$TOPDIR" && tar -cf - --exclude='./build*' --exclude=./.git .) |
	tar -xf - -C "$SRC" || die "copy the tree"
printf '%s\tbuild\t%s\n' "$FAKE" "$FAKE-module" >>"$SRC/deps/debian.txt"
out=$(make -C "$SRC" --no-print-directory 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    | /'
expect_ne "$rc" 0 "make's exit status"
expect_eq "$(printf '%s\n' "$out" | wc -l)" 1 "lines of output"
expect_match "$out" "missing Debian packages: $FAKE; make deps installs them" \
    "the line"
if [ -e "$SRC/build/obj" ]; then
	error "make compiled something: $(find "$SRC/build/obj" -name '*.o' | head -n 3)"
else
	ok "nothing compiled"
fi
out=$(make -C "$TOPDIR" --no-print-directory -n pkgcheck 2>&1)
expect_status $? 0 "make -n pkgcheck with the real list${out:+: $out}"

log "=== make check and make demo run make deps first, NO_DEPS=1 does not"
for t in check demo; do
	first=$(make -C "$TOPDIR" --no-print-directory -n "$t" 2>/dev/null | head -n 1)
	expect_eq "$first" "deps/install.sh build check" "first step of make $t"
	if make -C "$TOPDIR" --no-print-directory -n NO_DEPS=1 "$t" 2>/dev/null |
	    grep -q 'deps/install.sh'; then
		error "make NO_DEPS=1 $t would run deps/install.sh"
	else
		ok "make NO_DEPS=1 $t does not run deps/install.sh"
	fi
done
finish
