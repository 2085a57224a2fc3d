# demos_lib.sh — what the protocols' demo tests check the same way. Sourced
# by tests/<protocol>_demos.sh after it sets 'bin' (the dsim binary),
# 'demos' (the scenarios/demos folder) and 'failures'.
#   expect RC TEXT SCENARIO [ARGS...]
#       dsim run SCENARIO ARGS must exit with RC and print TEXT (a fixed
#       string); on a mismatch the run's last 25 lines are shown
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
