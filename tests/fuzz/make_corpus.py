#!/usr/bin/python3
#
# Write the seed corpora of the fuzz targets: tests/fuzz/corpus/<input>/
# seed-*, a handful of valid (and a few nearly valid) inputs each, in
# the input formats documented at the top of tests/fuzz/fuzz_<input>.c.
# Deterministic; run again after changing it and commit the result.
# Other files there (regression inputs, crash-*) are left alone.
#
#	/usr/bin/python3 tests/fuzz/make_corpus.py

import os
import socket
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(bytes(data))


def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def a4(s):
    return socket.inet_pton(socket.AF_INET, s)


def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def ip4(src, dst, proto, payload, tos=0, ttl=64, off=0, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident,
                    off, ttl, proto, 0, a4(src), a4(dst))
    h = h[:10] + struct.pack("!H", cksum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nxt, payload, tclass=0, hlim=64, flow=0):
    first = 6 << 28 | tclass << 20 | flow
    return struct.pack("!IHBB16s16s", first, len(payload), nxt, hlim,
                       a6(src), a6(dst)) + payload


UDP = struct.pack("!HHHH", 1234, 53, 12, 0) + b"abcd"
IN4 = ip4("10.0.0.1", "10.0.0.2", 17, UDP)
IN4_ECT0 = ip4("10.0.0.1", "10.0.0.2", 17, UDP, tos=0x02)
IN6 = ip6("2001:db8:1::1", "2001:db8:1::2", 17, UDP)
IN6_ECT1 = ip6("2001:db8:1::1", "2001:db8:1::2", 17, UDP, tclass=0x01)
MPLS = struct.pack("!I", 100 << 12 | 1 << 8 | 64) + IN4   # label 100, S


def decap():
    # byte 0: family | carry << 1 | ecn << 4 | src << 6; byte 1: proto
    def c0(v6, carry=7, ecn=0, src=0):
        return v6 | carry << 1 | ecn << 4 | src << 6
    loc, rem = "192.0.2.1", "192.0.2.2"
    write("decap", "v4-in-v4", [c0(0), 0] + list(ip4(rem, loc, 4, IN4)))
    write("decap", "v4-in-v4-ce", [c0(0, ecn=3), 0] +
          list(ip4(rem, loc, 4, IN4_ECT0, tos=3)))
    write("decap", "v6-in-v4", [c0(0, ecn=1), 0] +
          list(ip4(rem, loc, 41, IN6_ECT1)))
    write("decap", "mpls-in-v4", [c0(0), 0] + list(ip4(rem, loc, 137,
                                                       MPLS)))
    write("decap", "v4-in-v4-padded", [c0(0), 0] +
          list(ip4(rem, loc, 4, IN4)) + [0] * 6)
    write("decap", "v4-in-v4-wrong-src", [c0(0), 0] +
          list(ip4("192.0.2.9", loc, 4, IN4)))
    write("decap", "v4-in-v6", [c0(1, ecn=2), 0] + list(IN4))
    write("decap", "v6-in-v6", [c0(1, ecn=3), 1] + list(IN6_ECT1))
    write("decap", "mpls-in-v6", [c0(1), 2] + list(MPLS))
    write("decap", "v6-in-v6-not-remote", [c0(1, src=1), 1] + list(IN6))


def encap_frag():
    # mtu (2) flags tos ttl id(2) pad(2) maxfrag
    def pre(mtu, v6=0, df=0, proto=0, pad=0, maxf=None, tos=0, ttl=64,
            ident=0x1234):
        flags = v6 | df << 1 | proto << 2 | (0x10 if pad else 0)
        flags |= 0x20 if maxf is not None else 0
        return list(struct.pack("!HBBBHHB", mtu - 68, flags, tos, ttl,
                                ident, pad, maxf or 0))
    body = ip4("10.0.0.1", "10.0.0.2", 17, UDP + bytes(range(256)) * 5)
    body6 = ip6("2001:db8:1::1", "2001:db8:1::2", 17, bytes(range(200)))
    write("encap_frag", "v4-fits", pre(1500) + list(body))
    write("encap_frag", "v4-frag-576", pre(576) + list(body))
    write("encap_frag", "v4-df-toobig", pre(576, df=1) + list(body))
    write("encap_frag", "v4-max-2", pre(576, maxf=2) + list(body))
    write("encap_frag", "v4-pad-65515", pre(1500, pad=65515 - len(body)) +
          list(body))
    write("encap_frag", "v6-frag-1280", pre(1280, v6=1, proto=1) +
          list(body6) * 7)
    write("encap_frag", "v6-fits", pre(1500, v6=1, proto=1, tos=0xb8) +
          list(body6))
    write("encap_frag", "v6-mtu68", pre(68, v6=1, proto=0) + list(body))
    write("encap_frag", "mpls-v4-frag", pre(300, proto=2) + list(MPLS) * 8)


