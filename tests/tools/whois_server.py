#!/usr/bin/env python3
"""whois_server.py - port-43 responders for the whois enricher's tests.

    whois_server.py CONFIG.json PORTS_FILE [--max-seconds N]

CONFIG: {"servers": {"NAME": {"answers": {"query": "file"}, "default": "file",
                               "mode": "answer|hang|noclose|flood", "delayMs": N,
                               "bind": "ADDR"}, ...},
         "fixtures": "DIR", "log": "FILE", "stats": "FILE"}
One listener per server on 127.0.0.1 (or its "bind" address); PORTS_FILE gets
"NAME PORT" lines (written atomically once all listen). A query is the first
line the client sends; its answer is the fixture file with {server:NAME} ->
ADDR:PORT of that
server, {DOMAIN} -> the name asked (upper case) and {expires} -> the date
given by the server's "expiresInDays" (RFC 3339). Modes:
  hang     read the query, never answer, never close
  noclose  send the answer, never close
  flood    send the answer, then 10 MiB of junk lines, then close
delayMs waits that long before answering (a slow registry). Each connection
is served by a thread of its own, so clients may overlap; STATS (if given) is
rewritten after every connection as {"NAME": {"maxConcurrent": N}}, the most
connections of that server open at once (counted from accept until the
answer is sent, before the close, so a client that saw the close and starts
the next query is never counted twice).
Every query is appended to the log as "NAME<TAB>QUERY" (for counting lookups
and checking the "domain NAME" form).
"""
import datetime
import json
import os
import socket
import sys
import threading
import time


def load(cfg, name, query):
    srv = cfg["servers"][name]
    key = query.lower()
    if key.startswith("domain "):
        key = key[7:]
    fname = srv.get("answers", {}).get(key, srv.get("default"))
    if not fname:
        return b""
    with open(os.path.join(cfg["fixtures"], fname), "rb") as f:
        text = f.read()
    for other, port in cfg["_ports"].items():
        addr = cfg["servers"][other].get("bind", "127.0.0.1")
        text = text.replace(("{server:%s}" % other).encode(), ("%s:%d" % (addr, port)).encode())
    days = srv.get("expiresInDays", {}).get(key, 1800)
    exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days, hours=12)
    text = text.replace(b"{expires}", exp.strftime("%Y-%m-%dT%H:%M:%SZ").encode())
    return text.replace(b"{DOMAIN}", key.upper().encode())


def write_stats(cfg, stats):
    if not cfg.get("stats"):
        return
    with open(cfg["stats"] + ".tmp", "w") as f:
        json.dump({n: {"maxConcurrent": v["max"]} for n, v in stats.items()}, f)
    os.replace(cfg["stats"] + ".tmp", cfg["stats"])


def answer(cfg, name, conn, lock, held):
    """Read the query and answer it; False when the connection stays open (hang, noclose)."""
    srv = cfg["servers"][name]
    mode = srv.get("mode", "answer")
    data = b""
    while b"\n" not in data and len(data) < 4096:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    query = data.split(b"\n")[0].rstrip(b"\r").decode("utf-8", "replace")
    with lock:
        with open(cfg["log"], "a") as f:
            f.write("%s\t%s\n" % (name, query))
    if mode == "hang":
        held.append(conn)
        return False
    time.sleep(srv.get("delayMs", 0) / 1000.0)
    conn.sendall(load(cfg, name, query))
    if mode == "noclose":
        held.append(conn)
        return False
    if mode == "flood":
        line = b"x" * 1023 + b"\n"
        try:
            for _ in range(10 * 1024):
                conn.sendall(line)
        except OSError:
            pass  # the client stopped reading at its cap
    return True


def handle(cfg, name, conn, lock, stats, held):
    st = stats[name]
    with lock:
        st["now"] += 1
        st["max"] = max(st["max"], st["now"])
        write_stats(cfg, stats)  # at every connection: a test may remove it between runs
    try:
        if not answer(cfg, name, conn, lock, held):
            return
    except OSError:
        pass
    with lock:
        st["now"] -= 1
    conn.close()


def serve(cfg, name, sock, lock, stats):
    held = []
    while True:
        conn, _ = sock.accept()
        conn.settimeout(5)
        threading.Thread(target=handle, args=(cfg, name, conn, lock, stats, held),
                         daemon=True).start()


def main():
    cfg = json.load(open(sys.argv[1]))
    ports_file = sys.argv[2]
    max_s = 120
    if "--max-seconds" in sys.argv:
        max_s = int(sys.argv[sys.argv.index("--max-seconds") + 1])
    socks, cfg["_ports"] = {}, {}
    for name in cfg["servers"]:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((cfg["servers"][name].get("bind", "127.0.0.1"), 0))
        s.listen(64)
        socks[name] = s
        cfg["_ports"][name] = s.getsockname()[1]
    lock = threading.Lock()
    stats = {name: {"now": 0, "max": 0} for name in socks}
    for name, s in socks.items():
        threading.Thread(target=serve, args=(cfg, name, s, lock, stats), daemon=True).start()
    with open(ports_file + ".tmp", "w") as f:
        for name, port in cfg["_ports"].items():
            f.write("%s %d\n" % (name, port))
    os.replace(ports_file + ".tmp", ports_file)
    time.sleep(max_s)  # bounded: a test that forgets us does not leave us behind


if __name__ == "__main__":
    main()
