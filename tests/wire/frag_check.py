#!/usr/bin/python3
"""Outer fragmentation checker of the ipipd wire test t_frag.sh.

Run with /usr/bin/python3.  Reads tcpdump captures (classic pcap) with
its own reader and parses every header from the raw bytes with struct:
neither scapy nor the kernel's reassembly is trusted to say whether the
fragments ipipd emitted are right.

Subcommands (each exits 0 when every check passed, 1 otherwise):

  check     the outer packets A sent, as captured on B's veth: every
            fragment within the link MTU, IPv4 (RFC 791): header checksum,
            IHL 5, one non-zero ID per datagram and different IDs across
            datagrams, offsets contiguous from 0, MF on all but the last,
            DF clear on fragments (and everywhere with --nopmtudisc);
            IPv6 (RFC 8200 4.5): a Fragment header, one 32-bit
            identification per datagram and different ones across
            datagrams, offsets contiguous, M on all but the last.  The
            reassembled payload must be (IPv6: the encapsulation limit
            destination option of RFC 2473, then) a valid inner packet
            byte for byte as A's TUN device sent it.
  selftest  feed the checker broken fragment trains built here and show
            that each defect is caught (and that good ones pass)

The functions at the top (pcap reading, checksums, inner packet checks)
are also used by hdr_check.py.
"""

import argparse
import socket
import struct
import sys

PROTO_IPIP = 4
PROTO_IPV6 = 41
NH_FRAG = 44
NH_DSTOPTS = 60
OPT_ENCAPLIM = 4        # RFC 2473 4.1.1 Tunnel Encapsulation Limit

failures = 0
quiet = False           # selftest: do not print the expected failures


def say(msg):
    if not quiet:
        print(msg, flush=True)


def fail(msg):
    global failures
    failures += 1
    say("FAIL: " + msg)


def ok(msg):
    say("ok: " + msg)


# ------------------------------------------------------------------ pcap

def l3_of(data, linktype):
    """The IP packet in a captured frame, or None."""
    if linktype == 1:                               # Ethernet
        if len(data) < 14:
            return None
        et = struct.unpack("!H", data[12:14])[0]
        off = 14
        if et == 0x8100 and len(data) >= 18:        # one VLAN tag
            et = struct.unpack("!H", data[16:18])[0]
            off = 18
        return data[off:] if et in (0x0800, 0x86DD) else None
    if linktype in (12, 14, 101, 228, 229):         # raw IP
        return data if data and data[0] >> 4 in (4, 6) else None
    if linktype == 113:                             # Linux cooked v1
        if len(data) < 16:
            return None
        et = struct.unpack("!H", data[14:16])[0]
        return data[16:] if et in (0x0800, 0x86DD) else None
    if linktype == 276:                             # Linux cooked v2
        if len(data) < 20:
            return None
        et = struct.unpack("!H", data[0:2])[0]
        return data[20:] if et in (0x0800, 0x86DD) else None
    raise SystemExit("unsupported pcap link type %d" % linktype)


