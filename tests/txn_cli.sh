#!/usr/bin/env bash
# txn_cli.sh — 'dsim check --workload txn-append|txn-rw' and c:check{"serializable"}
# as a user meets them: verdicts and exit statuses (0 holds, 1 violated, 2 bad
# input naming file and line, 4 undecided within the budget), the explanation
# of a cycle in words, Jepsen EDN (one map a line, or a vector of maps), and
# the scenario check on a history that holds no transactions (a clear error).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }

verdict() {   # verdict NAME EXPECTED_EXIT PATTERN ARGS...
    local name=$1 want=$2 pat=$3
    shift 3
    timeout 120 "$bin" "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ $rc -eq "$want" ] && grep -Eq -- "$pat" "$tmp/out" "$tmp/err"; then
        ok "$name"
    else
        bad "$name (exit $rc, want $want; out: $(head -c 600 "$tmp/out"); err: $(head -c 300 "$tmp/err"))"
    fi
}

# Read skew: T1 sees T0's append to x but not its append to y.
cat > "$tmp/skew.jsonl" <<'EOF'
{"process":0,"type":"invoke","f":"txn","value":[["append","x",1],["append","y",1]]}
{"process":1,"type":"invoke","f":"txn","value":[["r","x",null],["r","y",null]]}
{"process":0,"type":"ok","f":"txn","value":[["append","x",1],["append","y",1]]}
{"process":1,"type":"ok","f":"txn","value":[["r","x",[1]],["r","y",[]]]}
EOF
sed 's/\["r","y",\[\]\]/["r","y",[1]]/' "$tmp/skew.jsonl" > "$tmp/fixed.jsonl"
# Write skew in EDN, as a vector of maps on one line: snapshot isolation holds.
printf '%s' '[{:type :invoke, :f :txn, :value [[:r 1 nil] [:r 2 nil] [:append 1 1]], :process 0}
 {:type :invoke, :f :txn, :value [[:r 1 nil] [:r 2 nil] [:append 2 1]], :process 1}
 {:type :ok, :f :txn, :value [[:r 1 []] [:r 2 []] [:append 1 1]], :process 0}
 {:type :ok, :f :txn, :value [[:r 1 []] [:r 2 []] [:append 2 1]], :process 1}]' > "$tmp/wskew.edn"
tr '\n' ' ' < "$tmp/wskew.edn" > "$tmp/wskew1.edn"

c="check --workload txn-append"
verdict "read skew is not serializable: G-single" 1 "G-single" $c --consistency-models serializable "$tmp/skew.jsonl"
verdict "the rw edge is explained in words" 1 'T1 read key "y" = \[\], all that was ever read of it, and T0 appended 1, never read, so it came later: T1 < T0 \(rw\)' $c --consistency-models serializable "$tmp/skew.jsonl"
verdict "the wr edge is explained in words" 1 'T1 read key "x" = \[1\] and T0 appended 1, its last element, so T0 < T1 \(wr\)' $c --consistency-models serializable "$tmp/skew.jsonl"
verdict "read skew is read committed" 0 "read-committed: ok" $c --consistency-models read-committed "$tmp/skew.jsonl"
verdict "the strongest models still possible are named" 1 "strongest models still possible: strong-read-committed" $c --consistency-models snapshot-isolation "$tmp/skew.jsonl"
verdict "the repaired history is strict-serializable (the default)" 0 "strict-serializable: ok" $c "$tmp/fixed.jsonl"
verdict "--json reports valid false and the anomaly" 1 '"anomaly_types": \[' $c --consistency-models serializable --json "$tmp/skew.jsonl"
verdict "write skew (EDN vector of maps): not serializable" 1 "G2-item" $c --consistency-models serializable "$tmp/wskew.edn"
verdict "write skew is snapshot-isolated" 0 "snapshot-isolation: ok" $c --consistency-models snapshot-isolation "$tmp/wskew.edn"
verdict "a vector of maps on one line reads the same" 1 "G2-item" $c --consistency-models serializable "$tmp/wskew1.edn"
verdict "--model txn-append is --workload txn-append" 1 "G-single" check --model txn-append --consistency-models serializable "$tmp/skew.jsonl"
verdict "a budget too small: snapshot isolation undecided (exit 4)" 4 "UNKNOWN" $c --consistency-models snapshot-isolation --budget-states 1 "$tmp/wskew.edn"

verdict "--html writes the history's page too" 1 "G-single" $c --consistency-models serializable --html "$tmp/skew.html" "$tmp/skew.jsonl"
grep -q '"invoke_line"' "$tmp/skew.html" && ok "the page carries the report's transactions" \
    || bad "the --html page lacks the report"

