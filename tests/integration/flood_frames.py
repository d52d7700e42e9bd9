#!/usr/bin/python3
#
# Frames for tests/integration/t_flood.sh: malformed and spoofed outer
# IPv4 packets towards the ipipd at B, built once with scapy and sent
# many times by tests/helpers/pkt_blast.c.
#
#	flood_frames.py OUT SRC_MAC DST_MAC REMOTE LOCAL OTHER_LOCAL IN_A IN_B
#
# REMOTE is B's tunnel remote (A's outer address), LOCAL B's outer
# address, OTHER_LOCAL another address of B that is not the tunnel's,
# IN_A/IN_B the inner addresses (A's and B's TUN).  Writes OUT (records:
# 2-byte big-endian length, frame) and OUT.list, one line per record in
# the same order: `NAME WHERE`, where WHERE is the engine drop counter
# that must count it (net-src, net-ttl, ...), `kernel-hdr` for outer
# headers B's IP layer refuses before any socket sees them (InHdrErrors,
# InTruncatedPkts), `kernel-frag` for outer fragments that can never be
# reassembled (ReasmReqds), or `tun` for the canary: a valid packet that
# must come out of the TUN device.
# Every inner payload carries a marker: "ipipd-flood-canary" for the
# canary, "ipipd-flood-drop" for all the others.

import struct
import sys

from scapy.all import Ether, IP, IPv6, UDP, raw  # noqa: E402

out, smac, dmac, remote, local, other, in_a, in_b = sys.argv[1:9]
MARK = b"ipipd-flood-drop"
CANARY = b"ipipd-flood-canary"
frames = []


def add(name, where, ip_bytes):
    frames.append((name, where, raw(Ether(src=smac, dst=dmac,
                                          type=0x0800)) + ip_bytes))


def inner4(**kw):
    mark = kw.pop("mark", MARK)
    ip = IP(src=kw.pop("src", in_a), dst=in_b, ttl=kw.pop("ttl", 64),
            tos=kw.pop("tos", 0), **kw)
    return raw(ip / UDP(sport=4444, dport=9) / mark)


def inner6(**kw):
    ip = IPv6(src=kw.pop("src", "fd00:cafe::1"), dst="fd00:cafe::2",
              hlim=kw.pop("hlim", 64), **kw)
    return raw(ip / UDP(sport=4444, dport=9) / MARK)


def outer(payload, src=None, dst=None, proto=4, tos=0, **kw):
    return raw(IP(src=src or remote, dst=dst or local, proto=proto,
                  tos=tos, ttl=64, **kw) / payload)


def patch(b, off, val):
    return b[:off] + bytes(val) + b[off + len(val):]


good4 = inner4()
# -- the canary: the one valid packet, which must reach the TUN.
add("canary", "tun", outer(inner4(mark=CANARY)))
# -- spoofed outer addresses
add("src-spoofed-onlink", "net-src", outer(good4, src="192.0.2.77"))
add("src-spoofed-far", "net-src", outer(good4, src="198.51.100.9"))
add("dst-other-local", "net-dst", outer(good4, dst=other))
# -- inner version
add("inner-v5-in-ipip", "net-version",
    outer(bytes([0x55]) + good4[1:]))
add("inner-v6-in-ipip", "net-version", outer(inner6()))
add("inner-v4-in-proto41", "net-version", outer(good4, proto=41))
add("inner-v0", "net-version", outer(bytes(28)))
# -- truncated and bad lengths
add("inner-empty", "net-short", outer(b""))
add("inner-10-bytes", "net-short", outer(good4[:10]))
add("inner-v6-30-bytes", "net-short", outer(inner6()[:30], proto=41))
add("inner-totlen-too-big", "net-inner-hdr",
    outer(patch(good4, 2, struct.pack("!H", 400))))
add("inner-totlen-below-ihl", "net-inner-hdr",
    outer(patch(good4, 2, struct.pack("!H", 12))))
add("inner-v6-plen-0", "net-inner-hdr",
    outer(patch(inner6(), 4, b"\0\0"), proto=41))
add("inner-v6-plen-too-big", "net-inner-hdr",
    outer(patch(inner6(), 4, struct.pack("!H", 900)), proto=41))
# -- bad IHL
add("inner-ihl-3", "net-inner-hdr", outer(bytes([0x43]) + good4[1:]))
add("inner-ihl-15", "net-inner-hdr", outer(bytes([0x4f]) + good4[1:]))
# -- TTL / hop limit 0
add("inner-ttl-0", "net-ttl", outer(inner4(ttl=0)))
add("inner-v6-hlim-0", "net-ttl", outer(inner6(hlim=0), proto=41))
# -- martian inner sources
for s in ("127.0.0.1", "0.0.0.0", "224.0.0.5", "255.255.255.255"):
    add("inner-martian-" + s, "net-martian", outer(inner4(src=s)))
for s in ("::1", "ff02::1", "::ffff:10.0.0.1"):
    add("inner-v6-martian-" + s, "net-martian",
        outer(inner6(src=s), proto=41))
# -- ECN (RFC 6040): outer CE on a Not-ECT inner must be dropped
add("ecn-ce-on-not-ect", "net-ecn", outer(inner4(tos=0), tos=3))
add("ecn-ce-on-not-ect-v6", "net-ecn", outer(inner6(tc=0), proto=41, tos=3))
# -- outer headers the receiving kernel refuses
o = outer(good4)


def resum(b):
    """The outer header's checksum made right again after a patch."""
    h = bytearray(b[:20])
    h[10:12] = b"\0\0"
    s = sum(struct.unpack("!10H", bytes(h)))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return bytes(h[:10]) + struct.pack("!H", ~s & 0xffff) + b[12:]


add("outer-ihl-3", "kernel-hdr", bytes([0x43]) + o[1:])
add("outer-version-5", "kernel-hdr", bytes([0x55]) + o[1:])
add("outer-bad-checksum", "kernel-hdr", patch(o, 10, bytes([o[10] ^ 0xff,
                                                              o[11]])))
add("outer-totlen-too-big", "kernel-hdr",
    resum(patch(o, 2, struct.pack("!H", 1400))))
add("outer-totlen-below-ihl", "kernel-hdr",
    resum(patch(o, 2, struct.pack("!H", 8))))
add("outer-truncated-hdr", "kernel-hdr", o[:12])
# -- fragments with absurd offsets (beyond 65535 bytes in all), never a
# first one: nothing can be reassembled
for off, mf in ((8189, 0), (8190, 1), (8191, 0), (4000, 1)):
    add("outer-frag-off-%d" % off, "kernel-frag",
        outer(good4 + bytes(64), flags=mf, frag=off))

with open(out, "wb") as f:
    for name, where, b in frames:
        f.write(struct.pack("!H", len(b)) + b)
with open(out + ".list", "w") as f:
    for name, where, b in frames:
        f.write("%s %s\n" % (name, where))
