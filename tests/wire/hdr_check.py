#!/usr/bin/python3
"""Outer header fields, ECN and inner-packet filtering of ipipd, for the
wire test t_hdr.sh.

Run with /usr/bin/python3.  Captures are read and parsed here from the
raw bytes (see frag_check.py); scapy only builds and sends the packets
the peer in B sends to A.

Subcommands (each exits 0 when every check passed, 1 otherwise):

  inject    write hand-built inner packets into A's TUN device (an
            AF_PACKET socket on it: the packets go straight to ipipd,
            with exactly the TTL, TOS/traffic class, DF and flow label
            given), and add one manifest line per probe with what the
            outer header must look like
  send-net  the scapy peer in B: send A encapsulated packets (ECN
            combinations of RFC 6040, martian inner sources, inner TTL /
            hop limit 0, and control packets that must get through), and
            add one manifest line per packet with the verdict
  check     read B's veth capture and A's TUN capture (-Q in: what ipipd
            wrote to it) and check every manifest line

Manifest lines (tab separated):
  out TAG OUTER MARKERHEX EXPECT INNERHEX   a packet A's TUN device sent
  in  TAG OUTER MARKERHEX EXPECT INNERHEX   a packet B sent to A
EXPECT is a comma-separated list of key=value (see check_out, check_in).
"""

import argparse
import os
import socket
import struct
import sys
import time
import zlib

sys.dont_write_bytecode = True      # no __pycache__ for frag_check
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frag_check import (cksum, icmp6_sum, inner_problems,  # noqa: E402
                        ip4str, ip6str, is_echo_request, norm,
                        parse_encaplimit, read_pcap)

PROTO_IPIP = 4
PROTO_IPV6 = 41
NH_DSTOPTS = 60
NH_FRAG = 44
MARK = b"IPIPD-HDR:"
INNER = {4: ("10.0.0.1", "10.0.0.2"), 6: ("fd00:cafe::1", "fd00:cafe::2")}

failures = 0


def say(msg):
    print(msg, flush=True)


def fail(msg):
    global failures
    failures += 1
    say("FAIL: " + msg)


def ok(msg):
    say("ok: " + msg)


def marker(tag):
    return MARK + tag.encode() + b";"


def icmp_id(tag):
    return zlib.crc32(tag.encode()) & 0xFFFF


def parse_kv(s):
    out = {}
    for item in filter(None, s.split(",")):
        k, _, v = item.partition("=")
        out[k] = v
    return out


def num(v):
    return int(v, 0)


# --------------------------------------------------------------- building

def build_v4(src, dst, ttl, tos, df, ident, payload, icmp_ident, seq=1):
    m = struct.pack("!BBHHH", 8, 0, 0, icmp_ident, seq) + payload
    m = m[:2] + struct.pack("!H", cksum(m)) + m[4:]
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(m),
                              ident, 0x4000 if df else 0, ttl, 1, 0,
                              socket.inet_pton(socket.AF_INET, src),
                              socket.inet_pton(socket.AF_INET, dst)))
    h[10:12] = struct.pack("!H", cksum(bytes(h)))
    return bytes(h) + m


def build_v6(src, dst, hlim, tc, flow, payload, icmp_ident, seq=1):
    s = socket.inet_pton(socket.AF_INET6, src)
    d = socket.inet_pton(socket.AF_INET6, dst)
    m = struct.pack("!BBHHH", 128, 0, 0, icmp_ident, seq) + payload
    m = m[:2] + struct.pack("!H", icmp6_sum(s, d, m)) + m[4:]
    w0 = 6 << 28 | tc << 20 | flow
    return struct.pack("!IHBB16s16s", w0, len(m), 58, hlim, s, d) + m


