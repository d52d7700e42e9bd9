#!/bin/bash
#
# Memcheck on the parent, the engine and the resolver (`make valgrind`
# runs `BUILD=build-valgrind tests/valgrind.sh PATTERN`).
#
#	tests/valgrind.sh [PATTERN]
#
# Runs the tests of tests/run.sh that match PATTERN with every ipipd
# they start (tests/lib.sh start_ipipd) under
#	valgrind --trace-children=yes --leak-check=full ...
# so the engine and the resolver, which the parent execs, run under
# memcheck too.  Their seccomp filters would kill valgrind's own calls,
# so BUILD must be the VG=1 build, which loads none (see sandbox.h).
# One log per process in $BUILD/valgrind/vg.PID.log; one line per
# process: its command, its error count, the bytes definitely lost.
# The last line: `valgrind: N processes, E errors, L bytes definitely
# lost`.
#
# Exit status: 0 when the tests passed, at least one process of each of
# the three programs ran under valgrind, and none had an error or a
# definite leak.

set -u

TOPDIR=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOPDIR" || exit 1
BUILD=${BUILD:-build-valgrind}
case $BUILD in
/*) ;;
*) BUILD=$TOPDIR/$BUILD ;;
esac
command -v valgrind >/dev/null 2>&1 || {
	echo "valgrind.sh: valgrind not installed (apt-get install valgrind)"
	exit 1
}

VGDIR=$BUILD/valgrind
rm -rf "$VGDIR"
mkdir -p "$VGDIR" || exit 1
chmod 0777 "$VGDIR"	# the children write their logs after dropping root

# Slower under valgrind: more time to come up and to stop.
export WAIT_UP_SECONDS=60 STOP_SECONDS=30 TEST_TIMEOUT=900
# t_flood: every kind of frame still, fewer and slower.
export FLOOD_COUNT=${FLOOD_COUNT:-20000} FLOOD_RATE=${FLOOD_RATE:-1000}
export IPIPD_WRAPPER="valgrind --trace-children=yes --child-silent-after-fork=yes
    --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --track-fds=no --num-callers=30
    --log-file=$VGDIR/vg.%p.log"
BUILD=$BUILD tests/run.sh "${1:-integration/t_(lifecycle|local)}"
rc=$?

nproc=0 nerr=0 nlost=0 bad=0
declare -A seen
for f in "$VGDIR"/vg.*.log; do
	[ -e "$f" ] || continue
	cmd=$(sed -n 's/^==[0-9]*== Command: //p' "$f" | head -n 1)
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$f" |
	    tail -n 1 | tr -d ,)
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" |
	    tail -n 1 | tr -d ,)
	prog=$(basename "${cmd%% *}")
	seen[$prog]=1
	nproc=$((nproc + 1))
	if [ -z "$errs" ]; then
		# Killed before its summary (SIGKILL on the parent's death).
		echo "valgrind: $prog ($(basename "$f")): no summary"
		continue
	fi
	nerr=$((nerr + errs))
	nlost=$((nlost + ${lost:-0}))
	if [ "$errs" -ne 0 ] || [ "${lost:-0}" -ne 0 ]; then
		bad=1
		echo "valgrind: $prog ($(basename "$f")): $errs errors," \
		    "${lost:-0} bytes definitely lost:"
		grep -E '^==[0-9]+== ( |[A-Z])' "$f" | head -n 60 |
		    sed 's/^/    | /'
	fi
done
for p in ipipd ipipd-engine ipipd-resolver; do
	if [ -z "${seen[$p]:-}" ]; then
		echo "valgrind: no $p ran under valgrind"
		bad=1
	fi
done
echo "valgrind: $nproc processes, $nerr errors, $nlost bytes definitely lost"
[ "$rc" -eq 0 ] && [ "$bad" -eq 0 ]
