// browser.js: headless Chromium for make web-check and make web-bench.
//
// puppeteer-core drives the system's browser (CHROMIUM, /usr/bin/chromium
// by default); nothing is downloaded.  The flags keep a browser on a
// machine without network from waiting for services it cannot reach, and
// a fresh profile keeps one run from seeing another's state.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const TOP = path.resolve(__dirname, '..');
const SITE = 'file://' + path.join(TOP, 'build/web/index.html');

async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vkit-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--allow-file-access-from-files'],
  });
  const close = async () => {
    await browser.close();
    fs.rmSync(profile, {recursive: true, force: true});
  };
  return {browser, close};
}

// Open the site (hash optional); resolves when the page says it is ready,
// with the milliseconds from navigation to that moment.
async function openSite(browser, hash, errors) {
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 1000});
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  const t0 = Date.now();
  await page.goto(SITE + (hash || ''));
  await page.waitForFunction('window.kitState && window.kitState.ready && window.kitState.scenarioReady',
                             {timeout: 30000});
  return {page, ms: Date.now() - t0};
}

// One run in the page through its own controls: the guest, the mode menu's
// value, max steps ('' for none), the input choice; what the terminal got
// and what the run ended with.
async function pageRun(page, o) {
  return page.evaluate(async (o) => {
    const $ = (id) => document.getElementById(id);
    $('guest').value = o.guest;
    $('mode').value = o.mode;
    $('cost').value = o.cost || 'modern';
    $('maxsteps').value = o.maxSteps || '';
    $('input').value = o.input || 'none';
    $('live').checked = !!o.live;
    $('live').dispatchEvent(new Event('change')); // the page resets on a change
    kitState.done = null;
    $('b-run').click();
    const t0 = performance.now();
    while (!kitState.done) {
      if (performance.now() - t0 > 120000) throw new Error(`no end of run in 120 s: ${o.guest} in ${o.mode}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return {out: kitTerminalText(), status: kitState.done.status, json: kitState.done.json,
            stderr: kitState.done.stderr, ticks: kitState.done.ticks};
  }, o);
}

module.exports = {TOP, SITE, launch, openSite, pageRun};
