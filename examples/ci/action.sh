#!/bin/sh
# The action's check step (action.yml): turns the INPUT_* variables into one `portgate check`,
# writes verdict, exit-code and sarif to $GITHUB_OUTPUT, and exits 0 so that the SARIF upload
# still runs; the action's last step exits with the code. tests/tools/ci_templates.py runs it
# with INPUT_* variables as the runner sets them.
set -eu
out=${GITHUB_OUTPUT:-/dev/null}
set -- check -m "${INPUT_MANIFEST:-infra/exposure.yaml}" --mode "${INPUT_MODE:-enforce}" -q \
	--out "${INPUT_EVIDENCE:-portgate-evidence.json}"
[ -z "${INPUT_SETTINGS:-}" ] || set -- "$@" --config "$INPUT_SETTINGS"
[ -z "${INPUT_SHARD:-}" ] || set -- "$@" --shard "$INPUT_SHARD"
[ -z "${INPUT_BASELINE:-}" ] || set -- "$@" --baseline "$INPUT_BASELINE"
sarif=""
# no globbing while splitting the lists on spaces and commas
set -f
for spec in $(printf '%s' "${INPUT_FORMATS:-}" | tr ',' ' '); do
	fmt=${spec%%:*}
	path=""
	[ "$fmt" = "$spec" ] || path=${spec#*:}
	case "$fmt" in
	sarif)
		path=${path:-${INPUT_SARIF:-portgate.sarif}}
		sarif=$path
		;;
	github) path=${path:--} ;;
	markdown)
		# no step summary outside Actions: the format is left out, not sent to stdout;
		# inside, portgate appends to it as GitHub does (earlier lines stay)
		path=${path:-${GITHUB_STEP_SUMMARY:-}}
		[ -n "$path" ] || continue
		;;
	junit | gitlab | ndjson | json | html) path=${path:-portgate.$fmt} ;;
	*)
		echo "::error::portgate action: unknown format '$fmt' in the formats input" >&2
		printf 'verdict=error\nexit-code=2\nsarif=\n' >>"$out"
		exit 0
		;;
	esac
	set -- "$@" --format "$fmt" --output "$path"
done
# shellcheck disable=SC2086 # split on spaces on purpose (documented: no quoting)
set -- "$@" ${INPUT_ARGS:-}
set +f
rc=0
portgate "$@" || rc=$?
case "$rc" in
0) verdict=pass ;;
1) verdict=fail ;;
3) verdict=could-not-check ;;
*) verdict=error ;;
esac
# the evidence says warn (exit 0) or could-not-check in monitor mode (exit 3) more precisely
ev=${INPUT_EVIDENCE:-portgate-evidence.json}
if [ "$rc" != 2 ] && [ -f "$ev" ]; then
	v=$(grep -o '"verdict": *"[a-z-]*"' "$ev" | head -n 1 | sed 's/.*"\([a-z-]*\)"$/\1/')
	verdict=${v:-$verdict}
fi
[ -f "$sarif" ] || sarif=""
printf 'verdict=%s\nexit-code=%s\nsarif=%s\n' "$verdict" "$rc" "$sarif" >>"$out"
echo "portgate: verdict $verdict (exit $rc)"
