#!/usr/bin/env bash
# contract_cli.sh — the registries are the single source of names, and the
# protocol contract is what the code does:
# - 'dsim list models|checks|faults --json' list exactly what 'dsim check
#   --model', c:check and c:nemesis accept (their errors name the same
#   list, and every listed name is accepted);
# - every event a protocol emits while its demos and fuzz scenarios run is
#   declared, with every field, in its 'events' table, and every declared
#   event is emitted somewhere in its source;
# - Raft's invariant record survives a crash of every node between two
#   checks (tests/scenarios/ghost_total_crash.lua).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
sc=$src/tests/scenarios
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
names() { python3 -c 'import json,sys; print(", ".join(x["name"] for x in json.load(sys.stdin)))'; }
cd "$tmp" || exit 1

# -- models ----------------------------------------------------------------
models=$("$bin" list models --json | names)
[ -n "$models" ] && ok "dsim list models --json: $models" || bad "dsim list models --json"
printf '{"process":0,"type":"invoke","f":"read","value":null}\n' >h.jsonl
for m in ${models//,/}; do
    "$bin" check --model "$m" h.jsonl >out.txt 2>&1
    ! grep -q "unknown model" out.txt || bad "dsim check --model $m: listed but refused"
    "$bin" check --help | grep -q "^  $m " || bad "dsim check --help lacks the listed model $m"
done
"$bin" check --model nonesuch h.jsonl >/dev/null 2>&1
[ $? -eq 2 ] && ok "an unlisted model is refused (exit 2)" || bad "dsim check --model nonesuch"

# -- checks ----------------------------------------------------------------
checks=$("$bin" list checks --json | names)
"$bin" run "$sc/checks_bad.lua" >out.txt 2>&1
[ $? -eq 2 ] && grep -qF "(known: $checks)" out.txt && ok "c:check's error lists the table: $checks" \
    || bad "c:check unknown-check message: $(cat out.txt) vs $checks"
"$bin" list checks --json | python3 -c 'import json,sys; c=json.load(sys.stdin); assert all(x["summary"] for x in c)' \
    || bad "every check has a summary"

# -- fault kinds -----------------------------------------------------------
kinds=$("$bin" list faults --json | names)
cat >bogus.lua <<'LUA'
local c = dsim.cluster { nodes = 3 }
c:nemesis { faults = {} }
LUA
"$bin" run bogus.lua >out.txt 2>&1
[ $? -eq 2 ] && grep -qF "(kinds: $kinds)" out.txt && ok "c:nemesis's error lists the table: $kinds" \
    || bad "c:nemesis message: $(cat out.txt) vs $kinds"

# -- listings: text and unknown subjects ------------------------------------
for s in protocols faults models checks; do
    "$bin" list "$s" >out.txt 2>&1 && [ -s out.txt ] || bad "dsim list $s"
    "$bin" list "$s" --json | python3 -c 'import json,sys; assert json.load(sys.stdin)' || bad "dsim list $s --json"
    "$bin" list --help | grep -q "^  $s " || bad "dsim list --help lacks $s"
done
"$bin" list nonesuch >/dev/null 2>&1
[ $? -eq 2 ] && ok "dsim list nonesuch: exit 2" || bad "dsim list nonesuch"

# -- events: what the demos emit is declared ---------------------------------
"$bin" list --json >protocols.json
# (an undeclared event or field stops the run with an assertion: exit > 2)
for f in "$src"/scenarios/demos/*.lua; do
    "$bin" run "$f" --trace "demo_$(basename "$f" .lua).jsonl" >out.txt 2>&1
    [ $? -le 1 ] || bad "$(basename "$f"): $(tail -3 out.txt)"
done
for p in single raft lock; do
    for seed in 1 2 3; do
        "$bin" run "$src/scenarios/fuzz/$p.lua" --seed $seed --trace "fuzz_${p}_$seed.jsonl" >out.txt 2>&1
        [ $? -le 1 ] || bad "fuzz/$p.lua --seed $seed: $(tail -3 out.txt)"
    done
done
python3 - "$src" <<'PY' && ok "every emitted event and field is declared; every declared one is emitted in the source" || bad "events"
import glob, json, os, re, sys
src = sys.argv[1]
protocols = {p["name"]: p for p in json.load(open("protocols.json"))}
declared = {name: {e["name"]: {f.split(":")[0].strip() for f in e["fields"].split(",") if f.strip()}
                   for e in p["events"]} for name, p in protocols.items()}
bad, seen = [], {}
for path in sorted(glob.glob("*.jsonl")):
    lines = open(path).read().splitlines()
    if not lines:
        continue
    proto = json.loads(lines[0]).get("protocol")
    for line in lines[1:]:
        e = json.loads(line)
        if e.get("ev") != "emit":
            continue
        seen.setdefault(proto, set()).add(e["name"])
        fields = set(e.get("fields", {}))
        if e["name"] not in declared[proto]:
            bad.append(f"{path}: {proto} emitted undeclared '{e['name']}'")
        elif not fields <= declared[proto][e["name"]]:
            bad.append(f"{path}: {proto} '{e['name']}' has undeclared fields {fields - declared[proto][e['name']]}")
for proto in ("raft", "lock"):
    if not seen.get(proto):
        bad.append(f"no {proto} events were seen: the test saw nothing")
for name in declared:
    text = "".join(open(f).read() for f in glob.glob(os.path.join(src, "protocols", name, "*.c")))
    for ev in declared[name]:
        if not re.search(r'_emit\(n, "%s"' % re.escape(ev), text):
            bad.append(f"{name} declares '{ev}' but never emits it")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

# -- the checker's state survives a total crash ---------------------------------
"$bin" run "$sc/ghost_total_crash.lua" -D bug=vote_not_persisted >out.txt 2>&1
[ $? -eq 1 ] && grep -q "Election Safety: n1 and n3 were both leaders of term 1" out.txt \
    && ok "a violation across a crash of every node is caught" || bad "ghost across a total crash: $(cat out.txt)"
"$bin" run "$sc/ghost_total_crash.lua" >out.txt 2>&1
[ $? -eq 0 ] && ok "the same schedule without the bug passes" || bad "ghost_total_crash.lua: $(cat out.txt)"

[ $fails -eq 0 ] && echo "contract_cli: ok"
exit $((fails > 0))
