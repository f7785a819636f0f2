/*
 * timeline.c unit tests: sd-cmafmux's clock without libav*. Rounding, the
 * 33-bit wrap of dts and pts, missing times, decode times kept rising,
 * jumps forward and back rebased onto the end of the timeline (tracks that
 * jump together keep their A/V offset), audio frames placed by their
 * durations, and the origin; several clips that each start at the same
 * time (issue 11: each is a jump of its own, none overlaps another); holes
 * in every track's times, and a frame after a hole (issue 12).
 */
#include <stdio.h>

#include "timeline.h"
#include "mtap.h"

#define WRAP	((int64_t)1 << 33)
#define FRAME	3600		/* 25 fps at 90 kHz */
#define AFRAME	1024		/* AAC at 48 kHz */

static void
is_int(int64_t got, int64_t want, const char *desc)
{
	ok(got == want, desc);
	if (got != want)
		printf("# got %lld, expected %lld\n", (long long)got,
		    (long long)want);
}

/* A TS-like input: 1/90000, 33-bit times. */
static void
clocks(struct timeline *tl, struct tl_clock *v, struct tl_clock *a)
{
	memset(tl, 0, sizeof(*tl));
	tl_clock_init(v, 90000, 1, 90000, 33, 1);
	tl_clock_init(a, 48000, 1, 90000, 33, 0);
	tl_add(tl, v);
	tl_add(tl, a);
}

/* A video frame in (input dts, pts), taken as the segmenter does. */
static int
vframe(struct timeline *tl, struct tl_clock *v, int64_t d, int64_t p,
    int64_t *dts, int64_t *pts)
{
	int rv = tl_times(tl, v, d, p, dts, pts);

	if (rv != -1)
		tl_took(v, *dts, FRAME);
	return rv;
}

/* An audio frame at input time d: where it goes (TL_NONE: dropped). */
static int64_t
aframe(struct timeline *tl, struct tl_clock *a, int64_t d, int *rv)
{
	int64_t dts, pts;

	*rv = tl_times(tl, a, d, d, &dts, &pts);
	if (*rv == -1 || tl_audio_time(a, dts, AFRAME) == -1)
		return TL_NONE;
	dts = a->acc;
	tl_audio_took(a, AFRAME);
	return dts;
}

static void
test_rescale(void)
{
	is_int(tl_rescale(90000, 1000000, 90000), 1000000, "rescale: exact");
	is_int(tl_rescale(1, 1, 2), 1, "rescale: a half rounds up");
	is_int(tl_rescale(-1, 1, 2), -1, "rescale: and away from zero");
	is_int(tl_rescale(1, 1, 3), 0, "rescale: a third rounds down");
	is_int(tl_rescale_down(-1, 1, 2), -1, "rescale_down: toward -inf");
	is_int(tl_rescale_down(1, 1, 2), 0, "rescale_down: positive half");
	is_int(tl_rescale(5, 1, 0), INT64_MIN, "rescale: c=0 is INT64_MIN");
	is_int(tl_rescale(INT64_MAX, 3, 2), INT64_MIN,
	    "rescale: overflow is INT64_MIN");
	is_int(tl_rescale((int64_t)1 << 40, (int64_t)1 << 40,
	    (int64_t)1 << 41), (int64_t)1 << 39,
	    "rescale: 128-bit product");
}

static void
test_wrap(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p, d0;

	clocks(&tl, &v, &a);
	vframe(&tl, &v, WRAP - FRAME, FRAME, &d0, &p);
	is_int(p - d0, 2 * FRAME, "wrap: pts wrapped before dts: still ahead");
	vframe(&tl, &v, 0, 2 * FRAME, &d, &p);
	is_int(d - d0, FRAME, "wrap: dts past 2^33 goes on rising");
	ok(!(tl_times(&tl, &v, FRAME, 3 * FRAME, &d, &p) & TL_REBASED),
	    "wrap: no jump");
	is_int(d - d0, 2 * FRAME, "wrap: and the next one too");
	vframe(&tl, &v, 2 * FRAME, 2 * FRAME + 11 * 90000, &d, &p);
	is_int(p, d, "pts more than 10 s off its dts: taken as the dts");
}

