// hls-strict.js FILE... - parse each HLS playlist with hls-parser in strict
// mode (it throws on anything the spec forbids); exit 1 if any fails.
'use strict';
const fs = require('fs');
const path = require('path');
const HLS = require(path.join(__dirname, '..', 'node_modules', 'hls-parser'));

HLS.setOptions({strictMode: true, silent: true});
if (process.argv.length < 3) {
  console.error('usage: hls-strict.js playlist ...');
  process.exit(64);
}
let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const p = HLS.parse(fs.readFileSync(file, 'utf8'));
    const what = p.isMasterPlaylist ?
      `master, ${p.variants.length} variant(s)` :
      `media, ${p.segments.length} segment(s)`;
    console.log(`${file}: ok (${what})`);
  } catch (e) {
    console.log(`${file}: ${e.message}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
