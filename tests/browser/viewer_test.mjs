// viewer_test.mjs — the dsim viewer in a real browser (Debian's headless
// Chromium, driven by playwright-core; no browser download).
//
// Checks, on pages made by the dsim binary under test:
// - a failing run (single_kv.lua, bug=ack_before_sync): lanes == nodes +
//   clients, arrows == delivered messages in the trace (in the model and
//   drawn when the whole run is in view), the checker's counterexample is
//   highlighted and listed, the page opens on it (and the crash before it),
//   the verdict explains it in words, no two legend colours are close, clicking an arrow shows its details, no console
//   errors; a screenshot is kept in the current directory (the build dir);
// - a passing run: no counterexample listed;
// - scale: a ~10^5-event trace (scenarios/regress/big_trace.lua) opens; the
//   time to ready and a few pan frames are measured and printed (a
//   benchmark, not a pass/fail bound: the machine may be noisy).
// Exit 0 pass, 1 fail, 77 skip (no chromium or no node_modules).
// env: DSIM_BIN (the dsim binary), DSIM_SOURCE (the source tree).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from './shot.mjs';

const BIN = process.env.DSIM_BIN, SRC = process.env.DSIM_SOURCE;
const OUT = process.cwd();
let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

function dsim(args, okCodes = [0]) {
  const r = spawnSync(BIN, args, { cwd: OUT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (!okCodes.includes(r.status)) {
    console.error(`dsim ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
    process.exit(1);
  }
  return r;
}

function traceCounts(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const h = lines[0];
  return {
    lanes: h.nodes + h.clients,
    delivered: lines.filter((e) => e.ev === 'deliver').length,
    events: lines.filter((e) => e.ev && e.ev !== 'verdict').length,
    failing: lines.filter((e) => e.ev === 'verdict' && e.valid === false),
  };
}

async function openPage(browser, file, viewport = { width: 1400, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => window.dsimView && window.dsimView.ready, null, { timeout: 60000 });
  return { page, errors, openMs: Date.now() - t0 };
}

/* The page opens on the counterexample (its operations and the crash
** before them), not on the whole run; the verdict says why in words; no
** two legend colours are confusable. */
async function openedOnCounterexample(page, want) {
  const w = await page.evaluate(() => window.dsimView.window());
  const ops = want.failing[0].report.partitions.flatMap((p) => p.core || []);
  const inside = ops.every((op) => op.invoke_time >= w.t0 && op.complete_time <= w.t1);
  check(inside && w.t1 - w.t0 < w.tEnd / 4,
    `opens on the counterexample: ${(w.t0 / 1e6).toFixed(1)}-${(w.t1 / 1e6).toFixed(1)} ms of ${(w.tEnd / 1e6).toFixed(0)} ms`);
  check(w.t0 <= 2500e6 && w.t1 >= 2500e6, 'the window shows the crash of n1 at 2500 ms');
  const verdict = await page.$eval('#verdict-list', (el) => el.textContent);
  check(verdict.includes("The register was 295 after c3's write of 295") && verdict.includes('overwritten'),
    'the verdict explains the state and the stale read');
  const sw = await page.$$eval('#legend-body .sw', (els) => els.map((e) => {
    const label = e.nextElementSibling ? e.nextElementSibling.textContent : '';
    const bg = getComputedStyle(e).backgroundColor;
    return { label, bg };
  }));
  const rgb = (s) => (s.match(/\d+/g) || []).slice(0, 3).map(Number);
  const boxes = sw.filter((x) => /^rgb\(/.test(x.bg) && !/message|duplicate|client request|counterexample/.test(x.label));
  let worst = { d: Infinity };
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = rgb(boxes[i].bg), b = rgb(boxes[j].bg);
      const d = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      if (d < worst.d) worst = { d, a: boxes[i].label, b: boxes[j].label };
    }
  check(boxes.some((x) => x.label === 'role: server') && worst.d > 40,
    `legend colours are apart: closest ${worst.a} / ${worst.b} at ${worst.d.toFixed(0)} (> 40)`);
}

async function failingRun(browser) {
  const trace = path.join(OUT, 'view_fail.jsonl'), html = path.join(OUT, 'view_fail.html');
  dsim(['run', path.join(SRC, 'scenarios/demos/single_kv.lua'), '-D', 'bug=ack_before_sync',
    '--trace', trace, '--html', html], [1]);
  const want = traceCounts(trace);
  check(want.failing.length > 0, 'the planted bug fails a check (trace has a failing verdict)');
  const { page, errors } = await openPage(browser, html);
  await openedOnCounterexample(page, want);
  const counts = await page.evaluate(() => window.dsimView.counts);
  const labels = await page.$$eval('.lane-label', (els) => els.length);
  check(labels === want.lanes, `lanes: ${labels} lane labels == ${want.lanes} nodes + clients`);
  check(counts.lanes === want.lanes, `lanes in the model: ${counts.lanes} == ${want.lanes}`);
  check(counts.arrows === want.delivered, `arrows: ${counts.arrows} == ${want.delivered} delivered messages`);
  const drawn = await page.evaluate(() => { window.dsimView.fit(); return window.dsimView.lastDraw(); });
  check(drawn.arrows === want.delivered, `arrows drawn with the whole run in view: ${drawn.arrows} == ${want.delivered}`);
  check(drawn.lanes === want.lanes, `lanes drawn: ${drawn.lanes}`);
  const cx = await page.evaluate(() => window.dsimView.counterexample());
  check(cx.length > 0, `counterexample highlighted: ${cx.length} operation(s) ${JSON.stringify(cx.map((c) => c.label))}`);
  const core = want.failing[0].report.partitions.flatMap((p) => p.core || []);
  const matched = core.every((op) => cx.some((c) => c.process === op.process && c.t0 === op.invoke_time));
  check(core.length > 0 && matched, `every op of the checker's core is highlighted (${core.length})`);
  const listed = await page.$$eval('#cx-list li', (els) => els.map((e) => e.textContent));
  check(listed.length === cx.length, `counterexample listed in the side panel: ${listed.length} item(s)`);
  await page.screenshot({ path: path.join(OUT, 'view_fail_whole.png') });
  // Click the listed operation: the view zooms there and the details show it.
  await page.click('#cx-list li');
  const cxDetails = await page.textContent('#details-body');
  check(/counterexample/.test(cxDetails), 'clicking the listed operation shows it in the details');
  await page.screenshot({ path: path.join(OUT, 'view_fail_counterexample.png') });
  // Click a protocol arrow (not a client request) in the middle of the run.
  const idx = await page.evaluate(() => Math.floor(window.dsimView.counts.arrows / 2));
  const pt = await page.evaluate((i) => window.dsimView.arrowPoint(i), idx);
  await page.mouse.click(pt.x, pt.y);
  const details = await page.textContent('#details-body');
  const kind = await page.evaluate(() => window.dsimView.selected());
  check(kind === 'arrow' && details.includes('message delivered') && details.includes(pt.msg),
    `clicking an arrow shows its details (${kind}: ${details.slice(0, 60).replace(/\s+/g, ' ')}...)`);
  await page.screenshot({ path: path.join(OUT, 'view_fail_click.png') });
  // Step: the play/step control walks events in order.
  const steps = await page.evaluate(() => [window.dsimView.step(), window.dsimView.step()]);
  check(steps[0] === 0 && steps[1] === 1, 'step walks the run event by event');
  check(errors.length === 0, `no console errors${errors.length ? ': ' + errors.join(' | ') : ''}`);
  await page.close();
}

async function passingRun(browser) {
  const html = path.join(OUT, 'view_pass.html');
  dsim(['run', path.join(SRC, 'scenarios/demos/single_kv.lua'), '--html', html], [0]);
  const { page, errors } = await openPage(browser, html);
  const cx = await page.evaluate(() => window.dsimView.counts.counterexample);
  check(cx === 0, 'a passing run lists no counterexample');
  check(errors.length === 0, `no console errors on the passing run${errors.length ? ': ' + errors.join(' | ') : ''}`);
  await page.close();
}

// Every kind of event, with markup in its strings, in a hand-written trace.
const KINDS = [
  { dsim_trace: 1, scenario: 'kinds</script>', seed: 7, protocol: 'p<b>', nodes: 3, clients: 1, options: {}, params: {} },
  { t: 0, ev: 'role', node: 'n1', role: 'leader', term: 1 },
  { t: 1e6, ev: 'send', from: 'n1', to: 'n2', id: 1, msg: '</script><!--x', body: { s: '<b>&' } },
  { t: 1e6, ev: 'dup', from: 'n1', to: 'n2', id: 1, msg: '</script><!--x', dup: true },
  { t: 2e6, ev: 'deliver', from: 'n1', to: 'n2', id: 1, msg: '</script><!--x' },
  { t: 2.5e6, ev: 'deliver', from: 'n1', to: 'n2', id: 1, msg: '</script><!--x', dup: true },
  { t: 3e6, ev: 'send', from: 'n1', to: 'n3', id: 2, msg: 'M', body: {} },
  { t: 3e6, ev: 'drop', from: 'n1', to: 'n3', id: 2, msg: 'M', why: 'partition' },
  { t: 3e6, ev: 'partition', shape: 'groups', groups: [['n1', 'n2'], ['n3']] },
  { t: 4e6, ev: 'pause', node: 'n2' },
  { t: 4.5e6, ev: 'clock', node: 'n3', mono_drift_ppm: 0, wall_drift_ppm: 0, wall_minus_true_ns: -2e8, step_ns: -2e8 },
  { t: 5e6, ev: 'op', client: 'c1', op: 1, process: 0, type: 'invoke', f: 'write', value: 1 },
  { t: 5e6, ev: 'timer', node: 'n1', kind: 2 },
  { t: 5.5e6, ev: 'emit', node: 'n1', name: 'commit<>', fields: {} },
  { t: 6e6, ev: 'heal' },
  { t: 6e6, ev: 'resume', node: 'n2' },
  { t: 6.5e6, ev: 'crash', node: 'n3' },
  { t: 7e6, ev: 'invariant', violation: 'two leaders <in> term 1' },
  { t: 8e6, ev: 'verdict', check: 'linearizable', valid: false, report: { core: [{ process: 0, invoke_line: 1 }] } },
  { summary: { sim_ms: 8.0, verdicts: { linearizable: 'fail' }, fingerprint: '0' } },
];

async function kindsRun(browser) {
  const trace = path.join(OUT, 'view_kinds.jsonl'), html = path.join(OUT, 'view_kinds.html');
  fs.writeFileSync(trace, KINDS.map((e) => JSON.stringify(e)).join('\n') + '\n');
  dsim(['view', trace, '-o', html]);
  const { page, errors } = await openPage(browser, html, { width: 1200, height: 500 });
  const c = await page.evaluate(() => window.dsimView.counts);
  check(c.arrows === 2 && c.drops === 1 && c.inflight === 0 && c.counterexample === 1 && c.lanes === 4,
    `every kind of event: ${JSON.stringify(c)}`);
  const title = await page.textContent('#title');
  check(title.includes('kinds</script>') && title.includes('p<b>'), 'markup in the trace is shown as text');
  await page.screenshot({ path: path.join(OUT, 'view_kinds.png') });
  check(errors.length === 0, `no console errors on every kind of event${errors.length ? ': ' + errors.join(' | ') : ''}`);
  await page.close();
}

async function bigRun(browser) {
  const trace = path.join(OUT, 'view_big.jsonl'), html = path.join(OUT, 'view_big.html');
  dsim(['run', path.join(SRC, 'scenarios/regress/big_trace.lua'), '--trace', trace]);
  dsim(['view', trace, '-o', html]);
  const want = traceCounts(trace);
  // Opened three times: the machine may be busy, the least is the page's cost.
  const opens = [];
  for (let i = 0; i < 2; i++) {
    const o = await openPage(browser, html);
    opens.push([o.openMs, await o.page.evaluate(() => window.dsimView.loadMs)]);
    await o.page.close();
  }
  // The renderer's CPU time (Chrome's ThreadTime metric) for the last open is
  // steadier than wall time on a machine shared with other work.
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const cpu = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN;
  const cpu0 = await cpu(), t0 = Date.now();
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction(() => window.dsimView && window.dsimView.ready, null, { timeout: 60000 });
  const openMs = Date.now() - t0, cpuMs = (await cpu() - cpu0) * 1000;
  const inPage = await page.evaluate(() => window.dsimView.loadMs);
  opens.push([openMs, inPage]);
  const counts = await page.evaluate(() => window.dsimView.counts);
  check(counts.arrows === want.delivered, `big trace: arrows ${counts.arrows} == ${want.delivered} delivered`);
  const best = Math.min(...opens.map((o) => o[0]));
  console.log(`MEASURED: ${want.events} trace events (${(fs.statSync(html).size / 1e6).toFixed(1)} MB page): ` +
    `opened in ${opens.map((o) => `${o[0]} ms (script ${o[1].toFixed(0)} ms)`).join(', ')}; ` +
    `best ${best} ms, navigation to ready; bound 3000 ms${best > 3000 ? ' EXCEEDED (busy machine?)' : ''}; ` +
    `renderer main-thread CPU for the last open ${cpuMs.toFixed(0)} ms`);
  // Pan: frames over a 1 s window, then the whole run (the worst case).
  // A frame is measured from the change to the second animation frame after
  // it, so it includes the browser painting the canvas.
  const frames = await page.evaluate(async () => {
    const v = window.dsimView, out = [];
    const painted = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      v.setWindow(1e9 + i * 2e8, 2e9 + i * 2e8);
      await painted();
      out.push(performance.now() - t);
    }
    const t = performance.now();
    v.fit();
    await painted();
    return { pan: out, whole: performance.now() - t };
  });
  const avg = frames.pan.reduce((a, b) => a + b, 0) / frames.pan.length;
  console.log(`MEASURED: pan step (1 s window, drawn and painted) ${avg.toFixed(1)} ms average, ` +
    `${Math.max(...frames.pan).toFixed(1)} ms max; zoom out to the whole run ${frames.whole.toFixed(0)} ms`);
  await page.screenshot({ path: path.join(OUT, 'view_big.png') });
  check(errors.length === 0, `no console errors on the big trace${errors.length ? ': ' + errors.join(' | ') : ''}`);
  await page.close();
}

async function main() {
  if (!BIN || !SRC) {
    console.error('set DSIM_BIN and DSIM_SOURCE');
    process.exit(2);
  }
  const browser = await launch();
  try {
    await failingRun(browser);
    await passingRun(browser);
    await kindsRun(browser);
    await bigRun(browser);
  } finally {
    await browser.close();
  }
  console.log(failures ? `${failures} check(s) failed` : 'all browser checks passed');
  process.exit(failures ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
