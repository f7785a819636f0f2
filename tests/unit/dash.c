/*
 * dash.c - the DASH MPD over the synthetic stores of tests/golden/manifest:
 * golden outputs byte for byte (publishTime and UTCTiming from a fixed
 * clock), then the MPD rules checked on the text.
 */
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "mtap.h"

#define NOW 1732449700.0	/* 2024-11-24T12:01:40Z */

static const char *cases[] = {
	"vod", "event", "live-a", "live-b", "live-ended", "live-disc",
	"live-disc-first", "vod-disc", "multi-audio", "audio-only", "ts",
	"long-seg", "long-live", "names", "base", "live-seq4", "live-seq4-one",
	"vod-resize", "vod-single", "vod-single-list",
};

static char *
mpd_of(const char *cs, struct sd_store *keep)
{
	struct sd_store st;
	struct sd_buf b;
	char dir[1024], *base;
	int rv;

	strlcpy(dir, golden_path(cs, ""), sizeof(dir));
	dir[strlen(dir) - 1] = '\0';
	if ((base = slurp(golden_path(cs, "base"))) != NULL)
		base[strcspn(base, "\n")] = '\0';
	sd_store_init(&st);
	sd_buf_init(&b);
	rv = sd_store_read(&st, dir) == 0 ? sd_dash_mpd(&st, base, NOW, &b) :
	    -1;
	free(base);
	if (keep != NULL)
		*keep = st;
	else
		sd_store_free(&st);
	if (rv == -1) {
		sd_buf_free(&b);
		return NULL;
	}
	return b.p;
}

