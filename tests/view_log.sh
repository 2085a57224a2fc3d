#!/bin/bash
# view_log.sh — 'dsim run --log' and '--log=FILTERS' end to end: filtered
# lines are exactly the matching events, plain (no colour codes) when
# piped, bad filters exit 2, and observing (log, filters, --html) never
# changes the run: the fingerprint stays the same.
set -u
DSIM=${DSIM_BIN:?} SRC=${DSIM_SOURCE:?}
S="$SRC/scenarios/demos/single_kv.lua"
fail() { echo "FAIL: $*"; exit 1; }
fp() { sed -n 's/^fingerprint *//p'; }

base=$("$DSIM" run "$S" | fp)
[ -n "$base" ] || fail "no fingerprint in the summary"

"$DSIM" run "$S" --log > view_log_all.txt || fail "--log"
"$DSIM" run "$S" --log=node:n2,ev:deliver > view_log_f.txt || fail "--log=node:n2,ev:deliver"
[ "$(fp < view_log_f.txt)" = "$base" ] || fail "a filtered log changed the fingerprint"
[ "$(fp < view_log_all.txt)" = "$base" ] || fail "the log changed the fingerprint"
grep -q $'\033\[' view_log_all.txt && fail "colour codes in a piped log"
# Event lines start with the time in ms; the summary follows them.
events=$(grep -E '^ +[0-9]+\.[0-9]{3}ms ' view_log_f.txt)
[ -n "$events" ] || fail "the filter printed nothing"
bad=$(echo "$events" | grep -v ' deliver ' || true)
[ -z "$bad" ] || fail "non-deliver lines passed ev:deliver: $(echo "$bad" | head -2)"
bad=$(echo "$events" | grep -vE '(^| )n2( |$)|-> n2' || true)
[ -z "$bad" ] || fail "lines without n2 passed node:n2: $(echo "$bad" | head -2)"
want=$(grep -E '^ +[0-9]+\.[0-9]{3}ms ' view_log_all.txt | grep ' deliver ' | grep -cE '(^| )n2 |-> n2( |$)')
got=$(echo "$events" | wc -l)
[ "$got" -eq "$want" ] || fail "filtered $got lines, the full log has $want n2 deliveries"
# Same key ORs.
both=$("$DSIM" run "$S" --log=ev:crash,ev:restart | grep -cE ' (crash|restart) ')
[ "$both" -ge 2 ] || fail "ev:crash,ev:restart printed $both lines"
# Errors.
"$DSIM" run "$S" --log=nod:n1 >/dev/null 2>view_log_err.txt; [ $? -eq 2 ] || fail "an unknown key should exit 2"
grep -q "unknown key 'nod'" view_log_err.txt || fail "the error names the unknown key"
"$DSIM" run "$S" --log=node >/dev/null 2>&1; [ $? -eq 2 ] || fail "a term without ':' should exit 2"
# --html never changes the run either, and writes a page.
[ "$("$DSIM" run "$S" --html view_log.html | fp)" = "$base" ] || fail "--html changed the fingerprint"
grep -q '<script id="dsim-trace"' view_log.html || fail "--html wrote no page"
echo "view_log: all checks passed"
