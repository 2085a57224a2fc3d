#!/usr/bin/env bash
# sandbox_cli.sh — the scenario sandbox against an attacker and a careless
# user (issue 22): no input crashes dsim, hangs it, or makes one seed give
# two runs. Each case is a scenario in tests/scenarios/sandbox/ whose
# header says what it once broke. No test here measures time: 'timeout' is
# only a guard that turns a hang into a failure.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
sc=$src/tests/scenarios/sandbox
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }

# expect RC NAME PATTERN ARGS...: exit status RC and PATTERN on stderr+stdout.
expect() {
    local want=$1 name=$2 pat=$3
    shift 3
    timeout 300 "$bin" "$@" > "$tmp/out" 2>&1
    local rc=$?
    if [ $rc -eq "$want" ] && grep -Eq -- "$pat" "$tmp/out"; then
        ok "$name"
    else
        bad "$name (exit $rc, output: $(head -c 400 "$tmp/out"))"
    fi
}

# -- crashes --------------------------------------------------------------
expect 0 "finalizers cannot drive the world after the run" "verdicts +linearizable: ok" \
    run "$sc/finalizer_run.lua"
grep -q "finalizer ran" "$tmp/out" && bad "a finalizer printed after the summary" ||
    ok "finalizers stop at their first instruction"
"$bin" run "$sc/finalizer_replay.lua" --json 2>/dev/null | tail -n 1 > "$tmp/fr.json"
python3 - "$tmp/fr.json" "$sc/finalizer_replay.lua" > "$tmp/fr.sched" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(json.dumps({"scenario": sys.argv[2], "seed": s["seed"], "schedule": s["schedule"], "params": {}}))
PY
expect 0 "a schedule file whose scenario's finalizer drives the world (dsim replay)" \
    "fingerprint" replay "$tmp/fr.sched"
for c in pareto_tiny pareto_round pareto_huge lognormal_sigma lognormal_round uniform_order \
         constant_nan constant_inf normal_nan; do
    expect 2 "latency $c: exit 2 at the call" "latency.lua:[0-9]+: dsim\.[a-z]+: " \
        run "$sc/latency.lua" -D case=$c
done
for c in table_pareto table_inf number_nan; do
    expect 2 "latency $c: exit 2 at the cluster" "latency.lua:18: dsim.cluster net: 'latency'" \
        run "$sc/latency.lua" -D case=$c
done

# -- hangs -----------------------------------------------------------------
expect 2 "pattern backtracking is charged to the budget" \
    "pattern_hang.lua:4: instruction budget" run "$sc/pattern_hang.lua"
expect 2 "sorted next over 20,000 keys" "^ok$" run "$sc/next_big.lua"

# -- determinism: no address reaches a script -------------------------------
"$bin" run "$sc/address_probe.lua" --json > "$tmp/p0" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "the address probe runs" || { bad "address probe (exit $rc)"; cat "$tmp/p0"; }
same=1
for i in 1 2 3 4; do
    "$bin" run "$sc/address_probe.lua" --json 2>&1 | grep -v '"wall_ms"' > "$tmp/p$i"
    grep -v '"wall_ms"' "$tmp/p0" | cmp -s - "$tmp/p$i" || same=0
done
[ $same = 1 ] && ok "address probes give one output and fingerprint (ASLR on)" || {
    bad "address probe output varies"; diff <(grep -v wall_ms "$tmp/p0") "$tmp/p1" | head; }
if setarch "$(uname -m)" -R true 2>/dev/null; then
    setarch "$(uname -m)" -R "$bin" run "$sc/address_probe.lua" --json 2>&1 | grep -v '"wall_ms"' > "$tmp/pr"
    cmp -s "$tmp/p1" "$tmp/pr" && ok "address probe: ASLR off gives the same" || bad "address probe: ASLR off differs"
fi
expect 2 "string.format and tostring keep Lua's results" "^ok$" run "$src/tests/scenarios/sandbox/format_tostring.lua"

