# shellcheck shell=bash
#
# Helpers of the live-state tests (t_live_*.sh, t_resolve.sh,
# t_supervise.sh, t_signals.sh), sourced after ../lib.sh.  Not a test
# itself: run.sh only runs t_*.sh.

# child_of PPID COMM: the pid of PPID's child named COMM.
child_of() {
	local k
	for k in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$k/comm" 2>/dev/null)" = "$2" ] && {
			echo "$k"
			return 0
		}
	done
	return 1
}

# proc_set PID: "parent engine resolver" pids of the daemon PID.  The
# `ip netns exec` in start_ipipd execs ipipd, so PID is the parent.
proc_set() {
	printf '%s %s %s\n' "$1" "$(child_of "$1" ipipd-engine)" \
	    "$(child_of "$1" ipipd-resolver)"
}

# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }

# ms_fmt MS: "1.234 s".
ms_fmt() { printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000)); }

# echoes_ok NS DEST COUNT [WAIT]: COUNT echoes 0.2 s apart, all answered.
echoes_ok() {
	local fam=-4
	case $2 in *:*) fam=-6 ;; esac
	nsx "$1" ping "$fam" -n -q -c "$3" -i 0.2 -W "${4:-1}" "$2" 2>&1 |
		grep -Eq " $3 received"
}

# resume_after T0 NS DEST LIMIT: one echo every ~0.25 s until one is
# answered and the 3 echoes after it are answered too (during a change
# a few may pass on a half-switched path); RESUME_MS is the time from T0
# (ms) to the first answer of that run.  Probes are sent only after T0.
# 1 when that did not happen within LIMIT seconds of T0.
resume_after() {
	local t0=$1 ns=$2 dst=$3 limit=$(($4 * 1000)) t
	RESUME_MS=
	while :; do
		if echoes_ok "$ns" "$dst" 1 0.25; then
			t=$(now_ms)
			if echoes_ok "$ns" "$dst" 3; then
				RESUME_MS=$((t - t0))
				return 0
			fi
		fi
		[ $(($(now_ms) - t0)) -ge "$limit" ] && return 1
	done
}

# seen_after T0 LOG ERE LIMIT: wait for a line; SEEN_MS is the time from
# T0 to when it was seen (polled every 0.1 s).
seen_after() {
	SEEN_MS=
	wait_log "$2" "$3" "$4" || return 1
	SEEN_MS=$(($(now_ms) - $1))
}

# expect_resume WHAT T0 NS DEST TARGET LIMIT: traffic must come back
# within LIMIT s (generous: the host is shared); the figure is reported
# against the TARGET of the issue, and a miss of TARGET is only a note.
expect_resume() {
	local what=$1 t0=$2 ns=$3 dst=$4 target=$5 limit=$6
	if resume_after "$t0" "$ns" "$dst" "$limit"; then
		ok "$what: traffic again after $(ms_fmt "$RESUME_MS")" \
		    "(target ${target} s)"
		[ "$RESUME_MS" -le $((target * 1000)) ] ||
			log "NOTE: $what took longer than the ${target} s target"
		echo "MEASURED $what $RESUME_MS ms"
		return 0
	fi
	error "$what: no echo answered within ${limit} s"
	return 1
}

# bg_ping NS DEST FILE: a ping every 0.1 s in the background (the traffic
# that "runs through the tunnel" while things change).  Sets BGPING_PID.
bg_ping() {
	local fam=-4
	case $2 in *:*) fam=-6 ;; esac
	ip netns exec "$1" ping "$fam" -n -D -i 0.1 -W 1 "$2" >"$3" 2>&1 \
	    </dev/null &
	BGPING_PID=$!
	_DAEMON_PIDS+=("$BGPING_PID")
}

# bg_ping_stop PID FILE: stop it (INT makes ping print its summary) and
# show the summary line.
bg_ping_stop() {
	kill -INT "$1" 2>/dev/null
	wait_gone "$1" 3 || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	log "background ping: $(grep -E 'packets transmitted' "$2")"
}

# expect_same_procs BEFORE AFTER WHAT: no process was restarted.
expect_same_procs() {
	if [ "$1" = "$2" ] && [ "$(echo "$1" | wc -w)" -eq 3 ]; then
		ok "$3: same parent/engine/resolver pids ($1)"
	else
		error "$3: pids were '$1', now '$2' (a process restarted)"
	fi
}

# count_lines FILE ERE: how many lines match.
count_lines() { grep -Ec -- "$2" "$1" 2>/dev/null; }

# status_line PID LOG ERE: send SIGUSR1 and print the newest line
# matching ERE that came after it (e.g. 'engine: status: ').
status_line() {
	local pid=$1 logf=$2 re=$3 before
	before=$(count_lines "$logf" "$re")
	kill -USR1 "$pid"
	wait_until 5 eval "[ \$(count_lines '$logf' '$re') -gt $before ]" ||
		return 1
	grep -E -- "$re" "$logf" | tail -n 1
}

# set_hosts NS LINE...: /etc/netns/NS/hosts (which `ip netns exec NS`
# mounts over /etc/hosts), rewritten in place with one write: the mount
# holds the inode, so no rename; a reader must not catch it half-written.
set_hosts() {
	local ns=$1 d=/etc/netns/$1 text
	shift
	mkdir -p "$d" || die "mkdir $d"
	_ETC_NETNS+=("$d")
	text=$(printf '127.0.0.1 localhost\n::1 localhost\n'; printf '%s\n' "$@")
	printf '%s\n' "$text" >"$d/hosts"
}

# hosts_only NS: names in NS come from its hosts file alone, so that a
# name missing there fails at once instead of waiting for a DNS server.
# Before the daemon starts: `ip netns exec` mounts what exists then.
hosts_only() {
	local d=/etc/netns/$1
	mkdir -p "$d" || die "mkdir $d"
	_ETC_NETNS+=("$d")
	printf 'hosts: files\n' >"$d/nsswitch.conf"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
	    >"$d/resolv.conf"
}

# ipipd_left NS: pids of running (not zombie) ipipd* processes in NS.
ipipd_left() {
	local p
	for p in $(ip netns pids "$1"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		ipipd*) pid_running "$p" && echo "$p" ;;
		esac
	done
}
