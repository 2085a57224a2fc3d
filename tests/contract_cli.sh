#!/usr/bin/env bash
# contract_cli.sh — the registries are the single source of names, and the
# protocol contract is what the code does:
# - 'dsim list models|checks|faults --json' list exactly what 'dsim check
#   --model', c:check and c:nemesis accept (their errors name the same
#   list, and every listed name is accepted);
# - every event a protocol emits while its demos and fuzz scenarios run is
#   declared, with every field, in its 'events' table, and every declared
#   event is emitted somewhere in its source;
# - Raft's invariant record survives a crash of every node between two
#   checks (tests/scenarios/ghost_total_crash.lua);
# - versions: 'dsim --version'; the build id in run summaries (text and
#   --json, which also carries the -D params and alone reproduces the run),
#   trace headers, fuzz results, reproduction lines and schedule files;
#   replay and report warn on a file whose build field was edited;
#   tools/version_c.sh says "unknown" outside a git checkout.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
sc=$src/tests/scenarios
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
names() { python3 -c 'import json,sys; print(", ".join(x["name"] for x in json.load(sys.stdin)))'; }
cd "$tmp" || exit 1

# -- models ----------------------------------------------------------------
models=$("$bin" list models --json | names)
[ -n "$models" ] && ok "dsim list models --json: $models" || bad "dsim list models --json"
printf '{"process":0,"type":"invoke","f":"read","value":null}\n' >h.jsonl
for m in ${models//,/}; do
    "$bin" check --model "$m" h.jsonl >out.txt 2>&1
    ! grep -q "unknown model" out.txt || bad "dsim check --model $m: listed but refused"
    "$bin" check --help | grep -q "^  $m " || bad "dsim check --help lacks the listed model $m"
done
"$bin" check --model nonesuch h.jsonl >/dev/null 2>&1
[ $? -eq 2 ] && ok "an unlisted model is refused (exit 2)" || bad "dsim check --model nonesuch"

# -- checks ----------------------------------------------------------------
checks=$("$bin" list checks --json | names)
"$bin" run "$sc/checks_bad.lua" >out.txt 2>&1
[ $? -eq 2 ] && grep -qF "(known: $checks)" out.txt && ok "c:check's error lists the table: $checks" \
    || bad "c:check unknown-check message: $(cat out.txt) vs $checks"
"$bin" list checks --json | python3 -c 'import json,sys; c=json.load(sys.stdin); assert all(x["summary"] for x in c)' \
    || bad "every check has a summary"

# -- fault kinds -----------------------------------------------------------
kinds=$("$bin" list faults --json | names)
cat >bogus.lua <<'LUA'
local c = dsim.cluster { nodes = 3 }
c:nemesis { faults = {} }
LUA
"$bin" run bogus.lua >out.txt 2>&1
[ $? -eq 2 ] && grep -qF "(kinds: $kinds)" out.txt && ok "c:nemesis's error lists the table: $kinds" \
    || bad "c:nemesis message: $(cat out.txt) vs $kinds"

# -- listings: text and unknown subjects ------------------------------------
for s in protocols faults models checks; do
    "$bin" list "$s" >out.txt 2>&1 && [ -s out.txt ] || bad "dsim list $s"
    "$bin" list "$s" --json | python3 -c 'import json,sys; assert json.load(sys.stdin)' || bad "dsim list $s --json"
    "$bin" list --help | grep -q "^  $s " || bad "dsim list --help lacks $s"
done
"$bin" list nonesuch >/dev/null 2>&1
[ $? -eq 2 ] && ok "dsim list nonesuch: exit 2" || bad "dsim list nonesuch"

# -- events: what the demos emit is declared ---------------------------------
"$bin" list --json >protocols.json
# (an undeclared event or field stops the run with an assertion: exit > 2)
for f in "$src"/scenarios/demos/*.lua; do
    "$bin" run "$f" --trace "demo_$(basename "$f" .lua).jsonl" >out.txt 2>&1
    [ $? -le 1 ] || bad "$(basename "$f"): $(tail -3 out.txt)"
done
for p in single raft lock; do
    for seed in 1 2 3; do
        "$bin" run "$src/scenarios/fuzz/$p.lua" --seed $seed --trace "fuzz_${p}_$seed.jsonl" >out.txt 2>&1
        [ $? -le 1 ] || bad "fuzz/$p.lua --seed $seed: $(tail -3 out.txt)"
    done
done
python3 - "$src" <<'PY' && ok "every emitted event and field is declared; every declared one is emitted in the source" || bad "events"
import glob, json, os, re, sys
src = sys.argv[1]
protocols = {p["name"]: p for p in json.load(open("protocols.json"))}
declared = {name: {e["name"]: {f.split(":")[0].strip() for f in e["fields"].split(",") if f.strip()}
                   for e in p["events"]} for name, p in protocols.items()}
bad, seen = [], {}
for path in sorted(glob.glob("*.jsonl")):
    lines = open(path).read().splitlines()
    if not lines:
        continue
    proto = json.loads(lines[0]).get("protocol")
    for line in lines[1:]:
        e = json.loads(line)
        if e.get("ev") != "emit":
            continue
        seen.setdefault(proto, set()).add(e["name"])
        fields = set(e.get("fields", {}))
        if e["name"] not in declared[proto]:
            bad.append(f"{path}: {proto} emitted undeclared '{e['name']}'")
        elif not fields <= declared[proto][e["name"]]:
            bad.append(f"{path}: {proto} '{e['name']}' has undeclared fields {fields - declared[proto][e['name']]}")
for proto in ("raft", "lock"):
    if not seen.get(proto):
        bad.append(f"no {proto} events were seen: the test saw nothing")
for name in declared:
    text = "".join(open(f).read() for f in glob.glob(os.path.join(src, "protocols", name, "*.c")))
    for ev in declared[name]:
        if not re.search(r'_emit\(n, "%s"' % re.escape(ev), text):
            bad.append(f"{name} declares '{ev}' but never emits it")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

# -- the checker's state survives a total crash ---------------------------------
"$bin" run "$sc/ghost_total_crash.lua" -D bug=vote_not_persisted >out.txt 2>&1
[ $? -eq 1 ] && grep -q "Election Safety: n1 and n3 were both leaders of term 1" out.txt \
    && ok "a violation across a crash of every node is caught" || bad "ghost across a total crash: $(cat out.txt)"
"$bin" run "$sc/ghost_total_crash.lua" >out.txt 2>&1
[ $? -eq 0 ] && ok "the same schedule without the bug passes" || bad "ghost_total_crash.lua: $(cat out.txt)"

# -- versions ----------------------------------------------------------------
"$bin" --version >version.txt
release=$(sed -n 's/^dsim \([0-9][0-9.]*\)$/\1/p' version.txt)
build=$(sed -n 's/^build *//p' version.txt)
grep -q "version: '$release'" "$src/meson.build" && [ -n "$build" ] \
    && ok "dsim --version: $release, build $build" || bad "dsim --version: $(cat version.txt)"
"$bin" --version extra >/dev/null 2>&1
[ $? -eq 2 ] && ok "dsim --version takes no arguments (exit 2)" || bad "dsim --version extra"
demo=$src/scenarios/demos/single_kv.lua
"$bin" run "$demo" --seed 3 -D bug=ack_before_sync --json --trace trace.jsonl >run.json 2>/dev/null
python3 - "$release" "$build" <<'PY' && ok "the --json summary carries version, build and params" || bad "run --json: $(cat run.json)"
import json, sys
d = json.load(open("run.json"))
assert d["version"] == sys.argv[1] and d["build"] == sys.argv[2], d
assert d["params"] == {"bug": "ack_before_sync"}, d["params"]
h = json.loads(open("trace.jsonl").readline())
assert h["version"] == sys.argv[1] and h["build"] == sys.argv[2], h
PY
# The summary alone reproduces the run: scenario, seed and params.
args=$(python3 -c 'import json; d=json.load(open("run.json")); print(d["scenario"], "--seed", d["seed"], *["-D %s=%s" % kv for kv in d["params"].items()])')
# shellcheck disable=SC2086
again=$("$bin" run $args --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
[ "$again" = "$(python3 -c 'import json; print(json.load(open("run.json"))["fingerprint"])')" ] \
    && ok "the --json summary alone reproduces the run" || bad "rerun from the summary: $again"
"$bin" run "$demo" -D bug=ack_before_sync >run.txt 2>&1
grep -q "^dsim  *$release, build $build$" run.txt && grep -q "^params  *-D bug=ack_before_sync$" run.txt \
    && ok "the text summary names the build and the params" || bad "text summary: $(cat run.txt)"
"$bin" fuzz "$src/scenarios/fuzz/single.lua" --seeds 1..4 -D bug=ack_before_sync --out r.jsonl >fuzz.txt 2>&1
python3 - "$build" <<'PY' && ok "every fuzz result line carries the build" || bad "fuzz results: $(head -2 r.jsonl)"
import json, sys
lines = [json.loads(l) for l in open("r.jsonl")]
assert lines and all(l["build"] == sys.argv[1] for l in lines)
PY
grep -q "^  dsim run .*# .*build $build$" fuzz.txt && ok "the printed reproduction line names the build" \
    || bad "fuzz reproduction line: $(cat fuzz.txt)"
seed=$(python3 -c 'import json; print(next(json.loads(l)["seed"] for l in open("r.jsonl") if json.loads(l).get("status") == "fail"))')
"$bin" replay r.jsonl --seed "$seed" >replay.txt 2>err.txt
[ ! -s err.txt ] && grep -q "^dsim  *$release, build $build$" replay.txt \
    && ok "replay by the same build: no warning; the summary names the build" || bad "replay: $(cat err.txt replay.txt)"
sed 's/"build":"[^"]*"/"build":"0123456789ab.00000000"/' r.jsonl >other.jsonl
"$bin" replay other.jsonl --seed "$seed" --json >replay.json 2>err.txt
grep -q "warning: other.jsonl was recorded by dsim $release, build 0123456789ab.00000000; this is dsim $release, build $build" err.txt \
    && python3 -c 'import json; d=json.load(open("replay.json")); assert d["same_build"] is False and d["same_fingerprint"]' \
    && ok "replay warns when the file names another build" || bad "replay of another build: $(cat err.txt)"
"$bin" report other.jsonl >/dev/null 2>err.txt
[ "$(grep -c "warning: other.jsonl was recorded by dsim $release, build 0123456789ab" err.txt)" = 1 ] \
    && ok "report warns once per file of another build" || bad "report of another build: $(cat err.txt)"
"$bin" report r.jsonl >/dev/null 2>err.txt
[ ! -s err.txt ] && ok "report of this build's file: no warning" || bad "report warned: $(cat err.txt)"
"$bin" shrink "$src/scenarios/fuzz/single.lua" --seed "$seed" -D bug=ack_before_sync --out shrunk.json >/dev/null 2>&1
python3 -c 'import json,sys; d=json.load(open("shrunk.json")); assert d["build"] == sys.argv[1]' "$build" \
    && ok "the shrunk schedule file carries the build" || bad "shrink: $(head -c 300 shrunk.json)"
mkdir nogit && sh "$src/tools/version_c.sh" "$PWD/nogit" v.c 9.9.9 "cc flags" \
    && grep -q 'version_commit(void) { return "unknown"; }' v.c && grep -q 'version_build(void) { return "unknown\.[0-9a-f]\{8\}"; }' v.c \
    && ok "outside a git checkout the commit is unknown" || bad "version_c.sh without git: $(cat v.c)"

[ $fails -eq 0 ] && echo "contract_cli: ok"
exit $((fails > 0))
