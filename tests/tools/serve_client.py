#!/usr/bin/env python3
"""Clients and listeners for the `portgate serve` tests (loopback only).

usage:
  serve_client.py count-listener HOST PORTFILE COUNTFILE [silent]
      listen on HOST:0, write the port to PORTFILE and the number of accepted
      connections to COUNTFILE after each one (silent: keep them open, say nothing)
  serve_client.py big-query HOSTPORT NBYTES
      GET /v1-port-scanner?target=<NBYTES of 'a'>; print the status line's code
      (or "closed" when the server closed without an answer)
  serve_client.py slowloris HOSTPORT N SECONDS
      open N connections from this address, send a partial request, then one
      header byte per second; print JSON: how many the server refused at once,
      closed later, and how many were still open after SECONDS
  serve_client.py silent HOSTPORT N WAIT
      open N connections, send a partial request, then nothing; print the
      longest time (s) until the server closed one, or -1 if one outlived WAIT
  serve_client.py concurrent HOSTPORT KEY N PATH [PATH...]
      N clients from N source addresses 127.0.1.x (so per-address limits do not
      apply), released together, client i asking PATH[i % len]; print JSON
      {"status": {code: count}, "errors": n, "maxMs": m}
  serve_client.py mem PID
      print VmRSS and VmHWM of PID in KiB
"""
import json
import socket
import sys
import threading
import time


def hostport(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def count_listener(host, portfile, countfile, silent=False):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, 0))
    srv.listen(128)
    n = 0
    with open(countfile, "w") as f:
        f.write("0\n")
    with open(portfile, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    keep = []
    while True:
        conn, _ = srv.accept()
        n += 1
        with open(countfile + ".tmp", "w") as f:
            f.write("%d\n" % n)
        import os
        os.replace(countfile + ".tmp", countfile)
        if silent:
            keep.append(conn)
        else:
            conn.close()


def read_status(sock):
    data = b""
    try:
        while b"\r\n" not in data and len(data) < 4096:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    if data.startswith(b"HTTP/1."):
        return data.split(b" ")[1].decode()
    return "closed"


def big_query(addr, nbytes):
    s = socket.create_connection(hostport(addr), timeout=20)
    req = b"GET /v1-port-scanner?target=" + b"a" * nbytes + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    try:
        s.sendall(req)
    except OSError:
        pass  # the server may answer and close before it read everything
    print(read_status(s))


def slowloris(addr, n, seconds):
    socks, refused = [], 0
    for _ in range(n):
        try:
            s = socket.create_connection(hostport(addr), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            refused += 1
    closed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and socks:
        time.sleep(1)
        alive = []
        for s in socks:
            try:
                s.settimeout(0.01)
                try:
                    if s.recv(1, socket.MSG_PEEK) == b"":
                        raise OSError("closed")
                except socket.timeout:
                    pass
                s.sendall(b"X")
                alive.append(s)
            except OSError:
                closed += 1
                s.close()
        socks = alive
    print(json.dumps({"refused": refused, "closed": closed, "open": len(socks)}))
    for s in socks:
        s.close()


def silent(addr, n, wait):
    socks = []
    t0 = time.monotonic()
    for _ in range(n):
        s = socket.create_connection(hostport(addr), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    longest = 0.0
    for s in socks:
        s.settimeout(max(0.1, wait - (time.monotonic() - t0)))
        try:
            while s.recv(4096):
                pass
            longest = max(longest, time.monotonic() - t0)
        except socket.timeout:
            print(-1)
            return
        except OSError:
            longest = max(longest, time.monotonic() - t0)
    print(round(longest, 1))


def concurrent(addr, key, n, paths):
    host, port = hostport(addr)
    barrier = threading.Barrier(n)
    status, errors, times = {}, [0], []
    lock = threading.Lock()

    def client(i):
        src = "127.0.1.%d" % (i % 250 + 1)
        path = paths[i % len(paths)]
        try:
            s = socket.socket()
            s.settimeout(60)
            s.bind((src, 0))
            s.connect((host, port))
            barrier.wait(timeout=30)
            t = time.monotonic()
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nx-api-key: %s\r\nConnection: close\r\n\r\n"
                       % (path, key)).encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            code = data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.") else "none"
            with lock:
                status[code] = status.get(code, 0) + 1
                times.append((time.monotonic() - t) * 1000)
            s.close()
        except Exception:  # noqa: BLE001 - counted, reported
            with lock:
                errors[0] += 1
            try:
                barrier.abort()
            except Exception:  # noqa: BLE001
                pass

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    print(json.dumps({"status": status, "errors": errors[0],
                      "maxMs": round(max(times) if times else -1)}, sort_keys=True))


def mem(pid):
    vals = {}
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                vals[k] = int(v.split()[0])
    print(vals.get("VmRSS", 0), vals.get("VmHWM", 0))


def main(argv):
    cmd = argv[1]
    if cmd == "count-listener":
        count_listener(argv[2], argv[3], argv[4], len(argv) > 5 and argv[5] == "silent")
    elif cmd == "big-query":
        big_query(argv[2], int(argv[3]))
    elif cmd == "slowloris":
        slowloris(argv[2], int(argv[3]), float(argv[4]))
    elif cmd == "silent":
        silent(argv[2], int(argv[3]), float(argv[4]))
    elif cmd == "concurrent":
        concurrent(argv[2], argv[3], int(argv[4]), argv[5:])
    elif cmd == "mem":
        mem(argv[2])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
