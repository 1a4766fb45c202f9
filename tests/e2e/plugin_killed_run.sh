#!/bin/sh
# plugin_killed_run: a `portgate check` SIGKILLed while its ticket worker talks to a slow tracker
# (every request held 1 s) leaves nothing acting: 2 s after each kill no process of the run is
# alive and the tracker receives no further request; the outbox then delivers each finding's
# ticket exactly once. A bounded loop of kills at random points (PG_KILL_SEED replays one).
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
command -v pgrep >/dev/null 2>&1 || pg_skip "pgrep (procps) not installed"

pg_listen web "http@127.0.0.1:0" "http@127.0.0.1:0" "http@127.0.0.1:0" "http@127.0.0.1:0" \
	"http@127.0.0.1:0" "http@127.0.0.1:0"
cd "$PG_TMP"
marker="killrun-$$.yaml" # in every process of the run's command line, workers included
{
	echo "version: 1"
	echo "assets:"
	for n in 1 2 3 4 5 6; do
		printf '  - name: svc%s\n    target: 127.0.0.1\n    ports: [%s]\n' "$n" "$(pg_port web "$n")"
	done
} >"$marker"
PG_KR_TOKEN="tok-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
export PG_KR_TOKEN
python3 "$PG_TOOLS/apirecv.py" --kind github --port-file gh.port --log gh.log \
	--token-env PG_KR_TOKEN --repo acme/infra --hang-ms 1000 --max-seconds 240 &
pg_on_exit "kill $!"
pg_wait_file gh.port
gh=$(cat gh.port)
mkdir -m 0755 plugins # a checked plugin directory (docs/plugin-guide.md)
install -m 0644 "$PG_BUILDDIR/plugins/.libs/ticket.so" plugins/ticket.so
cat >portgate.yaml <<YAML
stateDir: $PG_TMP/state
pluginDirs: [$PG_TMP/plugins]
notifiers:
  issues: { plugin: ticket, system: github, url: "http://127.0.0.1:$gh", repo: acme/infra,
            tokenEnv: PG_KR_TOKEN, timeoutMs: 30000 }
YAML
stats() { curl -s --max-time 5 "http://127.0.0.1:$gh/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
alive() { pgrep -f "$marker" | tr '\n' ' '; }

seed=${PG_KILL_SEED:-$$}
echo "kill seed $seed"
i=0
while [ $i -lt 4 ]; do
	i=$((i + 1))
	before=$(stats)
	"$PG_BIN" check -m "$marker" --config portgate.yaml --no-probe -q &
	pid=$!
	# a random point 0.3 .. 3.2 s in: loading, a search in flight, a creation in flight
	delay=$(python3 -c "import random; random.seed($seed * 10 + $i); print('%.2f' % random.uniform(0.3, 3.2))")
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sleep 2
	pg_assert_eq "kill $i at ${delay}s: no process of the run alive 2 s later" "$(alive)" ""
	at=$(stats)
	sleep 2.5 # longer than one held request: a live worker would have sent its next one
	pg_assert_eq "kill $i: the tracker got no request after the run died ($before before)" "$(stats)" "$at"
done

pg_expect_exit 0 "the outbox delivers what the runs left" "$PG_BIN" outbox flush --config portgate.yaml
python3 - "$gh" <<'PY' >tickets.txt
import json, sys, urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/repos/acme/infra/issues?state=open&labels=portgate&per_page=100" % sys.argv[1],
    headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
             "User-Agent": "test", "Authorization": "Bearer " + __import__("os").environ["PG_KR_TOKEN"]})
for t in json.load(urllib.request.urlopen(req, timeout=10)):
    print(sorted(l["name"] for l in t["labels"] if l["name"] != "portgate"))
PY
pg_assert_eq "six findings, six tickets, none twice" "$(sort tickets.txt | uniq | wc -l) $(wc -l <tickets.txt)" "6 6"
pg_done