static int
count(const char *text, const char *what)
{
	const char *p;
	int n = 0;

	for (p = text; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

static void
test_golden(void)
{
	char desc[128], *m;
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(cases); i++) {
		m = mpd_of(cases[i], NULL);
		snprintf(desc, sizeof(desc), "%s: MPD builds", cases[i]);
		ok(m != NULL, desc);
		golden(cases[i], "manifest.mpd", m ? m : "");
		free(m);
	}
}

static void
test_rules(void)
{
	char *vod = mpd_of("vod", NULL), *a = mpd_of("live-a", NULL);
	char *b = mpd_of("live-b", NULL), *d = mpd_of("live-disc", NULL);
	char *f = mpd_of("live-disc-first", NULL);
	char *e = mpd_of("live-ended", NULL), *n = mpd_of("names", NULL);
	char *s4 = mpd_of("live-seq4", NULL), *s1 = mpd_of("live-seq4-one", NULL);
	char *vd = mpd_of("vod-disc", NULL), *ma = mpd_of("multi-audio", NULL);
	char *base = mpd_of("base", NULL), *ts = mpd_of("ts", NULL);

	if (!vod || !a || !b || !d || !f || !e || !n || !vd || !ma || !base ||
	    !ts) {
		ok(0, "every store gives an MPD");
		return;
	}
	ok(count(vod, "type=\"static\"") == 1 &&
	    count(vod, "mediaPresentationDuration=\"PT7.040S\"") == 1 &&
	    count(vod, "UTCTiming") == 0, "vod: static, duration 7.040 s");
	ok(count(vod, "<S t=\"0\" d=\"180000\" r=\"2\"/>") == 1 &&
	    count(vod, "<S t=\"540000\" d=\"93600\"/>") == 1,
	    "vod: a run of three equal segments uses r=2");
	ok(count(a, "type=\"dynamic\"") == 1 &&
	    count(a, "availabilityStartTime=\"2024-11-24T12:00:00.120Z\"") ==
	    1 && count(a, "publishTime=\"2024-11-24T12:01:40.000Z\"") == 1 &&
	    count(a, "minimumUpdatePeriod=\"PT2.000S\"") == 1 &&
	    count(a, "timeShiftBufferDepth=\"PT6.000S\"") == 1,
	    "live: dynamic, fixed availabilityStartTime, update period, "
	    "time shift buffer");
	ok(count(a, "<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" "
	    "value=\"2024-11-24T12:01:40.000Z\"/>") == 1,
	    "live: UTCTiming direct with the current time");
	ok(count(a, "availabilityStartTime=\"2024-11-24T12:00:00.120Z\"") ==
	    count(b, "availabilityStartTime=\"2024-11-24T12:00:00.120Z\"") &&
	    count(b, "<Period id=\"p5\" start=\"PT10.000S\">") == 1 &&
	    count(a, "<Period id=\"p5\" start=\"PT10.000S\">") == 1,
	    "live: the Period keeps its id and start as the window slides");
	ok(count(a, "startNumber=\"20\"") == 2 &&
	    count(b, "startNumber=\"21\"") == 2, "live: startNumber slides");
	ok(count(d, "<Period ") == 2 &&
	    count(d, "<Period id=\"p42\" start=\"PT1M24.000S\">") == 1 &&
	    count(d, "presentationTimeOffset=\"7560000\"") == 1,
	    "live-disc: a new Period at the header change, with its offset");
	ok(count(f, "<Period ") == 1 &&
	    count(f, "<Period id=\"p42\" start=\"PT1M24.000S\">") == 1,
	    "after the window slid past the change: the same Period id and "
	    "start");
	ok(count(e, "type=\"dynamic\"") == 1 &&
	    count(e, "minimumUpdatePeriod") == 0 &&
	    count(e, "mediaPresentationDuration=\"PT1M5.000S\"") == 1,
	    "ended live: dynamic, no update period, a duration");
	ok(count(s4, "<SegmentList") == 0 &&
	    count(s4, "media=\"v0-$Number$.m4s\" startNumber=\"4\"") == 1 &&
	    count(s4, "media=\"a0-$Number$.m4s\" startNumber=\"4\"") == 1 &&
	    count(s1, "<SegmentList") == 0 &&
	    count(s1, "media=\"v0-$Number$.m4s\" startNumber=\"4\"") == 1,
	    "seq 4 in v0-4.m4s: still a template, the same as for any other "
	    "window (the 4 of .m4s is not the number)");
	ok(count(n, "<SegmentList") == 1 && count(n, "<SegmentURL "
	    "media=\"first.m4s\"/>") == 1 && count(n, "<SegmentTemplate") == 1,
	    "file names without a number: a SegmentList");
	ok(count(vd, "<Period ") == 2 &&
	    count(vd, "<Period id=\"p2\" start=\"PT4.000S\">") == 1,
	    "vod with a header change: two Periods");
	ok(count(ma, "tag:dolby.com,2014:dash:audio_channel_configuration:"
	    "2011\" value=\"F801\"") == 1 &&
	    count(ma, "urn:mpeg:dash:23003:3:audio_channel_configuration:2011\""
	    " value=\"2\"") == 2 && count(ma, "<AdaptationSet ") == 4,
	    "multi-audio: one AdaptationSet per track, Dolby channel scheme "
	    "for AC-3");
	ok(count(base, "media=\"https://cdn.example/a&amp;b$$c/v0-$Number$"
	    ".m4s\"") == 1, "base URL: & escaped, $ doubled in a template");
	ok(count(ts, "frameRate=\"30000/1001\"") == 1 &&
	    count(ts, "mpegts") == 0 && count(ts, "ts-0.ts") == 0,
	    "the mpegts track stays out of the MPD");
	free(vod);
	free(a);
	free(b);
	free(d);
	free(f);
	free(e);
	free(n);
	free(s4);
	free(s1);
	free(vd);
	free(ma);
	free(base);
	free(ts);
}

static void
test_errors(void)
{
	struct sd_store st;
	struct sd_buf b;
	const char *err;
	char *m;
	int rv;

	m = mpd_of("live-a", &st);
	free(m);
	sd_buf_init(&b);
	st.start = 0;
	capture_start();
	rv = sd_dash_mpd(&st, NULL, NOW, &b);
	err = capture_end();
	ok(rv == -1 && strstr(err, "needs start=") != NULL,
	    "a live store without start: no dynamic MPD");
	st.nsegs = 0;
	capture_start();
	rv = sd_dash_mpd(&st, NULL, NOW, &b);
	err = capture_end();
	ok(rv == -1 && strstr(err, "no CMAF segment yet") != NULL,
	    "an empty store: no MPD");
	capture_start();
	rv = sd_dash_mpd(&st, "a b", NOW, &b);
	err = capture_end();
	ok(rv == -1 && strstr(err, "base URL") != NULL,
	    "a base URL with a blank refused");
	sd_buf_free(&b);
	sd_store_free(&st);
}

int
main(void)
{
	test_golden();
	test_rules();
	test_errors();
	return done();
}