def imsg():
    HASFD = 1

    def msg(mtype, payload=b"", flags=0, peerid=0, pid=42, hlen=None):
        n = 16 + len(payload) if hlen is None else hlen
        return struct.pack("=IHHII", mtype, n, flags, peerid, pid) + payload

    def inp(chunks, stream):
        return [len(chunks)] + list(chunks) + list(stream)

    peer = (struct.pack("=B3x4s12x", socket.AF_INET, a4("192.0.2.1")) +
            struct.pack("=B3x4s12x", socket.AF_INET, a4("192.0.2.2")) +
            struct.pack("=I", 1480))
    conf = struct.pack("=IIhBBBBBB", 1480, 0, 4, 64, 0, 0, 7, 0x0f, 0)
    tun = struct.pack("=I16s", 5, b"tun0")
    log = struct.pack("=i512s", 6, b"engine: ready")
    answer = (struct.pack("=iI", 0, 2) +
              struct.pack("=B3x4s12x", socket.AF_INET, a4("192.0.2.2")) +
              struct.pack("=B3x16s", socket.AF_INET6, a6("2001:db8::2")) +
              bytes(20 * 14) + b"Success".ljust(128, b"\0"))
    write("imsg", "start-ready", inp([], msg(5) + msg(6)))
    write("imsg", "fd-tun", inp([0x80 | 35], msg(1, tun, HASFD) + msg(5)))
    write("imsg", "fd-raw-twice",
          inp([0x80 | 19, 0x80 | 19],
              msg(2, bytes([2, 4, 0, 0]), HASFD) +
              msg(2, bytes([10, 41, 0, 0]), HASFD, peerid=1)))
    write("imsg", "conf-peer-start", inp([7, 0x40 | 1], msg(3, conf) +
                                         msg(4, peer) + msg(5)))
    write("imsg", "log-bytewise", inp([0] * 31, msg(9, log)))
    write("imsg", "resolve-answer", inp([0x40 | 7], msg(8, answer)))
    write("imsg", "too-big", inp([], msg(9, b"", hlen=0xffff)))
    write("imsg", "wrong-size", inp([], msg(4, peer[:40]) + msg(5)))
    write("imsg", "hasfd-no-fd", inp([], msg(1, tun, HASFD)))


def conf():
    def words(*w):
        return "\n".join(w).encode()
    write("conf", "words-v4", words("dev", "ipip0", "remote", "192.0.2.2"))
    write("conf", "words-v6", words(
        "-6", "dev", "tun6", "local", "2001:db8::1", "remote",
        "2001:db8::2", "mtu", "1400", "encaplimit", "none", "flowlabel",
        "0x12345", "tclass", "inherit", "hoplimit", "32"))
    write("conf", "words-name", "\0".join([
        "dev", "mpls0", "remote", "peer.example.org", "mode", "mplsip",
        "ttl", "inherit", "tos", "0x20", "nopmtudisc"]).encode())
    write("conf", "words-sit", words(
        "-4", "dev", "sit1", "local", "198.51.100.1", "remote",
        "198.51.100.7", "mode", "sit", "dsfield", "inherit", "pmtudisc"))
    write("conf", "words-bad", words("dev", "a/b", "remote", "x"))
    write("conf", "file-ip6ip6", (
        b"# a tunnel\n"
        b"dev tun0\n"
        b"remote 2001:db8::2   # the peer\n"
        b"  mode ip6ip6\n"
        b"\n"
        b"hoplimit 32\ntclass 0x20\nflowlabel inherit\nencaplimit 0\n"))
    write("conf", "file-ipip6", (
        b"dev ipip6x\nlocal 2001:db8::1\nremote 2001:db8::9\n"
        b"mode ipip6\nmtu 1280\nnopmtudisc\n"))
    write("conf", "file-any", b"dev t\nremote h-1.example\nmode any\n")
    write("conf", "words-tcp-server", words(
        "dev", "tpool", "serve", "tcp", "listen", "192.0.2.1", "port",
        "4444", "prefix-pool", "2001:db8:100::/48", "assignments",
        "/var/lib/ipipd/pool.json", "max-clients", "100"))
    write("conf", "words-tcp-client", words(
        "dev", "tup", "remote", "tunnel.example", "encap", "tcp",
        "encap-dport", "4444", "identifier", "00:11:22:aa:bb:cc",
        "reconnect-interval", "2"))
    write("conf", "file-tcp-server", (
        b"dev tpool\nserve tcp\nlisten ::\nport 4444\n"
        b"prefix-pool 2001:db8:100::/48\nhandshake-timeout 5\n"))


