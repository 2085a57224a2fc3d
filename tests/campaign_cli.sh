#!/bin/bash
# campaign_cli.sh — the campaign recipes run as documented
# (tools/campaign/README.md): parallel.sh from a fresh clone finds the
# project's own binary (no DSIM, no dsim on PATH), prints its usage (not
# its source) when called wrong, and its merged report equals a single
# 'dsim fuzz' run of the same range; the Kubernetes files name a pull
# policy for a local image, a results claim and per-index retries, and the
# Dockerfile installs through the same script as 'tools/dsim deps'.
#
# Env: DSIM_BIN, DSIM_SOURCE. Skips (77) without GNU parallel.
set -u
DSIM=${DSIM_BIN:?DSIM_BIN must name the dsim binary}
SRC=${DSIM_SOURCE:?DSIM_SOURCE must name the source tree}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# --- the recipe files (no cluster here: their shape)
C=$SRC/tools/campaign
grep -q "imagePullPolicy: IfNotPresent" "$C/k8s-job.yaml" || fail "k8s-job: no pull policy for a local image"
grep -q "backoffLimitPerIndex:" "$C/k8s-job.yaml" || fail "k8s-job: retries are not per index"
grep -q "^  backoffLimit:" "$C/k8s-job.yaml" && fail "k8s-job: a Job-wide backoffLimit fails every shard with one"
grep -q "kind: PersistentVolumeClaim" "$C/k8s-pvc.yaml" && grep -q "name: dsim-results" "$C/k8s-pvc.yaml" ||
    fail "no volume claim dsim-results"
grep -q "tools/deps.sh install build" "$C/Dockerfile" || fail "the Dockerfile does not install through tools/deps.sh"
grep -q "^FROM debian:12" "$C/Dockerfile" || fail "the Dockerfile is not Debian 12"
grep -q 'tools/deps.sh' "$SRC/tools/dsim" || fail "tools/dsim deps does not share tools/deps.sh"
if python3 -c 'import yaml' 2>/dev/null; then
    for f in "$C"/k8s-*.yaml; do
        python3 -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' "$f" || fail "$f is not YAML"
    done
fi

command -v parallel >/dev/null || { echo "SKIP: GNU parallel is not installed (apt-get install parallel)"; exit 77; }

# --- a fresh clone: the committed tree, with the binary built where tools/dsim builds it
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 && git clone -q "$SRC" "$T/clone" 2>/dev/null; then
    # the clone is HEAD: bring the recipe and scenarios as they are in this tree
    cp -r "$SRC/tools" "$SRC/scenarios" "$T/clone/"
else
    mkdir -p "$T/clone" && cp -r "$SRC/tools" "$SRC/scenarios" "$SRC/meson.build" "$T/clone/"
fi
mkdir -p "$T/clone/build" && cp "$DSIM" "$T/clone/build/dsim"
cd "$T/clone" || exit 1
safe_path=/usr/bin:/bin
PATH=$safe_path command -v dsim >/dev/null && safe_path=$(mktemp -d):/usr/bin:/bin   # never a dsim on PATH

PATH=$safe_path tools/campaign/parallel.sh >"$T/usage.txt" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "^usage: tools/campaign/parallel.sh SCENARIO" "$T/usage.txt" || fail "usage (exit $rc): $(cat "$T/usage.txt")"
grep -q -e "set -u" -e '^#' "$T/usage.txt" && fail "the usage text shows the script's source"

PATH=$safe_path env -u DSIM tools/campaign/parallel.sh scenarios/fuzz/single.lua 1..48 3 out \
    -D bug=ack_before_sync >"$T/camp.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "parallel.sh from a clone: exit $rc, expected 1: $(tail -5 "$T/camp.txt")"
"$DSIM" fuzz scenarios/fuzz/single.lua --seeds 1..48 -D bug=ack_before_sync --out "$T/one.jsonl" >"$T/one.txt" 2>&1
cmp -s out/merged.jsonl "$T/one.jsonl" || fail "the merged report differs from a single run"
grep '^  dsim run' "$T/camp.txt" | sed 's/ *#.*//' >"$T/a"; grep '^  dsim run' "$T/one.txt" | sed 's/ *#.*//' >"$T/b"
[ -s "$T/a" ] && cmp -s "$T/a" "$T/b" || fail "the failing seeds listed differ: $(diff "$T/a" "$T/b" | head)"

echo "campaign_cli: $failures failures"
[ "$failures" = 0 ]
