#!/bin/bash
# lin_report_cli.sh — 'dsim check' builds a linearizability report with the
# verdict-only search first (it cuts doomed reads) and runs the search that
# records the longest prefix only when the first did not prove the history
# linearizable (sim/check/lin_check.c, 'decide_report'). Every report, text
# and --json, is compared here with the one the recording search alone
# gives (DSIM_LIN_RECORDING_ONLY=1: how every report was built before): the
# same exit status, standard error and bytes, but for the state counts of
# a linearizable history, which may only be fewer (and are, on c50-ok).
# Histories: Porcupine's corpus (when ../shared is there; else that part
# is skipped with a message), tests/data/knossos, the histories of
# scenarios/fuzz/single.lua that 'dsim bench check' generates (seeds 1..6,
# with the planted bug ack_before_sync and without), and the small ones of
# lin_cli.sh; then budgets: one that stops the search gives unknown (exit
# 4), never ok, on a failing history.
#
# Env: DSIM_BIN, DSIM_SOURCE, DSIM_SHARED (may be absent).
set -u
DSIM=${DSIM_BIN:?DSIM_BIN must name the dsim binary}
SRC=${DSIM_SOURCE:?DSIM_SOURCE must name the source tree}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
n=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# both ARGS...: 'dsim check ARGS' the two ways, text and --json; the
# outputs go to $T/cmp/N.{new,old}.{txt,json} and are compared at the end
both() {
    n=$((n + 1))
    local p=$T/cmp/$n
    printf '%s\n' "$*" >"$p.args"
    "$DSIM" check "$@" >"$p.new.txt" 2>"$p.new.err"
    echo $? >"$p.new.rc"
    DSIM_LIN_RECORDING_ONLY=1 "$DSIM" check "$@" >"$p.old.txt" 2>"$p.old.err"
    echo $? >"$p.old.rc"
    "$DSIM" check --json "$@" >"$p.new.json" 2>>"$p.new.err"
    echo $? >>"$p.new.rc"
    DSIM_LIN_RECORDING_ONLY=1 "$DSIM" check --json "$@" >"$p.old.json" 2>>"$p.old.err"
    echo $? >>"$p.old.rc"
}
mkdir "$T/cmp"

C=${DSIM_SHARED:-/nonexistent}/corpora/porcupine
corpus=0
if [ -f "$C/expected.tsv" ]; then
    corpus=1
    while read -r file model _; do
        [ "$file" = file ] && continue
        both --model "$model" "$C/$file"
    done <"$C/expected.tsv"
else
    echo "corpus part skipped: $C/expected.tsv not found (set DSIM_SHARED)"
fi

K=$SRC/tests/data/knossos
for f in "$K"/cas-register/*/*.edn; do both --model cas-register --initial 0 "$f"; done
for f in "$K"/mutex/*.edn; do both --model mutex "$f"; done

for seed in 1 2 3 4 5 6; do
    for bug in none ack_before_sync; do
        h=$T/single-$seed-$bug.jsonl
        "$DSIM" run "$SRC/scenarios/fuzz/single.lua" --seed $seed -D bug=$bug --history "$h" \
            >/dev/null 2>&1
        [ -s "$h" ] || { fail "single.lua --seed $seed -D bug=$bug wrote no history"; continue; }
        both --model cas-register "$h"
    done
done

. "$SRC/tests/lin_small.sh"
lin_small "$T"
both --model register "$T/ok.jsonl"
both --model register "$T/stale.jsonl"
both --model register "$T/hard.jsonl"
both --model register --budget-states 50 "$T/hard.jsonl"

python3 - "$T/cmp" "$n" "$corpus" <<'PY' || failures=$((failures + 1))
import json, re, sys
d, count, corpus = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
bad = fewer = 0
def read(path):
    with open(path) as f:
        return f.read()
def states(r):
    return [r["states"]] + [p["states"] for p in r.get("partitions", [])]
def mask_json(t):
    return re.sub(r'"states": \d+', '"states": N', t)
def mask_text(t):
    return re.sub(r', \d+ states\)', ', N states)', t, count=1)
for i in range(1, count + 1):
    p = "%s/%d" % (d, i)
    what = read(p + ".args").strip()
    errs = []
    for part in ("rc", "err"):
        if read("%s.new.%s" % (p, part)) != read("%s.old.%s" % (p, part)):
            errs.append("exit status or standard error")
    nt, ot = read(p + ".new.txt"), read(p + ".old.txt")
    nj, oj = read(p + ".new.json"), read(p + ".old.json")
    try:
        rn, ro = json.loads(nj), json.loads(oj)
    except ValueError:
        rn = ro = None
        if nj != oj:
            errs.append("output (not JSON)")
    if ro is not None and ro.get("valid") is True:
        sn, so = states(rn), states(ro)
        if len(sn) != len(so) or any(a > b for a, b in zip(sn, so)):
            errs.append("states %s, the recording search's %s" % (sn[:4], so[:4]))
        fewer += sn[0] < so[0]
        if mask_json(nj) != mask_json(oj) or mask_text(nt) != mask_text(ot):
            errs.append("report of a linearizable history (beyond its states)")
    elif ro is not None and (nj != oj or nt != ot):
        errs.append("report (valid %s): not the same bytes" % ro.get("valid"))
    if errs:
        bad += 1
        print("FAIL: dsim check %s: %s" % (what, "; ".join(sorted(set(errs)))))
print("%d histories compared (text and --json), %d with fewer states" % (count, fewer))
if corpus and fewer == 0:
    print("FAIL: no report of the corpus has fewer states (c50-ok should)")
    bad += 1
sys.exit(1 if bad else 0)
PY

# budgets: the first search stopped early never makes a failing history ok
if [ -f "$C/expected.tsv" ]; then
    "$DSIM" check --model kv --budget-states 100 "$C/kv/c50-bad.txt" >"$T/out" 2>&1
    [ $? = 4 ] && grep -q "UNKNOWN: budget exhausted" "$T/out" ||
        { fail "c50-bad with 100 states a partition: not unknown"; head -3 "$T/out"; }
    # c50-ok: the verdict-only search needs at most 3,878 states a
    # partition, the recording one 62,114: a budget between the two is
    # enough now, and was not for the recording search alone
    "$DSIM" check --model kv --budget-states 20000 "$C/kv/c50-ok.txt" >"$T/out" 2>&1 ||
        { fail "c50-ok with 20,000 states a partition: not ok"; head -3 "$T/out"; }
    DSIM_LIN_RECORDING_ONLY=1 "$DSIM" check --model kv --budget-states 20000 "$C/kv/c50-ok.txt" \
        >"$T/out" 2>&1
    [ $? = 4 ] || fail "c50-ok, the recording search alone with 20,000 states: not unknown"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all lin_report_cli checks passed"
