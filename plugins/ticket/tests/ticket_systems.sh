#!/bin/sh
# ticket: GitHub Issues, Jira Cloud (v3, ADF), Jira Server (v2) and ServiceNow
# emulators check paths, methods, auth and bodies. Three runs of the same
# manifest: run 1 opens one ticket per fingerprint (assigned from the owner
# mapping), run 2 only comments (the findings recur), run 3 comments on the
# one still there (commentEvery: 0, every run) and comments on and closes the
# one that is gone. Every receiver answers 503 to its first request (retried
# by the host).
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/notifiers.sh"
need_plugin ticket
private_plugin_dir ticket
write_notify_report "$T/report1.json"
python3 - "$T" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + "/report1.json"))
r["run"]["id"] = "run_notify_2"
json.dump(r, open(sys.argv[1] + "/report2.json", "w"))
r["run"]["id"] = "run_notify_3"
r["assets"][1]["findings"] = []          # pay-stage's finding is gone
json.dump(r, open(sys.argv[1] + "/report3.json", "w"))
# A hostile event: fingerprints that would widen a JQL, ServiceNow or GitHub query.
r["run"]["id"] = "run_notify_4"
r["assets"][0]["findings"][0]["fingerprint"] = 'aaaa000011112222" OR labels is not EMPTY OR "x'
r["assets"][1]["findings"] = [dict(r["assets"][0]["findings"][0], fingerprint="bbbb^ORactive=false")]
r["assets"][2]["findings"] = [dict(r["assets"][0]["findings"][0], fingerprint="cccc&labels=x,y",
                                   action="fail")]
json.dump(r, open(sys.argv[1] + "/report4.json", "w"))
PY
export PG_T_USER="bot@example.org" PG_T_TOKEN="tok-123:secret"
for sys in github jira jira-server servicenow; do
	kind=$sys assign=
	[ "$sys" = jira ] && kind=jira-cloud
	[ "$sys" = jira-server ] && assign="assignAs: assignee,"
	start_api "$sys" "$kind" --user-env PG_T_USER --token-env PG_T_TOKEN --state "$T/$sys.state" \
		--repo org/infra --project SEC --fail 1
	cat >"$T/$sys.yaml" <<YAML
stateDir: $T/state-$sys
pluginDirs: [$T/plugins]
notify: { retries: 2, backoffMs: 10 }
notifiers:
  t: { plugin: ticket, system: $sys, url: "http://127.0.0.1:$(api_port "$sys")/", repo: org/infra,
       project: SEC, userEnv: PG_T_USER, tokenEnv: PG_T_TOKEN, owners: "payments = pay-team, web=web-team",
       $assign closeResolved: true, commentEvery: 0, labels: "security, exposure" }
YAML
	for run in 1 2 3; do
		left=$("$DRIVER" notify "$T/$sys.yaml" "$T/report$run.json" 2>"$T/$sys.$run.err") \
			|| fail "$sys run $run: $(cat "$T/$sys.$run.err")"
		[ "$left" = 0 ] || fail "$sys run $run: $left left: $(cat "$T/$sys.$run.err")"
	done
	if grep -q "tok-123" "$T"/$sys.*.err; then fail "$sys: token in the log"; fi
	# The hostile fingerprints: refused before any request, permanently, said why.
	n0=$(wc -l <"$T/$sys.log")
	"$DRIVER" notify "$T/$sys.yaml" "$T/report4.json" >"$T/$sys.4.left" 2>"$T/$sys.4.err" || true
	[ "$(wc -l <"$T/$sys.log")" = "$n0" ] || fail "$sys: a hostile fingerprint reached the API: $(tail -n 3 "$T/$sys.log")"
	grep -q "fingerprint must be 1 to 64 lowercase hex digits" "$T/$sys.4.err" \
		|| fail "$sys: no clear refusal: $(cat "$T/$sys.4.err")"
	grep -q "rejected" "$T/$sys.4.err" || fail "$sys: refusal not permanent: $(cat "$T/$sys.4.err")"
	python3 - "$sys" "$T/$sys.state" "$T/$sys.log" <<'PY' || fail "$sys: tickets"
