#!/bin/bash
#
# The TUN device deleted under a running ipipd (`ip link delete`): the
# kernel detaches the engine's fd, whose poll says POLLERR from then on.
# The engine must not spin on it, and the daemon must stop with
# "TUN device DEV was deleted; exiting" and status 1, without restarting
# the engine (which would get the same dead fd) and without making the
# device again.  A device ipipd created, raw sockets; a persistent one
# made beforehand, encap fou.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"
setup_common
mk_pair

HZ=$(getconf CLK_TCK)
PA=$((30000 + 16#${SID:0:3} % 20000))

# cpu_ticks PID: user + system time in clock ticks, empty once gone.
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

# watch_cpu PID SECONDS: the process's last CPU ticks seen within
# SECONDS (sampled every 0.1 s until it is gone).
watch_cpu() {
	local pid=$1 n=$(($2 * 10)) t last
	last=$(cpu_ticks "$pid")
	while [ "$n" -gt 0 ] && pid_running "$pid"; do
		t=$(cpu_ticks "$pid")
		[ -n "$t" ] && last=$t
		sleep 0.1
		n=$((n - 1))
	done
	echo "$last"
}

# run_case MODE DEV ARGS...: start ipipd on DEV, delete DEV, check.
run_case() {
	local mode=$1 dev=$2 logf par eng res c0 c1 rc
	shift 2
	log "=== $mode device $dev${*:+ ($*)}: ip link delete $dev"
	logf=$TMPD/$dev.log
	LOG_A=$logf
	side_up a "$mode" "$dev" "$logf" remote "$V4B" "$@"
	read -r par eng res <<<"$(proc_set "$PID_A")"
	if [ -z "$eng" ] || [ -z "$res" ]; then
		die "want 2 children of $par"
	fi
	c0=$(cpu_ticks "$eng")
	run nsx "$NS_A" ip link delete "$dev"
	c1=$(watch_cpu "$eng" 2)
	if [ $((c1 - c0)) -le $((HZ / 10)) ]; then
		ok "engine used $((c1 - c0)) ticks of CPU after the delete (CLK_TCK $HZ)"
	else
		error "engine used $((c1 - c0)) ticks of CPU in 2 s after the delete (CLK_TCK $HZ): busy loop"
	fi
	if wait_gone "$PID_A" 5; then
		wait "$PID_A"
		rc=$?
		expect_status "$rc" 1 "ipipd after its TUN device was deleted"
	else
		error "ipipd still running 5 s after its TUN device was deleted"
		kill -KILL "$PID_A"
		wait "$PID_A" 2>/dev/null
	fi
	expect_file_match "$logf" "TUN device $dev was deleted; exiting" "log"
	expect_eq "$(count_lines "$logf" 'restarting')" 0 "restart lines"
	for k in $eng $res; do
		wait_gone "$k" 2 || error "child $k still running after the parent"
	done
	if link_exists "$NS_A" "$dev"; then
		error "$dev exists again after ipipd stopped"
	else
		ok "$dev stays deleted"
	fi
}

run_case auto "td$SID"
run_case pre "tp$SID" encap fou encap-dport "$((PA + 1))" encap-sport "$PA"
finish
