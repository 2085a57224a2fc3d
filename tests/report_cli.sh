#!/usr/bin/env bash
# report_cli.sh — the short report a failed check prints (sim/cli/report.c):
# the default failing demo fits a screen and names the operations, the
# node that served them, the lost write and the crash, and ends with a
# command that reproduces the run; every demo's broken variant prints a
# report; 'dsim check' explains the state; what the report reads (the node
# in the history and the trace, the writes a crash lost) is recorded
# without changing the fingerprint; scenario warnings reach stderr; a fuzz
# campaign counts scenario errors (and runs without c:check) as errors.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
has() { grep -qF -- "$2" "$1" && ok "$3" || { bad "$3: '$2' not in the output"; sed 's/^/  | /' "$1" | head -40; }; }
fp() { python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])'; }

cd "$src" || exit 1
demo=scenarios/demos/single_kv.lua

# -- the default failing demo ------------------------------------------------
"$bin" run $demo -D bug=ack_before_sync --history "$tmp/h.jsonl" --trace "$tmp/t.jsonl" > "$tmp/out"
rc=$?
[ $rc = 1 ] && ok "the broken demo exits 1" || bad "the broken demo exits $rc"
n=$(wc -l < "$tmp/out")
[ "$n" -lt 40 ] && ok "its output fits a screen ($n lines)" || bad "its output has $n lines"
grep -qE '^ *[0-9]+,?$' "$tmp/out" && bad "a linearization array is printed" || ok "no linearization array"
has "$tmp/out" "linearizable: FAILED" "the verdict"
has "$tmp/out" "read -> 295" "the read that saw the lost write"
has "$tmp/out" "read -> 290" "the stale read"
has "$tmp/out" "ok from n1" "the node that served them"
has "$tmp/out" "The register was 295 after c3's write of 295 (ok from n1 at 2486.8 ms)" "the model state and the write that made it"
has "$tmp/out" "c3's read returned 290, a value overwritten at 2462.7 ms" "why the stale read is impossible"
has "$tmp/out" "crash n1: 4 unsynced disk writes lost (key k0); last sync 2457.1 ms" "the crash and what it lost"
has "$tmp/out" "So c3's write of 295 was lost" "the lost write, named"
has "$tmp/out" "reproduce: dsim run $demo --seed 1 -D bug=ack_before_sync" "the reproduction line"

# the reproduction line reproduces the run
cmd=$(sed -n 's/^reproduce: dsim //p' "$tmp/out")
a=$("$bin" run $demo -D bug=ack_before_sync --json 2>/dev/null | fp)
b=$(eval "\"\$bin\" $cmd --json" 2>/dev/null | fp)
[ -n "$a" ] && [ "$a" = "$b" ] && ok "the reproduction line gives the same fingerprint" || bad "repro: '$a' vs '$b'"
[ "$a" = cc9422238130c5e3 ] && ok "recording the node and the lost writes leaves the fingerprint" ||
    bad "the demo's fingerprint changed: $a"

# what the report reads is recorded
grep -q '"type":"ok","f":"read","value":290,"time":[0-9]*,"node":"n1"}' "$tmp/h.jsonl" &&
    ok "history completions name the node" || bad "no node in the history"
grep -q '"ev":"op".*"type":"ok".*"node":"n1"' "$tmp/t.jsonl" && ok "trace op completions name the node" ||
    bad "no node in the trace's op events"
grep -q '"ev":"crash","node":"n1","lost":{"writes":4,"keys":\["k0"\]},"last_sync":2457' "$tmp/t.jsonl" &&
    ok "the trace's crash line has the lost writes" || bad "crash line: $(grep '"crash"' "$tmp/t.jsonl" | tail -1)"
"$bin" run $demo --json > "$tmp/ok.json" 2>/dev/null
grep -q '"lost":{"writes":0}' <("$bin" run $demo --trace /dev/stdout 2>/dev/null) &&
    ok "the correct variant's crashes lose nothing" || bad "the fixed demo lost writes"

# dsim check on the same history
"$bin" check --model cas-register "$tmp/h.jsonl" > "$tmp/check" ; rc=$?
[ $rc = 1 ] && ok "dsim check exits 1" || bad "dsim check exits $rc"
has "$tmp/check" "The register was 295 after process 6's write of 295 (ok from n1 at 2486.8 ms)" "dsim check: the state"
has "$tmp/check" "ok from n1, lines 984-985" "dsim check: node and lines"

# -- every demo's broken variant prints a short report ------------------------
while read -r d args; do
    "$bin" run "scenarios/demos/$d" $args > "$tmp/d" 2> "$tmp/e"; rc=$?
    report=$(sed -n '/^wall time/,$p' "$tmp/d" | wc -l)
    if [ $rc = 1 ] && grep -q "^reproduce: dsim run scenarios/demos/$d --seed 1" "$tmp/d" &&
       grep -q ": FAILED" "$tmp/d" && [ "$report" -lt 30 ]; then
        ok "$d $args: a report of $report lines"
    else
        bad "$d $args: exit $rc, report of $report lines"; sed 's/^/  | /' "$tmp/d" | tail -30
    fi
