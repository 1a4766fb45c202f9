#!/usr/bin/env python3
"""listen.py - one process that listens on many (address, port) pairs.

Usage: listen.py SPEC READY_FILE
SPEC has one "ADDRESS PORT" per line. Every socket is put in one epoll set;
a connection is accepted and closed at once, so the accept backlog never
fills (a full backlog drops SYNs and would turn open ports into filtered).
READY_FILE is written once every socket listens; the process runs until
SIGTERM. Addresses may be any address the namespace treats as local (the
bench routes a whole /16 to lo with "ip route add local").
"""
import os
import resource
import select
import signal
import socket
import sys

BACKLOG = 4096


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(need + 64, soft), hard)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def open_listeners(spec):
    pairs = []
    with open(spec) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                pairs.append((parts[0], int(parts[1])))
    raise_nofile(len(pairs))
    socks = {}
    for addr, port in pairs:
        s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(BACKLOG)
        s.setblocking(False)
        socks[s.fileno()] = s
    return socks


def serve(socks):
    ep = select.epoll(sizehint=len(socks))
    for fd in socks:
        ep.register(fd, select.EPOLLIN)
    while True:
        for fd, _ in ep.poll(1.0, maxevents=1024):
            lst = socks[fd]
            for _ in range(64):  # bounded drain per wake-up
                try:
                    conn, _peer = lst.accept()
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                conn.close()


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    socks = open_listeners(sys.argv[1])
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % len(socks))
    os.rename(tmp, sys.argv[2])
    serve(socks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