static void
test_missing(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p;

	clocks(&tl, &v, &a);
	is_int(tl_times(&tl, &v, TL_NONE, TL_NONE, &d, &p), -1,
	    "no time and nothing before: no usable time");
	is_int(vframe(&tl, &v, TL_NONE, 9000, &d, &p), 0,
	    "no dts: the pts serves");
	is_int(d, 9000, "... as the dts");
	v.delay = 1800;
	is_int(tl_times(&tl, &v, TL_NONE, TL_NONE, &d, &p), 0,
	    "no time after a frame: it follows that one");
	is_int(d, 9000 + FRAME, "... one frame on");
	is_int(p, 9000 + FRAME + 1800, "... shown after the delay");
}

static void
test_rising(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p;

	clocks(&tl, &v, &a);
	vframe(&tl, &v, 90000, 90000, &d, &p);
	is_int(tl_times(&tl, &v, 90000 - 1000, 90000 + 500, &d, &p), 0,
	    "video a little back: not a jump");
	is_int(d, 90001, "... decode time kept rising");
	is_int(p, 90000 + 500 + 1001, "... pts moved with it");
	vframe(&tl, &v, 90000 + FRAME, 90000 + FRAME, &d, &p);
	is_int(tl_times(&tl, &v, 90000 - FRAME, 90000, &d, &p), 0,
	    "video two frames back: no overlap");
	is_int(tl_times(&tl, &v, 90000 - FRAME - 1, 90000, &d, &p), TL_BACK,
	    "more (a source a moment behind took over): an overlap");
	is_int(tl_times(&tl, &v, 90000 + FRAME - 89999, 90000, &d, &p),
	    TL_BACK, "... up to a jump");
}

static void
test_jumps(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p, ad, off_v, end, in;
	int i, rv;

	clocks(&tl, &v, &a);
	for (i = 0; i < 50; i++)	/* 2 s of video at 1 s */
		vframe(&tl, &v, 90000 + i * FRAME, 90000 + i * FRAME, &d, &p);
	for (i = 0; i < 94; i++)	/* and of audio */
		aframe(&tl, &a, 90000 + i * 1920, &rv);
	vframe(&tl, &v, 90000 + 50 * FRAME + 9 * 90000,
	    90000 + 50 * FRAME + 9 * 90000, &d, &p);
	is_int(d, 90000 + 50 * FRAME + 9 * 90000,
	    "a 9 s gap: kept, not a jump");
	end = d + FRAME;
	rv = vframe(&tl, &v, 500 * 90000, 500 * 90000, &d, &p);
	is_int(rv, TL_REBASED | TL_NEW_JUMP, "a 489 s gap: a new jump");
	is_int(d, end, "... rebased onto the end of the timeline");
	off_v = d - 500 * 90000;
	ad = aframe(&tl, &a, 500 * 90000 - 9000, &rv);
	is_int(rv, TL_REBASED, "the audio's jump a moment before: the same");
	is_int(ad, tl_rescale(500 * 90000 - 9000 + off_v, 48000, 90000),
	    "... and its offset: A/V offset kept");
	for (i = 1; i < 500; i++)	/* 20 s on */
		vframe(&tl, &v, 500 * 90000 + i * FRAME, 500 * 90000 +
		    i * FRAME, &d, &p);
	end = d + FRAME;
	in = 500 * 90000 + 500 * FRAME - 2 * 90000;
	rv = vframe(&tl, &v, in, in, &d, &p);
	is_int(rv, TL_REBASED | TL_NEW_JUMP, "2 s back: a new jump");
	is_int(d, end, "... onto the end again");
	rv = tl_times(&tl, &v, in + FRAME / 2, in + FRAME / 2, &d, &p);
	is_int(rv, 0, "half a frame back (under 1 s): no jump");
}

static void
test_join(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p, ad;
	int i, rv;

	clocks(&tl, &v, &a);
	for (i = 0; i < 25; i++)
		vframe(&tl, &v, 90000 + i * FRAME, 90000 + i * FRAME, &d, &p);
	vframe(&tl, &v, 900 * 90000, 900 * 90000, &d, &p);
	ad = aframe(&tl, &a, 900 * 90000, &rv);
	is_int(rv, 0, "a track whose first frame follows a jump: no jump");
	is_int(ad, tl_rescale(d, 48000, 90000),
	    "... it takes the jump's offset");
}

