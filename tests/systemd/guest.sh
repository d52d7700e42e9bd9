#!/bin/bash
#
# Inside the kernel VM booted with systemd as PID 1 (kernel-vm --systemd,
# see run.sh): the Debian package the way a user's host runs it.
#
#	guest.sh DEB
#
# dpkg -i DEB (user, chroot, /run/ipipd, four AppArmor profiles in
# enforce mode),
# then two tunnels, ipipd@a and ipipd@b, the two ends of one tunnel
# between the network namespaces sda and sdb (a drop-in per instance
# adds NetworkNamespacePath=; that is the only change to the shipped
# unit).  ipipd@a starts as shipped, as root, with /dev/net/tun mode
# 0600; ipipd@b with the ambient drop-in of the package's examples, as
# _ipipd, which first fails on that 0600 node with a line saying why,
# and comes up once the node is 0666.  Then: pings in both inner
# families, confinement and capabilities, ipipctl show and reload on
# both daemons' sockets, systemctl reload (applied,
# refused), the watchdog (SIGSTOP of the engine), kill -9 of the parent,
# a prefix server on port 443 and its client from the package's
# examples, a start that fails for good (the start limit), the
# journal, systemctl stop, systemd-analyze security in
# place, and apt-get remove and purge.  Last line: `systemd: N passed, M failed`.

set -u
DEB=$1
T=$(mktemp -d /tmp/sd-guest.XXXXXX)
npass=0
nfail=0
T0=$(date +%s.%N)

