/*
 * timeline.h - sd-cmafmux's clock: the input's timestamps onto one
 * continuous timeline, in plain int64 arithmetic (no libav*), so that each
 * rule can be tested alone (tests/unit/timeline.c).
 *
 * Each track keeps "internal" times in its own timescale: the input's,
 * unwrapped (33-bit PTS), plus an offset that only changes at a jump (an
 * upstream restart, files concatenated), when the new times are mapped onto
 * the end of the timeline so far. The store's origin (t=0) is the earliest
 * first presentation time over the tracks, fixed at the first segment;
 * tfdt and the index's t are internal times minus that origin.
 */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#define TL_NONE		INT64_MIN	/* no timestamp (libav's AV_NOPTS_VALUE) */
#define TL_CLOCKS_MAX	16
#define TL_JUMP_FWD_S	10		/* a gap longer than this is a jump */
#define TL_JUMP_BACK_S	1		/* and so is going back this much */
#define TL_GAP_MS	500		/* a hole longer than this is a break */

/* One track's clock. */
struct tl_clock {
	uint32_t ts;		/* the track's timescale: internal times */
	int64_t tb_num, tb_den;	/* the input's time base */
	int wrap_bits;		/* input times wrap at 2^wrap_bits (0: never) */
	int video;		/* decode times must rise */
	/* unwrapping */
	int64_t wrap_add, last_raw;
	int have_raw;
	/* rebasing */
	int64_t off;		/* added to input times; moves at a jump */
	int have_off;
	unsigned jump;		/* the timeline's jump whose offset off is */
	/* the last sample taken (tl_took) */
	int64_t last_dts, last_dur;
	int have_last;
	int64_t delay;		/* video: composition delay of the first key */
	/* the last hole in this track's times: from the time expected to
	 * the time that came, in us */
	int64_t gap_from_us, gap_to_us;
	int have_gap;
	int64_t acc;		/* audio: the next frame's time */
};

/* The tracks' clocks together: a jump and the origin are shared. */
struct timeline {
	struct tl_clock *clk[TL_CLOCKS_MAX];
	size_t n;
	/* the last jump: its number (0: none yet), its first input time, the
	 * offset it got and where it put the end of the timeline, in us */
	unsigned jumps;
	int64_t epoch_in_us, epoch_off_us, epoch_end_us;
	/* t=0 of the store, in origin_ts units */
	int64_t origin;
	uint32_t origin_ts;
	int have_origin;
};

/* What tl_times did besides converting. */
enum {
	TL_REBASED = 1,		/* the track's times jumped: rebased */
	TL_NEW_JUMP = 2,	/* ... at a jump no other track has shown */
	TL_GAP = 4,		/* a hole in every track's times: kept */
	TL_BACK = 8,		/* video more than two frames back, under a
				 * jump: an overlap (a source a moment behind) */
};

/*
 * a * b / c rounded to nearest (halves away from zero), and rounded down;
 * INT64_MIN when c <= 0, b < 0 or the result does not fit: libav's
 * av_rescale() and av_rescale_rnd(AV_ROUND_DOWN), which
 * tests/unit/rescale.c holds them to.
 */
int64_t tl_rescale(int64_t a, int64_t b, int64_t c);
int64_t tl_rescale_down(int64_t a, int64_t b, int64_t c);

/* A track's times to and from microseconds; input time base to its own. */
int64_t tl_us(const struct tl_clock *c, int64_t v);
int64_t tl_from_us(const struct tl_clock *c, int64_t us);
int64_t tl_from_input(const struct tl_clock *c, int64_t v);

void tl_clock_init(struct tl_clock *c, uint32_t ts, int tb_num, int tb_den,
    int wrap_bits, int video);
/* c joins the timeline (the tracks in order); -1 when it is full. */
int tl_add(struct timeline *tl, struct tl_clock *c);

/*
 * A packet's input times d and p (TL_NONE: missing) to internal *dts and
 * *pts. Returns -1 for a packet with no usable time, else TL_* flags.
 *
 * A jump (more than TL_JUMP_FWD_S past the time expected, or more than
 * TL_JUMP_BACK_S before the last sample) is rebased. A hole of more than
 * TL_GAP_MS (an upstream that stalled, a source that failed over) keeps its
 * times: the input's clock says that much time passed. Both are breaks
 * that a segment must not span; a hole is one (TL_GAP) only when no other
 * track went on through it: a video of one frame every two seconds under
 * continuous audio has holes of its own, not breaks.
 */
int tl_times(struct timeline *tl, struct tl_clock *c, int64_t d, int64_t p,
    int64_t *dts, int64_t *pts);
/* The sample at dts lasting dur was taken: the next is expected after. */
void tl_took(struct tl_clock *c, int64_t dts, int64_t dur);
/*
 * The duration of a video frame at dts from the distance to the last one
 * taken; the last one's duration again after a break (brk: a jump or a
 * hole, whose length is no frame's duration) or when dts does not come
 * after it; fallback for the first.
 */
int64_t tl_frame_dur(const struct tl_clock *c, int64_t dts, int brk,
    int64_t fallback);

/*
 * Audio: sample times follow the frames' own durations. A frame stamped
 * time, dur long, is placed at c->acc (the end of the last frame) or, after
 * a gap of more than half a frame, at its own time: returns 0. -1: drop it,
 * the frames outran their times by more than three. tl_audio_took then
 * moves acc past it.
 */
int tl_audio_time(struct tl_clock *c, int64_t time, int64_t dur);
void tl_audio_took(struct tl_clock *c, int64_t dur);

/*
 * The origin: the earliest of first[i] (the first presentation time in
 * hand on clock i, TL_NONE for none), fixed by the first call.
 */
void tl_fix_origin(struct timeline *tl, const int64_t *first);
/* The origin on a clock of timescale ts (rounded down). */
int64_t tl_origin_in(const struct timeline *tl, uint32_t ts);

#endif
