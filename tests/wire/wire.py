#!/usr/bin/python3
"""An independent IP-in-IP peer and packet checker for the ipipd wire tests.

Run with /usr/bin/python3 (the interpreter with scapy), inside
`ip netns exec NS`.  The outer headers are parsed and checked here from
the raw bytes with struct, not with scapy's dissectors, and the IPv4
header checksum is recomputed independently (RFC 1071).  Scapy only reads
pcap files, builds the crafted packets and puts them on the wire.

Subcommands (each exits 0 when every check passed, 1 otherwise):

  emit-check   compare what A's TUN device sent (tcpdump -Q out on the TUN)
               with the outer packets captured on B's veth: every outer
               header field, inner bytes unchanged
  accept       send RFC 2003/4213/2473 encapsulated ICMP echo requests
               from B to A's inner addresses, wait for A's encapsulated
               replies and check them
  reject-send  send valid control packets and malformed or misaddressed
               ones from B; reject-check then reads what reached A's TUN
  reject-check check that only the control packets reached A's TUN
  hold         keep raw sockets for protocols 4 and 41 open (as a tunnel
               endpoint would) so that B's kernel does not answer the
               tunnel packets with ICMP unreachable errors
"""

import argparse
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

OUT_TTL = 64
# The RFC 2473 Tunnel Encapsulation Limit ipipd writes into IPv6 outer
# headers by default (as Linux ip6tnl does); None: `encaplimit none`.
ENCAPLIMIT = 4
PROTO_IPIP = 4
PROTO_IPV6 = 41
MARK = b"IPIPD-WIRE-"

failures = 0
expecting = False       # selftest: failures are wanted, say so


def say(msg):
    print(msg, flush=True)


def fail(msg):
    global failures
    failures += 1
    say(("expected failure: " if expecting else "FAIL: ") + msg)


def ok(msg):
    say("ok: " + msg)


# ------------------------------------------------------------ raw parsing

def cksum(data):
    """RFC 1071 Internet checksum of data (the value to store)."""
    if len(data) % 2:
        data += b"\0"
    s = 0
    for (w,) in struct.iter_unpack("!H", data):
        s += w
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4str(b):
    return socket.inet_ntop(socket.AF_INET, b)


def ip6str(b):
    return socket.inet_ntop(socket.AF_INET6, b)