say() { echo "[$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1f", b - a }')] $*"; }
pass() { say "PASS $*"; npass=$((npass + 1)); }
fail() { say "FAIL $*"; nfail=$((nfail + 1)); }
check() {	# check WHAT CMD...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
eq() {	# eq WHAT GOT WANT
	if [ "$2" = "$3" ]; then pass "$1: $2"; else fail "$1: '$2', want '$3'"; fi
}
summary() {
	systemctl stop ipipd@a ipipd@b ipipd@s ipipd@c 2>/dev/null
	for n in sda sdb sds sdc; do
		ip netns del "$n" 2>/dev/null
	done
	if [ "$nfail" -ne 0 ]; then
		echo "journal of the units:"
		journalctl -u 'ipipd@*' --no-pager -o short-monotonic 2>/dev/null |
		    tail -n 60 | sed 's/^/    | /'
		echo "kernel log, AppArmor lines:"
		journalctl -k --no-pager -o cat 2>/dev/null | grep -i apparmor |
		    tail -n 20 | sed 's/^/    | /'
	fi
	echo "systemd: $npass passed, $nfail failed"
	# An explicit status: a bare exit in an EXIT trap returns the status
	# from before the trap, which made a failed check look like success.
	exit $((nfail != 0))
}
trap summary EXIT
die() { fail "$*"; exit 1; }

# wait_for SECONDS CMD...: every 0.1 s until CMD succeeds, for at most
# SECONDS of real time (systemctl and journalctl take a while each
# under emulation: a count of tries would wait far longer).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}
active() { [ "$(systemctl is-active "$1")" = active ]; }
mainpid() { systemctl show -P MainPID "$1"; }
# A unit that is not running has MainPID 0: never read or signal that.
status_field() {
	[ -r "/proc/$1/status" ] && [ "$1" -gt 1 ] 2>/dev/null ||
		{ echo "(no process '$1')"; return; }
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"
}
# signal SIG PID: kill(1) of one process only; "kill -SIG 0" would hit
# this job's own process group and end the VM without a summary.
signal() {
	[ "$2" -gt 1 ] 2>/dev/null || { echo "no process to send SIG$1 to ('$2')"; return 1; }
	kill "-$1" "$2"
}
label() { tr -d '\0' <"/proc/$1/attr/current" 2>/dev/null; }
child_of() {	# child_of PID COMM
	local k
	for k in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$k/comm" 2>/dev/null)" = "$2" ] && echo "$k"
	done
}
# ping_ok NS DEST: three echoes, all answered.
ping_ok() {
	local fam=-4
	case $2 in *:*) fam=-6 ;; esac
	ip netns exec "$1" ping "$fam" -n -q -c 3 -i 0.2 -W 2 "$2" >"$T/ping" 2>&1
}
pings() {	# pings WHAT: both families, both ways
	check "$1: ping 10.1.0.2 from sda" ping_ok sda 10.1.0.2
	check "$1: ping fd01::1 from sdb" ping_ok sdb fd01::1
	check "$1: ping fd01::2 from sda" ping_ok sda fd01::2
	check "$1: ping 10.1.0.1 from sdb" ping_ok sdb 10.1.0.1
}
denials() { journalctl -k --no-pager -o cat | grep 'apparmor="DENIED"'; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
journal() { journalctl -u "$1" --no-pager -o cat; }
# upper: what the overlay's upper layer holds (what the job changed),
# less what dpkg, apt, the journal and this test change anyway.
# Files only: a directory shows up there as soon as anything in it
# changed, and a deletion as a whiteout (a character device).
upper() {
	(cd /run/kernel-vm/overlay/upper && find . -mindepth 1 ! -type d ! -type c | sort) |
	    grep -Ev '^\./(var/lib/dpkg|var/cache|var/lib/apt|var/log|run|tmp|var/tmp|var/lib/systemd|etc/systemd/system/kernel-vm|var/lib/PackageKit|etc/(machine-id|hostname|fstab|ld\.so\.cache|hosts)|usr/lib/systemd/system$|etc/systemd/system$|etc/systemd/system-generators|etc/systemd/system/[a-z-]*\.(service|target)$|etc/systemd/system/[a-z-]*\.service\.d|lib|bin|sbin|lib64|root)(/|$)'
}

pid1=$(cat /proc/1/comm)
[ "$pid1" = systemd ] || die "PID 1 is $pid1 (run with kernel-vm --systemd)"
say "kernel $(uname -r), $(systemctl --version | head -1), LSMs: $(cat /sys/kernel/security/lsm)"
say "system: $(systemctl is-system-running --wait 2>/dev/null)"
check "AppArmor is enabled" test "$(cat /sys/module/apparmor/parameters/enabled)" = Y
# Speed only: man-db's trigger rebuilds its index on every dpkg run, a
# minute each under emulation (as debconf's man-db/auto-update=false).
rm -f /var/lib/man-db/auto-update
before_install=$(upper)
# What the host (the lower layer) already has there besides the chroot.
varlib_before=$(ls -A /var/lib/ipipd 2>/dev/null | grep -vx empty)

# ---- the package
out=$(dpkg -i "$DEB" 2>&1)
rc=$?
echo "$out" | sed 's/^/    dpkg | /'
[ "$rc" -eq 0 ] || die "dpkg -i $(basename "$DEB") (status $rc): nothing else can be tested"
pass "dpkg -i $(basename "$DEB") (status $rc)"
for p in ipipd ipipctl ipipd-engine ipipd-resolver; do
	check "profile $p loaded in enforce mode" \
	    grep -qx "$p (enforce)" /sys/kernel/security/apparmor/profiles
done
check "user _ipipd exists" id _ipipd
eq "chroot /var/lib/ipipd/empty" "$(stat -c '%U %a' /var/lib/ipipd/empty)" "root 755"
eq "/run/ipipd (tmpfiles.d)" "$(stat -c '%U %G %a' /run/ipipd)" "_ipipd _ipipd 755"
SVC_UID=$(id -u _ipipd)
SVC_GID=$(id -g _ipipd)

# ns_pair X Y NET: namespaces sdX and sdY, a veth vX -- vY between
# them with NET.1/24 and NET.2/24, all up.
ns_pair() {
	ip netns add "sd$1" && ip netns add "sd$2" || die "netns sd$1, sd$2"
	ip link add "v$1" netns "sd$1" type veth peer name "v$2" netns "sd$2" ||
		die "veth v$1"
	ip -n "sd$1" addr add "$3.1/24" dev "v$1"
	ip -n "sd$2" addr add "$3.2/24" dev "v$2"
	for n in "$1" "$2"; do
		ip -n "sd$n" link set lo up
		ip -n "sd$n" link set "v$n" up
	done
}
# instance I: $T/I.conf installed as the example says, root:_ipipd 0640
# (a reload reads it as _ipipd), and a drop-in that runs ipipd@I in
# namespace sdI.
instance() {
	install -o root -g _ipipd -m 0640 "$T/$1.conf" "/etc/ipipd/$1.conf"
	mkdir -p "/etc/systemd/system/ipipd@$1.service.d"
	printf '[Service]\nNetworkNamespacePath=/run/netns/sd%s\n' "$1" \
	    >"/etc/systemd/system/ipipd@$1.service.d/netns.conf"
}

# ---- the network: sda -- veth -- sdb, and the configurations
ns_pair a b 192.0.2
# Each names its remote (the resolver has work to do) and adds a route:
# the two differ only in how they start, so their times compare.
printf '192.0.2.2 peer-b\n192.0.2.1 peer-a\n' >>/etc/hosts
mkdir -p /etc/ipipd
cat >"$T/a.conf" <<EOF
dev ipa
remote peer-b
address 10.1.0.1 peer 10.1.0.2
address fd01::1 peer fd01::2
route 10.20.0.0/24
EOF
cat >"$T/b.conf" <<EOF
dev ipb
remote peer-a
address 10.1.0.2 peer 10.1.0.1
address fd01::2 peer fd01::1
route 10.30.0.0/24
EOF
instance a
instance b
cp /usr/share/doc/ipipd/examples/ambient.conf /etc/systemd/system/ipipd@b.service.d/
systemctl daemon-reload

# ---- ipipd@b as _ipipd (ambient) on a 0600 /dev/net/tun: refused, says why
chmod 0600 /dev/net/tun
say "/dev/net/tun: $(stat -c '%a %U:%G' /dev/net/tun)"
systemctl start ipipd@b 2>/dev/null
check "ipipd@b (as _ipipd) does not start on a 0600 /dev/net/tun" test $? -ne 0
systemctl stop ipipd@b	# its restart would be pending
systemctl reset-failed ipipd@b
line=$(journal ipipd@b | grep -m1 'open /dev/net/tun')
say "    journal | $line"
check "the journal says why, and what to do" eval \
    'echo "$line" | grep -q "Permission denied: it is mode 0600, owner root:root, and ipipd runs as uid $SVC_UID gid $SVC_GID, which needs read and write access to it; start ipipd as root .* or give the device mode 0666"'

# ---- ipipd@a as shipped (root start) on the same 0600 node
t=$(date +%s.%N)
systemctl start ipipd@a
check "systemctl start ipipd@a with /dev/net/tun 0600 (status $?)" active ipipd@a
say "ipipd@a up in $(since "$t") s"
chmod 0666 /dev/net/tun
t=$(date +%s.%N)
systemctl start ipipd@b
check "systemctl start ipipd@b (ambient) with /dev/net/tun 0666" active ipipd@b
say "ipipd@b up in $(since "$t") s"
active ipipd@a && active ipipd@b || die "ipipd@a and ipipd@b are not both active: nothing else can be tested"
for i in a b; do
	say "    ipipd@$i | $(journal "ipipd@$i" | grep -m1 'tunnel up:')"
done
pings "both up"

# ---- confinement, ids, capabilities
for i in a b; do
	p=$(mainpid "ipipd@$i")
	eq "ipipd@$i parent label" "$(label "$p")" "ipipd (enforce)"
	eq "ipipd@$i parent euid" "$(status_field "$p" Uid | awk '{ print $2 }')" "$SVC_UID"
	eq "ipipd@$i parent CapEff (CAP_NET_ADMIN only)" "$(status_field "$p" CapEff)" 0000000000001000
	eq "ipipd@$i parent CapPrm" "$(status_field "$p" CapPrm)" 0000000000001000
	eq "ipipd@$i parent NoNewPrivs" "$(status_field "$p" NoNewPrivs)" 1
	say "    ipipd@$i parent CapBnd $(status_field "$p" CapBnd) Groups '$(status_field "$p" Groups)'"
	for c in engine resolver; do
		k=$(child_of "$p" "ipipd-$c")
		[ -n "$k" ] || { fail "ipipd@$i: no ipipd-$c under $p"; continue; }
		eq "ipipd@$i $c label" "$(label "$k")" "ipipd//&ipipd-$c (enforce)"
		eq "ipipd@$i $c CapEff" "$(status_field "$k" CapEff)" 0000000000000000
		eq "ipipd@$i $c Seccomp" "$(status_field "$k" Seccomp)" 2
	done
	eq "ipipd@$i engine root" "$(readlink "/proc/$(child_of "$p" ipipd-engine)/root")" /var/lib/ipipd/empty
done
# Root start: empty bounding set, no groups.  Ambient: its own group.
eq "ipipd@a parent CapBnd" "$(status_field "$(mainpid ipipd@a)" CapBnd)" 0000000000000000
eq "ipipd@a parent Groups" "$(status_field "$(mainpid ipipd@a)" Groups)" ""
eq "ipipd@b parent Groups (initgroups)" "$(status_field "$(mainpid ipipd@b)" Groups)" "$SVC_GID"
eq "ipipd@b parent CapBnd (NET_ADMIN, NET_RAW)" "$(status_field "$(mainpid ipipd@b)" CapBnd)" 0000000000003000

# ---- the journal: the tunnel, the children by name
signal USR1 "$(mainpid ipipd@a)"
check "journal of ipipd@a: tunnel up" eval 'journal ipipd@a | grep -q "tunnel up: dev ipa local 192.0.2.1 remote 192.0.2.2"'
check "journal of ipipd@a: the engine's line" wait_for 10 eval 'journal ipipd@a | grep -q "^engine: status: "'
check "journal of ipipd@a: the resolver's line" wait_for 10 eval 'journal ipipd@a | grep -Eq "^resolver: status: [0-9]+ lookups"'
journal ipipd@a | grep -E '^(engine|resolver): status' | sed 's/^/    journal | /'

# ---- ipipctl, under its profile, on both sockets (root and ambient starts)
for i in a b; do
	eq "/run/ipipd/ip$i.sock" "$(stat -c '%F %a %U %G' /run/ipipd/ip$i.sock)" \
	    "socket 660 _ipipd _ipipd"
done
ipipctl -j show >"$T/show.json" 2>"$T/show.err"
check "ipipctl -j show (status $?)" test $? -eq 0
eq "ipipctl show: the tunnels and their state" "$(python3 -c 'import json, sys
print(" ".join(t["dev"] + ":" + t["state"] for t in json.load(open(sys.argv[1]))))' "$T/show.json")" \
    "ipa:up ipb:up"
ipipctl show | sed 's/^/    ipipctl | /'
eq "ipipctl -s /run/ipipd/ipb.sock reload" "$(ipipctl -s /run/ipipd/ipb.sock reload 2>&1)" "ipb: applied"

# ---- systemctl reload: applied, refused (the unit stays up, unchanged)
t=$(date +%s.%N)
systemctl reload ipipd@a
rc=$?
check "systemctl reload ipipd@a (status $rc, $(since "$t") s)" test "$rc" -eq 0
eq "ipipd@a StatusText" "$(systemctl show -P StatusText ipipd@a)" "reload applied"
check "journal: reload applied" eval 'journal ipipd@a | grep -q "reload: configuration applied"'
echo "mtu 99999" >>/etc/ipipd/a.conf
systemctl reload ipipd@a 2>"$T/reload.err"
check "systemctl reload ipipd@a of a bad file fails (status $?)" test $? -ne 0
sed 's/^/    systemctl | /' "$T/reload.err"
check "ipipd@a still active" active ipipd@a
say "    StatusText: $(systemctl show -P StatusText ipipd@a)"
check "StatusText says why" eval 'systemctl show -P StatusText ipipd@a | grep -q "^reload refused: /etc/ipipd/a.conf:6: bad mtu .99999."'
install -o root -g _ipipd -m 0640 "$T/a.conf" /etc/ipipd/a.conf
systemctl reload ipipd@b
check "systemctl reload ipipd@b (ambient; status $?)" test $? -eq 0
pings "after the reloads"

# ---- the watchdog: a stopped engine restarts the service
p=$(mainpid ipipd@a)
e=$(child_of "$p" ipipd-engine)
say "WatchdogUSec=$(systemctl show -P WatchdogUSec ipipd@a); kill -STOP $e (engine of $p)"
t=$(date +%s.%N)
signal STOP "$e"
wait_for 60 eval '[ "$(mainpid ipipd@a)" != "$p" ] && active ipipd@a'
check "the watchdog restarted ipipd@a ($(since "$t") s after SIGSTOP)" active ipipd@a
WD_S=$(since "$t")
check "journal: watchdog timeout" eval 'journal ipipd@a | grep -q "Watchdog timeout"'
pings "after the watchdog restart"

# ---- kill -9 of the parent: systemd restarts it (each start, to compare)
# restart_after_kill I NS DEST: sets R_ACTIVE and R_PING (seconds).
restart_after_kill() {
	local u=ipipd@$1 p t
	p=$(mainpid "$u")
	t=$(date +%s.%N)
	signal KILL "$p"
	wait_for 30 eval '[ "$(mainpid "$u")" != "$p" ] && [ "$(mainpid "$u")" != 0 ] && active "$u"'
	R_ACTIVE=$(since "$t")
	check "$u active again after kill -9 ($R_ACTIVE s)" active "$u"
	wait_for 30 ping_ok "$2" "$3"
	R_PING=$(since "$t")
	check "$u: traffic again after kill -9 (first answered ping $R_PING s after the kill)" ping_ok "$2" "$3"
}
restart_after_kill b sdb 10.1.0.1
RB_ACTIVE=$R_ACTIVE RB_PING=$R_PING
restart_after_kill a sda 10.1.0.2
pings "after kill -9 of the parents"
eq "ipipd@a restarts so far (NRestarts)" "$(systemctl show -P NRestarts ipipd@a)" 2
# The socket a killed parent left is replaced by its successor's.
eq "ipipctl show after kill -9: the new parent" "$(ipipctl -j -s /run/ipipd/ipa.sock show 2>&1 |
    python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["pid"])')" "$(mainpid ipipd@a)"

