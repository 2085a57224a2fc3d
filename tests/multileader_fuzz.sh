#!/bin/bash
# multileader_fuzz.sh — the randomized multi-leader scenario
# (scenarios/fuzz/multileader.lua): the correct protocol passes every
# check its options promise on every seed of a sweep (MULTILEADER_FUZZ_SEEDS,
# default 300), at the scenario's defaults (swarm-drawn options), and on a
# third as many with op-based causal delivery of registers forced (the
# causal check's case);
# every planted bug is caught on a pinned seed (the first failing one of
# seeds 1..1000 at the defaults) by the named check with the named
# violation; a seed replays to the same fingerprint, traced or not; a
# failing seed shrinks and its schedule replays and still fails.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/multileader.lua
seeds=${MULTILEADER_FUZZ_SEEDS:-300}
failures=0

while read -r label n args; do
    # shellcheck disable=SC2086 # 'args' is a list of arguments
    n=$((seeds * n / 3))
    out=$("$bin" fuzz "$scen" --seeds "1..$n" $args 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: correct multileader ($label), seeds 1..$n exited $rc"
        echo "$out" | grep -E "failed|dsim run" | head -5
        failures=$((failures + 1))
    else
        echo "ok   correct multileader ($label): seeds 1..$n pass"
    fi
done <<'SWEEPS'
defaults 3
causal-kv 1 -D workload=kv -D delivery=ops -D causal=true -D dcs=3
SWEEPS

# bug seed check message: the first failing seed of 1..1000 at the
# scenario's defaults; 'check' fails and its report holds 'message'.
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
orset_remove_wins 1 invariants Cart:_item
gcounter_sum_merge 2 invariants Counter_bound:
causal_skip 1 invariants Causal_delivery:
SEEDS

fp() { "$bin" run "$scen" "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }
tmp=$(mktemp -d)
for s in 5 6; do
    a=$(fp --seed $s)
    b=$(fp --seed $s)
    c=$(fp --seed $s --trace "$tmp/t.jsonl")
    if [ -z "$a" ] || [ "$a" != "$b" ] || [ "$a" != "$c" ]; then
        echo "FAIL: seed $s does not replay: '$a' '$b' '$c' (traced)"
        failures=$((failures + 1))
    else
        echo "ok   seed $s replays to $a, traced or not"
    fi
done

# A failing seed shrinks (never to more faults) and the shrunk schedule
# replays and still fails.
(cd "$tmp" && "$bin" shrink "$scen" --seed 2 -D bug=gcounter_sum_merge --json > shrink.json 2>/dev/null)
read -r before after < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["faults_before"], d["faults_after"])' "$tmp/shrink.json" 2>/dev/null)
if [ -z "${after:-}" ] || [ "$after" -gt "$before" ]; then
    echo "FAIL: shrink of bug=gcounter_sum_merge seed 2: '${before:-?}' -> '${after:-?}' faults"
    failures=$((failures + 1))
else
    echo "ok   bug=gcounter_sum_merge seed 2 shrinks from $before to $after faults"
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
    echo "$failures multileader fuzz check(s) failed"
    exit 1
fi
echo "all multileader fuzz checks passed"
