#!/bin/bash
#
# The wire checker checks itself: packets built with each promised outer
# header field broken (TTL, DF, ID 0, checksum, TOS, IHL, MF, protocol for
# the inner family, hop limit, traffic class, flow label, addresses), a
# changed inner byte, a lost packet, a malformed packet reaching the TUN,
# a missing control packet must all be caught, and good packets must
# pass; so a passing wire test means something.

. "$(dirname "$0")/../lib.sh"
need_scapy
wirepy - selftest || error "wire.py selftest"
finish
