#!/usr/bin/python3
"""Start ipipd-engine or ipipd-resolver by hand, as the parent would
(its end of a socket pair on fd 3), under a command prefix such as
setpriv(1), and report how its sandbox went.

    child_start.py [--prefix 'CMD ARGS'] BINARY ARGS...

The child gets an IMSG_STATUS request.  If it answers with its status
line, it got through its sandbox: print `answered: LINE`, close the
socket, print `exited STATUS` once it is gone and exit 0 (the status is
not judged: an ASan build's exit path makes calls the seccomp filter
kills).  If it exits first, print `exited STATUS` and every log line it
sent (`log: LINE`), and exit 1.  Message numbers come from
common/ipipd_msg.h, so they follow the enum.
"""
import os
import re
import select
import shlex
import socket
import struct
import subprocess
import sys
import time

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
HDR = struct.Struct("=IHHII")      # struct imsg_hdr: type len flags peerid pid


def imsg_types():
    text = open(os.path.join(TOP, "common", "ipipd_msg.h")).read()
    body = re.search(r"enum imsg_type \{(.*?)\};", text, re.S).group(1)
    names = re.findall(r"^\s*(IMSG_[A-Z_]+)", body, re.M)
    return {n: i for i, n in enumerate(names)}


def log_lines(buf, t_log):
    """Complete messages in buf: (the IMSG_LOG texts, bytes left)."""
    out = []
    while len(buf) >= HDR.size:
        typ, ln = HDR.unpack_from(buf)[:2]
        if ln < HDR.size or len(buf) < ln:
            break
        if typ == t_log:
            # struct msg_log: int32 pri, then a NUL-ended line.
            out.append(buf[HDR.size + 4:ln].split(b"\0")[0].decode(
                "ascii", "replace"))
        buf = buf[ln:]
    return out, buf


def main():
    args = sys.argv[1:]
    prefix = []
    if args[:1] == ["--prefix"]:
        prefix = shlex.split(args[1])
        args = args[2:]
    t = imsg_types()
    mine, theirs = socket.socketpair()

    def to_fd3():
        os.dup2(theirs.fileno(), 3)

    p = subprocess.Popen(prefix + args, preexec_fn=to_fd3, pass_fds=(3,),
                         stdin=subprocess.DEVNULL)
    theirs.close()
    try:
        mine.sendall(HDR.pack(t["IMSG_STATUS"], HDR.size, 0, 0, 0))
    except BrokenPipeError:
        pass        # it has exited already: its lines are still queued
    buf, lines, deadline = b"", [], time.time() + 20
    while time.time() < deadline:
        r, _, _ = select.select([mine], [], [], 0.2)
        if not r:
            continue
        try:
            data = mine.recv(65536)
        except ConnectionResetError:
            # It died with our request unread; what it sent is still
            # queued behind that error, reported once.
            continue
        if not data:
            break
        got, buf = log_lines(buf + data, t["IMSG_LOG"])
        lines += got
        if any(" status:" in l or l.startswith("status:") for l in got):
            print("answered: " + [l for l in got if "status:" in l][0])
            mine.close()
            print("exited %d" % p.wait(timeout=20))
            return 0
    rc = p.wait(timeout=20)
    print("exited %d" % rc)
    for l in lines:
        print("log: " + l)
    return 1


if __name__ == "__main__":
    sys.exit(main())
