#!/usr/bin/env bash
# kernel_cli.sh — the dsim command as a user meets it: determinism of runs
# (same seed, tracing on or off, a different seed, MALLOC_PERTURB_, ASLR,
# string-keyed pairs), the sandbox, and bad input (each exit 2 with a
# message that names the file and line or the option).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
sc=$src/tests/scenarios
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }

fp() { "$@" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])'; }

# -- determinism ----------------------------------------------------------
a=$(fp "$bin" run "$sc/determinism.lua" --seed 11 --trace "$tmp/t1.jsonl")
b=$(fp "$bin" run "$sc/determinism.lua" --seed 11 --trace "$tmp/t2.jsonl")
[ -n "$a" ] && [ "$a" = "$b" ] && ok "same seed gives the same fingerprint" || bad "same seed: '$a' vs '$b'"
cmp -s "$tmp/t1.jsonl" "$tmp/t2.jsonl" && ok "same seed gives a byte-identical trace" || bad "traces differ"
[ "$(wc -l < "$tmp/t1.jsonl")" -gt 300 ] && ok "the trace has events" || bad "trace too short"
c=$(fp "$bin" run "$sc/determinism.lua" --seed 11)
[ "$a" = "$c" ] && ok "tracing off gives the same fingerprint" || bad "trace on/off: $a vs $c"
d=$("$bin" run "$sc/determinism.lua" --seed 11 --log --json 2>/dev/null | tail -n 1 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
[ "$a" = "$d" ] && ok "the log on gives the same fingerprint" || bad "log on: $a vs $d"
e=$(fp "$bin" run "$sc/determinism.lua" --seed 12)
[ -n "$e" ] && [ "$a" != "$e" ] && ok "another seed gives another fingerprint" || bad "seed 12 gave $e"
f=$(MALLOC_PERTURB_=165 fp "$bin" run "$sc/determinism.lua" --seed 11)
[ "$a" = "$f" ] && ok "MALLOC_PERTURB_ does not change the run" || bad "MALLOC_PERTURB_: $f"
if setarch "$(uname -m)" -R true 2>/dev/null; then
    g=$(setarch "$(uname -m)" -R "$bin" run "$sc/determinism.lua" --seed 11 --json 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
    [ "$a" = "$g" ] && ok "ASLR off and on give the same fingerprint" || bad "ASLR: $g"
else
    ok "ASLR comparison skipped (setarch -R not permitted here)"
fi
p1=$(fp "$bin" run "$sc/pairs.lua" --seed 3)
all_same=1
for i in 1 2 3 4 5; do
    [ "$(fp "$bin" run "$sc/pairs.lua" --seed 3)" = "$p1" ] || all_same=0
done
[ -n "$p1" ] && [ $all_same = 1 ] && ok "pairs over string keys is deterministic" || bad "pairs.lua varies"
"$bin" run "$sc/sandbox.lua" > "$tmp/sandbox.out" 2>&1 && ok "the sandbox holds" || { bad "sandbox"; cat "$tmp/sandbox.out"; }

# -- bad input: exit 2 and a message naming where ---------------------------
expect2() {   # expect2 NAME PATTERN ARGS...
    local name=$1 pat=$2
    shift 2
    timeout 60 "$bin" "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ $rc -eq 2 ] && grep -Eq -- "$pat" "$tmp/err"; then
        ok "$name"
    else
        bad "$name (exit $rc, stderr: $(head -c 300 "$tmp/err"))"
    fi
}
expect2 "missing scenario file" "nonexistent.lua" run "$tmp/nonexistent.lua"
expect2 "Lua syntax error names file and line" "bad_syntax.lua:3:" run "$sc/bad_syntax.lua"
expect2 "error in a scheduled callback names file and line" "bad_callback.lua:4:" run "$sc/bad_callback.lua"
expect2 "unknown protocol" "bad_protocol.lua:1:.*unknown protocol 'nonesuch'" run "$sc/bad_protocol.lua"
expect2 "unknown protocol option" "bad_option.lua:1:.*no option 'nonsense'" run "$sc/bad_option.lua"
expect2 "option of the wrong type" "bad_option_type.lua:1:.*'flush' wants milliseconds" run "$sc/bad_option_type.lua"
expect2 "unknown cluster field" "bad_field.lua:1:.*unknown field 'nodez'" run "$sc/bad_field.lua"
expect2 "node count 0" "nodes_param.lua:1:.*'nodes' must be from 1" run "$sc/nodes_param.lua" -D nodes=0
expect2 "node count 1000000" "nodes_param.lua:1:.*'nodes' must be from 1" run "$sc/nodes_param.lua" -D nodes=1000000
expect2 "negative time" "bad_time.lua:2:.*time in milliseconds >= 0" run "$sc/bad_time.lua"
expect2 "runaway script hits the instruction budget" "runaway.lua:3:.*instruction budget" run "$sc/runaway.lua"
expect2 "event storm hits the event limit" "storm.lua:3:.*event limit" run "$sc/storm.lua"
expect2 "unknown -D parameter" "unknown parameter -D frobnicate" run "$sc/nodes_param.lua" -D frobnicate=1
expect2 "unknown planted bug" "no planted bug 'nope'" run "$sc/nodes_param.lua" -D bug=nope
expect2 "bad -D number" "-D nodes=x: a number was expected" run "$sc/nodes_param.lua" -D nodes=x
expect2 "unknown run option" "unknown option '--frob'" run "$sc/nodes_param.lua" --frob
expect2 "bad seed" "--seed wants a number" run "$sc/nodes_param.lua" --seed -4
expect2 "unknown command" "unknown command 'frob'" frob
expect2 "run without a scenario" "which scenario" run

# -- help and list ---------------------------------------------------------
for c in run list bench check; do
    "$bin" "$c" --help > "$tmp/help" 2>&1 && grep -q "usage" "$tmp/help" && ok "dsim $c --help" || bad "dsim $c --help"
done
"$bin" list | grep -q "ack_before_sync" && ok "dsim list shows planted bugs" || bad "dsim list"

# -- the default demo: passes, and its planted bug is caught ---------------
"$bin" run "$src/scenarios/demos/single_kv.lua" > "$tmp/demo" 2>&1 && ok "default demo passes" || bad "default demo"
"$bin" run "$src/scenarios/demos/single_kv.lua" -D bug=ack_before_sync > "$tmp/demo" 2>&1
[ $? -eq 1 ] && grep -q "linearizable: fail" "$tmp/demo" && ok "ack_before_sync is caught" || bad "ack_before_sync not caught"

# -- the checks a scenario can name ---------------------------------------
"$bin" run "$sc/checks_history.lua" > "$tmp/ch" 2>&1 &&
    grep -q "linearizable: ok, causal: ok, sequential: ok" "$tmp/ch" && ok "history checks run from a scenario" || bad "history checks"
"$bin" run "$sc/checks_convergence.lua" > "$tmp/cv" 2>&1 && ok "replicas converge after a heal" || bad "convergence after heal"
"$bin" run "$sc/checks_convergence.lua" -D heal=false > "$tmp/cv" 2>&1
[ $? -eq 1 ] && grep -q "convergence: fail" "$tmp/cv" && ok "a replica cut off to the end fails convergence" || bad "convergence without heal"
"$bin" run "$sc/checks_budget.lua" > "$tmp/cb" 2>&1
[ $? -eq 4 ] && grep -q "linearizable: unknown" "$tmp/cb" && ok "an exhausted budget gives unknown and exit 4" || bad "budget exit 4"
expect2 "raft refuses 33 nodes" "protocol 'raft': at most 32 nodes" run "$sc/protocol_nodes.lua" -D nodes=33
expect2 "lock refuses a layout with no client" "protocol 'lock': 2 nodes leave no lock client" run "$sc/protocol_nodes.lua" -D protocol=lock -D nodes=2
expect2 "unknown check" "unknown check 'nonesuch'" run "$sc/checks_bad.lua"

echo "kernel_cli: $fails failed"
[ $fails -eq 0 ]
