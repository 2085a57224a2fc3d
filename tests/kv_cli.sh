#!/bin/bash
# kv_cli.sh — the replicated state machine (dsim_kv) end to end: every
# protocol that applies it starts from the workload's initial state (the
# bank's opening balances), so the bank check passes on each, with reads
# that saw the balances (ok operations); tests/test_kv.c has the rest.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/tests/scenarios/kv_bank.lua
failures=0
for p in raft paxos zab replication pbft; do
    out=$("$bin" run "$scen" -D protocol=$p 2>&1)
    rc=$?
    ok=$(echo "$out" | sed -n 's/^operations .* ok \([0-9]*\),.*/\1/p')
    if [ "$rc" -ne 0 ] || ! echo "$out" | grep -q "bank: ok" || [ "${ok:-0}" -lt 5 ]; then
        echo "FAIL: bank on $p exited $rc with ${ok:-no} ok operations"
        echo "$out" | grep -E "verdicts|violation|error" | head -3
        failures=$((failures + 1))
    else
        echo "ok   bank on $p: $ok ok operations, every read sums to the total"
    fi
done
[ "$failures" -eq 0 ] || { echo "$failures kv check(s) failed"; exit 1; }
echo "all kv checks passed"