# ---- a prefix server and its client, from the package's examples
# ipipd@s serves tcp on port 443 (below 1024: bound by the root start
# before it drops privileges) in namespace sds; ipipd@c, in sdc, is its
# client.  The client gets the first /64 after the server's, the
# assignments file is written under /var/lib/ipipd/pool (tmpfiles.d,
# ReadWritePaths=), ipipctl lists the client, and after a restart of
# the server the client has the same /64 again.
ns_pair s c 198.51.100
EX=/usr/share/doc/ipipd/examples
sed -e 's/^listen .*/listen 198.51.100.1/' -e 's/^port .*/port 443/' \
    "$EX/tcp-server.conf" >"$T/s.conf"
sed -e 's/^remote .*/remote 198.51.100.1/' -e 's/^encap-dport .*/encap-dport 443/' \
    -e 's|^route .*|route 2001:db8:100::/48|' "$EX/tcp-client.conf" >"$T/c.conf"
instance s
instance c
systemctl daemon-reload
POOLF=/var/lib/ipipd/pool/assignments.json
systemctl start ipipd@s
check "systemctl start ipipd@s (serve tcp, port 443; status $?)" active ipipd@s
systemctl start ipipd@c
check "systemctl start ipipd@c (encap tcp; status $?)" active ipipd@c
prefix_line() { journal ipipd@c | grep -o 'prefix [0-9a-f:]*/64 assigned by .*' | tail -n 1; }
check "ipipd@c was given a /64" wait_for 20 eval 'prefix_line | grep -q "prefix 2001:db8:100:1::/64 assigned by 198.51.100.1 port 443"'
say "    ipipd@c | $(prefix_line)"
check "ping the client's address 2001:db8:100:1::1 from sds" wait_for 10 ping_ok sds 2001:db8:100:1::1
eq "$POOLF: owner, mode (UMask=0077)" "$(stat -c "%U %a" "$POOLF" 2>&1)" "_ipipd 600"
check "$POOLF: the client's /64" grep -q '"2001:db8:100:1::/64"' "$POOLF"
out=$(ipipctl -s /run/ipipd/tun-pool.sock show clients 2>&1)
echo "$out" | sed 's/^/    ipipctl | /'
check "ipipctl show clients: the client, up, from 198.51.100.2" eval \
    'echo "$out" | grep -Eq " up +2001:db8:100:1::/64 +198.51.100.2 port [0-9]+ "'
