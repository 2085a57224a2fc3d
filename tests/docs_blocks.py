#!/usr/bin/env python3
"""docs_blocks.py — every code block of README.md, docs/*.md and
tools/campaign/README.md that is a command or a scenario runs as written.

Blocks are taken from the files themselves, so they cannot drift:
- a fenced block tagged sh, bash or shell is commands: each line (a trailing
  '\\' joins lines) runs with bash in a scratch folder, one after the other
  (a later line may read what an earlier one wrote), and must exit 0, or N
  when its comment says "exit N" ('... # exit 1: a lost write');
- a fenced block tagged lua is a scenario: 'dsim run' must not call it bad
  input or an internal error (exit 0, 1 or 4);
- an untagged block that reads like commands (every line starts with
  'dsim ' or 'tools/', no placeholders such as FILE or [options]) is an
  error: tag it sh so it runs, or annotate it;
- the annotation '<!-- docs-test: skip: REASON -->' on the line before a
  block's fence leaves that block out (a fragment, a sketch, a command that
  installs packages or runs the whole suite); REASON is required.
The scratch folder holds copies of scenarios/, tools/ and meson.build,
'build/dsim' and 'dsim' on PATH are the binary under test, and tools/dsim
is a shim that runs it ('tools/dsim ARGS' is 'build if needed, then dsim
ARGS'; building is the suite's job): its 'demo' runs the default demo, and
'deps', 'test', 'test-asan' exit 3 (annotate blocks that use them).

usage: docs_blocks.py SOURCE_DIR DSIM_BIN   (exit 0 pass, 1 a block failed)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

FILES = ["README.md", "tools/campaign/README.md"]
FENCE = re.compile(r"^```\s*([A-Za-z0-9_-]*)\s*$")
SKIP = re.compile(r"<!--\s*docs-test:\s*skip:\s*(\S.*?)\s*-->")
SKIP_BARE = re.compile(r"<!--\s*docs-test:\s*skip\s*-->")
EXIT = re.compile(r"#.*\bexit (\d)\b")
PLACEHOLDER = re.compile(r"\[|\.\.\.|\b[A-Z]{3,}\b")
LINE_TIMEOUT_S = 600   # a guard against a hang, not a timing test


def blocks(path):
    """Yields (line, lang, body lines, skip reason or None)."""
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i + 1, m.group(1).lower()
        prev = lines[i - 1] if i > 0 else ""
        if SKIP_BARE.search(prev):
            raise SystemExit(f"{path}:{start}: 'docs-test: skip' needs a reason ('skip: why')")
        sm = SKIP.search(prev)
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if j == len(lines):
            raise SystemExit(f"{path}:{start}: a code block that never closes")
        yield start, lang, lines[i + 1:j], sm.group(1) if sm else None
        i = j + 1


def commands(body):
    """Joins continued lines; drops blank lines and comment-only lines."""
    out, cur = [], ""
    for line in body:
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        if cur.strip() and not cur.strip().startswith("#"):
            out.append(cur.strip())
        cur = ""
    return out


def scratch(src, dsim):
    d = tempfile.mkdtemp(prefix="docs_blocks.")
    for sub in ("scenarios", "tools"):
        shutil.copytree(os.path.join(src, sub), os.path.join(d, sub))
    shutil.copy(os.path.join(src, "meson.build"), d)
    for sub in ("build", "bin"):
        os.makedirs(os.path.join(d, sub))
        os.symlink(dsim, os.path.join(d, sub, "dsim"))
    shim = os.path.join(d, "tools", "dsim")
    with open(shim, "w") as f:
        f.write('#!/bin/sh\n# docs_blocks.py: tools/dsim ARGS is dsim ARGS once built\n'
                'case "$1" in\n'
                '  demo) shift; exec "%s" run scenarios/demos/single_kv.lua "$@" ;;\n'
                '  deps|test|test-asan) echo "docs_blocks: tools/dsim $1 does not run inside the suite:'
                ' annotate the block" >&2; exit 3 ;;\n'
                'esac\nexec "%s" "$@"\n' % (dsim, dsim))
    os.chmod(shim, 0o755)
    return d


def main():
    src, dsim = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    files = FILES + sorted("docs/" + f for f in os.listdir(os.path.join(src, "docs")) if f.endswith(".md"))
    work = scratch(src, dsim)
    env = dict(os.environ, PATH=os.path.join(work, "bin") + ":" + os.environ.get("PATH", ""))
    env.pop("DSIM", None)
    failures = ran = skipped = 0

    def fail(where, what):
        nonlocal failures
        failures += 1
        print(f"FAIL {where}: {what}")

    try:
        for rel in files:
            path = os.path.join(src, rel)
            if not os.path.exists(path):
                continue
            for n, (line, lang, body, skip) in enumerate(blocks(path)):
                where = f"{rel}:{line}"
                if skip is not None:
                    skipped += 1
                    print(f"skip {where}: {skip}")
                    continue
                if lang in ("sh", "bash", "shell"):
                    for cmd in commands(body):
                        m = EXIT.search(cmd)
                        want = int(m.group(1)) if m else 0
                        r = subprocess.run(["bash", "-c", cmd], cwd=work, env=env, capture_output=True,
                                           text=True, timeout=LINE_TIMEOUT_S)
                        ran += 1
                        if r.returncode != want:
                            fail(where, f"'{cmd}' exited {r.returncode}, expected {want}: "
                                        f"{(r.stderr or r.stdout).strip()[-400:]}")
                        else:
                            print(f"ok   {where}: {cmd}")
                elif lang == "lua":
                    f = os.path.join(work, f"block_{rel.replace('/', '_')}_{line}.lua")
                    with open(f, "w") as out:
                        out.write("\n".join(body) + "\n")
                    r = subprocess.run([dsim, "run", f], cwd=work, env=env, capture_output=True, text=True,
                                       timeout=LINE_TIMEOUT_S)
                    ran += 1
                    if r.returncode not in (0, 1, 4):
                        fail(where, f"the scenario exited {r.returncode}: {r.stderr.strip()[-400:]}")
                    else:
                        print(f"ok   {where}: scenario (exit {r.returncode})")
                elif lang == "":
                    cmdlike = [c for c in commands(body)]
                    if cmdlike and all(c.startswith(("dsim ", "tools/")) for c in cmdlike) and \
                            not any(PLACEHOLDER.search(c.split("#")[0]) for c in cmdlike):
                        fail(where, "an untagged block of commands: tag it ```sh so it runs, or annotate "
                                    "it <!-- docs-test: skip: why -->")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"docs_blocks: {ran} commands and scenarios ran, {skipped} blocks skipped by annotation, "
          f"{failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