static void
test_audio(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t at;
	int rv;

	clocks(&tl, &v, &a);
	at = aframe(&tl, &a, 90000, &rv);
	is_int(at, 48000, "audio: the first frame at its time");
	at = aframe(&tl, &a, 90000 + 1000, &rv);
	is_int(at, 48000 + AFRAME, "audio: an overlap is absorbed");
	at = aframe(&tl, &a, 90000 + 2 * 1920 + 1000, &rv);
	is_int(at, 48000 + 2 * AFRAME,
	    "audio: a frame under 1.5 frames late follows the last");
	at = aframe(&tl, &a, 90000 + 5 * 1920, &rv);
	is_int(at, 48000 + 5 * AFRAME,
	    "audio: one later than that keeps its time (a gap)");
	a.acc += 4 * AFRAME;
	at = aframe(&tl, &a, 90000 + 6 * 1920, &rv);
	is_int(at, TL_NONE,
	    "audio: frames that outran their times by 3 are dropped");
}

static void
test_origin(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t first[2];

	clocks(&tl, &v, &a);
	first[0] = 90000;		/* 1 s */
	first[1] = 47999;		/* 0.99998 s */
	tl_fix_origin(&tl, first);
	is_int(tl.origin_ts, 48000, "origin: the earliest, audio's");
	is_int(tl_origin_in(&tl, 90000), 89998,
	    "origin: on the video clock, 89998.1 rounded down");
	is_int(tl_origin_in(&tl, 7), 6, "origin: 6.9998 rounded down");
	first[1] = 1;
	tl_fix_origin(&tl, first);
	is_int(tl.origin, 47999, "origin: fixed once");
	clocks(&tl, &v, &a);
	first[0] = 180000;
	first[1] = TL_NONE;
	tl_fix_origin(&tl, first);
	is_int(tl_origin_in(&tl, 48000), 96000,
	    "origin: a track with nothing in hand is left out");
}

/*
 * Issue 11: four 10 s clips concatenated, each starting at input time 1 s.
 * The third clip's jump back used to be taken for the second's (same input
 * time) and landed on it.
 */
static void
test_clips(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p, first[4];
	int c, i;

	clocks(&tl, &v, &a);
	for (c = 0; c < 4; c++)
		for (i = 0; i < 250; i++) {
			vframe(&tl, &v, 90000 + i * FRAME, 90000 + i * FRAME,
			    &d, &p);
			if (i == 0)
				first[c] = d;
		}
	is_int(first[1] - first[0], 10 * 90000,
	    "clips: the second follows the first");
	is_int(first[2] - first[1], 10 * 90000,
	    "clips: the third follows the second");
	is_int(first[3] - first[2], 10 * 90000,
	    "clips: the fourth follows the third");
}

/*
 * Four 6 s clips of video and audio, interleaved as a muxer does, each
 * starting at the same input time (ffmpeg's concat of equal files, or an
 * upstream restarted three times): three jumps, each once, every clip on
 * the end of the last one, the audio with the video's offset.
 */
static void
test_av_clips(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p, ad, vfirst[4], afirst[4];
	int c, i, rv, jumps = 0, frames_back = 0;

	clocks(&tl, &v, &a);
	for (c = 0; c < 4; c++)
		for (i = 0; i < 150; i++) {
			rv = vframe(&tl, &v, 126000 + i * FRAME, 126000 +
			    i * FRAME, &d, &p);
			jumps += (rv & TL_NEW_JUMP) != 0;
			if (i == 0)
				vfirst[c] = d;
			else
				frames_back += d <= vfirst[c];
			/* 1.875 audio frames a video frame, 0.2 s ahead */
			ad = aframe(&tl, &a, 108000 + i * 3600, &rv);
			jumps += (rv & TL_NEW_JUMP) != 0;
			if (i == 0)
				afirst[c] = ad;
		}
	is_int(jumps, 3, "av clips: three jumps, each once");
	is_int(frames_back, 0, "av clips: every frame after its clip's first");
	for (c = 1; c < 4; c++) {
		is_int(vfirst[c] - vfirst[c - 1], 6 * 90000,
		    "av clips: video follows the clip before");
		is_int(tl_rescale(vfirst[c], 48000, 90000) - afirst[c],
		    tl_rescale(18000, 48000, 90000),
		    "av clips: audio keeps its 0.2 s lead");
	}
}

