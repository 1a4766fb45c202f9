#!/bin/sh
# ticket lifecycle through real `portgate check` runs (each with the previous
# run's evidence as --baseline) against the GitHub emulator and a port-43
# WHOIS responder. Asset shop (127.0.0.1, domain shop.com) approves two ports:
# C never opens, L opens from run 3 on.
#   run 1: port-approved-closed C and L, domain-expiring-soon (11 days): 3 opened
#   run 2: unchanged: nothing opened, commented or closed
#   run 3: WHOIS down, L opens: domain-expiring-soon is not re-checked (kept in
#          the evidence, stderr says so, drift does not call it gone, its ticket
#          stays open); port-approved-closed L is gone (closed); port-newly-open
#          L opened
#   run 3b: WHOIS still down, no --baseline (nothing to carry the finding
#          from): run.judges says whois failed on shop, so no ticket closes
#   run 4: WHOIS back, domain renewed: its ticket closes; L still open: the
#          port-newly-open ticket stays open though the rule does not fire again
#   run 5: L closed: the port-newly-open ticket closes, port-approved-closed L
#          is back (a new ticket)
# Then group: asset-rule on one login page's three header findings: one ticket,
# and a recurrence with one finding fewer comments once (changed), unchanged
# not at all. Prints per run: findings and tickets opened/commented/closed.
# PG_MEASURE=1 only prints (to measure an older build with the same script).
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin ticket whois
. "$PG_SRCDIR/tests/e2e/lib/notifiers.sh"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
stop_all() { netenrich_stop; notifiers_cleanup; }
EXTRA_CLEANUP=stop_all
private_plugin_dir ticket whois
M=${PG_MEASURE:-}
check() { [ -n "$M" ] || python3 - "$@"; }

whois_up() { whois_shop_up "$1"; } # DAYS: shop.com expires in DAYS
C=$(pg_closed_port)
L=$(pg_free_port)
while [ "$L" = "$C" ]; do L=$(pg_free_port); done
export PG_T_TOKEN="tok-lifecycle"
start_api gh github --token-env PG_T_TOKEN --state "$T/gh.state" --repo org/infra
cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: shop
    target: 127.0.0.1
    domain: shop.com
    owner: web
    approvedPorts: [$C, $L]
    ports: [$C, $L]
YAML
config() { # the WHOIS server
	cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrich: {on: [warn, fail], timeoutMs: 8000}
notify: {retries: 1, backoffMs: 10}
enrichers:
  whois: {plugin: whois, rdap: false, server: "$1", verisignServers: "$1", lookupTimeoutMs: 2000,
          cacheSeconds: 0}
notifiers:
  gh: {plugin: ticket, system: github, url: "http://127.0.0.1:$(api_port gh)", repo: org/infra,
       tokenEnv: PG_T_TOKEN, closeResolved: true, route: {action: [warn, fail]}}
YAML
}
prev=
run() { # N: one check; prints the run's numbers
	_b=
	[ -z "$prev" ] || [ -n "${NOBASE:-}" ] || _b="--baseline $prev"
	_n0=$(cat "$T/gh.log" 2>/dev/null | wc -l)
	_rc=0
	# shellcheck disable=SC2086
	"$PG_BIN" check --config "$T/portgate.yaml" -m "$T/manifest.yaml" --out "$T/ev$1.json" \
		--no-probe --skip-cache $_b >"$T/out$1" 2>"$T/err$1" || _rc=$?
	echo "$_rc" >"$T/rc$1"
	[ -s "$T/ev$1.json" ] || fail "run $1: no evidence (exit $_rc): $(cat "$T/err$1")"
	[ -n "${NOBASE:-}" ] || prev="$T/ev$1.json"
	python3 - "$1" "$T/ev$1.json" "$T/gh.log" "$_n0" "$_rc" <<'PY'
import json, sys
n, ev, log, n0, rc = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], int(sys.argv[4]), sys.argv[5]
L = [json.loads(l) for l in open(log)][n0:]
ok = [e for e in L if e["answer"] < 300]
opened = sum(e["method"] == "POST" and e["path"].endswith("/issues") for e in ok)
closed = sum(e["method"] == "PATCH" for e in ok)
comments = sum(e["method"] == "POST" and e["path"].endswith("/comments") for e in ok) - closed
F = [f for a in ev["assets"] for f in a["findings"]]
print("run %s: exit %s, %d findings (%s), %d not re-checked; tickets: %d opened, %d commented, %d closed"
      % (n, rc, len(F), ", ".join(sorted(f["rule"] for f in F)), len(ev["run"].get("notRechecked", [])),
         opened, comments, closed))
