#!/usr/bin/python3
"""Bad control clients for ipipd's control socket (t_ctl_robust.sh).

    ctl_abuse.py SOCKET MSG_H SECONDS

MSG_H is common/ipipd_msg.h: the message types are read from its enum,
so they follow the source.  Against SOCKET, for SECONDS:
  - a client that sends 400 requests and never reads a reply;
  - a client that sends half a header and waits;
  - an oversized frame, a request with a payload of the wrong size, an
    unknown type, a header cut short by a close, and a stream of
    connections sending random bytes (one every 50 ms);
  - a valid request carrying an fd (SCM_RIGHTS), which must be answered
    as if it had none.
Prints `bad N` (clients the daemon must count as bad), `answered-fd 1`
if the request with the fd was answered, `closed N/M` for the bad ones
the daemon closed itself, and `held-dropped N/2` once the two stuck
clients are dropped (waiting up to 20 s for that).
"""
import os
import random
import re
import select
import socket
import struct
import sys
import time

HDR = struct.Struct("=IHHII")  # struct imsg_hdr: type, len, flags, peerid, pid


def types(path):
    text = open(path).read()
    body = re.search(r"enum imsg_type \{(.*?)\};", text, re.S).group(1)
    names = re.findall(r"^\s*(IMSG_\w+)\s*(?:=\s*(\d+))?\s*,", body, re.M)
    out, n = {}, 0
    for name, val in names:
        n = int(val) if val else n
        out[name] = n
        n += 1
    return out


def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def frame(t, payload=b"", length=None):
    return HDR.pack(t, HDR.size + len(payload) if length is None else length,
                    0, 0, os.getpid()) + payload


def closed_by_peer(s, wait):
    """True if the daemon closes s within wait seconds."""
    end = time.time() + wait
    s.setblocking(False)
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.2)
        if not r:
            continue
        try:
            if s.recv(65536) == b"":
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except BlockingIOError:
            pass
    return False


def main():
    path, msg_h, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    T = types(msg_h)
    rnd = random.Random(1717)
    held, bad_socks, bad = [], [], 0

    s = conn(path)       # never reads
    s.sendall(frame(T["IMSG_CTL_SHOW_STATS"]) * 400)
    held.append(s)
    s = conn(path)       # half a header, then nothing
    s.sendall(frame(T["IMSG_CTL_SHOW"])[:8])
    held.append(s)

    for data in (frame(T["IMSG_CTL_SHOW"], b"", 60000),      # oversized
                 frame(T["IMSG_CTL_SHOW"], b"\0" * 4),       # wrong size
                 frame(60000)):                              # unknown type
        s = conn(path)
        s.sendall(data)
        bad_socks.append(s)
        bad += 1
    s = conn(path)       # cut short by a close
    s.sendall(frame(T["IMSG_CTL_SHOW"])[:10])
    s.close()
    bad += 1

    # A request with an fd: the kernel drops the fd, the request stands.
    s = conn(path)
    f = os.open("/dev/null", os.O_RDONLY)
    s.sendmsg([frame(T["IMSG_CTL_SHOW"])],
              [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", f))])
    os.close(f)
    got = b""
    end_t = frame(T["IMSG_CTL_END"])[:4]
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
        # IMSG_CTL_END is the last message: its header ends the reply.
        if len(got) >= HDR.size and got[-HDR.size:-HDR.size + 4] == end_t:
            break
    print("answered-fd %d" % (1 if got else 0), flush=True)
    s.close()

    end = time.time() + seconds
    while time.time() < end:
        while True:
            blob = bytes(rnd.getrandbits(8) for _ in range(64))
            ln = struct.unpack_from("=H", blob, 4)[0]
            if not 16 <= ln <= 20:     # no frame a request can have
                break
        s = conn(path)
        s.sendall(blob)
        bad_socks.append(s)
        bad += 1
        time.sleep(0.05)
    print("bad %d" % bad, flush=True)
    n = sum(closed_by_peer(s, 5) for s in bad_socks)
    print("closed %d/%d" % (n, len(bad_socks)), flush=True)
    n = sum(closed_by_peer(s, 20) for s in held)
    print("held-dropped %d/%d" % (n, len(held)), flush=True)


main()
