#!/bin/sh
# webhook: Slack (Block Kit) and Teams (adaptive card) formats checked by
# receivers emulating them, routing by owner/environment/action, the message
# packet with the evidence URL from the CI environment, signed JSON with custom
# headers, retries on 503/429 (Retry-After honoured), none on 400, and a hung
# receiver bounded by timeoutMs.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/notifiers.sh"
need_plugin webhook
private_plugin_dir webhook
write_notify_report "$T/report.json"

export CI_JOB_URL="https://ci.example/job/42" PG_HOOK_SECRET="It's a Secret to Everybody"
export PG_HOOK_AUTH="Bearer hook-token-1"
start_api slack slack
start_api teams teams
start_api hook hook --secret-env PG_HOOK_SECRET
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
notify:
  evidenceUrl: "\${CI_JOB_URL}/artifacts/evidence.json"
  retries: 0
notifiers:
  chat: { plugin: webhook, format: slack, url: "http://127.0.0.1:$(api_port slack)/services/T0/B0/XYZ", route: { owner: [payments], environment: production } }
  teams: { plugin: webhook, format: teams, url: "http://127.0.0.1:$(api_port teams)/workflows/1", route: { owner: payments } }
  hook:
    plugin: webhook
    url: http://127.0.0.1:$(api_port hook)/in
    secretEnv: PG_HOOK_SECRET
    authHeaderEnv: PG_HOOK_AUTH
    headers: "X-Team: secops; X-Source: portgate ci"
    route: { action: [fail, warn] }
YAML
"$PG_BIN" validate -m "$PG_SRCDIR/tests/fixtures/manifests/good.yaml" --config "$T/portgate.yaml" \
	>/dev/null 2>"$T/v.err" || fail "validate refused the settings: $(cat "$T/v.err")"
left=$("$DRIVER" notify "$T/portgate.yaml" "$T/report.json" 2>"$T/run.err") || fail "driver: $(cat "$T/run.err")"
[ "$left" = 0 ] || fail "$left left in the outbox: $(cat "$T/run.err")"

# Slack: only the payments production failure, the exact blocks.
pylog '
[e] = L
assert e["method"] == "POST" and e["path"] == "/services/T0/B0/XYZ" and e["answer"] == 200, e
b = e["body"]
assert b["text"] == "[FAIL] pay-api: port 2222/tcp is open but not in approvedPorts", b["text"]
bl = b["blocks"]
assert [x["type"] for x in bl] == ["header", "divider", "section"], bl
assert bl[0]["text"] == {"type": "plain_text", "text": "portgate: 1 finding to act on (run run_notify_1)"}, bl[0]
want = """*[FAIL] pay-api: port 2222/tcp is open but not in approvedPorts*
*Asset*: `pay-api (pay.example), production, criticality high`
*Exposed*: `2222/tcp on 127.0.0.1, service ssh, banner "SSH-2.0-x|a=b]c"d\\x5c | line2\\xff"`
*Owner*: `payments; escalation: oncall-pay`
*Network*: `AS64501 Rogue "Net" | Ltd 127.0.0.0/8; expected AS64500`
*Policy*: `fail port-unapproved-open (high): port 2222/tcp is open but not in approvedPorts`
*Evidence*: <https://ci.example/job/42/artifacts/evidence.json>
*Fingerprint*: `aaaa000011112222`"""
assert bl[2]["text"]["text"] == want, (bl[2]["text"]["text"], want)
' "$T/slack.log" || fail "slack payload"

# Teams: both payments findings (no environment filter), facts from the packet.
pylog '
[e] = L
assert e["answer"] == 202 and e["path"] == "/workflows/1", e
card = e["body"]["attachments"][0]["content"]
import re
titles = [re.sub(r"\\(.)", r"\1", x["text"]) for x in card["body"] if x["type"] == "TextBlock"][1:]
assert titles == ["[FAIL] pay-api: port 2222/tcp is open but not in approvedPorts",
                  "[FAIL] pay-stage: weird = reason ] with newline and é"], titles
