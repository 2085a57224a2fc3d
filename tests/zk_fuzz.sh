#!/bin/bash
# zk_fuzz.sh — the randomized coordination service (scenarios/fuzz/zk.lua,
# recipes on ZAB): the correct service passes the mutex or zk check, the
# invariants (ZAB's, the watch order, liveness after healing) on every seed
# of a sweep (ZK_FUZZ_SEEDS, default 300); every planted bug is caught on a
# pinned seed (the first failing one of seeds 1..1000 at the scenario's
# defaults) by the named check with the named violation; a seed replays to
# the same fingerprint, traced or not; a failing seed shrinks and replays.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/zk.lua
seeds=${ZK_FUZZ_SEEDS:-300}
failures=0

out=$("$bin" fuzz "$scen" --seeds "1..$seeds" 2>&1)
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "FAIL: correct service, seeds 1..$seeds exited $rc"
    echo "$out" | grep -E "failed|dsim run" | head -5
    failures=$((failures + 1))
else
    echo "ok   correct service: seeds 1..$seeds pass"
fi

# bug seed check message: the first failing seed of 1..1000 per planted
# bug; 'check' fails and the report holds 'message' (_ for spaces).
while read -r bug seed check message; do
    out=$("$bin" run "$scen" --seed "$seed" -D bug="$bug" 2>&1)
    rc=$?
    verdicts=$(echo "$out" | grep verdicts)
    if [ "$rc" -ne 1 ] || ! echo "$verdicts" | grep -q "$check: fail" ||
       ! echo "$out" | grep -q -- "${message//_/ }"; then
        echo "FAIL: bug=$bug seed $seed exited $rc, expected 1 with $check failing ('${message//_/ }')"
        echo "$out" | grep -E "verdicts|violation|error|Liveness|Watch" | head -5
        failures=$((failures + 1))
    else
        echo "ok   bug=$bug caught on seed $seed: $verdicts"
    fi
done <<'SEEDS'
ephemeral_leak 2 invariants never_got_the_lock
watch_after_data 2 invariants Watch_order:
sync_ignored 1 zk a_read_after_sync_missed_a_write
SEEDS

fp() { "$bin" run "$scen" "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }
tmp=$(mktemp -d)
for recipe in lock kv; do
    a=$(fp --seed 5 -D recipe=$recipe)
    b=$(fp --seed 5 -D recipe=$recipe)
    c=$(fp --seed 5 -D recipe=$recipe --trace "$tmp/t.jsonl")
    if [ -z "$a" ] || [ "$a" != "$b" ] || [ "$a" != "$c" ]; then
        echo "FAIL: recipe=$recipe seed 5 does not replay: '$a' '$b' '$c' (traced)"
        failures=$((failures + 1))
    else
        echo "ok   recipe=$recipe seed 5 replays to $a, traced or not"
    fi
done

# A failing seed shrinks to fewer faults; the shrunk schedule still fails.
(cd "$tmp" && "$bin" shrink "$scen" --seed 2 -D bug=ephemeral_leak --json > shrink.json 2>/dev/null)
read -r before after < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["faults_before"], d["faults_after"])' "$tmp/shrink.json" 2>/dev/null)
if [ -z "${after:-}" ] || [ "$after" -ge "$before" ]; then
    echo "FAIL: shrink of bug=ephemeral_leak seed 2: '${before:-?}' -> '${after:-?}' faults"
    failures=$((failures + 1))
else
    echo "ok   bug=ephemeral_leak seed 2 shrinks from $before to $after faults"
    (cd "$tmp" && "$bin" replay shrunk-seed-2.json > replay.out 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "same as the recorded" "$tmp/replay.out"; then
        echo "ok   the shrunk schedule replays and still fails"
    else
        echo "FAIL: replay of the shrunk schedule exited $rc"
        failures=$((failures + 1))
    fi
fi
rm -rf "$tmp"

if [ "$failures" -ne 0 ]; then
    echo "$failures zk fuzz check(s) failed"
    exit 1
fi
echo "all zk fuzz checks passed"