def read_pcap(path):
    """The IP packets of a classic pcap file, in capture order.  A
    missing or empty file gives [] (the checks then fail on what is
    missing, with a message)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        say("cannot read %s: %s" % (path, e))
        return []
    if len(data) < 24:
        say("%s: no pcap header (%d bytes)" % (path, len(data)))
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit("%s: not a classic pcap file (pcapng?)" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    out = []
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack(end + "I", data[pos + 8:pos + 12])[0]
        pos += 16
        frame = data[pos:pos + incl]
        pos += incl
        l3 = l3_of(frame, linktype)
        if l3:
            out.append(bytes(l3))
    return out


# ------------------------------------------------------------- checksums

def cksum(data):
    """RFC 1071 Internet checksum (0 when data includes a right one)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(w for (w,) in struct.iter_unpack("!H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4str(b):
    return socket.inet_ntop(socket.AF_INET, b)


def ip6str(b):
    return socket.inet_ntop(socket.AF_INET6, b)


def norm(addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return socket.inet_ntop(fam, socket.inet_pton(fam, addr))


def icmp6_sum(src, dst, body):
    """ICMPv6 checksum over the pseudo-header (RFC 8200 8.1)."""
    ph = src + dst + struct.pack("!I3xB", len(body), 58)
    return cksum(ph + body)


def inner_problems(p, proto):
    """Why p is not a well-formed inner packet of outer protocol proto
    (4: IPv4, 41: IPv6); [] if it is.  The inner packets of these tests
    are ICMP/ICMPv6 messages, whose checksums are checked too."""
    bad = []
    if not p:
        return ["empty inner packet"]
    ver = p[0] >> 4
    if proto == PROTO_IPIP:
        if ver != 4:
            return ["protocol 4 carries IP version %d" % ver]
        if len(p) < 20:
            return ["inner IPv4 packet of %d bytes" % len(p)]
        ihl = (p[0] & 15) * 4
        tot = struct.unpack("!H", p[2:4])[0]
        if ihl < 20 or len(p) < ihl:
            return ["inner IHL %d" % ihl]
        if tot != len(p):
            bad.append("inner IPv4 total length %d, but %d bytes carried" %
                       (tot, len(p)))
        if cksum(p[:ihl]) != 0:
            bad.append("inner IPv4 header checksum wrong")
        if p[9] == 1 and cksum(p[ihl:tot]) != 0:
            bad.append("inner ICMP checksum wrong")
    elif proto == PROTO_IPV6:
        if ver != 6:
            return ["protocol 41 carries IP version %d" % ver]
        if len(p) < 40:
            return ["inner IPv6 packet of %d bytes" % len(p)]
        plen = struct.unpack("!H", p[4:6])[0]
        if 40 + plen != len(p):
            bad.append("inner IPv6 payload length %d, but %d bytes "
                       "carried" % (plen, len(p) - 40))
        elif p[6] == 58 and icmp6_sum(p[8:24], p[24:40], p[40:]) != 0:
            bad.append("inner ICMPv6 checksum wrong")
    else:
        bad.append("outer protocol %d is neither 4 nor 41" % proto)
    return bad


def is_echo_request(p):
    if len(p) >= 28 and p[0] >> 4 == 4:
        ihl = (p[0] & 15) * 4
        return p[9] == 1 and len(p) > ihl and p[ihl] == 8
    if len(p) >= 48 and p[0] >> 4 == 6:
        return p[6] == 58 and p[40] == 128
    return False


def parse_encaplimit(hdr):
    """A destination options header: (next header, header length,
    encapsulation limit or None, problems)."""
    bad = []
    if len(hdr) < 8:
        return None, 0, None, ["destination options header truncated"]
    nh, hlen = hdr[0], (hdr[1] + 1) * 8
    if len(hdr) < hlen:
        return nh, hlen, None, ["destination options header truncated"]
    lim = None
    i = 2
    while i < hlen:
        t = hdr[i]
        if t == 0:                                  # Pad1
            i += 1
            continue
        if i + 2 > hlen:
            bad.append("option runs past the header")
            break
        olen = hdr[i + 1]
        if i + 2 + olen > hlen:
            bad.append("option type %d runs past the header" % t)
            break
        if t == OPT_ENCAPLIM:
            if olen != 1:
                bad.append("encapsulation limit option length %d, want 1"
                           % olen)
            elif lim is not None:
                bad.append("two encapsulation limit options")
            else:
                lim = hdr[i + 2]
        elif t == 1:                                # PadN
            if any(hdr[i + 2:i + 2 + olen]):
                bad.append("PadN with non-zero bytes")
        else:
            bad.append("unexpected option type %d" % t)
        i += 2 + olen
    return nh, hlen, lim, bad


# -------------------------------------------------------- outer parsing

class Pkt:
    """One outer packet (or fragment) A sent."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def parse_outer(l3, local, remote):
    """A Pkt if l3 is an IPv4/IPv6 packet from local to remote, else
    None.  Only what is needed to judge fragments is taken apart."""
    ver = l3[0] >> 4
    if ver == 4 and len(l3) >= 20:
        ihl = (l3[0] & 15) * 4
        tos, tot, ident, frag, ttl, proto = struct.unpack("!xBHHHBB",
                                                          l3[:10])
        src, dst = ip4str(l3[12:16]), ip4str(l3[16:20])
        if (src, dst) != (local, remote):
            return None
        return Pkt(fam=4, ihl=ihl, tot=tot, id=ident, df=bool(frag & 0x4000),
                   rf=bool(frag & 0x8000), mf=bool(frag & 0x2000),
                   off=(frag & 0x1FFF) * 8, proto=proto,
                   csum_ok=len(l3) >= ihl and cksum(l3[:ihl]) == 0,
                   size=tot, caplen=len(l3), payload=l3[ihl:tot],
                   frag=bool(frag & 0x3FFF))
    if ver == 6 and len(l3) >= 40:
        plen, nh = struct.unpack("!HB", l3[4:7])
        src, dst = ip6str(l3[8:24]), ip6str(l3[24:40])
        if (norm(src), norm(dst)) != (norm(local), norm(remote)):
            return None
        body = l3[40:40 + plen]
        p = Pkt(fam=6, plen=plen, nh=nh, size=40 + plen, caplen=len(l3),
                frag=False, payload=body, id=None, mf=False, off=0,
                proto=nh, fres=0)
        if nh == NH_FRAG:
            if len(body) < 8:
                p.short = True
                return p
            fnh, res, offm, ident = struct.unpack("!BBHI", body[:8])
            p.frag = True
            p.proto = fnh
            p.off = offm & 0xFFF8
            p.fres = res | (offm & 6)
            p.mf = bool(offm & 1)
            p.id = ident
            p.payload = body[8:]
        return p
    return None


# ------------------------------------------------------------- analysis

def analyze(wire, tun, o):
    """Check the outer packets wire (IP packets captured on B's veth)
    against the inner packets tun (what A's TUN device sent).  o holds
    outer, local, remote, mtu, nopmtudisc, encaplimit (int or None),
    min_frag, want (list of (inner family, inner size)).  Returns the
    number of failed checks."""
    start = failures
    pkts = [p for p in (parse_outer(l3, o.local, o.remote) for l3 in wire)
            if p is not None]
    say("outer packets from %s to %s on the wire: %d" %
        (o.local, o.remote, len(pkts)))
    if not pkts:
        fail("no outer packet from A on the wire")
        return failures - start
    tunset = {p for p in tun}
    trains = {}             # datagram key -> [Pkt] in capture order
    order = []              # datagram keys and whole packets, in order
    for i, p in enumerate(pkts):
        what = "packet %d (IPv%d, %d bytes)" % (i, p.fam, p.size)
        if p.fam != o.outer:
            fail("%s: outer IPv%d, want IPv%d" % (what, p.fam, o.outer))
            continue
        if p.size > o.mtu:
            fail("%s: %d bytes, more than the link MTU %d" %
                 (what, p.size, o.mtu))
        if p.fam == 4:
            if not p.csum_ok:
                fail("%s: IPv4 header checksum wrong" % what)
            if p.ihl != 20:
                fail("%s: IHL %d bytes, want 20" % (what, p.ihl))
            if p.tot > p.caplen:
                fail("%s: total length %d, only %d bytes captured" %
                     (what, p.tot, p.caplen))
            if p.id == 0:
                fail("%s: IP ID 0" % what)
            if p.rf:
                fail("%s: reserved flag set" % what)
            if p.df and (p.frag or o.nopmtudisc):
                fail("%s: DF set on %s" % (what, "a fragment" if p.frag
                                           else "a nopmtudisc packet"))
            key = (4, p.id, p.proto)
        else:
            if getattr(p, "short", False):
                fail("%s: Fragment header truncated" % what)
                continue
            if p.fres:
                fail("%s: reserved Fragment header bits set" % what)
            key = (6, p.id)
        if p.frag:
            if key not in trains:
                trains[key] = []
                order.append(("frag", key))
            trains[key].append(p)
        else:
            order.append(("whole", p))

    # One ID per datagram, different IDs across datagrams.
    ids = []
    for kind, x in order:
        if kind == "frag":
            ids.append(x[1])
        elif o.outer == 4:
            ids.append(x.id)
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        fail("%d datagrams share an identification with another: %s" %
             (len(ids) - len(set(ids)) + len(dup),
              ", ".join("0x%x" % d for d in dup[:8])))
    elif ids:
        ok("%d datagrams, %d distinct identifications" % (len(ids),
                                                          len(set(ids))))
    fids = [x[1] for kind, x in order if kind == "frag"]
    if o.outer == 6 and len(fids) >= 4:
        steps = {(b - a) & 0xFFFFFFFF for a, b in zip(fids, fids[1:])}
        if steps == {1}:
            fail("IPv6 fragment identifications %s are a counter; RFC "
                 "7739 wants them unpredictable (random)" %
                 ", ".join("0x%08x" % i for i in fids[:6]))
        elif max(fids) < 0x10000:
            fail("IPv6 fragment identifications all below 2^16 (%s): "
                 "not random 32-bit values" %
                 ", ".join("0x%x" % i for i in fids[:6]))
        else:
            ok("IPv6 fragment identifications look random: %s" %
               ", ".join("0x%08x" % i for i in fids[:4]))

    carried = []            # (inner, fragmented?)
    nfrag_ok = 0
    for kind, x in order:
        if kind == "whole":
            inner, bad = outer_inner(x, x.proto, x.payload, o)
            for b in bad:
                fail("whole IPv%d packet of %d bytes: %s" % (x.fam, x.size,
                                                            b))
            if inner is not None:
                carried.append((inner, False))
            continue
        frags = sorted(trains[x], key=lambda f: f.off)
        what = "IPv%d datagram id 0x%x" % (o.outer, x[1])
        bad = []
        if frags[0].off != 0:
            bad.append("no fragment at offset 0 (first at %d)" %
                       frags[0].off)
        pos = 0
        for j, f in enumerate(frags):
            last = j == len(frags) - 1
            if f.off != pos and not (j == 0 and frags[0].off != 0):
                bad.append("fragment at offset %d, want %d (%s)" %
                           (f.off, pos, "overlap" if f.off < pos else
                            "gap"))
            pos = f.off + len(f.payload)
            if f.mf == last:
                bad.append("fragment at offset %d: MF/M %s on the %s "
                           "fragment" % (f.off, "set" if f.mf else "clear",
                                         "last" if last else "non-last"))
            if not last and len(f.payload) % 8:
                bad.append("non-last fragment of %d payload bytes, not a "
                           "multiple of 8" % len(f.payload))
            if f.proto != frags[0].proto:
                bad.append("fragments disagree on the protocol (%d, %d)"
                           % (frags[0].proto, f.proto))
        if len(frags) < 2:
            bad.append("a single fragment (offset %d, MF %d): a datagram "
                       "that fits is not to be fragmented" %
                       (frags[0].off, frags[0].mf))
        payload = b"".join(f.payload for f in frags)
        sizes = [f.size for f in frags]
        if not bad:
            inner, ibad = outer_inner(frags[0], frags[0].proto, payload, o)
            bad += ibad
        for b in bad:
            fail("%s: %s" % (what, b))
        if not bad:
            nfrag_ok += 1
            carried.append((inner, True))
            say("   %s: %d fragments of %s bytes, inner IPv%d packet of "
                "%d bytes" % (what, len(frags), sizes, inner[0] >> 4,
                              len(inner)))
    # The inner packets: as A's TUN device sent them.
    if tun:
        for inner, fr in carried:
            if inner not in tunset and is_echo_request(inner):
                fail("inner IPv%d packet of %d bytes%s is not byte for "
                     "byte one A's TUN device sent: %s" %
                     (inner[0] >> 4, len(inner),
                      " (reassembled)" if fr else "", inner[:40].hex()))
        got = {i for i, _ in carried}
        lost = [p for p in tun if is_echo_request(p) and p not in got]
        for p in lost:
            fail("A's TUN sent an IPv%d echo request of %d bytes that "
                 "never arrived on the wire whole or as complete fragments"
                 % (p[0] >> 4, len(p)))
        if not lost:
            ok("every echo request A's TUN sent (%d) arrived, inner bytes "
               "unchanged" % sum(1 for p in tun if is_echo_request(p)))
    if nfrag_ok < o.min_frag:
        fail("%d correctly fragmented datagrams, want at least %d" %
             (nfrag_ok, o.min_frag))
    else:
        ok("%d fragmented datagrams, each correct and reassembling into "
           "a valid inner packet" % nfrag_ok)
    fsizes = {(i[0] >> 4, len(i)) for i, fr in carried if fr}
    for fam, size in o.want:
        if (fam, size) in fsizes:
            ok("an inner IPv%d packet of %d bytes went in outer fragments"
               % (fam, size))
        else:
            fail("no inner IPv%d packet of %d bytes in outer fragments "
                 "(fragmented inner sizes seen: %s)" %
                 (fam, size, sorted(fsizes)))
    return failures - start


def outer_inner(p, proto, payload, o):
    """(inner packet, problems) of a whole or reassembled outer payload;
    for IPv6 the encapsulation limit option comes first."""
    bad = []
    if o.outer == 6:
        if o.encaplimit is None:
            if proto == NH_DSTOPTS:
                return None, ["destination options header present with "
                              "encaplimit none"]
        else:
            if proto != NH_DSTOPTS:
                return None, ["next header %d, want 60 (destination "
                              "options with the encapsulation limit)" %
                              proto]
            nh, hlen, lim, bad = parse_encaplimit(payload)
            if lim is None and not bad:
                bad.append("no encapsulation limit option")
            elif lim is not None and lim != o.encaplimit:
                bad.append("encapsulation limit %d, want %d" %
                           (lim, o.encaplimit))
            if bad:
                return None, bad
            proto, payload = nh, payload[hlen:]
    bad = inner_problems(payload, proto)
    return (None if bad else payload), bad


# ---------------------------------------------------------------- check

def cmd_check(a):
    wire = read_pcap(a.wire_pcap)
    tun = read_pcap(a.tun_pcap) if a.tun_pcap else []
    say("%d packets on B's veth, %d sent by A's TUN device" % (len(wire),
                                                               len(tun)))
    want = []
    for w in a.want:
        fam, size = w.split(":")
        want.append((int(fam), int(size)))
    o = argparse.Namespace(
        outer=a.outer, local=norm(a.local), remote=norm(a.remote),
        mtu=a.mtu, nopmtudisc=a.nopmtudisc,
        encaplimit=None if a.encaplimit == "none" else int(a.encaplimit),
        min_frag=a.min_frag, want=want)
    analyze(wire, tun, o)
    return failures


# ------------------------------------------------------------- selftest

def mk_v4(src, dst, proto, payload, ident=0x1234, df=False, mf=False,
          off=0, ttl=64):
    frag = (0x4000 if df else 0) | (0x2000 if mf else 0) | (off // 8)
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload),
                              ident, frag, ttl, proto, 0,
                              socket.inet_pton(socket.AF_INET, src),
                              socket.inet_pton(socket.AF_INET, dst)))
    h[10:12] = struct.pack("!H", cksum(bytes(h)))
    return bytes(h) + payload


def mk_v6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def echo4(n, size):
    body = b"frag-selftest-%d-" % n
    body = (body * (size // len(body) + 1))[:size - 28]
    m = struct.pack("!BBHHH", 8, 0, 0, 0x4242, n) + body
    m = m[:2] + struct.pack("!H", cksum(m)) + m[4:]
    return mk_v4("10.0.0.1", "10.0.0.2", 1, m, ident=n)


def echo6(n, size):
    body = b"frag-selftest6-%d-" % n
    body = (body * (size // len(body) + 1))[:size - 48]
    src = socket.inet_pton(socket.AF_INET6, "fd00:cafe::1")
    dst = socket.inet_pton(socket.AF_INET6, "fd00:cafe::2")
    m = struct.pack("!BBHHH", 128, 0, 0, 0x4242, n) + body
    m = m[:2] + struct.pack("!H", icmp6_sum(src, dst, m)) + m[4:]
    return mk_v6("fd00:cafe::1", "fd00:cafe::2", 58, m)


def frag4(inner, ident, mtu=1500, **kw):
    """Good RFC 791 fragments of inner in IPv4 (kw: defects)."""
    proto = PROTO_IPIP if inner[0] >> 4 == 4 else PROTO_IPV6
    chunk = (mtu - 20) & ~7
    out = []
    for off in range(0, len(inner), chunk):
        last = off + chunk >= len(inner)
        out.append(mk_v4("192.0.2.1", "192.0.2.2", proto,
                         inner[off:off + chunk], ident=ident,
                         mf=not last or kw.get("mf_last", False),
                         df=kw.get("df", False), off=off))
    return out


def frag6(inner, ident, mtu=1500, limit=4, **kw):
    proto = PROTO_IPIP if inner[0] >> 4 == 4 else PROTO_IPV6
    pay = inner
    if limit is not None:
        pay = bytes([proto, 0, OPT_ENCAPLIM, 1, limit, 1, 1, 0]) + inner
        proto = NH_DSTOPTS
    chunk = (mtu - 48) & ~7
    out = []
    for off in range(0, len(pay), chunk):
        last = off + chunk >= len(pay)
        m = 0 if last else 1
        fh = struct.pack("!BBHI", proto, 0, off | m, ident)
        out.append(mk_v6("2001:db8::1", "2001:db8::2", NH_FRAG,
                         fh + pay[off:off + chunk]))
    return out


def cmd_selftest(_a):
    global failures, quiet
    problems = 0
    in4 = [echo4(n, 4000) for n in (1, 2)]
    in6 = [echo6(n, 4000) for n in (3, 4, 5, 6)]

    def case(outer, wire, tun, want_bad, what, **kw):
        nonlocal problems
        global failures, quiet
        o = argparse.Namespace(
            outer=outer, local="192.0.2.1" if outer == 4 else "2001:db8::1",
            remote="192.0.2.2" if outer == 4 else "2001:db8::2",
            mtu=1500, nopmtudisc=kw.get("nopmtudisc", True),
            encaplimit=kw.get("encaplimit", 4), min_frag=kw.get("min", 2),
            want=kw.get("want", []))
        saved, failures, quiet = failures, 0, True
        n = analyze(wire, tun, o)
        failures, quiet = saved, False
        if (n > 0) != want_bad:
            problems += 1
            say("SELFTEST PROBLEM: %s: %d failure(s), want %s" %
                (what, n, "some" if want_bad else "none"))
        else:
            say("selftest ok: %s -> %d failure(s)" % (what, n))

    g4 = frag4(in4[0], 0x101) + frag4(in4[1], 0x102)
    case(4, g4, in4, False, "good IPv4 fragments", want=[(4, 4000)])
    case(4, g4, in4, True, "missing wanted size", want=[(4, 3000)])
    b = list(g4)
    b[0] = bytearray(b[0])
    b[0][10] ^= 1
    case(4, [bytes(b[0])] + g4[1:], in4, True, "bad header checksum")
    case(4, frag4(in4[0], 0x101, df=True) + frag4(in4[1], 0x102), in4,
         True, "DF on fragments")
    case(4, frag4(in4[0], 0x101) + frag4(in4[1], 0x101), in4, True,
         "same ID in two datagrams")
    case(4, frag4(in4[0], 0) + frag4(in4[1], 0x102), in4, True, "ID 0")
    case(4, frag4(in4[0], 0x101, mtu=1600) + frag4(in4[1], 0x102), in4,
         True, "fragment larger than the MTU")
    f = frag4(in4[0], 0x101)
    case(4, f[:1] + f[2:] + frag4(in4[1], 0x102), in4, True,
         "a fragment lost (gap)")
    case(4, frag4(in4[0], 0x101, mf_last=True) + frag4(in4[1], 0x102),
         in4, True, "MF on the last fragment")
    bad_inner = bytearray(in4[0])
    bad_inner[-1] ^= 0xFF
    case(4, frag4(bytes(bad_inner), 0x101) + frag4(in4[1], 0x102), in4,
         True, "inner ICMP checksum broken")
    case(4, g4, in4 + [echo4(9, 3000)], True,
         "an echo request never on the wire")
    whole_df = mk_v4("192.0.2.1", "192.0.2.2", 4, echo4(7, 100), df=True)
    case(4, g4 + [whole_df], in4 + [echo4(7, 100)], True,
         "DF on a whole packet with nopmtudisc")

    g6 = []
    for i, p in enumerate(in6):
        g6 += frag6(p, 0x9E3779B1 * (i + 1) & 0xFFFFFFFF)
    case(6, g6, in6, False, "good IPv6 fragments", want=[(6, 4000)])
    case(6, [p for i, p in enumerate(g6) if i != 1], in6, True,
         "IPv6 fragment lost")
    c6 = []
    for i, p in enumerate(in6):
        c6 += frag6(p, 0x1000 + i)
    case(6, c6, in6, True, "IPv6 identifications from a counter")
    s6 = []
    for p in in6:
        s6 += frag6(p, 0x55)
    case(6, s6, in6, True, "IPv6 identification shared")
    n6 = []
    for i, p in enumerate(in6):
        n6 += frag6(p, 0x9E3779B1 * (i + 1) & 0xFFFFFFFF, limit=None)
    case(6, n6, in6, True, "no encapsulation limit option")
    case(6, n6, in6, False, "encaplimit none, none present",
         encaplimit=None)
    l6 = []
    for i, p in enumerate(in6):
        l6 += frag6(p, 0x9E3779B1 * (i + 1) & 0xFFFFFFFF, limit=7)
    case(6, l6, in6, True, "encapsulation limit 7 where 4 is wanted")
    if problems:
        fail("%d self-test problem(s): the checks would miss bugs" %
             problems)
    else:
        ok("every broken fragment train is caught, every good one passes")
    return failures


# ------------------------------------------------------------------ main

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("--wire-pcap", required=True)
    c.add_argument("--tun-pcap")
    c.add_argument("--outer", type=int, choices=(4, 6), required=True)
    c.add_argument("--local", required=True)
    c.add_argument("--remote", required=True)
    c.add_argument("--mtu", type=int, default=1500, help="link MTU")
    c.add_argument("--nopmtudisc", action="store_true",
                   help="DF must be clear on every outer packet")
    c.add_argument("--encaplimit", default="4", help="N or none (IPv6)")
    c.add_argument("--min-frag", type=int, default=1)
    c.add_argument("--want", action="append", default=[],
                   help="FAM:SIZE, an inner packet that must have gone "
                   "in outer fragments")
    sub.add_parser("selftest")
    a = p.parse_args()
    rc = {"check": cmd_check, "selftest": cmd_selftest}[a.cmd](a)
    if failures:
        say("%d check(s) failed" % failures)
    sys.exit(1 if (failures or rc) else 0)


if __name__ == "__main__":
    main()
