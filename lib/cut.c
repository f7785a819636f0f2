/*
 * cut.c - sd-cmafmux's cut policy (cut.h): the ring of cuts and the
 * decisions of when a segment ends. Pure: plain values in, a verdict out.
 */
#include <stdlib.h>
#include <string.h>

#include "cut.h"

/* ---------------------------------------------------------------- ring */

int
cutq_init(struct cutq *q)
{
	memset(q, 0, sizeof(*q));
	if ((q->cuts = calloc(CUTS_MAX, sizeof(*q->cuts))) == NULL)
		return -1;
	return 0;
}

void
cutq_free(struct cutq *q)
{
	free(q->cuts);
	q->cuts = NULL;
}

struct cut *
cutq_of(const struct cutq *q, uint64_t seq)
{
	return &q->cuts[seq % CUTS_MAX];
}

struct cut *
cutq_declare(struct cutq *q, int64_t p_us, int disc, unsigned need)
{
	struct cut *c;

	if (q->open_seq - q->pub_seq >= CUTS_MAX - 1)
		return NULL;
	c = cutq_of(q, q->open_seq);
	memset(c, 0, sizeof(*c));
	c->seq = q->open_seq;
	c->p_us = p_us;
	c->disc = disc;
	c->need = need;
	q->open_seq++;
	return c;
}

int
cutq_crowded(const struct cutq *q)
{
	return q->open_seq - q->pub_seq >= CUTS_MAX - 2;
}

int
cutq_passed_disc(const struct cutq *q, uint64_t seq, int64_t us)
{
	const struct cut *c;

	if (seq >= q->open_seq)
		return 0;
	c = cutq_of(q, seq);
	return c->disc && us >= c->p_us;
}

/* ---------------------------------------------------------------- video */

int
cut_hand_full(int64_t dts, int64_t first_dts, size_t hand_bytes,
    uint32_t ts, double target)
{
	double most = target * 15 > 60 ? target * 15 : 60;

	return (double)(dts - first_dts) > most * ts ||
	    hand_bytes > ((size_t)128 << 20);
}

/*
 * Where a keyframe cuts: from the target less a tolerance on, so that a
 * keyframe a little early (streams spliced with a small overlap) still
 * cuts, else a segment of two GOPs.
 */
static int64_t
cut_due(const struct cut_video_in *in)
{
	int64_t tol = (int64_t)(in->target * in->ts / 10);

	if (tol < in->last_dur / 2)
		tol = in->last_dur / 2;
	return in->seg_start + (int64_t)(in->target * in->ts) - tol;
}

/*
 * A keyframe cuts when the segment in hand has reached cut_due, and at
 * once when one was awaited, with new parameter sets, or when a
 * discontinuity is pending.
 */
static int
key_cuts(const struct cut_video_in *in)
{
	return in->need_key || in->new_params || in->disc_pending ||
	    in->pts >= cut_due(in);
}

/*
 * Frames were lost (a hole of more than two frames, under what makes a
 * break of it: an upstream that failed over a moment) across the point
 * where a GOP as long as the target puts the keyframe that cuts: it was
 * most likely among them, and waiting for the next one would make a
 * segment of two GOPs. (Decode times, shifted by the segment's first
 * frame's composition delay, as a keyframe's pts is.)
 */
static int
key_lost(const struct cut_video_in *in)
{
	int64_t at = in->seg_start + (int64_t)(in->target * in->ts);
	int64_t shift = in->seg_start - in->first_dts;

	return !in->key && in->n > 0 && in->last_dur > 0 &&
	    in->dts - in->prev_dts > 2 * in->last_dur &&
	    in->prev_dts + shift < at && in->dts + shift >= at;
}

enum cut_video
cut_video(const struct cut_video_in *in, int *disc)
{
	*disc = 0;
	if (!in->started)
		return in->key ? CUT_V_FIRST : CUT_V_EARLY;
	if ((in->brk || key_lost(in)) && in->n > 0) {
		/* never across the break: what came before is closed now,
		 * not at the next keyframe, which may be a GOP away */
		*disc = 1;
		return CUT_V_BREAK;
	}
	if (in->need_key && !in->key)
		return CUT_V_SKIP;
	if (in->n == 0)
		return CUT_V_OPEN;
	if (!in->key && cut_hand_full(in->dts, in->first_dts, in->hand_bytes,
	    in->ts, in->target)) {
		*disc = 1;
		return CUT_V_STALL;
	}
	if (in->key && key_cuts(in)) {
		*disc = in->need_key || in->disc_pending || in->new_params;
		return CUT_V_CUT;
	}
	return CUT_V_KEEP;
}

/* ---------------------------------------------------------------- audio */

int
cut_audio_due(size_t n, int disc_pending, int64_t last, int64_t seg_start,
    uint32_t ts, double target)
{
	return n > 1 && (disc_pending ||
	    last - seg_start >= (int64_t)(target * ts));
}

/*
 * A change of audio parameters (a 2.0 programme after a 5.1 one) needs a
 * new header, at a cut with a discontinuity. When this track is just past
 * the last cut and nothing after that cut is written, that cut takes it
 * (the video cut at the programme's first keyframe, the new audio came
 * right after): the few old frames since are dropped and the header
 * changes now. When the track has not reached the last cut, that cut
 * takes it and the new frames until then are dropped. Else the next cut
 * does.
 */
enum cut_audio_change
cut_audio_change(const struct cut_audio_in *in)
{
	if (!in->written)
		return CUT_A_NOW;
	if (in->have_cut && in->seq == in->cut_seq + 1 && in->markable)
		return CUT_A_NOW_MARK;
	if (in->have_cut && in->seq <= in->cut_seq && in->markable)
		return CUT_A_LAST;
	return CUT_A_NEXT;
}

/* ---------------------------------------------------------------- follow */

enum cut_follow
cut_follow(size_t *k, size_t n, int reached, int at_end)
{
	/*
	 * Wait for a sample past the cut, unless the last in hand lasts to
	 * it (the next one, whenever it comes, starts at the cut or later:
	 * audio's times run on from its durations; not waiting for it saves
	 * the source's next audio PES, a third of a second behind in TS
	 * muxed as FFmpeg does), or the input has ended: then what is left
	 * belongs to this cut (audio that stops before the video's last
	 * keyframes must not hold them back).
	 */
	if (*k == n && !at_end && !(reached && n > 0))
		return CUT_F_WAIT;
	if (n == 0)
		return CUT_F_SKIP;
	if (*k == 0)
		*k = 1;	/* a gap: no empty segment */
	return CUT_F_CLOSE;
}