facts = [x for x in card["body"] if x["type"] == "FactSet"][1]["facts"]
assert facts[0] == {"title": "Asset", "value": "pay-stage (pay-stage.example), staging, criticality medium"}, facts
assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open the evidence",
                            "url": "https://ci.example/job/42/artifacts/evidence.json"}], card["actions"]
' "$T/teams.log" || fail "teams payload"

# Signed JSON: all three findings (route action warn+fail), custom headers, packet text.
pylog '
[e] = L
h, b = e["headers"], e["body"]
assert e["sigOk"] is True and h["x-hub-signature-256"].startswith("sha256="), h
assert h["x-team"] == "secops" and h["x-source"] == "portgate ci", h
assert h["authorization"] == "Bearer hook-token-1" and h["x-portgate-event-version"] == "1", h
assert h["idempotency-key"] == b["idempotencyKey"] and b["type"] == "portgate.report", b
assert [f["fingerprint"] for f in b["findings"]] == ["aaaa000011112222", "bbbb000011112222", "cccc000011112222"]
m = b["findings"][1]["message"]
assert m["text"].splitlines()[3] == "Policy: fail port-unapproved-open (medium): weird = reason ] with newline and é", m["text"]
assert b["findings"][2]["assetContext"]["owner"] == "web" and b["findings"][0]["assetContext"]["line"] == 7
' "$T/hook.log" || fail "signed json"
if grep -q "hook-token-1" "$T/run.err"; then fail "auth header value in the log"; fi

# The investigation packet: every aspect of a finding that has all of them, in
# Slack, Teams and JSON; a hostile 200 KB registry name stays one escaped,
# bounded line in each.
python3 "$PG_SRCDIR/tests/tools/packet_fixture.py" "$T/packet.json"
start_api pslack slack
start_api pteams teams
start_api phook hook --secret-env PG_HOOK_SECRET
cat >"$T/packet.yaml" <<YAML
stateDir: $T/state-packet
pluginDirs: [$T/plugins]
notify: { evidenceUrl: "\${CI_JOB_URL}/artifacts/evidence.json", retries: 0 }
notifiers:
  chat: { plugin: webhook, format: slack, url: "http://127.0.0.1:$(api_port pslack)/services/T0/B0/XYZ" }
  teams: { plugin: webhook, format: teams, url: "http://127.0.0.1:$(api_port pteams)/workflows/1" }
  hook: { plugin: webhook, url: "http://127.0.0.1:$(api_port phook)/in", secretEnv: PG_HOOK_SECRET }
