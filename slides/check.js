// check.js: make slides-check.  Every slide of build/slides/index.html as a
// projector shows it: headless Chromium (web/browser.js: the system's
// chromium, a fresh profile, no network) at 1280x800, each slide in turn,
// and on each:
//
//   - no text smaller than MIN_PX on the screen, HTML or inside a picture
//     (an SVG's text is its font size times the scale the picture is drawn
//     at: a big graph shrunk to fit has small letters);
//   - nothing clipped: every piece of text lies inside the slide's content
//     box (not under its margins or past its edge) and inside every box
//     that hides overflow (a listing whose last line or long lines are cut
//     off without a sign);
//   - every picture fits its slide.
//
// It writes a screenshot of every slide to build/slides/check/ (to look at)
// and prints one line per problem; exit status 1 if there is any.
'use strict';

const fs = require('fs');
const path = require('path');
const {TOP, launch} = require('../web/browser');

const WIDTH = 1280, HEIGHT = 800, MIN_PX = 14;
const DECK = 'file://' + path.join(TOP, 'build/slides/index.html');
const SHOTS = path.join(TOP, 'build/slides/check');

// Runs in the page: the problems of the slide on screen.
function measure(minPx) {
  const slide = document.querySelector('.slide.cur');
  const sr = slide.getBoundingClientRect();
  const scale = sr.width / slide.offsetWidth; // the deck scales a 1280x720 slide to the window
  const cs = getComputedStyle(slide);
  const box = {left: sr.left + parseFloat(cs.paddingLeft) * scale - 1, right: sr.right - parseFloat(cs.paddingRight) * scale + 1,
               top: sr.top + parseFloat(cs.paddingTop) * scale - 1, bottom: sr.bottom - parseFloat(cs.paddingBottom) * scale + 1};
  const problems = [];
  let smallest = Infinity;
  const say = (what, text) => problems.push(what + ': "' + text.trim().replace(/\s+/g, ' ').slice(0, 60) + '"');
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || el.closest('footer, title')) continue;
    const svgText = el.closest('text');
    let px;
    if (svgText) {
      const m = svgText.getScreenCTM();
      px = parseFloat(getComputedStyle(svgText).fontSize) * Math.hypot(m.a, m.b);
    } else {
      px = parseFloat(getComputedStyle(el).fontSize) * scale;
    }
    smallest = Math.min(smallest, px);
    if (px < minPx - 0.05) say('text of ' + px.toFixed(1) + ' px', node.textContent);
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom) {
        say('outside the slide', node.textContent);
        break;
      }
      let clipped = false;
      for (let a = el; a && a !== slide && !clipped; a = a.parentElement) {
        const ov = getComputedStyle(a);
        if (ov.overflowX === 'visible' && ov.overflowY === 'visible') continue;
        const ar = a.getBoundingClientRect();
        if (r.left < ar.left - 1 || r.right > ar.right + 1 || r.top < ar.top - 1 || r.bottom > ar.bottom + 1) clipped = true;
      }
      if (clipped) {
        say('clipped', node.textContent);
        break;
      }
    }
  }
  for (const svg of slide.querySelectorAll('svg')) {
    const r = svg.getBoundingClientRect();
    if (r.bottom > box.bottom || r.right > box.right) problems.push('a picture runs past the slide');
  }
  const h = slide.querySelector('h1, h2');
  return {title: h ? h.textContent : '', problems, smallest};
}

(async () => {
  fs.mkdirSync(SHOTS, {recursive: true});
  const {browser, close} = await launch();
  let bad = 0;
  try {
    const page = await browser.newPage();
    await page.setViewport({width: WIDTH, height: HEIGHT});
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(DECK);
    const n = await page.evaluate(() => document.querySelectorAll('.slide').length);
    if (n === 0) throw new Error('no slides in ' + DECK);
    let smallest = Infinity;
    for (let i = 1; i <= n; i++) {
      await page.evaluate((i) => { location.hash = '#' + i; }, i);
      await page.waitForFunction((i) => document.querySelectorAll('.slide')[i - 1].classList.contains('cur'), {}, i);
      const r = await page.evaluate(measure, MIN_PX);
      smallest = Math.min(smallest, r.smallest);
      await page.screenshot({path: path.join(SHOTS, 'slide-' + String(i).padStart(2, '0') + '.png')});
      for (const p of r.problems) {
        console.log('slide ' + i + ' (' + r.title + '): ' + p);
        bad++;
      }
    }
    for (const e of errors) console.log('page error: ' + e), bad++;
    console.log('slides-check: ' + n + ' slides at ' + WIDTH + 'x' + HEIGHT + ', smallest text ' + smallest.toFixed(1) +
                ' px (at least ' + MIN_PX + '), ' + bad + ' problem' + (bad === 1 ? '' : 's') +
                '; screenshots in build/slides/check/');
  } finally {
    await close();
  }
  process.exit(bad ? 1 : 0);
})().catch((e) => {
  console.error('slides-check: ' + e.message);
  process.exit(2);
});