systemctl restart ipipd@s
check "systemctl restart ipipd@s (status $?)" active ipipd@s
check "ipipd@c again: the same /64 after the server's restart" wait_for 20 eval \
    '[ "$(journal ipipd@c | grep -c "prefix 2001:db8:100:1::/64 assigned by")" -ge 2 ]'
check "ping 2001:db8:100:1::1 again" wait_for 10 ping_ok sds 2001:db8:100:1::1
for i in c s; do
	systemctl stop "ipipd@$i"
	eq "ipipd@$i stopped: result" "$(systemctl show -P Result "ipipd@$i")" success
done
rm -f "$POOLF"
ip netns del sds
ip netns del sdc

# ---- a start that fails for good: 5 tries, then the unit stays failed
# (and no sixth start comes, 3 s later)
printf 'dev ipx\nremote 192.0.2.99\nmtu 99999\n' >"$T/x.conf"
install -o root -g _ipipd -m 0640 "$T/x.conf" /etc/ipipd/x.conf
t=$(date +%s.%N)
systemctl start ipipd@x 2>/dev/null
check "ipipd@x (mtu 99999) does not start" test $? -ne 0
check "ipipd@x gives up: start request repeated too quickly" wait_for 60 eval \
    'journal ipipd@x | grep -q "Start request repeated too quickly"'
