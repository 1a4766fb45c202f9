#!/bin/sh
# report_merge: shards of one manifest checked separately and merged give the report,
# outputs and exit code of one unsharded check; sets that are not one run are refused.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

pg_listen web "http@127.0.0.1:0" "silent@127.0.0.1:0"
web=$(pg_port web 1); admin=$(pg_port web 2); closed=$(pg_closed_port)
cd "$PG_TMP"
{
	echo "version: 1"
	echo "assets:"
	for n in 1 2 3 4 5 6; do
		echo "  - name: a$n"
		echo "    target: 127.0.0.1"
		if [ "$n" = 3 ]; then echo "    approvedPorts: [$web]"; else echo "    approvedPorts: [$web, $admin]"; fi
		echo "    ports: [$web, $admin, $closed]"
	done
} >m.yaml
pg_expect_exit 1 "unsharded check" "$PG_BIN" check -m m.yaml --no-probe -q -o all.json
for i in 1 2 3; do
	set +e; "$PG_BIN" check -m m.yaml --no-probe -q --shard "$i/3" -o "s$i.json"; set -e
done
pg_assert_eq "shards record manifest hash and index" \
	"$(pg_json s2.json '[d["run"]["shard"], d["run"]["manifestSha256"] == __import__("hashlib").sha256(open("m.yaml","rb").read()).hexdigest()]')" \
	'[{"index": 2, "count": 3, "manifestAssets": 6}, true]'
pg_assert_eq "the shards split the manifest" \
	"$(python3 -c 'import json; print(sum(len(json.load(open("s%d.json" % i))["assets"]) for i in (1,2,3)))')" "6"

pg_expect_exit 1 "merged exit code = unsharded" "$PG_BIN" merge s3.json s1.json s2.json \
	-o merged.json --format junit --output merged.xml
cp "$PG_TMP/out" merge.out
pg_assert_eq "assets in manifest order" "$(pg_json merged.json '[a["name"] for a in d["assets"]]')" \
	"$(pg_json all.json '[a["name"] for a in d["assets"]]')"
pg_assert_eq "same findings" \
	"$(pg_json merged.json '[(a["name"], a["verdict"], [f["fingerprint"] + f["action"] for f in a["findings"]]) for a in d["assets"]]')" \
	"$(pg_json all.json '[(a["name"], a["verdict"], [f["fingerprint"] + f["action"] for f in a["findings"]]) for a in d["assets"]]')"
pg_assert_eq "same run verdict and summary" \
	"$(pg_json merged.json '(d["run"]["verdict"], d["run"]["exitCode"], d["run"]["summary"])')" \
	"$(pg_json all.json '(d["run"]["verdict"], d["run"]["exitCode"], d["run"]["summary"])')"
pg_assert_eq "the shards are listed" "$(pg_json merged.json 'sorted(s["index"] for s in d["run"]["shards"])')" "[1, 2, 3]"
pg_assert_grep "one summary line" "^portgate: 6 assets: 5 pass, 0 warn, 1 fail" merge.out
pg_assert_eq "merged JUnit has every asset" \
	"$(python3 -c 'import xml.etree.ElementTree as E; print(len(E.parse("merged.xml").getroot().findall("testsuite")))')" "6"

cp all.json base.json
pg_expect_exit 1 "merge --baseline: drift over the merged report" \
	"$PG_BIN" merge s1.json s2.json s3.json -q -o drift.json --baseline base.json
pg_assert_eq "no changes against the unsharded run" "$(pg_json drift.json 'd["run"]["drift"]["changes"]')" "[]"

# Shards of a manifest on stdin (-m -) record the sha256 of what they read.
for i in 1 2 3; do
	set +e; "$PG_BIN" check -m - --no-probe -q --shard "$i/3" -o "in$i.json" <m.yaml; set -e
done
pg_assert_eq "stdin shards record the manifest's sha256" \
	"$(pg_json in2.json 'd["run"]["manifestSha256"] == __import__("hashlib").sha256(open("m.yaml","rb").read()).hexdigest()')" "true"
pg_expect_exit 2 "stdin shards without -m: the manifest is asked for" "$PG_BIN" merge in1.json in2.json in3.json
pg_assert_eq "says how" "$(cat "$PG_TMP/err")" \
	"portgate: merge: the shards read their manifest from stdin (-m -): give it with -m FILE"
