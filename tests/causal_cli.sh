#!/usr/bin/env bash
# causal_cli.sh — 'dsim check --model causal|sequential' as a user meets it:
# the paper's figure 2 histories with the paper's classification (exit 0 or
# 1, the pattern named in text and JSON), and bad input (exit 2 with a
# message naming the file and line, or the option).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }

# op PROCESS F KEY VALUE: an invoke and its ok completion (reads: VALUE read).
op() {
    local inv=$4
    [ "$2" = read ] && inv=null
    printf '{"process":%s,"type":"invoke","f":"%s","key":"%s","value":%s}\n' "$1" "$2" "$3" "$inv"
    printf '{"process":%s,"type":"ok","f":"%s","key":"%s","value":%s}\n' "$1" "$2" "$3" "$4"
}

# Figure 2 (a): CM but not CCv.  p0: wx1 rx2 | p1: wx2 rx1
{ op 0 write x 1; op 1 write x 2; op 0 read x 2; op 1 read x 1; } > "$tmp/a.jsonl"
# Figure 2 (b): CCv but not CM.  p0: wz1 wx1 wy1 | p1: wx2 rz0 ry1 rx2
{ op 0 write z 1; op 0 write x 1; op 0 write y 1; op 1 write x 2; op 1 read z null
  op 1 read y 1; op 1 read x 2; } > "$tmp/b.jsonl"
# Figure 2 (c): CC, neither CM nor CCv.  p0: wx1 | p1: wx2 rx1 rx2
{ op 0 write x 1; op 1 write x 2; op 1 read x 1; op 1 read x 2; } > "$tmp/c.jsonl"
# Figure 2 (d): CC, CM and CCv, not sequential.
{ op 0 write x 1; op 1 write x 2; op 0 read y null; op 1 read y null; op 0 write y 1
  op 1 write y 2; op 0 read x 1; op 1 read x 2; } > "$tmp/d.jsonl"
# Not even CC: a read of a value overwritten in its causal past.
{ op 0 write x 1; op 0 write y 1; op 1 read y 1; op 1 write x 2; op 2 read x 2
  op 2 read x 1; } > "$tmp/e.jsonl"

verdict() {   # verdict NAME EXPECTED_EXIT PATTERN ARGS...
    local name=$1 want=$2 pat=$3
    shift 3
    timeout 120 "$bin" check "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ $rc -eq "$want" ] && grep -Eq -- "$pat" "$tmp/out"; then
        ok "$name"
    else
        bad "$name (exit $rc, want $want; out: $(head -c 400 "$tmp/out"); err: $(head -c 200 "$tmp/err"))"
    fi
}
verdict "fig 2a is CC" 0 "cc: ok" --model causal --criterion cc "$tmp/a.jsonl"
verdict "fig 2a is CM" 0 "cm: ok" --model causal --criterion cm "$tmp/a.jsonl"
verdict "fig 2a is not CCv: CyclicCF" 1 "CyclicCF" --model causal --criterion ccv "$tmp/a.jsonl"
verdict "fig 2b is CCv" 0 "ccv: ok" --model causal --criterion ccv "$tmp/b.jsonl"
verdict "fig 2b is not CM: WriteHBInitRead" 1 "WriteHBInitRead" --model causal --criterion cm "$tmp/b.jsonl"
verdict "fig 2c is CC" 0 "cc: ok" --model causal --criterion cc "$tmp/c.jsonl"
verdict "fig 2c is not CM: CyclicHB" 1 "CyclicHB" --model causal --criterion cm "$tmp/c.jsonl"
verdict "fig 2c is not CCv: CyclicCF" 1 "CyclicCF" --model causal --criterion ccv "$tmp/c.jsonl"
verdict "fig 2d satisfies all three" 0 "ccv: ok" --model causal --criterion all "$tmp/d.jsonl"
verdict "fig 2d is not sequential" 1 "VIOLATED" --model sequential "$tmp/d.jsonl"
verdict "fig 2a is not sequential (a causal pattern)" 1 "CyclicCF" --model sequential "$tmp/a.jsonl"
verdict "WriteCORead refutes all three" 1 "WriteCORead" --model causal "$tmp/e.jsonl"
{ op 0 write x 1; op 1 read x 1; op 1 write x 2; op 0 read x 2; } > "$tmp/sc.jsonl"
verdict "a sequential history passes" 0 "ok" --model sequential "$tmp/sc.jsonl"