def norm(addr):
    """Canonical text form of an IPv4 or IPv6 address."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return socket.inet_ntop(fam, socket.inet_pton(fam, addr))


class Outer:
    """An outer IPv4 or IPv6 packet carrying protocol 4 or 41."""

    def __init__(self, fam, hdr, inner, fields):
        self.fam = fam          # 4 or 6
        self.hdr = hdr          # outer header bytes
        self.inner = inner      # inner packet bytes
        self.f = fields         # parsed header fields


def parse_outer(l3):
    """Parse an IP packet; return Outer if it carries proto 4/41, else None."""
    if len(l3) < 1:
        return None
    ver = l3[0] >> 4
    if ver == 4 and len(l3) >= 20:
        ihl = (l3[0] & 0x0F) * 4
        tos, tot, ident, frag, ttl, proto, csum = struct.unpack(
            "!xBHHHBBH", l3[:12])
        if proto not in (PROTO_IPIP, PROTO_IPV6):
            return None
        f = dict(ihl=ihl, tos=tos, tot=tot, id=ident,
                 df=bool(frag & 0x4000), mf=bool(frag & 0x2000),
                 off=frag & 0x1FFF, ttl=ttl, proto=proto, csum=csum,
                 src=ip4str(l3[12:16]), dst=ip4str(l3[16:20]),
                 caplen=len(l3))
        hdr = l3[:ihl]
        f["csum_ok"] = len(hdr) == ihl and cksum(hdr) == 0
        return Outer(4, hdr, l3[ihl:tot], f)
    if ver == 6 and len(l3) >= 40:
        w0, plen, nh, hlim = struct.unpack("!IHBB", l3[:8])
        # Walk extension headers (hop-by-hop, routing, destination
        # options) to find protocol 4 or 41 behind them; the daemon
        # promises none, check_outer reports any.
        off, ext = 40, []
        while nh in (0, 43, 60) and off + 8 <= len(l3):
            ext.append(nh)
            nh, hl = l3[off], (l3[off + 1] + 1) * 8
            off += hl
        if nh not in (PROTO_IPIP, PROTO_IPV6):
            return None
        f = dict(tc=(w0 >> 20) & 0xFF, flow=w0 & 0xFFFFF, plen=plen,
                 proto=nh, ttl=hlim, src=ip6str(l3[8:24]),
                 dst=ip6str(l3[24:40]), caplen=len(l3), ext=ext,
                 exthdr=l3[40:off])
        return Outer(6, l3[:off], l3[off:40 + plen], f)
    return None


def l3_of(data, linktype):
    """The IP packet in a captured frame (Ethernet or raw IP)."""
    if linktype == 1:                       # Ethernet
        if len(data) < 14:
            return None
        et = struct.unpack("!H", data[12:14])[0]
        if et not in (0x0800, 0x86DD):
            return None
        return data[14:]
    if linktype in (12, 14, 101):           # raw IP
        return data
    if linktype == 113:                     # Linux cooked (SLL)
        et = struct.unpack("!H", data[14:16])[0]
        return data[16:] if et in (0x0800, 0x86DD) else None
    raise SystemExit("unsupported pcap link type %d" % linktype)


def read_pcap(path):
    from scapy.utils import RawPcapReader
    out = []
    try:
        rd = RawPcapReader(path)
    except Exception as e:           # empty or missing file
        say("cannot read %s: %s" % (path, e))
        return out
    try:
        lt = rd.linktype
        for data, _meta in rd:
            l3 = l3_of(bytes(data), lt)
            if l3:
                out.append(l3)
    finally:
        rd.close()
    return out


def encaplimit_problem(ext, exthdr):
    """What is wrong with the extension headers between the outer IPv6
    header and the inner packet, or None: exactly one Destination
    Options header holding the Tunnel Encapsulation Limit option (type 4,
    length 1, value ENCAPLIMIT) and padding, or nothing at all under
    `encaplimit none`."""
    if ENCAPLIMIT is None:
        if ext:
            return ("extension header(s) %s (%s), want none under "
                    "encaplimit none" % (ext, exthdr.hex()))
        return None
    if ext != [60]:
        return ("extension headers %s, want one destination options "
                "header with the encapsulation limit" % ext)
    i, limit = 2, None
    while i < len(exthdr):
        t = exthdr[i]
        if t == 0:
            i += 1
            continue
        if i + 2 > len(exthdr) or i + 2 + exthdr[i + 1] > len(exthdr):
            return "option at %d runs past the header (%s)" % (
                i, exthdr.hex())
        if t == 4 and exthdr[i + 1] == 1:
            limit = exthdr[i + 2]
        elif t != 1:
            return "unexpected option type %d (%s)" % (t, exthdr.hex())
        i += 2 + exthdr[i + 1]
    if limit != ENCAPLIMIT:
        return "encapsulation limit %s, want %d (%s)" % (
            limit, ENCAPLIMIT, exthdr.hex())
    return None


def check_outer(o, fam, src, dst, what):
    """Check every outer header field the daemon promises.  Return the
    number of problems found (each printed)."""
    bad = []
    f = o.f
    iv = o.inner[0] >> 4 if o.inner else -1
    want_proto = {4: PROTO_IPIP, 6: PROTO_IPV6}.get(iv)
    if o.fam != fam:
        bad.append("outer family IPv%d, want IPv%d" % (o.fam, fam))
    if norm(f["src"]) != norm(src):
        bad.append("outer source %s, want %s" % (f["src"], src))
    if norm(f["dst"]) != norm(dst):
        bad.append("outer destination %s, want %s" % (f["dst"], dst))
    if f["proto"] != want_proto:
        bad.append("protocol %d for an inner IPv%d packet, want %s" %
                   (f["proto"], iv, want_proto))
    if f["ttl"] != OUT_TTL:
        bad.append("%s %d, want %d" % ("TTL" if o.fam == 4 else "hop limit",
                                       f["ttl"], OUT_TTL))
    if o.fam == 4:
        if f["ihl"] != 20:
            bad.append("IHL %d bytes, want 20" % f["ihl"])
        # Outer DF follows the inner DF for IPv4 inner (RFC 2003 5.1)
        # and is set for IPv6 inner (RFC 4213 3.2), under the default
        # pmtudisc, for packets that fit (these all do).
        want_df = iv != 4 or len(o.inner) < 8 or bool(o.inner[6] & 0x40)
        if f["df"] != want_df:
            bad.append("DF %s, want %s (inner IPv%d%s)" %
                       ("set" if f["df"] else "clear",
                        "set" if want_df else "clear", iv,
                        " with DF" if iv == 4 and want_df else ""))
        if f["mf"] or f["off"]:
            bad.append("fragment (MF %d, offset %d)" % (f["mf"], f["off"]))
        if f["id"] == 0:
            bad.append("IP ID is 0")
        if not f["csum_ok"]:
            hdr = bytearray(o.hdr)
            hdr[10:12] = b"\0\0"
            bad.append("header checksum 0x%04x, computed 0x%04x" %
                       (f["csum"], cksum(bytes(hdr))))
        if f["tos"] != 0:
            bad.append("TOS 0x%02x, want 0" % f["tos"])
        if f["tot"] != 20 + len(o.inner) or f["tot"] > f["caplen"]:
            bad.append("total length %d, captured %d, inner %d" %
                       (f["tot"], f["caplen"], len(o.inner)))
    else:
        if f["tc"] != 0:
            bad.append("traffic class 0x%02x, want 0" % f["tc"])
        if f["flow"] != 0:
            bad.append("flow label 0x%05x, want 0" % f["flow"])
        why = encaplimit_problem(f["ext"], f["exthdr"])
        if why:
            bad.append(why)
        if f["plen"] + 40 > f["caplen"]:
            bad.append("payload length %d, captured %d" %
                       (f["plen"], f["caplen"]))
    for b in bad:
        fail("%s: %s" % (what, b))
    return len(bad)


def describe(o):
    f = o.f
    return "IPv%d %s > %s proto %d ttl %d len %d" % (
        o.fam, f["src"], f["dst"], f["proto"], f["ttl"], len(o.inner))


def is_echo_request(p):
    if not p:
        return False
    if p[0] >> 4 == 4 and len(p) >= 21:
        ihl = (p[0] & 0x0F) * 4
        return p[9] == 1 and len(p) > ihl and p[ihl] == 8
    if p[0] >> 4 == 6 and len(p) >= 41:
        return p[6] == 58 and p[40] == 128
    return False


# ------------------------------------------------------------- emit-check

def cmd_emit_check(a):
    tun = read_pcap(a.tun_pcap)
    wire = read_pcap(a.wire_pcap)
    say("TUN packets sent by A's kernel: %d; packets on B's veth: %d" %
        (len(tun), len(wire)))
    tunset = set(tun)
    seen = set()
    count = {4: 0, 6: 0}
    for i, l3 in enumerate(wire):
        o = parse_outer(l3)
        if o is None:
            continue
        if norm(o.f["src"]) != norm(a.local):
            continue                    # not sent by A's ipipd
        what = "wire packet %d (%s)" % (i, describe(o))
        n = check_outer(o, a.outer, a.local, a.remote, what)
        if o.inner not in tunset:
            fail("%s: inner packet is not byte for byte one A's TUN sent: "
                 "%s" % (what, o.inner[:48].hex()))
            n += 1
        else:
            seen.add(o.inner)
        if n == 0 and is_echo_request(o.inner):
            count[o.inner[0] >> 4] += 1
    for fam in (4, 6):
        if count[fam] < a.min:
            fail("%d good IPv%d-in-IPv%d echo requests on the wire, want "
                 ">= %d" % (count[fam], fam, a.outer, a.min))
        else:
            ok("%d IPv%d-in-IPv%d echo requests, every outer field right, "
               "inner bytes unchanged" % (count[fam], fam, a.outer))
    lost = [p for p in tun if is_echo_request(p) and p not in seen]
    if lost:
        fail("%d echo request(s) sent on A's TUN never appeared on the wire"
             % len(lost))
    sizes = sorted({len(p) for p in seen if is_echo_request(p)})
    say("inner echo request sizes carried: %s" % sizes)
    if a.max_size and a.max_size not in sizes:
        fail("no inner packet of the full MTU size %d was carried" %
             a.max_size)
    return failures


# ---------------------------------------------------------------- sending

def scapy_all():
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    import scapy.all as S
    S.conf.verb = 0
    return S


def outer_hdr(S, fam, src, dst, proto):
    if fam == 4:
        return S.IP(src=src, dst=dst, proto=proto, ttl=64, flags="DF",
                    id=0x1234)
    return S.IPv6(src=src, dst=dst, nh=proto, hlim=64)


def echo(S, fam, src, dst, ident, seq, payload):
    if fam == 4:
        return S.IP(src=src, dst=dst, ttl=64, flags="DF") / \
            S.ICMP(type=8, id=ident, seq=seq) / payload
    return S.IPv6(src=src, dst=dst, hlim=64) / \
        S.ICMPv6EchoRequest(id=ident, seq=seq, data=payload)


def ether(S, a):
    return S.Ether(src=a.src_mac, dst=a.dst_mac)


def frame(S, a, outer, inner_bytes):
    """An Ethernet frame: outer header (scapy fills lengths and checksum)
    followed by inner_bytes exactly."""
    return ether(S, a) / outer / S.Raw(inner_bytes)


class Sniffer:
    """Collect IP packets on an interface in a thread (AF_PACKET)."""

    def __init__(self, ifname):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(0x0003))
        self.sock.bind((ifname, 0))
        self.pkts = []
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if not r:
                continue
            data, addr = self.sock.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            l3 = l3_of(data, 1)
            if l3:
                self.pkts.append(l3)

    def close(self):
        self.stop = True
        self.t.join()
        self.sock.close()


def inner_addrs(fam):
    # B's inner address is the source, A's the destination.
    return ("10.0.0.2", "10.0.0.1") if fam == 4 else \
        ("fd00:cafe::2", "fd00:cafe::1")


def parse_echo_reply(p):
    """(fam, id, seq, payload) of an ICMP/ICMPv6 echo reply, else None."""
    if p[0] >> 4 == 4:
        ihl = (p[0] & 0x0F) * 4
        tot = struct.unpack("!H", p[2:4])[0]
        if p[9] != 1 or len(p) < ihl + 8 or p[ihl] != 0:
            return None
        ident, seq = struct.unpack("!HH", p[ihl + 4:ihl + 8])
        return 4, ident, seq, p[ihl + 8:tot], ip4str(p[12:16]), \
            ip4str(p[16:20])
    if p[0] >> 4 == 6:
        plen = struct.unpack("!H", p[4:6])[0]
        if p[6] != 58 or len(p) < 48 or p[40] != 129:
            return None
        ident, seq = struct.unpack("!HH", p[44:48])
        return 6, ident, seq, p[48:40 + plen], ip6str(p[8:24]), \
            ip6str(p[24:40])
    return None


def cmd_accept(a):
    S = scapy_all()
    sn = Sniffer(a.iface)
    time.sleep(0.2)
    sent = {}
    n = 0
    for fam in (4, 6):
        isrc, idst = inner_addrs(fam)
        for seq in (1, 2, 3):
            n += 1
            ident = 0x4200 + fam * 16 + a.outer
            payload = MARK + b"accept-%d-in-%d-%d-" % (fam, a.outer, seq)
            payload += bytes(range(256))[: a.pad]
            inner = bytes(echo(S, fam, isrc, idst, ident, seq, payload))
            proto = PROTO_IPIP if fam == 4 else PROTO_IPV6
            if a.outer == 6 and seq == 2:
                # With an RFC 2473 encapsulation limit option, as a
                # Linux ip6tnl peer sends by default: accepted too.
                hdr = S.IPv6(src=a.src, dst=a.dst, nh=60, hlim=64)
                inner = bytes([proto, 0, 4, 1, 4, 1, 1, 0]) + inner
            else:
                hdr = outer_hdr(S, a.outer, a.src, a.dst, proto)
            pkt = frame(S, a, hdr, inner)
            S.sendp(pkt, iface=a.iface)
            sent[(fam, ident, seq)] = payload
            time.sleep(0.05)
    say("sent %d encapsulated echo requests (IPv4 and IPv6 inside IPv%d)" %
        (n, a.outer))
    deadline = time.time() + a.wait
    got = {}
    while time.time() < deadline and len(got) < len(sent):
        time.sleep(0.1)
        for l3 in list(sn.pkts):
            o = parse_outer(l3)
            if o is None or norm(o.f["src"]) != norm(a.dst):
                continue
            r = parse_echo_reply(o.inner)
            if r and (r[0], r[1], r[2]) in sent:
                got[(r[0], r[1], r[2])] = (o, r)
    sn.close()
    for key, payload in sorted(sent.items()):
        fam, ident, seq = key
        what = "IPv%d-in-IPv%d echo id 0x%x seq %d" % (fam, a.outer, ident,
                                                      seq)
        if key not in got:
            fail("%s: no encapsulated reply from A within %ds" %
                 (what, a.wait))
            continue
        o, r = got[key]
        n = check_outer(o, a.outer, a.dst, a.src, what + " reply")
        isrc, idst = inner_addrs(fam)
        if r[3] != payload:
            fail("%s: reply payload differs" % what)
            n += 1
        if norm(r[4]) != norm(idst) or norm(r[5]) != norm(isrc):
            fail("%s: reply inner %s > %s" % (what, r[4], r[5]))
            n += 1
        if n == 0:
            ok("%s answered through the tunnel (%s)" % (what, describe(o)))
    return failures


# ----------------------------------------------------------- reject tests

def v4_hdr(src, dst, proto, payload_len, ihl=5, tot=None):
    """A raw IPv4 header with a correct checksum (fields as given)."""
    if tot is None:
        tot = ihl * 4 + payload_len
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 0x55,
                              0, 64, proto, 0,
                              socket.inet_pton(socket.AF_INET, src),
                              socket.inet_pton(socket.AF_INET, dst)))
    h += b"\0" * max(0, ihl * 4 - 20)
    h = h[: max(20, ihl * 4)]
    h[10:12] = struct.pack("!H", cksum(bytes(h[:20])))
    return bytes(h)


def icmp4(ident, seq, payload):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
    return m[:2] + struct.pack("!H", cksum(m)) + m[4:]


def reject_cases(S, a):
    """(tag, description, outer src, outer dst, proto, inner bytes)."""
    cases = []
    i4s, i4d = inner_addrs(4)
    i6s, i6d = inner_addrs(6)

    def good4(tag, ident):
        return bytes(echo(S, 4, i4s, i4d, ident, 1, MARK + tag.encode()))

    def good6(tag, ident):
        return bytes(echo(S, 6, i6s, i6d, ident, 1, MARK + tag.encode()))

    src, dst = a.src, a.dst
    cases.append(("ctrl4a", "valid control: IPv4 inside, first", src, dst,
                  PROTO_IPIP, good4("ctrl4a", 0x7001)))
    cases.append(("ctrl6a", "valid control: IPv6 inside, first", src, dst,
                  PROTO_IPV6, good6("ctrl6a", 0x7002)))
    # Misaddressed outer packets.
    cases.append(("badsrc4", "outer source %s is not the remote" % a.alt_src,
                  a.alt_src, dst, PROTO_IPIP, good4("badsrc4", 0x7101)))
    cases.append(("badsrc6", "outer source %s is not the remote (41)" %
                  a.alt_src, a.alt_src, dst, PROTO_IPV6,
                  good6("badsrc6", 0x7102)))
    cases.append(("baddst4", "outer destination %s is not local" % a.alt_dst,
                  src, a.alt_dst, PROTO_IPIP, good4("baddst4", 0x7103)))
    cases.append(("baddst6", "outer destination %s is not local (41)" %
                  a.alt_dst, src, a.alt_dst, PROTO_IPV6,
                  good6("baddst6", 0x7104)))
    # Inner version does not match the protocol.
    cases.append(("p4v6", "protocol 4 carrying an IPv6 packet", src, dst,
                  PROTO_IPIP, good6("p4v6", 0x7201)))
    cases.append(("p41v4", "protocol 41 carrying an IPv4 packet", src, dst,
                  PROTO_IPV6, good4("p41v4", 0x7202)))
    # Inner header incomplete or inconsistent.
    g4 = good4("x", 0x7300)
    g6 = good6("x", 0x7300)
    cases.append(("trunc4", "inner IPv4 header truncated to 12 bytes", src,
                  dst, PROTO_IPIP, g4[:12]))
    cases.append(("trunc4b", "inner IPv4 header truncated to 19 bytes", src,
                  dst, PROTO_IPIP, g4[:19]))
    cases.append(("trunc6", "inner IPv6 header truncated to 20 bytes", src,
                  dst, PROTO_IPV6, g6[:20]))
    cases.append(("trunc6b", "inner IPv6 header truncated to 39 bytes", src,
                  dst, PROTO_IPV6, g6[:39]))
    body = icmp4(0x7401, 1, MARK + b"len4")
    cases.append(("len4", "inner IPv4 total length 100 bytes more than the "
                  "packet", src, dst, PROTO_IPIP,
                  v4_hdr(i4s, i4d, 1, len(body), tot=20 + len(body) + 100) +
                  body))
    body = icmp4(0x7402, 1, MARK + b"ihl4")
    cases.append(("ihl4", "inner IPv4 IHL 4 (16 bytes)", src, dst,
                  PROTO_IPIP, v4_hdr(i4s, i4d, 1, len(body), ihl=4) + body))
    body = icmp4(0x7403, 1, b"")
    h = bytearray(v4_hdr(i4s, i4d, 1, len(body)))
    h[0] = 0x4F                         # IHL 15: 60 bytes, packet has 28
    h[10:12] = b"\0\0"
    h[10:12] = struct.pack("!H", cksum(bytes(h)))
    cases.append(("ihl15", "inner IPv4 IHL 15 (60 bytes) in a 28-byte "
                  "packet", src, dst, PROTO_IPIP, bytes(h) + body))
    body = icmp4(0x7404, 1, MARK + b"short4")
    cases.append(("short4", "inner IPv4 total length 12, less than its "
                  "header", src, dst, PROTO_IPIP,
                  v4_hdr(i4s, i4d, 1, len(body), tot=12) + body))
    g6l = bytearray(good6("len6", 0x7405))
    g6l[4:6] = struct.pack("!H", len(g6l) - 40 + 100)
    cases.append(("len6", "inner IPv6 payload length 100 bytes more than "
                  "the packet", src, dst, PROTO_IPV6, bytes(g6l)))
    cases.append(("ctrl4b", "valid control: IPv4 inside, last", src, dst,
                  PROTO_IPIP, good4("ctrl4b", 0x7003)))
    cases.append(("ctrl6b", "valid control: IPv6 inside, last", src, dst,
                  PROTO_IPV6, good6("ctrl6b", 0x7004)))
    return cases


def cmd_reject_send(a):
    S = scapy_all()
    cases = reject_cases(S, a)
    with open(a.manifest, "w") as mf:
        for tag, desc, src, dst, proto, inner in cases:
            pkt = frame(S, a, outer_hdr(S, a.outer, src, dst, proto), inner)
            S.sendp(pkt, iface=a.iface)
            mf.write("%s\t%s\t%s\n" % (tag, inner.hex(), desc))
            say("sent %-8s IPv%d %s > %s proto %d, %d inner bytes: %s" %
                (tag, a.outer, src, dst, proto, len(inner), desc))
            time.sleep(0.05)
    return 0


def attribute(p, cases):
    """Which sent case a packet seen on the TUN comes from: the same bytes,
    else the case whose marker it holds, else the case sharing the longest
    prefix with it (a trimmed or truncated copy).  None if none fits."""
    for tag, inner, _ in cases:
        if p == inner:
            return tag
    for tag, inner, _ in cases:
        if MARK + tag.encode() in p and MARK + tag.encode() in inner:
            return tag
    best, blen = None, 11
    for tag, inner, _ in cases:
        n = 0
        while n < min(len(p), len(inner)) and p[n] == inner[n]:
            n += 1
        if n > blen:
            best, blen = tag, n
    return best


def cmd_reject_check(a):
    cases = []
    with open(a.manifest) as mf:
        for line in mf:
            tag, hx, desc = line.rstrip("\n").split("\t", 2)
            cases.append((tag, bytes.fromhex(hx), desc))
    got = read_pcap(a.tun_pcap)
    say("packets ipipd wrote to A's TUN: %d" % len(got))
    hits = {}
    for p in got:
        tag = attribute(p, cases)
        if tag is None:
            fail("unexpected packet on A's TUN: %s" % p[:48].hex())
        else:
            hits.setdefault(tag, []).append(p)
    for tag, inner, desc in cases:
        if tag.startswith("ctrl"):
            if tag in hits:
                ok("%s reached A's TUN: %s" % (tag, desc))
            else:
                fail("%s never reached A's TUN (%s): the tunnel does not "
                     "work, so the rejections below prove nothing" %
                     (tag, desc))
        elif tag in hits:
            fail("%s reached A's TUN but must be dropped: %s; TUN got %s" %
                 (tag, desc, hits[tag][0][:48].hex()))
        else:
            ok("%s dropped: %s" % (tag, desc))
    return failures


# ------------------------------------------------------------------- hold

def cmd_hold(a):
    socks = []
    for fam in (socket.AF_INET, socket.AF_INET6):
        for proto in (PROTO_IPIP, PROTO_IPV6):
            socks.append(socket.socket(fam, socket.SOCK_RAW, proto))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    say("holding raw sockets for protocols 4 and 41")
    end = time.time() + a.seconds
    while time.time() < end:
        r, _, _ = select.select(socks, [], [], 0.5)
        for s in r:
            s.recv(65535)
    return 0


# --------------------------------------------------------------- selftest

def build_outer(fam, inner, src, dst, proto=None, ttl=64, df=True, ident=7,
                tos=0, mf=False, tc=0, flow=0, bad_csum=False, ihl=5,
                elim=4):
    """An outer header built by hand, for the checker's self test."""
    if proto is None:
        proto = PROTO_IPIP if inner[0] >> 4 == 4 else PROTO_IPV6
    if fam == 4:
        frag = (0x4000 if df else 0) | (0x2000 if mf else 0)
        h = bytearray(struct.pack(
            "!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + len(inner), ident,
            frag, ttl, proto, 0, socket.inet_pton(socket.AF_INET, src),
            socket.inet_pton(socket.AF_INET, dst)))
        h += b"\x01" * (ihl * 4 - 20)
        c = cksum(bytes(h))
        h[10:12] = struct.pack("!H", c ^ (0x0101 if bad_csum else 0))
        return bytes(h) + inner
    w0 = (6 << 28) | (tc << 20) | flow
    if elim is not None:
        inner = bytes([proto, 0, 4, 1, elim, 1, 1, 0]) + inner
        proto = 60
    return struct.pack("!IHBB16s16s", w0, len(inner), proto, ttl,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + inner


def cmd_selftest(a):
    """Show that the checks can fail: good packets pass, each broken
    field is caught, and emit-check/reject-check catch changed, lost and
    unwanted packets."""
    global failures
    import tempfile
    from scapy.utils import PcapWriter
    S = scapy_all()
    in4 = bytes(echo(S, 4, "10.0.0.1", "10.0.0.2", 1, 1, MARK + b"self"))
    in6 = bytes(echo(S, 6, "fd00:cafe::1", "fd00:cafe::2", 1, 1,
                     MARK + b"self"))
    ends = {4: ("192.0.2.1", "192.0.2.2"), 6: ("2001:db8::1", "2001:db8::2")}
    problems = 0

    def run_check(pkt, fam, want_bad, what):
        nonlocal problems
        global failures, expecting
        saved, expecting = failures, want_bad
        n = check_outer(parse_outer(pkt), fam, *ends[fam], "selftest")
        failures, expecting = saved, False
        if (n > 0) != want_bad:
            problems += 1
            say("SELFTEST PROBLEM: %s: %d problem(s) found, want %s" %
                (what, n, "some" if want_bad else "none"))
        else:
            say("selftest ok: %s -> %d problem(s)" % (what, n))

    for fam in (4, 6):
        for inner in (in4, in6):
            run_check(build_outer(fam, inner, *ends[fam]), fam, False,
                      "good IPv%d-in-IPv%d" % (inner[0] >> 4, fam))
    bad4 = dict(ttl=63, df=False, ident=0, tos=4, mf=True, bad_csum=True,
                ihl=6, proto=PROTO_IPV6)
    for k, v in bad4.items():
        run_check(build_outer(4, in4, *ends[4], **{k: v}), 4, True,
                  "IPv4 outer with %s=%s" % (k, v))
    run_check(build_outer(4, in6, *ends[4], proto=PROTO_IPIP), 4, True,
              "IPv6 inner in protocol 4")
    run_check(build_outer(4, in4, "192.0.2.9", ends[4][1]), 4, True,
              "IPv4 outer from the wrong source")
    bad6 = dict(ttl=255, tc=0x10, flow=0x12345, proto=PROTO_IPV6)
    for k, v in bad6.items():
        run_check(build_outer(6, in4, *ends[6], **{k: v}), 6, True,
                  "IPv6 outer with %s=%s" % (k, v))
    run_check(build_outer(6, in4, *ends[6]), 4, True,
              "IPv6 outer where IPv4 is wanted")
    # The RFC 2473 encapsulation limit: missing, wrong value, malformed.
    run_check(build_outer(6, in4, *ends[6], elim=None), 6, True,
              "IPv6 outer without the encapsulation limit option")
    run_check(build_outer(6, in4, *ends[6], elim=3), 6, True,
              "IPv6 outer with encapsulation limit 3")
    run_check(build_outer(4, in4, *ends[4], df=False), 4, True,
              "IPv4 outer without DF for an inner with DF")
    in4nodf = bytearray(in4)
    in4nodf[6] &= ~0x40
    in4nodf[10:12] = b"\0\0"
    in4nodf[10:12] = struct.pack("!H", cksum(bytes(in4nodf[:20])))
    run_check(build_outer(4, bytes(in4nodf), *ends[4], df=False), 4, False,
              "IPv4 outer without DF for an inner without DF")
    run_check(build_outer(4, bytes(in4nodf), *ends[4]), 4, True,
              "IPv4 outer with DF for an inner without DF")
    global ENCAPLIMIT
    ENCAPLIMIT = None
    run_check(build_outer(6, in4, *ends[6], elim=None), 6, False,
              "encaplimit none: no option")
    run_check(build_outer(6, in4, *ends[6]), 6, True,
              "encaplimit none: an option anyway")
    ENCAPLIMIT = 4

    # emit-check over pcap files: good, changed inner, lost packet.
    d = tempfile.mkdtemp(prefix="wire-selftest.")

    def emit_case(tun, wire, want_bad, what):
        nonlocal problems
        global failures, expecting
        tp, wp = os.path.join(d, "tun.pcap"), os.path.join(d, "wire.pcap")
        w = PcapWriter(tp, linktype=101, sync=True)
        for p in tun:
            w.write(p)
        w.close()
        w = PcapWriter(wp, linktype=1, sync=True)
        for p in wire:
            w.write(b"\x02" * 6 + b"\x04" * 6 +
                    (b"\x08\x00" if p[0] >> 4 == 4 else b"\x86\xdd") + p)
        w.close()
        saved, expecting = failures, want_bad
        failures = 0
        ns = argparse.Namespace(tun_pcap=tp, wire_pcap=wp, outer=4,
                                local=ends[4][0], remote=ends[4][1], min=1,
                                max_size=0)
        n = cmd_emit_check(ns)
        failures, expecting = saved, False
        if (n > 0) != want_bad:
            problems += 1
            say("SELFTEST PROBLEM: emit-check %s: %d failure(s)" % (what, n))
        else:
            say("selftest ok: emit-check %s -> %d failure(s)" % (what, n))

    good = [build_outer(4, in4, *ends[4]), build_outer(4, in6, *ends[4])]
    emit_case([in4, in6], good, False, "good")
    changed = bytearray(in4)
    changed[-1] ^= 1
    emit_case([in4, in6], [build_outer(4, bytes(changed), *ends[4]),
                           good[1]], True, "inner byte changed")
    emit_case([in4, in6], good[:1], True, "IPv6 packet lost")

    # reject-check: an unwanted packet on the TUN, a lost control packet.
    def reject_case(tun, want_bad, what):
        nonlocal problems
        global failures, expecting
        mp, tp = os.path.join(d, "manifest"), os.path.join(d, "rtun.pcap")
        with open(mp, "w") as mf:
            mf.write("ctrl4a\t%s\tcontrol\n" % in4.hex())
            mf.write("trunc4\t%s\ttruncated\n" % in4[:12].hex())
            mf.write("badsrc6\t%s\twrong source\n" % in6.hex())
        w = PcapWriter(tp, linktype=101, sync=True)
        for p in tun:
            w.write(p)
        w.close()
        saved, expecting = failures, want_bad
        failures = 0
        n = cmd_reject_check(argparse.Namespace(tun_pcap=tp, manifest=mp))
        failures, expecting = saved, False
        if (n > 0) != want_bad:
            problems += 1
            say("SELFTEST PROBLEM: reject-check %s: %d failure(s)" %
                (what, n))
        else:
            say("selftest ok: reject-check %s -> %d failure(s)" % (what, n))

    reject_case([in4], False, "only the control packet")
    reject_case([in4, in4[:12]], True, "a truncated packet got through")
    reject_case([in4, in6], True, "a wrong-source packet got through")
    reject_case([], True, "the control packet is missing")
    reject_case([in4, b"\x45" + b"\0" * 30], True, "an unknown packet")
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)
    if problems:
        fail("%d self-test problem(s): the checks would miss bugs" %
             problems)
    else:
        ok("every broken packet is caught, every good one passes")
    return failures