PY
}
state() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["tickets"]))' "$T/gh.state"; }

whois_up 11
config "$W"
run 1
check "$T/gh.state" <<'PY' || fail "run 1: $(state)"
import json, sys
t = json.load(open(sys.argv[1]))["tickets"]
assert len(t) == 3 and all(x["open"] for x in t), t
assert sum("domain" in x["title"] or "expir" in x["title"] for x in t) == 1, [x["title"] for x in t]
PY
run 2
check "$T/gh.state" <<'PY' || fail "run 2: $(state)"
import json, sys
t = json.load(open(sys.argv[1]))["tickets"]
assert len(t) == 3 and all(x["open"] and not x["comments"] for x in t), t
PY

# run 3: the WHOIS responder is down; L opens
netenrich_stop
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
open(sys.argv[2], "w").write("up"); time.sleep(120)' "$L" "$T/lup" &
LISTENER_PID=$!
i=0
while [ ! -s "$T/lup" ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "listener on $L did not start"
	sleep 0.1
done
run 3
check "$T/gh.state" "$T/ev3.json" "$T/err3" "$L" <<'PY' || fail "run 3: $(state) $(cat "$T/err3")"
import json, sys
t, ev, err, L = json.load(open(sys.argv[1]))["tickets"], json.load(open(sys.argv[2])), open(sys.argv[3]).read(), int(sys.argv[4])
[dom] = [x for x in t if "expir" in x["title"]]
assert dom["open"] and not dom["comments"], dom          # kept, and nothing changed: no comment
[a] = ev["assets"]
[kept] = [f for f in a["findings"] if f["rule"] == "domain-expiring-soon"]
assert kept["notRechecked"]["judge"] == "whois" and kept["notRechecked"]["since"], kept
assert a["judged"]["whois"].startswith("failed: "), a["judged"]
assert [n["rule"] for n in ev["run"]["notRechecked"]] == ["domain-expiring-soon"], ev["run"]["notRechecked"]
ch = ev["run"]["drift"]["changes"]
assert not [c for c in ch if c["change"] == "finding-gone" and c["rule"] == "domain-expiring-soon"], ch
assert [c for c in ch if c["change"] == "finding-not-rechecked"], ch
assert "1 finding not re-checked: whois failed" in err, err
assert "could not judge 1 of 1 asset" in err, err
assert ev["run"]["judges"]["whois"]["failed"] == 1, ev["run"]["judges"]
pno = [x for x in t if "newly" in json.dumps(x["labels"]) or "not open in the baseline" in x["body"] or "was not in the baseline" in x["body"]]
assert len(pno) == 1 and pno[0]["open"], [x["title"] for x in t]
closed = [x for x in t if not x["open"]]
assert len(closed) == 1 and ("%d/tcp" % L) in closed[0]["title"] and "closed" in closed[0]["title"], closed
PY
[ -n "$M" ] || [ "$(cat "$T/rc3")" = 1 ] || fail "run 3 exit $(cat "$T/rc3"), want 1 (port-newly-open)"

NOBASE=1 run 3b
check "$T/gh.state" "$T/ev3b.json" <<'PY' || fail "run 3b: $(state)"
import json, sys
t, ev = json.load(open(sys.argv[1]))["tickets"], json.load(open(sys.argv[2]))
assert "domain-expiring-soon" not in [f["rule"] for a in ev["assets"] for f in a["findings"]], ev
assert ev["run"]["judges"]["whois"]["failures"]["shop"].startswith("failed: "), ev["run"]["judges"]
assert sum(not x["open"] for x in t) == 1, t                   # still only run 3's close
PY

# run 4: WHOIS back, the domain renewed; L still open
whois_up 400
config "$W"
run 4
check "$T/gh.state" "$T/ev4.json" <<'PY' || fail "run 4: $(state)"
import json, sys
t, ev = json.load(open(sys.argv[1]))["tickets"], json.load(open(sys.argv[2]))
[dom] = [x for x in t if "expir" in x["title"]]
assert not dom["open"] and "no longer finds this: closing." in dom["comments"][-1], dom
pno = [x for x in t if "was not in the baseline" in x["body"]]
assert len(pno) == 1 and pno[0]["open"], pno                   # the port is still open
assert [p["rule"] for p in ev["run"]["drift"]["persisting"]] == ["port-newly-open"], ev["run"]["drift"]
assert not ev["run"]["notRechecked"] and ev["assets"][0]["judged"]["whois"] == "ok", ev["run"]
PY

# run 5: L closes: the port-newly-open ticket closes
kill "$LISTENER_PID"; wait "$LISTENER_PID" 2>/dev/null || true; LISTENER_PID=
run 5
check "$T/gh.state" <<'PY' || fail "run 5: $(state)"
import json, sys
t = json.load(open(sys.argv[1]))["tickets"]
pno = [x for x in t if "was not in the baseline" in x["body"]]
assert len(pno) == 1 and not pno[0]["open"], pno
PY
grep -q "tok-lifecycle" "$T"/err* && fail "token in the log"

# group: asset-rule: one login page, three header findings
python3 - "$T" <<'PY'
import json, sys
def f(test, fp):
    return {"rule": "headers-" + test, "action": "warn", "severity": "medium", "asset": "login",
            "target": "login.example", "ip": "127.0.0.1", "port": 443, "protocol": "tcp",
            "source": "headers", "fingerprint": fp, "reason": "%s failed" % test}
r = {"run": {"id": "g1", "manifest": "login.yaml"}, "assets": [{"name": "login", "target": "login.example",
     "manifest": {"owner": "web"}, "findings": [f("csp", "c1"), f("hsts", "c2"), f("x-frame-options", "c3")]}]}
json.dump(r, open(sys.argv[1] + "/g1.json", "w"))
r["run"]["id"] = "g2"; json.dump(r, open(sys.argv[1] + "/g2.json", "w"))
r["run"]["id"] = "g3"; r["assets"][0]["findings"].pop(); json.dump(r, open(sys.argv[1] + "/g3.json", "w"))
PY
groups="grouped single"
[ -z "$M" ] || groups=single # an older ticket plugin refuses the option group
for g in $groups; do
	start_api "$g" github --token-env PG_T_TOKEN --state "$T/$g.state" --repo org/infra
	opt=
	[ "$g" = single ] || opt="group: asset-rule,"
	cat >"$T/$g.yaml" <<YAML
stateDir: $T/state-$g
pluginDirs: [$T/plugins]
notifiers:
  t: { plugin: ticket, system: github, url: "http://127.0.0.1:$(api_port "$g")", repo: org/infra,
       $opt tokenEnv: PG_T_TOKEN, closeResolved: true, route: {action: [warn, fail]} }
YAML
	for r in 1 2 3; do
		left=$("$DRIVER" notify "$T/$g.yaml" "$T/g$r.json" 2>"$T/$g.$r.err") || fail "$g $r: $(cat "$T/$g.$r.err")"
		[ "$left" = 0 ] || fail "$g $r: $left left: $(cat "$T/$g.$r.err")"
	done
	python3 - "$g" "$T/$g.state" <<'PY'
import json, sys
t = json.load(open(sys.argv[2]))["tickets"]
print("%s: %d tickets for 3 header findings of one page; comments %s; open %s"
      % (sys.argv[1], len(t), [len(x["comments"]) for x in t], [x["open"] for x in t]))
PY
done
check "$T/grouped.state" <<'PY' || fail "grouped: $(cat "$T/grouped.state")"
import json, sys
[t] = json.load(open(sys.argv[1]))["tickets"]
assert t["title"] == "[WARN] login: 3 headers findings" and t["open"], t
assert "- `headers-hsts`: `hsts failed`" in t["body"] and "headers-x-frame-options" in t["body"], t["body"]
assert len(t["comments"]) == 1 and "finds this changed" in t["comments"][0], t["comments"]  # g2: none
assert "headers-x-frame-options" not in t["comments"][0], t["comments"]
PY
echo ok
