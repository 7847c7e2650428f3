// check.js: make web-check.  Headless Chromium against build/web, opened
// from the folder (file://), as a student would open a copy:
//
//   1. the site: its size (under 5 MB) and the time until the page is
//      interactive (under 2 s, the median of three loads);
//   2. equivalence: every bundled guest in every mode of the page's menu,
//      run through the page's own controls, against bin/vmm with the same
//      options: the console bytes, the stats JSON (its host-time fields
//      aside), the exit status and bin/vmm's stderr, each byte for byte;
//   3. a live run (slices, panels redrawn) paused and resumed: the same
//      console bytes, the page answering all along; live runs under each
//      monitor end with bin/vmm's counters (slices are pauses, not exits);
//   4. the editor: a program with an error shows vasm's own diagnostic,
//      the one bin/vasm prints, at its line; a good one runs at once;
//   5. the debugger: commands through vdb_exec print what bin/vdb prints;
//      the Share button's link and each of the deck's live-demo links
//      open their guest, mode and breakpoint, stopped there;
//   6. every panel renders (the tables through graphviz);
//   7. the screenshots docs/web.md shows, into docs/web/.
// The closing line counts the checks: "N passed, M failed".
'use strict';

const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {TOP, launch, openSite, pageRun} = require('./browser');

const GUESTS = path.join(TOP, 'build/guests');
const SHOTS = path.join(TOP, 'docs/web');
const MODES = {native: ['native'], trap: ['trap'], 'trap-strict': ['trap', '--isa', 'strict'],
               bt: ['bt'], hw: ['hw'], 'hw-shadow': ['hw-shadow']};
let passed = 0, failed = 0;

function check(ok, what, detail) {
  if (ok) passed++;
  else {
    failed++;
    console.log('FAIL ' + what + (detail ? '\n' + detail : ''));
  }
  return ok;
}

// Host time differs between any two runs: the only fields compared loosely.
const untimed = (s) => s.replace(/"(host_seconds|translate_seconds)": [0-9.e+-]+/g, '"$1": 0');

function firstDiff(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `first difference at byte ${i}: page ${JSON.stringify(a.slice(i, i + 60))}, ` +
         `bin/vmm ${JSON.stringify(b.slice(i, i + 60))}`;
}

// guests.tbl: the guest tests' budgets and inputs, as the page reads them.
function guestTable() {
  const t = {};
  for (const line of fs.readFileSync(path.join(TOP, 'tests/guests/guests.tbl'), 'utf8').split('\n')) {
    const w = line.trim().split(/\s+/);
    if (!w[0] || w[0].startsWith('#') || w.length < 3) continue;
    t['test-' + w[0] + '.img'] = {maxSteps: w[2], input: w[3] ? path.join(TOP, w[3]) : null};
  }
  return t;
}

function vmm(guest, mode, maxSteps, input) {
  const json = path.join(os.tmpdir(), 'vkit-web-check.json');
  const args = ['--mode', ...MODES[mode], ...(maxSteps ? ['--max-steps', maxSteps] : []), '--stats-json', json, guest];
  fs.rmSync(json, {force: true});
  const cwd = guest === 'loop-reg.img' ? path.join(TOP, 'build/bench') : GUESTS;
  const r = cp.spawnSync(path.join(TOP, 'bin/vmm'), args,
                         {cwd, input: input ? fs.readFileSync(input) : '', maxBuffer: 64 << 20});
  return {out: r.stdout.toString('latin1'), err: r.stderr.toString(), status: r.status,
          json: fs.existsSync(json) ? fs.readFileSync(json, 'utf8') : ''};
}

async function equivalence(page, guests) {
  const tbl = guestTable();
  const summary = [];
  for (const g of guests) {
    for (const mode of Object.keys(MODES)) {
      const t = tbl[g] || {};
      const mine = await pageRun(page, {guest: g, mode, maxSteps: t.maxSteps, input: t.input ? 'file' : 'none'});
      const ref = vmm(g, mode, t.maxSteps, t.input);
      const what = `${g} --mode ${MODES[mode].join(' ')}`;
      const ok = check(mine.out === ref.out, what + ': console output', firstDiff(mine.out, ref.out)) &
                 check(untimed(mine.json) === untimed(ref.json), what + ': stats JSON',
                       firstDiff(untimed(mine.json), untimed(ref.json))) &
                 check(mine.status === ref.status, what + ': exit status', `page ${mine.status}, bin/vmm ${ref.status}`) &
                 check(mine.stderr === ref.err, what + ': stderr', firstDiff(mine.stderr, ref.err));
      summary.push({guest: g, mode, ok: !!ok, status: ref.status, ticks: mine.ticks, bytes: ref.out.length});
    }
  }
  return summary;
}