# -- false passes ------------------------------------------------------------
expect 2 "c:run after c:check is an error" "check_then_run.lua:11: c:run after c:check" \
    run "$sc/check_then_run.lua"

# -- limits and messages -------------------------------------------------------
expect 2 "the memory limit stops 86 GB of strings" "memory.lua:3: memory limit of 1073741824 bytes" \
    run "$sc/memory.lua"
expect 0 "garbage alone does not trip the memory limit" "^ok$" run "$sc/memory_garbage.lua"
expect 0 "a one-shot callback that ran is garbage" "^ok$" run "$sc/memory_callbacks.lua"
expect 2 "a caught memory error still ends the run" "memory_pcall.lua:6: memory limit of 8388608 bytes" \
    run "$sc/memory_pcall.lua"

if [ -z "${ASAN_OPTIONS:-}" ]; then   # ASan reserves more address space than any ulimit here
    (ulimit -v 600000; "$bin" run "$sc/memory_host.lua" > "$tmp/out" 2>&1; echo "rc=$?" >> "$tmp/out")
    grep -q "rc=3" "$tmp/out" && grep -qx "dsim: out of memory" "$tmp/out" &&
        ok "the host running out of memory is exit 3" || bad "host out of memory: $(cat "$tmp/out")"
fi
expect 2 "unknown field lists the known fields" \
    "unknown field 'bogus' \(known: protocol, nodes, options, net, clients, invariants, limits, twins\)" \
    run "$sc/unknown_field.lua"
expect 2 "unknown table key names its type" "unknown field of type table \(known: protocol," \
    run "$sc/unknown_field.lua" -D key=table
expect 2 "error({}) at top level names file and line" \
    "error_object.lua:4: error object is a table value" run "$sc/error_object.lua"
expect 2 "error({}) in a coroutine names file and line" \
    "error_object.lua:7: error object is a table value" run "$sc/error_object.lua" -D where=coroutine
expect 2 "an error object's __tostring is used" "error_object.lua:9: custom error" \
    run "$sc/error_object.lua" -D where=tostring
expect 2 "an error object whose __tostring fails still names file and line" \
    "error_object.lua:16: error object is a table value" run "$sc/error_object.lua" -D where=bad_tostring
expect 2 "error({}) in a callback names file and line" \
    "error_object.lua:12: error object is a table value" run "$sc/error_object.lua" -D where=callback
expect 2 "-D with an infinite number" "-D case=1e999: a finite number" \
    run "$src/tests/scenarios/sandbox/param_number.lua" -D case=1e999

# -- numeric options of the commands ----------------------------------------------
for v in nan inf -inf nan,1 1,nan; do
    expect 2 "-D flush=$v (a protocol option)" "option 'flush' wants milliseconds" \
        run "$src/scenarios/demos/single_kv.lua" -D flush=$v
done
"$bin" run "$src/scenarios/demos/single_kv.lua" --trace "$tmp/t.jsonl" > /dev/null 2>&1
for v in nan inf -inf NaN 1e999; do
    expect 2 "view --from-ms $v" "--from-ms wants milliseconds" view "$tmp/t.jsonl" -o "$tmp/x.svg" --from-ms $v
    expect 2 "view --to-ms $v" "--to-ms wants milliseconds" view "$tmp/t.jsonl" -o "$tmp/x.svg" --to-ms $v
done
"$bin" run "$src/scenarios/demos/single_kv.lua" --history "$tmp/h.jsonl" > /dev/null 2>&1
for v in nan inf; do
    expect 2 "check --budget-seconds $v" "budget-seconds: expected a positive finite" \
        check --model cas-register --budget-seconds $v "$tmp/h.jsonl"
done

[ $fails -eq 0 ] && echo "all sandbox tests passed" || echo "$fails sandbox test(s) failed"
exit $((fails > 0))