import json, sys
system, st, log = sys.argv[1], json.load(open(sys.argv[2])), [json.loads(l) for l in open(sys.argv[3])]
bad = [e for e in log if e.get("problem") or e["answer"] in (400, 401)]
assert not bad, bad
assert log[0]["answer"] == 503, log[0]
t = st["tickets"]
assert len(t) == 2, t                      # one per fingerprint across three runs
fp = lambda x: "aaaa000011112222" if "pay-api" in json.dumps(x) else "bbbb000011112222"
a, b = sorted(t, key=lambda x: fp(x))
assert fp(a) == "aaaa000011112222" and fp(b) == "bbbb000011112222", t
assert a["open"] is True and b["open"] is False, (a["open"], b["open"])
def text(c):
    return json.dumps(c) if isinstance(c, dict) else c
ca, cb = [text(c) for c in a["comments"]], [text(c) for c in b["comments"]]
assert len(ca) == 2 and "portgate run run_notify_2 found this again." in ca[0], ca
assert "portgate run run_notify_3 found this again." in ca[1], ca
assert len(cb) == 2 and "run_notify_2 found this again" in cb[0], cb
assert "portgate run run_notify_3 no longer finds this: closing." in cb[1], cb
assert "Exposed: 8080/tcp on 127.0.0.2" in cb[0] or "8080/tcp on 127.0.0.2" in cb[0], cb[0]
if system == "github":
    assert a["title"] == "[FAIL] pay-api: port 2222/tcp is open but not in approvedPorts", a
    assert a["labels"] == ["portgate", "portgate-aaaa000011112222", "security", "exposure"], a
    assert a["assignees"] == ["pay-team"] and b["closeReason"] == "completed", (a, b)
    assert "- **Owner**: `payments; escalation: oncall-pay`" in a["body"], a["body"]
    h = log[1]["headers"]
    assert h["authorization"] == "Bearer tok-123:secret" and h["user-agent"], h
elif system.startswith("jira"):
    f = a["fields"]
    assert f["summary"] == "[FAIL] pay-api: port 2222/tcp is open but not in approvedPorts", f
    assert f["labels"][:2] == ["portgate", "portgate-aaaa000011112222"] and f["issuetype"] == {"name": "Bug"}, f
    if system == "jira":
        assert f["components"] == [{"name": "pay-team"}] and "assignee" not in f, f
    else:
        assert f["assignee"] == {"name": "pay-team"} and "components" not in f, f
    if system == "jira":
        items = f["description"]["content"][1]["content"]
        owner = [i["content"][0]["content"] for i in items if i["content"][0]["content"][0]["text"] == "Owner: "][0]
        assert owner[1] == {"type": "text", "text": "payments; escalation: oncall-pay"}, owner
    else:
        assert "Owner: payments; escalation: oncall-pay" in f["description"], f
else:
    assert a["correlation_id"] == "aaaa000011112222" and a["assignment_group"] == "pay-team", a
    assert a["urgency"] == "1" and a["impact"] == "1" and b["urgency"] == "2" and b["impact"] == "2", (a, b)
    assert a["short_description"] == "[FAIL] pay-api: port 2222/tcp is open but not in approvedPorts", a
PY
	echo "ok: $sys"
done

