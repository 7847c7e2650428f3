// app.js: the page: the setup bar, the three tabs (run, debug, write), the
// share link.  The kit itself runs in a worker (worker.js); this file only
// sends it requests and shows what comes back.  panels.js draws the panels.
'use strict';

const $ = (id) => document.getElementById(id);
const MODES = { // the page's mode menu -> the kit's mode and --isa strict
  native: ['native', false], trap: ['trap', false], 'trap-strict': ['trap', true],
  bt: ['bt', false], hw: ['hw', false], 'hw-shadow': ['hw-shadow', false],
};

// ---- the worker: started from kitWorker's text (works from file:// too) ----
const worker = new Worker(URL.createObjectURL(
  new Blob(['(' + kitWorker.toString() + ')()'], {type: 'text/javascript'})));
let nextId = 1;
const waiting = new Map();
function ask(op, args) { // a request with one reply
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    worker.postMessage(Object.assign({op, id}, args || {}));
  });
}

const state = {
  ready: false, guests: [], inputs: {}, budgets: {}, mine: null,
  running: false, over: false, ticks: 0, tab: 'run', vdbOpen: null, done: null,
};
window.kitState = state; // for web/check.js

// ---- the terminal ----
const term = new Terminal({convertEol: true, rows: 24, cols: 80, fontSize: 13,
                           theme: {background: '#101418'}, scrollback: 5000});
term.open($('term'));
let termText = ''; // everything the guest printed in this run (web-check compares it)
window.kitTerminalText = () => termText;
term.onData((d) => {
  if ($('input').value !== 'keys' || !state.running) return;
  const text = d.replace(/\r/g, '\n');
  term.write(text.replace(/\x7f/g, '\b \b'));
  worker.postMessage({op: 'keys', text: text.replace(/\x7f/g, '\b')});
});

worker.onmessage = (e) => {
  const m = e.data;
  if (m.op === 'reply') {
    const f = waiting.get(m.id);
    waiting.delete(m.id);
    if (f) f(m);
  } else if (m.op === 'out') {
    termText += m.text;
    term.write(m.text);
  } else if (m.op === 'state') {
    Object.assign(state, {running: m.running, over: m.over, ticks: m.ticks});
    if (m.panels && state.tab !== 'debug') Panels.update(JSON.parse(m.panels), 'run');
    showStatus();
  } else if (m.op === 'done') {
    state.running = false;
    state.over = true;
    state.done = m;
    $('stats-json').textContent = m.json;
    $('stats-err').textContent = m.stderr + (m.table ? '\n' + m.table : '');
    showStatus();
    if (state.tab !== 'debug') refreshTextPanels();
  } else if (m.op === 'ready') {
    setUp(m);
  } else if (m.op === 'error') {
    $('status').textContent = 'error: ' + m.text;
  }
};

function showStatus() {
  const d = state.done;
  let s = state.running ? 'running' : state.over ? 'finished' : 'ready';
  s += ', ' + state.ticks.toLocaleString('en') + ' ticks';
  if (state.over && d) s += ', exit status ' + d.status;
  $('status').textContent = s;
  $('b-pause').disabled = !state.running;
}

// ---- the setup bar ----
function setUp(m) {
  state.guests = m.guests;
  // guests.tbl: NAME MODES MAX_STEPS [INPUT] per guest test
  for (const line of m.tbl.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (!w[0] || w[0].startsWith('#') || w.length < 3) continue;
    state.budgets['test-' + w[0] + '.img'] = w[2];
    if (w[3]) state.inputs['test-' + w[0] + '.img'] = '/guests/' + w[3].split('/').pop();
  }
  const sel = $('guest');
  for (const g of m.guests) sel.add(new Option(g.replace(/\.img$/, ''), g));
  for (const [name] of Object.entries(Examples)) $('example').add(new Option('example: ' + name, name));
  sel.value = m.guests.includes('guestos.img') ? 'guestos.img' : m.guests[0];
  loadExample(Object.keys(Examples)[0]);
  state.ready = true;
  fromHash();
}

