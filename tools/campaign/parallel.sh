#!/usr/bin/env bash
# parallel.sh — a fuzz campaign with GNU parallel: SHARDS slices of a seed
# range, run as local jobs or on ssh hosts, then merged by dsim report.
# Writes OUTDIR/shard-I.jsonl and OUTDIR/merged.jsonl and exits as dsim
# report does (0 all seeds passed, 1 some failed, 2 bad input, 4 shards
# missing). The binary: $DSIM, else the project's own build (tools/dsim
# builds it when missing; $DSIM_BUILD as for tools/dsim), else dsim on PATH.
set -u
usage() {
    cat <<'USAGE'
usage: tools/campaign/parallel.sh SCENARIO A..B SHARDS OUTDIR [dsim fuzz options...]

  Runs SHARDS slices (dsim fuzz --shard i/SHARDS) of the seed range A..B with
  GNU parallel, one job per core, then merges them with dsim report.

  tools/campaign/parallel.sh scenarios/fuzz/single.lua 1..100000 8 out -D bug=ack_before_sync
  SSHLOGIN=8/alice@h1,8/alice@h2 DSIM=/opt/dsim/bin/dsim tools/campaign/parallel.sh ...

Environment:
  DSIM       the dsim binary (default: this checkout's build, built when missing)
  JOBS       parallel --jobs (default: one per core)
  SSHLOGIN   parallel --sshlogin list; empty: local. Each host needs DSIM and
             the scenario at the same relative path under its home directory.
Writes OUTDIR/shard-I.jsonl and OUTDIR/merged.jsonl; exits as dsim report does.
USAGE
}
if [ $# -lt 4 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    usage
    [ $# -ge 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; } && exit 0
    exit 2
fi
scenario=$1 range=$2 shards=$3 out=$4
shift 4
case $shards in ''|*[!0-9]*|0) echo "parallel.sh: SHARDS must be a number >= 1, got '$shards'" >&2; exit 2 ;; esac
command -v parallel >/dev/null || { echo "parallel.sh: GNU parallel is not installed (apt-get install parallel)" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -n "${DSIM:-}" ]; then
    dsim=$DSIM
elif [ -f "$root/meson.build" ] && [ -x "$root/tools/dsim" ]; then
    bdir=${DSIM_BUILD:-$root/build}
    if [ ! -x "$bdir/dsim" ]; then
        "$root/tools/dsim" list >/dev/null || { echo "parallel.sh: building dsim failed" >&2; exit 2; }
    fi
    dsim=$bdir/dsim
elif command -v dsim >/dev/null; then
    dsim=$(command -v dsim)
else
    echo "parallel.sh: no dsim binary: set DSIM, or run tools/dsim demo first" >&2
    exit 2
fi
mkdir -p "$out" || exit 2
remote=()
if [ -n "${SSHLOGIN:-}" ]; then
    remote=(--sshlogin "$SSHLOGIN" --return "$out/shard-{}.jsonl" --cleanup)
fi
# Each job: one shard; a shard that finds failures exits 1, which is not an
# error of the campaign, so parallel's own exit status is not used.
opts=$(printf ' %q' "$@")
parallel --will-cite --jobs "${JOBS:-100%}" "${remote[@]}" \
    "mkdir -p $(printf %q "$out") && $(printf %q "$dsim") fuzz $(printf %q "$scenario") --seeds $(printf %q "$range") --shard {}/$shards --out $(printf %q "$out")/shard-{}.jsonl$opts >/dev/null" \
    ::: $(seq 1 "$shards")
files=()
for i in $(seq 1 "$shards"); do
    [ -s "$out/shard-$i.jsonl" ] && files+=("$out/shard-$i.jsonl")
done
[ ${#files[@]} -gt 0 ] || { echo "parallel.sh: no shard produced results" >&2; exit 2; }
# dsim report names any shard that is missing or incomplete
"$dsim" report "${files[@]}" --out "$out/merged.jsonl"
