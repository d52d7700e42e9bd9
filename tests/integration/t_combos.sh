#!/bin/bash
#
# All four combinations (outer IPv4/IPv6 x inner IPv4/IPv6) between two
# ipipd instances, with pre-created TUN devices (addresses added before
# ipipd starts) and with TUN devices ipipd creates (addresses added after
# `tunnel up:`).  DF pings of several sizes up to the MTU, both ways.
# Checks the TUN MTU: the default (outer link MTU minus outer header) when
# `mtu` is omitted, the given value otherwise.

. "$(dirname "$0")/../lib.sh"
setup_common
mk_pair

# combo OUTER MODE MTU(or "") WANT_MTU
combo() {
	local outer=$1 mode=$2 mtu=$3 want=$4 ta=ta$SID$1 tb=tb$SID$1
	local ma mb
	log "=== outer IPv$outer, $mode-created TUN, mtu ${mtu:-(default)}"
	if [ -n "$mtu" ]; then
		pair_up "$outer" "$mode" "$ta" "$tb" mtu "$mtu"
	else
		pair_up "$outer" "$mode" "$ta" "$tb"
	fi
	ma=$(link_mtu "$NS_A" "$ta")
	mb=$(link_mtu "$NS_B" "$tb")
	expect_eq "$ma" "$want" "MTU of $ta"
	expect_eq "$mb" "$want" "MTU of $tb"
	expect_match "$(up_line "$LOG_A")" "mtu $want( |\$)" "tunnel up line A"
	nsx "$NS_A" ip link show dev "$ta" | grep -q '[<,]UP[,>]' ||
		error "$ta is not up"
	# Ping sizes from the MTU the device has, so that a wrong MTU is
	# reported once above, not again as failed pings.
	ping_both "${ma:-$want}"
	pair_down "$ta" "$tb"
	if [ "$mode" = auto ]; then
		link_exists "$NS_A" "$ta" && error "$ta still exists after ipipd exit"
		link_exists "$NS_B" "$tb" && error "$tb still exists after ipipd exit"
	fi
	return 0
}

combo 4 pre "" 1480
combo 6 pre "" 1452
combo 4 auto 1400 1400
combo 6 auto 1300 1300

finish
