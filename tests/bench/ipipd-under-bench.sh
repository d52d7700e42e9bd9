#!/bin/sh
# The custom-case command of tests/bench/run.sh: runs `ipipd -d ARGS` in
# the foreground as tunnel-bench wants, and meanwhile records the
# engine's peak resident memory (VmHWM) once a second into RSSFILE.
# Usage: ipipd-under-bench.sh RSSFILE IPIPD ARGS...
# tunnel-bench stops this shell and its children by PID.
rssfile=$1 ipipd=$2
shift 2
"$ipipd" -d "$@" </dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid"; exit 0' TERM INT HUP
(
	while kill -0 "$pid" 2>/dev/null; do
		for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
			[ "$(cat /proc/"$c"/comm 2>/dev/null)" = ipipd-engine ] ||
				continue
			awk '/^VmHWM:/ { print $2 }' /proc/"$c"/status \
			    >"$rssfile.tmp" 2>/dev/null &&
				mv "$rssfile.tmp" "$rssfile"
		done
		sleep 1
	done
) 9>&- &
# 9>&-: tunnel-bench holds its run lock (/tmp/tunnel-bench.lock) on fd
# 9.  The sampler outlives ipipd by up to a second; with the fd it made
# the next run of tests/bench/run.sh fail with "another tunnel-bench run
# holds /tmp/tunnel-bench.lock".
wait "$pid"
