#!/bin/bash
# dynamo_fuzz.sh — the randomized Dynamo scenario (scenarios/fuzz/dynamo.lua):
# the correct protocol passes every check its drawn options promise
# (linearizability for abd, counter bounds for strict counters, set-full,
# convergence after the quiet period, invariants, liveness) on every seed
# of a sweep (DYNAMO_FUZZ_SEEDS, default 300); every planted bug is caught
# on a pinned seed (the first failing one of seeds 1..1000 at the
# scenario's defaults) by the named check with the named message; seeds
# with data centres and local_quorum are drawn and judged; a seed
# replays to the same fingerprint, traced or not; a failing seed shrinks
# and its shrunk schedule replays. Needs DSIM_BIN and DSIM_SOURCE.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/dynamo.lua
seeds=${DYNAMO_FUZZ_SEEDS:-300}
. "$DSIM_SOURCE/tests/fuzz_lib.sh"

passes "correct dynamo" "$seeds"

# Seed 29989 once failed set-full on the correct protocol: with r + w <= n
# the run's last read raced the last add. Reads at ALL after healing
# (control 'consistency') make the last reads the truth.
passes_seed 29989 "the last read racing the last add"

# Each profile alone, fewer seeds: every promise is exercised.
for profile in abd counter set register; do
    passes "correct dynamo, profile=$profile" "$((seeds / 6))" -D profile=$profile
done

# Data centres (one seed in four) and local_quorum (half of those):
# forced on every seed of a shorter sweep, so every profile but abd meets
# them, and checked on a pinned seed at the defaults.
passes "correct dynamo, consistency=local_quorum" $((seeds / 3)) -D consistency=local_quorum

# Seed 192 draws three data centres with local_quorum on the set profile:
# set-full holds (an add a local majority acknowledged is never lost), and
# it is local: the same seed with global quorums completes far fewer
# operations (the inter-DC cuts and 5-30 ms links stall them). Equal
# counts would mean local_quorum acts as quorum; another draw line means
# the scenario stopped drawing data centres.
out=$("$bin" run "$scen" --seed 192 -D show=true 2>&1)
rc=$?
if [ "$rc" -ne 0 ] ||
   ! echo "$out" | grep -q "drawn: profile=set nodes=5 n=3 r=3 w=2 sloppy=true versioning=vv aim=off dcs=3 consistency=local_quorum dc_cuts=true" ||
   ! echo "$out" | grep -q "set-full: ok" || ! echo "$out" | grep -q "invoked 305: ok 301,"; then
    echo "FAIL: seed 192 (3 data centres, local_quorum, set) exited $rc:"
    echo "$out" | grep -E "drawn|operations|verdicts|error"
    failures=$((failures + 1))
else
    echo "ok   seed 192 draws dcs=3 with local_quorum: set-full ok, 301 of 305 operations ok"
fi
out=$("$bin" run "$scen" --seed 192 -D consistency=quorum 2>&1)
if [ "$?" -ne 0 ] || ! echo "$out" | grep -q "invoked 191: ok 181,"; then
    echo "FAIL: seed 192 with global quorums: expected 181 of 191 operations ok"
    echo "$out" | grep -E "operations|verdicts|error"
    failures=$((failures + 1))
else
    echo "ok   seed 192 with global quorums: 181 of 191 operations ok (local_quorum: 301 of 305)"
fi
# Control 'consistency' switches the level (the scenario's reads at ALL
# after healing need level quorum: without it 83 of seeds 1..3000 with
# local_quorum failed set-full, seed 192 among them) and refuses others.
cat > "$fuzz_tmp/level.lua" <<'EOF'
local c = dsim.cluster { protocol = "dynamo", nodes = 4,
  options = { n = 4, dcs = 2, consistency = "local_quorum", type = "set" },
  clients = { count = 1, workload = "set", rate = 10 } }
c:run { until_ms = 10 }
c:control(1, "consistency", { r = 4, level = dsim.param("level", "quorum") })
c:run { until_ms = 20 }
return c:check { "invariants" }
EOF
out=$("$bin" run "$fuzz_tmp/level.lua" -D level=all 2>&1)
rc=$?
if [ "$rc" -ne 2 ] || ! echo "$out" | grep -q "L quorum or local_quorum" ||
   ! "$bin" run "$fuzz_tmp/level.lua" > /dev/null 2>&1; then
    echo "FAIL: control consistency level: 'all' exited $rc ($out), or 'quorum' refused"
    failures=$((failures + 1))
else
    echo "ok   control consistency takes level quorum and refuses level=all"
fi

# Seed 12 draws abd over two data centres with global quorums: still
# linearizable under the inter-DC cuts.
out=$("$bin" run "$scen" --seed 12 -D show=true 2>&1)
if [ "$?" -ne 0 ] || ! echo "$out" | grep -q "profile=abd .* dcs=2 consistency=quorum dc_cuts=true" ||
   ! echo "$out" | grep -q "linearizable: ok"; then
    echo "FAIL: seed 12 (abd over 2 data centres) is not drawn or not linearizable"
    echo "$out" | grep -E "drawn|verdicts|error"
    failures=$((failures + 1))
else
    echo "ok   seed 12: abd over 2 data centres, linearizable"
fi

# bug seed check message [args]: the first failing seed of 1..1000 per
# planted bug at the scenario's defaults (fuzz_lib.sh, caught).
caught <<'SEEDS'
no_write_back 6 linearizable not_linearizable
vv_merge_min 8 counter counter:_FAILED
hint_not_persisted 69 set-full an_acknowledged_add_is_never_lost
SEEDS

# hint_not_persisted is caught on many seeds, not one: the aimed faults
# (a key's home replicas cut off, a fallback crashed right after its hint)
# make the loss of an acknowledged sloppy write common. Seeds 1..200 held
# 10 failing seeds when this was written; fewer than 5 means the aim broke.
out=$("$bin" fuzz "$scen" --seeds 1..200 -D bug=hint_not_persisted --json 2>/dev/null)
count=$(echo "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["failed"]))' 2>/dev/null)
if [ "${count:-0}" -lt 5 ]; then
    echo "FAIL: bug=hint_not_persisted fails only '${count:-?}' of seeds 1..200 (expected >= 5)"
    failures=$((failures + 1))
else
    echo "ok   bug=hint_not_persisted fails $count of seeds 1..200"
fi

# The liveness check reaches the verdict: clients stopped too early to
# complete anything after the heal fail the invariants with "Liveness:".
out=$("$bin" run "$scen" --seed 1 -D recovery=1600 -D quiet=1500 2>&1)
if [ "$?" -ne 1 ] || ! echo "$out" | grep -q "Liveness: client c1 completed nothing in the liveness phase"; then
    echo "FAIL: a liveness phase without completions is not reported"
    failures=$((failures + 1))
else
    echo "ok   a liveness phase without completions fails the invariants"
fi

replays --seed 3
replays --seed 5
# A failing seed shrinks to fewer faults; the shrunk schedule replays.
shrinks 8 -D bug=vv_merge_min
# The aimed faults stay outside the schedule: seed 69 shrinks to none of
# the nemesis's faults and still loses the write.
shrinks 69 -D bug=hint_not_persisted

finish dynamo