async function main() {
  const t0 = Date.now();
  const errors = [];
  fs.mkdirSync(SHOTS, {recursive: true});
  const {browser, close} = await launch();
  try {
    // ---- 1. the site ----
    const size = Number(cp.execSync('du -sb ' + path.join(TOP, 'build/web')).toString().split(/\s/)[0]);
    check(size < 5e6, 'build/web is under 5 MB', `${size} bytes`);
    const loads = [];
    for (let i = 0; i < 3; i++) {
      const {page, ms} = await openSite(browser, '', errors);
      loads.push(ms);
      await page.close();
    }
    loads.sort((a, b) => a - b);
    check(loads[1] < 2000, 'the page is interactive in under 2 s', `${loads.join(', ')} ms`);
    console.log(`site: ${(size / 1e6).toFixed(2)} MB; interactive after ${loads.join(', ')} ms (median ${loads[1]})`);

    const {page} = await openSite(browser, '', errors);
    const guests = await page.evaluate(() => kitState.guests);
    // Every image make builds for one guest (the multi-guest test images
    // aside: they run several at once; and the paravirtual builds, which
    // need --pv, an option the page does not offer), and make bench's
    // register loop.
    const want = fs.readdirSync(GUESTS).filter((n) => /^(guestos|bench-|test-).*\.img$/.test(n) && !/-pv\.img$/.test(n))
      .concat(['loop-reg.img']);
    check(want.sort().join() === guests.slice().sort().join(), 'the page bundles every guest',
          `page: ${guests.join(' ')}\nbuild: ${want.join(' ')}`);

    // ---- 2. equivalence ----
    const eq = await equivalence(page, guests);
    const good = eq.filter((e) => e.ok).length;
    console.log(`equivalence: ${good} of ${eq.length} runs (${guests.length} guests x ${Object.keys(MODES).length} modes) ` +
                'byte-identical to bin/vmm: console, stats JSON less host time, exit status, stderr');

    // ---- 3. a live run, paused and resumed ----
    await page.evaluate(() => {
      const $ = (id) => document.getElementById(id);
      $('guest').value = 'loop-reg.img';
      $('mode').value = 'native';
      $('maxsteps').value = '';
      $('input').value = 'none';
      $('live').checked = true;
      $('live').dispatchEvent(new Event('change'));
      kitState.done = null;
      $('b-run').click();
    });
    await page.waitForFunction('kitState.ticks > 0 && kitState.running', {timeout: 20000});
    // The page answers while the guest runs: a round trip in well under a second.
    const lag = [];
    for (let i = 0; i < 5; i++) {
      const s = Date.now();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
      lag.push(Date.now() - s);
    }
    check(Math.max(...lag) < 500, 'the page answers during a live run', lag.join(' ms, ') + ' ms');
    await page.click('#b-pause');
    await page.waitForFunction('!kitState.running', {timeout: 10000});
    const paused = await page.evaluate(() => kitState.ticks);
    check(paused > 0 && paused < 400001811, 'pause stops a live run midway', `at tick ${paused}`);
    await page.screenshot({path: path.join(SHOTS, 'live.png')});
    await page.click('#b-run');
    await page.waitForFunction('kitState.done', {timeout: 120000});
    const live = await page.evaluate(() => ({out: kitTerminalText(), json: kitState.done.json}));
    const ref = vmm('loop-reg.img', 'native', null, null);
    check(live.out === ref.out && untimed(live.json) === untimed(ref.json),
          'a live native run, paused and resumed, ends as bin/vmm\'s', firstDiff(untimed(live.json), untimed(ref.json)));
    // Under a monitor too: a slice's end is a watcher's pause, not a
    // preemption (vmm/core/mode.h), so a run in slices counts no more.
    for (const mode of ['trap-strict', 'bt', 'hw', 'hw-shadow']) {
      const mine = await pageRun(page, {guest: 'guestos.img', mode, live: true});
      const want = vmm('guestos.img', mode, null, null);
      check(mine.out === want.out && untimed(mine.json) === untimed(want.json),
            `a live guestos.img --mode ${MODES[mode].join(' ')} run, in slices, ends with bin/vmm's counters`,
            firstDiff(untimed(mine.json), untimed(want.json)));
    }

    // ---- 4. the editor ----
    const bad = '        .org 0x1000\n_start: li   r1, 1\n        addx r1, r1, 2\n        halt zero\n';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vkit-web-asm-'));
    fs.writeFileSync(path.join(dir, 'broken.s'), bad);
    const vasm = cp.spawnSync(path.join(TOP, 'bin/vasm'), ['broken.s', '-o', 'broken.img'], {cwd: dir});
    fs.rmSync(dir, {recursive: true, force: true});
    await page.evaluate(() => document.querySelector('#tabs button[data-tab="write"]').click());
    const asmBad = await page.evaluate(async (src) => {
      document.getElementById('src').value = src;
      document.getElementById('srcname').value = 'broken.s';
      const r = await assemble();
      return {rc: r.rc, diag: document.getElementById('diag').textContent,
              marked: [...document.querySelectorAll('#gutter b')].map((b) => b.textContent)};
    }, bad);
    check(vasm.status === 65 && asmBad.rc === vasm.status, 'a program with an error does not assemble, as with bin/vasm (status 65)',
          `bin/vasm ${vasm.status}, the page ${asmBad.rc}`);
    check(asmBad.diag === vasm.stderr.toString(), 'the diagnostic is bin/vasm\'s, byte for byte',
          firstDiff(asmBad.diag, vasm.stderr.toString()));
    check(asmBad.marked.join() === '3', 'the editor marks the line of the error', asmBad.marked.join());
    await page.screenshot({path: path.join(SHOTS, 'write.png')});
    for (const name of await page.evaluate(() => Object.keys(Examples))) {
      const r = await page.evaluate(async (name) => {
        document.getElementById('example').value = name;
        document.getElementById('example').dispatchEvent(new Event('change'));
        kitState.done = null;
        const a = await assemble();
        while (!kitState.done) await new Promise((r) => setTimeout(r, 5));
        return {rc: a.rc, out: kitTerminalText(), status: kitState.done.status};
      }, name);
      check(r.rc === 0 && r.status === 0 && r.out.length > 0, `example ${name} assembles and runs`, JSON.stringify(r));
    }

    // ---- 5. the debugger, and a share link ----
    const cmds = ['break sys_write', 'continue', 'info registers', 'stepi 3', 'reverse-stepi', 'x/4i $pc',
                  'info vcpu', 'info tlb', 'info traps', 'print $pc'];
    const vdbArgs = ['--batch', '--mode', 'trap', '--isa', 'strict', ...cmds.flatMap((c) => ['-ex', c]), 'guestos.img'];
    const vdbRef = cp.spawnSync(path.join(TOP, 'bin/vdb'), vdbArgs, {cwd: GUESTS, input: ''});
    const dbg = await page.evaluate(async (cmds) => {
      const $ = (id) => document.getElementById(id);
      $('guest').value = 'guestos.img';
      $('mode').value = 'trap-strict';
      $('maxsteps').value = '';
      $('input').value = 'none';
      $('live').checked = false;
      $('live').dispatchEvent(new Event('change'));
      document.querySelector('#tabs button[data-tab="debug"]').click();
      await new Promise((r) => setTimeout(r, 300));
      let text = '', rcs = [];
      for (const c of cmds) {
        const r = await vdb(c);
        text += r.text;
        rcs.push(r.rc);
      }
      return {text, rcs};
    }, cmds);
    check(vdbRef.status === 0 && dbg.rcs.every((r) => r === 0), 'the debugger\'s commands succeed in the page and in bin/vdb',
          dbg.rcs.join() + ' / ' + vdbRef.stderr);
    check(dbg.text === vdbRef.stdout.toString(), 'the debugger prints what bin/vdb prints',
          firstDiff(dbg.text, vdbRef.stdout.toString()));
    await page.evaluate(() => refreshTextPanels());
    await page.waitForSelector('.panel[data-panel="tables"] svg', {timeout: 30000});
    await page.screenshot({path: path.join(SHOTS, 'debug.png'), fullPage: true});

    // ---- 6. every panel ----
    for (const what of ['pt', 'shadow', 'tlb']) {
      const n = await page.evaluate(async (what) => {
        document.getElementById('dotwhat').value = what;
        await refreshTextPanels();
        const svg = document.querySelector('.panel[data-panel="tables"] svg');
        return svg ? svg.querySelectorAll('g.node').length : -1;
      }, what);
      check(n > 0, `the tables panel draws dot ${what} through graphviz`, `${n} nodes`);
    }
    const panels = await page.evaluate(() => ({
      vcpu: document.querySelectorAll('.panel[data-panel="vcpu"] tr').length,
      tlb: document.querySelectorAll('.panel[data-panel="tlb"] tr').length,
      exits: document.querySelectorAll('.panel[data-panel="exits"] .legend span').length,
    }));
    check(panels.vcpu >= 29 && panels.tlb > 1 && panels.exits > 0, 'the VCPU, TLB and exits panels render',
          JSON.stringify(panels));
    // The translation cache under bt, from a run.
    await page.evaluate(() => document.querySelector('#tabs button[data-tab="run"]').click());
    await pageRun(page, {guest: 'guestos.img', mode: 'bt'});
    await page.waitForFunction(() => /^block 0x/m.test(document.querySelector('.panel[data-panel="tc"] pre').textContent),
                               {timeout: 10000}).catch(() => {});
    const tc = await page.evaluate(() => document.querySelector('.panel[data-panel="tc"] pre').textContent);
    check(tc.length > 1000, 'the translation cache panel shows guest blocks and translations under bt', tc.slice(0, 200));
    await page.screenshot({path: path.join(SHOTS, 'run.png')});

    // Share links: the Share button's, then every one of the deck's live demos.
    const made = await page.evaluate(async () => {
      document.getElementById('guest').value = 'guestos.img';
      document.getElementById('mode').value = 'hw';
      document.getElementById('mode').dispatchEvent(new Event('change'));
      document.querySelector('#tabs button[data-tab="debug"]').click();
      document.getElementById('dotwhat').value = 'pt';
      await vdb('break sys_write');
      return hashOf();
    });
    check(made === '#guest=guestos&mode=hw&break=sys_write&tab=debug', 'the Share button names guest, mode and breakpoint', made);
    const links = [made];
    for (const m of fs.readFileSync(path.join(TOP, 'slides/deck.md'), 'utf8').matchAll(/\]\(\.\.\/web\/index\.html(#[^)]*)\)/g)) links.push(m[1]);
    check(links.length >= 6, 'the deck links its live demos to the page', links.join(' '));
    for (const hash of links) {
      const p = new URLSearchParams(hash.slice(1));
      const shared = await openSite(browser, hash, errors);
      if (p.get('run')) await shared.page.waitForFunction('kitState.done', {timeout: 120000});
      if (p.get('dot')) await shared.page.waitForSelector('.panel[data-panel="tables"] svg', {timeout: 30000});
      const s = await shared.page.evaluate(() => ({guest: document.getElementById('guest').value,
                                                   mode: document.getElementById('mode').value,
                                                   dot: document.getElementById('dotwhat').value,
                                                   status: kitState.done && kitState.done.status,
                                                   out: document.getElementById('vdb-out').textContent}));
      const ok = s.guest === p.get('guest') + '.img' && s.mode === p.get('mode') &&
                 (!p.get('break') || new RegExp('Breakpoint 1, .*<' + p.get('break') + '>').test(s.out)) &&
                 (!p.get('dot') || s.dot === p.get('dot')) && (!p.get('run') || s.status === 0);
      check(ok, 'the link ' + hash + ' opens its scenario', JSON.stringify(s).slice(-400));
      if (hash.includes('dot=shadow')) await shared.page.screenshot({path: path.join(SHOTS, 'shadow.png'), fullPage: true});
      await shared.page.close();
    }

    check(errors.length === 0, 'no page errors', errors.join('\n'));
  } finally {
    await close();
  }
  console.log(`web-check: ${((Date.now() - t0) / 1000).toFixed(0)} s; screenshots in docs/web/`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log('FAIL ' + (e && e.stack || e));
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
