#!/bin/bash
#
# make install / uninstall into temporary directories, from a build
# directory of its own: the exact file list and modes for PREFIX=/usr,
# the install paths inside the generated AppArmor profiles and systemd
# unit (also for PREFIX=/opt/ipipd-test), the compiled-in libexec
# directory, the example configuration passing `ipipd -n -f`, and
# nothing left after uninstall.  Where systemd-analyze is installed, the
# unit passes `verify` and `security --offline=yes` rates it 2.7 or
# lower (2.2 with the ambient drop-in among the examples); apparmor_parser
# -QTK on the profiles is t_apparmor_parse.

. "$(dirname "$0")/../lib.sh"
need_cmd make cc install

B=$TMPD/build
D=$TMPD/dest

# mk ARGS...: make in the source tree, quietly, logging on failure.
mk() {
	if ! make -s -C "$TOPDIR" BUILD="$B" "$@" >"$TMPD/make.log" 2>&1; then
		error "make $*:"
		show_log "$TMPD/make.log"
		return 1
	fi
	ok "make $*"
}

mk install DESTDIR="$D" PREFIX=/usr || finish

want=$(cat <<'LIST'
644 etc/apparmor.d/usr.libexec.ipipd.ipipd-engine
644 etc/apparmor.d/usr.libexec.ipipd.ipipd-resolver
644 etc/apparmor.d/usr.sbin.ipipctl
644 etc/apparmor.d/usr.sbin.ipipd
644 usr/lib/systemd/system/ipipd@.service
644 usr/lib/sysusers.d/ipipd.conf
644 usr/lib/tmpfiles.d/ipipd.conf
755 usr/libexec/ipipd/ipipd-engine
755 usr/libexec/ipipd/ipipd-resolver
755 usr/sbin/ipipctl
755 usr/sbin/ipipd
644 usr/share/doc/ipipd/examples/ambient.conf
644 usr/share/doc/ipipd/examples/example.conf
644 usr/share/doc/ipipd/examples/tcp-client.conf
644 usr/share/doc/ipipd/examples/tcp-server.conf
644 usr/share/man/man5/ipipd.conf.5
644 usr/share/man/man8/ipipctl.8
644 usr/share/man/man8/ipipd.8
LIST
)
got=$(cd "$D" && find . ! -type d -printf '%m %P\n' | sort -k2)
if [ "$got" = "$want" ]; then
	ok "installed files and modes ($(echo "$got" | wc -l) files)"
else
	error "installed files differ:"
	diff <(echo "$want") <(echo "$got") | sed 's/^/    | /'
fi
expect_eq "$(stat -c %a "$D/etc/ipipd")" 755 "/etc/ipipd directory mode"
expect_eq "$(find "$D" -user root | wc -l)" "$(find "$D" | wc -l)" "everything owned by root"

expect_file_match "$D/etc/apparmor.d/usr.sbin.ipipd" \
    '^profile ipipd /usr/sbin/ipipd \{' "parent profile attachment"
expect_file_match "$D/etc/apparmor.d/usr.sbin.ipipd" \
    '^  /usr/libexec/ipipd/ipipd-engine Px -> ipipd//&ipipd-engine,' "Px to the engine, stacked"
expect_file_match "$D/etc/apparmor.d/usr.sbin.ipipd" \
    '^  include if exists <local/usr.sbin.ipipd>' "local include"
expect_file_match "$D/etc/apparmor.d/usr.sbin.ipipctl" \
    '^profile ipipctl /usr/sbin/ipipctl \{' "ipipctl profile attachment"
expect_file_match "$D/etc/apparmor.d/usr.libexec.ipipd.ipipd-engine" \
    '^profile ipipd-engine /usr/libexec/ipipd/ipipd-engine \{' "engine profile attachment"
expect_file_match "$D/etc/apparmor.d/usr.libexec.ipipd.ipipd-resolver" \
    '^abi <abi/3.0>,' "resolver profile abi"
