#!/bin/bash
# oom_cli.sh — running out of memory anywhere ends the command cleanly: for
# each run below, the allocations are failed one at a time (every one, or
# an even sample for long runs) through an LD_PRELOAD shim
# (tests/oom/shim.c); every run must either exit 3 with "dsim: out of
# memory" as its last line on stderr, or (when the failed allocation was
# libc's own and it coped) exit as the unfailed run did with the same
# output. Never a crash, a hang (meson's timeout), exit 0 with a half-built
# answer, a missing file reported as bad input, or an output file left
# behind by a run that ran out of memory (a half-written trace, page or
# result file must not pass for a finished one). DSIM_OOM_EVERY=1 fails
# every allocation of every run in turn (a long run: about 600,000 runs,
# mostly the viewer's and the traced demo's). Skipped in sanitizer builds
# (their runtime must be the first library loaded, before any preload).
# Needs DSIM_BIN, DSIM_SOURCE and DSIM_OOM_SHIM (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
shim=${DSIM_OOM_SHIM:?DSIM_OOM_SHIM is not set}
if ldd "$bin" | grep -q -e libasan -e libubsan; then
    echo "skip: sanitizer build (the preload cannot come before its runtime)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

"$bin" run "$src/scenarios/demos/single_kv.lua" --seed 3 --history "$tmp/h.jsonl" \
    --trace "$tmp/t.jsonl" >/dev/null 2>&1 || { echo "FAIL: setting up"; exit 1; }

# sweep NAME SAMPLES OUTPUT CMD...: fail each allocation of CMD in turn, or
# SAMPLES of them evenly spread (and the last one); OUTPUT ("-": none) is
# the file CMD writes, which must not exist after an out-of-memory exit
sweep() {
    local name=$1 samples=$2 output=$3
    shift 3
    [ "${DSIM_OOM_EVERY:-0}" = 1 ] && samples=1000000000
    local ref rc_ref total
    "$@" >"$tmp/out" 2>/dev/null
    rc_ref=$?
    ref=$(grep -v "wall time\|seeds/s\|speed " "$tmp/out")
    DSIM_OOM_COUNT=$tmp/count LD_PRELOAD=$shim "$@" >/dev/null 2>&1
    total=$(cat "$tmp/count")
    local step=$(( (total + samples - 1) / samples ))
    local runs=0 clean=0 same=0
    for n in $(seq 1 "$step" "$total") "$total"; do
        runs=$((runs + 1))
        [ "$output" = - ] || rm -f "$output"
        DSIM_OOM_AT=$n LD_PRELOAD=$shim "$@" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        out=$(grep -v "wall time\|seeds/s\|speed " "$tmp/out")
        if [ "$rc" -eq 3 ] && [ "$output" != - ] && [ -e "$output" ]; then
            echo "FAIL: $name, allocation $n of $total failed: exit 3 but '$output' was left behind"
            failures=$((failures + 1))
        elif [ "$rc" -eq 3 ] && [ "$(tail -1 "$tmp/err")" = "dsim: out of memory" ]; then
            clean=$((clean + 1))
        elif [ "$rc" -eq "$rc_ref" ] && [ "$out" = "$ref" ]; then
            same=$((same + 1))
        else
            echo "FAIL: $name, allocation $n of $total failed: exit $rc (unfailed: $rc_ref)"
            tail -3 "$tmp/err"
            failures=$((failures + 1))
            [ "$failures" -ge 5 ] && exit 1
        fi
    done
    echo "ok   $name: $runs of $total allocations failed in turn: $clean exit 3, $same unchanged"
}

sweep "check (linearizability)" 1000 - "$bin" check --model cas-register "$tmp/h.jsonl"
sweep "check --json" 60 - "$bin" check --model cas-register --json "$tmp/h.jsonl"
sweep "run (a demo)" 150 "$tmp/run.jsonl" "$bin" run "$src/scenarios/demos/single_kv.lua" --seed 3 \
    --trace "$tmp/run.jsonl"
sweep "fuzz (2 seeds)" 40 "$tmp/fuzz.jsonl" "$bin" fuzz "$src/scenarios/fuzz/single.lua" --seeds 1..2 \
    --out "$tmp/fuzz.jsonl"
sweep "view (html)" 60 "$tmp/v.html" "$bin" view "$tmp/t.jsonl" -o "$tmp/v.html"
sweep "list" 40 - "$bin" list protocols --json

[ "$failures" -eq 0 ] || exit 1
echo "all allocation-failure sweeps clean"