# Figure 2 (a) as a Jepsen EDN history (keyless register, nil is the initial value).
cat > "$tmp/a.edn" <<'EDN'
{:type :invoke, :f :write, :value 1, :process 0, :time 1}
{:type :ok, :f :write, :value 1, :process 0, :time 2}
{:type :invoke, :f :write, :value 2, :process 1, :time 3}
{:type :ok, :f :write, :value 2, :process 1, :time 4}
{:type :invoke, :f :read, :value nil, :process 0, :time 5}
{:type :ok, :f :read, :value 2, :process 0, :time 6}
{:type :invoke, :f :read, :value nil, :process 1, :time 7}
{:type :ok, :f :read, :value 1, :process 1, :time 8}
EDN
verdict "fig 2a in EDN is CM" 0 "cm: ok" --model causal --criterion cm "$tmp/a.edn"
verdict "fig 2a in EDN is not CCv" 1 "CyclicCF" --model causal --format edn "$tmp/a.edn"

"$bin" check --model causal --criterion all --json "$tmp/a.jsonl" > "$tmp/a.json" 2> /dev/null
if python3 - "$tmp/a.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["criteria"]
assert c["cc"]["valid"] is True and c["cm"]["valid"] is True and c["ccv"]["valid"] is False
p = c["ccv"]["patterns"][0]
assert p["pattern"] == "CyclicCF" and len(p["ops"]) >= 2
assert all("line" in o and "process" in o for o in p["ops"])
PY
then ok "--json names the pattern and its operations"; else bad "--json report: $(head -c 300 "$tmp/a.json")"; fi

# -- bad input: exit 2 and a message naming where ---------------------------
expect2() {   # expect2 NAME PATTERN ARGS...
    local name=$1 pat=$2
    shift 2
    timeout 60 "$bin" check "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ $rc -eq 2 ] && grep -Eq -- "$pat" "$tmp/err"; then
        ok "$name"
    else
        bad "$name (exit $rc, stderr: $(head -c 300 "$tmp/err"))"
    fi
}
{ op 0 write k7 5; op 1 write k7 5; } > "$tmp/dup.jsonl"
expect2 "a value written twice names the key and the value" 'dup.jsonl:3: .*"k7".*value 5' \
    --model causal "$tmp/dup.jsonl"
{ op 0 write x 1; echo '{"process":1,"type":"invoke","f":"read",'; } > "$tmp/trunc.jsonl"
expect2 "a malformed line is named" 'trunc.jsonl:3' --model causal "$tmp/trunc.jsonl"
{ op 0 write x 1; op 1 cas x '[1,2]'; } > "$tmp/cas.jsonl"
expect2 "cas is not a register read or write" 'cas.jsonl:3' --model causal "$tmp/cas.jsonl"
expect2 "an unknown criterion is refused" 'criterion' --model causal --criterion strong "$tmp/a.jsonl"
expect2 "--criterion with another model is refused" 'criterion' \
    --model sequential --criterion cc "$tmp/a.jsonl"
expect2 "a missing file is named" 'nonexistent' --model causal "$tmp/nonexistent.jsonl"
{ op 0 write x 1; echo '{"process":0,"type":"ok","f":"write","key":"x","value":1}'; } > "$tmp/orphan.jsonl"
expect2 "a completion without an invoke is refused (sequential)" 'orphan.jsonl:3' \
    --model sequential "$tmp/orphan.jsonl"

[ $fails -eq 0 ] && echo "all causal CLI checks passed" || echo "$fails causal CLI checks failed"
[ $fails -eq 0 ]
