#!/bin/bash
# history_browser.sh — runs tests/browser/history_test.mjs (the history
# timeline of 'dsim check --html' in Debian's headless Chromium through
# playwright-core). Skips (exit 77) with a message when Chromium, node or
# the npm packages are missing, like view_browser.sh.
set -u
SRC=${DSIM_SOURCE:?}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "SKIP: no Chromium at $CHROMIUM (apt-get install -y chromium)"; exit 77; }
command -v node >/dev/null || { echo "SKIP: no node (Node.js >= 20 is needed)"; exit 77; }
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$major" -ge 20 ] || { echo "SKIP: node $(node --version) is too old for playwright-core (>= 20)"; exit 77; }
[ -d "$SRC/tests/browser/node_modules/playwright-core" ] ||
    { echo "SKIP: no playwright-core (cd tests/browser && npm ci)"; exit 77; }
exec node "$SRC/tests/browser/history_test.mjs"