def inner_from_spec(tag, spec):
    """An ICMP echo request from A's inner address to B's, with the
    fields of spec: fam, ttl, tos (IPv4 TOS / IPv6 traffic class), df,
    flow, size (ICMP data bytes)."""
    fam = int(spec.get("fam", "4"))
    src, dst = INNER[fam]
    src = spec.get("src", src)
    dst = spec.get("dst", dst)
    ttl = num(spec.get("ttl", "64"))
    tos = num(spec.get("tos", "0"))
    size = num(spec.get("size", "64"))
    pay = marker(tag)
    pay += bytes((i * 7) & 0xFF for i in range(max(0, size - len(pay))))
    if fam == 4:
        return build_v4(src, dst, ttl, tos, spec.get("df", "1") == "1",
                        icmp_id(tag) ^ 0x5A5A, pay, icmp_id(tag))
    return build_v6(src, dst, ttl, tos, num(spec.get("flow", "0")), pay,
                    icmp_id(tag))


# ----------------------------------------------------------------- inject

def cmd_inject(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
    with open(a.manifest, "a") as mf:
        for probe in a.probe:
            tag, spec, expect = probe.split("|")
            spec = parse_kv(spec)
            pkt = inner_from_spec(tag, spec)
            et = 0x0800 if pkt[0] >> 4 == 4 else 0x86DD
            s.sendto(pkt, (a.iface, et))
            mf.write("out\t%s\t%d\t%s\t%s\t%s\tinner IPv%d %s\n" % (
                tag, a.outer, marker(tag).hex(), expect, pkt.hex(),
                pkt[0] >> 4, ",".join("%s=%s" % kv for kv in spec.items()
                                      if kv[0] != "fam")))
            say("injected %-14s IPv%d inner %s -> expect %s" %
                (tag, pkt[0] >> 4, ",".join("%s=%s" % kv for kv in
                                            spec.items()), expect))
            time.sleep(0.02)
    s.close()
    return 0


# --------------------------------------------------------------- send-net

def net_cases(S, outer):
    """(tag, outer ECN, inner packet bytes, expect, description,
    with encaplimit option) of the packets B sends."""
    cases = []
    n = [0]

    def inner(fam, tag, src=None, ttl=64, tos=0):
        isrc, idst = INNER[fam][1], INNER[fam][0]   # B -> A
        src = src or isrc
        pay = marker(tag) + b"." * 24
        if fam == 4:
            return bytes(S.IP(src=src, dst=idst, ttl=ttl, tos=tos) /
                         S.ICMP(type=8, id=icmp_id(tag), seq=1) /
                         S.Raw(pay))
        return bytes(S.IPv6(src=src, dst=idst, hlim=ttl, tc=tos) /
                     S.ICMPv6EchoRequest(id=icmp_id(tag), seq=1, data=pay))

    def add(name, fam, outer_ecn, expect, desc, src=None, ttl=64, tos=0,
            dstopt=False):
        n[0] += 1
        tag = "in%d.%s.i%d" % (outer, name, fam)
        cases.append((tag, outer_ecn, inner(fam, tag, src, ttl, tos),
                      expect, desc, dstopt))

    for fam in (4, 6):
        add("ctrlA", fam, 0, "deliver,tos=0x00",
            "control: a plain IPv%d echo request, first" % fam)
    for fam in (4, 6):
        # RFC 6040 section 4.2, the decapsulation table.
        add("ceEct0", fam, 3, "deliver,tos=0x03",
            "outer CE, inner ECT(0): inner leaves CE", tos=0x02)
        add("ceEct1", fam, 3, "deliver,tos=0x03",
            "outer CE, inner ECT(1): inner leaves CE", tos=0x01)
        add("ceCe", fam, 3, "deliver,tos=0x03",
            "outer CE, inner CE: stays CE", tos=0x03)
        add("ceDscp", fam, 3, "deliver,tos=0xbb",
            "outer CE, inner DSCP EF + ECT(0): CE, DSCP untouched",
            tos=0xba)
        add("ceNotect", fam, 3, "drop",
            "outer CE, inner Not-ECT: must be dropped")
        add("ect0Notect", fam, 2, "deliver,tos=0x00",
            "outer ECT(0), inner Not-ECT: unchanged")
        add("ect1Ect0", fam, 1, "deliver,tos=0x01",
            "outer ECT(1), inner ECT(0): inner leaves ECT(1)", tos=0x02)
        add("notectCe", fam, 0, "deliver,tos=0x03",
            "outer Not-ECT, inner CE: unchanged", tos=0x03)
        add("notectEct0", fam, 0, "deliver,tos=0x02",
            "outer Not-ECT, inner ECT(0): unchanged", tos=0x02)
    for src in ("0.0.0.0", "127.0.0.1", "127.254.3.4", "224.0.0.1",
                "239.255.255.250", "255.255.255.255"):
        add("m" + src.replace(".", "_"), 4, 0, "drop",
            "martian inner source %s" % src, src=src)
    for src in ("::", "::1", "ff02::1", "ff0e::1234", "::10.0.0.2",
                "::ffff:10.0.0.2"):
        name = "m" + src.replace(":", "c").replace(".", "_")
        add(name, 6, 0, "drop", "martian inner source %s" % src, src=src)
    add("ttl0", 4, 0, "drop", "inner TTL 0", ttl=0)
    add("ttl1", 4, 0, "deliver,ttl=1", "control: inner TTL 1 is fine",
        ttl=1)
    add("hlim0", 6, 0, "drop", "inner hop limit 0", ttl=0)
    add("hlim1", 6, 0, "deliver,ttl=1", "control: inner hop limit 1 is "
        "fine", ttl=1)
    if outer == 6:
        for fam in (4, 6):
            add("dstopt", fam, 0, "deliver,tos=0x00",
                "control: outer IPv6 with an encapsulation limit option "
                "(as Linux ip6tnl sends)", dstopt=True)
    for fam in (4, 6):
        add("ctrlB", fam, 0, "deliver,tos=0x00",
            "control: a plain IPv%d echo request, last" % fam)
    return cases


def cmd_send_net(a):
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    import scapy.all as S
    S.conf.verb = 0
    cases = net_cases(S, a.outer)
    with open(a.manifest, "a") as mf:
        for tag, ecn, inner, expect, desc, dstopt in cases:
            proto = PROTO_IPIP if inner[0] >> 4 == 4 else PROTO_IPV6
            if a.outer == 4:
                o = S.IP(src=a.src, dst=a.dst, proto=proto, ttl=64,
                         tos=ecn, flags="DF")
            elif dstopt:
                opt = bytes([proto, 0, 4, 1, 4, 1, 1, 0])
                o = S.IPv6(src=a.src, dst=a.dst, nh=NH_DSTOPTS, hlim=64,
                           tc=ecn) / S.Raw(opt)
            else:
                o = S.IPv6(src=a.src, dst=a.dst, nh=proto, hlim=64, tc=ecn)
            frame = S.Ether(src=a.src_mac, dst=a.dst_mac) / o / S.Raw(inner)
            S.sendp(frame, iface=a.iface)
            mf.write("in\t%s\t%d\t%s\t%s\t%s\t%s\n" % (
                tag, a.outer, marker(tag).hex(), expect, inner.hex(), desc))
            say("sent %-24s outer IPv%d ECN %d: %s -> %s" %
                (tag, a.outer, ecn, desc, expect))
            time.sleep(0.02)
    return 0


# ------------------------------------------------------------------ check

def parse_wire(l3):
    """An outer packet: dict of its fields and inner packet, or None if
    it is not IPv4/IPv6 carrying protocol 4 or 41 (after an optional
    destination options header).  Fragments are not expected here."""
    ver = l3[0] >> 4
    if ver == 4 and len(l3) >= 20:
        ihl = (l3[0] & 15) * 4
        tos, tot, ident, frag, ttl, proto = struct.unpack("!xBHHHBB",
                                                          l3[:10])
        if proto not in (PROTO_IPIP, PROTO_IPV6):
            return None
        return dict(fam=4, src=ip4str(l3[12:16]), dst=ip4str(l3[16:20]),
                    tos=tos, ttl=ttl, id=ident, df=int(bool(frag & 0x4000)),
                    frag=frag & 0x3FFF, proto=proto, ihl=ihl,
                    csum_ok=cksum(l3[:ihl]) == 0, inner=l3[ihl:tot],
                    el=None, elbad=[])
    if ver == 6 and len(l3) >= 40:
        w0, plen, nh, hlim = struct.unpack("!IHBB", l3[:8])
        body = l3[40:40 + plen]
        d = dict(fam=6, src=ip6str(l3[8:24]), dst=ip6str(l3[24:40]),
                 tc=(w0 >> 20) & 0xFF, flow=w0 & 0xFFFFF, ttl=hlim,
                 el=None, elbad=[], nh=nh, frag=0)
        if nh == NH_FRAG:
            return None
        if nh == NH_DSTOPTS:
            nh2, hlen, lim, bad = parse_encaplimit(body)
            d.update(el=lim, elbad=bad, dstopt=True)
            nh, body = nh2, body[hlen:]
        else:
            d["dstopt"] = False
        if nh not in (PROTO_IPIP, PROTO_IPV6):
            return None
        d.update(proto=nh, inner=body)
        return d
    return None


def icmp_errors(tun):
    """ICMP/ICMPv6 errors in packets ipipd wrote to A's TUN:
    (type, code, packet, quoted bytes, problems)."""
    out = []
    for p in tun:
        if p[0] >> 4 == 4 and len(p) >= 28 and p[9] == 1:
            ihl = (p[0] & 15) * 4
            tot = struct.unpack("!H", p[2:4])[0]
            t, c = p[ihl], p[ihl + 1]
            if t in (3, 11, 12):
                bad = inner_problems(p[:tot], PROTO_IPIP)
                out.append((4, t, c, p, p[ihl + 8:tot], bad))
        elif p[0] >> 4 == 6 and len(p) >= 48 and p[6] == 58:
            t, c = p[40], p[41]
            if t < 128:
                bad = inner_problems(p, PROTO_IPV6)
                out.append((6, t, c, p, p[48:], bad))
    return out


def fmt_field(k, o):
    if k == "el":
        return o["el"] if o.get("dstopt") else "none"
    v = o.get(k)
    if v is None or k in ("ttl", "df"):
        return str(v)
    return "0x%05x" % v if k == "flow" else "0x%02x" % v


def check_out(tag, outer, mark, expect, inner, wire, errors, a):
    """A packet A's TUN device sent.  EXPECT keys: ttl, tos and df (IPv4
    outer), tc, flow and el (IPv6 outer: encapsulation limit value or
    none), absent (must not be on the wire), back=TYPE (an ICMP error of
    that type, code 0, must have come back into A's TUN quoting it),
    info=FIELD (print the field, do not check it)."""
    e = parse_kv(expect)
    local = norm(a.local4 if outer == 4 else a.local6)
    found = [o for o in wire if o["fam"] == outer and
             norm(o["src"]) == local and mark in o["inner"]]
    what = "%s (IPv%d outer)" % (tag, outer)
    if "absent" in e:
        if found:
            fail("%s: must not be sent, but %d outer packet(s) carried it"
                 % (what, len(found)))
        else:
            ok("%s: not sent" % what)
    elif not found:
        fail("%s: no outer packet from %s carried it" % (what, local))
        return
    for o in found:
        bad = []
        iv = o["inner"][0] >> 4
        if o["proto"] != {4: PROTO_IPIP, 6: PROTO_IPV6}.get(iv):
            bad.append("protocol %d for an inner IPv%d packet" %
                       (o["proto"], iv))
        if inner and o["inner"] != inner:
            bad.append("inner packet changed: sent %s..., carried %s..." %
                       (inner[:24].hex(), o["inner"][:24].hex()))
        if outer == 4:
            if not o["csum_ok"]:
                bad.append("outer header checksum wrong")
            if o["id"] == 0:
                bad.append("outer IP ID 0")
            if o["frag"]:
                bad.append("outer fragment")
        for k, v in e.items():
            if k in ("absent", "back", "info"):
                continue
            if k == "el":
                got = "none" if not o.get("dstopt") else o["el"]
                for b in o["elbad"]:
                    bad.append("destination options: %s" % b)
                want = v if v == "none" else num(v)
                if got != want:
                    bad.append("encapsulation limit %s, want %s" %
                               (got, want))
                continue
            if k not in o:
                bad.append("no field %s in an IPv%d outer header" % (k,
                                                                    outer))
                continue
            if o[k] != num(v):
                fmt = "%d" if k in ("ttl", "df") else "0x%x"
                bad.append("%s %s, want %s" % (k, fmt % o[k],
                                               fmt % num(v)))
        for b in bad:
            fail("%s: %s" % (what, b))
        if not bad and "absent" not in e:
            shown = ["%s=%s" % (k, fmt_field(k, o)) for k in e
                     if k not in ("back", "info")]
            ok("%s: %s" % (what, ", ".join(shown) or "carried"))
        if "info" in e:
            say("   %s: %s = %s (not checked)" %
                (what, e["info"], fmt_field(e["info"], o)))
    if "back" in e:
        want_t = num(e["back"])
        fam = inner[0] >> 4 if inner else 0
        hits = [x for x in errors if x[0] == fam and x[4] and
                x[4] == inner[:len(x[4])] and
                len(x[4]) >= (28 if fam == 4 else 48)]
        if not hits:
            fail("%s: no ICMP%s error quoting it came back into A's TUN"
                 % (what, "v6" if fam == 6 else ""))
            return
        _, t, c, p, q, bad = hits[0]
        src = ip4str(p[12:16]) if fam == 4 else ip6str(p[8:24])
        dst = ip4str(p[16:20]) if fam == 4 else ip6str(p[24:40])
        if (t, c) != (want_t, 0):
            bad = bad + ["type %d code %d, want type %d code 0" %
                         (t, c, want_t)]
        want_dst = INNER[fam][0]
        if norm(dst) != norm(want_dst):
            bad = bad + ["sent to %s, want %s (the sender)" % (dst,
                                                               want_dst)]
        for b in bad:
            fail("%s: ICMP error back: %s" % (what, b))
        if not bad:
            ok("%s: ICMP%s type %d code %d from %s to %s came back into "
               "A's TUN, quoting %d bytes" % (what, "v6" if fam == 6 else
                                              "", t, c, src, dst, len(q)))


def check_in(tag, outer, mark, expect, inner, tun):
    """A packet B sent to A.  EXPECT: deliver or drop; for deliver also
    tos=N (the inner TOS / traffic class byte A's TUN must get) and
    ttl=N."""
    e = parse_kv(expect)
    what = "%s (IPv%d outer)" % (tag, outer)
    # Only whole packets ipipd decapsulated, not ICMP errors quoting one.
    got = [p for p in tun if mark in p and is_echo_request(p)]
    if "drop" in e:
        if got:
            fail("%s: reached A's TUN but must be dropped: %s" %
                 (what, got[0][:40].hex()))
        else:
            ok("%s: dropped" % what)
        return
    if not got:
        fail("%s: never reached A's TUN" % what)
        return
    p = got[0]
    fam = p[0] >> 4
    bad = inner_problems(p, PROTO_IPIP if fam == 4 else PROTO_IPV6)
    if fam == 4:
        tos, ttl = p[1], p[8]
        # Equal to what was sent but for the TOS byte and the checksum.
        a_, b_ = bytearray(p), bytearray(inner)
        for x in (a_, b_):
            x[1] = 0
            x[10:12] = b"\0\0"
    else:
        tos, ttl = ((p[0] & 15) << 4) | (p[1] >> 4), p[7]
        a_, b_ = bytearray(p), bytearray(inner)
        for x in (a_, b_):
            x[0] &= 0xF0
            x[1] &= 0x0F
    if a_ != b_:
        bad.append("inner packet changed beyond its ECN field")
    if "tos" in e and tos != num(e["tos"]):
        bad.append("inner %s 0x%02x (ECN %d), want 0x%02x (ECN %d)" %
                   ("TOS" if fam == 4 else "traffic class", tos, tos & 3,
                    num(e["tos"]), num(e["tos"]) & 3))
    if "ttl" in e and ttl != num(e["ttl"]):
        bad.append("inner TTL %d, want %s" % (ttl, e["ttl"]))
    for b in bad:
        fail("%s: %s" % (what, b))
    if not bad:
        ok("%s: delivered%s" % (what, ", inner %s 0x%02x" %
                                ("TOS" if fam == 4 else "TC", tos)
                                if "tos" in e else ""))


def cmd_check(a):
    wire = [o for o in (parse_wire(l3) for l3 in read_pcap(a.wire_pcap))
            if o is not None]
    tun = read_pcap(a.tun_pcap)
    errors = icmp_errors(tun)
    say("outer packets on B's veth: %d; packets ipipd wrote to A's TUN: "
        "%d (%d ICMP errors)" % (len(wire), len(tun), len(errors)))
    n = {"out": 0, "in": 0}
    with open(a.manifest) as mf:
        for line in mf:
            f = line.rstrip("\n").split("\t")
            kind, tag, outer, mhex, expect, ihex = f[:6]
            if len(f) > 6 and f[6]:
                tag += " [%s]" % f[6]
            inner = bytes.fromhex(ihex) if ihex != "-" else b""
            n[kind] += 1
            if kind == "out":
                check_out(tag, int(outer), bytes.fromhex(mhex), expect,
                          inner, wire, errors, a)
            else:
                check_in(tag, int(outer), bytes.fromhex(mhex), expect,
                         inner, tun)
    say("checked %d packets A sent and %d packets B sent" % (n["out"],
                                                             n["in"]))
    if n["out"] == 0 or n["in"] == 0:
        fail("manifest has no %s packets" % ("outgoing" if n["out"] == 0
                                             else "incoming"))
    return failures


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("inject")
    i.add_argument("--iface", required=True, help="A's TUN device")
    i.add_argument("--outer", type=int, choices=(4, 6), required=True)
    i.add_argument("--manifest", required=True)
    i.add_argument("probe", nargs="+", help="TAG|INNERSPEC|EXPECT")
    s = sub.add_parser("send-net")
    s.add_argument("--iface", required=True, help="B's veth")
    s.add_argument("--outer", type=int, choices=(4, 6), required=True)
    s.add_argument("--src", required=True)
    s.add_argument("--dst", required=True)
    s.add_argument("--src-mac", required=True)
    s.add_argument("--dst-mac", required=True)
    s.add_argument("--manifest", required=True)
    c = sub.add_parser("check")
    c.add_argument("--wire-pcap", required=True)
    c.add_argument("--tun-pcap", required=True)
    c.add_argument("--manifest", required=True)
    c.add_argument("--local4", required=True)
    c.add_argument("--local6", required=True)
    a = p.parse_args()
    rc = {"inject": cmd_inject, "send-net": cmd_send_net,
          "check": cmd_check}[a.cmd](a)
    if failures:
        say("%d check(s) failed" % failures)
    sys.exit(1 if (failures or rc) else 0)


if __name__ == "__main__":
    main()
