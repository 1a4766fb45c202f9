#!/usr/bin/env python3
"""decision_lab.py FACTS.json - the assertions of tests/e2e/decision_lab.sh (issue 20).

FACTS names the lab's directory (ev1..3.json, rc1..3, err1..3, marksN.before/after,
slack.log, github.log, rs/cef.log) and the lab's ports and names. Prints one
"ok N - ..." / "not ok N - ...: why" line per assertion, then the numbers per run,
and exits 1 when any assertion failed.

The packet aspects are matched by the values the lab put in (the registrar of the
WHOIS answer, the ASN of the .mmdb, ...), never by the labels around them: the
message model decides how a line is spelled.
"""
import hashlib
import json
import os
import re
import sys

F = json.load(open(sys.argv[1]))
D = F["dir"]
RESULTS = []


def check(name, cond, why=""):
    RESULTS.append(bool(cond))
    n = len(RESULTS)
    if cond:
        print("ok %d - %s" % (n, name))
    else:
        print("not ok %d - %s: %s" % (n, name, why))


def read(path, default=""):
    try:
        with open(os.path.join(D, path), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return default


EV = {n: json.load(open(os.path.join(D, "ev%d.json" % n))) for n in (1, 2, 3)}
RC = {n: int(read("rc%d" % n, "-1").strip() or -1) for n in (1, 2, 3)}
ERR = {n: read("err%d" % n) for n in (1, 2, 3)}


def marks(n):
    b = [int(x) for x in read("marks%d.before" % n, "0 0 0").split()]
    a = [int(x) for x in read("marks%d.after" % n, "0 0 0").split()]
    return b, a


def log_lines(path):
    return read(path).splitlines()


def run_slice(path, n, col):
    b, a = marks(n)
    return [json.loads(x) for x in log_lines(path)[b[col]:a[col]] if x.strip()]


def findings(n, asset=None):
    return [f for a in EV[n]["assets"] if asset in (None, a["name"]) for f in a["findings"]]


def asset(n, name):
    return [a for a in EV[n]["assets"] if a["name"] == name][0]


# the counter-experiment's closed approved port is the one thing wrong it adds
ALSO_OK = {"pass"} | ({"port-approved-closed"} if F.get("closedPortAdded") else set())


def fp(rule, target, ip, port):
    """docs/evidence.md: sha256("v1\\0" rule "\\0" target "\\0" ip "\\0" "tcp/" port), 16 hex."""
    s = "v1\0%s\0%s\0%s\0tcp/%d" % (rule, target, ip, port)
    return hashlib.sha256(s.encode()).hexdigest()[:16]


# ---- the lab itself (these hold on today's code too: a broken lab is no measurement)
check("lab: run 1 exits 1 (fail findings exist)", RC[1] == 1, "exit %d: %s" % (RC[1], ERR[1][-400:]))
cache_f = [f for f in findings(1, "cache") if f["rule"] == "port-unapproved-open"]
check("cache: the Redis-like proxy fails port-unapproved-open on its port",
      any(f["action"] == "fail" and f.get("port") == F["cache"]["port"] for f in cache_f),
      [(f["rule"], f["action"], f.get("port")) for f in findings(1, "cache")])
if cache_f:
    c = cache_f[0]
    check("lab: the fingerprint formula of docs/evidence.md holds",
          c["fingerprint"] == fp(c["rule"], c["target"], c["ip"], c["port"]), c["fingerprint"])
pay_enr = {}
for f in findings(1, "payments-api"):
    for k, v in (f.get("enrichment") or {}).items():
        pay_enr.setdefault(k, v)
check("lab: payments' name reaches its address through two CNAMEs",
      pay_enr.get("dns", {}).get("CNAME") == ["pay-lb.cdn-lab.example", "pay-origin.cdn-lab.example"]
      and pay_enr["dns"].get("A") == [F["pay"]["ip"]], pay_enr.get("dns"))
exp = [f for f in findings(1, "payments-api") if f["rule"] == "domain-expiring-soon"]
check("payments: domain-expiring-soon, 11 days left",
      exp and re.search(r"\b11 days\b", exp[0].get("reason", "")), [f["rule"] for f in findings(1, "payments-api")])

# ---- 1. rules judged by enrichers fire on every asset they can judge
login = findings(1, "login")
want = ["headers-content-security-policy", "headers-strict-transport-security", "headers-x-frame-options"]
check("login: verdict fail", asset(1, "login")["verdict"] == "fail", asset(1, "login")["verdict"])
for r in want:
    got = [f for f in login if f["rule"] == r]
    check("login: %s fails" % r, any(f["action"] == "fail" for f in got),
          "no such finding; login has %s" % sorted({f["rule"] for f in login}))
hdr = [f for f in login if f["rule"].startswith("headers-")]
per_rule = {}
for f in hdr:
    per_rule.setdefault(f["rule"], []).append(f)
ports = F["login"]["ports"]


def names_ports(f):
    text = json.dumps({k: v for k, v in f.items() if k not in ("enrichment", "evidence")})
    return all(re.search(r"\b%d\b" % p, text) for p in ports)


check("login: header findings grouped per asset and test (one per test, naming both ports)",
      per_rule and all(len(v) == 1 and names_ports(v[0]) for v in per_rule.values()),
      {r: [f.get("port") for f in v] for r, v in per_rule.items()} or "no header finding")
other = sorted({f["rule"] for f in login if not f["rule"].startswith("headers-")
                and f["action"] not in ALSO_OK and f["rule"] not in ALSO_OK})
check("lab: login has nothing else wrong", not other, other)

edge = findings(1, "edge")
net = [f for f in edge if f["rule"] == "network-unexpected"]
check("edge: verdict fail", asset(1, "edge")["verdict"] == "fail", asset(1, "edge")["verdict"])
check("edge: network-unexpected fails, naming AS64501",
      any(f["action"] == "fail" and "64501" in json.dumps(f) for f in net),
      "edge has %s" % sorted({f["rule"] for f in edge}))
eports, eip, etgt = F["edge"]["ports"], F["edge"]["ip"], F["edge"]["target"]
portful = {fp("network-unexpected", etgt, a, p) for p in eports for a in (eip, etgt)}
edge_port_re = r"\b(%s)\b" % "|".join(str(p) for p in eports)
check("edge: network-unexpected is about the asset: no port, none in its reason or fingerprint",
      net and all(not f.get("port") and not re.search(edge_port_re, f.get("reason", ""))
                  and f["fingerprint"] not in portful for f in net),
      [(f.get("port"), f.get("reason"), f["fingerprint"]) for f in net] or "no finding")
other = sorted({f["rule"] for f in edge if f["rule"] != "network-unexpected"
                and f["action"] not in ALSO_OK and f["rule"] not in ALSO_OK})
check("lab: edge has nothing else wrong", not other, other)

# ---- 2. the investigation packet, decoded from each format
pay = F["pay"]
pf = [f for f in findings(1, "payments-api") if f["rule"] == "port-unapproved-open"]
ev = (pf[0].get("evidence") or {}) if pf else {}
server = ((ev.get("http") or {}).get("server") or "nginx").split("/")[0]
days = [p.get("daysRemaining") for p in (pay_enr.get("ssl") or {}).get("ports", [])] or [
    (ev.get("certificate") or {}).get("daysRemaining", 46)]
grade = ([s.get("grade") for s in (pay_enr.get("headers") or {}).get("sites", [])] or ["B"])[0]
A = [
    ("asset", [r"payments-api", re.escape(pay["target"])]),
    ("exposure port/service/banner", [r"\b%d\b" % pay["port"], r"\bhttps?\b(?!://)", re.escape(server)]),
    ("owner + escalation", [r"payments(?![-\w])", r"pay-oncall@northwind\.example"]),
    ("DNS chain name->CNAME->CNAME->address",
     [r"pay-lb\.cdn-lab\.example", r"pay-origin\.cdn-lab\.example", r"127\.0\.0\.51\b"]),
    ("registration registrar/registrant org/expiry/days left",
     [r"Lakeside Names Registrar", r"Northwind Traders Payments", re.escape(F["expires"]), r"\b11\b"]),
    ("network ASN/org/prefix/country", [r"\b(AS)?64510\b", r"PAYNET-EU", r"127\.0\.0\.48/28", r"\bDE\b"]),
    ("TLS posture (trust, days left)", [r"trust|verif|valid", r"\b(%s)\b" % "|".join(str(d) for d in days)]),
    ("header posture (grade, failing tests)", [r"\b%s\b" % re.escape(grade or "B"),
                                               r"content-security-policy|\bCSP\b"]),
    ("failed policy", [r"port-unapproved-open"]),
    ("evidence link", [r"https://ci\.northwind\.example/jobs/4242/evidence\.json"]),
]


def missing(text, pats):
    return [p for p in pats if not re.search(p, text, re.I if p.startswith("trust") else 0)]


def packet(fmt, texts):
    """texts: the candidate messages of the payments team; the best one is judged."""
    if not texts:
        for name, _ in A:
            check("packet/%s: %s" % (fmt, name), False, "no %s message for payments" % fmt)
        return
    best = max(texts, key=lambda t: sum(not missing(t, p) for _, p in A))
    for name, pats in A:
        m = missing(best, pats)
        check("packet/%s: %s" % (fmt, name), not m, "not found: %s" % m)


def strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for v in o.values():
            yield from strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from strings(v)


slack1 = run_slice("slack.log", 1, 0)
check("slack: run 1 posted to the payments team's Slack, within Block Kit limits",
      slack1 and all(e["answer"] == 200 and not e.get("problem") for e in slack1),
      [(e["answer"], e.get("problem")) for e in slack1] or "no post")
packet("slack", ["\n".join(strings((e.get("body") or {}).get("blocks"))) for e in slack1
                 if "payments-api" in e["raw"]])

gh = [json.loads(x) for x in log_lines("github.log") if x.strip()]
created = [e for e in gh if e["method"] == "POST" and re.fullmatch(r"/repos/[^/]+/[^/]+/issues", e["path"])]
packet("ticket", [e["body"]["title"] + "\n" + e["body"]["body"] for e in created
                  if "payments-api" in e["body"]["title"] + e["body"]["body"]])
edge_t = [e["body"]["title"] + "\n" + e["body"]["body"] for e in created
          if "edge" in e["body"]["title"] and "network-unexpected" in e["body"]["body"]]
check("edge: its network-unexpected ticket names the asset, not a port",
      edge_t and all(not re.search(edge_port_re, t) for t in edge_t),
      edge_t or "no ticket for edge")


def cef_ext(msg):
    """CEF event: the extension {key: value}, escapes undone, plus the header's
    signatureId and name (where CEF puts the rule)."""
    head, i, hdr = msg, 0, []
    for _ in range(7):  # 7 header fields before the extension; \| does not split
        m = re.compile(r"(?:\\.|[^|\\])*\|").match(head, i)
        if not m:
            return {}
        hdr.append(m.group(0)[:-1])
        i = m.end()
    ext, out = head[i:], {"signatureId": hdr[4], "name": hdr[5]}
    keys = list(re.finditer(r"(?:^| )([A-Za-z0-9_]+)=", ext))
    for k, nxt in zip(keys, keys[1:] + [None]):
        v = ext[k.end(): nxt.start() if nxt else len(ext)]
        out[k.group(1)] = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), v)
    return out


