#!/usr/bin/env python3
"""apirecv.py - HTTP receiver emulating the public APIs portgate notifiers talk to.

One tool, several personalities (--kind):
  slack       incoming webhook: POST, {"text", "blocks"} Block Kit limits -> 200 "ok"
  teams       Workflows webhook: POST, message + one adaptive card attachment -> 202
  hec         Splunk HEC: POST /services/collector/event, "Authorization: Splunk <token>",
              body = concatenated event objects -> {"text":"Success","code":0}
  github      Issues REST API (search by label, create, comment, close)
  jira-cloud  REST v3: /rest/api/3/search/jql, issue (ADF), comment (ADF), transitions
  jira-server REST v2: /rest/api/2/search, issue (text), comment, transitions
  servicenow  Table API: /api/now/table/incident (correlation_id query, create, update)
  hook        anything: records and answers --answer (200)
Checks paths, methods, auth headers (--user-env / --token-env; --secret-env
verifies X-Hub-Signature-256) and body shapes; a request that breaks the API
shape gets 400 and is recorded with "problem". Every request is appended to
--log as one JSON line {method, path, rawPath, query, headers, body, raw, answer, problem}.
Faults: --key-suffix S (Jira keys end in S), --fail N (first N requests 503), --too-many N (first N 429 with
Retry-After: --retry-after), --hang-ms (hold each request that long).
HTTPS: --tls-cert PEM --tls-key KEY.
Ticket state lives in memory and in --state (survives restarts).
GET /_stats -> {"requests", "tickets", "comments"}.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

LOCK = threading.Lock()
ST = {"requests": 0, "tickets": [], "comments": 0}

# The signature scheme's public reference vector: refuse to run if hmac breaks.
assert hmac.new(b"It's a Secret to Everybody", b"Hello, World!", hashlib.sha256).hexdigest() == \
    "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

SLACK_BLOCKS = {"header", "section", "divider", "context", "actions", "image", "rich_text"}


class Bad(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Bad(why)


def env(name):
    return os.environ.get(name or "", "")


def check_adf(doc):
    need(isinstance(doc, dict) and doc.get("type") == "doc" and doc.get("version") == 1,
         "ADF: not a doc version 1")
    need(isinstance(doc.get("content"), list) and doc["content"], "ADF: empty content")

    def walk(n):
        need(isinstance(n, dict) and isinstance(n.get("type"), str), "ADF: node without type")
        if n["type"] == "text":
            need(isinstance(n.get("text"), str) and n["text"], "ADF: empty text node")
        for c in n.get("content", []):
            walk(c)
    for c in doc["content"]:
        walk(c)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    # ---- plumbing
    def answer(self, code, obj=None, text=None, headers=None):
        if code in (401, 403) and self.server.opts.echo_auth:  # a careless receiver
            text = "invalid credentials: %s (%s)" % (self.headers.get("Authorization", "-"),
                                                     json.dumps(obj))
        body = text.encode() if text is not None else (b"" if obj is None else json.dumps(obj).encode())
        self.send_response(code)
        self.send_header("Content-Type", "text/plain" if text is not None else "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.entry["answer"] = code

    def record(self):
        o = self.server.opts
        if o.log:
            with LOCK, open(o.log, "a") as f:
                f.write(json.dumps(self.entry) + "\n")

    def handle_any(self):
        o = self.server.opts
        length = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(length) if length else b""
        u = urlsplit(self.path)
        self.entry = {"method": self.command, "path": unquote(u.path), "rawPath": u.path,
                      "query": parse_qs(u.query),
                      "headers": {k.lower(): v for k, v in self.headers.items()},
                      "raw": raw.decode("utf-8", "replace")}
        try:
            self.entry["body"] = json.loads(raw) if raw and o.kind != "hec" else None
        except ValueError:
            self.entry["body"] = None
        if u.path == "/_stats":
            with LOCK:
                return self.answer(200, {"requests": ST["requests"], "tickets": len(ST["tickets"]),
                                         "comments": ST["comments"]})
        with LOCK:
            ST["requests"] += 1
            n = ST["requests"]
        self.entry["n"] = n
        try:
            if o.hang_ms:
                time.sleep(o.hang_ms / 1000.0)
            if n <= o.fail:
                return self.answer(503, {"error": "unavailable"}, headers={"Retry-After": "0"})
            if n <= o.fail + o.too_many:
                return self.answer(429, {"error": "slow down"},
                                   headers={"Retry-After": str(o.retry_after)})
            if o.secret_env:
                want = "sha256=" + hmac.new(env(o.secret_env).encode(), raw, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(want, self.headers.get("X-Hub-Signature-256", ""))
                self.entry["sigOk"] = ok
                if not ok:
                    return self.answer(401, {"error": "bad signature"})
            getattr(self, "kind_" + o.kind.replace("-", "_"))(u, raw)
        except Bad as e:
            self.entry["problem"] = str(e)
            self.answer(400, {"error": str(e)})
        finally:
            self.record()
            save_state(o.state)

    do_GET = do_POST = do_PUT = do_PATCH = handle_any

    def basic_ok(self):
        o = self.server.opts
        want = "Basic " + base64.b64encode(("%s:%s" % (env(o.user_env), env(o.token_env))).encode()).decode()
        return self.headers.get("Authorization", "") == want

    def json_body(self):
        need(self.headers.get("Content-Type", "").startswith("application/json"),
             "Content-Type is not application/json")
        need(isinstance(self.entry["body"], dict), "body is not a JSON object")
        return self.entry["body"]

    # ---- personalities
    def kind_hook(self, u, raw):
        self.answer(self.server.opts.answer, {"ok": self.server.opts.answer < 300})

    def kind_slack(self, u, raw):
        need(self.command == "POST", "Slack webhooks take POST")
        b = self.json_body()
        need(isinstance(b.get("text"), str) and b["text"], "text (fallback) missing")
        blocks = b.get("blocks")
        need(isinstance(blocks, list) and 0 < len(blocks) <= 50, "blocks: 1..50 required")
        for bl in blocks:
            need(bl.get("type") in SLACK_BLOCKS, "unknown block type %r" % bl.get("type"))
            if bl["type"] == "header":
                need(bl["text"]["type"] == "plain_text" and len(bl["text"]["text"]) <= 150,
                     "header: plain_text <= 150")
            if bl["type"] == "section":
                need(len(bl["text"]["text"]) <= 3000, "section text > 3000")
                need(len(bl.get("fields", [])) <= 10, "section: more than 10 fields")
                for f in bl.get("fields", []):
                    need(f["type"] == "mrkdwn" and len(f["text"]) <= 2000, "field text")
        self.answer(200, text="ok")

    def kind_teams(self, u, raw):
        need(self.command == "POST", "Workflows take POST")
        b = self.json_body()
        need(b.get("type") == "message", "type must be message")
        att = b.get("attachments")
        need(isinstance(att, list) and len(att) == 1, "one attachment")
        need(att[0].get("contentType") == "application/vnd.microsoft.card.adaptive",
             "attachment is not an adaptive card")
        card = att[0].get("content", {})
        need(card.get("type") == "AdaptiveCard" and card.get("version"), "card type/version")
        need(isinstance(card.get("body"), list) and card["body"], "card body")
        self.answer(202, None)

    def kind_hec(self, u, raw):
        o = self.server.opts
        need(self.command == "POST" and u.path == "/services/collector/event",
             "HEC: POST /services/collector/event")
        if self.headers.get("Authorization", "") != "Splunk " + env(o.token_env):
            return self.answer(403, {"text": "Invalid token", "code": 4})
        dec, text, i, events = json.JSONDecoder(), raw.decode("utf-8"), 0, []
        while i < len(text):
            while i < len(text) and text[i] in " \r\n\t":
                i += 1
            if i == len(text):
                break
            ev, i = dec.raw_decode(text, i)
            need(isinstance(ev, dict) and "event" in ev, "HEC: object without event")
            need(isinstance(ev.get("time"), (int, float)), "HEC: time must be epoch seconds")
            events.append(ev)
        need(events, "HEC: no events")
        self.entry["events"] = events
        self.answer(200, {"text": "Success", "code": 0})

    # tickets: one store for all systems
    def new_ticket(self, **kw):
        with LOCK:
            t = dict(kw, id=len(ST["tickets"]) + 1, open=True, comments=[])
            ST["tickets"].append(t)
        return t

    def ticket(self, key, val):
        for t in ST["tickets"]:
            if str(t.get(key)) == str(val):
                return t
        raise Bad("no ticket %s=%s" % (key, val))

    def comment(self, t, body):
        with LOCK:
            t["comments"].append(body)
            ST["comments"] += 1

    def kind_github(self, u, raw):
        o = self.server.opts
        h = self.headers
        need(h.get("Accept") == "application/vnd.github+json", "Accept header")
        need(h.get("X-GitHub-Api-Version") == "2022-11-28", "X-GitHub-Api-Version")
        need(h.get("User-Agent"), "User-Agent required")
        if h.get("Authorization", "") != "Bearer " + env(o.token_env):
            return self.answer(401, {"message": "Bad credentials"})
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues(?:/(\d+)(/comments)?)?", u.path)
        need(m and "%s/%s" % (m.group(1), m.group(2)) == o.repo, "path %s" % u.path)
        num, comments = m.group(3), m.group(4)
        if self.command == "GET" and not num:
            q = parse_qs(u.query)
            need(q.get("state") == ["open"] and q.get("labels"), "search: state=open&labels=")
            want = set(q["labels"][0].split(","))
            hits = [t for t in ST["tickets"] if t["open"] and want <= set(t["labels"])]
            return self.answer(200, [{"number": t["id"], "state": "open", "labels":
                                      [{"name": x} for x in t["labels"]], "title": t["title"]}
                                     for t in hits])
        b = self.json_body()
        if self.command == "POST" and not num:
            need(isinstance(b.get("title"), str) and b["title"] and isinstance(b.get("body"), str),
                 "issue: title and body")
            need(isinstance(b.get("labels"), list), "issue: labels")
            t = self.new_ticket(title=b["title"], body=b["body"], labels=b["labels"],
                                assignees=b.get("assignees", []))
            return self.answer(201, {"number": t["id"], "html_url": "http://x/%d" % t["id"]})
        t = self.ticket("id", num)
        if self.command == "POST" and comments:
            need(isinstance(b.get("body"), str) and b["body"], "comment body")
            self.comment(t, b["body"])
            return self.answer(201, {"id": ST["comments"]})
        need(self.command == "PATCH" and b.get("state") == "closed", "PATCH state=closed")
        t["open"] = False
        t["closeReason"] = b.get("state_reason")
        self.answer(200, {"number": t["id"], "state": "closed"})

    def jira(self, u, v):
        o = self.server.opts
        if not self.basic_ok():
            return self.answer(401, {"errorMessages": ["unauthorized"]})
        base = "/rest/api/%d" % v
        need(u.path.startswith(base + "/"), "path %s is not REST v%d" % (u.path, v))
        rest = u.path[len(base):]
        search = "/search/jql" if v == 3 else "/search"
        if rest == search:
            need(self.command == "POST", "search: POST")
            jql = self.json_body().get("jql", "")
            m = re.search(r'labels\s*=\s*"([^"]+)"', jql)
            need(m and "statusCategory != Done" in jql and 'project = "%s"' % o.project in jql,
                 "jql %r" % jql)
            hits = [t for t in ST["tickets"] if t["open"] and m.group(1) in t["labels"]]
            return self.answer(200, {"issues": [{"key": t["key"], "id": str(t["id"])} for t in hits]})
        if rest == "/issue" and self.command == "POST":
            f = self.json_body().get("fields", {})
            need(f.get("project") == {"key": o.project}, "project")
            need(isinstance(f.get("summary"), str) and f["summary"] and "\n" not in f["summary"],
                 "summary")
            need(isinstance(f.get("issuetype", {}).get("name"), str), "issuetype.name")
            need(all(" " not in x for x in f.get("labels", [])), "labels may not hold spaces")
            if v == 3:
                check_adf(f.get("description"))
            else:
                need(isinstance(f.get("description"), str), "v2 description is text")
            t = self.new_ticket(summary=f["summary"], labels=f.get("labels", []), fields=f)
            t["key"] = "%s-%d%s" % (o.project, t["id"], o.key_suffix)
            return self.answer(201, {"id": str(t["id"]), "key": t["key"], "self": "x"})
        m = re.fullmatch(r"/issue/([A-Z]+-\d+)/(comment|transitions)", rest)
        need(m, "path %s" % u.path)
        t = self.ticket("key", m.group(1))
        if m.group(2) == "comment":
            body = self.json_body().get("body")
            check_adf(body) if v == 3 else need(isinstance(body, str) and body, "comment text")
            self.comment(t, body)
            return self.answer(201, {"id": str(ST["comments"])})
        if self.command == "GET":
            return self.answer(200, {"transitions": [
                {"id": "11", "name": "In Progress", "to": {"statusCategory": {"key": "indeterminate"}}},
                {"id": "31", "name": "Done", "to": {"statusCategory": {"key": "done"}}}]})
        need(self.json_body().get("transition", {}).get("id") == "31", "transition to Done")
        t["open"] = False
        self.answer(204, None)

    def kind_jira_cloud(self, u, raw):
        self.jira(u, 3)

    def kind_jira_server(self, u, raw):
        self.jira(u, 2)

    def kind_servicenow(self, u, raw):
        if not self.basic_ok():
            return self.answer(401, {"error": {"message": "User Not Authenticated"}})
        need(self.headers.get("Accept") == "application/json", "Accept: application/json")
        m = re.fullmatch(r"/api/now/table/incident(?:/([0-9a-f]{32}))?", u.path)
        need(m, "path %s" % u.path)
        if self.command == "GET":
            q = parse_qs(u.query).get("sysparm_query", [""])[0]
            mm = re.fullmatch(r"correlation_id=([^^]+)\^active=true", q)
            need(mm, "sysparm_query %r" % q)
            hits = [t for t in ST["tickets"] if t["open"] and t["correlation_id"] == mm.group(1)]
            return self.answer(200, {"result": [{"sys_id": t["sys_id"], "number": t["number"]}
                                                for t in hits]})
        b = self.json_body()
        if self.command == "POST":
            for k in ("short_description", "description", "correlation_id"):
                need(isinstance(b.get(k), str) and b[k], "incident: " + k)
            need(str(b.get("urgency")) in "123" and str(b.get("impact")) in "123", "urgency/impact 1..3")
            t = self.new_ticket(labels=[], **b)
            t["sys_id"] = hashlib.md5(str(t["id"]).encode()).hexdigest()
            t["number"] = "INC%07d" % t["id"]
            return self.answer(201, {"result": {"sys_id": t["sys_id"], "number": t["number"]}})
        need(self.command == "PATCH" and m.group(1), "update: PATCH /incident/<sys_id>")
        t = self.ticket("sys_id", m.group(1))
        if b.get("work_notes"):
            self.comment(t, b["work_notes"])
        if str(b.get("state")) == "6":
            need(b.get("close_code") and b.get("close_notes"), "resolve needs close_code+notes")
            t["open"] = False
        self.answer(200, {"result": {"sys_id": t["sys_id"]}})


def save_state(path):
    if not path:
        return
    with LOCK:
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(ST, f)
        os.replace(tmp, path)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", required=True, choices=[
        "hook", "slack", "teams", "hec", "github", "jira-cloud", "jira-server", "servicenow"])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--state")
    ap.add_argument("--secret-env")
    ap.add_argument("--user-env")
    ap.add_argument("--token-env")
    ap.add_argument("--repo", default="org/infra")
    ap.add_argument("--project", default="SEC")
    ap.add_argument("--key-suffix", default="", help="jira: appended to issue keys (a hostile server)")
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--too-many", type=int, default=0)
    ap.add_argument("--retry-after", type=int, default=1)
    ap.add_argument("--hang-ms", type=int, default=0)
    ap.add_argument("--echo-auth", action="store_true",
                    help="401/403 bodies quote the Authorization header received")
    ap.add_argument("--answer", type=int, default=200, help="hook: the status to answer")
    ap.add_argument("--max-seconds", type=int, default=300)
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (and --tls-key)")
    ap.add_argument("--tls-key")
    o = ap.parse_args()
    if o.state and os.path.exists(o.state):
        ST.update(json.load(open(o.state)))
        ST["requests"] = 0
    srv = Server(("127.0.0.1", o.port), Handler)
    srv.opts = o
    if o.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(o.tls_cert, o.tls_key)
        srv.socket = tls.wrap_socket(srv.socket, server_side=True)
    with open(o.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(o.port_file + ".tmp", o.port_file)
    threading.Timer(o.max_seconds, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
