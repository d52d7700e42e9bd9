#!/bin/bash
#
# The parent started already as the service user, with CAP_NET_ADMIN and
# CAP_NET_RAW as ambient capabilities and nothing else in its bounding
# set, the way systemd's User= + AmbientCapabilities= starts it (here
# with setpriv(1)).  Traffic passes both ways; afterwards the parent has
# CAP_NET_ADMIN alone in its effective and permitted sets, nothing
# inheritable or ambient, a bounding set of the two capabilities, and no
# supplementary groups; the children have no capabilities, and the
# engine is chrooted (through its own user namespace); a kill -9 of the
# engine is followed by a restart as confined and traffic.  A start with a
# wider bounding set, with supplementary groups or without CAP_NET_RAW
# is refused with exit status 1 and a line saying why.  ipipd runs from
# a copy of the build in the test's directory (see STAGE below).
#
# /dev/net/tun must be usable by the service user (mode 0666 on Debian,
# DeviceAllow= under systemd).  This host's node may be 0600, so the
# daemon gets a private mount namespace with a 0666 node over it; the
# host's node is not touched.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd setpriv unshare mknod
mk_pair

SVC_UID=$(id -u _ipipd)
SVC_GID=$(id -g _ipipd)
CHROOT=/var/lib/ipipd/empty
stage_build
REAL_IPIPD=$STAGE/ipipd
# The service user cannot create the engine's chroot directory (a root
# start does, and a package does at install): make it as root, as the
# tmpfiles.d entry would, whichever test ran first on this host.
install -d -o root -g root -m 0755 /var/lib/ipipd "$CHROOT" ||
	die "cannot create $CHROOT"
WRAP=$TMPD/ipipd-ambient
DEVDIR=$TMPD/dev

# The wrapper keeps the PID (every step execs): start_ipipd's PID is the
# daemon's.  SP_GROUPS, SP_CAPS and SP_BND vary the start for the
# refusal checks.
mkdir -p "$DEVDIR"
cat >"$WRAP" <<WRAPEOF
#!/bin/bash
exec unshare -m --propagation private /bin/bash -c '
	mount -t tmpfs -o mode=0755,size=64k ipipd-dev "$DEVDIR" &&
	mknod -m 0666 "$DEVDIR/tun" c 10 200 &&
	mount --bind "$DEVDIR/tun" /dev/net/tun || exit 99
	caps=\${SP_CAPS:--all,+net_admin,+net_raw}
	exec setpriv --reuid=_ipipd --regid=_ipipd \${SP_GROUPS:---clear-groups} \
	    --inh-caps=\$caps --ambient-caps=\$caps \
	    --bounding-set=\${SP_BND:--all,+net_admin,+net_raw} \
	    "$REAL_IPIPD" "\$@"' ipipd-ambient "\$@"
WRAPEOF
chmod 0755 "$WRAP"

status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' \
	    "/proc/$1/status"
}

# Side a through the wrapper; side b started as root, as usual.  (A
# root start empties the bounding set, so CapBnd 3000 below also shows
# that side a really started unprivileged.)
# The control socket in a directory of the service user's, as systemd's
# RuntimeDirectory= makes /run/ipipd: the parent cannot create a
# directory in /run itself.
install -d -o _ipipd -g _ipipd -m 0755 "$TMPD/run"
IPIPD=$WRAP
SIDE_FLAGS="-s $TMPD/run/a.sock" side_up a auto ta$SID "$TMPD/a.log" \
    remote "$V4B"
IPIPD=$REAL_IPIPD
expect_eq "$(stat -c '%F %a %U %G' "$TMPD/run/a.sock")" \
    "socket 660 _ipipd _ipipd" "control socket of a service-user start"
side_up b auto tb$SID "$TMPD/b.log" remote "$V4A"
LOG_A=$TMPD/a.log
LOG_B=$TMPD/b.log

ping_ok "$NS_A" "$IN4B" 56
ping_ok "$NS_B" "$IN4A" 56
ping_ok "$NS_A" "$IN6B" 1000
ping_ok "$NS_B" "$IN6A" 1000

