// play.js hls|dash URL [SECONDS] - play URL in headless Chromium with
// hls.js or dash.js (the page /play/index.html on URL's server, or on
// PLAY_ORIGIN's), muted.
// Without SECONDS (VOD): until the video ends; fails on a fatal player
// error, when the playhead stops moving for PLAY_STALL_S (default 20), or
// after PLAY_MAX_S (default 120). With SECONDS (live): until the playhead
// has moved SECONDS since the video started playing; fails on a fatal
// error, or when that has not happened after PLAY_MAX_S (default twice
// SECONDS plus 30). The caller scales both limits to the machine's speed
// (tests/play.sh). Prints key=value lines: currentTime, moved (seconds the
// playhead moved since it started), duration, ended, then error= for every
// error the player reported (fatal or not).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const {chromium} = require(path.join(__dirname, '..', 'node_modules',
  'playwright-core'));

const [,, player, url, secsArg] = process.argv;
if (!['hls', 'dash'].includes(player) || !url ||
    (secsArg !== undefined && !(Number(secsArg) > 0))) {
  console.error('usage: play.js hls|dash url [seconds]');
  process.exit(64);
}
const live = secsArg !== undefined;
const secs = Number(secsArg);
const STALL_S = Number(process.env.PLAY_STALL_S || 20);
const MAX_S = Number(process.env.PLAY_MAX_S || (live ? secs * 2 + 30 : 120));
const sleep = ms => new Promise(r => setTimeout(r, ms));

async function state(page) {
  return page.evaluate(() => {
    const v = document.getElementById('v');
    return {t: v.currentTime, duration: v.duration, ended: window.sd.ended ||
      v.ended, playing: window.sd.playing, fatal: window.sd.fatal,
      errors: window.sd.errors.slice()};
  });
}

// Watch the page until it is done; [state, why it failed or null]. The
// state's moved is how far the playhead went since the video first played.
async function watch(page) {
  const start = Date.now();
  let last = -1, lastMove = Date.now(), first = null, s;
  for (;;) {
    await sleep(500);
    s = await state(page);
    const el = (Date.now() - start) / 1000;
    if (first === null && s.playing) first = s.t;
    s.moved = first === null ? 0 : s.t - first;
    if (s.fatal)
      return [s, 'fatal player error: ' + s.fatal];
    if (s.t !== last) { last = s.t; lastMove = Date.now(); }
    if (live) {
      if (s.moved >= secs) return [s, null];
      if (el > MAX_S)
        return [s, `the playhead moved ${s.moved} s of ${secs} in ${MAX_S} s`];
    } else {
      if (s.ended) return [s, null];
      if ((Date.now() - lastMove) / 1000 > STALL_S)
        return [s, `stalled at ${s.t} for ${STALL_S} s`];
      if (el > MAX_S) return [s, `not ended after ${MAX_S} s`];
    }
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
      '--autoplay-policy=no-user-gesture-required'],
  });
  const logs = [];
  let rc = 0;
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    page.on('console', m => {
      if (m.type() === 'error') logs.push('console: ' + m.text());
    });
    page.on('pageerror', e => logs.push('page error: ' + e.message));
    page.on('response', r => {
      if (r.status() >= 400) logs.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('requestfailed', r => logs.push(
      `request failed: ${r.url()} (${r.failure() && r.failure().errorText})`));
    // PLAY_ORIGIN: the server of the page when URL's has none (sd-serve's
    // lighttpd serves no /play/; its answers carry CORS).
    const origin = process.env.PLAY_ORIGIN || new URL(url).origin;
    await page.goto(`${origin}/play/index.html?p=${player}&src=` +
      encodeURIComponent(url));
    const [s, why] = await watch(page);
    console.log(`currentTime=${s.t}`);
    console.log(`moved=${s.moved}`);
    console.log(`duration=${s.duration}`);
    console.log(`ended=${s.ended}`);
    for (const e of s.errors) console.log(`error=${e}`);
    if (why) {
      console.error(why);
      for (const l of logs.slice(0, 20)) console.error(l);
      rc = 1;
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
