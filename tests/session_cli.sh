#!/bin/bash
# session_cli.sh — the session-guarantees check from the outside: it is
# listed ('dsim list checks'), 'dsim check --check session' judges hand-made
# histories (exit 0 kept, 1 violated, 2 bad input naming the line; --json),
# and scenarios/workloads/session.lua keeps the guarantees on Raft and
# breaks them with the planted stale read, with the same verdict from the
# run's history (JSON lines and EDN) checked by itself.
#
# Env: DSIM_BIN (the dsim binary), DSIM_SOURCE (the source tree).
set -u
DSIM=${DSIM_BIN:?DSIM_BIN must name the dsim binary}
SRC=${DSIM_SOURCE:?DSIM_SOURCE must name the source tree}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0

. "${DSIM_SOURCE:?DSIM_SOURCE is not set}/tests/cli_lib.sh"

expect 0 "list checks" -- "$DSIM" list checks
contains "$T/out" "session" "dsim list checks names the session check"
expect 0 "check --help" -- "$DSIM" check --help
contains "$T/out" "session" "dsim check --help lists the session model"

op() {   # op PROCESS F IN OUT: an invoke and its ok completion
    printf '{"process":%s,"type":"invoke","f":"%s","value":%s}\n{"process":%s,"type":"ok","f":"%s","value":%s}\n' \
        "$1" "$2" "$3" "$1" "$2" "$4"
}
{ op 0 write 1 1; op 0 read null 1; op 1 read null null; op 1 read null 1; } >"$T/kept.jsonl"
expect 0 "a history that keeps all" -- "$DSIM" check --check session "$T/kept.jsonl"
contains "$T/out" "session guarantees kept" "the verdict says kept"
{ op 0 write 1 1; op 0 read null null; } >"$T/ryw.jsonl"
expect 1 "read-your-writes violated" -- "$DSIM" check --check session "$T/ryw.jsonl"
contains "$T/out" "violated: read-your-writes" "the verdict names the guarantee"
contains "$T/out" "p0 wrote 1 (line 1), then read nil (initial) (line 3)" "the cycle is explained"
expect 1 "read-your-writes violated (--json)" -- "$DSIM" check --model session --json "$T/ryw.jsonl"
python3 - "$T/out" <<'PY' || failures=$((failures + 1))
import json, sys
r = json.load(open(sys.argv[1]))
assert r["valid"] is False and r["violated"] == ["read-your-writes"], r
g = r["guarantees"]["read-your-writes"]
assert [o["line"] for o in g["ops"]] == [1, 3], g
assert r["guarantees"]["monotonic-reads"]["valid"] is True
PY
{ op 0 add 1 1; } >"$T/bad.jsonl"
expect 2 "an operation of another workload" -- "$DSIM" check --check session "$T/bad.jsonl"
contains "$T/err" "bad.jsonl:1: expected read, write, cas or txn" "bad input names the line"

# The scenario: kept on Raft, broken by the stale read; the history agrees.
S=$SRC/scenarios/workloads/session.lua
expect 0 "session.lua on Raft" -- "$DSIM" run "$S" --history "$T/h.jsonl"
contains "$T/out" "session: ok" "the run's verdict"
expect 0 "its history" -- "$DSIM" check --check session "$T/h.jsonl"
for fmt in jsonl edn; do
    expect 1 "session.lua with bug=stale_read ($fmt)" -- "$DSIM" run "$S" -D bug=stale_read --history "$T/b.$fmt"
    contains "$T/out" "session guarantees VIOLATED" "the run's report"
    contains "$T/out" "a cycle: no order of these versions lets" "the run's report explains the cycle"
    expect 1 "its history ($fmt)" -- "$DSIM" check --check session "$T/b.$fmt"
done

if [ "$failures" -gt 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "session_cli: all passed"
