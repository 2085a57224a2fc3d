# cli_lib.sh — checking a dsim command from the outside. Sourced by the
# *_cli.sh tests after they set 'T' (a scratch folder) and 'failures'.
#   expect STATUS DESCRIPTION -- COMMAND...
#       runs COMMAND with its stdout in $T/out and its stderr in $T/err; a
#       status other than STATUS is a failure, shown with both outputs
#   contains FILE TEXT DESCRIPTION
#       FILE holds TEXT (a fixed string), else a failure showing FILE
expect() {
    local want=$1 what=$2
    shift 3
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: $what: exit $got, expected $want"
        sed 's/^/  out: /' "$T/out" | head -20
        sed 's/^/  err: /' "$T/err" | head -20
        failures=$((failures + 1))
    fi
}

contains() {
    if ! grep -qF -- "$2" "$1"; then
        echo "FAIL: $3: '$2' not in $(basename "$1")"
        sed 's/^/  | /' "$1" | head -20
        failures=$((failures + 1))
    fi
}