say "    ipipd@x: $(systemctl show -P NRestarts ipipd@x) restarts, failed for good $(since "$t") s after the first start"
eq "ipipd@x state" "$(systemctl is-active ipipd@x)" failed
sleep 3
# Each start ran ExecStartPre (ipipd -n), which names the bad line.
eq "ipipd@x: starts tried (the reason in the journal each time)" \
    "$(journal ipipd@x | grep -c "bad mtu .99999.")" 5
systemctl reset-failed ipipd@x
rm -f /etc/ipipd/x.conf

check "no apparmor DENIED line in the kernel log" test -z "$(denials)"
denials | sed 's/^/    | /'

# ---- systemd-analyze security, in place
for i in a b; do
	out=$(systemd-analyze security --no-pager "ipipd@$i.service" 2>&1 | tail -n 1)
	say "ipipd@$i: $out"
	eval "SCORE_$i=\$(printf '%s\n' \"\$out\" | sed -n 's/.*: \([0-9][0-9.]*\) .*/\1/p')"
done
check "ipipd@a exposure $SCORE_a <= 2.7" awk -v s="$SCORE_a" 'BEGIN { exit !(s != "" && s <= 2.7) }'
check "ipipd@b (ambient) exposure $SCORE_b <= 2.2" awk -v s="$SCORE_b" 'BEGIN { exit !(s != "" && s <= 2.2) }'