p=$PID_A
expect_eq "$(cat /proc/$p/comm)" ipipd "parent comm"
expect_eq "$(status_field $p Uid)" "$SVC_UID $SVC_UID $SVC_UID $SVC_UID" "parent Uid"
expect_eq "$(status_field $p Gid)" "$SVC_GID $SVC_GID $SVC_GID $SVC_GID" "parent Gid"
expect_eq "$(status_field $p Groups)" "" "parent supplementary groups"
expect_eq "$(status_field $p CapEff)" 0000000000001000 "parent CapEff (CAP_NET_ADMIN)"
expect_eq "$(status_field $p CapPrm)" 0000000000001000 "parent CapPrm (CAP_NET_ADMIN)"
expect_eq "$(status_field $p CapInh)" 0000000000000000 "parent CapInh"
expect_eq "$(status_field $p CapAmb)" 0000000000000000 "parent CapAmb"
expect_eq "$(status_field $p CapBnd)" 0000000000003000 "parent CapBnd (NET_ADMIN, NET_RAW)"

# child_of_comm PPID COMM: PPID's child named COMM.
child_of_comm() {
	local k
	for k in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$k/comm" 2>/dev/null)" = "$2" ] && echo "$k" && return 0
	done
	return 1
}

engine= resolver=
for k in $(pgrep -P "$p"); do
	case $(cat "/proc/$k/comm") in
	ipipd-engine) engine=$k ;;
	ipipd-resolver) resolver=$k ;;
	esac
done
[ -n "$engine" ] && [ -n "$resolver" ] ||
	error "children of $p: engine '$engine' resolver '$resolver'"
for k in $engine $resolver; do
	c=$(cat "/proc/$k/comm")
	expect_eq "$(status_field $k CapEff)" 0000000000000000 "$c CapEff"
	expect_eq "$(status_field $k CapPrm)" 0000000000000000 "$c CapPrm"
	expect_eq "$(status_field $k CapAmb)" 0000000000000000 "$c CapAmb"
	expect_eq "$(status_field $k NoNewPrivs)" 1 "$c NoNewPrivs"
	expect_eq "$(status_field $k Seccomp)" 2 "$c Seccomp"
	expect_eq "$(status_field $k Uid | awk '{print $2}')" "$SVC_UID" "$c euid"
done
[ -n "$engine" ] &&
	expect_eq "$(readlink /proc/$engine/root)" "$CHROOT" "engine root"

# The parent, now the service user, restarts a killed engine from the
# descriptor it opened at start; the new engine confines itself the
# same way.
if [ -n "$engine" ]; then
	run kill -KILL "$engine"
	wait_log "$LOG_A" "engine restarted, forwarding again" 10 "$p" ||
		error "no 'engine restarted' line after kill -9 of the engine"
	eng2=$(child_of_comm "$p" ipipd-engine)
	expect_ne "$eng2" "$engine" "engine pid after the restart"
	if [ -n "$eng2" ]; then
		expect_eq "$(status_field $eng2 CapEff)" 0000000000000000 "restarted engine CapEff"
		expect_eq "$(status_field $eng2 Seccomp)" 2 "restarted engine Seccomp"
		expect_eq "$(readlink /proc/$eng2/root)" "$CHROOT" "restarted engine root"
	fi
	ping_ok "$NS_A" "$IN4B" 56
	ping_ok "$NS_B" "$IN6A" 1000
fi
pair_down ta$SID tb$SID

# refused WHY ERE VAR=VALUE...: a start that must exit 1 naming the reason.
refused() {
	local why=$1 re=$2 logf=$TMPD/refused.log rc
	shift 2
	nsx "$NS_A" env "$@" "$WRAP" -d dev tr$SID \
	    remote "$V4B" >"$logf" 2>&1 </dev/null
	rc=$?
	expect_status "$rc" 1 "$why"
	expect_file_match "$logf" "$re" "$why"
}
refused "wider bounding set" 'bounding set holds' \
    SP_BND=-all,+net_admin,+net_raw,+sys_admin
refused "supplementary groups" 'supplementary groups' SP_GROUPS=--groups=0
refused "no CAP_NET_RAW" 'without CAP_NET_ADMIN and CAP_NET_RAW' \
    SP_CAPS=-all,+net_admin
link_exists "$NS_A" tr$SID && error "a refused start left tr$SID behind"
finish