function setup() {
  const [mode, strict] = MODES[$('mode').value];
  const guest = $('guest').value;
  const input = $('input').value;
  const max = $('maxsteps').value.trim();
  return {guest, mode, strict, cost: $('cost').value, maxSteps: max ? Number(max) : 0,
          input: input === 'file' ? state.inputs[guest] || '' : '', keys: input === 'keys',
          live: $('live').checked, slice: 200000};
}

function reset() {
  term.reset();
  termText = '';
  state.done = null;
  state.over = false;
  state.ticks = 0;
  $('stats-json').textContent = '';
  $('stats-err').textContent = '';
  Panels.clear();
  worker.postMessage(Object.assign({op: 'open'}, setup()));
  if (state.tab === 'debug') openDebugger();
}

// A guest test has its budget and its input in guests.tbl: offer them.
$('guest').onchange = () => {
  const g = $('guest').value;
  $('maxsteps').value = state.budgets[g] || '';
  if ($('input').value === 'file' && !state.inputs[g]) $('input').value = 'none';
  reset();
};
for (const id of ['mode', 'cost', 'input', 'maxsteps', 'live']) $(id).onchange = reset;

$('b-run').onclick = () => {
  if (state.over) reset();
  if ($('input').value === 'keys') term.focus();
  state.running = true;
  showStatus();
  worker.postMessage({op: 'run'});
};
$('b-pause').onclick = () => worker.postMessage({op: 'pause'});
$('b-step').onclick = () => worker.postMessage({op: 'step', ticks: Number($('stepn').value) || 1});
$('b-reset').onclick = reset;

// ---- tabs ----
for (const b of document.querySelectorAll('#tabs button')) {
  b.onclick = () => showTab(b.dataset.tab);
}
function showTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('on', b.dataset.tab === tab);
  for (const t of document.querySelectorAll('.tab')) t.classList.toggle('on', t.id === 'tab-' + tab);
  if (tab === 'debug' && !state.vdbOpen) openDebugger();
  if (tab === 'run') { term.focus(); refreshTextPanels(); }
}

// ---- debug: the debugger's command language, through vdb_exec ----
function vdbShow(text, cls) {
  const out = $('vdb-out');
  const span = document.createElement('span');
  if (cls) span.className = cls;
  span.textContent = text;
  out.appendChild(span);
  out.scrollTop = out.scrollHeight;
}

async function openDebugger() {
  const s = setup();
  state.vdbOpen = s;
  $('vdb-out').textContent = '';
  const r = await ask('vdbOpen', {guest: s.guest, mode: s.mode, strict: s.strict, cost: s.cost, input: s.input});
  vdbShow(r.text);
  if (r.panels) Panels.update(JSON.parse(r.panels), 'debug');
  refreshTextPanels();
  return r;
}

async function vdb(line) {
  if (!state.vdbOpen) await openDebugger();
  const bp = /^\s*(?:b|br|break|tbreak)\s+(\S+)/.exec(line);
  if (bp) state.lastBreak = bp[1]; // for the share link
  vdbShow('(vdb) ' + line + '\n', 'cmd');
  const r = await ask('vdb', {line});
  vdbShow(r.text, r.rc ? 'err' : '');
  if (r.panels) Panels.update(JSON.parse(r.panels), 'debug');
  refreshTextPanels();
  return r;
}
window.vdb = vdb;

const cmdHistory = [];
let histPos = 0;
$('vdb-in').onkeydown = (e) => {
  if (e.key === 'Enter') {
    const line = $('vdb-in').value;
    if (line.trim()) cmdHistory.push(line);
    histPos = cmdHistory.length;
    $('vdb-in').value = '';
    vdb(line);
  } else if (e.key === 'ArrowUp' && histPos > 0) {
    $('vdb-in').value = cmdHistory[--histPos];
  } else if (e.key === 'ArrowDown' && histPos < cmdHistory.length) {
    $('vdb-in').value = cmdHistory[++histPos] || '';
  }
};
for (const b of document.querySelectorAll('#vdb-quick button')) b.onclick = () => vdb(b.dataset.cmd);

