#!/usr/bin/python3
"""A scriptable FOU peer for the ipipd tests (plain sockets, no scapy).

    fou_peer.py send   --to ADDR:PORT [--bind ADDR:PORT] --src IN_SRC
                       --dst IN_DST [--id N] [--garbage] [--expect-reply SEC]
    fou_peer.py listen --bind ADDR:PORT --seconds SEC

send: one UDP datagram carrying an ICMP echo request IN_SRC -> IN_DST
(IPv4 inner), from the bound address and port; with --expect-reply, wait
for the echo reply (through the tunnel) on the same socket and exit 0
only if it comes, printing `reply id N`.  --garbage sends bytes that are
no IP packet instead.  listen: print `empty` for every zero-length
datagram and `data LEN` for others, for SEC seconds.
"""
import argparse
import socket
import struct
import sys
import time


def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo4(src, dst, ident):
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"ipipd-fou-test"
    icmp = icmp[:2] + struct.pack("!H", cksum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), ident, 0,
                      64, 1, 0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", cksum(hdr)) + hdr[12:]
    return hdr + icmp


def hostport(s):
    host, _, port = s.rpartition(":")
    host = host.strip("[]")
    return host, int(port)


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def is_reply(data, ident):
    if len(data) < 28 or data[0] >> 4 != 4:
        return False
    hl = (data[0] & 0x0F) * 4
    return data[9] == 1 and data[hl] == 0 and \
        struct.unpack("!H", data[hl + 4:hl + 6])[0] == ident


def cmd_send(a):
    host, port = hostport(a.to)
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    if a.bind:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(hostport(a.bind))
    pkt = b"\x99garbage, not an IP packet" if a.garbage else \
        echo4(a.src, a.dst, a.id)
    s.sendto(pkt, (host, port))
    if not a.expect_reply:
        return 0
    s.settimeout(0.2)
    end = time.time() + a.expect_reply
    while time.time() < end:
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        if is_reply(data, a.id):
            print("reply id %d" % a.id)
            return 0
    print("no reply")
    return 1


def cmd_listen(a):
    host, port = hostport(a.bind)
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.bind((host, port))
    s.settimeout(0.2)
    print("listening", flush=True)
    end = time.time() + a.seconds
    while time.time() < end:
        try:
            data, src = s.recvfrom(65535)
        except socket.timeout:
            continue
        print("empty" if not data else "data %d" % len(data), flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("--to", required=True)
    ps.add_argument("--bind")
    ps.add_argument("--src", default="10.0.0.2")
    ps.add_argument("--dst", default="10.0.0.1")
    ps.add_argument("--id", type=int, default=4242)
    ps.add_argument("--garbage", action="store_true")
    ps.add_argument("--expect-reply", type=float, default=0)
    pl = sub.add_parser("listen")
    pl.add_argument("--bind", required=True)
    pl.add_argument("--seconds", type=float, required=True)
    a = p.parse_args()
    return cmd_send(a) if a.cmd == "send" else cmd_listen(a)


if __name__ == "__main__":
    sys.exit(main())
