#!/bin/sh
# The notifier settings of issue 13, written exactly as users write them, pass
# `portgate validate`; `portgate plugins` lists every option of webhook, siem
# and ticket and the route host key; a missing token stops a run with file:line.
# Nothing is contacted (instances only start).
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook siem ticket
private_plugin_dir webhook siem ticket
export HEC_TOKEN=h GH_TOKEN=g JIRA_USER=u@example.org JIRA_TOKEN=j SN_USER=s SN_TOKEN=t
cat >"$T/portgate.yaml" <<YAML
pluginDirs: [$T/plugins]
notifiers:
  chat: { plugin: webhook, format: slack, url: "https://hooks.slack.com/services/...", route: { owner: [payments] } }
  soc:  { plugin: siem, transport: tcp, host: siem.internal, port: 6514, format: cef }  # udp|tcp|tls; cef|ecs|rfc5424
  hec:  { plugin: siem, transport: hec, url: "https://splunk.internal:8088", tokenEnv: HEC_TOKEN }
  gh:   { plugin: ticket, system: github, url: "https://api.github.com", repo: org/infra, tokenEnv: GH_TOKEN }
  jira: { plugin: ticket, system: jira, url: "https://org.atlassian.net", project: SEC, userEnv: JIRA_USER, tokenEnv: JIRA_TOKEN }
  snow: { plugin: ticket, system: servicenow, url: "https://org.service-now.com", userEnv: SN_USER, tokenEnv: SN_TOKEN }
YAML
M="$PG_SRCDIR/tests/fixtures/manifests/good.yaml"
"$PG_BIN" validate -m "$M" --config "$T/portgate.yaml" >"$T/out" 2>&1 || fail "validate: $(cat "$T/out")"

"$PG_BIN" plugins --plugin-dir "$T/plugins" --json >"$T/plugins.json" || fail "plugins --json"
python3 - "$T/plugins.json" <<'PY' || fail "plugins listing"
import json, sys
p = {m["name"]: [o["name"] for o in m["options"]] for m in json.load(open(sys.argv[1]))}
assert p["webhook"] == ["url", "format", "secretEnv", "headers", "authHeaderEnv"], p["webhook"]
assert p["siem"] == ["transport", "format", "host", "port", "caFile", "serverName", "facility", "url",
                     "tokenEnv", "index", "sourcetype", "batchSize"], p["siem"]
assert p["ticket"] == ["system", "url", "repo", "project", "issueType", "userEnv", "tokenEnv", "owners",
                       "assignAs", "labels", "group", "commentRecurrence", "commentEvery", "closeResolved",
                       "closeCode"], p["ticket"]
PY
"$PG_BIN" plugins --plugin-dir "$T/plugins" >"$T/plugins.txt" || fail "plugins"
grep -q "host keys: .*route {owner, environment, criticality, tags, rule, action}" "$T/plugins.txt" \
	|| fail "route not listed: $(cat "$T/plugins.txt")"

# Without the token: validate still passes (it starts no instance: a CI job
# validating settings has no secrets), a run refuses to start, naming file:line.
unset HEC_TOKEN
"$PG_BIN" validate -m "$M" --config "$T/portgate.yaml" >"$T/out" 2>&1 || fail "validate: $(cat "$T/out")"
write_report "$T/report.json"
rc=0
"$DRIVER" notify "$T/portgate.yaml" "$T/report.json" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "run without HEC_TOKEN: exit $rc"
grep -q "portgate.yaml:5: hec: plugin siem failed to start: transport hec needs tokenEnv naming a set variable" \
	"$T/out" || fail "$(cat "$T/out")"
# ABI 1.3: a required secret of the typed table (ticket's tokenEnv) is the
# host's to check, at the option's own line, before the plugin starts.
export HEC_TOKEN=h
unset GH_TOKEN
rc=0
"$DRIVER" notify "$T/portgate.yaml" "$T/report.json" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "run without GH_TOKEN: exit $rc"
grep -q "portgate.yaml:6: gh.tokenEnv: environment variable GH_TOKEN is not set" \
	"$T/out" || fail "$(cat "$T/out")"
echo ok
