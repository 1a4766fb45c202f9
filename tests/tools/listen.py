#!/usr/bin/env python3
"""Small real TCP listeners for end-to-end tests.

usage: listen.py PORTFILE SPEC...
SPEC is KIND@HOST:PORT with PORT 0 for a free port. KIND is one of
  silent        accept and say nothing
  http          answer any request with a small HTTP/1.1 200 response
  banner=TEXT   send TEXT + CRLF on connect (server-first protocols), then idle
  trap          like silent, and append one line "HOST:PORT" per accepted connection
                to PORTFILE.trap (a scope test asserts the file stays empty)
The chosen ports are written to PORTFILE, one per line in SPEC order, once
every socket listens. Runs until killed.
"""
import socket
import sys
import threading


def serve(sock, kind, portfile):
    while True:
        conn, _ = sock.accept()
        if kind == "trap":
            host, port = sock.getsockname()[:2]
            with open(portfile + ".trap", "a") as f:
                f.write("%s:%d\n" % (host, port))
        threading.Thread(target=handle, args=(conn, kind), daemon=True).start()


def handle(conn, kind):
    try:
        conn.settimeout(10)
        if kind.startswith("banner="):
            conn.sendall(kind[len("banner="):].encode() + b"\r\n")
        if kind == "http":
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            body = b"portgate test\n"
            conn.sendall(b"HTTP/1.1 200 OK\r\nServer: pg-test/1.0\r\nContent-Length: %d\r\n"
                         b"Connection: close\r\n\r\n%s" % (len(body), body))
            return
        while conn.recv(4096):
            pass
    except OSError:
        pass
    finally:
        conn.close()


def main():
    portfile, specs = sys.argv[1], sys.argv[2:]
    ports = []
    for spec in specs:
        kind, addr = spec.split("@", 1)
        host, port = addr.rsplit(":", 1)
        host = host.strip("[]")
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.listen(128)
        ports.append(s.getsockname()[1])
        threading.Thread(target=serve, args=(s, kind, portfile), daemon=True).start()
    with open(portfile + ".tmp", "w") as f:
        f.write("\n".join(str(p) for p in ports) + "\n")
    import os
    os.rename(portfile + ".tmp", portfile)
    threading.Event().wait()


if __name__ == "__main__":
    main()
