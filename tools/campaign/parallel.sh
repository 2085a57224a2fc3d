#!/usr/bin/env bash
# parallel.sh — a fuzz campaign with GNU parallel: SHARDS slices of a seed
# range, run as local jobs or on ssh hosts, then merged by dsim report.
#
#   tools/campaign/parallel.sh SCENARIO A..B SHARDS OUTDIR [dsim fuzz options...]
#
# Local (one shard per core):  parallel.sh scenarios/fuzz/single.lua 1..100000 8 out -D bug=ack_before_sync
# Over ssh:  SSHLOGIN=8/alice@h1,8/alice@h2 parallel.sh ... (each host needs the
#   same dsim binary on its PATH, or DSIM=/abs/path, and the scenario at the
#   same relative path under its home directory; results come back with --return)
# Environment: DSIM (default: dsim), JOBS (parallel --jobs, default: one per
# core), SSHLOGIN (parallel --sshlogin list; empty: local).
# Writes OUTDIR/shard-I.jsonl and OUTDIR/merged.jsonl; exits as dsim report
# does (0 all seeds passed, 1 some failed, 2 bad input).
set -u
if [ $# -lt 4 ]; then
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
scenario=$1 range=$2 shards=$3 out=$4
shift 4
dsim=${DSIM:-dsim}
mkdir -p "$out" || exit 2
remote=()
if [ -n "${SSHLOGIN:-}" ]; then
    remote=(--sshlogin "$SSHLOGIN" --return "$out/shard-{}.jsonl" --cleanup)
fi
# Each job: one shard; a shard that finds failures exits 1, which is not an
# error of the campaign, so parallel's own exit status is not used.
parallel --will-cite --jobs "${JOBS:-100%}" "${remote[@]}" \
    "mkdir -p '$out' && $dsim fuzz '$scenario' --seeds '$range' --shard {}/$shards --out '$out/shard-{}.jsonl' $* >/dev/null" \
    ::: $(seq 1 "$shards")
files=()
for i in $(seq 1 "$shards"); do
    [ -s "$out/shard-$i.jsonl" ] || { echo "parallel.sh: shard $i produced no results" >&2; exit 2; }
    files+=("$out/shard-$i.jsonl")
done
"$dsim" report "${files[@]}" --out "$out/merged.jsonl"
