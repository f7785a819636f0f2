/*
 * dash_live.c unit tests: a live MPD as the upstream session's own DASH
 * reader follows it: FFmpeg's own live MPD ($Number%05d$, a timeline per
 * representation), $Time$ with a timeline at the AdaptationSet and @r -1
 * up to the live edge, @duration counted from availabilityStartTime with
 * presentationTimeOffset, BaseURLs at every level, the video choice
 * (ingest.c's, or the session's hint) and every audio set's best, a
 * static MPD (ended), what is ffmpeg's, and hostile numbers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "dash_live.h"
#include "mtap.h"

static struct sd_dash_live *d;

static int
parse(const char *text, const char *url, double now, int hint)
{
	return sd_dash_live_parse(d, text, strlen(text), url, now, hint);
}

/* As FFmpeg 5.1's dash muxer writes a live MPD (trimmed). */
static const char ffmpeg_mpd[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"\n"
    "\ttype=\"dynamic\" minimumUpdatePeriod=\"PT2S\"\n"
    "\tavailabilityStartTime=\"2026-12-04T18:45:05.458Z\"\n"
    "\ttimeShiftBufferDepth=\"PT16.0S\" minBufferTime=\"PT4.0S\">\n"
    "<Period id=\"0\" start=\"PT0.0S\">\n"
    "<AdaptationSet id=\"0\" contentType=\"video\" frameRate=\"25/1\">\n"
    "<Representation id=\"0\" mimeType=\"video/mp4\" codecs=\"avc1.64000c\""
    " bandwidth=\"252064\" width=\"320\" height=\"180\">\n"
    "<SegmentTemplate timescale=\"12800\" initialization=\"init-stream"
    "$RepresentationID$.m4s\" media=\"chunk-stream$RepresentationID$-"
    "$Number%05d$.m4s\" startNumber=\"1\">\n"
    "<SegmentTimeline><S t=\"273\" d=\"25600\" r=\"2\" /><S d=\"15360\" />"
    "</SegmentTimeline></SegmentTemplate></Representation></AdaptationSet>\n"
    "<AdaptationSet id=\"1\" contentType=\"audio\">\n"
    "<Representation id=\"1\" mimeType=\"audio/mp4\" codecs=\"mp4a.40.2\" "
    "bandwidth=\"99032\" audioSamplingRate=\"48000\">\n"
    "<SegmentTemplate timescale=\"48000\" initialization=\"init-stream"
    "$RepresentationID$.m4s\" media=\"chunk-stream$RepresentationID$-"
    "$Number%05d$.m4s\" startNumber=\"1\">\n"
    "<SegmentTimeline><S t=\"0\" d=\"48128\" r=\"5\" /><S d=\"45056\" />"
    "</SegmentTimeline></SegmentTemplate></Representation></AdaptationSet>\n"
    "</Period></MPD>\n";

static void
test_ffmpeg(void)
{
	char url[SD_URL_MAX];
	struct sd_dash_track *v = &d->trk[0], *a = &d->trk[1];

	ok(parse(ffmpeg_mpd, "http://h/dash/live.mpd", 0, -1) == 0,
	    "FFmpeg's live MPD parses");
	ok(d->dynamic && d->min_update == 2 && d->tsbd == 16,
	    "dynamic, updated every 2 s, 16 s of time shift");
	ok(d->ast > 1796409905 && d->ast < 1796409906,
	    "availabilityStartTime in s since 1970, with its fraction");
	ok(d->ntrk == 2 && v->video && !a->video, "a video and an audio track");
	ok(v->timescale == 12800 && v->n == 4 && a->n == 7,
	    "each track's timeline: 4 and 7 segments");
	ok(v->seg[0].number == 1 && v->seg[0].time == 273 &&
	    v->seg[2].time == 273 + 2 * 25600 && v->seg[3].number == 4 &&
	    v->seg[3].dur == 15360, "numbers and times from t, d and r");
	ok(sd_dash_live_url(v, NULL, url, sizeof(url)) == 0 &&
	    strcmp(url, "http://h/dash/init-stream0.m4s") == 0,
	    "the init URL: $RepresentationID$, resolved against the MPD's");
	ok(sd_dash_live_url(a, &a->seg[6], url, sizeof(url)) == 0 &&
	    strcmp(url, "http://h/dash/chunk-stream1-00007.m4s") == 0,
	    "a media URL: $Number%05d$");
	ok(sd_dash_live_next(v, -1, -1) == 2,
	    "a zap starts with the video's two newest segments");
	ok(sd_dash_live_next(a, -1, sd_dash_live_start(v, 2)) == 4,
	    "and the audio at the segment that holds their start");
	ok(sd_dash_live_next(v, v->seg[2].time, -1) == 3 &&
	    sd_dash_live_next(v, v->seg[3].time, -1) == -1,
	    "after a segment, the next; after the newest, none");
}

/* $Time$, a timeline at the AdaptationSet with @r -1 to the live edge,
 * BaseURLs at each level, two videos and an audio set of two. */
static const char time_mpd[] =
    "<MPD type='dynamic' availabilityStartTime='2020-01-01T00:00:00+01:00'"
    " minimumUpdatePeriod='PT10S'>"
    "<BaseURL>http://cdn.example/root/</BaseURL>"
    "<Period start='PT100S'><BaseURL>p/</BaseURL>"
    "<AdaptationSet mimeType='video/mp4'>"
    "<SegmentTemplate timescale='1000' media='v/$RepresentationID$/"
    "$Time$.m4s?a=1&amp;b=$Bandwidth$' initialization='v/$Bandwidth%08d$"
    "/init.mp4' presentationTimeOffset='5000'>"
    "<SegmentTimeline><S t='5000' d='2000' r='-1'/></SegmentTimeline>"
    "</SegmentTemplate>"
    "<Representation id='lo' bandwidth='500000' width='640' height='360'/>"
    "<Representation id='hi' bandwidth='3000000' width='1280' "
    "height='720'><BaseURL>../q/</BaseURL></Representation>"
    "</AdaptationSet>"
    "<AdaptationSet contentType='audio' lang='en'>"
    "<SegmentTemplate timescale='48000' duration='96000' startNumber='10'"
    " media='a/$RepresentationID$-$Number$.m4s' initialization='a/i.mp4'/>"
    "<Representation id='a64' bandwidth='64000'/>"
    "<Representation id='a128' bandwidth='128000'/>"
    "</AdaptationSet></Period></MPD>";

static void
test_time(void)
{
	/* 2019-12-31T23:00:00Z + 100 s of Period start + 21 s */
	double ast = 1577833200, now = ast + 100 + 21;
	struct sd_dash_track *v = &d->trk[0], *a = &d->trk[1];
	char url[SD_URL_MAX];

	ok(parse(time_mpd, "http://h/x/live.mpd", now, -1) == 0,
	    "an MPD with $Time$ and @duration parses");
	ok(d->ast == ast && d->period_start == 100,
	    "a time zone offset and the Period's start");
	ok(d->video_reps == 2 && d->video_pick == 1 && v->bandwidth == 3000000,
	    "the highest bandwidth video (ingest.c's choice)");
	ok(d->ntrk == 2 && strcmp(a->id, "a128") == 0,
	    "the audio set's best representation, one track");
	ok(v->n == 10 && v->seg[9].time == 5000 + 9 * 2000,
	    "@r -1 repeats up to the live edge (21 s: 10 whole segments)");
	ok(sd_dash_live_url(v, &v->seg[9], url, sizeof(url)) == 0 &&
	    strcmp(url, "http://cdn.example/root/q/v/hi/23000.m4s?a=1&b="
	    "3000000") == 0, "$Time$, $Bandwidth$, entities, nested BaseURLs");
	ok(sd_dash_live_url(v, NULL, url, sizeof(url)) == 0 &&
	    strcmp(url, "http://cdn.example/root/q/v/03000000/init.mp4") == 0,
	    "an init URL with $Bandwidth%08d$");
	ok(a->n == 2 && a->seg[1].number == 10 + 9 && a->seg[1].time ==
	    9 * 96000, "@duration: the newest whole segments by the clock");
	ok(sd_dash_live_url(a, &a->seg[1], url, sizeof(url)) == 0 &&
	    strcmp(url, "http://cdn.example/root/p/a/a128-19.m4s") == 0,
	    "the Period's BaseURL for the audio set");
	ok(parse(time_mpd, "http://h/x/live.mpd", now, 0) == 0 &&
	    d->video_pick == 0 && strcmp(d->trk[0].id, "lo") == 0,
	    "the session's hint picks the video");
	ok(parse(time_mpd, "http://h/x/live.mpd", now, 7) == 0 &&
	    d->video_pick == 1, "a hint out of range: ingest.c's choice");
}

/* Audio sets before the video, in the second of two Periods. */
static const char order_mpd[] =
    "<MPD type='static' mediaPresentationDuration='PT8S'>"
    "<Period><AdaptationSet contentType='video'><SegmentTemplate "
    "media='old-$Number$' initialization='i' duration='2'/>"
    "<Representation id='old'/></AdaptationSet></Period>"
    "<Period><SegmentTemplate media='$RepresentationID$-$Number$' "
    "initialization='i' duration='2'/>"
    "<AdaptationSet contentType='audio'>"
    "<Representation id='a1' bandwidth='64000'/>"
    "<Representation id='a2' bandwidth='128000'/>"
    "<Representation id='a3' bandwidth='128000'/></AdaptationSet>"
    "<AdaptationSet contentType='video'><Representation id='v' "
    "width='640' height='360'/></AdaptationSet></Period></MPD>";

static void
test_order(void)
{
	char mpd[4096], set[128];
	int i;

	ok(parse(order_mpd, "http://h/m.mpd", 0, -1) == 0 && d->ntrk == 2 &&
	    d->video_reps == 1, "only the last Period is read");
	ok(d->trk[0].video && strcmp(d->trk[0].id, "v") == 0,
	    "the video track comes first, whatever the MPD's order");
	ok(!d->trk[1].video && strcmp(d->trk[1].id, "a2") == 0,
	    "of two audio representations of the highest bandwidth, the "
	    "first");
	/* more audio sets than tracks, then the video */
	strlcpy(mpd, "<MPD type='static' mediaPresentationDuration='PT8S'>"
	    "<Period><SegmentTemplate media='$RepresentationID$-$Number$' "
	    "initialization='i' duration='2'/>", sizeof(mpd));
	for (i = 0; i < SD_DASH_LIVE_TRACKS + 2; i++) {
		snprintf(set, sizeof(set), "<AdaptationSet contentType="
		    "'audio'><Representation id='a%d'/></AdaptationSet>", i);
		strlcat(mpd, set, sizeof(mpd));
	}
	strlcat(mpd, "<AdaptationSet contentType='video'><Representation "
	    "id='v'/></AdaptationSet></Period></MPD>", sizeof(mpd));
	ok(parse(mpd, "http://h/m.mpd", 0, -1) == 0 &&
	    d->ntrk == SD_DASH_LIVE_TRACKS && d->trk[0].video &&
	    strcmp(d->trk[SD_DASH_LIVE_TRACKS - 1].id, "a6") == 0,
	    "more audio sets than tracks: the video is kept, the later audio "
	    "sets left out");
}

static void
test_ended_and_bad(void)
{
	static const char *const unfit[] = {
	    "<MPD type='dynamic'><Period><AdaptationSet contentType='video'>"
	    "<Representation id='v' bandwidth='1'><SegmentBase/>"
	    "</Representation></AdaptationSet></Period></MPD>",
	    "<MPD type='dynamic'><Period><AdaptationSet contentType='video'>"
	    "<ContentProtection/><SegmentTemplate media='$Number$' "
	    "initialization='i' duration='1'/><Representation id='v'/>"
	    "</AdaptationSet></Period></MPD>",
	};
	static const char hostile[] =
	    "<MPD type='dynamic'><Period><AdaptationSet contentType='video'>"
	    "<SegmentTemplate media='$Time$' initialization='i'><SegmentTimeline>"
	    "<S t='1' d='2305843009213693951' r='2305843009213693951'/>"
	    "</SegmentTimeline></SegmentTemplate><Representation id='v'/>"
	    "</AdaptationSet></Period></MPD>";
	static const char many[] =
	    "<MPD type='dynamic'><Period><AdaptationSet contentType='video'>"
	    "<SegmentTemplate media='$Number$' initialization='i'>"
	    "<SegmentTimeline><S t='0' d='1' r='1000000000000'/>"
	    "</SegmentTimeline></SegmentTemplate><Representation id='v'/>"
	    "</AdaptationSet></Period></MPD>";
	char url[SD_URL_MAX];
	size_t i;

	ok(parse("<MPD type=\"static\"><Period/></MPD>", "http://h/m.mpd", 0,
	    -1) == -1 && errno == ENOENT, "a static MPD with nothing: ENOENT");
	ok(parse("<MPD type='static' mediaPresentationDuration='PT9S'><Period>"
	    "<AdaptationSet contentType='video'><SegmentTemplate "
	    "media='$Number$' initialization='i' duration='2'/>"
	    "<Representation id='v'/></AdaptationSet></Period></MPD>",
	    "http://h/m.mpd", 0, -1) == 0 && !d->dynamic && d->ntrk == 1 &&
	    d->trk[0].n == 5 && d->trk[0].seg[4].number == 5,
	    "a static MPD: ended, its segments to the end (9 s: 5 of 2 s)");
	ok(parse("#EXTM3U\n", "http://h/m.mpd", 0, -1) == -1 &&
	    errno == EINVAL, "not an MPD: EINVAL");
	for (i = 0; i < SD_ARRAY_LEN(unfit); i++)
		ok(parse(unfit[i], "http://h/m.mpd", 0, -1) == -1 &&
		    errno == ENOTSUP, "SegmentBase, keys: ENOTSUP (ffmpeg's)");
	ok(parse("<MPD type='dynamic'><Period><AdaptationSet "
	    "contentType='text'/></Period></MPD>", "http://h/m.mpd", 0, -1) ==
	    -1 && errno == ENOENT, "no video or audio: ENOENT");
	ok(parse(hostile, "http://h/m.mpd", 0, -1) == -1 && errno == EINVAL,
	    "a timeline that overflows: EINVAL, not a wrap");
	ok(parse("<MPD type='dynamic'><Period><AdaptationSet contentType="
	    "'video'><SegmentTemplate media='$Time$' initialization='i'>"
	    "<SegmentTimeline><S t='10' d='2'/><S t='4' d='2'/>"
	    "</SegmentTimeline></SegmentTemplate><Representation id='v'/>"
	    "</AdaptationSet></Period></MPD>", "http://h/m.mpd", 0, -1) == -1 &&
	    errno == EINVAL, "a timeline that goes back: EINVAL");
	ok(parse(many, "http://h/m.mpd", 0, -1) == 0 &&
	    d->trk[0].n == SD_DASH_LIVE_SEGS && d->trk[0].seg[SD_DASH_LIVE_SEGS -
	    1].number == 1000000000001LL, "an @r of 10^12: the newest kept, "
	    "no loop");
	d->trk[0].n = 1;
	d->trk[0].seg[0].number = 7;
	strlcpy(d->trk[0].media, "$Number%d$", sizeof(d->trk[0].media));
	ok(sd_dash_live_url(&d->trk[0], &d->trk[0].seg[0], url, sizeof(url))
	    == -1, "a format other than %0Nd is refused");
	strlcpy(d->trk[0].media, "$Number$x$$y", sizeof(d->trk[0].media));
	ok(sd_dash_live_url(&d->trk[0], &d->trk[0].seg[0], url, sizeof(url))
	    == 0 && strcmp(url, "http://h/7x$y") == 0,
	    "$$ is a dollar");
	strlcpy(d->trk[0].init, "$Number$", sizeof(d->trk[0].init));
	ok(sd_dash_live_url(&d->trk[0], NULL, url, sizeof(url)) == -1,
	    "$Number$ in an init URL is refused");
}

int
main(void)
{
	if ((d = malloc(sizeof(*d))) == NULL)
		return 1;
	test_ffmpeg();
	test_time();
	test_order();
	test_ended_and_bad();
	free(d);
	return done();
}
