#!/bin/bash
# dynamo_fuzz.sh — the randomized Dynamo scenario (scenarios/fuzz/dynamo.lua):
# the correct protocol passes every check its drawn options promise
# (linearizability for abd, counter bounds for strict counters, set-full,
# convergence after the quiet period, invariants, liveness) on every seed
# of a sweep (DYNAMO_FUZZ_SEEDS, default 300); every planted bug is caught
# on a pinned seed (the first failing one of seeds 1..1000 at the
# scenario's defaults) by the named check with the named message; a seed
# replays to the same fingerprint, traced or not; a failing seed shrinks
# and its shrunk schedule replays. Needs DSIM_BIN and DSIM_SOURCE.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/dynamo.lua
seeds=${DYNAMO_FUZZ_SEEDS:-300}
failures=0

out=$("$bin" fuzz "$scen" --seeds "1..$seeds" 2>&1)
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "FAIL: correct dynamo, seeds 1..$seeds exited $rc"
    echo "$out" | grep -E "failed|dsim run" | head -5
    failures=$((failures + 1))
else
    echo "ok   correct dynamo: seeds 1..$seeds pass"
fi

# Seed 29989 once failed set-full on the correct protocol: with r + w <= n
# the run's last read raced the last add. Reads at ALL after healing
# (control 'consistency') make the last reads the truth.
if ! "$bin" run "$scen" --seed 29989 > /dev/null 2>&1; then
    echo "FAIL: seed 29989 (the last read racing the last add) fails again"
    failures=$((failures + 1))
else
    echo "ok   seed 29989 passes: reads at ALL after healing"
fi

# Each profile alone, fewer seeds: every promise is exercised.
for profile in abd counter set register; do
    out=$("$bin" fuzz "$scen" --seeds "1..$((seeds / 6))" -D profile=$profile 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: correct dynamo, profile=$profile exited $rc"
        echo "$out" | grep -E "failed|dsim run" | head -5
        failures=$((failures + 1))
    else
        echo "ok   correct dynamo, profile=$profile: seeds 1..$((seeds / 6)) pass"
    fi
done

# bug seed check message: the first failing seed of 1..1000 at defaults.
while read -r bug seed check message; do
    out=$("$bin" run "$scen" --seed "$seed" -D bug="$bug" 2>&1)
    rc=$?
    verdicts=$(echo "$out" | grep verdicts)
    if [ "$rc" -ne 1 ] || ! echo "$verdicts" | grep -q "$check: fail" ||
       ! echo "$out" | grep -q -- "${message//_/ }"; then
        echo "FAIL: bug=$bug seed $seed exited $rc, expected 1 with $check failing ('${message//_/ }')"
        echo "$out" | grep -E "verdicts|violation|error" | head -5
        failures=$((failures + 1))
    else
        echo "ok   bug=$bug caught on seed $seed: $verdicts"
    fi
done <<'SEEDS'
no_write_back 6 linearizable not_linearizable
vv_merge_min 8 counter counter:_FAILED
hint_not_persisted 516 set-full an_acknowledged_add_is_never_lost
SEEDS

# The liveness check reaches the verdict: clients stopped too early to
# complete anything after the heal fail the invariants with "Liveness:".
out=$("$bin" run "$scen" --seed 1 -D recovery=1600 -D quiet=1500 2>&1)
if [ "$?" -ne 1 ] || ! echo "$out" | grep -q "Liveness: client c1 completed nothing in the liveness phase"; then
    echo "FAIL: a liveness phase without completions is not reported"
    failures=$((failures + 1))
else
    echo "ok   a liveness phase without completions fails the invariants"
fi

fp() { "$bin" run "$scen" "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }
tmp=$(mktemp -d)
for seed in 3 5; do
    a=$(fp --seed $seed)
    b=$(fp --seed $seed)
    c=$(fp --seed $seed --trace "$tmp/t.jsonl")
    if [ -z "$a" ] || [ "$a" != "$b" ] || [ "$a" != "$c" ]; then
        echo "FAIL: seed $seed does not replay: '$a' '$b' '$c' (traced)"
        failures=$((failures + 1))
    else
        echo "ok   seed $seed replays to $a, traced or not"
    fi
done

# A failing seed shrinks to fewer faults; the shrunk schedule replays and
# still fails (a counter verdict: no host-time budget involved).
(cd "$tmp" && "$bin" shrink "$scen" --seed 8 -D bug=vv_merge_min --json > shrink.json 2>/dev/null)
read -r before after < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["faults_before"], d["faults_after"])' "$tmp/shrink.json" 2>/dev/null)
if [ -z "${after:-}" ] || [ "$after" -ge "$before" ]; then
    echo "FAIL: shrink of bug=vv_merge_min seed 8: '${before:-?}' -> '${after:-?}' faults"
    failures=$((failures + 1))
else
    echo "ok   bug=vv_merge_min seed 8 shrinks from $before to $after faults"
    (cd "$tmp" && "$bin" replay shrunk-seed-8.json > replay.out 2>&1)
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
    echo "$failures dynamo fuzz check(s) failed"
    exit 1
fi
echo "all dynamo fuzz checks passed"
