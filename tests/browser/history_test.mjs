// history_test.mjs — the history timeline of 'dsim check --html' and
// 'dsim view HISTORY' in a real browser (Debian's headless Chromium through
// playwright-core), on pages made by the dsim binary under test:
// - a Knossos-shaped failing history (EDN vector, maps over lines, register
//   starting at 0): one lane per process, one bar per operation, exactly the
//   checker's core outlined, the blocked operation marked, the model's state
//   after the longest linearizable prefix shown, a click shows details;
// - a failing dsim run's history (many keys): the core of every failing
//   partition is outlined and nothing else;
// - a linearizable Jepsen history: no counterexample; 'dsim view' of a
//   history draws it unchecked. No console errors anywhere.
// Exit 0 pass, 1 fail. env: DSIM_BIN, DSIM_SOURCE.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from './shot.mjs';

const BIN = process.env.DSIM_BIN, SRC = process.env.DSIM_SOURCE;
const OUT = process.cwd();
const K = path.join(SRC, 'tests/data/knossos');
let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

function dsim(args, okCodes) {
  const r = spawnSync(BIN, args, { cwd: OUT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (!okCodes.includes(r.status)) {
    console.error(`dsim ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
    process.exit(1);
  }
  return r;
}

async function open(browser, file) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => window.dsimHistory && window.dsimHistory.ready, null, { timeout: 60000 });
  return { page, errors };
}

// checks the page of 'history' against the report dsim check --json gives
async function checked(browser, name, args, history, want) {
  const html = path.join(OUT, `history_${name}.html`);
  const r = dsim(['check', ...args, '--json', '--html', html, history], [0, 1]);
  const report = JSON.parse(r.stdout);
  check(r.status === want, `${name}: exit ${r.status} == ${want}`);
  const { page, errors } = await open(browser, html);
  const counts = await page.evaluate(() => window.dsimHistory.counts);
  const ops = report.ops;
  const procs = await page.$$eval('.lane-label', (els) => els.length);
  check(counts.lanes === procs && procs > 0, `${name}: ${procs} lanes, one per process`);
  const bars = await page.$$eval('g.op', (els) => els.length);
  check(bars === counts.ops && bars >= ops, `${name}: ${bars} bars for ${counts.ops} operations (report: ${ops})`);
  const core = new Set(), blocked = new Set();
  for (const p of report.partitions || []) {
    if (p.valid !== false) continue;
    p.core.forEach((o) => core.add(o.index));
    blocked.add(p.fails_at.index);
  }
  const lit = await page.evaluate(() => window.dsimHistory.highlighted());
  check(lit.length === core.size && lit.every((i) => core.has(i)),
    `${name}: the outlined bars ${JSON.stringify(lit)} are the checker's core ${JSON.stringify([...core])}`);
  const marked = await page.$$eval('g.op.blocked', (els) => els.map((e) => Number(e.dataset.index)));
  check(marked.length === blocked.size && marked.every((i) => blocked.has(i)), `${name}: the blocked operation is marked`);
  const verdict = await page.$eval('#verdict', (e) => e.textContent);
  check(verdict === (want === 1 ? 'NOT LINEARIZABLE' : 'linearizable'), `${name}: verdict '${verdict}'`);
  check(errors.length === 0, `${name}: no console errors ${JSON.stringify(errors)}`);
  return { page, report };
}

const browser = await launch();
try {
  // Knossos: the register starts at 0; write 1 completes, then a read sees 0
  const { page, report } = await checked(browser, 'knossos_bad', ['--model', 'cas-register', '--initial', '0'],
    path.join(K, 'cas-register/bad/stale-read.edn'), 1);
  const state = await page.$eval('#state', (e) => e.textContent);
  check(state === report.partitions[0].prefix.state && state === '1',
    `the model's state after the prefix is shown: '${state}'`);
  const lin = await page.$$eval('#lin-list li', (els) => els.length);
  check(lin === report.partitions[0].prefix.ops, `the prefix lists its ${lin} operation(s)`);
  await page.click('g.op.blocked rect');
  const details = await page.$eval('#details', (e) => e.textContent);
  check(/read/.test(details) && /no linearization reaches its completion/.test(details), `a click shows the operation: ${JSON.stringify(details)}`);
  await page.screenshot({ path: path.join(OUT, 'history_knossos_bad.png') });

  // a failing dsim run's history: several keys, several partitions
  const hist = path.join(OUT, 'history_run.jsonl');
  dsim(['run', path.join(SRC, 'scenarios/demos/single_kv.lua'), '-D', 'bug=ack_before_sync', '--history', hist], [1]);
  const run = await checked(browser, 'run', ['--model', 'cas-register'], hist, 1);
  await run.page.check('#only-cx');
  const shown = await run.page.evaluate(() => window.dsimHistory.lastDraw().ops);
  check(shown > 0 && shown <= run.report.ops, `only the failed partitions: ${shown} bars`);
  await run.page.screenshot({ path: path.join(OUT, 'history_run.png') });

  // linearizable Jepsen EDN (maps over lines, :time out of order, a nemesis)
  await checked(browser, 'knossos_good', ['--model', 'cas-register', '--initial', '0'],
    path.join(K, 'cas-register/good/multiline-vector.edn'), 0);

  // dsim view of a history: drawn, not checked
  const viewed = path.join(OUT, 'history_view.html');
  dsim(['view', path.join(K, 'mutex/good-lock.edn'), '-o', viewed], [0]);
  const v = await open(browser, viewed);
  const vv = await v.page.$eval('#verdict', (e) => e.textContent);
  check(/not checked/.test(vv), `dsim view of a history: '${vv}'`);
  check((await v.page.$$eval('g.op', (els) => els.length)) === 3, 'dsim view draws its 3 operations');
  check(v.errors.length === 0, 'dsim view: no console errors');
} finally {
  await browser.close();
}
console.log(failures ? `history_test: ${failures} failures` : 'history_test: ok');
process.exit(failures ? 1 : 0);
