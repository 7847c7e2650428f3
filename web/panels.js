// panels.js: the live panels.  Every number comes from the kit (web.c's
// panels JSON: the VCPU, the real CPU, the TLB, the report's counters);
// every picture of a table is the debugger's own `dot` export, laid out by
// graphviz built to WebAssembly (Viz.js, loaded the first time it is used).
'use strict';

const Panels = (() => {
  const hex = (v) => '0x' + (v >>> 0).toString(16).padStart(8, '0');
  const body = (name) => document.querySelector(`.panel[data-panel="${name}"] .body`);
  const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;'}[c]));

  function flags(f) {
    return (f & 32 ? 'KM' : 'user') + ' ' + (f & 16 ? 'IE' : 'ie') + ' ' +
           ['Z', 'N', 'C', 'V'].map((n, i) => (f >> i) & 1 ? n : n.toLowerCase()).join('');
  }

  // The guest's view beside the real CPU's: a row differs when the monitor
  // keeps the guest's value apart from what the hardware holds.
  function vcpu(p) {
    const g = p.vcpu, c = p.cpu;
    const rows = [['mode', p.mode, p.mode], ['pc', hex(g.pc), hex(c.pc)], ['flags', flags(g.flags), flags(c.flags)]];
    p.cr_names.forEach((n, i) => rows.push([n, hex(g.cr[i]), hex(c.cr[i])]));
    p.reg_names.forEach((n, i) => rows.push([n, hex(g.r[i]), hex(c.r[i])]));
    body('vcpu').innerHTML = '<table class="regs"><tr><th></th><th>VCPU (the guest\'s view)</th><th>real CPU</th></tr>' +
      rows.map(([n, a, b]) => `<tr class="${a !== b && n !== 'mode' ? 'diff' : ''}"><td>${n}</td><td>${a}</td><td>${b}</td></tr>`).join('') +
      `</table><p class="note">tick ${p.ticks.toLocaleString('en')}; highlighted: the real CPU holds something else than the guest believes.</p>`;
  }

  function tlb(p) {
    const n = p.tlb_hits + p.tlb_misses;
    const perm = (x) => (x & 1 ? 'r' : '-') + (x & 2 ? 'w' : '-') + (x & 4 ? 'x' : '-');
    const rows = p.tlb.map(([i, vpn, ppn, pm, bits, vmid]) =>
      `<tr><td>${i}</td><td>${hex(vpn << 12)}</td><td>${hex(ppn << 12)}</td><td>${perm(pm)} ${perm(pm >> 3)} ${perm(pm >> 6)}</td><td>${bits & 4 ? 'U' : 'K'}${bits & 8 ? 'A' : ''}${bits & 16 ? 'D' : ''}</td><td>${vmid}</td></tr>`);
    body('tlb').innerHTML = `<p>${p.tlb.length} of ${p.tlb_size} entries valid; ` +
      `${p.tlb_hits.toLocaleString('en')} hits, ${p.tlb_misses.toLocaleString('en')} misses` +
      (n ? ` (${(100 * p.tlb_hits / n).toFixed(2)}% hits)` : '') + '</p>' +
      '<table class="tlb"><tr><th>#</th><th>virtual</th><th>host-physical</th><th>perm k/u/mon</th><th>bits</th><th>vmid</th></tr>' +
      rows.join('') + '</table>';
  }

  // Exits (what made the monitor run, by cause) and the guest's traps, as
  // counts per sample: a sample is one panel update.
  let samples = [], last = null;
  const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45',
                  '#fabed4', '#469990', '#9A6324', '#800000', '#808000', '#000075', '#a9a9a9'];
  function exits(p) {
    const now = {};
    for (const [k, v] of Object.entries(p.exits)) now['exit ' + k] = v;
    for (const [k, v] of Object.entries(p.traps)) now['trap ' + k] = v;
    const d = {};
    for (const [k, v] of Object.entries(now)) d[k] = v - (last && last[k] || 0);
    if (!last || p.ticks !== last.__ticks) samples.push({ticks: p.ticks, d});
    if (samples.length > 200) samples.shift();
    last = Object.assign({__ticks: p.ticks}, now);
    const keys = [...new Set(samples.flatMap((s) => Object.keys(s.d)))].sort();
    const cv = document.querySelector('.panel[data-panel="exits"] canvas');
    const ctx = cv.getContext('2d');
    ctx.clearRect(0, 0, cv.width, cv.height);
    const max = Math.max(1, ...samples.map((s) => keys.reduce((a, k) => a + Math.max(0, s.d[k] || 0), 0)));
    const w = cv.width / Math.max(samples.length, 1);
    samples.forEach((s, i) => {
      let y = cv.height;
      keys.forEach((k, j) => {
        const h = (Math.max(0, s.d[k] || 0) / max) * (cv.height - 10);
        ctx.fillStyle = COLORS[j % COLORS.length];
        ctx.fillRect(i * w, y - h, Math.max(w - 1, 1), h);
        y -= h;
      });
    });
    document.querySelector('.panel[data-panel="exits"] .legend').innerHTML = keys.map((k, j) =>
      `<span><i style="background:${COLORS[j % COLORS.length]}"></i>${esc(k)} ${(now[k] || 0).toLocaleString('en')}</span>`).join(' ') +
      `<p class="note">${samples.length} samples; world switches ${p.world_switches.toLocaleString('en')}` +
      (p.translations !== undefined ? `; translations ${p.translations}, TC hits ${p.tc_hits}, misses ${p.tc_misses}` : '') + '</p>';
  }

  let source = null; // 'run' or 'debug': a new source starts a new chart
  function update(p, from) {
    if (from !== source) { samples = []; last = null; source = from; }
    vcpu(p);
    tlb(p);
    exits(p);
  }

  function clear() {
    samples = [];
    last = null;
    for (const n of ['vcpu', 'tlb', 'tables']) body(n).innerHTML = '<p class="note">nothing yet: run or step</p>';
    document.querySelector('.panel[data-panel="tc"] pre').textContent = '';
  }

  // Graphviz, loaded on first use (1.3 MB the page does not need to start).
  let viz = null;
  function loadViz() {
    if (!viz) {
      viz = new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = 'vendor/viz.js';
        s.onload = () => Viz.instance().then(resolve, reject);
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return viz;
  }

  async function tables(r) {
    const b = body('tables');
    if (!r) {
      b.innerHTML = '<p class="note">The tables are drawn from the debugger\'s guest: open the Debug tab ' +
        '(it loads this guest and mode; <code>stepi N</code> brings it to any tick).</p>';
      return;
    }
    if (!r.dot) {
      b.innerHTML = `<pre class="err">${esc(r.text)}</pre>`;
      return;
    }
    const v = await loadViz();
    const svg = v.renderSVGElement(r.dot);
    b.innerHTML = '';
    b.appendChild(svg);
  }

  function tc(text) {
    document.querySelector('.panel[data-panel="tc"] pre').textContent = text;
  }

  return {update, clear, tables, tc};
})();
