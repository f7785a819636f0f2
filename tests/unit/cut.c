/*
 * cut.c unit tests: sd-cmafmux's cut policy without libav*. Each branch of
 * the video chain (before the first keyframe, the first, a break, waiting
 * for a key, an empty hand, a stall, a cut, a keep) and the order between
 * them; the
 * audio-only driver; where a change of audio parameters goes; how a
 * following track closes a cut; the ring of cuts.
 */
#include <stdio.h>

#include "cut.h"
#include "mtap.h"

#define TS	90000
#define FRAME	3600

static const char *const verdicts[] = { "EARLY", "FIRST", "BREAK", "SKIP",
	"OPEN", "STALL", "CUT", "KEEP" };

/* A started video track, 2 s target, 1 s into a segment, no keyframe. */
static struct cut_video_in
mid_gop(void)
{
	struct cut_video_in in;

	memset(&in, 0, sizeof(in));
	in.started = 1;
	in.n = 25;
	in.hand_bytes = 100000;
	in.first_dts = 10 * TS;
	in.seg_start = 10 * TS + 2 * FRAME;
	in.dts = 11 * TS;
	in.prev_dts = in.dts - FRAME;
	in.pts = 11 * TS + 2 * FRAME;
	in.last_dur = FRAME;
	in.ts = TS;
	in.target = 2;
	return in;
}

/* The verdict on in is want, with a discontinuity or not. */
static void
is_verdict(const struct cut_video_in *in, enum cut_video want, int want_disc,
    const char *desc)
{
	int disc = -1;
	enum cut_video got = cut_video(in, &disc);

	ok(got == want && disc == want_disc, desc);
	if (got != want || disc != want_disc)
		printf("# got %s disc=%d, expected %s disc=%d\n",
		    verdicts[got], disc, verdicts[want], want_disc);
}

/*
 * A break (a hole or a jump in the times: an upstream that stalled or
 * failed over) closes the segment in hand at once, whatever this frame
 * is: waiting for the next keyframe stretched the segment over the hole
 * (issue 12). Then the frame is as after a stall.
 */
static void
test_break(void)
{
	struct cut_video_in in;

	in = mid_gop();
	in.brk = 1;
	is_verdict(&in, CUT_V_BREAK, 1, "a break mid-GOP: cut, discontinuity");
	in.key = 1;
	is_verdict(&in, CUT_V_BREAK, 1, "a break at a key: cut there too");
	in.need_key = 1;
	is_verdict(&in, CUT_V_BREAK, 1, "a break while a key is awaited: cut");
	in.started = 0;
	is_verdict(&in, CUT_V_FIRST, 0, "a break before the first key: none");
	in = mid_gop();
	in.brk = 1;
	in.n = 0;
	in.need_key = 1;
	is_verdict(&in, CUT_V_SKIP, 0,
	    "after the break's cut, not a key: dropped");
	in.key = 1;
	is_verdict(&in, CUT_V_OPEN, 0, "... a key: opens the next segment");

	/* mid_gop: the segment from 10 s (its key shown 2 frames later),
	 * where a GOP of the 2 s target puts the next key: decoded at 12 s */
	in = mid_gop();
	in.prev_dts = 12 * TS - 2 * FRAME;
	in.dts = 12 * TS + 3 * FRAME;
	in.pts = in.dts + 2 * FRAME;
	is_verdict(&in, CUT_V_BREAK, 1,
	    "frames lost where the key was due: a break");
	in.key = 1;
	is_verdict(&in, CUT_V_CUT, 0, "... unless this one is a key");
	in.key = 0;
	in.prev_dts = 12 * TS - 3 * FRAME;
	in.dts = 12 * TS - FRAME;
	is_verdict(&in, CUT_V_KEEP, 0, "frames lost before that: kept");
	in.prev_dts = 12 * TS;
	in.dts = 12 * TS + 3 * FRAME;
	is_verdict(&in, CUT_V_KEEP, 0, "frames lost after it (a longer GOP): "
	    "kept");
	in.prev_dts = 12 * TS - FRAME;
	in.dts = 12 * TS + FRAME;
	is_verdict(&in, CUT_V_KEEP, 0, "one frame lost there: kept");
}

