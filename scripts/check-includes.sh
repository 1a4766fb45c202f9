#!/bin/sh
# check-includes.sh - the include rule of docs/architecture.md: a file in core/<stage>/
# includes only its own stage's headers and the public headers of stages below it
# (never another stage's *_int.h); common/ sits below every stage (core and the plugins
# share it) and includes nothing but common/ and <portgate/plugin.h>. Exits 1 and names
# every violation.
set -eu
cd "$(dirname "$0")/.."
# The stage order, lowest first. A new stage folder must be added here.
ORDER="common util doc manifest resolve probe scan config policy report plugin enrich notify run serve cli"
level() {
	i=0
	for s in $ORDER; do [ "$s" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done
	echo -1
}
bad=0
for f in $(find core -mindepth 2 -name '*.[ch]' | sort); do
	stage=$(echo "$f" | cut -d/ -f2)
	ls_=$(level "$stage")
	if [ "$ls_" -lt 0 ]; then echo "$f: stage folder '$stage' is not in ORDER"; bad=1; continue; fi
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]*/' "$f" | while IFS= read -r line; do
		n=${line%%:*}
		inc=$(echo "$line" | sed 's/.*"\([^"]*\)".*/\1/')
		to=${inc%%/*}
		lt=$(level "$to")
		if [ "$to" != "$stage" ] && { [ "$lt" -lt 0 ] || [ "$lt" -ge "$ls_" ]; }; then
			echo "$f:$n: $stage may not include $inc (stage $to is not below $stage)"
		elif [ "$to" != "$stage" ] && case "$inc" in *_int.h) true;; *) false;; esac; then
			echo "$f:$n: $inc is internal to $to"
		fi
	done
done >"${TMPDIR:-/tmp}/pg-includes.$$"
# common/: written "common/x.h"; anything else quoted is core's or a plugin's.
grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' common/*.[ch] | grep -v '"common/[a-z_]*\.h"' |
	sed 's/^\([^:]*:[0-9]*\):.*"\([^"]*\)".*/\1: common may not include \2 (only common\/)/' \
	>>"${TMPDIR:-/tmp}/pg-includes.$$" || true
if [ -s "${TMPDIR:-/tmp}/pg-includes.$$" ]; then
	cat "${TMPDIR:-/tmp}/pg-includes.$$"; rm -f "${TMPDIR:-/tmp}/pg-includes.$$"
	echo "check-includes: the include rule is broken (docs/architecture.md)"; exit 1
fi
rm -f "${TMPDIR:-/tmp}/pg-includes.$$"
echo "check-includes: ok"
