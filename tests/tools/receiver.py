#!/usr/bin/env python3
"""receiver.py - small HTTP receiver for plugin tests (loopback only).

Webhook side (POST any path): records every request, verifies the GitHub-style
X-Hub-Signature-256 when --secret-env is given (401 when wrong), de-duplicates
by Idempotency-Key (a repeated key is answered 200 but not delivered again).
Accepted keys persist in --state so a restarted receiver still de-duplicates.
--fail-first N answers 503 (Retry-After: 0) to the first N POSTs; --delay-ms
holds the first POST that long *after* accepting it (a client killed meanwhile
must redeliver, and the redelivery must be recognised as a duplicate);
--delay-all-ms does that for every POST; --hang-ms holds every POST that long
*before* deciding (a hanging receiver: nothing is accepted meanwhile).

CMDB side (GET /assets/NAME): answers the record for NAME from --cmdb FILE
(a JSON object NAME -> record) when "Authorization: Bearer <token>" matches
the token in --token-env; 401 otherwise, 404 for unknown names.

GET /stats returns {"requests", "posts", "deliveries", "duplicates", "keys",
"accepted", "unstored"}: accepted counts the POSTs answered 200 per Idempotency-Key
(duplicates included), the deliveries a sender made of each notification.
--outbox-dir DIR: a POST whose DIR/<Idempotency-Key>.json does not exist when it
arrives is listed in "unstored" (a sender that called before storing).
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

LOCK = threading.Lock()
STATE = {"requests": 0, "posts": 0, "deliveries": 0, "duplicates": 0, "keys": [],
         "accepted": {}, "unstored": []}


def load_state(path):
    if path and os.path.exists(path):
        with open(path) as f:
            STATE["keys"] = json.load(f)


def save_state(path):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(STATE["keys"], f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, code, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def record(self, entry):
        if self.server.opts.log:
            with open(self.server.opts.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def do_GET(self):
        opts = self.server.opts
        with LOCK:
            STATE["requests"] += 1
        if self.path == "/stats":
            with LOCK:
                return self.reply(200, STATE)
        if self.path.startswith("/assets/"):
            name = unquote(self.path[len("/assets/"):])
            token = os.environ.get(opts.token_env or "", "")
            auth = self.headers.get("Authorization", "")
            self.record({"method": "GET", "path": self.path, "auth": auth == "Bearer " + token})
            if not token or auth != "Bearer " + token:
                return self.reply(401, {"error": "unauthorized"})
            db = json.load(open(opts.cmdb)) if opts.cmdb else {}
            if name not in db:
                return self.reply(404, {"error": "not found"})
            return self.reply(200, db[name])
        self.reply(404, {"error": "no such path"})

    def do_POST(self):
        opts = self.server.opts
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        key = self.headers.get("Idempotency-Key")
        unstored = bool(opts.outbox_dir and key and
                        not os.path.exists(os.path.join(opts.outbox_dir, key + ".json")))
        with LOCK:
            if unstored:
                STATE["unstored"].append(key)
            STATE["requests"] += 1
            STATE["posts"] += 1
            n = STATE["posts"]
        sig_ok = None
        if opts.secret_env:
            secret = os.environ[opts.secret_env].encode()
            want = "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()
            sig_ok = hmac.compare_digest(want, self.headers.get("X-Hub-Signature-256", ""))
        entry = {"method": "POST", "path": self.path, "key": key, "sigOk": sig_ok, "n": n}
        if opts.hang_ms:
            time.sleep(opts.hang_ms / 1000.0)
        if n <= opts.fail_first:
            entry["answer"] = 503
            self.record(entry)
            return self.reply(503, {"error": "try later"}, {"Retry-After": "0"})
        if sig_ok is False:
            entry["answer"] = 401
            self.record(entry)
            return self.reply(401, {"error": "bad signature"})
        with LOCK:
            dup = key is not None and key in STATE["keys"]
            if dup:
                STATE["duplicates"] += 1
            else:
                STATE["deliveries"] += 1
                if key is not None:
                    STATE["keys"].append(key)
                save_state(opts.state)
            if key is not None:
                STATE["accepted"][key] = STATE["accepted"].get(key, 0) + 1
        entry.update({"answer": 200, "duplicate": dup})
        try:
            entry["body"] = json.loads(raw)
        except ValueError:
            entry["body"] = None
        self.record(entry)
        if n == 1 + opts.fail_first and opts.delay_ms:
            time.sleep(opts.delay_ms / 1000.0)  # accepted, but the answer is late
        elif opts.delay_all_ms:
            time.sleep(opts.delay_all_ms / 1000.0)
        self.reply(200, {"ok": True, "duplicate": dup})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # port scanners connect and reset: not an error worth a traceback


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--state")
    ap.add_argument("--secret-env")
    ap.add_argument("--token-env")
    ap.add_argument("--cmdb")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--delay-all-ms", type=int, default=0)
    ap.add_argument("--hang-ms", type=int, default=0)
    ap.add_argument("--outbox-dir")
    ap.add_argument("--max-seconds", type=int, default=300, help="exit after this long")
    opts = ap.parse_args()
    load_state(opts.state)
    srv = Server(("127.0.0.1", opts.port), Handler)
    srv.opts = opts
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(srv.server_address[1]))
        os.replace(tmp, opts.port_file)
    # A forgotten receiver must not outlive the test run.
    threading.Timer(opts.max_seconds, lambda: os._exit(0)).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
