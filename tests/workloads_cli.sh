#!/bin/bash
# workloads_cli.sh — the workloads from the outside: 'dsim list workloads',
# bad clients tables (exit 2, naming what was expected), and for every
# scenario in scenarios/workloads/: it passes on Raft and on single, a
# planted bug fails it with a message naming the broken rule, and its
# history, written as JSON lines and as Jepsen EDN, gets the same verdict
# from 'dsim check --workload' (transactions: the txn checker, as
# strict-serializable; their history is in Elle's shape). The Raft fuzz scenario runs each
# workload over a few seeds, and the planted stale read fails the
# read-bearing ones.
#
# Env: DSIM_BIN (the dsim binary), DSIM_SOURCE (the source tree).
set -u
DSIM=${DSIM_BIN:?DSIM_BIN must name the dsim binary}
SRC=${DSIM_SOURCE:?DSIM_SOURCE must name the source tree}
W=$SRC/scenarios/workloads
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0

. "${DSIM_SOURCE:?DSIM_SOURCE is not set}/tests/cli_lib.sh"

# The registry, as text and JSON: every workload with its parameters.
expect 0 "list workloads" -- "$DSIM" list workloads --json
python3 - "$T/out" <<'PY' || failures=$((failures + 1))
import json, sys
ws = {w["name"]: w for w in json.load(open(sys.argv[1]))}
want = ["register", "cas-register", "kv", "counter", "set", "list-append", "txn-append", "txn-rw", "queue"]
missing = [n for n in want if n not in ws]
assert not missing, f"FAIL: list workloads misses {missing}"
assert [p["name"] for p in ws["txn-append"]["params"]] == ["read", "keys", "txn_min", "txn_max", "writes_per_key"], ws["txn-append"]
assert ws["counter"]["checks"] == ["counter"] and ws["counter"]["model"] == "counter"
PY
expect 0 "list workloads (text)" -- "$DSIM" list workloads
contains "$T/out" "writes_per_key" "text list shows parameters"

# Bad clients tables: exit 2 with the file, the line and what was expected.
cat >"$T/bad.lua" <<'LUA'
local c = dsim.cluster { clients = { count = 1, workload = dsim.param("wl", "counter"),
                                     txn_min = dsim.param("tmin", 1) } }
LUA
expect 2 "unknown workload" -- "$DSIM" run "$T/bad.lua" -D wl=nope
contains "$T/err" "bad.lua:1:" "the error names the file and line"
contains "$T/err" "unknown workload 'nope' (known: register, cas-register, kv, counter" "the error lists the registry"
expect 2 "a parameter of another workload" -- "$DSIM" run "$T/bad.lua"
contains "$T/err" "unknown field 'txn_min'" "counter has no txn_min"
expect 2 "txn_min above txn_max" -- "$DSIM" run "$T/bad.lua" -D wl=txn-append -D tmin=6
contains "$T/err" "txn_min must not exceed txn_max" "the txn generator's bounds"
cat >"$T/send.lua" <<'LUA'
local c = dsim.cluster { clients = { count = 1, send = dsim.param("send", "all"), replies = dsim.param("replies", 1) } }
LUA
expect 2 "unknown send mode" -- "$DSIM" run "$T/send.lua" -D send=nope
contains "$T/err" "'send' must be leader, own, random or all, got 'nope'" "send modes come from the client's table"
expect 2 "more replies than nodes" -- "$DSIM" run "$T/send.lua" -D replies=4
contains "$T/err" "replies must be from 1 to 3" "a quorum larger than the cluster"
expect 2 "check: unknown workload" -- "$DSIM" check --workload nope "$T/bad.lua"
expect 2 "check: --model and --workload" -- "$DSIM" check --model counter --workload counter "$T/bad.lua"

# run_pair NAME WORKLOAD STATUS CHECK_STATUS RULE [ARGS...]: the scenario
# with ARGS gives STATUS; its history as JSON lines and as EDN (the same
# run: the same fingerprint) gives CHECK_STATUS under dsim check.
run_pair() {
    local name=$1 wl=$2 want=$3 want_check=$4 rule=$5
    shift 5
    local what="$name ${*:-(no -D)}"
    expect "$want" "$what" -- "$DSIM" run "$W/$name.lua" "$@" --history "$T/h.jsonl" --json
    local fp_json; fp_json=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$T/out")
    [ -n "$rule" ] && contains "$T/out" "$rule" "$what: the failure names the rule"
    expect "$want" "$what (EDN history)" -- "$DSIM" run "$W/$name.lua" "$@" --history "$T/h.edn" --json
    local fp_edn; fp_edn=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$T/out")
    [ "$fp_json" = "$fp_edn" ] || { echo "FAIL: $what: history format changed the fingerprint"; failures=$((failures + 1)); }
    local lin=""
    [ "$wl" = set ] && lin=--linearizable
    expect "$want_check" "$what: dsim check --workload $wl (JSON lines)" -- "$DSIM" check --workload "$wl" $lin "$T/h.jsonl"
    expect "$want_check" "$what: dsim check --workload $wl (EDN)" -- "$DSIM" check --workload "$wl" $lin --format edn "$T/h.edn"
}

