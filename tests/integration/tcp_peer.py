#!/usr/bin/python3
"""An independent peer of the seed's TCP tunnel protocol (issue 16).

Standard library only, nothing of ipipd's.  The protocol of the seed's
ipv6_tunnel: the client sends {"Id":"..."} (one JSON object, no
newline), the server answers {"Prefix":"P/64"}, then raw IPv6 packets
back to back, each framed by its own payload length.

  tcp_peer.py server PORT PREFIX      act as the seed's server for one
                                      client; probe the client's P::1
  tcp_peer.py client ADDR PORT ID TARGET [--no-first-packet]
                                      act as the seed's client; probe
                                      TARGET behind the server

Both read the other side's JSON with a single recv(), as the seed's
programs do, and fail if that one read is not exactly one JSON object.
Then they send ICMPv6 echo requests: one split at every byte boundary
(two writes each), ten in one write, one a byte per write, and check
that every echo reply comes back.  Prints "RESULT ok ..." or exits 1.
"""

import ipaddress
import json
import select
import socket
import struct
import sys
import time

ECHO_ID = 0x1616


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo(src, dst, seq, payload=b"ipipd-tcp", typ=128):
    icmp = struct.pack("!BBHHH", typ, 0, 0, ECHO_ID, seq) + payload
    s = ipaddress.IPv6Address(src).packed
    d = ipaddress.IPv6Address(dst).packed
    pseudo = s + d + struct.pack("!I3xB", len(icmp), 58)
    c = csum(pseudo + icmp)
    icmp = icmp[:2] + struct.pack("!H", c) + icmp[4:]
    hdr = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 64) + s + d
    return hdr + icmp


class Stream:
    """IPv6 packets framed by their payload length."""

    def __init__(self, sock, first=b""):
        self.sock = sock
        self.buf = bytearray(first)

    def packets(self, timeout):
        out = []
        r, _, _ = select.select([self.sock], [], [], timeout)
        if r:
            data = self.sock.recv(65536)
            if not data:
                raise SystemExit("FAIL: the peer closed the stream")
            self.buf += data
        while len(self.buf) >= 40:
            if self.buf[0] >> 4 != 6:
                raise SystemExit("FAIL: stream out of step: first byte "
                                 "0x%02x" % self.buf[0])
            n = 40 + struct.unpack("!H", self.buf[4:6])[0]
            if len(self.buf) < n:
                break
            out.append(bytes(self.buf[:n]))
            del self.buf[:n]
        return out


def replies(pkts):
    """Sequence numbers of our echo replies among pkts."""
    seqs = []
    for p in pkts:
        if p[6] == 58 and len(p) >= 48 and p[40] == 129:
            ident, seq = struct.unpack("!HH", p[44:48])
            if ident == ECHO_ID:
                seqs.append(seq)
    return seqs


def probe(sock, st, src, dst, limit=10.0):
    """Echo requests every 0.2 s until one is answered."""
    end = time.time() + limit
    seq = 1
    while time.time() < end:
        sock.sendall(echo(src, dst, seq))
        t = time.time() + 0.2
        while time.time() < t:
            if replies(st.packets(0.05)):
                return True
        seq += 1
    return False


def exercise(sock, st, src, dst):
    """The split and batched writes; every echo must be answered."""
    want = set()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pkt_len = len(echo(src, dst, 0))
    for k in range(1, pkt_len):
        p = echo(src, dst, 100 + k)
        sock.sendall(p[:k])
        time.sleep(0.002)
        sock.sendall(p[k:])
        want.add(100 + k)
    batch = b"".join(echo(src, dst, 200 + i) for i in range(10))
    sock.sendall(batch)
    want.update(range(200, 210))
    p = echo(src, dst, 300)
    for i in range(len(p)):
        sock.sendall(p[i:i + 1])
        time.sleep(0.001)
    want.add(300)
    got = set()
    end = time.time() + 10
    while time.time() < end and not want <= got:
        got.update(replies(st.packets(0.2)))
    missing = sorted(want - got)
    if missing:
        raise SystemExit("FAIL: no echo reply for seq %s" % missing)
    return len(want), pkt_len


def one_json(data, key):
    try:
        obj = json.loads(data.decode())
    except ValueError as e:
        raise SystemExit("FAIL: the first recv() is not exactly one JSON "
                         "object (%r): %s" % (data, e))
    if key not in obj:
        raise SystemExit("FAIL: no %s in %r" % (key, obj))
    return obj[key]


def server(port, prefix):
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", port))
    ls.listen(4)
    print("listening", flush=True)
    s, peer = ls.accept()
    ident = one_json(s.recv(1024), "Id")
    print("client %s sent Id %r" % (peer[0], ident), flush=True)
    net = ipaddress.IPv6Network(prefix + "/64")
    mine = "2001:db8:ffff::99"
    cli = str(net.network_address + 1)
    # The reply, with a packet right behind it in the same write: the
    # client must take the bytes after the object as the stream.
    s.sendall(json.dumps({"Prefix": prefix + "/64"}).encode() +
              echo(mine, "ff02::1", 7))
    st = Stream(s)
    if not probe(s, st, mine, cli):
        raise SystemExit("FAIL: %s does not answer" % cli)
    n, plen = exercise(s, st, mine, cli)
    print("RESULT ok server: %d echo replies from %s (every split of a "
          "%d-byte packet, a batch, bytewise)" % (n, cli, plen), flush=True)
    s.close()


def client(addr, port, ident, target, first_packet=True):
    s = socket.create_connection((addr, port), timeout=10)
    s.setblocking(True)
    s.sendall(json.dumps({"Id": ident}, separators=(",", ":")).encode())
    prefix = one_json(s.recv(1024), "Prefix")
    net = ipaddress.IPv6Network(prefix)
    me = str(net.network_address + 1)
    print("prefix %s, address %s" % (prefix, me), flush=True)
    st = Stream(s)
    if not first_packet:
        # Packets for us wait on the server: they must come anyway
        # once its quiet after the reply is over.
        pk = []
        end = time.time() + 5
        while time.time() < end and not pk:
            pk = st.packets(0.2)
        if not pk:
            raise SystemExit("FAIL: nothing came after the reply")
        print("queued packets arrived: %d" % len(pk), flush=True)
    if not probe(s, st, me, target):
        raise SystemExit("FAIL: %s does not answer" % target)
    n, plen = exercise(s, st, me, target)
    # A source outside our /64 must be dropped by the server.
    spoof = str(net.network_address + (1 << 64) + 1)
    s.sendall(echo(spoof, target, 999))
    end = time.time() + 1.5
    while time.time() < end:
        if 999 in replies(st.packets(0.2)):
            raise SystemExit("FAIL: a spoofed source was forwarded")
    print("RESULT ok client: %d echo replies from %s (every split of a "
          "%d-byte packet, a batch, bytewise); spoofed source dropped" %
          (n, target, plen), flush=True)
    s.close()


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "server":
        server(int(a[1]), a[2])
    elif len(a) in (5, 6) and a[0] == "client":
        client(a[1], int(a[2]), a[3], a[4],
               first_packet="--no-first-packet" not in a)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