# The investigation packet in each system's ticket body: every aspect of a
# finding that has all of them; a hostile 200 KB registry name is one inert,
# bounded line (a code span on GitHub, inside {noformat} on Jira Server).
python3 "$PG_SRCDIR/tests/tools/packet_fixture.py" "$T/packet.json"
export CI_JOB_URL="https://ci.example/job/42"
for sys in github jira jira-server servicenow; do
	kind=$sys
	[ "$sys" = jira ] && kind=jira-cloud
	start_api "p$sys" "$kind" --user-env PG_T_USER --token-env PG_T_TOKEN --state "$T/p$sys.state" \
		--repo org/infra --project SEC
	sed -e "s|state-$sys|pstate-$sys|" -e "s/$(api_port "$sys")/$(api_port "p$sys")/" \
		-e "s|^notify: {|notify: { evidenceUrl: \"\${CI_JOB_URL}/artifacts/evidence.json\",|" \
		"$T/$sys.yaml" >"$T/p$sys.yaml"
	left=$("$DRIVER" notify "$T/p$sys.yaml" "$T/packet.json" 2>"$T/p$sys.err") \
		|| fail "$sys packet: $(cat "$T/p$sys.err")"
	[ "$left" = 0 ] || fail "$sys packet: $left left: $(cat "$T/p$sys.err")"
	python3 - "$sys" "$T/p$sys.state" "$PG_SRCDIR/tests/tools" <<'PY' || fail "$sys: packet"
import json, re, sys
system, st = sys.argv[1], json.load(open(sys.argv[2]))
sys.path.insert(0, sys.argv[3])
from packet_fixture import WANT, HOSTILE_LINE, one_line_bounded
def body(t):
    if system == "github":
        return t["body"]
    if system == "servicenow":
        return t["description"]
    return t["fields"]["description"]
def lines(t):
    b = body(t)
    if system == "github":
        assert len(b) <= 65536, len(b)
        out = []
        for l in b.split("\n\n", 1)[1].splitlines()[2:]:
            m = re.fullmatch(r"- \*\*([^*]+)\*\*: (`[^`]*`|<[^>]*>)", l)
            assert m, l
            out.append((m.group(1), m.group(2)[1:-1]))
        return out
    if system == "jira":
        assert len(json.dumps(b)) < 32768
        return [(i["content"][0]["content"][0]["text"][:-2], i["content"][0]["content"][1]["text"])
                for i in b["content"][1]["content"]]
    if system == "jira-server":
        m = re.search(r"\n\{noformat\}\n(.*)\n\{noformat\}$", b, re.S)
        assert m and b.count("{noformat}") == 2, b[-400:]
        b = m.group(1)
    else:
        b = b.split("\n\n", 1)[1].rstrip("\n")
    return [tuple(l.split(": ", 1)) for l in b.split("\n")]
t = st["tickets"]
shop = [x for x in t if "shop: port 443" in json.dumps(x)]
evil = [x for x in t if "evil: evil.example" in json.dumps(x)]
assert len(shop) == 1 and len(evil) == 1, t
got = lines(shop[0])
assert got == WANT, (got, WANT)
reg = dict(lines(evil[0]))["Registration"]
if system == "servicenow":  # its journal renders [code]...[/code] as HTML
    assert "[code]" not in reg and "[/code]" not in reg, reg[:300]
    reg = reg.replace("(code]", "[code]").replace("(/code]", "[/code]")
assert reg.startswith(HOSTILE_LINE) and reg.endswith("...") and one_line_bounded(reg, 363), reg[:200]
PY
	echo "ok: $sys packet"
done

# group: asset-rule lists each finding's reason: hostile reasons (a newline and
# a heading, a link, a backtick, a {noformat}, 2 KB) stay one inert, bounded line:
# a code span on GitHub, inside {noformat} on Jira Server.
python3 - "$T/packet.json" "$T/group.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r["assets"][0]
f0 = a["findings"][0]
bad = "x\n# Heading [a](https://evil.example) `y` {noformat} @org/team " + "z" * 2000
a["findings"] = [dict(f0, rule="headers-%s" % t, fingerprint="%016x" % (0xa0 + i), reason=bad)
                 for i, t in enumerate(("content-security-policy", "x-frame-options"))]
