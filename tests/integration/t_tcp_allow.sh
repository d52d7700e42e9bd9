#!/bin/bash
#
# serve tcp with an allowlist (issue 16): listed identifiers get their
# /64, one of them only with its shared key (an ipipd client's `key`,
# sent as "Key" in its JSON); an unlisted identifier, a missing or
# wrong key and a malformed key are refused, take nothing of the pool,
# and do not disturb the client already connected with that identifier;
# each reason is logged once and counted.  A bad allowlist stops the
# start with the file and line.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
setup_common
[ -x "$PYTHON" ] || skip "$PYTHON missing"
HOSTILE=$TOPDIR/tests/integration/tcp_hostile.py
tcp_lab 3
S3=$(tcp_srv4 3)

ALLOW=$TMPD/allow
cat >"$ALLOW" <<'LIST'
# clients of this server
alpha
beta	k3y-beta	# a shared key
LIST
chmod 0644 "$ALLOW"

log "=== a bad allowlist stops the start"
printf 'alpha\nbeta one two\n' >"$TMPD/bad-allow"
out=$(nsx "$NS_S" "$IPIPD" -d dev "tx$SID" serve tcp port "$TCP_PORT" \
    prefix-pool "$TCP_POOL" allowlist "$TMPD/bad-allow" 2>&1)
expect_status $? 1 "start with a bad allowlist"
expect_match "$out" "allowlist $TMPD/bad-allow:2: unexpected 'two' after the key" \
    "the error names file and line"

LOG_S=$TMPD/server.log
tcp_server "$LOG_S" allowlist "$ALLOW"
expect_file_match "$LOG_S" "allowlist $ALLOW: 2 identifier" "allowlist read"
tcp_client 1 "$TMPD/c1.log" "$(tcp_srv4 1)" identifier alpha
PID_C1=$CLI_PID
tcp_client 2 "$TMPD/c2.log" "$(tcp_srv4 2)" identifier beta key k3y-beta
PID_C2=$CLI_PID
wait_prefix "$TMPD/c1.log" "$PID_C1" || exit 1
A1=$(addr_of "$PREFIX")
wait_prefix "$TMPD/c2.log" "$PID_C2" || exit 1
A2=$(addr_of "$PREFIX")
ping6_ok "$NS_H" "$A1"
ping6_ok "$NS_H" "$A2"

log "=== refused: unlisted, no key, wrong key, a malformed key"
for w in stranger nokey wrongkey badkey; do
	out=$(nsx "$NS_C3" "$PYTHON" "$HOSTILE" refused "$S3" "$TCP_PORT" "$w" 2>&1)
	expect_match "$out" "^RESULT $w closed" "$w refused"
done
expect_eq "$(json_prefix "$TCP_FILE" stranger)" none "the stranger took no /64"
expect_eq "$(grep -c 'not in the allowlist' "$LOG_S")" 1 "unlisted: logged once"
expect_eq "$(grep -c 'wrong or missing key' "$LOG_S")" 1 "bad key: logged once"
# beta, refused twice, is still connected.
ping6_ok "$NS_H" "$A2"
expect_eq "$(prefix_count "$TMPD/c2.log")" 1 "beta kept its connection"
kill -USR1 "$SRV_PID"
wait_log "$LOG_S" 'status tcp:' 5
st=$(grep 'status tcp:' "$LOG_S" | tail -n 1)
expect_match "$st" ' not-allowed=3( |$)' "three refused by the allowlist"
expect_match "$st" ' bad-key=1( |$)' "one malformed key"
stop_ipipd "$PID_C1" "$TMPD/c1.log"
stop_ipipd "$PID_C2" "$TMPD/c2.log"
stop_ipipd "$SRV_PID" "$LOG_S"
finish
