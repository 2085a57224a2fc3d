#!/usr/bin/env bash
# fuzz_cli.sh — dsim fuzz, replay, shrink and report, end to end on
# scenarios/fuzz/single.lua: the fuzzer finds the planted bug and prints a
# command that reproduces it (same fingerprint); results are identical with
# --jobs 1 and --jobs 2; shards are disjoint and cover the range, and report
# merges them; replay gives the recorded fingerprint; a shrunk schedule has
# fewer faults, fails the same way and replays; swarm draws differ across
# seeds; a seed always gives the same fingerprint and another seed another
# one; a killed worker's seed is retried in a fresh worker; results files
# carry a header; failing seeds stream as found and the summary lists a
# capped number; SIGINT keeps what is done and --resume finishes it; report
# names missing shards and refuses traces, unknown statuses, conflicts and
# mixed builds; bad input exits 2 with a message. The GNU parallel recipe
# is tests/campaign_cli.sh's.
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
bad() {   # bad WHAT COMMAND...
    local what=$1; shift
    "$@" >bad.out 2>bad.err
    local rc=$?
    [ $rc -eq 2 ] && [ -s bad.err ] || fail "$what: exit $rc, stderr '$(cat bad.err)'"
}

# --- the fuzzer finds the planted bug and prints the reproducing command
"$bin" fuzz single.lua --seeds 1..24 --jobs 2 $BUG --out j2.jsonl >fuzz.txt 2>&1
[ $? -eq 1 ] || fail "fuzz of the planted bug should exit 1"
grep -q "dsim run single.lua --seed [0-9]* -D bug=ack_before_sync" fuzz.txt || fail "no reproducing command: $(cat fuzz.txt)"
cmd=$(grep -m1 -o "dsim run single.lua --seed [0-9]* -D bug=ack_before_sync" fuzz.txt)
seed=$(echo "$cmd" | sed 's/.*--seed \([0-9]*\).*/\1/')
want=$(python3 -c "import json
for l in open('j2.jsonl'):
    d = json.loads(l)
    if d.get('seed') == $seed: print(d['fingerprint'])")
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

# --- a worker killed from outside: its seed is retried in a fresh worker
# (issue 22 d), so a passing campaign still passes
"$bin" fuzz single.lua --seeds 1..1000 --jobs 2 --out killed.jsonl --json >killed.json 2>/dev/null &
fpid=$!
victim=
for _ in $(seq 400); do
    [ -s killed.jsonl ] && [ "$(wc -l <killed.jsonl)" -ge 20 ] && victim=$(pgrep -P $fpid | head -1)
    [ -n "$victim" ] && break
    sleep 0.05
done
[ -n "$victim" ] && kill -9 "$victim"
wait $fpid
krc=$?
python3 -c "
import json
d = json.load(open('killed.json'))
lines = [json.loads(l) for l in open('killed.jsonl')]
assert lines[0]['dsim_results'] == 1, lines[0]
assert d['done'] == 1000 and [l['seed'] for l in lines[1:]] == list(range(1, 1001)), d
assert not d['errors'] and not d['failed'], d
assert all(l['status'] == 'pass' for l in lines[1:])
" && [ $krc -eq 0 ] && [ -n "$victim" ] || fail "a killed worker (exit $krc, victim '$victim'): $(head -c 400 killed.json)"

# --- failing seeds stream as found; the summary lists the first 20
"$bin" fuzz single.lua --seeds 1..120 --jobs 2 $BUG --out many.jsonl >many.txt 2>&1
nfail=$(grep -c '"status":"fail"' many.jsonl)
[ "$nfail" -gt 20 ] || fail "expected more than 20 failures in 1..120, got $nfail"
[ "$(grep -c '^fail  seed' many.txt)" -eq 20 ] || fail "20 failing seeds streamed: $(head -30 many.txt)"
grep -q "^failed       $nfail, the first 20 by seed (all are in many.jsonl)" many.txt || fail "capped summary: $(tail -25 many.txt)"
[ "$(grep -c '^  dsim run' many.txt)" -eq 20 ] || fail "the summary lists 20 commands"
head -1 many.jsonl | python3 -c "
import json, sys
h = json.loads(sys.stdin.readline())
assert h['scenario'] == 'single.lua' and h['range'] == [1, 120] and h['shard'] == '1/1', h
assert h['params'] == {'bug': 'ack_before_sync'} and h['build'] and h['version'], h
" || fail "results header: $(head -1 many.jsonl)"

# --- SIGINT keeps the seeds done, prints a resume command; --resume finishes
"$bin" fuzz single.lua --seeds 1..600 --jobs 2 $BUG --out int.jsonl >int.txt 2>&1 &
fpid=$!
for _ in $(seq 600); do
    [ -s int.jsonl ] && [ "$(wc -l <int.jsonl)" -ge 60 ] && break
    sleep 0.05
done
kill -INT $fpid
wait $fpid
irc=$?
[ $irc -eq 1 ] || fail "an interrupted campaign that found failures exits 1, got $irc"
grep -q "^interrupted  after" int.txt || fail "no partial summary: $(tail -5 int.txt)"
resume=$(sed -n 's/^resume with  dsim //p' int.txt)
[ "$resume" = "fuzz single.lua --seeds 1..600 --jobs 2 -D bug=ack_before_sync --out int.jsonl --resume" ] ||
    fail "resume command: '$resume'"
[ "$(wc -l <int.jsonl)" -lt 601 ] || fail "the interrupt came after the end"
"$bin" $resume >resume.txt 2>&1
"$bin" fuzz single.lua --seeds 1..600 --jobs 2 $BUG --out full.jsonl >/dev/null 2>&1
cmp -s int.jsonl full.jsonl || fail "interrupted + resumed results differ from one run"
"$bin" fuzz single.lua --seeds 1..30 $BUG --out plain.jsonl >/dev/null 2>&1
"$bin" fuzz single.lua --seeds 1..30 $BUG --out fresh.jsonl --resume >/dev/null 2>&1
cmp -s fresh.jsonl plain.jsonl || fail "--resume of a file not there yet starts it, header first"
head -c 700 plain.jsonl >torn.jsonl   # killed mid-line
"$bin" fuzz single.lua --seeds 1..30 $BUG --out torn.jsonl --resume >/dev/null 2>&1
cmp -s torn.jsonl plain.jsonl || fail "--resume drops a torn last line and goes on"
bad_rc=0; "$bin" fuzz single.lua --seeds 1..500 $BUG --out int.jsonl --resume >/dev/null 2>&1 || bad_rc=$?
[ $bad_rc -eq 2 ] || fail "--resume of another campaign's file should exit 2, got $bad_rc"

# --- the correct variant passes
"$bin" fuzz single.lua --seeds 1..40 --jobs 2 >ok.txt 2>&1 || fail "the correct variant failed: $(cat ok.txt)"

# --- shards are disjoint, cover the range, and report merges them
for i in 1 2 3; do "$bin" fuzz single.lua --seeds 1..24 --shard $i/3 $BUG --out s$i.jsonl >/dev/null 2>&1; done
python3 - s1.jsonl s2.jsonl s3.jsonl <<'PY' || fail "shards are not a partition of 1..24"
import json, sys
sets = [set(json.loads(l)["seed"] for l in list(open(f))[1:]) for f in sys.argv[1:]]
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
# issue 20: a missing shard is named, and the campaign is undecided (no failure)
for i in 1 2 3 4; do "$bin" fuzz single.lua --seeds 1..40 --shard $i/4 --out p$i.jsonl >/dev/null 2>&1; done
bad_rc=0; "$bin" report p1.jsonl p2.jsonl p4.jsonl >miss.txt 2>&1 || bad_rc=$?
[ $bad_rc -eq 4 ] && grep -q "^MISSING      shard 3/4" miss.txt || fail "report without shard 3/4 (exit $bad_rc): $(cat miss.txt)"
bad_rc=0; "$bin" report p1.jsonl p2.jsonl p2.jsonl p4.jsonl >twice.txt 2>&1 || bad_rc=$?
grep -q "^TWICE        shard 2/4 in p2.jsonl and p2.jsonl" twice.txt || fail "a shard given twice: $(cat twice.txt)"
head -5 p3.jsonl >p3cut.jsonl
bad_rc=0; "$bin" report p1.jsonl p2.jsonl p3cut.jsonl p4.jsonl >cut.txt 2>&1 || bad_rc=$?
[ $bad_rc -eq 4 ] && grep -q "^INCOMPLETE   shard 3/4: 4 of 10 seeds in p3cut.jsonl" cut.txt || fail "an incomplete shard (exit $bad_rc): $(cat cut.txt)"
"$bin" report p1.jsonl p2.jsonl p3.jsonl p4.jsonl >all.txt 2>&1 || fail "all four shards: $(cat all.txt)"
# mixed builds are refused unless told otherwise
sed '1s/"build":"[^"]*"/"build":"exe-0000000000000000"/' p3.jsonl >p3b.jsonl
bad_rc=0; "$bin" report p1.jsonl p2.jsonl p3b.jsonl p4.jsonl >mixed.txt 2>&1 || bad_rc=$?
[ $bad_rc -eq 2 ] && grep -q "allow-mixed-builds" mixed.txt || fail "mixed builds (exit $bad_rc): $(cat mixed.txt)"
"$bin" report p1.jsonl p2.jsonl p3b.jsonl p4.jsonl --allow-mixed-builds >/dev/null 2>&1 || fail "--allow-mixed-builds"
# issue 22 (b): not a results file, an unknown status, a seed both pass and fail
"$bin" run single.lua --seed 3 --trace tr3.jsonl >/dev/null 2>&1
bad "a trace given to report" "$bin" report tr3.jsonl
grep -q "tr3.jsonl:1: this is a trace" bad.err || fail "report of a trace names it: $(cat bad.err)"
sed '2s/"status":"pass"/"status":"maybe"/' p1.jsonl >st.jsonl
bad "an unknown status" "$bin" report st.jsonl
grep -q "st.jsonl:2: status: expected pass, fail or error, got 'maybe'" bad.err || fail "unknown status: $(cat bad.err)"
sed '2s/"status":"pass"/"status":"fail"/' p1.jsonl >pf.jsonl
bad "a seed both pass and fail" "$bin" report p1.jsonl pf.jsonl
grep -q "has two different results: pass" bad.err || fail "pass/fail conflict: $(cat bad.err)"

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
    if d.get('status') == 'fail' and d['faults'] >= 30:
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
# issue 22 (c): each gets a precise message
bad "a seed not in the results file" "$bin" replay j1.jsonl --seed 999
grep -q "has no failing result line for seed 999" bad.err || fail "replay of a missing seed: $(cat bad.err)"
python3 -c "
import json
d = json.load(open('sched5.json')); d['seed'] = -1
json.dump(d, open('neg.json', 'w'))"
bad "a negative seed" "$bin" replay neg.json
grep -q "seed: expected an integer from 0" bad.err || fail "replay of seed -1: $(cat bad.err)"
sed '1s/"dsim_trace":1/"dsim_trace":99/' trace9.jsonl >t99.jsonl
bad "a trace of another version" "$bin" view t99.jsonl -o t99.html
grep -q "dsim_trace: expected version 1" bad.err || fail "view of dsim_trace 99: $(cat bad.err)"
python3 -c "
import json
d = json.load(open('sched5.json')); d['schedule']['faults'] = [{'at_ms': 300, 'kind': 'crash', 'dur_ms': 10, 'node': 7, 'tear': False}]
json.dump(d, open('wrong.json', 'w'))"
bad "schedule for another cluster" "$bin" replay wrong.json
bad "passing seed" "$bin" shrink single.lua --seed 1
for c in fuzz shrink replay report; do "$bin" $c --help >/dev/null || fail "dsim $c --help"; done

# (the GNU parallel recipe: tests/campaign_cli.sh)

[ $fails -eq 0 ] && echo "fuzz_cli: ok"
exit $((fails > 0))
