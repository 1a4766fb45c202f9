#!/bin/sh
# secrets_stay_secret: recognisable values in every secret setting of the notifiers (webhook
# Authorization header, HEC token, GitHub token, Jira user and token) and receivers that answer
# 401/403 quoting the credentials they got. No secret, nor its base64 or HTTP Basic form, may
# appear in stdout, stderr, the evidence, any state file or `outbox list --json`; no worker's
# /proc/PID/environ may hold one; state files are 0600.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

pg_listen web "http@127.0.0.1:0"
admin=$(pg_port web 1)
cd "$PG_TMP"
rnd() { od -An -N6 -tx1 /dev/urandom | tr -d ' \n'; }
PG_S_HOOKAUTH="Bearer sekrit-hook-$(rnd)"; PG_S_HEC="sekrit-hec-$(rnd)"
PG_S_GH="sekrit-gh-$(rnd)"; PG_S_JU="sekrit-user-$(rnd)"; PG_S_JT="sekrit-jira-$(rnd)"
PG_S_WRONG="not-the-token"
export PG_S_HOOKAUTH PG_S_HEC PG_S_GH PG_S_JU PG_S_JT PG_S_WRONG
recv() { # NAME KIND ARGS: a receiver that rejects every credential and quotes it
	n=$1; k=$2; shift 2
	python3 "$PG_TOOLS/apirecv.py" --kind "$k" --port-file "$n.port" --log "$n.log" --echo-auth \
		--hang-ms 1500 --max-seconds 120 "$@" &
	pg_on_exit "kill $!"
	pg_wait_file "$n.port"
}
recv hook hook --answer 401
recv hec hec --token-env PG_S_WRONG
recv gh github --token-env PG_S_WRONG --repo acme/infra
recv jira jira-server --user-env PG_S_JU --token-env PG_S_WRONG
mkdir -m 0755 plugins
for p in webhook siem ticket; do install -m 0644 "$PG_BUILDDIR/plugins/.libs/$p.so" plugins/; done
cat >m.yaml <<YAML
version: 1
assets:
  - { name: app, target: 127.0.0.1, ports: [$admin] }
YAML
cat >portgate.yaml <<YAML
stateDir: $PG_TMP/state
pluginDirs: [$PG_TMP/plugins]
notify: { retries: 0 }
notifiers:
  hook: { plugin: webhook, url: "http://127.0.0.1:$(cat hook.port)/h", authHeaderEnv: PG_S_HOOKAUTH }
  hec: { plugin: siem, transport: hec, url: "http://127.0.0.1:$(cat hec.port)", tokenEnv: PG_S_HEC }
  gh: { plugin: ticket, system: github, url: "http://127.0.0.1:$(cat gh.port)", repo: acme/infra, tokenEnv: PG_S_GH }
  jira: { plugin: ticket, system: jira, url: "http://127.0.0.1:$(cat jira.port)", project: SEC, userEnv: PG_S_JU, tokenEnv: PG_S_JT }
YAML

"$PG_BIN" check -m m.yaml --config portgate.yaml --no-probe -o ev.json -v >out.txt 2>err.txt &
pid=$!
# while the receivers hold their answers, every worker's environment as /proc shows it
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 40 ]; do
	i=$((i + 1))
	for w in $(pgrep -P "$pid" 2>/dev/null); do
		cat "/proc/$w/environ" >>environ.bin 2>/dev/null || true
		echo "$w" >>workers.txt
	done
	sleep 0.2
done
wait "$pid" || true
if [ -s workers.txt ]; then pg_ok "$(sort -u workers.txt | wc -l) worker processes sampled"
else pg_fail "no worker process was seen"; fi
"$PG_BIN" outbox list --config portgate.yaml --json >outbox.json 2>&1 || true
pg_assert_grep "the receivers did quote the credentials" "sekrit-gh" gh.log

python3 - <<'PY' >leaks.txt
import base64, glob, os
names = ["PG_S_HOOKAUTH", "PG_S_HEC", "PG_S_GH", "PG_S_JU", "PG_S_JT"]
vals = [os.environ[n] for n in names] + [os.environ["PG_S_HOOKAUTH"].split(" ", 1)[1]]
forms = set(vals) | {base64.b64encode(v.encode()).decode() for v in vals}
forms.add(base64.b64encode(("%s:%s" % (os.environ["PG_S_JU"], os.environ["PG_S_JT"])).encode()).decode())
files = ["out.txt", "err.txt", "ev.json", "outbox.json", "environ.bin"] + \
    [f for f in glob.glob("state/**", recursive=True) if os.path.isfile(f)]
for f in files:
    data = open(f, "rb").read().decode("utf-8", "replace")
    for v in sorted(forms):
        if v in data:
            print("%s holds %s..." % (f, v[:12]))
PY
pg_assert_eq "no secret in any output, state file or worker environment" "$(cat leaks.txt)" ""
pg_assert_grep "the rejection is still reported, redacted" "\[redacted\]" err.txt
bad=$(find state -type f ! -perm 0600 | head -3)
pg_assert_eq "state files are 0600" "$bad" ""
pg_done
