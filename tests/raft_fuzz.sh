#!/bin/bash
# raft_fuzz.sh — the randomized Raft scenario (scenarios/fuzz/raft.lua):
# the correct Raft passes linearizability, the invariants and liveness on
# every seed of a sweep (RAFT_FUZZ_SEEDS, default 200); every planted bug
# is caught (exit 1) on a pinned seed, the first failing one of a sweep
# of seeds 1..1000; a seed replays to the same fingerprint.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/raft.lua
seeds=${RAFT_FUZZ_SEEDS:-200}
failures=0

for s in $(seq 1 "$seeds"); do
    out=$("$bin" run "$scen" --seed "$s" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: correct raft, seed $s exited $rc"
        echo "$out" | grep -E "verdicts|violation|error" | head -5
        failures=$((failures + 1))
    fi
done
echo "correct raft: $seeds seeds, $failures failing"

# bug seed [args]: the first failing seed of 1..1000 for each planted bug.
# figure8 needs three servers to show up within 1000 seeds (with five, a
# hasty commit is almost always followed by the no-op reaching a majority
# first); so does lease_no_drift_margin (the lease demo in raft_demos.sh
# catches it too).
while read -r bug seed extra; do
    # shellcheck disable=SC2086 # 'extra' is a list of arguments
    out=$("$bin" run "$scen" --seed "$seed" -D bug="$bug" $extra 2>&1)
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL: bug=$bug seed $seed exited $rc, expected 1 (caught)"
        echo "$out" | grep -E "verdicts|violation|error" | head -5
        failures=$((failures + 1))
    else
        echo "ok   bug=$bug caught on seed $seed $extra: $(echo "$out" | grep verdicts)"
    fi
done <<'SEEDS'
vote_any_log 2
snapshot_off_by_one 2
stale_read 15
no_prev_check 8
vote_not_persisted 325
figure8 594 -D nodes=3
lease_no_drift_margin 750 -D nodes=3
SEEDS

a=$("$bin" run "$scen" --seed 5 --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"')
b=$("$bin" run "$scen" --seed 5 --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"')
if [ -z "$a" ] || [ "$a" != "$b" ]; then
    echo "FAIL: seed 5 does not replay: '$a' then '$b'"
    failures=$((failures + 1))
fi

# With the kernel's nemesis (-D faults=nemesis): seed 197 hits transient
# disk read faults before crashes, which once made a node forget entries
# and its vote (Raft now reads again); a planted bug is caught and shrunk to
# a schedule that replays.
"$bin" run "$scen" --seed 197 -D faults=nemesis > /dev/null 2>&1
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: correct raft with the nemesis, seed 197 exited $rc"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
(cd "$tmp" && "$bin" shrink "$scen" --seed 8 -D faults=nemesis -D bug=stale_read --json > shrink.json 2>/dev/null)
read -r before after < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["faults_before"], d["faults_after"])' "$tmp/shrink.json" 2>/dev/null)
if [ -z "${after:-}" ] || [ "$after" -ge "$before" ] || [ "$after" -lt 1 ]; then
    echo "FAIL: shrink of bug=stale_read seed 8: '${before:-?}' -> '${after:-?}' faults"
    failures=$((failures + 1))
else
    echo "ok   bug=stale_read seed 8 with the nemesis shrinks from $before to $after faults"
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
    echo "$failures raft fuzz check(s) failed"
    exit 1
fi
echo "all raft fuzz checks passed"
