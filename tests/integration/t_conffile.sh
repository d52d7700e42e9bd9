#!/bin/bash
#
# -n -f FILE: a good file exits 0 with "configuration OK"; a bad one exits
# 1 with one line naming the file, the line and the word.  -n needs no
# root and opens nothing, so it also runs as an unprivileged user.

. "$(dirname "$0")/../lib.sh"
need_ipipd

CONF=$TMPD/t.conf

# check_n WANT_STATUS ERE TEXT: write TEXT to $CONF, run -n -f, check.
check_n() {
	local want=$1 re=$2 out rc
	printf '%b' "$3" >"$CONF"
	chmod 0644 "$CONF"
	out=$("$IPIPD" -n -f "$CONF" 2>&1)
	rc=$?
	expect_status "$rc" "$want" "ipipd -n -f ($(printf '%b' "$3" | tr '\n' ';'))"
	expect_match "$(printf '%s\n' "$out" | head -n 1)" "$re" "first line"
}

check_n 0 '^configuration OK$' \
    '# tunnel\ndev tun9\nremote 192.0.2.2   # peer\nmtu 1400\nttl inherit\ntos 0x20\nnopmtudisc\nresolve-interval 30\n'
check_n 0 '^configuration OK$' \
    'dev tun9\nremote 2001:db8::2\nlocal 2001:db8::1\ntclass inherit\nflowlabel 0x12345\nencaplimit none\nmode ip6ip6\n'
check_n 0 '^configuration OK$' 'dev tun9\nremote peer.example\nmode any\n'
check_n 1 "^ipipd: $CONF:3: unknown word 'frob'" 'dev tun9\nremote 192.0.2.2\nfrob 1\n'
check_n 1 "^ipipd: $CONF:2: bad mtu 'abc'" 'dev tun9\nmtu abc\nremote 192.0.2.2\n'
check_n 1 "^ipipd: $CONF:3: 'dev' given twice" 'dev tun9\nremote 192.0.2.2\ndev tun8\n'
check_n 1 "^ipipd: $CONF:1: unexpected '1500' after 'mtu'" 'mtu 1400 1500\ndev t\nremote 192.0.2.2\n'
check_n 1 "^ipipd: $CONF:4: 'tclass' is for an IPv6" 'dev tun9\nremote 192.0.2.2\n\ntclass 8\n'
check_n 1 "^ipipd: $CONF:2: local '2001:db8::1'" 'remote 192.0.2.2\nlocal 2001:db8::1\ndev t\n'
check_n 1 "^ipipd: $CONF: missing 'remote" 'dev tun9\n'
check_n 1 "^ipipd: $CONF:2: 'mtu' needs a value" 'dev tun9\nmtu\nremote 192.0.2.2\n'

# -4 on the command line against an IPv6 remote in the file.
printf 'dev tun9\nremote 2001:db8::2\n' >"$CONF"
out=$("$IPIPD" -n -4 -f "$CONF" 2>&1)
expect_status $? 1 "-4 with an IPv6 remote in the file"
expect_match "$out" "$CONF:2: remote '2001:db8::2' is not an IPv4" "message"

# Keywords after -f on the command line are refused.
out=$("$IPIPD" -n -f "$CONF" mtu 1400 2>&1)
expect_status $? 1 "-f with keywords on the command line"
expect_match "$out" "unexpected 'mtu'" "message"

out=$("$IPIPD" -n -f "$TMPD/missing.conf" 2>&1)
expect_status $? 1 "missing file"
expect_match "$out" "$TMPD/missing.conf: No such file" "message"

# Unprivileged: -n neither needs nor asks for root.
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
	printf 'dev tun9\nremote 192.0.2.2\n' >"$CONF"
	chmod 0755 "$TMPD"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$IPIPD" -n -f "$CONF" 2>&1)
	expect_status $? 0 "-n -f as nobody"
	expect_match "$out" '^configuration OK$' "message"
fi
finish