cef1 = run_slice("rs/cef.log", 1, 2)
exts = [cef_ext(e.get("msg", "")) for e in cef1]
check("cef: run 1 sent decodable CEF events", exts and all(exts), [e.get("msg", "")[:80] for e in cef1])
packet("cef", ["\n".join("%s=%s" % kv for kv in x.items()) for x in exts if "payments-api" in x.values()
               or pay["target"] in x.values()])

# ---- 3 + 4. repeat run, outage run
def req(n, method, pat):
    return [e for e in run_slice("github.log", n, 1) if e["method"] == method and re.fullmatch(pat, e["path"])]


def tickets(n):
    return {"opened": len(req(n, "POST", r"/repos/[^/]+/[^/]+/issues")),
            "commented": len(req(n, "POST", r"/repos/[^/]+/[^/]+/issues/\d+/comments")),
            "closed": len(req(n, "PATCH", r"/repos/[^/]+/[^/]+/issues/\d+"))}


fps = {n: sorted(f["fingerprint"] for f in findings(n) if f.get("source") != "drift") for n in (1, 2, 3)}
check("repeat run: the same findings as run 1", fps[1] == fps[2], (len(fps[1]), len(fps[2])))
t2 = tickets(2)
check("repeat run: no ticket comment (nothing changed)", t2["commented"] == 0, "%d comments" % t2["commented"])
check("repeat run: no new ticket", t2["opened"] == 0, "%d opened" % t2["opened"])
t3 = tickets(3)
closed = [e["path"] for e in req(3, "PATCH", r"/repos/[^/]+/[^/]+/issues/\d+")]
check("outage run: no ticket closed", t3["closed"] == 0, "closed %s" % closed)
check("outage run: exits as run 1 did", RC[3] == RC[1], "exit %d, run 1 %d" % (RC[3], RC[1]))
ev3 = json.dumps(EV[3])
ev3_kept = json.dumps(EV[3]["assets"])  # not run.drift, which names what is gone
check("outage run: says what was not re-checked (stderr or evidence)",
      re.search(r"not re-?checked", ERR[3] + ev3, re.I), "stderr: %r" % ERR[3][-300:])