/* Clips whose times go forward by a jump each time, any number of them. */
static void
test_forward_clips(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p, first[6];
	int c, i;

	clocks(&tl, &v, &a);
	for (c = 0; c < 6; c++)
		for (i = 0; i < 50; i++) {
			vframe(&tl, &v, (c * 100 + 1) * 90000 + i * FRAME,
			    (c * 100 + 1) * 90000 + i * FRAME, &d, &p);
			if (i == 0)
				first[c] = d;
		}
	for (c = 1; c < 6; c++)
		is_int(first[c] - first[c - 1], 2 * 90000,
		    "forward clips: each follows the one before");
}

/*
 * Video and audio, interleaved, 2 s from input time 1 s; then nothing
 * for 5.4 s (an upstream that stalled, then came back at the live point),
 * then 2 s more. Frames are taken as the segmenter takes them.
 */
static void
test_hole(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p, in, ad, dur, last_d = 0;
	int i, rv, vflags = 0, aflags = 0, later = 0;

	clocks(&tl, &v, &a);
	for (i = 0; i < 100; i++) {
		in = 90000 + i * FRAME + (i >= 50 ? 486000 : 0);
		rv = tl_times(&tl, &v, in, in, &d, &p);
		if (i == 50) {
			vflags = rv;
			dur = tl_frame_dur(&v, d, rv & TL_GAP, FRAME);
			is_int(d, in, "hole: the video's times are kept");
			is_int(dur, FRAME, "hole: the first frame after it "
			    "lasts a frame, not the hole");
		} else {
			dur = tl_frame_dur(&v, d, 0, FRAME);
			later |= i > 50 ? rv : 0;
		}
		if (i > 0 && i != 50 && d - last_d != FRAME)
			later |= 0x100;
		tl_took(&v, d, dur);
		last_d = d;
		ad = aframe(&tl, &a, in - 9000, &rv);
		if (i == 50)
			aflags = rv;
		else
			later |= i > 50 ? rv : 0;
		if (i == 50)
			is_int(ad, tl_rescale(in - 9000, 48000, 90000),
			    "hole: the audio's times are kept");
	}
	is_int(vflags, TL_GAP, "hole: a break for the video");
	is_int(aflags, TL_GAP, "hole: and for the audio, which has it too");
	is_int(later, 0, "hole: no jump and no hole after it, frames a "
	    "frame apart");
}

/* What used to follow a hole: a last duration that long, then a frame. */
static void
test_long_last(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p;

	clocks(&tl, &v, &a);
	tl_times(&tl, &v, 90000, 90000, &d, &p);
	tl_took(&v, d, 5 * 90000);
	is_int(tl_times(&tl, &v, 90000 + FRAME, 90000 + FRAME, &d, &p), 0,
	    "a frame after one that lasted 5 s: no jump back");
	is_int(d, 90000 + FRAME, "... its time kept");
	is_int(tl_frame_dur(&v, d, 0, 7), FRAME,
	    "frame duration: the distance to the last one");
	is_int(tl_frame_dur(&v, d - FRAME, 0, 7), 5 * 90000,
	    "... the last one's when it does not come after it");
	v.have_last = 0;
	is_int(tl_frame_dur(&v, d, 0, 7), 7, "... the fallback for the first");
}

/*
 * A still picture every 2 s under continuous audio (a radio channel):
 * the video's holes are its own, not breaks.
 */
static void
test_sparse_video(void)
{
	struct timeline tl;
	struct tl_clock v, a;
	int64_t d, p, in, dur;
	int i, k, rv, flags = 0;

	clocks(&tl, &v, &a);
	for (i = 0; i < 10; i++) {
		in = 90000 + i * 180000;
		rv = tl_times(&tl, &v, in, in, &d, &p);
		flags |= rv;
		dur = tl_frame_dur(&v, d, rv & TL_GAP, FRAME);
		tl_took(&v, d, dur);
		for (k = 0; k < 94; k++) {
			aframe(&tl, &a, in + k * 1920, &rv);
			flags |= rv;
		}
	}
	is_int(flags, 0, "sparse video under audio: no break, no jump");
	is_int(v.last_dur, 180000, "... its frames last 2 s");
}

int
main(void)
{
	test_rescale();
	test_wrap();
	test_missing();
	test_rising();
	test_jumps();
	test_join();
	test_audio();
	test_origin();
	test_clips();
	test_av_clips();
	test_forward_clips();
	test_hole();
	test_long_last();
	test_sparse_video();
	return done();
}