def rtnl():
    RTM_NEWROUTE, NLMSG_ERROR, NLMSG_DONE = 24, 2, 3
    RTA_DST, RTA_OIF, RTA_PREFSRC, RTA_METRICS, RTA_TABLE = 1, 4, 7, 8, 15
    RTAX_MTU = 2

    def attr(t, payload):
        a = struct.pack("=HH", 4 + len(payload), t) + payload
        return a + b"\0" * (-len(a) % 4)

    def nlmsg(t, payload, seq=0, pid=0, flags=0):
        return struct.pack("=IHHII", 16 + len(payload), t, flags, seq,
                           pid) + payload

    def rtmsg(af, dst_len):
        return struct.pack("=BBBBBBBBI", af, dst_len, 0, 0, 254, 2, 0, 1,
                           0x200)

    def route4(prefsrc=True, metrics=False, **kw):
        p = rtmsg(socket.AF_INET, 32) + attr(RTA_TABLE, struct.pack(
            "=I", 254)) + attr(RTA_DST, a4("198.51.100.2"))
        if prefsrc:
            p += attr(RTA_PREFSRC, a4("192.0.2.1"))
        p += attr(RTA_OIF, struct.pack("=I", 2))
        if metrics:
            p += attr(RTA_METRICS, attr(RTAX_MTU, struct.pack("=I", 1400)))
        return nlmsg(RTM_NEWROUTE, p, **kw)

    def route6():
        p = (rtmsg(socket.AF_INET6, 128) +
             attr(RTA_DST, a6("2001:db8::2")) +
             attr(RTA_PREFSRC, a6("2001:db8::1")) +
             attr(RTA_OIF, struct.pack("=I", 3)) +
             attr(RTA_METRICS, attr(RTAX_MTU, struct.pack("=I", 1480))))
        return nlmsg(RTM_NEWROUTE, p)

    write("rtnl", "route4", [0] + list(route4()))
    write("rtnl", "route4-mtu", [0] + list(route4(metrics=True)))
    write("rtnl", "route4-no-prefsrc", [0] + list(route4(prefsrc=False)))
    write("rtnl", "route6", [0] + list(route6()))
    write("rtnl", "route4-seq", [1] + list(struct.pack("=II", 1234, 5678)) +
          list(route4(seq=1234, pid=5678)))
    write("rtnl", "error-then-route", [0] + list(
        nlmsg(NLMSG_ERROR, struct.pack("=i", -113) + nlmsg(26, b"")) +
        route6()))
    write("rtnl", "ack-done", [0] + list(
        nlmsg(NLMSG_ERROR, struct.pack("=i", 0) + nlmsg(26, b"")) +
        nlmsg(NLMSG_DONE, struct.pack("=i", 0))))
    answer = (struct.pack("=iI", 0, 2) +
              struct.pack("=B3x4s12x", socket.AF_INET, a4("192.0.2.2")) +
              struct.pack("=B3x16s", socket.AF_INET6, a6("2001:db8::2")) +
              bytes(20 * 14) + b"Success".ljust(128, b"\0"))
    write("rtnl", "resolve-answer", answer)
    # Routed on any host: the parent's answer handling runs to the end.
    answer = (struct.pack("=iI", 0, 2) +
              struct.pack("=B3x4s12x", socket.AF_INET, a4("127.0.0.2")) +
              struct.pack("=B3x16s", socket.AF_INET6, a6("::1")) +
              bytes(20 * 14) + b"Success".ljust(128, b"\0"))
    write("rtnl", "resolve-answer-lo", answer)
    answer = (struct.pack("=iI", -2, 0) + bytes(20 * 16) +
              b"Name or service not known".ljust(128, b"\0"))
    write("rtnl", "resolve-answer-error", answer)


