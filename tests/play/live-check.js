// live-check.js WINDOW SNAPDIR - check a live store from the snapshots that
// tests/live.t took while it was written. Each SNAPDIR/NNNNN/ holds t0 and
// t1 (Unix times before the copy and after the listing), copies of the
// store's *.m3u8 and manifest.mpd, and ls (the store's files, listed after
// the copies). Prints TAP-like lines, "ok - ..." or "not ok - ...", and
// "# ..." details, for tests/live.t to number. The rules are RFC 8216's
// (6.2.1, 6.2.2) and DESIGN.md's: a sliding window of WINDOW segments,
// MEDIA-SEQUENCE and DISCONTINUITY-SEQUENCE consistent with what slid out,
// TARGETDURATION constant, every listed file present, and a segment that
// leaves the playlist kept for its duration plus the playlist's.
'use strict';
const fs = require('fs');
const path = require('path');

const [,, windowArg, snapDir] = process.argv;
const W = Number(windowArg);
if (!(W > 0) || !snapDir) {
  console.error('usage: live-check.js window snapdir');
  process.exit(64);
}

function readSnap(dir) {
  const s = {dir, t0: Number(fs.readFileSync(path.join(dir, 't0'), 'utf8')),
    t1: Number(fs.readFileSync(path.join(dir, 't1'), 'utf8')),
    files: new Set(fs.readFileSync(path.join(dir, 'ls'), 'utf8')
      .split('\n').filter(Boolean)),
    media: {}, mpd: null};
  for (const f of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    if (f.endsWith('.m3u8') && !text.includes('#EXT-X-STREAM-INF'))
      s.media[f] = parseMedia(text);
    else if (f === 'manifest.mpd')
      s.mpd = text;
  }
  return s;
}