static void
test_video(void)
{
	struct cut_video_in in;

	in = mid_gop();
	in.started = 0;
	is_verdict(&in, CUT_V_EARLY, 0, "before the first keyframe: dropped");
	in.key = 1;
	is_verdict(&in, CUT_V_FIRST, 0, "the first keyframe starts the track");

	in = mid_gop();
	in.need_key = 1;
	is_verdict(&in, CUT_V_SKIP, 0, "after a jump, not a key: dropped");
	in.first_dts = 0;	/* the hand full too: still waiting */
	is_verdict(&in, CUT_V_SKIP, 0, "... even with the hand full");
	in = mid_gop();
	in.need_key = 1;
	in.key = 1;
	is_verdict(&in, CUT_V_CUT, 1, "after a jump, a key: cut, discontinuity");

	in = mid_gop();
	in.n = 0;
	is_verdict(&in, CUT_V_OPEN, 0, "nothing in hand: this one opens it");
	in.key = 1;
	in.need_key = 1;
	in.new_params = 1;
	is_verdict(&in, CUT_V_OPEN, 0,
	    "nothing in hand, a key after a stall: opens, no second cut");

	in = mid_gop();
	is_verdict(&in, CUT_V_KEEP, 0, "mid-GOP: kept");
	in.dts = in.first_dts + 60 * TS;
	in.prev_dts = in.dts - FRAME;
	is_verdict(&in, CUT_V_KEEP, 0, "60 s without a key at -d 2: kept");
	in.dts++;
	is_verdict(&in, CUT_V_STALL, 1,
	    "past 60 s without a key: stall cut, discontinuity");
	in.key = 1;
	in.pts = in.dts + 2 * FRAME;
	is_verdict(&in, CUT_V_CUT, 0, "a key that late: an ordinary cut");
	in = mid_gop();
	in.hand_bytes = ((size_t)128 << 20) + 1;
	is_verdict(&in, CUT_V_STALL, 1, "past 128 MiB in hand: stall cut");

	in = mid_gop();
	in.key = 1;
	is_verdict(&in, CUT_V_KEEP, 0, "a key 1 s into a 2 s segment: kept");
	in.pts = in.seg_start + 2 * TS - 2 * TS / 10;
	is_verdict(&in, CUT_V_CUT, 0,
	    "a key at the target less a tenth: cut, no discontinuity");
	in.pts--;
	is_verdict(&in, CUT_V_KEEP, 0, "... one tick earlier: kept");
	in.last_dur = 2 * TS / 10 * 2 + 2;	/* half of it past a tenth */
	is_verdict(&in, CUT_V_CUT, 0,
	    "... unless half a frame duration is more tolerance");
	in = mid_gop();
	in.key = 1;
	in.disc_pending = 1;
	is_verdict(&in, CUT_V_CUT, 1,
	    "a key with a discontinuity pending: cut at once");
	in.disc_pending = 0;
	in.new_params = 1;
	is_verdict(&in, CUT_V_CUT, 1,
	    "a key with new parameter sets: cut at once, discontinuity");
}

static void
test_hand_full(void)
{
	ok(!cut_hand_full(60 * TS, 0, 0, TS, 2), "hand: 60 s at -d 2 is not full");
	ok(cut_hand_full(60 * TS + 1, 0, 0, TS, 2), "hand: past 60 s is");
	ok(!cut_hand_full(75 * TS, 0, 0, TS, 5), "hand: -d 5 allows 75 s");
	ok(cut_hand_full(75 * TS + 1, 0, 0, TS, 5), "hand: but no more");
	ok(cut_hand_full(0, 0, ((size_t)128 << 20) + 1, TS, 2),
	    "hand: over 128 MiB is full");
}

static void
test_audio_due(void)
{
	ok(!cut_audio_due(1, 1, 100 * 48000, 0, 48000, 2),
	    "audio driver: one frame in hand never cuts");
	ok(cut_audio_due(2, 1, 1024, 0, 48000, 2),
	    "audio driver: a discontinuity pending cuts at once");
	ok(!cut_audio_due(2, 0, 2 * 48000 - 1, 0, 48000, 2),
	    "audio driver: a frame before the target: no cut");
	ok(cut_audio_due(2, 0, 2 * 48000, 0, 48000, 2),
	    "audio driver: a frame at the target cuts before it");
}

static void
is_change(const struct cut_audio_in *in, enum cut_audio_change want,
    const char *desc)
{
	enum cut_audio_change got = cut_audio_change(in);

	ok(got == want, desc);
	if (got != want)
		printf("# got %d, expected %d\n", got, want);
}

