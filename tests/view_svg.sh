#!/bin/bash
# view_svg.sh — 'dsim view' on a real demo trace: the SVG parses as XML and
# draws exactly what the trace holds (lanes == nodes + clients, one arrow
# per delivered message, in the whole run and in a time window), the
# checker's counterexample is marked, the HTML page is well formed, and bad
# input exits 2. Runs in the build directory (meson's test cwd).
set -u
DSIM=${DSIM_BIN:?} SRC=${DSIM_SOURCE:?}
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to parse the SVG"; exit 77; }

"$DSIM" run "$SRC/scenarios/demos/single_kv.lua" -D bug=ack_before_sync --trace view_svg.jsonl >/dev/null
[ $? -eq 1 ] || fail "the planted bug should fail a check (exit 1)"
"$DSIM" view view_svg.jsonl -o view_svg_all.svg || fail "dsim view -o .svg"
"$DSIM" view view_svg.jsonl -o view_svg_win.svg --from-ms 1400 --to-ms 1800 || fail "dsim view with a window"
"$DSIM" view view_svg.jsonl -o view_svg.html || fail "dsim view -o .html"

python3 - <<'PY' || fail "counts differ (see above)"
import json, sys
import xml.etree.ElementTree as ET
lines = [json.loads(l) for l in open('view_svg.jsonl') if l.strip()]
head, events = lines[0], [e for e in lines[1:] if 'ev' in e]
sends = {e['id']: e['t'] for e in events if e['ev'] == 'send'}
delivers = [(sends[e['id']], e['t']) for e in events if e['ev'] == 'deliver']
def classes(path):
    root = ET.parse(path).getroot()          # raises if not XML
    count = {}
    for el in root.iter():
        for c in (el.get('class') or '').split():
            count[c] = count.get(c, 0) + 1
    return count
bad = 0
def check(ok, what):
    global bad
    print(('ok   ' if ok else 'FAIL ') + what)
    bad += not ok
whole = classes('view_svg_all.svg')
lanes = head['nodes'] + head['clients']
check(whole.get('lane', 0) == lanes, f"lanes {whole.get('lane')} == nodes + clients {lanes}")
check(whole.get('arrow', 0) == len(delivers), f"arrows {whole.get('arrow')} == delivered {len(delivers)}")
summary = lines[-1]['summary']
check(len(delivers) == summary['messages']['delivered'], "the trace's deliveries match its summary")
drops = sum(1 for e in events if e['ev'] == 'drop')
check(whole.get('drop', 0) == drops, f"drops {whole.get('drop', 0)} == {drops}")
invokes = sum(1 for e in events if e['ev'] == 'op' and e['type'] == 'invoke')
check(whole.get('op', 0) == invokes, f"operation bars {whole.get('op', 0)} == invocations {invokes}")
check(whole.get('cx', 0) >= 1, f"counterexample operations marked: {whole.get('cx', 0)}")
lo, hi = 1400e6, 1800e6
inwin = sum(1 for s, d in delivers if s <= hi and d >= lo)
win = classes('view_svg_win.svg')
check(win.get('lane', 0) == lanes, "window: every lane drawn")
check(win.get('arrow', 0) == inwin, f"window: arrows {win.get('arrow', 0)} == deliveries overlapping 1400..1800 ms {inwin}")
page = open('view_svg.html', encoding='utf-8').read()
start = page.index('<script id="dsim-trace" type="application/json">') + 48
data = page[start:page.index('</script>', start)]
check('<' not in data, "no '<' inside the inlined trace")
rows = json.loads(data)['rows']
check(len(rows) == len(lines), f"the page carries every trace line ({len(rows)})")
check('http://' not in page.replace('http://www.w3.org', '') and 'https://' not in page, "the page refers to no network address")
sys.exit(1 if bad else 0)
PY

# Bad input: not a trace, missing file, unknown format, empty window.
echo '{"hello":1}' > view_svg_bad.jsonl
"$DSIM" view view_svg_bad.jsonl -o view_svg_bad.html 2>/dev/null; [ $? -eq 2 ] || fail "a non-trace should exit 2"
[ ! -e view_svg_bad.html ] || fail "no page is left behind for a bad trace"
"$DSIM" view no_such_trace.jsonl -o x.svg 2>/dev/null; [ $? -eq 2 ] || fail "a missing trace should exit 2"
"$DSIM" view view_svg.jsonl -o x.png 2>/dev/null; [ $? -eq 2 ] || fail "an unknown format should exit 2"
"$DSIM" view view_svg.jsonl -o x.svg --from-ms 90000 2>/dev/null; [ $? -eq 2 ] || fail "a window past the run should exit 2"
echo "view_svg: all checks passed"
