#!/bin/bash
#
# Run the libFuzzer targets (`make fuzz-run` runs
# `BUILD=build FUZZ_SECONDS=60 tests/fuzz/run.sh TARGET...`).
#
#	tests/fuzz/run.sh [TARGET...]
#
# TARGET is the <input> of $BUILD/fuzz/fuzz_<input> (default: one per
# tests/fuzz/fuzz_*.c).  Each runs for FUZZ_SECONDS from a copy of
# tests/fuzz/corpus/<input>/ in a temporary directory (the tree's corpus
# is never written), with tests/fuzz/fuzz_<input>.dict if there is one.
# Crash, leak, timeout and out-of-memory inputs are saved under
# $BUILD/fuzz/crashes/<input>/, the whole output in
# $BUILD/fuzz/fuzz_<input>.log.  One line per target: `PASS name
# (executions, cov, ft)` or `FAIL name` followed by the report's key
# lines (the saved input's name among them).
#
# Exit status: 0 when every target ran its time without a failure, else 1.
#
# Environment: BUILD (build), FUZZ_SECONDS (60), FUZZ_ARGS (more
# libFuzzer flags), FUZZ_WORKDIR (keep the grown corpora in
# FUZZ_WORKDIR/<input> instead of a temporary directory),
# ASAN_OPTIONS / UBSAN_OPTIONS (defaults set here).

set -u

TOPDIR=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOPDIR" || exit 1

BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$TOPDIR/$BUILD ;;
esac
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_ARGS=${FUZZ_ARGS:-}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ $# -eq 0 ]; then
	set --
	for src in tests/fuzz/fuzz_*.c; do
		t=${src#tests/fuzz/fuzz_}
		set -- "$@" "${t%.c}"
	done
fi

if [ -n "${FUZZ_WORKDIR:-}" ]; then
	work=$FUZZ_WORKDIR
	mkdir -p "$work" || exit 1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/ipipd-fuzz.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
fi

failed=0
for t in "$@"; do
	bin=$BUILD/fuzz/fuzz_$t
	log=$BUILD/fuzz/fuzz_$t.log
	crashes=$BUILD/fuzz/crashes/$t
	if [ ! -x "$bin" ]; then
		echo "FAIL $t (no $bin: make fuzz first)"
		failed=1
		continue
	fi
	mkdir -p "$work/$t" "$crashes"
	if [ -d "tests/fuzz/corpus/$t" ]; then
		cp -R "tests/fuzz/corpus/$t/." "$work/$t/"
	fi
	dict=()
	if [ -f "tests/fuzz/fuzz_$t.dict" ]; then
		dict=("-dict=tests/fuzz/fuzz_$t.dict")
	fi

	# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
	    -rss_limit_mb=2048 -error_exitcode=77 -timeout_exitcode=77 \
	    -print_final_stats=1 -artifact_prefix="$crashes/" \
	    "${dict[@]}" $FUZZ_ARGS "$work/$t" >"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ] && ! grep -qE '^==[0-9]+==ERROR|^SUMMARY: ' "$log"
	then
		echo "PASS $t (${execs:-?} executions, cov: ${cov:-?}," \
		    "ft: ${ft:-?})"
	else
		echo "FAIL $t (exit $rc; log $log; inputs in $crashes/)"
		grep -E 'invariant failed|ERROR:|SUMMARY:|^ +#[0-5] |written' \
		    "$log" | head -n 24 | sed 's/^/    /'
		failed=1
	fi
done
exit "$failed"