// ---- the panels that are text from the kit: tables (graphviz), TC ----
async function refreshTextPanels() {
  const debug = state.tab === 'debug';
  if (debug && state.vdbOpen) {
    const what = $('dotwhat').value;
    Panels.tables(await ask('dot', {what}));
    Panels.tc((await ask('vdb', {line: 'info tc'})).text);
  } else {
    const tc = await ask('tc');
    Panels.tc(tc.text || 'The translation cache exists under --mode bt: choose mode bt.');
    Panels.tables(null);
  }
}
$('dotwhat').onchange = refreshTextPanels;
window.refreshTextPanels = refreshTextPanels;

// ---- write: vasm in the page ----
function loadExample(name) {
  $('src').value = Examples[name];
  $('srcname').value = name + '.s';
  gutter();
}
$('example').onchange = () => loadExample($('example').value);
function gutter(marks) {
  const n = $('src').value.split('\n').length;
  const lines = [];
  for (let i = 1; i <= n; i++) lines.push(marks && marks.has(i) ? '!' + i : String(i));
  $('gutter').innerHTML = lines.map((l) => l.startsWith('!') ? '<b>' + l.slice(1) + '</b>' : l).join('\n');
}
$('src').oninput = () => gutter();
$('src').onscroll = () => { $('gutter').scrollTop = $('src').scrollTop; };

async function assemble() {
  const name = $('srcname').value.replace(/[^A-Za-z0-9_.-]/g, '') || 'prog.s';
  const r = await ask('assemble', {name, src: $('src').value});
  $('diag').textContent = r.diag || 'assembled: ' + r.image;
  $('diag').className = r.rc ? 'err' : '';
  const marks = new Set();
  for (const m of (r.diag || '').matchAll(/^[^:\n]+:(\d+):\d+: error:/gm)) marks.add(Number(m[1]));
  gutter(marks);
  if (r.rc) return r;
  // The program joins the guest menu and runs at once.
  if (![...$('guest').options].some((o) => o.value === r.image)) $('guest').add(new Option(name + ' (yours)', r.image));
  $('guest').value = r.image;
  $('maxsteps').value = '';
  reset();
  showTab('run');
  $('b-run').click();
  return r;
}
$('b-asm').onclick = assemble;
window.assemble = assemble;

// ---- share: #guest=G&mode=M[&cost=C][&break=WHERE][&tab=T][&dot=D][&live=1][&run=1] ----
window.hashOf = hashOf;
function hashOf() {
  const p = new URLSearchParams();
  p.set('guest', $('guest').value.replace(/\.img$/, ''));
  p.set('mode', $('mode').value);
  if ($('cost').value !== 'modern') p.set('cost', $('cost').value);
  const bp = (state.lastBreak || '').trim();
  if (bp) p.set('break', bp);
  if (state.tab !== 'run') p.set('tab', state.tab);
  if ($('dotwhat').value !== 'pt') p.set('dot', $('dotwhat').value);
  if ($('live').checked) p.set('live', '1');
  return '#' + p.toString();
}
$('b-share').onclick = async () => {
  const url = location.href.replace(/#.*$/, '') + hashOf();
  history.replaceState(null, '', hashOf());
  try { await navigator.clipboard.writeText(url); $('status').textContent = 'link copied'; } catch (e) {
    $('status').textContent = url;
  }
};
// Open the scenario a link names: guest, mode, cost, tab; with a
// breakpoint, the debugger stops there.
async function fromHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const g = p.get('guest');
  if (g && state.guests.includes(g + '.img')) $('guest').value = g + '.img';
  if (p.get('mode') && MODES[p.get('mode')]) $('mode').value = p.get('mode');
  if (p.get('cost')) $('cost').value = p.get('cost');
  if (p.get('dot')) $('dotwhat').value = p.get('dot');
  $('live').checked = p.get('live') === '1';
  $('maxsteps').value = state.budgets[$('guest').value] || '';
  reset();
  const bp = p.get('break');
  if (bp) {
    showTab('debug');
    await vdb('break ' + bp);
    await vdb('continue');
  } else if (p.get('tab')) {
    showTab(p.get('tab'));
  }
  if (p.get('run') === '1') $('b-run').click();
  state.scenarioReady = true;
}
window.addEventListener('hashchange', () => { state.vdbOpen = null; fromHash(); });
