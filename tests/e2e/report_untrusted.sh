#!/bin/sh
# report_untrusted: evidence files `merge`, `diff` and --baseline load are untrusted input. Text
# from them reaches the terminal as text (no escape sequence, no newline that starts a CI
# command); a schema this portgate does not read is refused, not compared as "0 changes"; a file
# over the size bound is refused before it is parsed whole.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

pg_listen web "http@127.0.0.1:0"
web=$(pg_port web 1)
cd "$PG_TMP"
cat >m.yaml <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: [$web]
  - name: gone
    target: 127.0.0.1
    approvedPorts: [$web]
YAML
pg_expect_exit 0 "a check to start from" "$PG_BIN" check -m m.yaml --no-probe -q -o ev.json

python3 - <<'PY'
import json
d = json.load(open("ev.json"))
d["assets"][0]["scan"]["ip"] = "127.0.0.1\x1b]0;owned\x07\n::error::injected"
g = d["assets"][1]
g.pop("scan", None)
g["resolution"] = {"ok": False, "error": "NXDOMAIN\x1b[2J\n::warning::injected"}
json.dump(d, open("hostile.json", "w"))
d = json.load(open("ev.json")); d["portgate"]["evidenceSchema"] = 2
json.dump(d, open("schema2.json", "w"))
d = json.load(open("ev.json")); d["padding"] = "x" * (2 << 20)
json.dump(d, open("big.json", "w"))
PY

set +e; "$PG_BIN" merge hostile.json --color never >merge.out 2>merge.err; set -e
if grep -q "$(printf '\033')" merge.out merge.err; then pg_fail "an escape byte reached the terminal"; else pg_ok "no escape byte on the terminal"; fi
if grep -q '^::' merge.out; then pg_fail "a loaded string started a CI command line"; else pg_ok "no injected ::error:: or ::warning:: line"; fi
if grep -qF 'app 127.0.0.1 (127.0.0.1\x1b]0;owned\x07 | ::error::injected)' merge.out; then
	pg_ok "the address is still shown, made harmless"; else pg_fail "the address is not shown escaped"; fi

pg_expect_exit 2 "diff refuses a schema it does not read" "$PG_BIN" diff ev.json schema2.json
pg_assert_grep "and says which" "schema2.json: evidenceSchema 2, but this portgate reads schema 1 only" "$PG_TMP/err"
pg_expect_exit 2 "--baseline refuses it too, before scanning" "$PG_BIN" check -m m.yaml --no-probe -q --baseline schema2.json
pg_assert_grep "and says which" "evidenceSchema 2" "$PG_TMP/err"

pg_expect_exit 0 "a 2 MiB file is read by default" "$PG_BIN" diff ev.json big.json
PORTGATE_MAX_EVIDENCE_MB=1
export PORTGATE_MAX_EVIDENCE_MB
pg_expect_exit 2 "over PORTGATE_MAX_EVIDENCE_MB it is refused" "$PG_BIN" diff ev.json big.json
pg_assert_grep "saying the bound" "big.json: larger than 1 MiB, the most portgate reads (PORTGATE_MAX_EVIDENCE_MB raises it)" "$PG_TMP/err"
pg_done