if grep -n '@[A-Z]*@' "$D"/etc/apparmor.d/* "$D"/usr/lib/systemd/system/*; then
	error "placeholders left in generated files"
else
	ok "no placeholders left"
fi

U=$D/usr/lib/systemd/system/ipipd@.service
expect_file_match "$U" '^ExecStart=/usr/sbin/ipipd -d -f /etc/ipipd/%i.conf$' "unit ExecStart"
expect_file_match "$U" '^Type=notify$' "unit Type"
expect_file_match "$U" '^ExecReload=/usr/sbin/ipipd -r \$MAINPID$' "unit ExecReload"
expect_file_match "$U" '^WatchdogSec=[0-9]+s$' "unit WatchdogSec"
# Started as root, dropping itself: no User=, the bounding set ipipd uses.
if grep -Eq '^(User|AmbientCapabilities)=' "$U"; then
	error "the unit has User= or AmbientCapabilities= (ipipd starts as root)"
else
	ok "no User= or AmbientCapabilities= in the unit"
fi
expect_file_match "$U" '^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_SYS_CHROOT CAP_NET_BIND_SERVICE$' "unit bounding set"
A=$D/usr/share/doc/ipipd/examples/ambient.conf
expect_file_match "$A" '^User=_ipipd$' "ambient drop-in User"
expect_file_match "$A" '^AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW$' "ambient drop-in caps"
expect_file_match "$A" '^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW$' "ambient drop-in bounding set"
expect_file_match "$U" '^ReadWritePaths=-/run/ipipd$' "unit: /run/ipipd writable (control socket)"
expect_file_match "$D/usr/lib/sysusers.d/ipipd.conf" '^u _ipipd ' "sysusers"
expect_file_match "$D/usr/lib/tmpfiles.d/ipipd.conf" \
    '^d /var/lib/ipipd/empty 0755 root root' "tmpfiles"
expect_file_match "$D/usr/lib/tmpfiles.d/ipipd.conf" \
    '^d /run/ipipd 0755 _ipipd _ipipd' "tmpfiles: the control sockets' directory"

if grep -aq '/usr/libexec/ipipd' "$D/usr/sbin/ipipd"; then
	ok "ipipd has /usr/libexec/ipipd compiled in"
else
	error "ipipd lacks the libexec directory /usr/libexec/ipipd"
fi
for f in example tcp-server tcp-client; do
	out=$("$D/usr/sbin/ipipd" -n -f "$D/usr/share/doc/ipipd/examples/$f.conf" 2>&1)
	expect_status $? 0 "$f.conf passes ipipd -n -f ($out)"
done
expect_file_match "$D/usr/lib/tmpfiles.d/ipipd.conf" \
    '^d /var/lib/ipipd/pool 0750 _ipipd root' "tmpfiles: the assignments directory"

mk uninstall DESTDIR="$D" PREFIX=/usr
left=$(find "$D" ! -type d)
expect_eq "$left" "" "files left after uninstall"

# Another prefix: the profiles and the unit follow it.
D2=$TMPD/dest2
mk install DESTDIR="$D2" PREFIX=/opt/ipipd-test
expect_file_match "$D2/etc/apparmor.d/opt.ipipd-test.sbin.ipipd" \
    '^profile ipipd /opt/ipipd-test/sbin/ipipd \{' "PREFIX=/opt/ipipd-test parent profile"
expect_file_match "$D2/etc/apparmor.d/opt.ipipd-test.sbin.ipipd" \
    '^  /opt/ipipd-test/libexec/ipipd/ipipd-resolver Px' "PREFIX=/opt/ipipd-test Px"
expect_file_match "$D2/etc/apparmor.d/opt.ipipd-test.libexec.ipipd.ipipd-engine" \
    '^profile ipipd-engine /opt/ipipd-test/libexec/ipipd/ipipd-engine \{' "PREFIX=/opt/ipipd-test engine profile"
expect_file_match "$D2/opt/ipipd-test/lib/systemd/system/ipipd@.service" \
    '^ExecStart=/opt/ipipd-test/sbin/ipipd ' "PREFIX=/opt/ipipd-test unit"

# systemd-analyze wants the executables where the unit says: a real
# (DESTDIR-less) install under $TMPD.
if command -v systemd-analyze >/dev/null 2>&1; then
	P=$TMPD/prefix
	mk install PREFIX="$P/usr" SYSCONFDIR="$P/etc"
	mkdir -p "$TMPD/units"
	cp "$P/usr/lib/systemd/system/ipipd@.service" "$TMPD/units/ipipd@t0.service"
	out=$(cd "$TMPD/units" && systemd-analyze verify --man=no ./ipipd@t0.service 2>&1)
	rc=$?
	expect_status $rc 0 "systemd-analyze verify${out:+: $out}"
	# exposure UNIT MAX: systemd-analyze security's rating, at most MAX.
	exposure() {
		local out score
		out=$(cd "$TMPD/units" &&
		    systemd-analyze security --offline=yes "./$1" 2>&1 | tail -n 1)
		log "$out"
		score=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9][0-9.]*\) .*/\1/p')
		if [ -n "$score" ] && awk -v s="$score" -v m="$2" 'BEGIN { exit !(s <= m) }'; then
			ok "$1: exposure $score <= $2"
		else
			error "$1: exposure '$score' is not <= $2"
		fi
	}
	# The root start as shipped; with the ambient drop-in appended (a
	# second [Service] section reads as a drop-in does).
	exposure ipipd@t0.service 2.7
	cat "$TMPD/units/ipipd@t0.service" \
	    "$P/usr/share/doc/ipipd/examples/ambient.conf" >"$TMPD/units/ipipd@t1.service"
	out=$(cd "$TMPD/units" && systemd-analyze verify --man=no ./ipipd@t1.service 2>&1)
	expect_status $? 0 "systemd-analyze verify, ambient drop-in${out:+: $out}"
	exposure ipipd@t1.service 2.2
else
	log "systemd-analyze not installed: unit not verified"
fi
finish
