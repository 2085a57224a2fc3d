#!/usr/bin/env bash
# layers.sh — every #include "..." in sim/, protocols/ and faults/ stays
# inside the layers its folder may use (docs/DESIGN.md, "Layers"). The
# meson libraries are compiled with only those include folders; this test
# also catches a relative path ("../kernel/world.h") that would slip past.
set -u
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}

check() {   # check DIR: the layer rules over the tree at DIR
python3 - "$1" <<'PY'
import os, re, sys
os.chdir(sys.argv[1])

# folder -> the folders whose headers its files may include (its own always).
allowed = {
    "sim/check":  [],
    "sim":        [],
    "sim/kernel": ["sim"],
    "protocols":  ["sim:dsim.h"],
    "faults":     ["sim"],
    "sim/lua":    ["sim", "sim/kernel", "sim/check", "faults"],
    "sim/view":   [],
    "sim/cli":    ["sim", "sim/kernel", "sim/check", "faults", "sim/lua", "sim/view"],
}

def layer_of(path):
    d = os.path.dirname(path)
    if d.startswith("protocols"):
        return "protocols"
    return d

bad = []
for root in ("sim", "protocols", "faults"):
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            layer = layer_of(path)
            if layer not in allowed:
                bad.append(f"{path}: folder {layer} is not a known layer")
                continue
            for no, line in enumerate(open(path, encoding="utf-8"), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                name = m.group(1)
                if "/" in name:
                    bad.append(f"{path}:{no}: includes '{name}' by a path; name the header alone")
                    continue
                if os.path.exists(os.path.join(dirpath, name)):
                    continue
                ok = False
                for rule in allowed[layer]:
                    folder, _, only = rule.partition(":")
                    if only and name != only:
                        continue
                    if os.path.exists(os.path.join(folder, name)):
                        ok = True
                        break
                if not ok:
                    where = [d for d in allowed if os.path.exists(os.path.join(d, name))]
                    bad.append(f"{path}:{no}: layer {layer} may not include '{name}'"
                               f" (it lives in {', '.join(where) or 'no layer'})")
if bad:
    print("\n".join(bad))
    print(f"layers: {len(bad)} include(s) cross a layer")
    sys.exit(1)
print("layers: ok")
PY
}

check "$src" || exit 1

# The rule must bite: a protocol that includes a kernel header, in a copy.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/sim" "$src/protocols" "$src/faults" "$tmp/"
printf '#include "world.h"\n' >> "$tmp/protocols/single/single.c"
if out=$(check "$tmp"); then
    echo "layers: a planted crossing (protocols -> world.h) was not caught"
    exit 1
fi
printf '%s\n' "$out" | grep -q "protocols/single/single.c:.*may not include 'world.h'" || {
    echo "layers: the planted crossing was reported wrongly: $out"; exit 1; }
echo "layers: a planted crossing is caught"

# Faults act through sim/dsim_ops.h only: a fault kind that includes a
# kernel header is caught too.
rm -rf "$tmp"/*
cp -r "$src/sim" "$src/protocols" "$src/faults" "$tmp/"
printf '#include "clock.h"\n' >> "$tmp/faults/fault_clock.c"
if out=$(check "$tmp"); then
    echo "layers: a planted crossing (faults -> clock.h) was not caught"
    exit 1
fi
printf '%s\n' "$out" | grep -q "faults/fault_clock.c:.*may not include 'clock.h'" || {
    echo "layers: the planted fault crossing was reported wrongly: $out"; exit 1; }
echo "layers: a planted fault crossing is caught"