rule_counter="every read lies between the acknowledged and the attempted sums"
run_pair counter counter 0 0 ""
run_pair counter counter 1 1 "$rule_counter" -D bug=stale_read
run_pair counter counter 0 0 "" -D protocol=single
run_pair counter counter 1 1 "$rule_counter" -D protocol=single -D bug=ack_before_sync
run_pair set set 0 0 ""
run_pair set set 1 1 "an acknowledged add is visible to every read that begins after it" -D bug=stale_read
run_pair set set 1 1 "" -D protocol=single -D bug=ack_before_sync
run_pair list-append list-append 0 0 ""
run_pair list-append list-append 1 1 "" -D bug=stale_read
run_pair list-append list-append 0 0 "" -D protocol=single
run_pair queue queue 0 0 ""
run_pair queue queue 0 0 "" -D protocol=single
run_pair queue queue 1 1 "" -D protocol=single -D bug=ack_before_sync
run_pair txn-append txn-append 0 0 ""
run_pair txn-append txn-append 0 0 "" -D protocol=single
run_pair txn-append txn-append 1 1 "" -D protocol=single -D bug=ack_before_sync
run_pair txn-rw txn-rw 0 0 ""
# the stale read fails the txn scenarios on their own partition (c1 and c2
# stranded with the old leader read from it)
run_pair txn-append txn-append 1 1 "" -D bug=stale_read
run_pair txn-rw txn-rw 1 1 "" -D bug=stale_read
# bank (Jepsen's): Raft and single conserve money; the reference server
# that persists only a transfer's debit loses money across its restart.
rule_bank="every read sums to the total and shows no negative balance"
run_pair bank bank 0 0 ""
run_pair bank bank 0 0 "" -D protocol=single
run_pair bank bank 1 1 "$rule_bank" -D protocol=single -D bug=txn_first_key
# the single fuzz scenario fuzzes bank when its bug is txn_first_key: the
# first failing seed of 1..1000 is 2 (pinned), and it shrinks and replays
expect 0 "single fuzz, bug=txn_first_key, seed 1" -- "$DSIM" run "$SRC/scenarios/fuzz/single.lua" --seed 1 -D bug=txn_first_key
expect 1 "single fuzz, bug=txn_first_key, seed 2" -- "$DSIM" run "$SRC/scenarios/fuzz/single.lua" --seed 2 -D bug=txn_first_key
contains "$T/out" "bank: FAILED" "the bank check catches the lost credits"
expect 0 "single fuzz, workload=bank, correct" -- "$DSIM" fuzz "$SRC/scenarios/fuzz/single.lua" --seeds 1..10 --jobs 1 -D workload=bank
(cd "$T" && "$DSIM" shrink "$SRC/scenarios/fuzz/single.lua" --seed 2 -D bug=txn_first_key >/dev/null 2>&1)
expect 1 "the shrunk txn_first_key schedule replays and fails" -- "$DSIM" replay "$T/shrunk-seed-2.json"
expect 1 "bank: the report names the read" -- "$DSIM" run "$W/bank.lua" -D protocol=single -D bug=txn_first_key
contains "$T/out" "not the total" "the bank report says which read lost money"
"$DSIM" run "$W/txn-append.lua" --history "$T/t.jsonl" >/dev/null 2>&1
grep -q '"f":"txn","value":\[\["append",[0-9]*,[0-9]*\]' "$T/t.jsonl" ||
    { echo "FAIL: txn-append history is not in Elle's shape"; failures=$((failures + 1)); }
grep -q '\["r",[0-9]*,\[[0-9,]*\]\]' "$T/t.jsonl" ||
    { echo "FAIL: txn-append reads record no lists"; failures=$((failures + 1)); }

# replies = k on a real protocol: single-decree Paxos's proposers all
# answer; with n5 down, 4 identical answers complete operations, 5 never do.
expect 0 "replies=4 on basic Paxos" -- "$DSIM" run "$SRC/tests/scenarios/replies_paxos.lua" -D replies=4 --json
python3 - "$T/out" 4 <<'PY' || failures=$((failures + 1))
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ops"]["ok"] > 10 and r["checks"]["consensus"]["valid"] is True, ("FAIL: replies=4", r["ops"])
PY
expect 0 "replies=5 on basic Paxos, a node down" -- "$DSIM" run "$SRC/tests/scenarios/replies_paxos.lua" -D replies=5 --json
python3 - "$T/out" <<'PY' || failures=$((failures + 1))
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ops"]["ok"] == 0 and r["ops"]["fail"] == 0 and r["ops"]["info"] > 5, ("FAIL: replies=5 completed operations", r["ops"])
PY

# The Raft fuzz scenario serves every workload and passes its checks; the
# planted stale read fails the read-bearing ones (seeds 1..20, pinned).
for wl in counter set list-append txn-append txn-rw queue bank; do
    expect 0 "raft fuzz, workload $wl" -- "$DSIM" fuzz "$SRC/scenarios/fuzz/raft.lua" --seeds 1..5 --jobs 1 -D workload=$wl
done
for wl in counter set list-append txn-append txn-rw; do
    expect 1 "raft fuzz, workload $wl, bug=stale_read" -- "$DSIM" fuzz "$SRC/scenarios/fuzz/raft.lua" --seeds 1..20 --jobs 1 -D workload=$wl -D bug=stale_read
done

if [ "$failures" -gt 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "workloads_cli: all passed"