YAML
left=$("$DRIVER" notify "$T/packet.yaml" "$T/packet.json" 2>"$T/packet.err") || fail "packet: $(cat "$T/packet.err")"
[ "$left" = 0 ] || fail "packet: $left left: $(cat "$T/packet.err")"
PACKET="import sys; sys.path.insert(0, '$PG_SRCDIR/tests/tools'); from packet_fixture import *"
pylog "$PACKET"'
[e] = L
sections = [b for b in e["body"]["blocks"] if b["type"] == "section"]
assert len(e["body"]["blocks"]) <= 50 and len(sections) == 2, e["body"]["blocks"]
def lines(text):  # "*Label*: `value`" lines after the bold title
    out = []
    for l in text.split("\n")[1:]:
        label, value = l.split("*: ", 1)
        assert label[0] == "*" and value[0] + value[-1] in ("``", "<>"), l
        out.append((label[1:], value[1:-1].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")))
    return out
for s in sections:
    assert len(s["text"]["text"]) <= 3000 and "fields" not in s and s["text"]["verbatim"] is True, s
got = lines(sections[0]["text"]["text"])
assert got == WANT, (got, WANT)
evil = dict(lines(sections[1]["text"]["text"]))["Registration"]
assert evil.startswith(HOSTILE_LINE.replace("`", "\x27")), evil[:200]
assert one_line_bounded(evil, 363), len(evil)
raw = sections[1]["text"]["text"]
assert "<b>" not in raw and "&lt;b&gt;" in raw, raw[:400]
' "$T/pslack.log" || fail "slack packet"
pylog "$PACKET"'
[e] = L
assert len(json.dumps(e["body"])) < 28000, len(json.dumps(e["body"]))
card = e["body"]["attachments"][0]["content"]
facts = [x["facts"] for x in card["body"] if x["type"] == "FactSet"]
import re
unesc = lambda v: re.sub(r"\\(.)", r"\1", v)
got = [(f["title"], unesc(f["value"])) for f in facts[0]]
assert got == WANT, (got, WANT)
evil = dict((f["title"], f["value"]) for f in facts[1])["Registration"]
assert evil.startswith(r"Evil \# Heading  \[click\](https://evil.example) !\[img\]"), evil[:120]
assert re.search(r"(?<!\\)[<*#\[]", evil) is None and r"@org/team \<b\>x\</b\> \*bold\* | a=b" in evil and one_line_bounded(evil, 2 * 363), evil[:200]
' "$T/pteams.log" || fail "teams packet"
pylog "$PACKET"'
[e] = L
shop, evil = e["body"]["findings"]
m = shop["message"]
assert [(f["name"], f["value"]) for f in m["fields"]] == WANT, m["fields"]
for label, value in WANT[:-2]:
    assert "- **%s**: `%s`\n" % (label, value) in m["markdown"], (label, m["markdown"])
assert "- **Evidence**: <https://ci.example/job/42/artifacts/evidence.json>\n" in m["markdown"]
assert m["text"].splitlines() == ["%s: %s" % kv for kv in WANT], m["text"]
md = evil["message"]["markdown"]
reg = [l for l in md.splitlines() if l.startswith("- **Registration**: ")]
assert len(reg) == 1 and reg[0].startswith("- **Registration**: `Evil # Heading  [click](https://evil.example)"), md[:400]
assert reg[0].endswith("...`") and reg[0].count("`") == 2 and len(md) < 8192, reg[0][-80:]
' "$T/phook.log" || fail "json packet"

# Forty findings whose every line is at its bound (4 enrichers x 4 lines of 360
# bytes of Markdown characters): Slack keeps 50 blocks and 3000 characters per
# section, Teams a card under 28 KB; what does not fit is "in the evidence".
python3 - "$T/packet.json" "$T/big.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r["assets"][0]
f0 = a["findings"][0]
enr = {"e%d" % k: {"message": [{"label": "Line %d" % i, "text": "*_[" * 200} for i in range(4)]}
       for k in range(4)}
a["findings"] = [dict(f0, fingerprint="%016x" % (0xf000 + i), enrichment=enr) for i in range(40)]
r["assets"] = [a]
json.dump(r, open(sys.argv[2], "w"))
PY
start_api bslack slack
start_api bteams teams
cat >"$T/big.yaml" <<YAML
stateDir: $T/state-big
pluginDirs: [$T/plugins]
notify: { retries: 0 }
notifiers:
  chat: { plugin: webhook, format: slack, url: "http://127.0.0.1:$(api_port bslack)/services/T0/B0/XYZ" }
  teams: { plugin: webhook, format: teams, url: "http://127.0.0.1:$(api_port bteams)/workflows/1" }
YAML
left=$("$DRIVER" notify "$T/big.yaml" "$T/big.json" 2>"$T/big.err") || fail "big: $(cat "$T/big.err")"
[ "$left" = 0 ] || fail "big: $left left: $(cat "$T/big.err")"
pylog '
[e] = L
bl = e["body"]["blocks"]
sec = [b["text"]["text"] for b in bl if b["type"] == "section"]
assert len(bl) <= 50 and len(sec) == 20 and bl[-1]["type"] == "context", [b["type"] for b in bl]
assert all(len(s) <= 3000 and s.endswith("_more in the evidence_") for s in sec), [len(s) for s in sec]
assert bl[-1]["elements"][0]["text"] == "and 20 more in the evidence", bl[-1]
' "$T/bslack.log" || fail "slack bounds"
pylog '
[e] = L
n = len(json.dumps(e["body"]))
body = e["body"]["attachments"][0]["content"]["body"]
facts = [b for b in body if b["type"] == "FactSet"]
assert n < 28000 and 1 <= len(facts) < 40, (n, len(facts))
assert body[-1]["text"] == "and %d more in the evidence" % (40 - len(facts)), body[-1]
' "$T/bteams.log" || fail "teams bounds"

# Retries: 503 twice then accepted; 429 with Retry-After: 1 honoured; 400 never retried.
retry_run() { # NAME RETRIES: one webhook instance at receiver NAME
	cat >"$T/r.yaml" <<YAML
stateDir: $T/state-$1
pluginDirs: [$T/plugins]
notify: { retries: $2, backoffMs: 10 }
notifiers:
  w: { plugin: webhook, url: "http://127.0.0.1:$(api_port "$1")/x", timeoutMs: ${3:-5000} }
YAML
	"$DRIVER" notify "$T/r.yaml" "$T/report.json" 2>"$T/$1.err"
}
start_api flaky hook --fail 2
[ "$(retry_run flaky 3)" = 0 ] || fail "503s: not delivered"
pylog 'assert [e["answer"] for e in L] == [503, 503, 200], L' "$T/flaky.log" || fail "503 retries"
start_api busy hook --too-many 1 --retry-after 1
s0=$(date +%s%N)
[ "$(retry_run busy 3)" = 0 ] || fail "429: not delivered"
ms=$(( ($(date +%s%N) - s0) / 1000000 ))
[ "$ms" -ge 1000 ] || fail "Retry-After: 1 not honoured (${ms} ms)"
pylog 'assert [e["answer"] for e in L] == [429, 200], L' "$T/busy.log" || fail "429 retry"
start_api reject hook --answer 400
[ "$(retry_run reject 3)" = 1 ] || fail "400: expected it kept as failed"
pylog 'assert [e["answer"] for e in L] == [400], L' "$T/reject.log" || fail "400 was retried"
python3 -c 'import glob, json, sys
[f] = glob.glob(sys.argv[1] + "/outbox/*.json")
d = json.load(open(f)); assert d["status"] == "failed" and d["attempts"] == 1, d' "$T/state-reject" \
	|| fail "400 not recorded as failed after one attempt"
start_api hang hook --hang-ms 20000
s0=$(date +%s%N)
[ "$(retry_run hang 1 400)" = 1 ] || fail "hung receiver: not kept"
ms=$(( ($(date +%s%N) - s0) / 1000000 ))
[ "$ms" -lt 5000 ] || fail "hung receiver took ${ms} ms (timeoutMs 400, 2 attempts)"

# validate names a bad route.
cat >"$T/bad.yaml" <<YAML
pluginDirs: [$T/plugins]
notifiers:
  chat: { plugin: webhook, url: "http://127.0.0.1:1/x", route: { team: [a] } }
  two: { plugin: webhook, url: "http://127.0.0.1:1/x", route: { action: [maybe] } }
YAML
rc=0
"$PG_BIN" validate -m "$PG_SRCDIR/tests/fixtures/manifests/good.yaml" --config "$T/bad.yaml" \
	>/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" = 2 ] || fail "validate: rc $rc for a bad route"
grep -q "bad.yaml:3: notifiers.chat.route: unknown key 'team'" "$T/bad.err" || fail "$(cat "$T/bad.err")"
grep -q "bad.yaml:4: notifiers.two.route.action: 'maybe' is not pass, warn or fail" "$T/bad.err" \
	|| fail "$(cat "$T/bad.err")"
echo ok
