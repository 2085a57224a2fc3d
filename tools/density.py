#!/usr/bin/env python3
"""density.py [DIR]: assertion density per folder (sim/kernel, sim/check,
sim/lua, faults) of the tree at DIR (default: here): always-on assertions
(DSIM_ASSERT, CHECK_ASSERT) in all and per 100 lines, plain assert() (gone
under NDEBUG), _Static_assert, compound ones (a top-level &&; an implication
"!a || b" is one condition), functions, and always-on ones per function.
Functions are counted by a regular expression: one-line accessors count."""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else '.'
pat = re.compile(r'\b(DSIM_ASSERT|CHECK_ASSERT|assert|_Static_assert)\s*\(')
def args_of(text, i):
    depth, j = 0, i
    while j < len(text):
        c = text[j]
        if c == '(': depth += 1
        elif c == ')':
            depth -= 1
            if depth == 0: return text[i+1:j]
        j += 1
    return ''
def top_compound(expr):
    depth = 0
    for k, c in enumerate(expr):
        if c in '([': depth += 1
        elif c in ')]': depth -= 1
        elif depth == 0 and expr[k:k+2] == '&&': return True
    return False
print(f"{'folder':12} {'lines':>6} {'always-on':>9} {'/100':>5} {'assert()':>8} {'static':>6} {'compound':>8} {'funcs':>5} {'per fn':>6}")
for folder in ("sim/kernel", "sim/check", "sim/lua", "faults"):
    lines = on = plain = static = comp = funcs = 0
    d = os.path.join(root, folder)
    for f in sorted(os.listdir(d)):
        if not f.endswith(('.c', '.h')): continue
        text = open(os.path.join(d, f), encoding='utf-8').read()
        lines += text.count('\n')
        if f.endswith('.c'):
            funcs += len(re.findall(r'^[a-zA-Z_][\w \*]*\b\w+\([^;]*\)\s*\n?\{', text, re.M))
        for m in pat.finditer(text):
            name = m.group(1)
            line_start = text.rfind('\n', 0, m.start()) + 1
            if text[line_start:m.start()].lstrip().startswith(('#define', '/*', '**', '//')): continue
            if name == 'assert' and text[max(0, m.start()-1)] in '_': continue
            expr = args_of(text, m.end()-1)
            if name in ('DSIM_ASSERT', 'CHECK_ASSERT'):
                on += 1; comp += top_compound(expr)
            elif name == 'assert':
                plain += 1; comp += top_compound(expr)
            else: static += 1
    print(f"{folder:12} {lines:6} {on:9} {100*on/lines:5.2f} {plain:8} {static:6} {comp:8} {funcs:5} {on/max(funcs,1):6.2f}")
