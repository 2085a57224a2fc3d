#!/usr/bin/env bash
# faults_cli.sh — each fault kind observably does what it says: the pinned
# schedules of tests/scenarios/fault_*.lua run with --trace, and
# faults_check.py asserts the effect from the trace (no message crosses a
# cut, a crashed or paused node runs nothing, clocks move as told, loss,
# duplicates, spikes and reordering happen in their windows only); the
# verdicts show the data-loss effects (crash loses unsynced writes under
# bug=ack_before_sync; read corruption loses data even in the correct
# variant). Also: 'dsim list faults' documents every kind.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for k in partition crash pause clock net disk; do
    "$bin" run "$src/tests/scenarios/fault_$k.lua" --trace "$tmp/$k.jsonl" >"$tmp/$k.out" 2>&1
    rc=$?
    if [ "$k" = disk ]; then want=1; else want=0; fi
    [ $rc -eq $want ] || fail "fault_$k.lua exit $rc, want $want: $(tail -3 "$tmp/$k.out")"
    python3 "$src/tests/faults_check.py" "$k" "$tmp/$k.jsonl" || fail "trace check of $k"
done

# crash + restart loses unsynced writes: the planted bug fails, the fix passes
"$bin" run "$src/tests/scenarios/fault_crash.lua" -D bug=ack_before_sync >/dev/null 2>&1
[ $? -eq 1 ] || fail "crash with bug=ack_before_sync should fail linearizability"
# read corruption is what breaks fault_disk.lua: without it the same run passes
"$bin" run "$src/tests/scenarios/fault_disk.lua" -D disk=false >/dev/null 2>&1
[ $? -eq 0 ] || fail "fault_disk.lua without the disk fault should pass"

"$bin" list faults >"$tmp/list.txt" || fail "dsim list faults"
for k in partition crash pause clock net disk; do
    grep -q "^$k — " "$tmp/list.txt" || fail "dsim list faults lacks $k"
done
"$bin" list faults --json | python3 -c 'import json,sys; k=json.load(sys.stdin); assert len(k) == 8 and all(x["params"] for x in k)' \
    || fail "dsim list faults --json"

[ $fails -eq 0 ] && echo "faults_cli: ok"
exit $((fails > 0))