done <<'LIST'
single_kv.lua -D bug=ack_before_sync
lock_failover.lua
lock_gc_pause.lua
lock_redlock.lua -D part=b
lock_setnx_expire.lua -D bug=setnx_expire
lock_wrong_unlock.lua -D bug=unsafe_unlock
lock_zk.lua -D part=a -D bug=herd
raft_election.lua -D bug=vote_not_persisted
raft_figure8.lua -D bug=figure8
raft_lease_read.lua -D bug=lease_no_drift_margin
raft_log_repair.lua -D bug=no_prev_check
raft_membership.lua -D method=direct
raft_partition_stale_leader.lua -D bug=stale_read
raft_snapshot.lua -D bug=snapshot_off_by_one
raft_stale_candidate.lua -D bug=vote_any_log
LIST
"$bin" run scenarios/demos/raft_election.lua -D bug=vote_not_persisted > "$tmp/d" 2>&1
has "$tmp/d" "invariants: FAILED at" "an invariant report names the time"
has "$tmp/d" "Election Safety: n1 and n4 were both leaders of term 3" "an invariant report names the nodes and term"
"$bin" run scenarios/demos/raft_partition_stale_leader.lua -D bug=stale_read > "$tmp/d" 2>&1
has "$tmp/d" "partition {n1 n2 c1} | {n3 n4 n5 c2}" "a partition names its sides"
has "$tmp/d" "n1, which answered c1's read, was cut off from n5, which acknowledged c2's" "a stale read from the minority is named"
"$bin" run scenarios/demos/lock_wrong_unlock.lua -D bug=unsafe_unlock > "$tmp/d" 2>&1
has "$tmp/d" "n3 (token 1, acquired at 104.000 ms) and n4 (token 2" "the mutex report names the holders and tokens"

# -- warnings ------------------------------------------------------------------
"$bin" run tests/scenarios/warn_faults.lua > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc = 0 ] && ok "a scenario with no-op faults still runs" || bad "warn_faults exits $rc"
has "$tmp/err" "warning: 100.000 ms: c:restart(2) ignored: n2 is up, not crashed" "restart of a running node warns"
has "$tmp/err" "warning: 250.000 ms: c:crash(1) ignored: n1 is already crashed" "crash of a crashed node warns"
has "$tmp/err" "never calls c:check" "a scenario without c:check warns"

# -- replay prints the same report ----------------------------------------------
"$bin" fuzz scenarios/fuzz/single.lua --seeds 2..2 -D bug=ack_before_sync --out "$tmp/f2.jsonl" > /dev/null 2>&1
"$bin" replay "$tmp/f2.jsonl" --seed 2 > "$tmp/rep"; rc=$?
[ $rc = 1 ] && ok "replay of a failing seed exits 1" || bad "replay exits $rc"
has "$tmp/rep" "linearizable: FAILED" "replay: the report"
has "$tmp/rep" "reproduce: dsim replay $tmp/f2.jsonl --seed 2" "replay: its reproduction line"

# -- fuzzing: scenario errors are errors, not bugs -----------------------------
cat > "$tmp/boom.lua" <<'LUA'
local c = dsim.cluster { protocol = "single", nodes = 3,
  clients = { count = 1, workload = "register", rate = 50, timeout = 200 } }
c:run { until_ms = 100 }
if dsim.seed % 2 == 0 then error("boom on an even seed") end
return c:check { "linearizable" }
LUA
"$bin" fuzz "$tmp/boom.lua" --seeds 1..6 --json > "$tmp/f.json" 2>/dev/null; rc=$?
[ $rc = 2 ] && ok "fuzz: seeds whose scenario errored exit 2" || bad "fuzz with errors exits $rc"
python3 -c "
import json, sys
d = json.load(open('$tmp/f.json'))
assert d['errors'] == [2, 4, 6] and d['failed'] == [], d
" && ok "fuzz: errors are listed apart from failures" || bad "fuzz summary: $(cat "$tmp/f.json")"
"$bin" fuzz "$tmp/boom.lua" --seeds 1..6 > "$tmp/f.txt" 2>/dev/null
has "$tmp/f.txt" "failed       0" "fuzz text: no bug counted"
has "$tmp/f.txt" "errors       3 (the scenario did not run to a verdict; not bugs)" "fuzz text: the errors"
has "$tmp/f.txt" "boom on an even seed" "fuzz text: the error message"
cp tests/scenarios/warn_faults.lua "$tmp/nocheck.lua"
"$bin" fuzz "$tmp/nocheck.lua" --seeds 1..2 --json > "$tmp/f.json" 2>/dev/null; rc=$?
[ $rc = 2 ] && grep -q 'never calls c:check' "$tmp/f.json" &&
    ok "fuzz: a scenario that never calls c:check passes no seed" || bad "no c:check: exit $rc $(cat "$tmp/f.json")"

echo "$fails failures"
[ $fails = 0 ]
