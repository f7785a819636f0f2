/*
 * Fuzz the live DASH reader's MPD parser (dash_live.c) over bytes an
 * upstream sent: every track it gives has a timescale, at most
 * SD_DASH_LIVE_SEGS segments in media-time order, URLs that fit or are
 * refused, and a next segment that is one of its list; a video track
 * comes first. The clock and the video hint come from the input's
 * size.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sd.h"
#include "dash_live.h"
#include "fuzz.h"

FUZZ_QUIET_INITIALIZE

static void
check_track(const struct sd_dash_track *t)
{
	char url[SD_URL_MAX];
	size_t i;
	long n;

	if (t->timescale < 1 || t->n > SD_DASH_LIVE_SEGS)
		abort();
	for (i = 1; i < t->n; i++)
		if (t->seg[i].time < t->seg[i - 1].time)
			abort();
	(void)sd_dash_live_url(t, NULL, url, sizeof(url));
	for (i = 0; i < t->n; i++)
		(void)sd_dash_live_url(t, &t->seg[i], url, sizeof(url));
	n = sd_dash_live_next(t, -1, -1);
	if (n < -1 || (n >= 0 && (size_t)n >= t->n))
		abort();
	n = sd_dash_live_next(t, -1, t->n ? sd_dash_live_start(t, 0) : 0);
	if (n < -1 || (n >= 0 && (size_t)n >= t->n))
		abort();
	n = sd_dash_live_next(t, t->n ? t->seg[0].time : 0, -1);
	if (n < -1 || (n >= 0 && (size_t)n >= t->n))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sd_dash_live d;
	size_t k;

	fuzz_quiet();
	if (sd_dash_live_parse(&d, (const char *)data, size,
	    "http://h.example/a/live.mpd", 1.8e9 + (double)(size % 100),
	    (int)(size % 4) - 1) == 0) {
		if (d.ntrk > SD_DASH_LIVE_TRACKS)
			abort();
		for (k = 0; k < d.ntrk; k++) {
			if (k > 0 && d.trk[k].video)
				abort();	/* the video is the first */
			check_track(&d.trk[k]);
		}
	}
	fuzz_loud();
	return 0;
}