r["assets"] = [a]
json.dump(r, open(sys.argv[2], "w"))
PY
for sys in github jira-server; do
	start_api "g$sys" "$sys" --user-env PG_T_USER --token-env PG_T_TOKEN --state "$T/g$sys.state" \
		--repo org/infra --project SEC
	sed -e "s|state-$sys|gstate-$sys|" -e "s/$(api_port "$sys")/$(api_port "g$sys")/" \
		-e "s|closeResolved: true|closeResolved: true, group: asset-rule|" "$T/$sys.yaml" >"$T/g$sys.yaml"
	left=$("$DRIVER" notify "$T/g$sys.yaml" "$T/group.json" 2>"$T/g$sys.err") \
		|| fail "$sys group: $(cat "$T/g$sys.err")"
	[ "$left" = 0 ] || fail "$sys group: $left left: $(cat "$T/g$sys.err")"
	python3 - "$sys" "$T/g$sys.state" <<'PY' || fail "$sys: group lines"
import json, re, sys
system, st = sys.argv[1], json.load(open(sys.argv[2]))
[t] = st["tickets"]
b = t["body"] if system == "github" else t["fields"]["description"]
lines = [l for l in b.splitlines() if re.match(r"- `?headers-", l)]
assert len(lines) == 2, b[:800]
for l in lines:
    assert len(l) < 420 and l.endswith("..." + ("`" if system == "github" else "")), l
    if system == "github":
        assert re.fullmatch(r"- `headers-[a-z-]+`: `x # Heading \[a\]\(https://evil.example\) 'y' \{noformat\} @org/team z+\.\.\.`", l), l
if system == "jira-server":
    blocks = re.findall(r"\{noformat\}\n(.*?)\{noformat\}", b, re.S)
    assert len(blocks) == 2 and all("- headers-" in l for l in blocks[0].splitlines()), b[:800]
    assert b.count("{noformat}") == 4 and "(noformat}" in blocks[0], b[:800]
PY
	echo "ok: $sys group"
done

# A hostile Jira answers keys holding "/../": the key must stay one path segment,
# never a request to another resource (curl would squash the dot segments).
start_api evil jira-cloud --user-env PG_T_USER --token-env PG_T_TOKEN --project SEC \
	--key-suffix "/../../myself?x="
sed -e "s/system: jira-server/system: jira/" -e "s/$(api_port jira-server)/$(api_port evil)/" \
	-e "s|state-jira-server|state-evil|" -e "s/assignAs: assignee,//" "$T/jira-server.yaml" >"$T/evil.yaml"
for run in 1 2; do
	"$DRIVER" notify "$T/evil.yaml" "$T/report$run.json" >/dev/null 2>"$T/evil.$run.err" || true
done
python3 - "$T/evil.log" <<'PY' || fail "hostile key: $(cat "$T/evil.2.err")"
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
raw = [e["rawPath"] for e in log]
assert any(p.startswith("/rest/api/3/issue/SEC-") and "%2F..%2F..%2Fmyself%3Fx%3D/" in p for p in raw), raw
assert all(p in ("/rest/api/3/search/jql", "/rest/api/3/issue") or p.startswith("/rest/api/3/issue/SEC-")
           for p in raw), raw
PY

# A repo that is no owner/name (a dot segment, a '#') is refused at start, nothing sent.
for bad in "org/.." "../x" "org/infra#x" "org/infra/issues"; do
	sed -e "s|repo: org/infra|repo: \"$bad\"|" "$T/github.yaml" >"$T/badrepo.yaml"
	n0=$(wc -l <"$T/github.log")
	"$DRIVER" notify "$T/badrepo.yaml" "$T/report1.json" >/dev/null 2>"$T/badrepo.err" || true
	grep -q "system github needs repo: owner/name" "$T/badrepo.err" || fail "repo $bad: $(cat "$T/badrepo.err")"
	[ "$(wc -l <"$T/github.log")" = "$n0" ] || fail "repo $bad: a request was sent"
done
echo ok
