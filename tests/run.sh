#!/bin/bash
#
# The ipipd test runner (`make check` runs `BUILD=build tests/run.sh`).
#
#	tests/run.sh [PATTERN]
#
# Runs every unit test binary $BUILD/tests/test_* (cmocka), then every
# tests/integration/t_*.sh and tests/wire/t_*.sh, each under timeout with
# its output captured to a log that is shown when it fails.  One line per
# test: `PASS name`, `FAIL name` or `SKIP name (reason)` (a test exits 77
# to skip), then exactly one line `N passed, M failed, K skipped`.
# PATTERN (an extended regular expression) keeps only the tests whose name
# (e.g. unit/test_cksum, integration/t_combos, wire/t_emit) matches it.
#
# Exit status: 0 when something ran and nothing failed, else 1.
#
# Environment: BUILD (build), UNIT_TIMEOUT (60), TEST_TIMEOUT (300),
# LOGDIR (a temporary directory, removed unless something failed),
# VERBOSE=1 shows every log.

set -u

TOPDIR=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOPDIR" || exit 1

BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$TOPDIR/$BUILD ;;
esac
export BUILD

UNIT_TIMEOUT=${UNIT_TIMEOUT:-60}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
FILTER=${1:-}

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: the ipipd tests must run as root (network namespaces," \
	    "TUN devices); try: sudo make check" >&2
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

for c in timeout ip; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "run.sh: $c not installed" >&2
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
done

KEEP_LOGS=0
if [ -n "${LOGDIR:-}" ]; then
	mkdir -p "$LOGDIR" || exit 1
	KEEP_LOGS=1
else
	LOGDIR=$(mktemp -d /tmp/ipipd-tests.XXXXXX) || exit 1
fi

npass=0
nfail=0
nskip=0
failed=()
current_pid=

interrupted() {
	trap - INT TERM
	echo "run.sh: interrupted" >&2
	[ -n "$current_pid" ] && kill -TERM "$current_pid" 2>/dev/null &&
		wait "$current_pid" 2>/dev/null
	echo "$npass passed, $((nfail + 1)) failed, $nskip skipped"
	exit 130
}
trap interrupted INT TERM

# run_one NAME TIMEOUT CMD...
run_one() {
	local name=$1 tmo=$2 logf rc reason t0 t1
	shift 2
	if [ -n "$FILTER" ] && ! printf '%s\n' "$name" | grep -Eq -- "$FILTER"
	then
		return 0
	fi
	logf=$LOGDIR/$(printf '%s' "$name" | tr '/' '_').log
	t0=$(date +%s)
	# timeout in the background so that Ctrl-C reaches the trap above;
	# the test's own trap cleans up when timeout sends it SIGTERM.
	timeout --kill-after=15 "$tmo" "$@" >"$logf" 2>&1 </dev/null &
	current_pid=$!
	wait "$current_pid"
	rc=$?
	current_pid=
	t1=$(date +%s)
	case $rc in
	0)
		echo "PASS $name"
		npass=$((npass + 1))
		[ "${VERBOSE:-0}" = 1 ] && sed 's/^/    | /' "$logf"
		;;
	77)
		reason=$(grep -E '^SKIP: ' "$logf" | tail -n 1 | sed 's/^SKIP: //')
		echo "SKIP $name (${reason:-no reason given})"
		nskip=$((nskip + 1))
		[ "${VERBOSE:-0}" = 1 ] && sed 's/^/    | /' "$logf"
		;;
	*)
		echo "FAIL $name"
		nfail=$((nfail + 1))
		failed+=("$name")
		echo "---- $name log ($logf), last 150 lines:"
		tail -n 150 "$logf" | sed 's/^/    | /'
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "---- $name timed out after ${tmo}s (status $rc)"
		else
			echo "---- $name exit status $rc, $((t1 - t0))s"
		fi
		;;
	esac
}

# Unit tests (cmocka binaries built by make).
for t in "$BUILD"/tests/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$UNIT_TIMEOUT" "$t"
done

# Namespace integration tests, then scapy wire tests.
for dir in integration wire; do
	for t in "$TOPDIR/tests/$dir"/t_*.sh; do
		[ -f "$t" ] || continue
		run_one "$dir/$(basename "$t" .sh)" "$TEST_TIMEOUT" bash "$t"
	done
done

status=0
if [ "$nfail" -ne 0 ]; then
	echo "failed: ${failed[*]} (logs in $LOGDIR)"
	status=1
elif [ $((npass + nfail)) -eq 0 ]; then
	echo "run.sh: no test ran${FILTER:+ (filter '$FILTER')}"
	status=1
fi
[ "$status" -eq 0 ] && [ "$KEEP_LOGS" -eq 0 ] && rm -rf -- "$LOGDIR"
echo "$npass passed, $nfail failed, $nskip skipped"
exit "$status"
