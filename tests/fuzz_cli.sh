#!/usr/bin/env bash
# fuzz_cli.sh — dsim fuzz, replay, shrink and report, end to end on
# scenarios/fuzz/single.lua: the fuzzer finds the planted bug and prints a
# command that reproduces it (same fingerprint); results are identical with
# --jobs 1 and --jobs 2; shards are disjoint and cover the range, and report
# merges them; replay gives the recorded fingerprint; a shrunk schedule has
# fewer faults, fails the same way and replays; swarm draws differ across
# seeds; a seed always gives the same fingerprint and another seed another
# one; a killed worker's seed is an error and the rest still runs; bad
# input exits 2 with a message. The GNU parallel recipe runs when
# 'parallel' is installed.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
cp "$src/scenarios/fuzz/single.lua" single.lua
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
BUG="-D bug=ack_before_sync"

# --- the fuzzer finds the planted bug and prints the reproducing command
"$bin" fuzz single.lua --seeds 1..24 --jobs 2 $BUG --out j2.jsonl >fuzz.txt 2>&1
[ $? -eq 1 ] || fail "fuzz of the planted bug should exit 1"
grep -q "dsim run single.lua --seed [0-9]* -D bug=ack_before_sync" fuzz.txt || fail "no reproducing command: $(cat fuzz.txt)"
cmd=$(grep -m1 -o "dsim run single.lua --seed [0-9]* -D bug=ack_before_sync" fuzz.txt)
seed=$(echo "$cmd" | sed 's/.*--seed \([0-9]*\).*/\1/')
want=$(python3 -c "import json
for l in open('j2.jsonl'):
    d = json.loads(l)
    if d['seed'] == $seed: print(d['fingerprint'])")
got=$(${cmd/dsim/$bin} --json 2>/dev/null | json 'd["fingerprint"]')
[ -n "$want" ] && [ "$want" = "$got" ] || fail "the reproducing command gave fingerprint '$got', fuzz recorded '$want'"
${cmd/dsim/$bin} >/dev/null 2>&1
[ $? -eq 1 ] || fail "the reproducing command should fail too"

# --- the same results with --jobs 1; --json summary shape
"$bin" fuzz single.lua --seeds 1..24 --jobs 1 $BUG --out j1.jsonl --json >sum.json 2>/dev/null
cmp -s j1.jsonl j2.jsonl || fail "results differ between --jobs 1 and --jobs 2"
json 'd["seeds"] == 24 and len(d["failed"]) > 0 and d["seeds_per_s"] > 0' <sum.json | grep -q True \
    || fail "fuzz --json summary: $(cat sum.json)"

# --- --stop-after stops early
"$bin" fuzz single.lua --seeds 1..400 --jobs 2 --stop-after 2 $BUG --json >stop.json 2>/dev/null
json 'len(d["failed"]) >= 2 and d["done"] < 400' <stop.json | grep -q True || fail "--stop-after 2: $(cat stop.json)"

# --- a worker that dies: its seed is an error, the others still run
"$bin" fuzz single.lua --seeds 1..300 --jobs 2 --out killed.jsonl --json >killed.json 2>/dev/null &
fpid=$!
sleep 0.2
victim=$(pgrep -P $fpid | head -1)
[ -n "$victim" ] && kill -9 "$victim"
wait $fpid
python3 -c "
import json
d = json.load(open('killed.json'))
lines = [json.loads(l) for l in open('killed.jsonl')]
assert d['done'] == 300 and [l['seed'] for l in lines] == list(range(1, 301)), d
assert len(d['errors']) <= 1 and not d['failed'], d
assert all('signal 9' in r['detail'] for r in d['reproduce']), d
" || fail "a killed worker: $(head -c 400 killed.json)"

# --- the correct variant passes
"$bin" fuzz single.lua --seeds 1..40 --jobs 2 >ok.txt 2>&1 || fail "the correct variant failed: $(cat ok.txt)"

# --- shards are disjoint, cover the range, and report merges them
for i in 1 2 3; do "$bin" fuzz single.lua --seeds 1..24 --shard $i/3 $BUG --out s$i.jsonl >/dev/null 2>&1; done
python3 - s1.jsonl s2.jsonl s3.jsonl <<'PY' || fail "shards are not a partition of 1..24"
import json, sys
sets = [set(json.loads(l)["seed"] for l in open(f)) for f in sys.argv[1:]]
assert all(not (a & b) for i, a in enumerate(sets) for b in sets[i + 1:]), "overlap"
assert set().union(*sets) == set(range(1, 25)), "gaps"
PY
"$bin" report s1.jsonl s2.jsonl s3.jsonl --out merged.jsonl --json >rep.json 2>/dev/null
[ $? -eq 1 ] || fail "report of failing shards should exit 1"
cmp -s merged.jsonl j1.jsonl || fail "merged shards differ from the one-process run"
python3 -c "
import json
r = json.load(open('rep.json')); s = json.load(open('sum.json'))
assert r['seeds'] == 24 and r['failed'] == s['failed'] and r['ranges'] == [[1, 24]], r
" || fail "report: $(cat rep.json)"

"$bin" report s1.jsonl s1.jsonl --json >dup.json 2>/dev/null
json 'len(d["duplicates"]) == 8 and d["seeds"] == 8' <dup.json | grep -q True || fail "report of a file given twice: $(cat dup.json)"
sed 's/"fingerprint":"[0-9a-f]*"/"fingerprint":"0000000000000000"/' s1.jsonl >s1x.jsonl
bad_rc=0; "$bin" report s1.jsonl s1x.jsonl >/dev/null 2>&1 || bad_rc=$?
[ $bad_rc -eq 2 ] || fail "report of conflicting results should exit 2, got $bad_rc"

# --- replay: a failing result line, and a plain run's schedule
"$bin" replay j1.jsonl --seed "$seed" --json >rp.json 2>/dev/null
[ $? -eq 1 ] || fail "replaying a failing seed should exit 1"
json 'd["same_fingerprint"]' <rp.json | grep -q True || fail "replay fingerprint: $(cat rp.json)"
"$bin" run single.lua --seed 5 --json >run5.json 2>/dev/null
python3 -c "
import json
d = json.load(open('run5.json'))
json.dump({'scenario': 'single.lua', 'seed': 5, 'params': {}, 'schedule': d['schedule'],
           'fingerprint': d['fingerprint']}, open('sched5.json', 'w'))"
"$bin" replay sched5.json | grep -q "same as the recorded" || fail "replay of seed 5's schedule: $("$bin" replay sched5.json 2>&1)"
mkdir -p elsewhere && cp single.lua elsewhere/moved.lua
"$bin" replay sched5.json --scenario elsewhere/moved.lua | grep -q "same as the recorded" || fail "replay --scenario"

# --- shrink: fewer faults, same violation kind, replays
fseed=$(python3 -c "import json
for l in open('j1.jsonl'):
    d = json.loads(l)
    if d['status'] == 'fail' and d['faults'] >= 30:
        print(d['seed']); break")
[ -n "$fseed" ] || fail "no failing seed with 30 faults or more"
"$bin" shrink single.lua --seed "${fseed:-1}" $BUG --out shrunk.json --json >shr.json 2>/dev/null \
    || fail "shrink exit status: $(cat shr.json)"
json 'd["faults_after"] <= 3 and d["faults_after"] < d["faults_before"] and d["violation"] == "linearizable" and d["schedule"] == "shrunk.json"' <shr.json \
    | grep -q True || fail "shrink result: $(cat shr.json)"
"$bin" replay shrunk.json --json >rs.json 2>/dev/null
[ $? -eq 1 ] || fail "the shrunk schedule should still fail"
json 'd["same_fingerprint"] and d["verdicts"]["linearizable"] == "fail"' <rs.json | grep -q True || fail "shrunk replay: $(cat rs.json)"

# --- swarm: seeds draw different kinds and intensities
for s in 1 2 3 4 5 6; do "$bin" run single.lua --seed $s --json 2>/dev/null | json 'json.dumps(d["schedule"]["swarm"], sort_keys=True)'; done >swarm.txt
[ "$(sort -u swarm.txt | wc -l)" -ge 4 ] || fail "swarm draws hardly differ: $(cat swarm.txt)"

# --- determinism
a=$("$bin" run single.lua --seed 9 --json 2>/dev/null | json 'd["fingerprint"]')
b=$("$bin" run single.lua --seed 9 --json 2>/dev/null | json 'd["fingerprint"]')
c=$("$bin" run single.lua --seed 10 --json 2>/dev/null | json 'd["fingerprint"]')
[ "$a" = "$b" ] && [ "$a" != "$c" ] || fail "determinism: seed 9 gave $a and $b, seed 10 gave $c"
t=$("$bin" run single.lua --seed 9 --trace trace9.jsonl --json 2>/dev/null | json 'd["fingerprint"]')
[ "$a" = "$t" ] || fail "tracing changed the fingerprint: $a without, $t with --trace"
grep -q '"ev":"fault"' trace9.jsonl || fail "the trace has no fault events"

# --- bad input: exit 2 with a message
bad() {   # bad WHAT COMMAND...
    local what=$1; shift
    "$@" >bad.out 2>bad.err
    local rc=$?
    [ $rc -eq 2 ] && [ -s bad.err ] || fail "$what: exit $rc, stderr '$(cat bad.err)'"
}
cat >bogus.lua <<'LUA'
local c = dsim.cluster { protocol = "single", nodes = 3 }
c:run { until_ms = c:nemesis { faults = {"partition", "bogus"} } }
LUA
bad "unknown fault kind" "$bin" run bogus.lua
bad "unknown fault kind (fuzz)" "$bin" fuzz bogus.lua --seeds 1..2
bad "malformed range" "$bin" fuzz single.lua --seeds 5..2
bad "malformed range" "$bin" fuzz single.lua --seeds x..y
bad "shard 3/2" "$bin" fuzz single.lua --seeds 1..4 --shard 3/2
bad "unknown option" "$bin" fuzz single.lua --seeds 1..4 --frobnicate
bad "unknown option" "$bin" shrink single.lua --seed 1 --frobnicate
bad "unknown option" "$bin" replay sched5.json --frobnicate
bad "unknown option" "$bin" report s1.jsonl --frobnicate
bad "not a schedule" "$bin" replay rep.json
python3 -c "
import json
d = json.load(open('sched5.json')); d['schedule']['faults'] = [{'at_ms': 300, 'kind': 'crash', 'dur_ms': 10, 'node': 7, 'tear': False}]
json.dump(d, open('wrong.json', 'w'))"
bad "schedule for another cluster" "$bin" replay wrong.json
bad "passing seed" "$bin" shrink single.lua --seed 1
for c in fuzz shrink replay report; do "$bin" $c --help >/dev/null || fail "dsim $c --help"; done

# --- the GNU parallel recipe, locally
if command -v parallel >/dev/null 2>&1; then
    DSIM="$bin" bash "$src/tools/campaign/parallel.sh" single.lua 1..24 3 camp $BUG >camp.txt 2>&1
    [ $? -eq 1 ] || fail "parallel recipe: $(cat camp.txt)"
    cmp -s camp/merged.jsonl j1.jsonl || fail "parallel recipe results differ from one process"
else
    echo "SKIP: GNU parallel is not installed (apt-get install parallel)"
fi

[ $fails -eq 0 ] && echo "fuzz_cli: ok"
exit $((fails > 0))
