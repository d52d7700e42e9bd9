#!/bin/bash
#
# The parent started as the service user the way systemd's User= starts
# it: initgroups(3) leaves the user's own primary group as its one
# supplementary group (here setpriv --groups=GID, with CAP_NET_ADMIN and
# CAP_NET_RAW ambient).  That group grants nothing, so the parent, the
# resolver and the engine (which sees it as the overflow gid inside its
# user namespace) all accept it: traffic passes both ways, also after a
# kill -9 of the engine (restarted through its user namespace).  Any
# other group is still refused, by the parent and by each child started
# by hand, naming the groups.  A /dev/net/tun of mode 0600 is refused
# with a line naming the device, its mode and owner, the user and the
# two ways out.
#
# As in t_ambient, the daemon gets a private mount namespace with its own
# /dev/net/tun node (mode 0666, or TUN_MODE) over the host's, which is
# not touched.

. "$(dirname "$0")/../lib.sh"
setup_common
need_cmd setpriv unshare mknod "$PYTHON"
mk_pair

SVC_UID=$(id -u _ipipd)
SVC_GID=$(id -g _ipipd)
CHROOT=/var/lib/ipipd/empty
stage_build
REAL_IPIPD=$STAGE/ipipd
WRAP=$TMPD/ipipd-svc
DEVDIR=$TMPD/dev

mkdir -p "$DEVDIR"
cat >"$WRAP" <<WRAPEOF
#!/bin/bash
exec unshare -m --propagation private /bin/bash -c '
	mount -t tmpfs -o mode=0755,size=64k ipipd-dev "$DEVDIR" &&
	mknod -m \${TUN_MODE:-0666} "$DEVDIR/tun" c 10 200 &&
	mount --bind "$DEVDIR/tun" /dev/net/tun || exit 99
	exec setpriv --reuid=_ipipd --regid=_ipipd \${SP_GROUPS:---groups=$SVC_GID} \
	    --inh-caps=-all,+net_admin,+net_raw \
	    --ambient-caps=-all,+net_admin,+net_raw \
	    --bounding-set=-all,+net_admin,+net_raw \
	    "$REAL_IPIPD" "\$@"' ipipd-svc "\$@"
WRAPEOF
chmod 0755 "$WRAP"

status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' \
	    "/proc/$1/status"
}

# child_of PARENT COMM: the pid of PARENT's child named COMM.
child_of() {
	local k
	for k in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$k/comm" 2>/dev/null)" = "$2" ] && echo "$k"
	done
}

log "=== started with its own group as the one supplementary group"
IPIPD=$WRAP
side_up a auto ta$SID "$TMPD/a.log" remote "$V4B"
IPIPD=$REAL_IPIPD
side_up b auto tb$SID "$TMPD/b.log" remote "$V4A"
LOG_A=$TMPD/a.log
LOG_B=$TMPD/b.log
ping_ok "$NS_A" "$IN4B" 56
ping_ok "$NS_B" "$IN6A" 1000

p=$PID_A
expect_eq "$(status_field "$p" Uid | awk '{print $2}')" "$SVC_UID" "parent euid"
expect_eq "$(status_field "$p" Groups)" "$SVC_GID" "parent supplementary groups"
expect_eq "$(status_field "$p" CapEff)" 0000000000001000 "parent CapEff (CAP_NET_ADMIN)"
engine=$(child_of "$p" ipipd-engine)
resolver=$(child_of "$p" ipipd-resolver)
[ -n "$engine" ] && [ -n "$resolver" ] ||
	die "children of $p: engine '$engine' resolver '$resolver'"
for k in $engine $resolver; do
	c=$(cat "/proc/$k/comm")
	expect_eq "$(status_field "$k" Groups)" "$SVC_GID" "$c supplementary groups"
	expect_eq "$(status_field "$k" CapEff)" 0000000000000000 "$c CapEff"
	expect_eq "$(status_field "$k" Seccomp)" 2 "$c Seccomp"
done
expect_eq "$(readlink "/proc/$engine/root")" "$CHROOT" "engine root"

log "=== kill -9 of the engine: restarted through its user namespace"
run kill -KILL "$engine"
wait_log "$LOG_A" 'engine restarted, forwarding again' 15 "$p" ||
	error "no restart line after kill -9 of the engine"
engine2=$(child_of "$p" ipipd-engine)
expect_ne "$engine2" "$engine" "restarted engine pid"
[ -n "$engine2" ] &&
	expect_eq "$(readlink "/proc/$engine2/root")" "$CHROOT" "restarted engine root"
ping_ok "$NS_A" "$IN4B" 56
ping_ok "$NS_B" "$IN6A" 1000
if grep -q 'supplementary' "$LOG_A"; then
	error "a process complained about the groups:"
	show_log "$LOG_A"
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
log "=== refused starts"
refused "own group and root's" \
    "supplementary groups (0 $SVC_GID|$SVC_GID 0) \\(none, or only the service user's own group $SVC_GID" \
    SP_GROUPS=--groups=$SVC_GID,0
refused "another group alone" "supplementary groups 0 \\(" SP_GROUPS=--groups=0
refused "/dev/net/tun mode 0600" \
    "open /dev/net/tun: Permission denied: it is mode 0600, owner root:root, and ipipd runs as uid $SVC_UID gid $SVC_GID, which needs read and write access to it; start ipipd as root .* or give the device mode 0666" \
    TUN_MODE=0600
link_exists "$NS_A" tr$SID && error "a refused start left tr$SID behind"

log "=== the children, started by hand as the service user"
# child GROUPS BINARY ARGS...: child_start.py under setpriv.
child() {
	local g=$1
	shift
	"$PYTHON" "$TOPDIR/tests/integration/child_start.py" --prefix \
	    "setpriv --reuid=_ipipd --regid=_ipipd $g --inh-caps=-all --bounding-set=-all" \
	    "$@" >"$TMPD/child.out" 2>&1
}
for c in engine resolver; do
	args=(-u "$SVC_UID" -g "$SVC_GID")
	[ "$c" = engine ] && args+=(-c "$CHROOT")
	child "--groups=$SVC_GID" "$STAGE/ipipd-$c" "${args[@]}"
	expect_status $? 0 "$c with its own group gets through its sandbox"
	expect_file_match "$TMPD/child.out" '^answered: status:' "$c answer"
	child "--groups=$SVC_GID,0" "$STAGE/ipipd-$c" "${args[@]}"
	expect_status $? 1 "$c with root's group too"
	expect_file_match "$TMPD/child.out" \
	    "^log: started with supplementary groups (0 $SVC_GID|$SVC_GID 0) " \
	    "$c refusal"
	expect_file_match "$TMPD/child.out" '^exited 1$' "$c exit status"
done
finish