pg_expect_exit 1 "stdin shards merged with -m FILE" "$PG_BIN" merge in1.json in2.json in3.json -m m.yaml -q -o in.json
pg_assert_eq "same findings as unsharded" \
	"$(pg_json in.json '[(a["name"], [f["fingerprint"] + f["action"] for f in a["findings"]]) for a in d["assets"]]')" \
	"$(pg_json all.json '[(a["name"], [f["fingerprint"] + f["action"] for f in a["findings"]]) for a in d["assets"]]')"
pg_expect_exit 1 "stdin shards merged with -m -" sh -c '"$1" merge in1.json in2.json in3.json -m - -q <m.yaml' sh "$PG_BIN"
# Shards run in a subdirectory (check -m many.yaml from infra/), merged from the top:
# the manifest is found by run.source, not by the path as given.
mkdir -p top/infra
cp m.yaml top/infra/many.yaml
for i in 1 2 3; do
	set +e; (cd top/infra && "$PG_BIN" check -m many.yaml --source-root .. --no-probe -q \
		--shard "$i/3" -o "../sub$i.json"); set -e
done
pg_expect_exit 1 "subdirectory shards merged from the top" sh -c 'cd top && "$1" merge sub1.json sub2.json sub3.json -q' sh "$PG_BIN"
pg_expect_exit 1 "and from elsewhere, by the recorded root" "$PG_BIN" merge top/sub1.json top/sub2.json top/sub3.json -q

# One shard from stdin, one from a subdirectory: the merged run names the manifest merge
# read (-m, else the one it found), whatever shard comes first, as check -m would.
mkdir -p rep/.git rep/infra
cp m.yaml rep/m.yaml
cp m.yaml rep/infra/m.yaml
(cd rep && { "$PG_BIN" check -m - --no-probe -q --shard 1/2 -o in.json <m.yaml || :; } &&
	cd infra && { "$PG_BIN" check -m m.yaml --no-probe -q --shard 2/2 -o ../sub.json || :; })
for order in "in.json sub.json" "sub.json in.json"; do
	pg_expect_exit 1 "merge -m m.yaml $order" sh -c 'cd rep && "$1" merge -m m.yaml $2 -q -o mm.json \
		--format sarif --output mm.sarif --format markdown --output mm.md' sh "$PG_BIN" "$order"
	pg_assert_eq "$order: run names the -m manifest" \
		"$(pg_json rep/mm.json '[d["run"]["manifest"], d["run"]["source"]["manifest"]]')" '["m.yaml", "m.yaml"]'
	pg_assert_eq "$order: SARIF names it" "$(python3 -c 'import json,sys; print(sorted({l["physicalLocation"]["artifactLocation"]["uri"] for r in json.load(open(sys.argv[1]))["runs"][0]["results"] for l in r["locations"]}))' rep/mm.sarif)" "['m.yaml']"
	pg_assert_grep "$order: markdown names it" 'manifest `m.yaml`' rep/mm.md
done
pg_expect_exit 1 "merge without -m names the manifest it found" sh -c 'cd rep && "$1" merge sub.json in.json -q -o found.json' sh "$PG_BIN"
pg_assert_eq "found from here, not the shard's path" \
	"$(pg_json rep/found.json '[d["run"]["manifest"], d["run"]["source"]["manifest"]]')" '["m.yaml", "m.yaml"]'
pg_expect_exit 1 "merge -m infra/m.yaml" sh -c 'cd rep && "$1" merge -m infra/m.yaml in.json sub.json -q -o infra.json' sh "$PG_BIN"
pg_assert_eq "names infra/m.yaml" \
	"$(pg_json rep/infra.json '[d["run"]["manifest"], d["run"]["source"]["manifest"]]')" '["infra/m.yaml", "infra/m.yaml"]'

# A shard compared with the full run's evidence: the other shards' assets are not removed.
for i in 1 2 3; do
	set +e; "$PG_BIN" check -m m.yaml --no-probe -q --shard "$i/3" --baseline all.json -o "sb$i.json"; set -e
	pg_assert_eq "shard $i/3 --baseline full run: no change" \
		"$(pg_json "sb$i.json" '[c["change"] + " " + c["asset"] for c in d["run"]["drift"]["changes"]]')" "[]"
