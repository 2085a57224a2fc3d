/*
** viewer.js — the dsim run viewer: a space-time (Lamport) diagram of one
** trace, drawn on a canvas. Inlined into every page by 'dsim view' and
** 'dsim run --html'; the trace is the JSON array in <script id=dsim-trace>.
**
** Model: one pass over the trace builds flat arrays (arrows, drops, bars,
** spans, marks), each sorted by start time with the longest duration
** remembered, so the items that overlap the visible window are found by a
** binary search and a bounded walk: a frame costs what is on screen, not
** what is in the run (no cap on the run's size). Every item keeps the
** index of the trace events it came from, which the play/step control
** compares against its cursor and the details panel prints.
** 'window.dsimView' exposes counts and a few helpers for the browser test.
*/
(function () {
  'use strict';
  var T_START = performance.now();
  var OPEN_ARROWS_MAX = 6000;   /* more messages than this: open on the beginning */
  var LABEL_W = 56, AXIS_H = 26, RIGHT = 12, NODE_H = 36, CLIENT_H = 24;
  var COLORS = {
    proto: '#1e64c8', client: '#78909c', dup: '#8e24aa', drop: '#e53935',
    ok: '#4caf50', fail: '#e53935', info: '#ffa726', open: '#9e9e9e',
    crashed: '#5d4037', paused: '#b0bec5', timer: '#455a64', clock: '#6a1b9a', byzantine: '#aa00ff',
    emit: '#00897b', invariant: '#b00020', cx: '#b00020', cursor: '#ff6f00',
    /* partition sides: saturated stripes, never a lane fill, so no side
    ** can be taken for a role (roles are pale fills) */
    sides: ['#1565c0', '#ef6c00', '#2e7d32', '#6a1b9a', '#00838f', '#ad1457']
  };
  var ROLE_COLORS = {
    leader: '#f6d365', primary: '#f6d365', candidate: '#fbb583', precandidate: '#fde0c5',
    follower: '#cfe3f7', backup: '#cfe3f7', learner: '#dcedc8', observer: '#e1d5f0'
  };

  function $(id) { return document.getElementById(id); }
  function fmtMs(ns) {
    var ms = ns / 1e6;
    return (Math.abs(ms) >= 100 ? ms.toFixed(1) : ms.toFixed(3)) + ' ms';
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c];
    });
  }
  function hashColor(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
    return 'hsl(' + (h % 360) + ',55%,86%)';
  }
  /* Roles without a colour of their own take the next of these pale fills,
  ** in order of first appearance (distinct from each other and from the
  ** named roles, the crashed and paused states and the partition stripes);
  ** past the list, a hashed hue. */
  var ROLE_EXTRA = ['#88cec7', '#f9c1d4', '#d19ada', '#9de5ee', '#f596b6'];
  var roleExtra = {}, roleExtraN = 0;
  function roleColor(role) {
    if (ROLE_COLORS[role]) return ROLE_COLORS[role];
    if (!roleExtra[role]) roleExtra[role] = roleExtraN < ROLE_EXTRA.length ? ROLE_EXTRA[roleExtraN++] : hashColor(role);
    return roleExtra[role];
  }
  function short(v) {
    var s = JSON.stringify(v);
    return s === undefined ? '' : s.length > 24 ? s.slice(0, 22) + '…' : s;
  }

  /* ---- the model ------------------------------------------------------- */

  function buildModel(lines) {
    var header = lines[0] || {};
    if (header.dsim_trace === undefined) throw new Error('not a dsim trace (no header line)');
    var m = {
      header: header, summary: null, verdicts: [], events: [], lanes: [], laneIndex: {},
      arrows: [], drops: [], inflight: [], bars: [], spans: [], marks: [], cx: [], tEnd: 0, roles: []
    };
    var ids = header.nodes | 0, clients = header.clients | 0, i;
    var twins = Array.isArray(header.twins) ? header.twins : [];   /* a twin instance: "n1'" */
    var nodes = ids + twins.length;
    m.nodeLanes = nodes;
    for (i = 0; i < ids; i++) addLane(m, 'n' + (i + 1), 'node');
    for (i = 0; i < twins.length; i++) addLane(m, twins[i] + "'", 'node');
    for (i = 0; i < clients; i++) addLane(m, 'c' + (i + 1), 'client');
    var sends = new Map(), ops = new Map(), opEvents = [], open = [], parts = [];
    for (i = 0; i < nodes; i++) open.push({ crash: null, pause: null, role: null, byz: null });
    var tLast = 0;
    for (var li = 1; li < lines.length; li++) {
      var e = lines[li];
      if (e.summary) { m.summary = e.summary; continue; }
      if (e.ev === 'verdict') { m.verdicts.push(e); continue; }
      var idx = m.events.length;
      m.events.push(e);
      var t = e.t || 0;
      if (t > tLast) tLast = t;
      switch (e.ev) {
        case 'send':
          sends.set(e.id, { t: t, i: idx, e: e, arrived: 0 });
          break;
        case 'deliver': case 'drop': {
          var s = sends.get(e.id);
          if (!s) break;
          s.arrived++;
          var item = {
            t0: s.t, t1: t, i0: s.i, i1: idx, from: lane(m, e.from), to: lane(m, e.to),
            msg: e.msg, dup: !!e.dup, send: s.e, end: e, kind: e.ev === 'deliver' ? 'arrow' : 'drop'
          };
          if (item.from < 0 || item.to < 0) break;
          item.client = item.from >= nodes || item.to >= nodes;
          (e.ev === 'deliver' ? m.arrows : m.drops).push(item);
          break;
        }
        case 'dup': {
          var sd = sends.get(e.id), ld = lane(m, e.from);
          if (ld >= 0) m.marks.push({ t: t, i0: idx, lane: ld, kind: 'dup', label: 'duplicated ' + e.msg, e: e, send: sd && sd.e });
          break;
        }
        case 'op': opEvent(m, e, t, idx, ops, opEvents); break;
        case 'partition': case 'heal': partitionEvent(m, e, t, idx, parts); break;
        case 'invariant':
          m.marks.push({ t: t, i0: idx, lane: -1, kind: 'invariant', label: 'invariant: ' + e.violation, e: e });
          break;
        case 'fault': {
          var lf = lane(m, e.node), what = e.kind || e.type || e.shape || '';
          m.marks.push({ t: t, i0: idx, lane: lf >= 0 && lf < nodes ? lf : -1, kind: 'fault', e: e,
            label: 'fault' + (e.fault ? ' #' + e.fault : '') + (what ? ' ' + what : '') + (e.phase ? ' ' + e.phase : '') });
          break;
        }
        case 'net':
          m.marks.push({ t: t, i0: idx, lane: -1, kind: 'net', e: e,
            label: 'net' + ['latency', 'drop', 'dup', 'fifo'].filter(function (k) { return e[k] !== undefined; })
              .map(function (k) { return ' ' + k + ' ' + e[k]; }).join('') + (e.links === 'some' ? ' (some links)' : '') });
          break;
        default: nodeEvent(m, e, t, idx, open); break;
      }
    }
    m.tEnd = Math.max(tLast, m.summary && m.summary.sim_ms ? Math.round(m.summary.sim_ms * 1e6) : 0, 1);
    var end = m.events.length;
    sends.forEach(function (s) {
      if (s.arrived) return;
      var f = lane(m, s.e.from), to = lane(m, s.e.to);
      if (f >= 0 && to >= 0)
        m.inflight.push({ t0: s.t, t1: m.tEnd, i0: s.i, i1: end, from: f, to: to, msg: s.e.msg, send: s.e, kind: 'inflight', client: f >= nodes || to >= nodes });
    });
    [m.bars, m.spans].forEach(function (a) {
      a.forEach(function (x) { if (x.t1 === null) { x.t1 = m.tEnd; x.i1 = end; } });
    });
    markCounterexample(m, opEvents);
    ['arrows', 'drops', 'inflight', 'bars', 'spans'].forEach(function (k) { m[k] = indexed(m[k]); });
    m.marks.forEach(function (x) { x.t0 = x.t1 = x.t; x.i1 = x.i0; });
    m.marks = indexed(m.marks);
    return m;
  }

  function addLane(m, name, kind) {
    m.laneIndex[name] = m.lanes.length;
    m.lanes.push({ name: name, kind: kind, top: 0, h: kind === 'node' ? NODE_H : CLIENT_H });
  }
  function lane(m, name) { var l = m.laneIndex[name]; return l === undefined ? -1 : l; }

  function opEvent(m, e, t, idx, ops, opEvents) {
    var l = lane(m, e.client), key = e.key !== undefined ? e.key + ' ' : '';
    if (e.type === 'invoke') {
      var bar = {
        t0: t, t1: null, i0: idx, i1: null, lane: l, status: 'open', kind: 'op', inv: e, cmp: null,
        process: e.process, label: key + e.f + (e.value !== null && e.value !== undefined ? ' ' + short(e.value) : '')
      };
      ops.set(e.op, bar);
      opEvents.push(bar);
      if (l >= 0) m.bars.push(bar);
      return;
    }
    var b = ops.get(e.op);
    opEvents.push(b || null);
    if (!b) return;
    b.t1 = t; b.i1 = idx; b.cmp = e; b.status = e.type;
    if (e.type === 'ok' && e.f === 'read') b.label = key + 'read → ' + short(e.value);
  }

  function partitionEvent(m, e, t, idx, parts) {
    if (e.ev === 'heal' || e.shape !== 'cut') {
      parts.forEach(function (p) { p.t1 = t; p.i1 = idx; });
      parts.length = 0;
    }
    m.marks.push({ t: t, i0: idx, lane: -1, kind: e.ev, label: e.ev === 'heal' ? 'heal' : 'partition ' + e.shape, e: e });
    if (e.ev === 'heal') return;
    var add = function (l, side, label) {
      var s = { t0: t, t1: null, i0: idx, i1: null, lane: l, kind: 'partition', side: side, label: label, e: e };
      parts.push(s);
      m.spans.push(s);
    };
    if (e.shape === 'cut' && e.link) {
      add(lane(m, e.link[0]), 0, 'cut ' + e.link[0] + ' ↛ ' + e.link[1]);
    } else if (e.groups) {
      e.groups.forEach(function (g, gi) {
        g.forEach(function (name) {
          var l = lane(m, name);
          if (l >= 0) add(l, gi, e.shape + ': side ' + String.fromCharCode(65 + gi % 26) + ' {' + g.join(',') + '}');
        });
      });
      if (e.bridge) e.bridge.forEach(function (name) { if (lane(m, name) >= 0) add(lane(m, name), 2, 'bridge: reaches both sides'); });
    } else if (e.shape === 'bridge' && e.bridge) {
      add(-1, 0, 'bridge through ' + e.bridge.join(','));
    } else {
      add(-1, 0, e.shape);
    }
  }

  function nodeEvent(m, e, t, idx, open) {
    var l = lane(m, e.node);
    if (l < 0 || l >= open.length) return;
    var o = open[l];
    var close = function (k) { if (o[k]) { o[k].t1 = t; o[k].i1 = idx; o[k] = null; } };
    var start = function (k, kind, label, extra) {
      var s = { t0: t, t1: null, i0: idx, i1: null, lane: l, kind: kind, label: label, e: e };
      if (extra) s.role = extra;
      m.spans.push(s);
      o[k] = s;
    };
    switch (e.ev) {
      case 'crash': {   /* the label says what the disk lost (trace.md, "crash") */
        var lost = e.lost && e.lost.writes ? ': lost ' + e.lost.writes + ' unsynced write' + (e.lost.writes > 1 ? 's' : '') : '';
        close('role'); close('pause'); if (!o.crash) start('crash', 'crashed', 'crashed' + lost);
        break;
      }
      case 'restart': close('crash'); break;
      case 'pause': if (!o.pause) start('pause', 'paused', 'paused'); break;
      case 'resume': close('pause'); break;
      case 'byzantine': close('byz'); start('byz', 'byzantine', 'byzantine: ' + e.behaviour); break;   /* a spell */
      case 'honest': close('byz'); break;
      case 'role':
        close('role');
        start('role', 'role', e.role + (e.term !== undefined ? ' (term ' + e.term + ')' : ''), e.role);
        if (m.roles.indexOf(e.role) < 0) { m.roles.push(e.role); roleColor(e.role); }
        break;
      case 'timer': m.marks.push({ t: t, i0: idx, lane: l, kind: 'timer', label: 'timer ' + e.kind, e: e }); break;
      case 'clock': {
        var lbl = e.step_ns !== undefined ? 'clock step ' + (e.step_ns >= 0 ? '+' : '') + (e.step_ns / 1e6) + ' ms'
          : 'clock: wall ' + (e.wall_minus_true_ns >= 0 ? '+' : '') + (e.wall_minus_true_ns / 1e6).toFixed(1) + ' ms, drift ' + e.wall_drift_ppm + ' ppm';
        m.marks.push({ t: t, i0: idx, lane: l, kind: 'clock', label: lbl, e: e });
        break;
      }
      case 'emit': m.marks.push({ t: t, i0: idx, lane: l, kind: 'emit', label: e.name, e: e }); break;
      default: break;
    }
  }

  /* The operations a failing check names: by history line ('invoke_line',
  ** the k-th op event), else by process and invoke time. */
  function markCounterexample(m, opEvents) {
    var seen = new Set();
    var walk = function (v, check, depth, context) {
      if (!v || typeof v !== 'object' || depth > 16) return;
      if (Array.isArray(v)) { v.forEach(function (x) { walk(x, check, depth + 1, context); }); return; }
      var bar = null;
      if (typeof v.invoke_line === 'number' && opEvents[v.invoke_line - 1]) bar = opEvents[v.invoke_line - 1];
      else if (typeof v.process === 'number' && typeof v.invoke_time === 'number')
        bar = m.bars.find(function (b) { return b.process === v.process && b.t0 === v.invoke_time; }) || null;
      if (bar && !seen.has(bar)) {
        seen.add(bar);
        bar.cx = true;
        m.cx.push({ bar: bar, check: check, op: v, context: context });
      }
      /* the core first: an operation both in it and in 'why' is core */
      Object.keys(v).sort(function (a, b) { return (a === 'why') - (b === 'why'); }).forEach(function (k) {
        walk(v[k], check, depth + 1, context || k === 'why');
      });
    };
    m.verdicts.forEach(function (v) { if (v.valid === false) walk(v.report, v.check, 0, false); });
    m.cx.sort(function (a, b) { return a.bar.t0 - b.bar.t0; });
  }

  /* The window a failing run opens on: the counterexample's operations (or
  ** the invariant violation, or the times a mutex report names), widened to
  ** the faults that began shortly before and still held (a crash, a pause,
  ** a partition), with a margin. null when no check failed. */
  function counterexampleWindow(m) {
    var t0 = Infinity, t1 = -Infinity;
    var add = function (t) { if (isFinite(t)) { t0 = Math.min(t0, t); t1 = Math.max(t1, t); } };
    m.cx.forEach(function (c) { add(c.bar.t0); add(c.bar.cmp ? c.bar.t1 : c.bar.t0); });
    if (!m.cx.length) {
      m.marks.forEach(function (k) { if (k.kind === 'invariant') add(k.t); });
      m.verdicts.forEach(function (v) {
        if (v.valid !== false || !v.report || !Array.isArray(v.report.violations)) return;
        v.report.violations.forEach(function (x) {
          ['acquired_ms', 'writes_ms', 'requested_ms', 'overlap_from_ms'].forEach(function (k) {
            [].concat(x[k] === undefined ? [] : x[k]).forEach(function (ms) { add(ms * 1e6); });
          });
        });
      });
    }
    if (!(t1 >= t0)) return null;
    var span = Math.max(t1 - t0, 2e7), from = t0 - Math.max(span, m.tEnd / 4);
    /* faults that started shortly before (a window-length, or a quarter of
    ** the run) and still hold at its start */
    m.spans.forEach(function (s) {
      if ((s.kind === 'crashed' || s.kind === 'paused' || s.kind === 'partition' || s.kind === 'byzantine') &&
          s.t0 < t0 && s.t0 >= from && (s.t1 === null || s.t1 >= t0)) t0 = s.t0;
    });
    m.marks.forEach(function (k) {
      if ((k.kind === 'partition' || k.kind === 'clock') && k.t < t0 && k.t >= from) t0 = k.t;
    });
    var pad = Math.max((t1 - t0) * 0.08, 2e6);
    return [Math.max(0, t0 - pad), Math.min(m.tEnd * 1.01, t1 + pad)];
  }

  /* Sorted by start, with the longest duration: 'visible' below. */
  function indexed(a) {
    a.sort(function (x, y) { return x.t0 - y.t0 || x.i0 - y.i0; });
    var d = 0;
    for (var i = 0; i < a.length; i++) if (a[i].t1 - a[i].t0 > d) d = a[i].t1 - a[i].t0;
    a.maxDur = d;
    return a;
  }

  /* Calls fn for each item of 'a' that overlaps [t0, t1]. */
  function visible(a, t0, t1, fn) {
    var lo = 0, hi = a.length, from = t0 - a.maxDur;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (a[mid].t0 < from) lo = mid + 1; else hi = mid; }
    for (var i = lo; i < a.length && a[i].t0 <= t1; i++) if (a[i].t1 >= t0) fn(a[i], i);
  }

  /* ---- the view -------------------------------------------------------- */

  var model, canvas, ctx, W = 0, H = 0, dpr = 1;
  var view = { t0: 0, t1: 1, y: 0 };
  var cursor = -1, playing = null, selected = null;
  var opts = { timers: true, clientMsgs: true };
  var lastDraw = {};

  /* Lanes share the height: a few lanes grow (up to 3.5 times) to fill the
  ** diagram, many lanes keep their size and scroll. */
  function layout() {
    var base = 0;
    model.lanes.forEach(function (l) { base += l.kind === 'node' ? NODE_H : CLIENT_H; });
    var k = base > 0 ? Math.max(1, Math.min(3.5, (H - AXIS_H - 4) / base)) : 1, y = 0;
    model.lanes.forEach(function (l) {
      l.h = Math.floor((l.kind === 'node' ? NODE_H : CLIENT_H) * k);
      l.top = y;
      y += l.h;
    });
    model.lanesH = y;
  }
  function xOf(t) { return LABEL_W + (t - view.t0) / (view.t1 - view.t0) * (W - LABEL_W - RIGHT); }
  function tOf(x) { return view.t0 + (x - LABEL_W) / (W - LABEL_W - RIGHT) * (view.t1 - view.t0); }
  function laneTop(l) { return AXIS_H + model.lanes[l].top - view.y; }
  function laneMid(l) { return laneTop(l) + model.lanes[l].h / 2; }
  function nodeLanesBottom() {
    var n = model.nodeLanes | 0;
    return n ? laneTop(n - 1) + model.lanes[n - 1].h : AXIS_H;
  }
  function cursorT() { return cursor >= 0 && model.events[cursor] ? model.events[cursor].t : Infinity; }
  function shown(it) { return cursor < 0 || it.i0 <= cursor; }

  function resize() {
    var box = $('diagram').getBoundingClientRect();
    dpr = window.devicePixelRatio || 1;
    W = Math.max(200, box.width); H = Math.max(100, box.height);
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    layout();
    clampY();
    draw();
  }
  function clampY() {
    var maxY = Math.max(0, model.lanesH - (H - AXIS_H));
    view.y = Math.min(Math.max(0, view.y), maxY);
  }

  var drawPending = false;
  function requestDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(function () { drawPending = false; draw(); });
  }

  function draw() {
    var t0 = view.t0, t1 = view.t1, tc = cursorT();
    var stats = { arrows: 0, drops: 0, inflight: 0, bars: 0, spans: 0, marks: 0, lanes: model.lanes.length };
    ctx.clearRect(0, 0, W, H);
    ctx.save();
    ctx.beginPath(); ctx.rect(LABEL_W, AXIS_H, W - LABEL_W, H - AXIS_H); ctx.clip();
    drawLanes();
    roleLabels = [];
    visible(model.spans, t0, t1, function (s) { if (shown(s)) { drawSpan(s, tc); stats.spans++; } });
    barBatch = { rects: {}, cx: [], labels: [] };
    visible(model.bars, t0, t1, function (b) { if (shown(b)) { drawBar(b, tc); stats.bars++; } });
    flushBars();
    stats.arrows = drawMsgs(model.arrows, t0, t1, tc);
    stats.inflight = drawMsgs(model.inflight, t0, t1, tc);
    stats.drops = drawMsgs(model.drops, t0, t1, tc);
    flushRoleLabels();   /* above the arrows, below the marks' own labels */
    labelEnd = {};
    markBatch = { timers: [], emits: [] };
    visible(model.marks, t0, t1, function (k) { if (shown(k)) { drawMark(k); stats.marks++; } });
    flushMarks();
    if (selected) drawSelection(selected);
    if (cursor >= 0 && tc >= t0 && tc <= t1) {
      ctx.strokeStyle = COLORS.cursor; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(xOf(tc), AXIS_H); ctx.lineTo(xOf(tc), H); ctx.stroke();
    }
    ctx.restore();
    drawAxis();
    placeLabels();
    lastDraw = stats;
    $('cursor-time').textContent = (cursor >= 0 ? 'event ' + (cursor + 1) + '/' + model.events.length + ' at ' + fmtMs(tc) + ' · ' : '') +
      'window ' + fmtMs(t0) + ' – ' + fmtMs(t1) + (t1 < model.tEnd * 0.99 || t0 > 0 ? ' of ' + fmtMs(model.tEnd) : '');
  }

  function drawLanes() {
    model.lanes.forEach(function (l, i) {
      var top = laneTop(i);
      if (top > H || top + l.h < AXIS_H) return;
      ctx.fillStyle = i % 2 ? '#fafafa' : '#f2f3f5';
      ctx.fillRect(LABEL_W, top, W - LABEL_W, l.h);
      ctx.strokeStyle = '#b8bcc4'; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(LABEL_W, top + l.h / 2 + 0.5); ctx.lineTo(W, top + l.h / 2 + 0.5); ctx.stroke();
    });
  }

  function spanBox(s) {
    if (s.lane >= 0) return { top: laneTop(s.lane), h: model.lanes[s.lane].h };
    return { top: AXIS_H - view.y, h: nodeLanesBottom() - (AXIS_H - view.y) };
  }

  function drawSpan(s, tc) {
    var x0 = Math.max(xOf(s.t0), LABEL_W - 2), x1 = Math.min(xOf(Math.min(s.t1, tc)), W + 2);
    var w = Math.max(x1 - x0, 1.5), b = spanBox(s);
    if (b.top > H || b.top + b.h < AXIS_H) return;
    switch (s.kind) {
      case 'role':
        ctx.fillStyle = roleColor(s.role);
        ctx.fillRect(x0, b.top + 2, w, b.h - 4);
        if (w > 60) roleLabels.push(s.label, Math.max(x0, LABEL_W) + 3, b.top + 11, x0 + w);
        break;
      case 'crashed':
        ctx.fillStyle = COLORS.crashed; ctx.fillRect(x0, b.top + 1, w, b.h - 2);
        ctx.save(); ctx.beginPath(); ctx.rect(x0, b.top + 1, w, b.h - 2); ctx.clip();
        ctx.strokeStyle = '#e57373'; ctx.lineWidth = 2; ctx.beginPath();
        for (var x = x0 - b.h; x < x0 + w; x += 8) { ctx.moveTo(x, b.top + b.h); ctx.lineTo(x + b.h, b.top); }
        ctx.stroke(); ctx.restore();
        if (w > 50) {
          ctx.fillStyle = '#fff'; ctx.font = 'bold 10px sans-serif';
          var ct = w > 8 + 6 * s.label.length ? s.label : 'crashed';
          ctx.fillText(ct, Math.max(x0, LABEL_W) + 3, b.top + 12);
        }
        break;
      case 'paused':
        ctx.fillStyle = 'rgba(120,144,156,0.55)'; ctx.fillRect(x0, b.top + 1, w, b.h - 2);
        if (w > 50) { ctx.fillStyle = '#263238'; ctx.font = 'bold 10px sans-serif'; ctx.fillText('paused', Math.max(x0, LABEL_W) + 3, b.top + 12); }
        break;
      case 'byzantine':   /* a red band along the top of the node's lane, like a fault's */
        ctx.fillStyle = COLORS.byzantine; ctx.fillRect(x0, b.top + 1, w, 5);
        if (w > 60) { ctx.fillStyle = COLORS.byzantine; ctx.font = 'bold 9px sans-serif'; ctx.fillText(s.label, Math.max(x0, LABEL_W) + 3, b.top + 22); }
        break;
      case 'partition': {
        /* a side is a stripe along the bottom of its lanes; a shape without
        ** sides (ring, bridge) a grey wash over the node lanes */
        var c = COLORS.sides[s.side % COLORS.sides.length];
        if (s.lane >= 0) { ctx.fillStyle = c; ctx.fillRect(x0, b.top + b.h - 6, w, 5); }
        else { ctx.fillStyle = 'rgba(96,96,96,0.10)'; ctx.fillRect(x0, b.top, w, b.h); }
        if (s.lane >= 0 && w > 30) {
          ctx.fillStyle = '#333'; ctx.font = 'bold 9px sans-serif';
          ctx.fillText(s.kind === 'partition' && s.e.shape === 'cut' ? '↛' : String.fromCharCode(65 + s.side % 26), Math.max(x0, LABEL_W) + 2, b.top + b.h - 8);
        }
        break;
      }
      default: break;
    }
  }

  /* Role labels go on last, each on a white pill, so no arrow runs through
  ** the text; a label is cut to its span's width. */
  var roleLabels = [];
  function flushRoleLabels() {
    ctx.font = '10px sans-serif';
    for (var i = 0; i < roleLabels.length; i += 4) {
      var text = roleLabels[i], x = roleLabels[i + 1], y = roleLabels[i + 2], room = roleLabels[i + 3] - x - 4;
      var w = ctx.measureText(text).width;
      while (w > room && text.length > 2) { text = text.slice(0, -2) + '…'; w = ctx.measureText(text).width; }
      if (w > room) continue;
      ctx.fillStyle = 'rgba(255,255,255,0.92)';
      ctx.fillRect(x - 2, y - 9, w + 4, 12);
      ctx.fillStyle = '#333';
      ctx.fillText(text, x, y);
    }
  }

  /* Bars are collected per colour and filled in one call each ('flushBars'),
  ** labels are cut to the bar's width instead of clipped (a clip costs a
  ** software canvas a save and a restore per bar). */
  var barBatch = null;
  function drawBar(b, tc) {
    var top = laneTop(b.lane), h = model.lanes[b.lane].h;
    if (top > H || top + h < AXIS_H) return;
    var x0 = xOf(b.t0), x1 = xOf(Math.min(b.t1, tc)), w = Math.max(x1 - x0, 2);
    var y = top + h / 2 - 5;
    var color = COLORS[b.i1 > cursor && cursor >= 0 ? 'open' : b.status] || COLORS.open;
    (barBatch.rects[color] = barBatch.rects[color] || []).push(x0, y, w);
    if (b.cx) barBatch.cx.push(x0, y, w);
    if (w > 40) {
      var lx = Math.max(x0, LABEL_W) + 2, room = Math.floor((x0 + w - lx - 2) / 5.2);
      if (room >= 3) barBatch.labels.push(b.label.length > room ? b.label.slice(0, room - 1) + '…' : b.label, lx, y + 8);
    }
  }
  function flushBars() {
    Object.keys(barBatch.rects).forEach(function (color) {
      var r = barBatch.rects[color];
      ctx.fillStyle = color; ctx.beginPath();
      for (var i = 0; i < r.length; i += 3) ctx.rect(r[i], r[i + 1], r[i + 2], 10);
      ctx.fill();
    });
    var c = barBatch.cx;
    if (c.length) {
      ctx.strokeStyle = COLORS.cx; ctx.lineWidth = 3; ctx.beginPath();
      for (var j = 0; j < c.length; j += 3) ctx.rect(c[j] - 1.5, c[j + 1] - 1.5, c[j + 2] + 3, 13);
      ctx.stroke();
    }
    var l = barBatch.labels;
    ctx.fillStyle = '#fff'; ctx.font = '9px sans-serif';
    for (var k = 0; k < l.length; k += 3) ctx.fillText(l[k], l[k + 1], l[k + 2]);
  }

  /* Draws the messages of 'a' in the window; batched into one path per
  ** style, arrowheads only while they are few enough to see. */
  function drawMsgs(a, t0, t1, tc) {
    var n = 0, paths = {}, heads = [];
    visible(a, t0, t1, function (m) {
      if (!shown(m)) return;
      if (m.client && !opts.clientMsgs) return;
      n++;
      var x0 = xOf(m.t0), y0 = laneMid(m.from), x1 = xOf(m.t1), y1 = laneMid(m.to);
      if (m.kind === 'drop' && m.t1 === m.t0) { x1 = x0 + 10; y1 = y0 + (y1 - y0) * 0.3; }
      if (m.kind === 'inflight') y1 = y0 + (y1 - y0) * 0.5;
      if (m.from === m.to && m.kind === 'arrow') y1 = y0 + 8;
      if ((y0 < AXIS_H && y1 < AXIS_H) || (y0 > H && y1 > H)) return;
      var partial = m.i1 > cursor && cursor >= 0;
      if (partial) {
        var f = m.t1 > m.t0 ? (tc - m.t0) / (m.t1 - m.t0) : 1;
        x1 = x0 + (x1 - x0) * f; y1 = y0 + (y1 - y0) * f;
      }
      var style = m.kind === 'drop' ? 'drop' : m.dup ? 'dup' : m.kind === 'inflight' ? 'inflight' : m.client ? 'client' : 'proto';
      (paths[style] = paths[style] || []).push(x0, y0, x1, y1);
      if (!partial) heads.push(style, x0, y0, x1, y1);
    });
    Object.keys(paths).forEach(function (style) {
      var p = paths[style];
      ctx.strokeStyle = style === 'inflight' ? COLORS.client : COLORS[style];
      ctx.lineWidth = 1;
      ctx.setLineDash(style === 'dup' ? [4, 2] : style === 'inflight' ? [2, 3] : []);
      ctx.beginPath();
      for (var i = 0; i < p.length; i += 4) { ctx.moveTo(p[i], p[i + 1]); ctx.lineTo(p[i + 2], p[i + 3]); }
      ctx.stroke();
    });
    ctx.setLineDash([]);
    if (heads.length / 5 <= 4000) {
      /* One path per style: a software canvas pays per fill or stroke call
      ** far more than per shape in a path. */
      var tri = {}, crosses = [];
      for (var i = 0; i < heads.length; i += 5) {
        var st = heads[i], x0 = heads[i + 1], y0 = heads[i + 2], x1 = heads[i + 3], y1 = heads[i + 4];
        if (st === 'drop') crosses.push(x1, y1);
        else if (st !== 'inflight') (tri[st] = tri[st] || []).push(Math.atan2(y1 - y0, x1 - x0), x1, y1);
      }
      Object.keys(tri).forEach(function (st) {
        var p = tri[st];
        ctx.fillStyle = COLORS[st]; ctx.beginPath();
        for (var j = 0; j < p.length; j += 3) {
          var ang = p[j], hx = p[j + 1], hy = p[j + 2];
          ctx.moveTo(hx, hy);
          ctx.lineTo(hx - 7 * Math.cos(ang - 0.4), hy - 7 * Math.sin(ang - 0.4));
          ctx.lineTo(hx - 7 * Math.cos(ang + 0.4), hy - 7 * Math.sin(ang + 0.4));
          ctx.closePath();
        }
        ctx.fill();
      });
      if (crosses.length) {
        ctx.strokeStyle = COLORS.drop; ctx.lineWidth = 2; ctx.beginPath();
        for (var k = 0; k < crosses.length; k += 2) {
          var cx = crosses[k], cy = crosses[k + 1];
          ctx.moveTo(cx - 4, cy - 4); ctx.lineTo(cx + 4, cy + 4); ctx.moveTo(cx + 4, cy - 4); ctx.lineTo(cx - 4, cy + 4);
        }
        ctx.stroke();
      }
    }
    return n;
  }

  /* Writes a mark's label only where the lane has room since the last one
  ** written this frame, so zoomed-out marks do not pile up their text. */
  var labelEnd = {};
  function markLabel(text, x, y, lane) {
    var key = Math.round(y);   /* one row of text, whichever lane writes it */
    if (labelEnd[key] !== undefined && x < labelEnd[key]) return;
    ctx.fillText(text, x, y);
    labelEnd[key] = x + ctx.measureText(text).width + 6;
  }

  var markBatch = null;
  function flushMarks() {
    var t = markBatch.timers, e = markBatch.emits, i;
    ctx.fillStyle = COLORS.timer; ctx.beginPath();
    for (i = 0; i < t.length; i += 2) { ctx.moveTo(t[i], t[i + 1]); ctx.lineTo(t[i] - 3, t[i + 1] - 6); ctx.lineTo(t[i] + 3, t[i + 1] - 6); ctx.closePath(); }
    ctx.fill();
    ctx.fillStyle = COLORS.emit; ctx.beginPath();
    for (i = 0; i < e.length; i += 2) { ctx.moveTo(e[i] + 3, e[i + 1]); ctx.arc(e[i], e[i + 1], 3, 0, 2 * Math.PI); }
    ctx.fill();
  }

  function drawMark(k) {
    var x = xOf(k.t);
    if (k.lane < 0) {
      var top = AXIS_H - view.y, bottom = k.kind === 'invariant' ? H : nodeLanesBottom();
      ctx.strokeStyle = k.kind === 'invariant' ? COLORS.invariant : k.kind === 'heal' ? '#2e7d32' : '#1565c0';
      ctx.lineWidth = k.kind === 'invariant' ? 2 : 1;
      ctx.setLineDash([6, 3]);
      ctx.beginPath(); ctx.moveTo(x, Math.max(top, AXIS_H)); ctx.lineTo(x, bottom); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = ctx.strokeStyle; ctx.font = 'bold 10px sans-serif';
      markLabel(k.label.length > 40 ? k.label.slice(0, 38) + '…' : k.label, x + 3, Math.max(top, AXIS_H) + 10, -1);
      return;
    }
    var lt = laneTop(k.lane), h = model.lanes[k.lane].h, y = lt + h / 2;
    if (lt > H || lt + h < AXIS_H) return;
    switch (k.kind) {
      case 'timer':   /* many: batched, filled in 'flushMarks' */
        if (opts.timers) markBatch.timers.push(x, lt + h - 2);
        break;
      case 'clock':
        ctx.fillStyle = '#fff'; ctx.strokeStyle = COLORS.clock; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.arc(x, y, 6, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
        ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x, y - 4); ctx.moveTo(x, y); ctx.lineTo(x + 3, y); ctx.stroke();
        ctx.fillStyle = COLORS.clock; ctx.font = 'bold 10px sans-serif'; markLabel(k.label, x + 8, lt + 10, k.lane);
        break;
      case 'fault':
        ctx.fillStyle = '#c62828'; ctx.font = 'bold 10px sans-serif';
        ctx.fillRect(x - 1, lt + 2, 2, h - 4);
        markLabel('⚡ ' + k.label, x + 3, lt + h - 4, k.lane);
        break;
      case 'dup':
        ctx.fillStyle = COLORS.dup; ctx.font = 'bold 9px sans-serif'; ctx.fillText('×2', x + 2, y - 3);
        break;
      default:
        markBatch.emits.push(x, lt + 6);
        break;
    }
  }

  function drawSelection(s) {
    ctx.strokeStyle = COLORS.cursor; ctx.lineWidth = 3;
    if (s.kind === 'arrow' || s.kind === 'drop' || s.kind === 'inflight') {
      ctx.beginPath(); ctx.moveTo(xOf(s.t0), laneMid(s.from)); ctx.lineTo(xOf(s.t1), laneMid(s.to)); ctx.stroke();
    } else if (s.kind === 'op') {
      var top = laneTop(s.lane) + model.lanes[s.lane].h / 2 - 7;
      ctx.strokeRect(xOf(s.t0) - 2, top, Math.max(xOf(s.t1) - xOf(s.t0), 2) + 4, 14);
    } else if (s.t !== undefined && s.lane >= 0) {
      ctx.beginPath(); ctx.arc(xOf(s.t), laneMid(s.lane), 8, 0, 2 * Math.PI); ctx.stroke();
    }
  }

  function drawAxis() {
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, AXIS_H);
    ctx.strokeStyle = '#ccc'; ctx.beginPath(); ctx.moveTo(0, AXIS_H - 0.5); ctx.lineTo(W, AXIS_H - 0.5); ctx.stroke();
    var spanMs = (view.t1 - view.t0) / 1e6, raw = spanMs / Math.max(2, (W - LABEL_W) / 110);
    var step = Math.pow(10, Math.floor(Math.log10(raw)));
    if (raw / step >= 5) step *= 5; else if (raw / step >= 2) step *= 2;
    var first = Math.ceil(view.t0 / 1e6 / step) * step;
    ctx.fillStyle = '#444'; ctx.font = '10px sans-serif'; ctx.textAlign = 'center';
    for (var i = 0; i < 200; i++) {
      var ms = first + i * step, x = xOf(ms * 1e6);
      if (x > W) break;
      if (x < LABEL_W) continue;
      ctx.strokeStyle = '#999'; ctx.beginPath(); ctx.moveTo(x, AXIS_H - 6); ctx.lineTo(x, AXIS_H); ctx.stroke();
      ctx.fillText(+ms.toFixed(6) + ' ms', x, AXIS_H - 9);
    }
    ctx.textAlign = 'left';
  }

  function placeLabels() {
    var els = $('labels').children;
    for (var i = 0; i < els.length; i++) {
      var l = model.lanes[i], top = laneTop(i);
      els[i].style.top = top + 'px';
      els[i].style.height = l.h + 'px';
      els[i].style.display = top + l.h < AXIS_H || top > H ? 'none' : 'flex';
    }
  }

  /* ---- interaction ----------------------------------------------------- */

  function setWindow(t0, t1) {
    var minSpan = 1000, tEnd = model.tEnd, span = Math.max(t1 - t0, minSpan);
    var pad = span * 0.5;
    if (span > tEnd + 2 * pad) span = tEnd + 2 * pad;
    t0 = Math.min(Math.max(t0, -pad), tEnd + pad - span);
    view.t0 = t0; view.t1 = t0 + span;
    requestDraw();
  }
  function zoom(factor, atX) {
    var tc = tOf(atX === undefined ? (LABEL_W + W) / 2 : atX);
    setWindow(tc - (tc - view.t0) * factor, tc + (view.t1 - tc) * factor);
  }
  function fit() { setWindow(0, model.tEnd * 1.01); }

  function distToSeg(px, py, x0, y0, x1, y1) {
    var dx = x1 - x0, dy = y1 - y0, l2 = dx * dx + dy * dy;
    var f = l2 ? Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / l2)) : 0;
    var cx = x0 + f * dx - px, cy = y0 + f * dy - py;
    return Math.sqrt(cx * cx + cy * cy);
  }

  /* The item under (px, py): messages and marks first, then bars, spans. */
  function hit(px, py) {
    var slack = (view.t1 - view.t0) / (W - LABEL_W) * 8;
    var t = tOf(px), best = null, bestD = 6;
    var t0 = t - slack, t1 = t + slack;
    [model.arrows, model.drops, model.inflight].forEach(function (a) {
      visible(a, t0, t1, function (m) {
        if (!shown(m) || (m.client && !opts.clientMsgs)) return;
        var x1 = xOf(m.t1), y1 = laneMid(m.to), x0 = xOf(m.t0), y0 = laneMid(m.from);
        if (m.kind === 'drop' && m.t1 === m.t0) { x1 = x0 + 10; y1 = y0 + (y1 - y0) * 0.3; }
        var d = distToSeg(px, py, x0, y0, x1, y1);
        if (d < bestD) { bestD = d; best = m; }
      });
    });
    visible(model.marks, t0, t1, function (k) {
      if (!shown(k) || k.lane < 0 || (k.kind === 'timer' && !opts.timers)) return;
      var d = Math.hypot(xOf(k.t) - px, laneMid(k.lane) - py) - 2;
      if (d < bestD) { bestD = d; best = k; }
    });
    if (best) return best;
    visible(model.bars, t, t, function (b) {
      var y = laneMid(b.lane);
      if (shown(b) && Math.abs(py - y) <= 7) best = b;
    });
    if (best) return best;
    visible(model.spans, t, t, function (s) {
      var b = spanBox(s);
      if (shown(s) && py >= b.top && py <= b.top + b.h) best = s;
    });
    if (!best) {
      visible(model.marks, t0, t1, function (k) { if (k.lane < 0 && shown(k)) best = k; });
    }
    return best;
  }

  function pre(o) { return '<pre>' + esc(JSON.stringify(o, null, 1)) + '</pre>'; }

  function showDetails(it) {
    selected = it;
    var d = $('details-body'), h = '';
    if (!it) { d.innerHTML = 'Nothing here.'; requestDraw(); return; }
    var kindName = { arrow: 'message delivered', drop: 'message dropped', inflight: 'message never arrived', op: 'client operation' };
    h += '<div class="kind">' + esc(kindName[it.kind] || it.kind) + '</div>';
    if (it.msg !== undefined) {
      h += '<div><b>' + esc(it.msg) + '</b> ' + esc(it.send.from) + ' → ' + esc(it.send.to) + (it.dup ? ' (duplicate copy)' : '') + '</div>';
      h += '<div>sent ' + fmtMs(it.t0) + (it.kind === 'inflight' ? '' : ', ' + (it.kind === 'drop' ? 'dropped (' + esc(it.end.why) + ') ' : 'delivered ') + fmtMs(it.t1) + ' (' + fmtMs(it.t1 - it.t0) + ')') + '</div>';
      h += '<div>payload:</div>' + pre(it.send.body || {});
      if (it.end) h += '<div>event:</div>' + pre(it.end);
    } else if (it.kind === 'op') {
      h += '<div><b>' + esc(it.label) + '</b> by ' + esc(it.inv.client) + ' (process ' + it.process + '): <b>' + esc(it.status) + '</b>' + (it.cx ? ' <span style="color:#b00020">· in the counterexample</span>' : '') + '</div>';
      h += '<div>' + fmtMs(it.t0) + ' → ' + (it.cmp ? fmtMs(it.t1) : 'never completed') + '</div>' + pre(it.inv) + (it.cmp ? pre(it.cmp) : '');
    } else {
      h += '<div><b>' + esc(it.label) + '</b></div><div>' + fmtMs(it.t0) + (it.t1 !== it.t0 ? ' → ' + fmtMs(it.t1) : '') + '</div>';
      if (it.e) h += pre(it.e);
      if (it.send) h += '<div>message:</div>' + pre(it.send);
    }
    d.innerHTML = h;
    requestDraw();
  }

  function showEvent(i) {
    var e = model.events[i];
    $('details-body').innerHTML = '<div class="kind">event ' + (i + 1) + ' of ' + model.events.length + ': ' + esc(e.ev) + '</div><div>' + fmtMs(e.t) + '</div>' + pre(e);
  }

  function setCursor(i) {
    cursor = Math.max(-1, Math.min(i, model.events.length - 1));
    selected = null;
    if (cursor >= 0) {
      showEvent(cursor);
      var t = model.events[cursor].t, span = view.t1 - view.t0;
      if (t < view.t0 || t > view.t1) setWindow(t - span * 0.8, t + span * 0.2);
    }
    requestDraw();
  }
  function stopPlay() { if (playing) { clearInterval(playing); playing = null; $('play').classList.remove('on'); $('play').innerHTML = '&#9654;'; } }
  function togglePlay() {
    if (playing) { stopPlay(); return; }
    if (cursor < 0 || cursor >= model.events.length - 1) setCursor(0);
    var rate = +$('speed').value, per = Math.max(1, Math.round(rate / 50));
    $('play').classList.add('on'); $('play').innerHTML = '&#10074;&#10074;';
    playing = setInterval(function () {
      if (cursor >= model.events.length - 1) { stopPlay(); return; }
      setCursor(cursor + per);
    }, 1000 * per / rate);
  }

  function focusBar(b) {
    var span = Math.max((b.t1 - b.t0) * 6, 2e7);
    setWindow(b.t0 - span / 3, b.t0 - span / 3 + span);
    var top = model.lanes[b.lane].top;
    view.y = top - (H - AXIS_H) / 2; clampY();
    showDetails(b);
  }

  function bind() {
    var drag = null;
    canvas.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      if (ev.shiftKey) { view.y += ev.deltaY; clampY(); requestDraw(); return; }
      if (ev.ctrlKey || Math.abs(ev.deltaY) >= Math.abs(ev.deltaX)) {
        var r = canvas.getBoundingClientRect();
        zoom(Math.pow(1.0015, ev.deltaY), ev.clientX - r.left);
      } else {
        var dt = ev.deltaX / (W - LABEL_W) * (view.t1 - view.t0);
        setWindow(view.t0 + dt, view.t1 + dt);
      }
    }, { passive: false });
    canvas.addEventListener('mousedown', function (ev) {
      drag = { x: ev.clientX, y: ev.clientY, t0: view.t0, t1: view.t1, vy: view.y, moved: false };
      canvas.classList.add('dragging');
    });
    window.addEventListener('mousemove', function (ev) {
      if (!drag) return;
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (!drag.moved) return;
      var dt = dx / (W - LABEL_W) * (drag.t1 - drag.t0);
      view.y = drag.vy - dy; clampY();
      setWindow(drag.t0 - dt, drag.t1 - dt);
    });
    window.addEventListener('mouseup', function (ev) {
      if (!drag) return;
      var moved = drag.moved;
      drag = null;
      canvas.classList.remove('dragging');
      if (!moved) {
        var r = canvas.getBoundingClientRect();
        showDetails(hit(ev.clientX - r.left, ev.clientY - r.top));
      }
    });
    window.addEventListener('keydown', function (ev) {
      if (ev.target && (ev.target.tagName === 'INPUT' || ev.target.tagName === 'SELECT')) return;
      var span = view.t1 - view.t0;
      switch (ev.key) {
        case '+': case '=': zoom(0.5); break;
        case '-': zoom(2); break;
        case '0': fit(); break;
        case 'ArrowLeft': setWindow(view.t0 - span / 5, view.t1 - span / 5); break;
        case 'ArrowRight': setWindow(view.t0 + span / 5, view.t1 + span / 5); break;
        case 'ArrowUp': view.y -= 40; clampY(); requestDraw(); break;
        case 'ArrowDown': view.y += 40; clampY(); requestDraw(); break;
        case ' ': togglePlay(); break;
        case '.': stopPlay(); setCursor(cursor + 1); break;
        case ',': stopPlay(); setCursor(cursor - 1); break;
        case 'Escape': stopPlay(); setCursor(-1); break;
        default: return;
      }
      ev.preventDefault();
    });
    $('zoom-in').onclick = function () { zoom(0.5); };
    $('zoom-out').onclick = function () { zoom(2); };
    $('zoom-fit').onclick = fit;
    $('play').onclick = togglePlay;
    $('step').onclick = function () { stopPlay(); setCursor(cursor + 1); };
    $('step-back').onclick = function () { stopPlay(); setCursor(cursor - 1); };
    $('reset').onclick = function () { stopPlay(); setCursor(-1); };
    $('show-timers').onchange = function (ev) { opts.timers = ev.target.checked; requestDraw(); };
    $('show-client-msgs').onchange = function (ev) { opts.clientMsgs = ev.target.checked; requestDraw(); };
    if (window.ResizeObserver) new ResizeObserver(function () { resize(); }).observe($('diagram'));
    else window.addEventListener('resize', resize);
  }

  /* ---- side panel -------------------------------------------------------- */

  function sidePanel() {
    var h = model.header, s = model.summary;
    document.title = 'dsim: ' + h.scenario + ' seed ' + h.seed;
    $('title').textContent = h.scenario + ' · seed ' + h.seed + ' · ' + h.protocol + ' · ' + h.nodes + ' nodes, ' + h.clients + ' clients · ' + model.events.length + ' events';
    var v = $('verdict-list'), html = '';
    var verdicts = s && s.verdicts ? s.verdicts : {};
    Object.keys(verdicts).forEach(function (k) {
      var cls = verdicts[k] === 'ok' ? 'ok' : verdicts[k] === 'fail' ? 'fail' : 'unknown';
      var line = model.verdicts.filter(function (v) { return v.check === k; })[0];
      var rep = line && line.report, why = '';
      if (rep && verdicts[k] !== 'ok') {
        var text = typeof rep.explain === 'string' ? rep.explain : typeof rep.violation === 'string' ? rep.violation
          : linWhy(rep, h.clients | 0);
        why = (text ? ' — ' + esc(text) : '') + '<details><summary>report</summary>' + pre(rep) + '</details>';
      }
      html += '<div class="verdict">' + esc(k) + ': <span class="' + cls + '">' + esc(verdicts[k]) + '</span>' + why + '</div>';
    });
    if (!html) html = model.verdicts.length ? '' : '<div class="verdict">no checks ran</div>';
    if (s) html += '<div class="verdict" style="color:#666">fingerprint ' + esc(s.fingerprint) + '</div>';
    v.innerHTML = html;
    var list = $('cx-list');
    if (model.cx.length) {
      $('cx').classList.add('has');
      model.cx.forEach(function (c) {
        var li = document.createElement('li');
        var b = c.bar;
        li.className = 'cx';
        li.textContent = '[' + c.check + (c.context ? ', context' : '') + '] ' + b.inv.client + ' p' + b.process + ' ' + b.label + ' · ' + b.status +
          (b.cmp && b.cmp.node ? ' from ' + b.cmp.node : '') + ' · ' + fmtMs(b.t0) + (b.cmp ? ' → ' + fmtMs(b.t1) : '');
        li.onclick = function () { focusBar(b); };
        list.appendChild(li);
      });
    }
    var lg = [
      ['line', COLORS.proto, 'protocol message'], ['line', COLORS.client, 'client request / reply'],
      ['line', COLORS.dup, 'duplicate (dashed)'], ['x', COLORS.drop, 'dropped message'],
      ['box', COLORS.ok, 'operation ok'], ['box', COLORS.fail, 'operation fail'], ['box', COLORS.info, 'operation info (unknown)'],
      ['cx', COLORS.cx, 'counterexample operation'], ['box', COLORS.crashed, 'node crashed'], ['box', COLORS.paused, 'node paused'],
      ['tri', COLORS.timer, 'timer fired'], ['clock', COLORS.clock, 'clock change / step'], ['dot', COLORS.emit, 'protocol event'],
      ['box', COLORS.byzantine, 'node Byzantine (band on top)']
    ];
    /* the roles this run shows, then the partition sides (stripes) */
    var roles = model.roles.length ? model.roles : ['leader', 'candidate', 'follower'];
    roles.forEach(function (r, i) { lg.splice(10 + i, 0, ['box', roleColor(r), 'role: ' + r]); });
    lg.splice(10 + roles.length, 0, ['stripe', COLORS.sides[0], 'partition side A'], ['stripe', COLORS.sides[1], 'partition side B']);
    $('legend-body').innerHTML = lg.map(function (x) {
      var st = x[0] === 'line' ? 'height:2px;background:' + x[1] : x[0] === 'cx' ? 'border:3px solid ' + x[1] + ';background:#4caf50'
        : x[0] === 'stripe' ? 'height:5px;margin-top:6px;background:' + x[1]
        : x[0] === 'x' ? 'background:none;color:' + x[1] + ';font-weight:bold;height:auto;text-align:center' : 'background:' + x[1];
      return '<div class="sw" style="' + st + '">' + (x[0] === 'x' ? '✕' : '') + '</div><div>' + esc(x[2]) + '</div>';
    }).join('');
  }

  /* The linearizability report's account in one sentence (as the terminal
  ** report says it): the state, the write that made it, the operation that
  ** could not follow and what ended the state it needed. */
  function linWhy(rep, clients) {
    var p = (rep.partitions || []).filter(function (x) { return x.valid === false && x.why; })[0];
    if (!p) return '';
    var who = function (o) { return clients > 0 ? 'c' + (o.process % clients + 1) : 'process ' + o.process; };
    var what = function (o) {
      return o.f === 'cas' && Array.isArray(o.value) ? 'cas ' + short(o.value[0]) + '→' + short(o.value[1])
        : o.value === null || o.value === undefined ? o.f : o.f + (o.f === 'write' ? ' of ' : ' ') + short(o.value);
    };
    var at = function (o) { return typeof o.complete_time === 'number' ? ' at ' + fmtMs(o.complete_time) : ''; };
    var w = p.why, b = p.fails_at;
    var t = (p.key ? 'key ' + p.key : rep.model && rep.model.indexOf('register') >= 0 ? 'the register' : 'the state') + ' was ' + w.state;
    if (w.set_by) t += ' after ' + who(w.set_by) + "'s " + what(w.set_by) + ' (' + w.set_by.status + (w.set_by.node ? ' from ' + w.set_by.node : '') + at(w.set_by) + ')';
    t += '; ' + who(b) + "'s " + what(b);
    if (w.ended_by && b.f === 'read') t += ' returned ' + short(b.result) + ', a value overwritten' + at(w.ended_by) + ' by ' + who(w.ended_by) + "'s " + what(w.ended_by);
    else if (w.ended_by) t += ' needs ' + w.needs + ', which ended' + at(w.ended_by) + ' with ' + who(w.ended_by) + "'s " + what(w.ended_by);
    else t += ' fits no order of the operations before it';
    return t.charAt(0).toUpperCase() + t.slice(1) + '.';
  }

  function labels() {
    var box = $('labels'), frag = document.createDocumentFragment();
    model.lanes.forEach(function (l) {
      var d = document.createElement('div');
      d.className = 'lane-label ' + l.kind;
      d.dataset.lane = l.name;
      d.textContent = l.name;
      frag.appendChild(d);
    });
    box.appendChild(frag);
  }

  /* ---- start ------------------------------------------------------------- */

  /* The page carries the trace as {rows, shapes} (view_html.c 'put_trace'):
  ** a row is [shape, values...] and becomes the trace line's object again
  ** through one small constructor per shape, which puts the shape's
  ** constants and the row's values back in key order; "t" in a row is the
  ** difference from the previous row's. A row that is an object stays one. */
  function decodeRows(data) {
    if (Array.isArray(data)) return data;
    var make = data.shapes.map(function (sh) {
      var n = 1, body = sh.k.map(function (k) {
        var v = Object.prototype.hasOwnProperty.call(sh.c, k) ? JSON.stringify(sh.c[k]) : k === 't' ? 't' : 'r[' + n++ + ']';
        if (k === 't') n++;
        return JSON.stringify(k) + ':' + v;
      }).join(',');
      var tAt = sh.k.indexOf('t');
      var tIdx = tAt < 0 ? 0 : 1 + sh.k.slice(0, tAt).filter(function (k) { return !Object.prototype.hasOwnProperty.call(sh.c, k); }).length;
      var f;
      try {
        f = new Function('r', 't', 'return {' + body + '};');
      } catch (err) {   /* a page policy without eval: build objects by hand */
        f = function (r, t) {
          var o = {}, n = 1;
          sh.k.forEach(function (k) {
            if (Object.prototype.hasOwnProperty.call(sh.c, k)) o[k] = sh.c[k];
            else { o[k] = k === 't' ? t : r[n]; n++; }
          });
          return o;
        };
      }
      f.tIdx = tIdx;
      return f;
    });
    var rows = data.rows, out = new Array(rows.length), t = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (Array.isArray(r)) {
        var mk = make[r[0]];
        if (mk.tIdx) t += r[mk.tIdx];
        out[i] = mk(r, t);
      } else {
        out[i] = r;
        if (r && typeof r.t === 'number') t = r.t;
      }
    }
    return out;
  }

  function start() {
    var tA = performance.now();
    var lines = decodeRows(JSON.parse($('dsim-trace').textContent));
    var tB = performance.now();
    model = buildModel(lines);
    var tC = performance.now();
    canvas = $('canvas');
    ctx = canvas.getContext('2d');
    labels();
    sidePanel();
    bind();
    view.t0 = 0; view.t1 = model.tEnd * 1.01;
    var win = (document.body.dataset.window || '').split(',').map(Number);
    var cxw = counterexampleWindow(model);
    if (win.length === 2 && win[1] > win[0]) {
      view.t0 = win[0]; view.t1 = win[1];
    } else if (cxw) {
      view.t0 = cxw[0]; view.t1 = cxw[1];
      $('cursor-time').title = 'opened on the counterexample: press fit (or 0) for the whole run';
    } else if (model.arrows.length > OPEN_ARROWS_MAX) {
      /* A big run opens on its beginning: tens of thousands of arrows over
      ** the whole run are a grey mass that costs a second to rasterise.
      ** 'fit' (or 0) shows everything. */
      view.t1 = Math.max(model.arrows[OPEN_ARROWS_MAX].t0, 1e6);
      $('cursor-time').title = 'a big run opens on its beginning: press fit (or 0) for the whole run';
    }
    resize();
    var loadMs = performance.now() - T_START;
    var timing = { parseMs: tB - tA, modelMs: tC - tB, firstDrawMs: performance.now() - tC, scriptMs: loadMs };
    var delivered = model.events.filter(function (e) { return e.ev === 'deliver'; }).length;
    window.dsimView = {
      ready: true,
      loadMs: loadMs,
      timing: timing,
      counts: {
        lanes: model.lanes.length, arrows: model.arrows.length, delivered: delivered, drops: model.drops.length,
        inflight: model.inflight.length, ops: model.bars.length, events: model.events.length,
        counterexample: model.cx.length, marks: model.marks.length, spans: model.spans.length
      },
      lastDraw: function () { return lastDraw; },
      window: function () { return { t0: view.t0, t1: view.t1, tEnd: model.tEnd }; },
      counterexample: function () { return model.cx.map(function (c) { return { client: c.bar.inv.client, process: c.bar.process, t0: c.bar.t0, t1: c.bar.t1, label: c.bar.label, status: c.bar.status }; }); },
      /* Zooms so that arrow 'i' is in view and returns its midpoint in page
      ** coordinates (for a test's click). */
      arrowPoint: function (i) {
        var a = model.arrows[i];
        var span = Math.max((a.t1 - a.t0) * 8, 1e6);
        setWindow(a.t0 - span / 2, a.t0 + span / 2);
        view.y = Math.min(model.lanes[a.from].top, model.lanes[a.to].top) - 10; clampY();
        draw();
        var r = canvas.getBoundingClientRect();
        return { x: r.left + (xOf(a.t0) + xOf(a.t1)) / 2, y: r.top + (laneMid(a.from) + laneMid(a.to)) / 2, msg: a.msg };
      },
      fit: function () { fit(); draw(); },
      setWindow: function (t0, t1) { setWindow(t0, t1); draw(); },
      step: function () { setCursor(cursor + 1); draw(); return cursor; },
      selected: function () { return selected ? selected.kind : null; }
    };
    document.body.dataset.ready = '1';
  }

  try {
    start();
  } catch (err) {
    document.body.innerHTML = '<pre style="color:#b00020;padding:1em">dsim viewer: ' + esc(err && err.stack || err) + '</pre>';
    throw err;
  }
})();
