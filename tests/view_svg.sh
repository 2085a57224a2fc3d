#!/bin/bash
# view_svg.sh — 'dsim view' on a real demo trace: the SVG parses as XML and
# draws exactly what the trace holds (lanes == nodes + clients, one arrow
# per delivered message, in the whole run and in a time window), the
# checker's counterexample is marked, operation bars carry their labels,
# the HTML page is well formed, and bad
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
labels = [el.text or '' for el in ET.parse('view_svg_win.svg').getroot().iter() if el.get('class') == 'oplabel']
check(len(labels) > 10 and any(t.startswith('read') for t in labels) and all(t for t in labels),
      f"operation bars are labelled ({len(labels)} labels in the window, e.g. {labels[:3]})")
texts = [el.text or '' for el in ET.parse('view_svg_win.svg').getroot().iter() if el.get('class') == 'label']
check(any(t.startswith('crashed: lost ') for t in texts), "the crash says what it lost: " + str([t for t in texts if t.startswith('crashed')]))
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

# A hand-written trace with every kind of event, and markup in its strings:
# the SVG escapes it, the page keeps no '<' in its data.
cat > view_svg_kinds.jsonl <<'TRACE'
{"dsim_trace":1,"scenario":"kinds</script>","seed":7,"protocol":"p<b>","nodes":3,"clients":1,"options":{},"params":{}}
{"t":0,"ev":"role","node":"n1","role":"leader","term":1}
{"t":1000000,"ev":"send","from":"n1","to":"n2","id":1,"msg":"</script><!--x","body":{"s":"<b>&"}}
{"t":1000000,"ev":"dup","from":"n1","to":"n2","id":1,"msg":"</script><!--x","dup":true}
{"t":2000000,"ev":"deliver","from":"n1","to":"n2","id":1,"msg":"</script><!--x"}
{"t":2500000,"ev":"deliver","from":"n1","to":"n2","id":1,"msg":"</script><!--x","dup":true}
{"t":3000000,"ev":"send","from":"n1","to":"n3","id":2,"msg":"M","body":{}}
{"t":3000000,"ev":"drop","from":"n1","to":"n3","id":2,"msg":"M","why":"partition"}
{"t":3000000,"ev":"partition","shape":"groups","groups":[["n1","n2"],["n3"]]}
{"t":3500000,"ev":"send","from":"n2","to":"n1","id":3,"msg":"M","body":{}}
{"t":4000000,"ev":"pause","node":"n2"}
{"t":4500000,"ev":"clock","node":"n3","mono_drift_ppm":0,"wall_drift_ppm":0,"wall_minus_true_ns":-200000000,"step_ns":-200000000}
{"t":5000000,"ev":"op","client":"c1","op":1,"process":0,"type":"invoke","f":"write","value":1}
{"t":5000000,"ev":"timer","node":"n1","kind":2}
{"t":5500000,"ev":"emit","node":"n1","name":"commit<>","fields":{}}
{"t":6000000,"ev":"heal"}
{"t":6000000,"ev":"resume","node":"n2"}
{"t":6500000,"ev":"crash","node":"n3"}
{"t":7000000,"ev":"invariant","violation":"two leaders <in> term 1"}
{"t":8000000,"ev":"verdict","check":"linearizable","valid":false,"report":{"core":[{"process":0,"invoke_line":1}]}}
{"summary":{"sim_ms":8.0,"verdicts":{"linearizable":"fail"},"fingerprint":"0"}}
TRACE
"$DSIM" view view_svg_kinds.jsonl -o view_svg_kinds.svg || fail "dsim view of the hand-written trace"
"$DSIM" view view_svg_kinds.jsonl -o view_svg_kinds.html || fail "page of the hand-written trace"
python3 - <<'PY' || fail "the hand-written trace (see above)"
import json, sys
import xml.etree.ElementTree as ET
root = ET.parse('view_svg_kinds.svg').getroot()
count = {}
for el in root.iter():
    for c in (el.get('class') or '').split():
        count[c] = count.get(c, 0) + 1
want = {'lane': 4, 'arrow': 2, 'dup': 1, 'drop': 1, 'inflight': 1, 'role': 1, 'partition': 3,
        'paused': 1, 'crashed': 1, 'clock': 1, 'timer': 1, 'emit': 1, 'invariant': 1, 'op': 1, 'open': 1, 'cx': 1}
bad = {k: (count.get(k, 0), v) for k, v in want.items() if count.get(k, 0) != v}
print('kinds:', 'ok' if not bad else f'FAIL (got, want): {bad}')
page = open('view_svg_kinds.html', encoding='utf-8').read()
start = page.index('<script id="dsim-trace" type="application/json">') + 48
data = page[start:page.index('</script>', start)]
rows = json.loads(data)['rows']
ok = '<' not in data and len(rows) == 21 and '<title>dsim: view_svg_kinds.jsonl</title>' in page
print('page data escaped:', 'ok' if ok else 'FAIL')
sys.exit(1 if bad or not ok else 0)
PY

# Bad input: not a trace, missing file, unknown format, empty window.
echo '{"hello":1}' > view_svg_bad.jsonl
"$DSIM" view view_svg_bad.jsonl -o view_svg_bad.html 2>/dev/null; [ $? -eq 2 ] || fail "a non-trace should exit 2"
[ ! -e view_svg_bad.html ] || fail "no page is left behind for a bad trace"
"$DSIM" view no_such_trace.jsonl -o x.svg 2>/dev/null; [ $? -eq 2 ] || fail "a missing trace should exit 2"
"$DSIM" view view_svg.jsonl -o x.png 2>/dev/null; [ $? -eq 2 ] || fail "an unknown format should exit 2"
"$DSIM" view view_svg.jsonl -o x.svg --from-ms 90000 2>/dev/null; [ $? -eq 2 ] || fail "a window past the run should exit 2"
echo "view_svg: all checks passed"
