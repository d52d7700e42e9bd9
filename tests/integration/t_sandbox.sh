#!/bin/bash
#
# The sandbox as deployed.  While a tunnel runs: the parent ipipd has two
# children, ipipd-engine and ipipd-resolver (by /proc/PID/comm); both
# have no effective capabilities, NoNewPrivs 1, a seccomp filter
# (Seccomp 2) and a non-zero uid; the engine is chrooted to
# /var/lib/ipipd/empty.  The parent runs as the service user with only
# CAP_NET_ADMIN effective.

. "$(dirname "$0")/../lib.sh"
setup_common
mk_pair

SVC_UID=$(id -u _ipipd)
CHROOT=/var/lib/ipipd/empty

# status_field PID FIELD: a /proc/PID/status value (tabs squeezed).
status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' \
	    "/proc/$1/status"
}

# check_ids PID WHAT: uid fields (real, effective, saved, fs).
uids() { status_field "$1" Uid; }

check_sandbox() {
	local ppid=$1 kids k comm engine= resolver= v u

	# The parent.
	comm=$(cat "/proc/$ppid/comm")
	expect_eq "$comm" ipipd "parent comm"
	u=$(uids "$ppid")
	expect_eq "$u" "$SVC_UID $SVC_UID $SVC_UID $SVC_UID" "parent uids (real eff saved fs)"
	v=$(status_field "$ppid" CapEff)
	expect_eq "$v" 0000000000001000 "parent CapEff (CAP_NET_ADMIN only)"
	log "parent: CapPrm $(status_field "$ppid" CapPrm)" \
	    "CapBnd $(status_field "$ppid" CapBnd)" \
	    "CapAmb $(status_field "$ppid" CapAmb)" \
	    "Gid $(status_field "$ppid" Gid)" \
	    "NoNewPrivs $(status_field "$ppid" NoNewPrivs)" \
	    "Seccomp $(status_field "$ppid" Seccomp)"

	# The children.
	kids=$(pgrep -P "$ppid")
	log "children of $ppid: $(echo $kids)"
	expect_eq "$(echo "$kids" | wc -w)" 2 "number of children"
	for k in $kids; do
		comm=$(cat "/proc/$k/comm")
		case $comm in
		ipipd-engine) engine=$k ;;
		ipipd-resolver) resolver=$k ;;
		*) error "unexpected child $k with comm '$comm'" ;;
		esac
	done
	[ -n "$engine" ] || error "no child with comm ipipd-engine"
	[ -n "$resolver" ] || error "no child with comm ipipd-resolver"
	for k in $engine $resolver; do
		comm=$(cat "/proc/$k/comm")
		expect_eq "$(status_field "$k" CapEff)" 0000000000000000 "$comm CapEff"
		expect_eq "$(status_field "$k" NoNewPrivs)" 1 "$comm NoNewPrivs"
		expect_eq "$(status_field "$k" Seccomp)" 2 "$comm Seccomp"
		u=$(uids "$k")
		for v in $u; do
			[ "$v" -ne 0 ] || { error "$comm has uid 0 in Uid: $u"; break; }
		done
		ok "$comm Uid: $u"
		# Not in the spec, but worth a look: group ids.
		v=$(status_field "$k" Gid)
		case " $v " in
		*" 0 "*) log "WARNING: $comm keeps gid 0 (Gid: $v)" ;;
		esac
		v=$(status_field "$k" Groups)
		log "$comm: Gid $(status_field "$k" Gid), Groups '$v'," \
		    "CapPrm $(status_field "$k" CapPrm), CapBnd $(status_field "$k" CapBnd)"
	done
	if [ -n "$engine" ]; then
		v=$(readlink "/proc/$engine/root")
		expect_eq "$v" "$CHROOT" "engine root directory"
	fi
	if [ -n "$resolver" ]; then
		log "resolver root: $(readlink "/proc/$resolver/root")"
	fi
}

log "=== daemon-created TUN"
side_up a auto ts$SID "$TMPD/a.log" remote "$V4B"
check_sandbox "$PID_A"
# The tunnel works with the sandbox in place.
LOG_A=$TMPD/a.log
LOG_B=$TMPD/b.log
side_up b auto tt$SID "$LOG_B" remote "$V4A"
ping_ok "$NS_A" "$IN4B" 56
ping_ok "$NS_B" "$IN6A" 56
# Still sandboxed after traffic.
check_sandbox "$PID_A"
pair_down ts$SID tt$SID

log "=== pre-created TUN, outer IPv6, host name"
hosts_file "$NS_A" "$V6B peer-b"
side_up a pre tu$SID "$TMPD/a2.log" remote peer-b
check_sandbox "$PID_A"
stop_ipipd "$PID_A" "$TMPD/a2.log"
finish
