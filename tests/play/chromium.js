// chromium.js - what play.js and play-many.js share: a headless Chromium,
// a page's troubles kept for the diagnostics, the player page's state
// (index.html's window.sd), and which player errors fail a check.
//
// Which errors fail: those index.html marks fatal ("fatal: ..." in
// errors, the first in fatal): the player gave up (hls.js's fatal ones,
// every dash.js ERROR), or hls.js dropped media it could not use
// (fragParsingError, bufferAppendError...: our bytes were bad). The rest
// are hls.js recovering and playing on: a seek over a hole in the buffer
// (bufferSeekOverHole, a live stream joined between two tracks' first
// frames), waiting at the live edge (bufferStalledError,
// bufferNudgeOnStall: a busy machine), a load retried or aborted. They
// fail nothing: a check asks the playhead to move, and counts only what
// was played, so a recovery that lost media shows there. They are printed.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const {chromium} = require(path.join(__dirname, '..', 'node_modules',
  'playwright-core'));

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'];

// Chromium with a profile of its own, plus extra arguments: {ctx, close}.
async function launch(extra = []) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS.concat(extra),
  });
  return {ctx, close: async () => {
    await ctx.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }};
}

// What went wrong on page, as it happens: HTTP errors, failed requests,
// console and page errors, one line each.
function keepLogs(page) {
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
  return logs;
}

// The player page at origin for player (hls|dash) and url.
function open(page, origin, player, url) {
  return page.goto(`${origin}/play/index.html?p=${player}&src=` +
    encodeURIComponent(url));
}

// The page's state: t, duration, ended, playing, fatal, errors.
function state(page) {
  return page.evaluate(() => {
    const v = document.getElementById('v');
    return {t: v.currentTime, duration: v.duration, ended: window.sd.ended ||
      v.ended, playing: window.sd.playing, fatal: window.sd.fatal,
      errors: window.sd.errors.slice()};
  });
}

// The errors of a state that fail nothing (see above).
const recovered = s => s.errors.filter(e => !e.startsWith('fatal: '));

const sleep = ms => new Promise(r => setTimeout(r, ms));

// main's exit: its code, or 2 with the stack of what it threw.
function run(main) {
  main().then(rc => process.exit(rc), e => {
    console.error(e.stack || String(e));
    process.exit(2);
  });
}

module.exports = {launch, keepLogs, open, state, recovered, sleep, run};