// A media playlist: the tags this check needs, and its segments with their
// sequence number, discontinuity sequence number, duration, URI and map.
function parseMedia(text) {
  const p = {target: null, mseq: 0, dseq: 0, segs: [], maps: new Set(),
    endlist: false};
  let disc = 0, dur = null, map = null, n = 0;
  for (const line of text.split('\n').map(l => l.trim())) {
    let m;
    if ((m = /^#EXT-X-TARGETDURATION:(\d+)$/.exec(line))) p.target = +m[1];
    else if ((m = /^#EXT-X-MEDIA-SEQUENCE:(\d+)$/.exec(line))) p.mseq = +m[1];
    else if ((m = /^#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)$/.exec(line)))
      p.dseq = +m[1];
    else if (line === '#EXT-X-DISCONTINUITY') disc++;
    else if (line === '#EXT-X-ENDLIST') p.endlist = true;
    else if ((m = /^#EXT-X-MAP:URI="([^"]+)"/.exec(line))) {
      map = m[1];
      p.maps.add(map);
    } else if ((m = /^#EXTINF:([0-9.]+),/.exec(line))) dur = +m[1];
    else if (line && !line.startsWith('#')) {
      p.segs.push({seq: p.mseq + n, dsn: p.dseq + disc, dur, uri: line,
        map});
      n++;
      dur = null;
    }
  }
  p.total = p.segs.reduce((a, s) => a + s.dur, 0);
  return p;
}

function attrs(tag) {
  const a = {};
  for (const m of tag.matchAll(/([A-Za-z:]+)="([^"]*)"/g)) a[m[1]] = m[2];
  return a;
}

// The MPD's top attributes and, per Representation, every segment it
// names ([file, number, t, d]), its headers and how it addresses them
// (SegmentTemplate with $Number$/$Time$, or a SegmentList).
function parseMpd(text) {
  const top = attrs((/<MPD\b[^>]*>/.exec(text) || [''])[0]);
  const reps = {};
  for (const rm of text.matchAll(
    /<Representation\b([^>]*)>([\s\S]*?)<\/Representation>/g)) {
    const id = attrs(rm[1]).id;
    const tm = /<Segment(Template|List)\b([^>]*)>([\s\S]*?)<\/Segment\1>/
      .exec(rm[2]);
    if (!tm) continue;
    const st = attrs(tm[2]);
    const fill = (tpl, num, t) => tpl.replace(/\$RepresentationID\$/g, id)
      .replace(/\$Number\$/g, num).replace(/\$Time\$/g, t);
    const urls = [...tm[3].matchAll(/<SegmentURL\b([^>]*)\/>/g)]
      .map(u => attrs(u[1]).media);
    const init = tm[1] === 'Template' ? st.initialization :
      attrs((/<Initialization\b[^>]*>/.exec(tm[3]) || [''])[0]).sourceURL;
    const r = reps[id] || (reps[id] = {segs: [], init: [], how: []});
    r.init.push(fill(init || '', 0, 0));
    r.how.push(tm[1] === 'Template' ? `template ${st.media}` : 'list');
    let num = Number(st.startNumber || 1), t = 0, k = 0;
    for (const sm of tm[3].matchAll(/<S\b([^>]*)\/>/g)) {
      const s = attrs(sm[1]);
      if (s.t !== undefined) t = Number(s.t);
      for (let i = 0; i <= Number(s.r || 0); i++, num++, k++) {
        r.segs.push([tm[1] === 'Template' ? fill(st.media, num, t) :
          urls[k], num, t, Number(s.d)]);
        t += Number(s.d);
      }
    }
  }
  return {top, reps, utc: /<UTCTiming\b/.test(text)};
}

let failed = 0;
function ok(cond, desc, ...diag) {
  console.log(`${cond ? 'ok' : 'not ok'} - ${desc}`);
  if (!cond) {
    failed++;
    for (const d of diag.flat().slice(0, 10)) console.log(`# ${d}`);
  }
}

const snaps = fs.readdirSync(snapDir).sort()
  .map(d => readSnap(path.join(snapDir, d)))
  .filter(s => Object.keys(s.media).length > 0);
ok(snaps.length >= 10, `${snaps.length} snapshots with playlists`);
const names = [...new Set(snaps.flatMap(s => Object.keys(s.media)))].sort();
console.log(`# media playlists: ${names.join(' ')}`);

for (const name of names) {
  const seen = snaps.filter(s => s.media[name]).map(s => [s, s.media[name]]);
  const bad = {window: [], shrink: [], mseq: [], map: [], dsn: [], dseq: [],
    target: [], extinf: [], missing: [], early: []};
  const bySeq = new Map();	// seq -> {uri, dsn, dur}
  const lastListed = new Map();	// uri -> [t0, availability s]
  let full = false, prev = null;
  for (const [s, p] of seen) {
    const at = path.basename(s.dir);
    if (p.segs.length > W) bad.window.push(`${at}: ${p.segs.length} segments`);
    if (p.segs.length === W) full = true;
    else if (full && !p.endlist)
      bad.shrink.push(`${at}: ${p.segs.length} after a full window`);
    if (prev) {
      if (p.mseq < prev.mseq)
        bad.mseq.push(`${at}: MEDIA-SEQUENCE ${prev.mseq} -> ${p.mseq}`);
      if (p.dseq < prev.dseq)
        bad.dseq.push(`${at}: DISCONTINUITY-SEQUENCE ${prev.dseq} -> ${p.dseq}`);
      if (p.target !== prev.target)
        bad.target.push(`${at}: TARGETDURATION ${prev.target} -> ${p.target}`);
    }
    for (const g of p.segs) {
      const k = bySeq.get(g.seq);
      if (k && k.uri !== g.uri)
        bad.map.push(`${at}: seq ${g.seq} is ${g.uri}, was ${k.uri}`);
      if (k && k.dsn !== g.dsn)
        bad.dsn.push(`${at}: seq ${g.seq} has discontinuity sequence ` +
          `${g.dsn}, had ${k.dsn}`);
      if (!k) bySeq.set(g.seq, {uri: g.uri, dsn: g.dsn, dur: g.dur});
      if (Math.round(g.dur) > p.target)
        bad.extinf.push(`${at}: ${g.uri} EXTINF ${g.dur} > ${p.target}`);
      for (const f of [g.uri, g.map])
        if (f && !s.files.has(f)) bad.missing.push(`${at}: ${f} listed, absent`);
      lastListed.set(g.uri, [s.t0, g.dur + p.total]);
    }
    // What left the playlist must stay for its duration plus the
    // playlist's from when it was last seen listed (a lower bound on when
    // it left), as long as this listing was certainly taken before then.
    for (const [uri, [t0, avail]] of lastListed)
      if (!p.segs.some(g => g.uri === uri) && s.t1 < t0 + avail &&
          !s.files.has(uri))
        bad.early.push(`${at}: ${uri} gone ${(s.t1 - t0).toFixed(2)} s ` +
          `after it was listed; it must stay ${avail.toFixed(2)} s`);
    prev = p;
  }
  const first = seen[0][1], last = seen[seen.length - 1][1];
  ok(full && bad.window.length === 0,
    `${name}: the window fills to ${W} segments and never exceeds it`,
    bad.window);
  ok(bad.shrink.length === 0, `${name}: a full window stays full`, bad.shrink);
  ok(bad.mseq.length === 0 && last.mseq > first.mseq,
    `${name}: MEDIA-SEQUENCE slides (${first.mseq} -> ${last.mseq})`, bad.mseq);
  ok(bad.map.length === 0, `${name}: a sequence number keeps its segment`,
    bad.map);
  ok(bad.dsn.length === 0 && bad.dseq.length === 0,
    `${name}: DISCONTINUITY-SEQUENCE counts the discontinuities that left`,
    bad.dseq, bad.dsn);
  const discs = [...bySeq.values()].reduce((a, g) => Math.max(a, g.dsn), 0);
  console.log(`# ${name}: discontinuity sequence ${first.dseq} -> ` +
    `${last.dseq}; ${discs} discontinuities in all`);
  ok(last.dseq > first.dseq,
    `${name}: DISCONTINUITY-SEQUENCE rises once a discontinuity leaves`);
  console.log(`discontinuities ${name} ${discs}`);
  ok(bad.target.length === 0 && first.target > 0,
    `${name}: TARGETDURATION stays ${first.target}`, bad.target);
  ok(bad.extinf.length === 0, `${name}: every EXTINF rounds to at most it`,
    bad.extinf);
  ok(bad.missing.length === 0, `${name}: every listed file is there`,
    bad.missing);
  ok(bad.early.length === 0,
    `${name}: no segment deleted before its duration plus the playlist's`,
    bad.early);
  const fin = snaps[snaps.length - 1];
  const gone = [...lastListed].filter(([uri]) => !fin.files.has(uri));
  ok(gone.length > 0, `${name}: segments that left are deleted in the end`,
    `${[...lastListed.keys()].length} listed in all, all still there`);
}

// The dynamic MPD.
const mpds = snaps.filter(s => s.mpd).map(s => [s, parseMpd(s.mpd)]);
ok(mpds.length >= 10, `${mpds.length} snapshots with an MPD`);
if (mpds.length) {
  const bad = {type: [], ast: [], attr: [], missing: [], moved: [], how: []};
  const how = new Map();
  const ast = mpds[0][1].top.availabilityStartTime;
  const byNum = new Map();
  for (const [s, m] of mpds) {
    const at = path.basename(s.dir);
    // Once the input has ended the MPD may be final: no more updates.
    const ended = Object.values(s.media).some(p => p.endlist);
    if (m.top.type !== 'dynamic' && !ended)
      bad.type.push(`${at}: type=${m.top.type}`);
    if (m.top.availabilityStartTime !== ast)
      bad.ast.push(`${at}: availabilityStartTime ` +
        `${m.top.availabilityStartTime}, was ${ast}`);
    for (const a of ['minimumUpdatePeriod', 'timeShiftBufferDepth',
      'publishTime'])
      if (!m.top[a] && !ended) bad.attr.push(`${at}: no ${a}`);
    if (!m.utc && !ended) bad.attr.push(`${at}: no UTCTiming`);
    for (const [id, r] of Object.entries(m.reps)) {
      const h = r.how.join(', ');
      if (how.has(id) && how.get(id) !== h)
        bad.how.push(`${at}: ${id} addressed by ${h}, was ${how.get(id)}`);
      how.set(id, h);
      for (const f of r.init)
        if (!s.files.has(f)) bad.missing.push(`${at}: ${f} (init) absent`);
      for (const [f, num, t, d] of r.segs) {
        if (!s.files.has(f)) bad.missing.push(`${at}: ${f} absent`);
        const k = `${id}/${num}`, o = byNum.get(k);
        if (o && (o[0] !== t || o[1] !== d))
          bad.moved.push(`${at}: ${k} t=${t} d=${d}, was t=${o[0]} d=${o[1]}`);
        if (!o) byNum.set(k, [t, d]);
      }
    }
  }
  ok(bad.type.length === 0, 'MPD: type="dynamic" while live', bad.type);
  ok(ast && bad.ast.length === 0, `MPD: availabilityStartTime stays ${ast}`,
    bad.ast);
  ok(bad.attr.length === 0,
    'MPD: minimumUpdatePeriod, timeShiftBufferDepth, publishTime, UTCTiming',
    bad.attr);
  ok(bad.missing.length === 0, 'MPD: every segment it names is there',
    bad.missing);
  ok(bad.moved.length === 0, 'MPD: a segment number keeps its t and d',
    bad.moved);
  ok(bad.how.length === 0 && how.size > 0,
    'MPD: each Representation keeps one way of naming its segments',
    bad.how);
  const named = mpds.reduce((a, [, m]) => a +
    Object.values(m.reps).reduce((b, r) => b + r.segs.length, 0), 0);
  ok(named > 0, `MPD: ${named} segment names checked in all`);
}
process.exit(failed ? 1 : 0);
