#!/bin/sh
# ci_templates: every template of examples/ci parses, and the commands it runs pass (or fail
# exactly as designed) against a local target; the Dockerfile and debian/ match the build
# dependencies and the libraries the built binaries link. Driver: tests/tools/ci_templates.py.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
python3 -c 'import yaml' 2>/dev/null || pg_skip "python3-yaml not installed"
command -v xmllint >/dev/null || pg_skip "xmllint not installed"
pg_listen web "http@127.0.0.1:0" "http@127.0.0.1:0"
web=$(pg_port web 1); admin=$(pg_port web 2)
work="$PG_TMP/repo"
mkdir -p "$work/infra" "$work/previous" "$PG_TMP/bin"
ln -s "$(cd "$(dirname "$PG_BIN")" && pwd)/$(basename "$PG_BIN")" "$PG_TMP/bin/portgate"
{
	echo "version: 1"
	echo "assets:"
	for n in 1 2 3 4; do
		printf '  - name: svc%s\n    target: 127.0.0.1\n    approvedPorts: [%s]\n    ports: [%s, %s]\n' \
			"$n" "$web" "$web" "$admin"
	done
} >"$work/infra/exposure.yaml"
# the previous run: the same assets with only the web port open
sed "s/ports: \[$web, $admin\]/ports: [$web]/" "$work/infra/exposure.yaml" >"$PG_TMP/prev.yaml"
set +e; "$PG_BIN" check -m "$PG_TMP/prev.yaml" --no-probe -q -o "$work/previous/evidence.json"; set -e
builddir=$(cd "$(dirname "$PG_BIN")" && pwd)
PG_CLOSED_PORT=$(pg_closed_port) python3 "$PG_SRCDIR/tests/tools/ci_templates.py" \
	"$(cd "$PG_SRCDIR" && pwd)" "$PG_TMP/bin" "$work" "$builddir" || PG_FAILS=$((PG_FAILS + 1))
pg_done