done

pg_expect_exit 2 "an incomplete set is refused" "$PG_BIN" merge s1.json s3.json
pg_assert_eq "names the missing shard" "$(cat "$PG_TMP/err")" "portgate: merge: incomplete set: missing shard 2/3"
pg_expect_exit 2 "a doubled shard is refused" "$PG_BIN" merge s1.json s2.json s2.json s3.json
pg_assert_eq "names both files" "$(cat "$PG_TMP/err")" "portgate: merge: s2.json and s2.json are both shard 2/3"
sed 's/a1$/b1/' m.yaml >other.yaml
set +e; "$PG_BIN" check -m other.yaml --no-probe -q --shard 2/3 -o o2.json; set -e
pg_expect_exit 2 "shards of different manifests are refused" "$PG_BIN" merge s1.json o2.json s3.json
pg_assert_grep "says so" "^portgate: merge: s1.json and o2.json are shards of different manifests" "$PG_TMP/err"
pg_expect_exit 2 "an unsharded run is not a shard of three" "$PG_BIN" merge s1.json all.json s3.json
pg_assert_eq "says so" "$(cat "$PG_TMP/err")" "portgate: merge: s1.json is a shard of 3, all.json of 1"
# tampered sets (evidence is untrusted input): assets taken out, a shard relabelled, an asset doubled
python3 - <<'PY'
import json
docs = {i: json.load(open("s%d.json" % i)) for i in (1, 2, 3)}
big = max(docs, key=lambda i: len(docs[i]["assets"]))  # the shard holding most assets
other = 1 if big != 1 else 2
rest = [i for i in (1, 2, 3) if i not in (big, other)][0]
def edit(i, dst, fn):
    d = json.loads(json.dumps(docs[i])); fn(d); json.dump(d, open(dst, "w"))
edit(big, "t-empty.json", lambda d: d.__setitem__("assets", []))
edit(big, "t-big-as-other.json", lambda d: d["run"]["shard"].__setitem__("index", other))
edit(other, "t-other-as-big.json", lambda d: d["run"]["shard"].__setitem__("index", big))
edit(big, "t-twice.json", lambda d: d["assets"].append(d["assets"][0]))
edit(big, "t-old.json", lambda d: d["run"]["shard"].pop("manifestAssets", None))
for name, i in (("s-big.json", big), ("s-other.json", other), ("s-rest.json", rest)):
    json.dump(docs[i], open(name, "w"))
PY
pg_expect_exit 2 "a shard with its assets taken out is refused" "$PG_BIN" merge t-empty.json s-other.json s-rest.json
pg_assert_grep "says how many are missing" "^portgate: merge: the shards hold [0-9]* assets, the manifest has 6" "$PG_TMP/err"
pg_expect_exit 2 "shards relabelled are refused" "$PG_BIN" merge t-big-as-other.json t-other-as-big.json s-rest.json
pg_assert_grep "names the asset in the wrong shard" "^portgate: merge: t-big-as-other.json: asset 'a[0-9]' does not belong to shard [0-9]/3" "$PG_TMP/err"
pg_expect_exit 2 "an asset twice is refused" "$PG_BIN" merge t-twice.json s-other.json s-rest.json
pg_assert_grep "says so" "^portgate: merge: asset 'a[0-9]' is in the shards twice" "$PG_TMP/err"
pg_expect_exit 2 "a shard without manifestAssets is refused" "$PG_BIN" merge t-old.json s-other.json s-rest.json
pg_assert_grep "says so" "older portgate" "$PG_TMP/err"
echo "# edited" >>m.yaml
pg_expect_exit 2 "a manifest changed since the shards ran is refused" "$PG_BIN" merge s1.json s2.json s3.json
pg_assert_grep "says so" "^portgate: merge: m.yaml is not the manifest the shards ran" "$PG_TMP/err"
pg_expect_exit 2 "no files" "$PG_BIN" merge
pg_assert_eq "one message" "$(head -1 "$PG_TMP/err")" "portgate: merge: no shard evidence files given"
pg_done
