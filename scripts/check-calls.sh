#!/bin/sh
# check-calls.sh - the call rule of docs/CODE_STYLE.md: no file-level call cycle inside one
# folder (core/<stage>/, plugins/<name>/), so a folder reads top-down.
#   sh scripts/check-calls.sh [BUILD_DIR]      (default build/; run after the build)
# Reads the build's objects with nm: an object's defined (T) and undefined (U) symbols are
# exactly what its file defines and calls, after the preprocessor, with nothing to parse.
# File A depends on file B when A has a U symbol that B defines (T, W, D, B, R: a call or a
# reference to B's data). A strongly connected set of two or more files is a cycle; each is
# printed with the symbols that close it. A cycle listed in scripts/check-calls.allow (the
# folder and the cycle's sorted file names on one line, under a comment saying why) is printed
# as allowed; any other cycle fails, and so does an allow line that no longer matches a cycle
# (delete it). Exits 1 on a failure, 2 when the build has no objects.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
bld=$(cd "${1:-$src/build}" && pwd)
allow="$src/scripts/check-calls.allow"
command -v nm >/dev/null || { echo "check-calls: nm not found (binutils)"; exit 2; }
command -v python3 >/dev/null || { echo "check-calls: python3 not found"; exit 2; }
tmp=$(mktemp "${TMPDIR:-/tmp}/pg-calls.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# "FOLDER FILE KIND SYMBOL" per symbol. An object is DIR/[.libs/]TARGET-BASE.o (automake with
# subdir-objects); a file compiled for several targets (netlib into each plugin) is one file.
cd "$bld"
find core plugins -name '*.o' ! -path '*/tests/*' 2>/dev/null | sort | while IFS= read -r o; do
	dir=$(dirname "$o")
	dir=${dir%/.libs}
	case "$dir" in core | plugins) continue ;; esac # main.c: no folder to cycle in
	base=$(basename "$o" .o)
	file=${base#*-}.c
	# an object whose source is gone (a file moved or deleted since this build) is stale
	[ -f "$src/$dir/$file" ] || [ -f "$dir/$file" ] || continue
	nm -P "$o" | awk -v d="$dir" -v f="$file" '$2 ~ /^[TWDBRVU]$/ { print d, f, $2, $1 }'
done >"$tmp"
[ -s "$tmp" ] || { echo "check-calls: no objects under $bld/core or $bld/plugins (build first)"; exit 2; }
exec python3 - "$tmp" "$allow" <<'PY'
import sys
from collections import defaultdict

syms, allow_path = sys.argv[1], sys.argv[2]
defs = defaultdict(dict)                      # folder -> symbol -> defining file
uses = defaultdict(lambda: defaultdict(set))  # folder -> file -> used symbols
for line in open(syms):
    folder, f, kind, sym = line.split()
    if kind == "U":
        uses[folder][f].add(sym)
    else:
        defs[folder][sym] = f


def edges(folder):
    """file -> {callee file: [symbols]} within one folder."""
    out = defaultdict(dict)
    for f, used in uses[folder].items():
        for s in sorted(used):
            g = defs[folder].get(s)
            if g and g != f:
                out[f].setdefault(g, []).append(s)
    return out


def sccs(graph, nodes):
    """Tarjan's strongly connected components, iterative (no recursion limit)."""
    index, low, on, stack, comps, n = {}, {}, set(), [], [], 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, {}))))]
        index[root] = low[root] = n; n += 1; stack.append(root); on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = n; n += 1; stack.append(w); on.add(w)
                    work.append((w, iter(sorted(graph.get(w, {})))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); on.discard(w); comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    return comps


def one_cycle(graph, comp):
    """A shortest cycle through the component's first file, as a list of files."""
    start, inside = comp[0], set(comp)
    prev, todo = {start: None}, [start]
    while todo:
        nxt = []
        for v in todo:
            for w in sorted(graph[v]):
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w in inside and w not in prev:
                    prev[w] = v
                    nxt.append(w)
        todo = nxt
    return comp + [start]


allowed = {}
for n, line in enumerate(open(allow_path) if allow_path else [], 1):
    words = line.split("#", 1)[0].split()
    if words:
        allowed[(words[0], tuple(sorted(words[1:])))] = n

bad, seen = 0, set()
for folder in sorted(set(uses) | set(defs)):
    graph = edges(folder)
    for comp in sccs(graph, sorted(set(uses[folder]) | set(graph))):
        key = (folder, tuple(comp))
        cyc = one_cycle(graph, comp)
        hops = "".join(
            " -[%s]-> %s" % (", ".join(graph[a][b][:3]), b) for a, b in zip(cyc, cyc[1:]))
        if key in allowed:
            seen.add(key)
            print("check-calls: allowed (%s:%d): %s/: %s%s" % (
                "scripts/check-calls.allow", allowed[key], folder, cyc[0], hops))
            continue
        bad = 1
        print("%s/: call cycle among %s:\n  %s%s" % (folder, " ".join(comp), cyc[0], hops))
for key, n in sorted(allowed.items(), key=lambda kv: kv[1]):
    if key not in seen:
        bad = 1
        print("scripts/check-calls.allow:%d: %s/ %s is no longer a cycle: delete the line" % (
            n, key[0], " ".join(key[1])))
if bad:
    print("check-calls: file-level call cycles inside a folder (docs/CODE_STYLE.md, Layout)")
    sys.exit(1)
print("check-calls: ok")
PY