def tcp():
    """fuzz_tcp: byte 0 mode (1 Prefix, 2 IPv4 too, 4 stream), 1 split."""
    def v6(plen, nh=58):
        return (struct.pack("!IHBB", 6 << 28, plen, nh, 64) +
                a6("2001:db8:100:3::1") + a6("2001:db8:ffff::2") +
                bytes(plen))

    def v4(tot):
        return (struct.pack("!BBHHHBBH", 0x45, 0, tot, 1, 0, 64, 1, 0) +
                a4("192.0.2.1") + a4("192.0.2.2") + bytes(tot - 20))
    write("tcp", "id", [0, 0] + list(b'{"Id":"00:11:22:aa:bb:cc"}'))
    write("tcp", "id-spaces", [0, 0] + list(b' { "id" : "a\\b\\u0041", '
                                             b'"Id": "x", "k": [1, {}] }'))
    write("tcp", "id-then-packet", [0, 0] + list(b'{"Id":"m"}' + v6(8)))
    write("tcp", "id-long", [0, 0] + list(b'{"Id":"' + b"x" * 70 + b'"}'))
    write("tcp", "prefix", [1, 0] + list(
        b'{"Prefix":"2001:db8:100:3::/64"}' + v6(16)))
    write("tcp", "prefix-host-bits", [1, 0] + list(
        b'{"Prefix":"2001:db8:100:3::1/64"}'))
    write("tcp", "stream-v6", [4, 77] + list(v6(8) + v6(1232) + v6(0, 59) +
                                             v6(100)[:60]))
    write("tcp", "stream-v4-v6", [6, 30] + list(v4(28) + v6(8) + v4(1500)))
    write("tcp", "stream-jumbo", [4, 3] + list(v6(8) + v6(0, 0)))
    write("tcp", "stream-desync", [4, 41] + list(v6(8) + b"\x00garbage"))


def allowlist():
    """fuzz_allowlist: the file itself."""
    write("allowlist", "two", b"# clients\nalpha\nbeta\tk3y-beta  # key\n")
    write("allowlist", "twice", b"a\nb\na\n")
    write("allowlist", "three-words", b"a b c\n")
    write("allowlist", "long", b"x" * 70 + b"\n" + b"y" * 600)


def msg_types():
    """The IMSG_* numbers, as common/ipipd_msg.h numbers them."""
    import re
    text = open(os.path.join(HERE, "..", "..", "common", "ipipd_msg.h")).read()
    body = re.search(r"enum imsg_type \{(.*?)\};", text, re.S).group(1)
    out, n = {}, 0
    for name, val in re.findall(r"^\s*(IMSG_\w+)\s*(?:=\s*(\d+))?\s*,",
                                body, re.M):
        n = int(val) if val else n
        out[name] = n
        n += 1
    return out


def ctl():
    T = msg_types()

    def msg(name, payload=b"", hlen=None, mtype=None):
        t = T[name] if mtype is None else mtype
        n = 16 + len(payload) if hlen is None else hlen
        return struct.pack("=IHHII", t, n, 0, 0, 42) + payload

    def chunks(stream, size=64, deny=False):
        out = b""
        for i in range(0, len(stream), size):
            part = stream[i:i + size]
            out += bytes([(len(part) - 1) | (0x80 if deny else 0)]) + part
        return out

    verbose = struct.pack("=i", 1)
    write("ctl", "show", chunks(msg("IMSG_CTL_SHOW")))
    write("ctl", "show-stats", chunks(msg("IMSG_CTL_SHOW_STATS")))
    # Odd lengths talk to a prefix server, even ones to a peer tunnel.
    write("ctl", "show-clients", chunks(msg("IMSG_CTL_SHOW_CLIENTS")))
    write("ctl", "show-clients-peer",
          chunks(msg("IMSG_CTL_SHOW_CLIENTS")) + b"\x00")
    write("ctl", "clients-then-show", chunks(msg("IMSG_CTL_SHOW_CLIENTS") +
                                             msg("IMSG_CTL_SHOW"), size=7))
    write("ctl", "reload", chunks(msg("IMSG_CTL_RELOAD")))
    write("ctl", "reload-denied", chunks(msg("IMSG_CTL_RELOAD"), deny=True))
    write("ctl", "resolve", chunks(msg("IMSG_CTL_RESOLVE")))
    write("ctl", "log-verbose", chunks(msg("IMSG_CTL_LOG", verbose)))
    write("ctl", "log-bad-level", chunks(msg("IMSG_CTL_LOG",
                                             struct.pack("=i", 7))))
    write("ctl", "pipelined", chunks(msg("IMSG_CTL_SHOW") +
                                     msg("IMSG_CTL_SHOW_STATS") +
                                     msg("IMSG_CTL_LOG", bytes(4)) +
                                     msg("IMSG_CTL_SHOW"), size=5))
    write("ctl", "bytewise", chunks(msg("IMSG_CTL_SHOW_STATS"), size=1))
    write("ctl", "unknown-type", chunks(msg(None, mtype=60000)))
    write("ctl", "oversized", chunks(msg("IMSG_CTL_SHOW", hlen=60000)))
    write("ctl", "wrong-size", chunks(msg("IMSG_CTL_SHOW", bytes(4))))
    write("ctl", "truncated", chunks(msg("IMSG_CTL_SHOW")[:9]))


if __name__ == "__main__":
    allowlist()
    tcp()
    decap()
    encap_frag()
    imsg()
    conf()
    rtnl()
    ctl()