exp_fp = exp[0]["fingerprint"] if exp else None
gone = [c for c in (EV[3]["run"].get("drift") or {}).get("changes", [])
        if c.get("change") == "finding-gone" and (c.get("rule") == "domain-expiring-soon"
                                                  or "domain-expiring-soon" in json.dumps(c))]
check("outage run: domain-expiring-soon kept (not re-checked), not reported gone by drift",
      exp_fp and exp_fp in ev3_kept and not gone,
      "fingerprint %s %s run 3's assets; drift: %s" % (exp_fp, "in" if exp_fp and exp_fp in ev3_kept else "not in",
                                                [c.get("reason") for c in gone]))

# ---- numbers
print("# run  exit findings(fail/warn)  login edge cache payments  tickets opened/commented/closed  slack cef")
for n in (1, 2, 3):
    fs = [f for f in findings(n) if f.get("source") != "drift"]
    per = [len([f for f in findings(n, a) if f.get("source") != "drift" and f["action"] != "pass"])
           for a in ("login", "edge", "cache", "payments-api")]
    t = tickets(n)
    b, a = marks(n)
    print("# %d    %d    %d (%d/%d)            %d     %d    %d     %d         %d/%d/%d                        %d     %d" % (
        n, RC[n], len(fs), sum(f["action"] == "fail" for f in fs), sum(f["action"] == "warn" for f in fs),
        *per, t["opened"], t["commented"], t["closed"], a[0] - b[0], a[2] - b[2]))
bad = RESULTS.count(False)
print("# %d of %d assertions failed" % (bad, len(RESULTS)))
sys.exit(1 if bad else 0)
