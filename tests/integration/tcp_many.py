#!/usr/bin/python3
"""Many clients of a prefix server from one process (issue 16).

  tcp_many.py ADDR PORT N TARGET [SRC...]

Opens N connections (from the SRC addresses in turn, if given), sends a
distinct identifier on each, reads every {"Prefix":...} reply, then
sends one ICMPv6 echo request to TARGET from each client's PREFIX::1
and waits until every connection has its own echo reply.  Standard
library only; no TUN device.  Prints "RESULT ..." and exits 1 unless
every client got a distinct /64 and its reply.
"""

import ipaddress
import json
import resource
import selectors
import socket
import struct
import sys
import time

ECHO_ID = 0x4d4e


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo(src, dst, seq):
    icmp = struct.pack("!BBHHH", 128, 0, 0, ECHO_ID, seq) + b"many-clients"
    s = ipaddress.IPv6Address(src).packed
    d = ipaddress.IPv6Address(dst).packed
    c = csum(s + d + struct.pack("!I3xB", len(icmp), 58) + icmp)
    icmp = icmp[:2] + struct.pack("!H", c) + icmp[4:]
    return struct.pack("!IHBB", 6 << 28, len(icmp), 58, 64) + s + d + icmp


def main():
    addr, port, n, target = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), sys.argv[4]
    srcs = sys.argv[5:] or [None]
    resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    t0 = time.time()
    socks = []
    for i in range(n):
        s = socket.socket(fam, socket.SOCK_STREAM)
        if srcs[i % len(srcs)]:
            s.bind((srcs[i % len(srcs)], 0))
        s.connect((addr, port))
        s.sendall(json.dumps({"Id": "many-%05d" % i}).encode())
        s.setblocking(False)
        socks.append(s)
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, i)
    prefix = [None] * n
    buf = [b""] * n
    left = n
    end = time.time() + 60
    while left and time.time() < end:
        for key, _ in sel.select(1.0):
            i = key.data
            data = key.fileobj.recv(4096)
            if not data:
                sys.exit("FAIL: client %d closed before its prefix" % i)
            buf[i] += data
            if prefix[i] is None:
                try:
                    obj, used = json.JSONDecoder().raw_decode(buf[i].decode())
                except ValueError:
                    continue
                prefix[i] = obj["Prefix"]
                buf[i] = buf[i][used:]
                left -= 1
    t_assign = time.time() - t0
    got = [p for p in prefix if p]
    if len(got) != n or len(set(got)) != n:
        sys.exit("FAIL: %d of %d prefixes, %d distinct" %
                 (len(got), n, len(set(got))))
    t1 = time.time()
    for i, s in enumerate(socks):
        me = str(ipaddress.IPv6Network(prefix[i]).network_address + 1)
        s.setblocking(True)
        s.sendall(echo(me, target, i))
        s.setblocking(False)
        # Paced: the kernels' input queues (netdev_max_backlog) are
        # not what this measures.
        if i % 100 == 99:
            time.sleep(0.05)
    answered = [False] * n
    left = n
    end = time.time() + 60
    while left and time.time() < end:
        for key, _ in sel.select(1.0):
            i = key.data
            data = key.fileobj.recv(65536)
            if not data:
                sys.exit("FAIL: client %d closed" % i)
            buf[i] += data
            while len(buf[i]) >= 40:
                ln = 40 + struct.unpack("!H", buf[i][4:6])[0]
                if len(buf[i]) < ln:
                    break
                p, buf[i] = buf[i][:ln], buf[i][ln:]
                if p[6] == 58 and p[40] == 129 and \
                        struct.unpack("!HH", p[44:48]) == (ECHO_ID, i) \
                        and not answered[i]:
                    answered[i] = True
                    left -= 1
    t_ping = time.time() - t1
    print("RESULT clients %d assigned %d distinct %d answered %d "
          "assign_s %.2f ping_s %.2f" % (n, len(got), len(set(got)),
                                         n - left, t_assign, t_ping),
          flush=True)
    if left:
        sys.exit("FAIL: %d clients got no echo reply (starved)" % left)
    # Hold them while the caller measures the server.
    sys.stdin.read()


if __name__ == "__main__":
    main()