# ---- systemctl stop: exit 0, nothing left behind
for i in a b; do
	systemctl stop "ipipd@$i"
	check "systemctl stop ipipd@$i (status $?)" test $? -eq 0
	eq "ipipd@$i result" "$(systemctl show -P Result "ipipd@$i")" success
	eq "ipipd@$i main exit status" "$(systemctl show -P ExecMainStatus "ipipd@$i")" 0
done
check "no device ipa left in sda" test -z "$(ip -n sda link show ipa 2>/dev/null)"
check "no device ipb left in sdb" test -z "$(ip -n sdb link show ipb 2>/dev/null)"
check "no tunnel address left in sda" test -z "$(ip -n sda addr | grep -E '10\.1\.0|fd01::')"
check "no route 10.20.0.0/24 left in sda" test -z "$(ip -n sda route show 10.20.0.0/24)"
check "no route 10.30.0.0/24 left in sdb" test -z "$(ip -n sdb route show 10.30.0.0/24)"
check "no ipipd process left" test -z "$(pgrep -x ipipd; pgrep -x ipipd-engine; pgrep -x ipipd-resolve)"
check "no control socket left in /run/ipipd" test -z "$(ls /run/ipipd)"
out=$(ipipctl show 2>&1)
check "ipipctl show with no daemon: exit 1, says so ($out)" eval \
    '! ipipctl show >/dev/null 2>&1 && echo "$out" | grep -q "no ipipd is running"'

