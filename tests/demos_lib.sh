# demos_lib.sh — what the protocols' demo tests check the same way. Sourced
# by tests/<protocol>_demos.sh after it sets 'bin' (the dsim binary),
# 'demos' (the scenarios/demos folder) and 'failures'.
#   expect RC TEXT SCENARIO [ARGS...]
#       dsim run SCENARIO ARGS must exit with RC and print TEXT (a fixed
#       string); on a mismatch the run's last 25 lines are shown
#   run_demo RC SCENARIO [ARGS...]
#       the same without a text: SCENARIO (a name in 'demos', or a path) must
#       exit with RC; its stdout is kept in $tmp/out and its stderr in
#       $tmp/err (the caller makes 'tmp') for 'has'
#   has TEXT...
#       the last run_demo printed each TEXT (a fixed string): which check
#       failed, the violation's message, the demo's own report
expect() {
    local want=$1 text=$2 scen=$3
    shift 3
    local out rc
    out=$("$bin" run "$demos/$scen" "$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want" ] || ! echo "$out" | grep -qF -- "$text"; then
        echo "FAIL: dsim run $scen $* exited $rc, expected $want with '$text'"
        echo "$out" | tail -25
        failures=$((failures + 1))
    else
        echo "ok   $scen $* -> $rc ($text)"
    fi
}

run_demo() {
    local want=$1 scen=$2
    shift 2
    [ -f "$scen" ] || scen=$demos/$scen
    "$bin" run "$scen" "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    last="${scen##*/}${*:+ $*}"
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: dsim run $last exited $rc, expected $want"
        tail -25 "$tmp/out" "$tmp/err"
        failures=$((failures + 1))
    else
        echo "ok   $last -> $rc"
    fi
}

has() {
    local t
    for t in "$@"; do
        if grep -qF -- "$t" "$tmp/out" "$tmp/err"; then
            echo "ok     prints: $t"
        else
            echo "FAIL: dsim run $last: no '$t' in the output"
            failures=$((failures + 1))
        fi
    done
}
