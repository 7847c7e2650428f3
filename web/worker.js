// worker.js: the page's worker, where the kit runs (web/web.c's functions).
//
// The build appends this file to the emscripten module (createKit) inside
// one function, kitWorker, and the page starts a worker from that
// function's text: a long run never blocks the page, and nothing is
// fetched, so the site works from a folder as from a web server.
//
// Messages in (from app.js), each {op, ...}:
//   open    {guest, mode, strict, cost, maxSteps, input, keys, live, slice}
//   run     run: in one call (exact, the console streamed at newlines), or
//           live: in slices with the panels after each, until paused
//   pause, step {ticks}, keys {text}
//   panels, tc, table            what the panels draw
//   vdbOpen {guest, mode, strict, cost, input}, vdb {line}, dot {what}
//   assemble {name, src}
// Messages out: ready, out {text}, state {...}, done {...}, reply {id, ...}.

const post = (m) => self.postMessage(m);
let K = null; // the module
let stderrLines = [];
let running = false, pauseAsked = false, opened = null, lastFlush = 0;

function reply() {
  return K.UTF8ToString(K._web_reply());
}

function flushOutput() {
  const text = K.UTF8ToString(K._web_run_output());
  if (text) post({op: 'out', text});
  lastFlush = Date.now();
}

function open(m) {
  opened = m;
  const rc = K.ccall('web_run_open', 'number', ['string', 'string', 'number', 'string', 'number', 'number'],
                     [m.guest, m.mode, m.strict ? 1 : 0, m.cost, m.maxSteps || 0, 64]);
  if (rc) return post({op: 'done', status: rc, stderr: reply(), json: '', ticks: 0});
  if (m.input) {
    const bytes = K.FS.readFile(m.input);
    const p = K._malloc(bytes.length);
    K.HEAPU8.set(bytes, p);
    K._web_run_input(p, bytes.length, m.keys ? 0 : 1);
    K._free(p);
  } else if (!m.keys) {
    K._web_run_input(0, 0, 1); // no input: at its end from the start, as < /dev/null
  }
  post({op: 'state', ticks: 0, running: false, over: false});
}

function finish() {
  flushOutput();
  stderrLines = [];
  const status = K.ccall('web_run_finish', 'number', ['string'], ['/work/stats.json']);
  const json = K.FS.readFile('/work/stats.json', {encoding: 'utf8'});
  post({op: 'done', status, stderr: stderrLines.map((l) => l + '\n').join(''), json,
        ticks: K._web_run_ticks(), table: K.UTF8ToString(K._web_run_table())});
}

function panels() {
  return K.UTF8ToString(K._web_run_panels());
}

// A live run: a slice, the output and panels, then the event loop (where a
// pause may arrive), then the next slice.
function liveLoop() {
  if (pauseAsked) {
    running = false;
    pauseAsked = false;
    flushOutput();
    return post({op: 'state', ticks: K._web_run_ticks(), running: false, over: false, panels: panels()});
  }
  const t0 = performance.now();
  const more = K._web_run_slice(opened.slice || 200000);
  flushOutput();
  post({op: 'state', ticks: K._web_run_ticks(), running: more === 1, over: more === 0, panels: panels(),
        ms: performance.now() - t0});
  if (!more) {
    running = false;
    return finish();
  }
  setTimeout(liveLoop, 0);
}

function runExact() {
  // One call: the guest runs as under bin/vmm; the console streams out.
  const t0 = performance.now();
  K._web_run_slice(0);
  const ms = performance.now() - t0;
  running = false;
  post({op: 'state', ticks: K._web_run_ticks(), running: false, over: true, panels: panels(), ms});
  finish();
}

function vdbOpen(m) {
  const rc = K.ccall('web_vdb_open', 'number', ['string', 'string', 'number', 'string', 'string'],
                     [m.guest, m.mode, m.strict ? 1 : 0, m.cost, m.input || '']);
  return {rc, text: reply(), panels: K.UTF8ToString(K._web_vdb_panels())};
}

function vdbExec(line) {
  const rc = K.ccall('web_vdb_exec', 'number', ['string'], [line]);
  return {rc, text: reply(), panels: K.UTF8ToString(K._web_vdb_panels()), ticks: K._web_vdb_ticks()};
}

const handlers = {
  open(m) { open(m); },
  run() {
    if (running) return;
    running = true;
    if (opened.live || opened.keys) setTimeout(liveLoop, 0);
    else runExact();
  },
  pause() { if (running) pauseAsked = true; },
  step(m) {
    if (running) return;
    const more = K._web_run_slice(m.ticks);
    flushOutput();
    post({op: 'state', ticks: K._web_run_ticks(), running: false, over: !more, panels: panels()});
    if (!more) finish();
  },
  keys(m) {
    const bytes = new TextEncoder().encode(m.text);
    const p = K._malloc(bytes.length);
    K.HEAPU8.set(bytes, p);
    K._web_run_input(p, bytes.length, 0);
    K._free(p);
  },
  panels(m) { post({op: 'reply', id: m.id, panels: panels()}); },
  tc(m) { post({op: 'reply', id: m.id, text: K.UTF8ToString(K._web_run_tc())}); },
  table(m) { post({op: 'reply', id: m.id, text: K.UTF8ToString(K._web_run_table())}); },
  vdbOpen(m) { post(Object.assign({op: 'reply', id: m.id}, vdbOpen(m))); },
  vdb(m) { post(Object.assign({op: 'reply', id: m.id}, vdbExec(m.line))); },
  dot(m) {
    const r = vdbExec('dot ' + m.what + ' /work/panel.dot');
    let dot = '';
    try { dot = K.FS.readFile('/work/panel.dot', {encoding: 'utf8'}); K.FS.unlink('/work/panel.dot'); } catch (e) {}
    post({op: 'reply', id: m.id, rc: r.rc, text: r.text, dot});
  },
  assemble(m) {
    const out = '/work/' + m.name.replace(/\.s$/, '') + '.img';
    const rc = K.ccall('web_assemble', 'number', ['string', 'string', 'string'], [m.name, m.src, out]);
    post({op: 'reply', id: m.id, rc, diag: reply(), image: out});
  },
};

self.onmessage = (e) => {
  const h = handlers[e.data.op];
  if (!h) return post({op: 'error', text: 'unknown op ' + e.data.op});
  try {
    h(e.data);
  } catch (err) {
    running = false;
    post({op: 'error', text: String(err && err.stack || err)});
  }
};

createKit({
  print: (s) => post({op: 'out', text: s + '\n'}),
  printErr: (s) => stderrLines.push(s),
  onConsoleLine: () => { if (Date.now() - lastFlush > 40) flushOutput(); },
}).then((mod) => {
  K = mod;
  K.FS.mkdir('/work');
  K.FS.chdir('/guests');
  post({op: 'ready', guests: K.FS.readdir('/guests').filter((n) => n.endsWith('.img')).sort(),
        tbl: K.FS.readFile('/guests/guests.tbl', {encoding: 'utf8'})});
});
