#!/bin/sh
# scan_jsonl: `portgate scan --format jsonl` (or --jsonl) writes JSON lines,
# one compact /v1-port-scanner object per target on a line of its own, which
# jq reads object by object as the article's gate does; the default output is
# unchanged (one object, or a JSON array of several); and a pipeline into jq
# keeps portgate's exit status only with `set -o pipefail` (docs/portgate.1).
# In a private namespace whose only interface is lo: 192.0.2.1 has no route
# there, so its ports are errors (exit 3) without a packet leaving.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"

for t in jq bash; do command -v $t >/dev/null 2>&1 || pg_skip "$t not installed"; done
pg_netns_up
pg_ns_listen web silent@127.0.0.1:0
open=$(pg_port web 1)
closed=$(pg_ns_free_ports 1)
ports="$open,$closed"
# The article's gate over every object: no open port but 80 and 443.
GATE='[inputs | .ports[] | select(.state == "open" and (.port != 80 and .port != 443))] | length == 0'

scan() { # OUT ARGS... : portgate scan in the namespace, stdout to OUT; exit status in $rc
	out=$1
	shift
	rc=0
	pg_ns "$PG_BIN" scan --ports "$ports" --no-probe --timeout-ms 300 --retries 1 "$@" \
		>"$out" 2>"$PG_TMP/err" || rc=$?
}

# 1. Three targets (one open port, nothing open, no route): three lines, each
#    one object jq parses on its own, in the order given, exit 3 (no route).
scan "$PG_TMP/three.jsonl" --jsonl -t 127.0.0.1 -t 127.0.0.2 -t 192.0.2.1
pg_assert_eq "--jsonl: exit 3 as without it (a target could not be scanned)" "$rc" 3
pg_assert_eq "--jsonl: one line per target" "$(wc -l <"$PG_TMP/three.jsonl" | tr -d ' ')" 3
n=0
while IFS= read -r line; do
	n=$((n + 1))
	printf '%s\n' "$line" | jq -e 'type == "object" and has("scanId") and has("summary")' \
		>/dev/null 2>&1 || pg_fail "line $n is not one /v1-port-scanner object: $line"
done <"$PG_TMP/three.jsonl"
pg_assert_eq "--jsonl: targets line by line" \
	"$(jq -r '"\(.target) \(.summary.open) \(.summary.error)"' "$PG_TMP/three.jsonl" | tr '\n' ';')" \
	"127.0.0.1 1 0;127.0.0.2 0 0;192.0.2.1 0 2;"
pg_assert_eq "--jsonl: the open port on the first line" \
	"$(head -1 "$PG_TMP/three.jsonl" | jq -c '[.ports[] | select(.state == "open") | .port]')" \
	"[$open]"

# 2. --format jsonl is the same output; a single target is one line too.
scan "$PG_TMP/fmt.jsonl" --format jsonl -t 127.0.0.1 -t 127.0.0.2
pg_assert_eq "--format jsonl: two lines" "$(jq -r .target "$PG_TMP/fmt.jsonl" | tr '\n' ' ')" \
	"127.0.0.1 127.0.0.2 "
pg_assert_eq "--format jsonl: exit 0" "$rc" 0
scan "$PG_TMP/one.jsonl" --format jsonl -t 127.0.0.2
pg_assert_eq "--format jsonl, one target: one line, not an array" \
	"$(wc -l <"$PG_TMP/one.jsonl" | tr -d ' ') $(jq -r type "$PG_TMP/one.jsonl")" "1 object"

# 3. The default is unchanged: an array of several, one object alone.
scan "$PG_TMP/array.json" -t 127.0.0.1 -t 127.0.0.2
pg_assert_eq "default: a JSON array of two objects" "$(jq -r '"\(type) \(length)"' "$PG_TMP/array.json")" \
	"array 2"
scan "$PG_TMP/single.json" -t 127.0.0.2 --format json
pg_assert_eq "--format json, one target: one object" "$(jq -r type "$PG_TMP/single.json")" object
pg_expect_exit 2 "--format xml is a usage error" "$PG_BIN" scan -t 127.0.0.1 -p 1 --format xml
pg_assert_grep "the usage error names the formats" "unknown format 'xml' (json, jsonl)" "$PG_TMP/err"

# 4. The gate over JSON lines: the unapproved open port on the first of two
#    lines fails it (read with `inputs`, every line counts, not the last one).
rc=0
pg_ns bash -c 'set -o pipefail; "$1" scan --jsonl -t 127.0.0.1 -t 127.0.0.2 --ports "$2" \
	--no-probe | jq -n -e "$3" >/dev/null' sh "$PG_BIN" "$ports" "$GATE" || rc=$?
pg_assert_eq "gate: an unapproved open port on any line fails it" "$rc" 1

# 5. A clean gate after a scan that could not check everything: only
#    pipefail keeps portgate's exit 3; without it the pipeline says 0.
rc=0
pg_ns bash -c 'set -o pipefail; "$1" scan --jsonl -t 127.0.0.2 -t 192.0.2.1 --ports "$2" \
	--no-probe --timeout-ms 300 --retries 1 | jq -n -e "$3" >/dev/null' \
	sh "$PG_BIN" "$closed" "$GATE" 2>/dev/null || rc=$?
pg_assert_eq "set -o pipefail: the pipeline keeps portgate's exit 3" "$rc" 3
rc=0
pg_ns bash -c '"$1" scan --jsonl -t 127.0.0.2 -t 192.0.2.1 --ports "$2" --no-probe \
	--timeout-ms 300 --retries 1 | jq -n -e "$3" >/dev/null' \
	sh "$PG_BIN" "$closed" "$GATE" 2>/dev/null || rc=$?
pg_assert_eq "without pipefail the same pipeline hides it (why the docs ask for it)" "$rc" 0
pg_done
