// browser.js BASE SECONDS PROXY FORMAT...: open sd-serve's page in headless
// Chromium once per FORMAT (hls, dash), each playing PROXY with the page's
// own player (hls.js / dash.js), all at once, for SECONDS of real time.
// Prints one line a format: "FORMAT played=S error=E" where S is how far
// the video element's currentTime moved since it first played, and E the
// page's first error.
const { chromium } = require('playwright-core');
const [base, secs, proxy, ...formats] = process.argv.slice(2);

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
		await page.goto(`${base}/?play=${proxy}&format=${fmt}`);
		await page.waitForTimeout(Number(secs) * 1000);
		const st = await page.evaluate(() => ({
			t: document.getElementById('v').currentTime -
			    (window.sdState && window.sdState.start !== null ?
			    window.sdState.start : NaN),
			err: window.sdState ? window.sdState.error : 'no sdState',
		}));
		if (st.err) errors.push(st.err);
		return `${fmt} played=${isNaN(st.t) ? 0 : st.t.toFixed(1)} error=${errors[0] || ''}`;
	});
	for (const line of await Promise.all(runs))
		console.log(line);
	await browser.close();
})().catch((e) => { console.log('browser: ' + e.message); process.exit(1); });