say "restart under systemd: kill -9 -> active $R_ACTIVE s, -> first ping $R_PING s (ambient ipipd@b: $RB_ACTIVE s, $RB_PING s); watchdog: SIGSTOP -> active $WD_S s"
say "systemd-analyze security in place: ipipd@a $SCORE_a, ipipd@b (ambient) $SCORE_b"

# ---- apt-get remove, purge
apt-get remove -y ipipd >"$T/apt.log" 2>&1
check "apt-get remove ipipd (status $?)" test $? -eq 0
for p in ipipd ipipctl ipipd-engine ipipd-resolver; do
	check "after remove: profile $p not loaded" eval '! grep -q "^$p (" /sys/kernel/security/apparmor/profiles'
done
check "after remove: /usr/sbin/ipipd gone" test ! -e /usr/sbin/ipipd
check "after remove: the unit is gone" eval '! systemctl cat ipipd@a.service >/dev/null 2>&1'
apt-get purge -y ipipd >"$T/apt.log" 2>&1
check "apt-get purge ipipd (status $?)" test $? -eq 0
sed 's/^/    apt | /' "$T/apt.log" | grep -Ei 'warn|remov|purg'
check "after purge: dpkg does not know ipipd" eval '! dpkg-query -W -f="\${Status}" ipipd 2>/dev/null | grep -q installed'
# What the job added besides the test's own files: the service user (Debian
# leaves system users), and what the administrator wrote (configurations,
# drop-ins), which dpkg leaves.
left=$(diff <(echo "$before_install") <(upper) | sed -n 's/^> //p' |
    grep -Ev '^\./etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$|^\./etc/(ipipd|ipipd/[abcs]\.conf)$|^\./etc/systemd/system/ipipd@[abcs]\.service\.d(/.*)?$|^\./etc/hosts$')
say "after purge, besides the test's files, the overlay holds:"
echo "${left:-    (nothing)}" | sed 's/^/    | /'
check "after purge: nothing of the package left" test -z "$left"
for d in /usr/libexec/ipipd /usr/share/doc/ipipd /var/lib/ipipd/empty \
    /etc/apparmor.d/local/usr.sbin.ipipd /etc/apparmor.d/usr.sbin.ipipd; do
	check "after purge: no $d" test ! -e "$d"
done
if [ -z "$varlib_before" ]; then
	check "after purge: no /var/lib/ipipd" test ! -e /var/lib/ipipd
else
	eq "after purge: /var/lib/ipipd holds what the host had there" \
	    "$(ls -A /var/lib/ipipd | tr '\n' ' ')" "$(echo "$varlib_before" | tr '\n' ' ')"
fi
say "kept, as Debian does: user $(getent passwd _ipipd | cut -d: -f1-3), the administrator's files: $(ls /etc/ipipd 2>/dev/null | tr '\n' ' ')"
