/*
 * cut.h - sd-cmafmux's cut policy: when a segment ends. Pure (no libav*),
 * so that each branch can be tested alone (tests/unit/cut.c).
 *
 * A cut closes segment seq of every track at one presentation time: the
 * video (or, without video, the first audio track) declares it at a
 * keyframe; the others close it once a sample of theirs lasts to it (the
 * segment ends before their first sample at or after it), which may come
 * later in the input. The cuts wait in a ring until every track's
 * segment for them is written; then they are published, in order.
 */
#ifndef CUT_H
#define CUT_H

#include <stddef.h>
#include <stdint.h>

#include "sd.h"
#include "store.h"

#define CUTS_MAX	64	/* cuts declared but not yet in the index */

struct cut {
	uint64_t seq;		/* the segments it closes */
	int64_t p_us;		/* at this presentation time (INT64_MAX: end) */
	int disc;		/* the next segments start after a jump */
	unsigned need, have;	/* tracks, by bit */
	struct sd_store_seg seg[SD_STORE_MAX_TRACKS];
	struct sd_store_seg ts_seg;
	int ts_have;
};

/* The cuts in flight: declared up to open_seq, published up to pub_seq. */
struct cutq {
	struct cut *cuts;	/* CUTS_MAX of them, a ring by seq */
	uint64_t open_seq, pub_seq;
	int disc_pending;	/* the next cut follows a jump or a change */
};

int cutq_init(struct cutq *q);
void cutq_free(struct cutq *q);
struct cut *cutq_of(const struct cutq *q, uint64_t seq);
/*
 * A new cut at p_us for the tracks in need; NULL when the ring is full
 * (the tracks that lag must be let go first: cutq_crowded).
 */
struct cut *cutq_declare(struct cutq *q, int64_t p_us, int disc,
    unsigned need);
/* So many cuts unpublished that lagging tracks must be left out. */
int cutq_crowded(const struct cutq *q);
/*
 * The cut that closes segment seq is declared, has a discontinuity and is
 * at or before us: what a change of audio parameters waits for.
 */
int cutq_passed_disc(const struct cutq *q, uint64_t seq, int64_t us);

/* ---------------------------------------------------------------- video */

/* What the video track does with an access unit. */
enum cut_video {
	CUT_V_EARLY,	/* before the first keyframe: dropped */
	CUT_V_FIRST,	/* the first keyframe: the track starts here */
	CUT_V_BREAK,	/* a jump or a hole before it (or frames lost where
			 * a keyframe was due): the segment in hand
			 * ends with its last frame, and this one is taken
			 * as after a stall (a keyframe opens one, else it
			 * is dropped) */
	CUT_V_SKIP,	/* waiting for a keyframe after a break: dropped */
	CUT_V_OPEN,	/* nothing in hand (a stall closed it): opens one */
	CUT_V_STALL,	/* no keyframe for too long: cut, drop until one */
	CUT_V_CUT,	/* a keyframe that ends the segment in hand */
	CUT_V_KEEP,	/* into the segment in hand */
};

struct cut_video_in {
	int started;		/* the track had its first keyframe */
	int key;		/* this AU is a keyframe */
	int need_key;		/* after a break or a stall */
	int brk;		/* its times follow a jump or a hole */
	int new_params;		/* it carries new parameter sets */
	int disc_pending;	/* the next cut follows a jump or a change */
	size_t n;		/* samples in hand */
	size_t hand_bytes;	/* their bytes */
	int64_t dts, pts;	/* this AU's internal times */
	int64_t first_dts;	/* the first sample's in hand */
	int64_t prev_dts;	/* the last sample's in hand */
	int64_t seg_start;	/* the first presentation time in hand */
	int64_t last_dur;	/* the frame duration seen last */
	uint32_t ts;		/* the timescale of those */
	double target;		/* -d, seconds */
};

/* The verdict; *disc: the cut it asks for starts with a discontinuity. */
enum cut_video cut_video(const struct cut_video_in *in, int *disc);

/*
 * The segment in hand may not grow without bound when keyframes stop
 * coming: a minute (or 15 targets) past its first dts, or 128 MiB.
 */
int cut_hand_full(int64_t dts, int64_t first_dts, size_t hand_bytes,
    uint32_t ts, double target);

/* ---------------------------------------------------------------- audio */

/*
 * Audio-only input: the driving track cuts before its newest frame, which
 * starts at last: n frames in hand, the segment from seg_start.
 */
int cut_audio_due(size_t n, int disc_pending, int64_t last,
    int64_t seg_start, uint32_t ts, double target);

/* Where a change of audio parameters (a new header) goes. */
enum cut_audio_change {
	CUT_A_NOW,	/* nothing written yet: a new header now */
	CUT_A_NOW_MARK,	/* just past the last cut: it takes the change now */
	CUT_A_LAST,	/* not at the last cut yet: it takes the change */
	CUT_A_NEXT,	/* the next cut takes it (a discontinuity pending) */
};

struct cut_audio_in {
	int written;		/* a segment of this track is written */
	int have_cut;		/* a cut is declared, not the end's */
	uint64_t cut_seq;	/* ... the last one */
	uint64_t seq;		/* the segment this track fills */
	int markable;		/* no segment after the last cut is written */
};

enum cut_audio_change cut_audio_change(const struct cut_audio_in *in);

/* ---------------------------------------------------------------- follow */

enum cut_follow {
	CUT_F_WAIT,	/* no sample past the cut yet: wait for one */
	CUT_F_SKIP,	/* nothing in hand at the end: not in this cut */
	CUT_F_CLOSE,	/* close the segment before sample *k */
};

/*
 * A track that follows the cuts closes one: *k is its first sample at or
 * after the cut's time (n: none yet), reached when its last sample in hand
 * lasts to the cut's time or past it, at_end when the input has ended.
 */
enum cut_follow cut_follow(size_t *k, size_t n, int reached, int at_end);

#endif
