#!/bin/bash
# zab_fuzz.sh — the randomized ZAB scenario (scenarios/fuzz/zab.lua): the
# correct protocol passes linearizability, the ZAB invariants and liveness
# on every seed of a sweep (ZAB_FUZZ_SEEDS, default 300); every planted bug
# is caught on a pinned seed (the first failing one of seeds 1..1000 at the
# scenario's defaults) by the named check with the named violation; a seed
# replays to the same fingerprint, traced or not; a failing seed shrinks
# and the shrunk schedule replays.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/zab.lua
seeds=${ZAB_FUZZ_SEEDS:-300}
failures=0

out=$("$bin" fuzz "$scen" --seeds "1..$seeds" 2>&1)
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "FAIL: correct zab, seeds 1..$seeds exited $rc"
    echo "$out" | grep -E "failed|dsim run" | head -5
    failures=$((failures + 1))
else
    echo "ok   correct zab: seeds 1..$seeds pass"
fi

# bug seed check message: 'check' fails on 'seed' and the report holds
# 'message' (underscores for spaces).
while read -r bug seed check message; do
    out=$("$bin" run "$scen" --seed "$seed" -D bug="$bug" 2>&1)
    rc=$?
    verdicts=$(echo "$out" | grep verdicts)
    if [ "$rc" -ne 1 ] || ! echo "$verdicts" | grep -q "$check: fail" ||
       ! echo "$out" | grep -q -- "${message//_/ }"; then
        echo "FAIL: bug=$bug seed $seed exited $rc, expected 1 with $check failing ('${message//_/ }')"
        echo "$out" | grep -E "verdicts|FAILED|error" -A1 | head -6
        failures=$((failures + 1))
    else
        echo "ok   bug=$bug caught on seed $seed: $verdicts"
    fi
done <<'SEEDS'
skip_sync 1 invariants Total_order:_n4_delivered_1.5_right_after_0.0
old_epoch_accept 11 invariants Primary_integrity:_n2_leads_epoch_11_without_10.43
epoch_not_persisted 1 invariants Established_leaders:_n3_established_epoch_1_over_a_history
commit_before_quorum 1 invariants Total_order:_after_1.12_a_server_delivered_1.13,_n2_delivered_2.1
local_read 11 linearizable not_linearizable
SEEDS

fp() { "$bin" run "$scen" "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }
tmp=$(mktemp -d)
a=$(fp --seed 5)
b=$(fp --seed 5)
c=$(fp --seed 5 --trace "$tmp/t.jsonl")
if [ -z "$a" ] || [ "$a" != "$b" ] || [ "$a" != "$c" ]; then
    echo "FAIL: seed 5 does not replay: '$a' '$b' '$c' (traced)"
    failures=$((failures + 1))
else
    echo "ok   seed 5 replays to $a, traced or not"
fi

# A failing seed shrinks to fewer faults, and the shrunk schedule replays
# and still fails (an invariant violation: no host-time budget involved).
(cd "$tmp" && "$bin" shrink "$scen" --seed 1 -D bug=epoch_not_persisted --json > shrink.json 2>/dev/null)
read -r before after < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["faults_before"], d["faults_after"])' "$tmp/shrink.json" 2>/dev/null)
if [ -z "${after:-}" ] || [ "$after" -ge "$before" ]; then
    echo "FAIL: shrink of bug=epoch_not_persisted seed 1: '${before:-?}' -> '${after:-?}' faults"
    failures=$((failures + 1))
else
    echo "ok   bug=epoch_not_persisted seed 1 shrinks from $before to $after faults"
    (cd "$tmp" && "$bin" replay shrunk-seed-1.json > replay.out 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "same as the recorded" "$tmp/replay.out" &&
       grep -q "Established leaders" "$tmp/replay.out"; then
        echo "ok   the shrunk schedule replays and still fails"
    else
        echo "FAIL: replay of the shrunk schedule exited $rc"
        failures=$((failures + 1))
    fi
fi
rm -rf "$tmp"

if [ "$failures" -ne 0 ]; then
    echo "$failures zab fuzz check(s) failed"
    exit 1
fi
echo "all zab fuzz checks passed"
