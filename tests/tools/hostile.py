#!/usr/bin/env python3
"""Banner and hostile TCP listeners on loopback for the probe tests.

usage: hostile.py PORTFILE SPEC...
SPEC is KIND or KIND@HOST:PORT (default 127.0.0.1:0, a free port). The chosen
ports are written to PORTFILE, one per line in SPEC order, once every socket
listens. Runs until killed (or SIGTERM).

KIND:
  ssh | smtp | ftp | pop3 | imap   a typical server-first greeting, then idle
  mysql                            a MySQL protocol-10 handshake packet
  evil                             an SSH greeting stuffed with terminal escapes,
                                   NUL, backslash and a second line
  garbage                          1 MiB of binary noise, then close
  trickle[=SECONDS]                one byte per SECONDS (default 1), forever
  silent                           accept and never speak
  http                             answer any request with HTTP/1.1 200
  tlsplain                         on a port expected to speak TLS: answer the
                                   ClientHello with a plain HTTP 400
  tls=CERT:KEY                     TLS (Python ssl), then HTTP 200 inside
  tlsflood                         after the ClientHello, a TLS record header
                                   followed by 1 MiB of noise
  tlsstall                         after the ClientHello, half a TLS record,
                                   then silence
  hangup                           read the first request, close without a byte
  getclose                         close on an HTTP GET, wait without a word on
                                   anything else (Redis and memcached on a binary
                                   request): every data-store guess costs its wait
"""
import os
import signal
import socket
import ssl
import sys
import threading
import time

GREETINGS = {
    "ssh": b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
    "smtp": b"220 mail.test.local ESMTP Postfix (Debian/GNU)\r\n",
    "ftp": b"220 (vsFTPd 3.0.3)\r\n",
    "pop3": b"+OK Dovecot (Debian) ready.\r\n",
    "imap": b"* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready.\r\n",
    "evil": b"SSH-2.0-Evil\x1b]0;pwned\x07\x1b[2J\\x41\x00\x7f\r\nsecond line\r\n",
}

MIB = 1024 * 1024


def mysql_handshake():
    body = (b"\x0a" + b"8.0.36-hostile\x00" + (1234).to_bytes(4, "little") +
            b"abcdefgh\x00" + b"\xff\xf7" + b"\x21" + b"\x02\x00" + b"\xff\xdf" +
            b"\x15" + b"\x00" * 10 + b"ijklmnopqrst\x00" + b"caching_sha2_password\x00")
    return len(body).to_bytes(3, "little") + b"\x00" + body


def noise(n):
    # Deterministic binary bytes, never starting like a TLS record.
    block = bytes((i * 131 + 7) % 256 for i in range(4096))
    out = b"\x00NOISE" + block * (n // len(block) + 1)
    return out[:n]


def read_some(conn, limit=65536):
    try:
        return conn.recv(limit)
    except OSError:
        return b""


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = read_some(conn)
        if not chunk:
            break
        data += chunk
    return data


def idle(conn, seconds=30):
    # Keep the connection open (the client decides when to stop) but bounded.
    conn.settimeout(seconds)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def http_200(server):
    body = b"<html>hello</html>\n"
    return (b"HTTP/1.1 200 OK\r\nServer: " + server + b"\r\nContent-Type: text/html\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def handle(conn, kind, arg, tls_ctx):
    conn.settimeout(30)
    if kind in GREETINGS:
        conn.sendall(GREETINGS[kind])
        idle(conn)
    elif kind == "mysql":
        conn.sendall(mysql_handshake())
        idle(conn)
    elif kind == "redisdenied":
        # Redis (3.2+) in protected mode, reached from a non-loopback address: this line on
        # accept, then the connection is closed (networking.c, clientAcceptHandler)
        conn.sendall(b"-DENIED Redis is running in protected mode because protected mode is "
                     b"enabled and no password is set for the default user.\r\n")
    elif kind == "garbage":
        conn.sendall(noise(MIB))
    elif kind == "trickle":
        step = float(arg or "1")
        for i in range(int(60 / step)):
            conn.sendall(b"abcdefghijklmnopqrstuvwxyz"[i % 26:i % 26 + 1])
            time.sleep(step)
    elif kind == "silent":
        idle(conn)
    elif kind == "http":
        read_request(conn)
        conn.sendall(http_200(b"hostile-http/1.0"))
    elif kind == "tlsplain":
        read_some(conn)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: plainhttpd/2.4\r\n"
                     b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    elif kind == "tls":
        with tls_ctx.wrap_socket(conn, server_side=True) as tconn:
            read_request(tconn)
            tconn.sendall(http_200(b"hostile-tls/1.0"))
    elif kind == "tlsflood":
        read_some(conn)
        conn.sendall(b"\x16\x03\x03\x40\x00" + noise(MIB))
    elif kind == "hangup":
        read_some(conn)
    elif kind == "getclose":
        if not read_some(conn).startswith(b"GET "):
            idle(conn)
    elif kind == "tlsstall":
        read_some(conn)
        conn.sendall(b"\x16\x03\x03\x00\x40\x02\x00")
        idle(conn)
    else:
        raise SystemExit("unknown kind " + kind)


def guarded(conn, kind, arg, tls_ctx):
    try:
        handle(conn, kind, arg, tls_ctx)
    except (OSError, ssl.SSLError):
        pass  # the prober hanging up early is the normal case
    finally:
        try:
            conn.close()
        except OSError:
            pass


def serve(sock, kind, arg, tls_ctx):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=guarded, args=(conn, kind, arg, tls_ctx), daemon=True).start()


def parse(spec):
    kind, _, where = spec.partition("@")
    kind, _, arg = kind.partition("=")
    host, port = "127.0.0.1", 0
    if where:
        host, _, p = where.rpartition(":")
        port = int(p)
    return kind, arg, host, port


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    listeners = []
    for spec in sys.argv[2:]:
        kind, arg, host, port = parse(spec)
        tls_ctx = None
        if kind == "tls":
            cert, _, key = arg.partition(":")
            tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls_ctx.load_cert_chain(cert, key)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(fam, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
        listeners.append((sock, kind, arg, tls_ctx))
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        for sock, *_ in listeners:
            f.write("%d\n" % sock.getsockname()[1])
    os.rename(tmp, sys.argv[1])
    for sock, kind, arg, tls_ctx in listeners:
        threading.Thread(target=serve, args=(sock, kind, arg, tls_ctx), daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
