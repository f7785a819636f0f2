// browser.js BASE SECONDS MAX PROXY FORMAT...: open sd-serve's page in
// headless Chromium once per FORMAT (hls, dash), each playing PROXY with
// the page's own player (hls.js / dash.js), all at once, each until its
// video has played SECONDS or MAX seconds have passed (the caller scales
// MAX to the machine's speed). Prints one line a format: "FORMAT played=S
// error=E" where S is how far the video element's currentTime moved since
// it first played, and E the page's first error.
const { chromium } = require('playwright-core');
const [base, secs, max, proxy, ...formats] = process.argv.slice(2);

// How far the page's video has played, and its first error.
function played(page) {
	return page.evaluate(() => ({
		t: document.getElementById('v').currentTime -
		    (window.sdState && window.sdState.start !== null ?
		    window.sdState.start : NaN),
		err: window.sdState ? window.sdState.error : 'no sdState',
	}));
}

(async () => {
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--autoplay-policy=no-user-gesture-required', '--no-sandbox',
		    '--disable-gpu', '--disable-quic', '--no-first-run',
		    '--disable-background-networking',
		    '--disable-component-update', '--disable-sync'],
	});
	const runs = formats.map(async (fmt) => {
		const page = await browser.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push('page: ' + e.message));
		const end = Date.now() + Number(max) * 1000;
		await page.goto(`${base}/?play=${proxy}&format=${fmt}`);
		let st;
		do {
			await page.waitForTimeout(500);
			st = await played(page);
		} while (!(st.t >= Number(secs)) && !st.err && Date.now() < end);
		if (st.err) errors.push(st.err);
		return `${fmt} played=${isNaN(st.t) ? 0 : st.t.toFixed(1)} error=${errors[0] || ''}`;
	});
	for (const line of await Promise.all(runs))
		console.log(line);
	await browser.close();
})().catch((e) => { console.log('browser: ' + e.message); process.exit(1); });
