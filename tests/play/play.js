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
// error the player reported (fatal or not; chromium.js says which fail).
'use strict';
const {launch, keepLogs, open, state, sleep, run} =
  require('./chromium.js');

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
  const chr = await launch();
  let rc = 0;
  try {
    const page = chr.ctx.pages()[0] || await chr.ctx.newPage();
    const logs = keepLogs(page);
    // PLAY_ORIGIN: the server of the page when URL's has none (sd-serve's
    // lighttpd serves no /play/; its answers carry CORS).
    await open(page, process.env.PLAY_ORIGIN || new URL(url).origin, player,
      url);
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
    await chr.close();
  }
  return rc;
}

run(main);