# ------------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    e = sub.add_parser("emit-check")
    e.add_argument("--tun-pcap", required=True)
    e.add_argument("--wire-pcap", required=True)
    e.add_argument("--outer", type=int, choices=(4, 6), required=True)
    e.add_argument("--local", required=True, help="A's outer address")
    e.add_argument("--remote", required=True, help="B's outer address")
    e.add_argument("--min", type=int, default=2)
    e.add_argument("--max-size", type=int, default=0,
                   help="an inner packet of this size must be carried")

    for name in ("accept", "reject-send"):
        s = sub.add_parser(name)
        s.add_argument("--iface", required=True, help="B's veth")
        s.add_argument("--outer", type=int, choices=(4, 6), required=True)
        s.add_argument("--src", required=True, help="B's outer address")
        s.add_argument("--dst", required=True, help="A's outer address")
        s.add_argument("--src-mac", required=True)
        s.add_argument("--dst-mac", required=True)
        s.add_argument("--wait", type=int, default=3)
        s.add_argument("--pad", type=int, default=32)
        s.add_argument("--alt-src", help="another address of B")
        s.add_argument("--alt-dst", help="another address of A")
        s.add_argument("--manifest")

    c = sub.add_parser("reject-check")
    c.add_argument("--tun-pcap", required=True)
    c.add_argument("--manifest", required=True)

    sub.add_parser("selftest")

    h = sub.add_parser("hold")
    h.add_argument("--seconds", type=int, default=120)

    a = p.parse_args()
    fn = {"emit-check": cmd_emit_check, "accept": cmd_accept,
          "reject-send": cmd_reject_send, "reject-check": cmd_reject_check,
          "hold": cmd_hold, "selftest": cmd_selftest}[a.cmd]
    rc = fn(a)
    if failures:
        say("%d check(s) failed" % failures)
    sys.exit(1 if (failures or rc) else 0)


if __name__ == "__main__":
    main()