# rw-register
cat > "$tmp/rw.jsonl" <<'EOF'
{"process":0,"type":"invoke","f":"txn","value":[["w","x",1],["w","y",1]]}
{"process":1,"type":"invoke","f":"txn","value":[["r","x",null],["r","y",null]]}
{"process":0,"type":"ok","f":"txn","value":[["w","x",1],["w","y",1]]}
{"process":1,"type":"ok","f":"txn","value":[["r","x",1],["r","y",null]]}
EOF
verdict "rw-register read skew: G-single" 1 "G-single" check --workload txn-rw --consistency-models serializable "$tmp/rw.jsonl"
verdict "rw-register: nil is the initial state, explained" 1 'read key "y" = nil \(the initial state\)' check --workload txn-rw --consistency-models serializable "$tmp/rw.jsonl"

# A crowd: 6000 concurrent transactions, then 6000 more, each after all of
# the first: 3.6e7 real-time edges, over the cap. Undecided (exit 4), quickly.
python3 - "$tmp/crowd.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    for batch in range(2):
        for t in ("invoke", "ok"):
            for p in range(6000):
                r = "null" if t == "invoke" else "[]"
                out.write('{"process":%d,"type":"%s","f":"txn","value":[["r",%d,%s]]}\n' % (p, t, p % 50, r))
PY
verdict "too many edges: undecided, not a hang (exit 4)" 4 "note: too many edges" $c --consistency-models strict-serializable "$tmp/crowd.jsonl"

# bad input and usage
printf '%s\n' '{"process":0,"type":"invoke","f":"txn","value":[["append","x",1]]}' \
    '{"process":0,"type":"ok","f":"txn","value":[["append","x",1]]}' \
    '{"process":1,"type":"invoke","f":"read","value":null}' > "$tmp/mixed.jsonl"
verdict "a non-txn operation: exit 2 naming the line" 2 "mixed.jsonl:3: expected an operation \"txn\"" $c "$tmp/mixed.jsonl"
verdict "w in a txn-append history: exit 2" 2 "rw.jsonl:3: expected no \"w\" in a txn-append history" $c "$tmp/rw.jsonl"
verdict "an unknown consistency model: exit 2 with the list" 2 "unknown consistency model 'serialisable' \(known: read-uncommitted" $c --consistency-models serialisable "$tmp/skew.jsonl"
verdict "--consistency-models with a register model: exit 2" 2 "consistency-models applies" check --model register --consistency-models serializable "$tmp/skew.jsonl"
verdict "an unknown workload: exit 2" 2 "unknown model 'txn-bank'" check --workload txn-bank "$tmp/skew.jsonl"
verdict "--help lists the consistency models" 0 "strong-session-snapshot-isolation" check --help

# scenarios: c:check{"snapshot-isolation"} on an empty history, on a register history
cat > "$tmp/empty.lua" <<'EOF'
local c = dsim.cluster { nodes = 1 }
c:run { until_ms = 1 }
return c:check { "snapshot-isolation", "serializable" }
EOF
cat > "$tmp/register.lua" <<'EOF'
local c = dsim.cluster { nodes = 1, clients = { count = 2, workload = "register", rate = 50 } }
c:run { until_ms = 500 }
return c:check { "serializable" }
EOF
verdict "c:check{\"snapshot-isolation\"} on an empty history holds" 0 "snapshot-isolation: ok" run "$tmp/empty.lua"
verdict "c:check{\"serializable\"} on a register history: a clear error (exit 2)" 2 'c:check serializable: history:1: expected an operation "txn"' run "$tmp/register.lua"

# The viewer outlines the transactions of a cycle as it does a linearizability
# counterexample: a failing verdict's report names them by 'invoke_line'. No
# simulated client issues transactions yet, so the txn report of skew.jsonl
# goes into the trace of a register run whose first two history lines are
# the two invocations the report names.
cat > "$tmp/reg.lua" <<'EOF'
local c = dsim.cluster { nodes = 1, clients = { count = 2, workload = "register", rate = 50 } }
c:run { until_ms = 300 }
return c:check { "linearizable" }
EOF
"$bin" run "$tmp/reg.lua" --trace "$tmp/reg.trace" > /dev/null 2>&1
"$bin" check --workload txn-append --consistency-models serializable --json "$tmp/skew.jsonl" > "$tmp/skew.json"
python3 - "$tmp/reg.trace" "$tmp/skew.json" "$tmp/txn.trace" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
report = json.load(open(sys.argv[2]))
verdict = json.dumps({"t": 0, "ev": "verdict", "check": "serializable", "valid": False, "report": report})
open(sys.argv[3], "w").write("\n".join(lines[:-1] + [verdict, lines[-1]]) + "\n")
PY
"$bin" view "$tmp/txn.trace" -o "$tmp/txn.svg" > /dev/null 2>&1
cx=$(grep -o 'class="[^"]* cx' "$tmp/txn.svg" | wc -l)
[ "$cx" -eq 2 ] && ok "the viewer outlines the cycle's two transactions" \
    || bad "the viewer outlines $cx operations, want 2"

[ $fails -eq 0 ] || exit 1
