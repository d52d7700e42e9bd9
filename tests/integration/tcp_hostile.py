#!/usr/bin/python3
"""Hostile clients of a prefix server (issue 16), standard library only.

  tcp_hostile.py silent ADDR PORT          connect, send nothing; print
                                           the seconds until closed
  tcp_hostile.py refused ADDR PORT WHAT    send WHAT (bigjson, badjson,
                                           array, noid, longid, ctrlid,
                                           numid, and with an
                                           allowlist stranger, nokey,
                                           wrongkey, badkey); closed
                                           within 5 s?
  tcp_hostile.py desync ADDR PORT ID       handshake, then a byte that
                                           starts no IP packet
  tcp_hostile.py noread ADDR PORT ID SECS  handshake, then never read
  tcp_hostile.py idle ADDR PORT N SECS SRC...
                                           N connections that send
                                           nothing, N/len(SRC) from
                                           each SRC in turn;
                                           how many the server closed
                                           at once, how many it kept
  tcp_hostile.py many ADDR PORT N ID SECS  N identifiers ID-0.., one at a
                                           time, all kept open: how many
                                           got a prefix
  tcp_hostile.py udpflood ADDR SECS PPS    1200-byte UDP datagrams to
                                           ADDR port 9
  tcp_hostile.py newids ADDR PORT ID OUT    identifiers ID-0, ID-1, ...
                                           one connection each, until
                                           the server is gone; each
                                           prefix told goes into OUT
  tcp_hostile.py replace ADDR PORT ID SRC1 SRC2
                                           ID from SRC1, then from SRC2:
                                           the first must be closed
Prints one "RESULT ..." line; exits 1 when the server did not do what
it must.
"""

import json
import resource
import select
import socket
import sys
import time


def conn(addr, port, src=None, rcvbuf=None):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if src:
        s.bind((src, 0))
    s.settimeout(10)
    s.connect((addr, port))
    return s


def closed_within(s, secs):
    """True when the server closes s (EOF or reset) within secs."""
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.1)
        if r:
            try:
                if s.recv(65536) == b"":
                    return True
            except OSError:
                return True
    return False


def hello(s, ident):
    s.sendall(json.dumps({"Id": ident}).encode())
    data = s.recv(1024)
    return json.loads(data.decode())["Prefix"]


PAYLOADS = {
    "bigjson": b'{"Id":"' + b"a" * 2000,
    "badjson": b'{"Id": 00:11}',
    "array": b'["Id", "x"]',
    "noid": b'{"Name":"x"}',
    "longid": json.dumps({"Id": "x" * 65}).encode(),
    "ctrlid": b'{"Id":"ab\\u0001cd"}',
    "numid": b'{"Id":12345}',
    # with an allowlist (t_tcp_allow.sh)
    "stranger": b'{"Id":"stranger"}',
    "nokey": b'{"Id":"beta"}',
    "wrongkey": b'{"Id":"beta","Key":"wrong"}',
    "badkey": b'{"Id":"alpha","Key":"a\\u0001"}',
}


def udpflood(addr, secs, pps):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    data = b"x" * 1200
    end = time.time() + secs
    n = 0
    while time.time() < end:
        t = time.time()
        for _ in range(pps // 100):
            try:
                s.sendto(data, (addr, 9))
                n += 1
            except OSError:
                pass
        time.sleep(max(0, 0.01 - (time.time() - t)))
    print("RESULT udpflood %d datagrams" % n)


def main():
    a = sys.argv[1:]
    if a and a[0] == "udpflood":
        udpflood(a[1], float(a[2]), int(a[3]))
        return
    cmd, addr, port = a[0], a[1], int(a[2])
    if cmd == "silent":
        s = conn(addr, port)
        t0 = time.time()
        if not closed_within(s, 30):
            raise SystemExit("FAIL: still open after 30 s")
        print("RESULT closed after %.1f s" % (time.time() - t0))
    elif cmd == "refused":
        s = conn(addr, port)
        s.sendall(PAYLOADS[a[3]])
        if not closed_within(s, 5):
            raise SystemExit("FAIL: %s: not closed" % a[3])
        print("RESULT %s closed" % a[3])
    elif cmd == "desync":
        s = conn(addr, port)
        print("prefix", hello(s, a[3]), flush=True)
        s.sendall(b"\x00garbage")
        if not closed_within(s, 5):
            raise SystemExit("FAIL: desync: not closed")
        print("RESULT desync closed")
    elif cmd == "noread":
        s = conn(addr, port, rcvbuf=4096)
        print("prefix", hello(s, a[3]), flush=True)
        time.sleep(float(a[4]))
        print("RESULT noread done")
    elif cmd == "idle":
        n, secs, srcs = int(a[3]), float(a[4]), a[5:]
        resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
        socks = []
        for i in range(n):
            socks.append(conn(addr, port, src=srcs[i * len(srcs) // n]))
        time.sleep(1.0)
        shut = 0
        for s in socks:
            r, _, _ = select.select([s], [], [], 0)
            if r:
                try:
                    if s.recv(1) == b"":
                        shut += 1
                except OSError:
                    shut += 1
        print("RESULT idle %d refused %d kept %d" % (n, shut, n - shut),
              flush=True)
        time.sleep(secs)
    elif cmd == "newids":
        n = 0
        with open(a[4], "w") as out:
            while True:
                try:
                    s = conn(addr, port)
                    s.sendall(json.dumps({"Id": "%s-%d" % (a[3], n)})
                              .encode())
                    data = s.recv(1024)
                    s.close()
                except OSError:
                    break
                if not data:
                    break
                out.write("%s-%d %s\n" % (a[3], n,
                                          json.loads(data)["Prefix"]))
                out.flush()
                n += 1
        print("RESULT newids %d" % n)
    elif cmd == "many":
        n, ident, secs = int(a[3]), a[4], float(a[5])
        socks, got, refused = [], [], 0
        for i in range(n):
            s = conn(addr, port)
            s.sendall(json.dumps({"Id": "%s-%d" % (ident, i)}).encode())
            data = s.recv(1024)
            if data:
                got.append(json.loads(data.decode())["Prefix"])
                socks.append(s)
            else:
                refused += 1
                s.close()
        print("RESULT many %d prefixes %d refused %d %s" %
              (n, len(got), refused, " ".join(got)), flush=True)
        time.sleep(secs)
    elif cmd == "replace":
        s1 = conn(addr, port, src=a[4])
        p1 = hello(s1, a[3])
        s2 = conn(addr, port, src=a[5])
        p2 = hello(s2, a[3])
        if p1 != p2:
            raise SystemExit("FAIL: %s then %s" % (p1, p2))
        if not closed_within(s1, 5):
            raise SystemExit("FAIL: the first connection stays")
        if closed_within(s2, 1):
            raise SystemExit("FAIL: the second connection was closed")
        print("RESULT replaced, prefix %s" % p2)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
