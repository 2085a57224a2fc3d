# fuzz_lib.sh — the checks every protocol's fuzz test makes the same way.
# Sourced by tests/<protocol>_fuzz.sh after it sets 'bin' (the dsim binary)
# and 'scen' (its fuzz scenario); counts failures in 'failures'.
#   replays ARGS...        the run with ARGS gives one fingerprint, twice
#                          and with a trace written (tracing changes nothing)
#   shrinks [--may-stay] SEED ARGS...
#                          seed SEED with ARGS (a planted bug) shrinks to
#                          fewer faults (--may-stay: no more), and the
#                          shrunk schedule replays and still fails
#   passes WHAT N ARGS...  seeds 1..N with ARGS all pass (WHAT names the
#                          variant in the messages)
#   passes_seed SEED WHAT ARGS...
#                          seed SEED with ARGS passes: a seed that once
#                          failed the correct protocol (WHAT: why it did)
#   caught < TABLE         every planted bug is caught on its pinned seed,
#                          and seed 1 passes where the pin is later (the
#                          table's format is at the function)
#   finish NAME            prints the summary line and exits 0 or 1
failures=0
fuzz_tmp=$(mktemp -d)
trap 'rm -rf "$fuzz_tmp"' EXIT

fp() { "$bin" run "$scen" "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }

replays() {
    local a b c
    a=$(fp "$@")
    b=$(fp "$@")
    c=$(fp "$@" --trace "$fuzz_tmp/t.jsonl")
    if [ -z "$a" ] || [ "$a" != "$b" ] || [ "$a" != "$c" ]; then
        echo "FAIL: $* does not replay: '$a' '$b' '$c' (traced)"
        failures=$((failures + 1))
    else
        echo "ok   $* replays to $a, traced or not"
    fi
}

shrinks() {
    local stay=false
    if [ "$1" = "--may-stay" ]; then
        stay=true
        shift
    fi
    local seed=$1
    shift
    local before after rc
    (cd "$fuzz_tmp" && "$bin" shrink "$scen" --seed "$seed" "$@" --json > shrink.json 2>/dev/null)
    read -r before after < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["faults_before"], d["faults_after"])' "$fuzz_tmp/shrink.json" 2>/dev/null)
    if [ -z "${after:-}" ] || [ "$after" -gt "$before" ] || { ! $stay && [ "$after" -eq "$before" ]; }; then
        echo "FAIL: shrink of seed $seed $*: '${before:-?}' -> '${after:-?}' faults"
        failures=$((failures + 1))
        return
    fi
    echo "ok   seed $seed $* shrinks from $before to $after faults"
    (cd "$fuzz_tmp" && "$bin" replay "shrunk-seed-$seed.json" > replay.out 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "same as the recorded" "$fuzz_tmp/replay.out"; then
        echo "ok   the shrunk schedule replays and still fails"
    else
        echo "FAIL: replay of the shrunk schedule exited $rc"
        failures=$((failures + 1))
    fi
}

passes() {
    local what=$1 n=$2 out rc
    shift 2
    out=$("$bin" fuzz "$scen" --seeds "1..$n" "$@" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: $what, seeds 1..$n exited $rc"
        echo "$out" | grep -E "failed|dsim run|error" | head -5
        failures=$((failures + 1))
    else
        echo "ok   $what: seeds 1..$n pass"
    fi
}

passes_seed() {
    local seed=$1 what=$2
    shift 2
    if ! "$bin" run "$scen" --seed "$seed" "$@" > /dev/null 2>&1; then
        echo "FAIL: seed $seed ($what) fails again"
        failures=$((failures + 1))
    else
        echo "ok   seed $seed passes ($what)"
    fi
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures $1 fuzz check(s) failed"
        exit 1
    fi
    echo "all $1 fuzz checks passed"
    exit 0
}

# caught <<'SEEDS' ... : one line per planted bug, "bug seed check message
# [args...]": with -D bug=BUG and ARGS, seed SEED exits 1, check CHECK
# fails and the output holds MESSAGE (underscores for spaces).
caught() {
    local bug seed check message extra out rc verdicts
    while read -r bug seed check message extra; do
        # shellcheck disable=SC2086 # 'extra' is a list of arguments
        out=$("$bin" run "$scen" --seed "$seed" -D bug="$bug" $extra 2>&1)
        rc=$?
        verdicts=$(echo "$out" | grep verdicts)
        if [ "$rc" -ne 1 ] || ! echo "$verdicts" | grep -q "$check: fail" ||
           ! echo "$out" | grep -q -- "${message//_/ }"; then
            echo "FAIL: bug=$bug seed $seed $extra exited $rc, expected 1 with $check failing ('${message//_/ }')"
            echo "$out" | grep -E "verdicts|violation|error|FAILED" | head -5
            failures=$((failures + 1))
        else
            echo "ok   bug=$bug caught on seed $seed${extra:+ $extra}: $verdicts"
        fi
        # shellcheck disable=SC2086
        if [ "$seed" -gt 1 ] && ! "$bin" run "$scen" --seed 1 -D bug="$bug" $extra >/dev/null 2>&1; then
            echo "FAIL: bug=$bug $extra: seed 1 fails too; the pinned seed $seed is not the first"
            failures=$((failures + 1))
        fi
    done
}