static void
test_audio_change(void)
{
	struct cut_audio_in in;

	memset(&in, 0, sizeof(in));
	is_change(&in, CUT_A_NOW, "audio change: nothing written: now");
	in.written = 1;
	is_change(&in, CUT_A_NEXT, "audio change: no cut yet: the next cut");
	in.have_cut = 1;
	in.cut_seq = 4;
	in.seq = 5;
	in.markable = 1;
	is_change(&in, CUT_A_NOW_MARK,
	    "audio change just past the last cut: it takes it now");
	in.markable = 0;
	is_change(&in, CUT_A_NEXT,
	    "... but a segment after that cut is out: the next cut");
	in.seq = 4;
	in.markable = 1;
	is_change(&in, CUT_A_LAST,
	    "audio change before the last cut: it takes it");
	in.seq = 3;
	is_change(&in, CUT_A_LAST, "... however far behind");
	in.markable = 0;
	is_change(&in, CUT_A_NEXT, "... unless it cannot be marked");
	in.markable = 1;
	in.seq = 6;
	is_change(&in, CUT_A_NEXT, "audio change two past the last cut: next");
	in.have_cut = 0;
	in.seq = 5;
	is_change(&in, CUT_A_NEXT, "the last cut is the end's: next");
}

static void
is_follow(size_t k, size_t n, int reached, int at_end, enum cut_follow want,
    size_t want_k, const char *desc)
{
	enum cut_follow got = cut_follow(&k, n, reached, at_end);

	ok(got == want && (got != CUT_F_CLOSE || k == want_k), desc);
	if (got != want || (got == CUT_F_CLOSE && k != want_k))
		printf("# got %d k=%zu, expected %d k=%zu\n", got, k, want,
		    want_k);
}

static void
test_follow(void)
{
	is_follow(5, 5, 0, 0, CUT_F_WAIT, 0,
	    "follow: nothing past the cut: wait");
	is_follow(0, 0, 0, 0, CUT_F_WAIT, 0, "follow: nothing in hand: wait");
	is_follow(0, 0, 0, 1, CUT_F_SKIP, 0,
	    "follow: nothing in hand at the end: left out of the cut");
	is_follow(3, 5, 0, 0, CUT_F_CLOSE, 3, "follow: close before sample 3");
	is_follow(0, 5, 0, 0, CUT_F_CLOSE, 1,
	    "follow: first sample past the cut (a gap): one, not empty");
	is_follow(5, 5, 0, 1, CUT_F_CLOSE, 5,
	    "follow: at the end, what is left belongs to the cut");
	is_follow(5, 5, 1, 0, CUT_F_CLOSE, 5,
	    "follow: the last sample in hand lasts to the cut: close after it, "
	    "no wait for the next");
	is_follow(0, 0, 1, 0, CUT_F_WAIT, 0,
	    "follow: nothing in hand, whatever reached says: wait");
}

static void
test_ring(void)
{
	struct cutq q;
	struct cut *c;
	int i, full = -1, crowded = -1;

	ok(cutq_init(&q) == 0, "ring: made");
	for (i = 0; i < CUTS_MAX; i++) {
		if (crowded == -1 && cutq_crowded(&q))
			crowded = i;
		if (cutq_declare(&q, i * 1000000, i == 3, 3) == NULL) {
			full = i;
			break;
		}
	}
	ok(full == CUTS_MAX - 1, "ring: full at CUTS_MAX - 1 in flight");
	ok(crowded == CUTS_MAX - 2, "ring: crowded one before");
	c = cutq_of(&q, 3);
	ok(c->seq == 3 && c->p_us == 3000000 && c->disc && c->need == 3,
	    "ring: a cut is found by its seq");
	ok(cutq_passed_disc(&q, 3, 3000000), "disc cut reached: passed");
	ok(!cutq_passed_disc(&q, 3, 2999999), "before it: not yet");
	ok(!cutq_passed_disc(&q, 4, 9000000), "a cut with no disc: no");
	ok(!cutq_passed_disc(&q, CUTS_MAX, INT64_MAX),
	    "a cut not declared: no");
	q.pub_seq = 10;
	ok(!cutq_crowded(&q), "ring: published ones make room");
	c = cutq_declare(&q, 0, 0, 1);
	ok(c != NULL && c->seq == CUTS_MAX - 1 &&
	    c == cutq_of(&q, CUTS_MAX - 1), "ring: and the next seq is declared");
	cutq_free(&q);
}

int
main(void)
{
	test_video();
	test_break();
	test_hand_full();
	test_audio_due();
	test_audio_change();
	test_follow();
	test_ring();
	return done();
}
