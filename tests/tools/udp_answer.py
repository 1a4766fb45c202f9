#!/usr/bin/env python3
"""UDP ports that answer, for scan tests and bench/udp.sh.

usage: udp_answer.py PORTFILE [--replies N] HOST:PORT...
Binds each HOST:PORT (PORT 0 = a free port; HOST "::" = IPv4 and IPv6) and
answers every datagram with N (default 1) datagrams "portgate-udp-answer".
The chosen ports are written to PORTFILE, one per line in argument order, once
every socket is bound. Runs until killed, at most 30 minutes.
"""
import os
import select
import socket
import sys
import time

REPLY = b"portgate-udp-answer"


def bind(spec):
    host, port = spec.rsplit(":", 1)
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET6 and host == "::":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((host, int(port)))
    return s


def main():
    args = sys.argv[1:]
    portfile, args = args[0], args[1:]
    replies = 1
    if args[:1] == ["--replies"]:
        replies, args = int(args[1]), args[2:]
    socks = [bind(a) for a in args]
    with open(portfile + ".tmp", "w") as f:
        for s in socks:
            f.write("%d\n" % s.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    end = time.monotonic() + 1800
    while time.monotonic() < end:
        ready, _, _ = select.select(socks, [], [], 1.0)
        for s in ready:
            try:
                _, peer = s.recvfrom(65535)
            except OSError:
                continue
            for _ in range(replies):
                s.sendto(REPLY, peer)


if __name__ == "__main__":
    main()
