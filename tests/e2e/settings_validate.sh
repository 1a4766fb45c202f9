#!/bin/sh
# settings_validate: `validate --config` and `check --dry-run` refuse what a real `check` refuses,
# with the same FILE:LINE message: plugin options checked against each plugin's option table
# (without create()), an unknown plugin, the enrich/notify/outbox sections; validate also checks
# serve:. One error per problem.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
PLUGINS="$PG_BUILDDIR/plugins/.libs"
[ -f "$PLUGINS/headers.so" ] && [ -f "$PLUGINS/webhook.so" ] && [ -f "$PLUGINS/ticket.so" ] ||
	pg_skip "plugins headers, webhook and ticket not built"
cd "$PG_TMP"
# nothing is scanned: every settings file below is refused before the scan starts
printf 'assets:\n  - name: a\n    target: 127.0.0.1\n    ports: [%s]\n' "$(pg_closed_port)" >m.yaml

# refused NAME WANT YAML: validate, check --dry-run and check all exit 2 with WANT on stderr
refused() {
	printf '%s\n' "$3" >"$1.yaml"
	for cmd in "validate" "check --dry-run" "check"; do
		# shellcheck disable=SC2086 # cmd is two words on purpose
		pg_expect_exit 2 "$cmd refuses $1" "$PG_BIN" $cmd -m m.yaml --config "$1.yaml" \
			--plugin-dir "$PLUGINS"
		pg_assert_grep "$cmd: $1 at its line" "$1.yaml:$2" "$PG_TMP/err"
	done
}
refused grade "2: h.minGrade: one of A+, A, A-, B+" 'enrichers:
  h: {plugin: headers, minGrade: Z}'
# comma-separated lists of fixed words (ABI 1.4 PG_OPT_ENUM_LIST): the bad word and the choices
if [ -f "$PLUGINS/dns.so" ] && [ -f "$PLUGINS/ip.so" ]; then
	refused dns_types "2: d.types: 'ZZZ' is not one of A, AAAA, CNAME, NS, MX, TXT, CAA, SOA" \
		'enrichers:
  d: { plugin: dns, types: "A,ZZZ" }'
	refused ip_sources "3: i.sources: 'foo' is not one of mmdb, cymru, rdap" 'enrichers:
  i:
    sources: "mmdb,foo"
    plugin: ip'
	refused ip_twice "2: i.sources: 'rdap' is listed twice" 'enrichers:
  i: { plugin: ip, sources: "rdap, cymru,rdap" }'
	printf 'enrichers:\n  d: {plugin: dns, types: "MX, A"}\n  i: {plugin: ip, sources: rdap}\n' >lists.yaml
	pg_expect_exit 0 "validate accepts good lists" "$PG_BIN" validate -m m.yaml \
		--config lists.yaml --plugin-dir "$PLUGINS"
	pg_expect_exit 0 "plugins --describe dns" "$PG_BIN" plugins --plugin-dir "$PLUGINS" \
		--describe dns
	pg_assert_grep "types is an enum-list of the record types" \
		"^types  *enum-list .* A|AAAA|CNAME|NS|MX|TXT|CAA|SOA " "$PG_TMP/out"
else
	echo "SKIP: dns or ip plugin not built: their list options are not checked"
fi
refused noplugin "1: enrichers.x: no plugin named 'nosuch'" 'enrichers: {x: {plugin: nosuch}}'
refused notify_on "1: notify.on: 'fial' is not pass, warn or fail" 'notify: {on: [fial]}'
refused notify_all "1: notify.on: expected a list of actions" 'notify: {on: all}'
refused concurrency "1: enrich.concurrency: expected an integer 1..64" 'enrich: {concurrency: 0}'
refused max_age "1: outbox.maxAgeHours: expected an integer 0..8760" 'outbox: {maxAgeHours: -1}'

# what a real check accepts, validate and the dry run accept too (no create(), no network)
printf 'enrichers:\n  h: {plugin: headers, minGrade: B+}\nenrich: {on: all}\noutbox: {maxAgeHours: 0}\n' >ok.yaml
pg_expect_exit 0 "validate accepts minGrade B+" "$PG_BIN" validate -m m.yaml --config ok.yaml \
	--plugin-dir "$PLUGINS"
pg_expect_exit 0 "the dry run too" "$PG_BIN" check --dry-run -m m.yaml --config ok.yaml \
	--plugin-dir "$PLUGINS"
pg_assert_grep "and prints its plan" "^dry run: 1 of 1 asset" "$PG_TMP/out"
pg_expect_exit 0 "plugins --describe headers" "$PG_BIN" plugins --plugin-dir "$PLUGINS" \
	--describe headers
pg_assert_grep "lists minGrade's choices" "minGrade.*A+" "$PG_TMP/out"

# a required secret's variable: the dry run reads it as a real run does; validate, for a CI job
# that has no secrets, does not
unset PG_E2E_NO_SUCH_TOKEN || true
printf 'notifiers:\n  t:\n    plugin: ticket\n    system: github\n    url: https://api.github.com\n    repo: o/r\n    tokenEnv: PG_E2E_NO_SUCH_TOKEN\n' >secret.yaml
for cmd in "check --dry-run" "check"; do
	# shellcheck disable=SC2086 # cmd is two words on purpose
	pg_expect_exit 2 "$cmd refuses an unset token variable" "$PG_BIN" $cmd -m m.yaml \
		--config secret.yaml --plugin-dir "$PLUGINS"
	pg_assert_grep "$cmd: at its line" \
		"secret.yaml:7: t.tokenEnv: environment variable PG_E2E_NO_SUCH_TOKEN is not set" \
		"$PG_TMP/err"
done
pg_expect_exit 0 "validate needs no secret" "$PG_BIN" validate -m m.yaml --config secret.yaml \
	--plugin-dir "$PLUGINS"

# the serve: section as `portgate serve` reads it
printf 'serve:\n  threads: 0\n' >serve.yaml
pg_expect_exit 2 "validate refuses serve.threads: 0" "$PG_BIN" validate -m m.yaml \
	--config serve.yaml
pg_assert_grep "at its line" "serve.yaml:2: serve.threads: expected an integer from 1 to 256" \
	"$PG_TMP/err"

# one problem, one error: a refused url is not also "required"
printf 'notifiers:\n  w:\n    plugin: webhook\n    url: ftp://x\n' >url.yaml
pg_expect_exit 2 "validate refuses an ftp url" "$PG_BIN" validate -m m.yaml --config url.yaml \
	--plugin-dir "$PLUGINS"
pg_assert_eq "with one error, at its line" "$(cat "$PG_TMP/err")" \
	"portgate: url.yaml:4: w.url: expected an http:// or https:// URL"
printf 'notifiers:\n  w:\n    plugin: webhook\n' >nourl.yaml
pg_expect_exit 2 "validate refuses a missing url" "$PG_BIN" validate -m m.yaml \
	--config nourl.yaml --plugin-dir "$PLUGINS"
pg_assert_grep "as required" "nourl.yaml:3: w: option 'url' is required" "$PG_TMP/err"
pg_done
