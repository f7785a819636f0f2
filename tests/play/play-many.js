// play-many.js hls|dash SECONDS URL... - one headless Chromium plays every
// URL with hls.js or dash.js, PLAY_PARALLEL pages at once (default all),
// one page each (the page /play/index.html on PLAY_ORIGIN's server, else
// on the first URL's), muted, live: each until its playhead has moved
// SECONDS since its video started playing, or a fatal player error, or
// PLAY_MAX_S (default twice SECONDS plus 30; the caller scales it to the
// machine's speed). Prints one line a URL, in the order given:
//   url=URL moved=S error=WHY_IT_FAILED_OR_NOTHING
// then lines that start with "# ": the errors its player recovered from,
// and for a URL that failed, what its page saw (HTTP errors, failed
// requests, console errors). The playhead's moves count only as played
// (below 2 s between two looks, a half second apart): a player that jumps
// to the live edge has not played what it skipped. A page fails when it
// did not play SECONDS or its player reported a fatal error (chromium.js
// says which are: hls.js recovering and playing on is not). Exits 0 when
// no page failed, else 1.
'use strict';
const {launch, keepLogs, open, state, recovered, sleep, run} =
  require('./chromium.js');

const [,, player, secsArg, ...urls] = process.argv;
if (!['hls', 'dash'].includes(player) || !(Number(secsArg) > 0) ||
    urls.length === 0) {
  console.error('usage: play-many.js hls|dash seconds url...');
  process.exit(64);
}
const secs = Number(secsArg);
const MAX_S = Number(process.env.PLAY_MAX_S || secs * 2 + 30);

// One page: its result {url, moved, error, recovered, logs}.
async function play(ctx, url) {
  const page = await ctx.newPage();
  const logs = keepLogs(page);
  const origin = process.env.PLAY_ORIGIN || new URL(urls[0]).origin;
  const start = Date.now();
  let last = null, moved = 0, s = {errors: []};
  const result = error => ({url, moved, error, recovered: recovered(s),
    logs});
  try {
    await open(page, origin, player, url);
    for (;;) {
      await sleep(500);
      s = await state(page);
      if (s.playing && last !== null && s.t > last && s.t - last < 2)
        moved += s.t - last;
      if (s.playing)
        last = s.t;
      if (s.fatal)
        return result('fatal: ' + s.fatal);
      if (moved >= secs)
        return result('');
      if ((Date.now() - start) / 1000 > MAX_S)
        return result(`the playhead moved ${moved.toFixed(1)} s of ` +
          `${secs} in ${MAX_S} s`);
    }
  } catch (e) {
    moved = 0;
    return result('page: ' + e.message);
  } finally {
    await page.close().catch(() => {});
  }
}

async function main() {
  // pages in the background play on (many pages at once)
  const chr = await launch(['--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows']);
  let rc = 0;
  try {
    // PLAY_PARALLEL workers, each taking the next URL when its page ends
    const results = new Array(urls.length);
    let next = 0;
    const worker = async () => {
      while (next < urls.length) {
        const i = next++;
        results[i] = await play(chr.ctx, urls[i]);
      }
    };
    const n = Math.max(1, Math.min(urls.length,
      Number(process.env.PLAY_PARALLEL) || urls.length));
    await Promise.all(Array.from({length: n}, worker));
    for (const r of results) {
      console.log(`url=${r.url} moved=${r.moved.toFixed(1)} error=${r.error}`);
      for (const e of r.recovered.slice(0, 5)) console.log('# recovered: ' + e);
      if (r.moved < secs || r.error !== '') {
        rc = 1;
        for (const l of r.logs.slice(0, 10)) console.log('# ' + l);
      }
    }
  } finally {
    await chr.close();
  }
  return rc;
}

run(main);
