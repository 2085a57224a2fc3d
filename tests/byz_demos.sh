#!/bin/bash
# byz_demos.sh — the Byzantine demos (DEMOS.md B1, B2, B4) with pinned
# outcomes: each broken run exits 1 with the expected check and message,
# each honest or large-enough variant exits 0, and a run replays to the same
# fingerprint (twice, and with a trace written).
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demos=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/demos_lib.sh
. "$DSIM_SOURCE/tests/demos_lib.sh"

fingerprint() {
    "$bin" run "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'
}

# B1: OM(1) — three generals with one traitor fail, four succeed.
run_demo 1 byzantine_generals.lua
has "invariants: fail" "IC2 (validity): the commander n1 is loyal and ordered attack, but loyal n2 decided retreat" \
    "n3 (traitor) decides attack"
run_demo 0 byzantine_generals.lua -D traitor=1          # a traitorous commander: retreating is allowed
run_demo 0 byzantine_generals.lua -D generals=4
has "n2 decides attack" "n3 decides attack" "invariants: ok"
run_demo 0 byzantine_generals.lua -D generals=4 -D traitor=1
run_demo 0 byzantine_generals.lua -D generals=4 -D traitor=2
run_demo 0 byzantine_generals.lua -D generals=3 -D traitor=0   # no traitor
# forging the sender breaks OM(1)'s assumption A2: four generals fail
run_demo 1 byzantine_generals.lua -D generals=4 -D forge=true
has "n4 is a traitor that forges the others' relays" "loyal n2 decided retreat" "byzantine n4: forger"
"$bin" run "$demos/byzantine_generals.lua" -D generals=4 -D forge=true -D net_forge=false --trace "$tmp/f.jsonl" >"$tmp/out" 2>&1
if [ $? -eq 0 ] && grep -q '"why":"forged"' "$tmp/f.jsonl"; then echo "ok   authenticated channels drop the forgeries"
else echo "FAIL: a forger on authenticated channels: $(tail -3 "$tmp/out")"; failures=$((failures + 1)); fi
# A crash is a fault, not a lie: a general that crashed is faulty and silent
# from then on, and not judged (its zeroed state once read as "retreat",
# and after its restart it decided alone: "loyal n3 decided retreat").
cat >"$tmp/gcrash.lua" <<'LUA'
local c = dsim.cluster { protocol = "generals", nodes = 4 }
c:at(1, function() c:crash(3) end)
c:at(50, function() c:restart(3) end)
c:run { until_ms = 300 }
print("n3 crashed: " .. tostring(c:state(3).crashed))
return c:check { "invariants" }
LUA
if "$bin" run "$tmp/gcrash.lua" >"$tmp/out" 2>&1 && grep -q "n3 crashed: true" "$tmp/out"; then
    echo "ok   a crashed lieutenant is faulty: the other three agree on attack"
else echo "FAIL: a crashed general: $(grep -E 'crashed|IC' "$tmp/out" | head -3)"; failures=$((failures + 1)); fi
# B2: Raft with one liar.
run_demo 1 raft_liar.lua
has "byzantine n3: double_vote" "Election Safety: n2 and n1 were both leaders of term 2"
run_demo 0 raft_liar.lua -D liar=false
run_demo 1 raft_liar.lua -D lie=fake_last_term
has "Leader Completeness: n3 leads term 5 without index 45 (term 1), committed in an earlier term" \
    "linearizable: fail"
run_demo 0 raft_liar.lua -D lie=fake_last_term -D liar=false
run_demo 1 raft_liar.lua -D lie=split_entries
has "Log Matching: n1 and n2 both hold index 2 of term 1 but their logs differ before it"
run_demo 0 raft_liar.lua -D lie=split_entries -D liar=false
run_demo 2 raft_liar.lua -D lie=no_such_lie
has "raft_liar.lua:" "unknown Byzantine behaviour 'no_such_lie' for protocol 'raft'"
# B4: a forged fencing token.
run_demo 1 lock_forged_token.lua
has "storage: n3 writes with token 1000033: accepted" \
    "n3 wrote at 1702.000 ms with token 1000033, but was granted 33: a forged token, and the storage accepted it"
run_demo 0 lock_forged_token.lua -D liar=false
has "storage: n3 writes with token 33: REJECTED (stale token)"

# the generals fuzz scenario: one traitor among 4..7 passes; 3 generals fail
fuzz=$DSIM_SOURCE/scenarios/fuzz/generals.lua
"$bin" fuzz "$fuzz" --seeds 1..300 --jobs 1 > "$tmp/out" 2>&1
if [ $? -eq 0 ] && grep -q "^failed       0" "$tmp/out"; then echo "ok   generals.lua 1..300 pass"
else echo "FAIL: generals.lua 1..300: $(tail -5 "$tmp/out")"; failures=$((failures + 1)); fi
"$bin" fuzz "$fuzz" --seeds 1..4 --jobs 1 -D generals=3 > "$tmp/out" 2>&1
if grep -q "^failed       1" "$tmp/out" && grep -q "fail  seed 4 " "$tmp/out"; then echo "ok   generals=3: first failing seed 4"
else echo "FAIL: generals=3 should first fail at seed 4: $(tail -5 "$tmp/out")"; failures=$((failures + 1)); fi
if "$bin" shrink "$fuzz" --seed 4 -D generals=3 --out "$tmp/g.json" > "$tmp/out" 2>&1 && grep -q 'byzantine node=3' "$tmp/out"; then
    echo "ok   generals=3 seed 4 shrinks to its Byzantine spell"
else echo "FAIL: shrink generals=3 seed 4: $(tail -5 "$tmp/out")"; failures=$((failures + 1)); fi
# The fuzz scenario with the one faulty general crashing instead of lying
# (-D fault=crash): OM(1) holds on four to seven generals; before crashed
# generals counted as faulty, 132 of seeds 1..300 failed.
"$bin" fuzz "$fuzz" --seeds 1..300 -D fault=crash >"$tmp/out" 2>&1
if [ $? -eq 0 ]; then echo "ok   fault=crash: seeds 1..300 pass"
else echo "FAIL: fault=crash: $(grep -E '^failed|error' "$tmp/out" | head -2)"; failures=$((failures + 1)); fi

for args in "raft_liar.lua" "lock_forged_token.lua" "byzantine_generals.lua -D generals=4"; do
    # shellcheck disable=SC2086
    a=$(fingerprint $demos/$args); b=$(fingerprint $demos/$args); c=$(fingerprint $demos/$args --trace "$tmp/t.jsonl")
    if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]; then echo "ok   deterministic: $args"
    else echo "FAIL: not deterministic: $args ($a $b $c)"; failures=$((failures + 1)); fi
done

[ $failures -eq 0 ] && echo "byz_demos: ok"
exit $((failures > 0))
