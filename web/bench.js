// bench.js: make web-bench.  The register loop of make bench
// (bench/guests/loop-reg.s, 400 million guest instructions with paging
// and the TLB on) natively through bin/vmm and in headless Chromium
// through the page, in the same run, taking turns, best of three each.
// Both figures are the guest's instructions over the host time the run
// itself measures (the stats JSON's host_seconds: the time inside the
// interpreter, the same on both sides).  Writes build/web-bench.json.
// Fails if the browser reaches less than a quarter of the native speed.
'use strict';

const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {TOP, launch, openSite, pageRun} = require('./browser');

const REPS = 3;

function native() {
  const json = path.join(os.tmpdir(), 'vkit-web-bench.json');
  const r = cp.spawnSync(path.join(TOP, 'bin/vmm'), ['--stats-json', json, 'loop-reg.img'],
                         {cwd: path.join(TOP, 'build/bench'), input: ''});
  if (r.status !== 0) throw new Error('bin/vmm loop-reg.img: status ' + r.status + ' ' + r.stderr);
  return JSON.parse(fs.readFileSync(json, 'utf8'));
}

async function main() {
  const errors = [];
  const {browser, close} = await launch();
  let best = {native: null, web: null};
  try {
    const {page} = await openSite(browser, '', errors);
    for (let i = 0; i < REPS; i++) {
      const n = native();
      const w = JSON.parse((await pageRun(page, {guest: 'loop-reg.img', mode: 'native'})).json);
      if (n.instructions !== w.instructions) throw new Error('the two runs retired different counts');
      for (const [k, s] of [['native', n], ['web', w]]) {
        if (!best[k] || s.host_seconds < best[k].host_seconds) best[k] = s;
      }
    }
  } finally {
    await close();
  }
  if (errors.length) throw new Error(errors.join('\n'));
  const ips = (s) => s.instructions / s.host_seconds;
  const ratio = ips(best.web) / ips(best.native);
  const out = {guest: 'build/bench/loop-reg.img', instructions: best.native.instructions,
               native_seconds: best.native.host_seconds, web_seconds: best.web.host_seconds,
               native_mips: ips(best.native) / 1e6, web_mips: ips(best.web) / 1e6, ratio};
  fs.writeFileSync(path.join(TOP, 'build/web-bench.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`register loop, ${out.instructions} guest instructions, best of ${REPS}:`);
  console.log(`  native (bin/vmm)     ${out.native_mips.toFixed(0).padStart(6)} M instructions/s`);
  console.log(`  headless Chromium    ${out.web_mips.toFixed(0).padStart(6)} M instructions/s`);
  console.log(`  ratio                ${ratio.toFixed(2)} (at least 0.25 required)`);
  if (ratio < 0.25) {
    console.log('web-bench: the browser is slower than a quarter of native');
    process.exit(1);
  }
}

main().catch((e) => { console.log('web-bench: ' + (e && e.stack || e)); process.exit(1); });
