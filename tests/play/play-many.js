// play-many.js hls|dash SECONDS URL... - one headless Chromium plays every
// URL with hls.js or dash.js, PLAY_PARALLEL pages at once (default all),
// one page each (the page
// /play/index.html on PLAY_ORIGIN's server, else on the first URL's),
// muted, live: each until its playhead has moved SECONDS since its video
// started playing, or a fatal player error, or PLAY_MAX_S (default twice
// SECONDS plus 30; the caller scales it to the machine's speed). Prints
// one line a URL, in the order given:
//   url=URL moved=S error=FIRST_ERROR_OR_NOTHING
// then, for a URL that failed, what its page saw (HTTP errors, failed
// requests, console errors) on lines that start with "# ". The playhead's
// moves count only as played (below 2 s between two looks, a half second
// apart): a player that jumps to the live edge has not played what it
// skipped. A page fails when it did not play SECONDS or its player
// reported any error (fatal or not) but hls.js's own doings: waiting for
// data at the live edge (bufferStalledError, bufferNudgeOnStall: a busy
// machine, not the stream) and loads it aborted itself (aborted, on such
// a jump). Exits 0 when no page failed, else 1.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const {chromium} = require(path.join(__dirname, '..', 'node_modules',
  'playwright-core'));

const [,, player, secsArg, ...urls] = process.argv;
if (!['hls', 'dash'].includes(player) || !(Number(secsArg) > 0) ||
    urls.length === 0) {
  console.error('usage: play-many.js hls|dash seconds url...');
  process.exit(64);
}
const secs = Number(secsArg);
const MAX_S = Number(process.env.PLAY_MAX_S || secs * 2 + 30);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const WAITING = /bufferStalledError|bufferNudgeOnStall|networkError aborted/;
const firstError = s => s.errors.filter(e => !WAITING.test(e))[0] || '';

// One page: its result {url, moved, error, logs}.
async function play(ctx, url) {
  const page = await ctx.newPage();
  const logs = [];
  page.on('console', m => {
    if (m.type() === 'error') logs.push('console: ' + m.text());
  });
  page.on('pageerror', e => logs.push('page error: ' + e.message));
  page.on('response', r => {
    if (r.status() >= 400) logs.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('requestfailed', r => logs.push(
    `request failed: ${r.url()} (${r.failure() && r.failure().errorText})`));
  const origin = process.env.PLAY_ORIGIN || new URL(urls[0]).origin;
  const start = Date.now();
  let last = null, moved = 0, s = {t: 0, playing: false, fatal: null,
    errors: []};
  try {
    await page.goto(`${origin}/play/index.html?p=${player}&src=` +
      encodeURIComponent(url));
    for (;;) {
      await sleep(500);
      s = await page.evaluate(() => {
        const v = document.getElementById('v');
        return {t: v.currentTime, playing: window.sd.playing,
          fatal: window.sd.fatal, errors: window.sd.errors.slice()};
      });
      if (s.playing && last !== null && s.t > last && s.t - last < 2)
        moved += s.t - last;
      if (s.playing)
        last = s.t;
      if (s.fatal)
        return {url, moved, error: 'fatal: ' + s.fatal, logs};
      if (moved >= secs)
        return {url, moved, error: firstError(s), logs};
      if ((Date.now() - start) / 1000 > MAX_S)
        return {url, moved, error: `the playhead moved ${moved.toFixed(1)} ` +
          `s of ${secs} in ${MAX_S} s` + (firstError(s) ? '; ' +
          firstError(s) : ''), logs};
    }
  } catch (e) {
    return {url, moved: 0, error: 'page: ' + e.message, logs};
  } finally {
    await page.close().catch(() => {});
  }
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      // pages in the background play on (many pages at once)
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows'],
  });
  let rc = 0;
  try {
    // PLAY_PARALLEL workers, each taking the next URL when its page ends
    const results = new Array(urls.length);
    let next = 0;
    const worker = async () => {
      while (next < urls.length) {
        const i = next++;
        results[i] = await play(ctx, urls[i]);
      }
    };
    const n = Math.max(1, Math.min(urls.length,
      Number(process.env.PLAY_PARALLEL) || urls.length));
    await Promise.all(Array.from({length: n}, worker));
    for (const r of results) {
      const bad = r.moved < secs || r.error !== '';
      console.log(`url=${r.url} moved=${r.moved.toFixed(1)} error=${r.error}`);
      if (bad) {
        rc = 1;
        for (const l of r.logs.slice(0, 10)) console.log('# ' + l);
      }
    }
  } finally {
    await ctx.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  return rc;
}

main().then(rc => process.exit(rc), e => {
  console.error(e.stack || String(e));
  process.exit(2);
});
