/*
 * av_feed.c - one packet of sd-cmafmux, as the demuxer gave it, on its
 * way down: its times onto the store's timeline (timeline.c), its codec
 * handling (av_au.c), the cut policy's verdict (cut.c), then the segmenter
 * (av_seg.c) cuts and keeps it.
 *
 * Video is cut at keyframes near the target duration; every other track
 * at the first frame at or after the same presentation time. Video decode
 * times are shifted by the first keyframe's composition delay and trun
 * carries signed composition offsets, so the first frame is presented at
 * its tfdt with no edit list. Audio sample times follow the frames' own
 * durations.
 */
#include <err.h>
#include <string.h>

#include "av_mux.h"

#define PRESTART_S	10		/* audio kept while no keyframe came */

_Static_assert(AV_NOPTS_VALUE == TL_NONE, "TL_NONE is AV_NOPTS_VALUE");

/* ---------------------------------------------------------------- headers */

/* The track's header from its configuration: file, codecs, index note. */
static int
write_header(struct mux *m, struct trk *t)
{
	int rv;

	rv = sd_seg_header(m, t);
	if (rv == 0) {
		sd_au_codecs(t, m->fps);
		rv = sd_pub_note_header(m, t);
	}
	t->have_hdr = rv == 0;
	return rv;
}

/* The configuration from this access unit, and its header. */
static int
first_header(struct mux *m, struct trk *t, const struct sd_pkt *pkt)
{
	t->codec_switch = 0;
	if (sd_au_config(t, pkt->data, (size_t)pkt->size, m->fps) == -1)
		return -1;
	return write_header(m, t);
}

/* New parameters from this access unit on: a header of their own. */
static int
new_header(struct mux *m, struct trk *t, const struct sd_pkt *pkt)
{
	t->gen = t->seq;
	if (first_header(m, t, pkt) == -1)
		return -1;
	sd_pub_retrack(m, t);
	if (m->o->verbose)
		warnx("%s: new %sparameters: header %s", t->id,
		    t->video ? "" : "audio ", t->init);
	return 0;
}

/* ---------------------------------------------------------------- video */

static void mark_disc(struct mux *, struct cut *);

/* The samples in hand of t that end by us go. */
static void
drop_ended_by(struct trk *t, int64_t us)
{
	size_t k;

	for (k = 0; k < t->n && tl_us(&t->clk, t->s[k].dts + t->s[k].dur) <=
	    us; k++)
		;
	sd_seg_drop(t, k);
}

/* The first keyframe: audio from before its decode time is not kept. */
static void
video_started(struct mux *m, struct trk *v, int64_t dts)
{
	int64_t from = tl_us(&v->clk, dts);
	size_t i;

	m->wall_start = sd_mux_wall();
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->video)
			continue;
		drop_ended_by(t, from);
		t->started = t->n > 0;
		t->seq = m->cq.open_seq;
		t->seg_start = t->n > 0 ? t->s[0].dts : 0;
	}
}

/* Declare a cut at p_us, making room when the ring is full. */
static int
declare(struct mux *m, int64_t p_us, int disc)
{
	if (sd_seg_declare(m, p_us, disc) != NULL)
		return 0;
	if (sd_seg_unstall(m) == -1 || sd_seg_declare(m, p_us, disc) == NULL)
		return -1;
	return 0;
}

/*
 * Whether every other track holds a sample for the segment a cut at p_us
 * would close: one before p_us, in the open segment (a track still
 * closing the cut before has nothing after that cut yet).
 */
static int
others_before(const struct mux *m, int64_t p_us)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++) {
		const struct trk *t = &m->trk[i];
		if (t->video || t->gone || !t->started)
			continue;
		if (t->seq != m->cq.open_seq || t->n == 0 ||
		    tl_us(&t->clk, t->s[0].dts) >= p_us)
			return 0;
	}
	return 1;
}

/*
 * A jump or a hole in the input's times (an upstream that stalled, failed
 * over or came back): the segment in hand ends with its last frame, not
 * at the next keyframe, which would stretch it over the break; the cut is
 * where that frame's showing ends, so the other tracks close before their
 * first sample after the break; the video waits for a keyframe. When the
 * break took the audio of the moment of video in hand (audio muxed behind
 * the video), a cut there would fill the audio's segment from after the
 * break: those few frames of video go instead, and the segment the next
 * keyframe opens starts the discontinuity.
 */
static int
video_break(struct mux *m, struct trk *t)
{
	const struct sample *last = &t->s[t->n - 1];
	int64_t end = last->dts + last->dur;
	int64_t p_us = tl_us(&t->clk, end + t->clk.delay);

	t->need_key = 1;
	m->cq.disc_pending = 0;
	if (end - t->s[0].dts < t->clk.ts && !others_before(m, p_us)) {
		sd_seg_drop(t, t->n);
		if (m->cq.open_seq > 0)
			mark_disc(m, cutq_of(&m->cq, m->cq.open_seq - 1));
		t->disc_next = 1;
		return 0;
	}
	if (declare(m, p_us, 1) == -1) {
		warnx("internal: cut queue full");
		return -1;
	}
	if (sd_seg_flush(m, t, t->n, end) == -1)
		return -1;
	t->disc_next = 1;
	return sd_seg_follow_all(m, 0);
}

/*
 * The video opens a segment again after a break or a stall: as at the
 * first keyframe, audio in hand for this segment from before its decode
 * time goes, so that no segment holds the wait for the keyframe. A track
 * still closing an earlier cut keeps what it has.
 */
static void
video_reopened(struct mux *m, int64_t dts_us)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (!t->video && !t->gone && t->started &&
		    t->seq == m->cq.open_seq)
			drop_ended_by(t, dts_us);
	}
}

static int
video_cut(struct mux *m, struct trk *t, int64_t dts, int64_t p, int disc,
    int newhdr, const struct sd_pkt *pkt)
{
	if (declare(m, tl_us(&t->clk, p), disc) == -1) {
		warnx("internal: cut queue full");
		return -1;
	}
	if (sd_seg_flush(m, t, t->n, dts) == -1)
		return -1;
	t->disc_next = disc;
	m->cq.disc_pending = 0;
	if (newhdr && new_header(m, t, pkt) == -1)
		return -1;
	t->seg_start = p;
	return sd_seg_follow_all(m, 0);
}

/* The access unit into the segment in hand, and into the TS segments. */
static int
video_keep(struct mux *m, struct trk *t, const struct sd_pkt *pkt, int64_t dts,
    int64_t pts)
{
	int64_t dur = t->clk.last_dur;
	long len;

	if (sd_seg_reserve(t) == -1)
		return -1;
	/* The TS segments take the packet as it came, before conversion. */
	if (m->tsseg != NULL && sd_tsseg_packet(m->tsseg,
	    (size_t)(t - m->trk), pkt, dts, pts, t->clk.ts) == -1)
		return -1;
	if (sd_au_video_sample(t, pkt, &len) == -1)
		return -1;
	t->s[t->n].dts = dts;
	t->s[t->n].pts = pts;
	t->s[t->n].size = (uint32_t)len;
	t->hand_bytes += (size_t)len;
	t->s[t->n].key = (pkt->flags & SD_PKT_KEY) != 0;
	dur = tl_frame_dur(&t->clk, dts, t->broke != 0, pkt->duration > 0 ?
	    tl_from_input(&t->clk, pkt->duration) : t->clk.ts / 25);
	if (t->n > 0)
		t->s[t->n - 1].dur = (uint32_t)(dts - t->s[t->n - 1].dts);
	t->s[t->n].dur = (uint32_t)dur;
	t->n++;
	tl_took(&t->clk, dts, dur);
	return 1;
}

static int
video_au(struct mux *m, struct trk *t, const struct sd_pkt *pkt, int64_t dts,
    int64_t pts)
{
	struct cut_video_in in;
	int disc;

	if (t->broke & TL_BACK) {
		/* an overlap (a source a moment behind took over): what is
		 * in hand ends here, and times already shown are not shown
		 * again; the video goes on past them at a keyframe */
		if (t->started && t->n > 0 && video_break(m, t) == -1)
			return -1;
		return 0;
	}
	memset(&in, 0, sizeof(in));
	in.key = (pkt->flags & SD_PKT_KEY) != 0;
	in.new_params = t->annexb && in.key && t->have_hdr &&
	    (t->codec_switch || sd_au_new_params(t, pkt->data,
	    (size_t)pkt->size));
	in.started = t->started;
	in.need_key = t->need_key;
	in.brk = t->broke != 0;
	in.disc_pending = m->cq.disc_pending;
	in.n = t->n;
	in.hand_bytes = t->hand_bytes;
	in.dts = dts;
	in.pts = pts;
	in.first_dts = t->n > 0 ? t->s[0].dts : 0;
	in.prev_dts = t->n > 0 ? t->s[t->n - 1].dts : 0;
	in.seg_start = t->seg_start;
	in.last_dur = t->clk.last_dur;
	in.ts = t->clk.ts;
	in.target = m->o->target;
	switch (cut_video(&in, &disc)) {
	case CUT_V_EARLY:
		return 0;
	case CUT_V_SKIP:
		/* its time is where the input is: the next one's is not a
		 * hole again */
		tl_took(&t->clk, dts, t->clk.last_dur);
		return 0;
	case CUT_V_BREAK:
		if (video_break(m, t) == -1)
			return -1;
		return video_au(m, t, pkt, dts, pts);	/* nothing in hand */
	case CUT_V_FIRST:
		t->clk.delay = pts - dts > 0 ? pts - dts : 0;
		if (first_header(m, t, pkt) == -1)
			return -1;
		t->started = 1;
		t->seq = m->cq.open_seq;
		t->seg_start = pts;
		video_started(m, t, dts);
		break;
	case CUT_V_OPEN:
		/* after a break, or a segment closed for want of keyframes:
		 * this one opens the next, its discontinuity already marked */
		t->seg_start = pts;
		video_reopened(m, tl_us(&t->clk, dts));
		if (in.new_params && new_header(m, t, pkt) == -1)
			return -1;
		break;
	case CUT_V_STALL:
		warnx("%s: no keyframe for %.0f s: segment closed, video "
		    "dropped until the next one", t->id,
		    (double)(dts - t->s[0].dts) / t->clk.ts);
		if (video_cut(m, t, dts, pts, disc, 0, pkt) == -1)
			return -1;
		t->need_key = 1;
		return 0;
	case CUT_V_CUT:
		/* the cut is where the keyframe is shown */
		if (video_cut(m, t, dts, pts, disc, in.new_params, pkt) == -1)
			return -1;
		break;
	case CUT_V_KEEP:
		break;
	}
	t->need_key = 0;
	return video_keep(m, t, pkt, dts, pts);
}

/* ---------------------------------------------------------------- audio */

/* No segment after cut c is out: it can still take a discontinuity. */
static int
markable(const struct mux *m, const struct cut *c)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++)
		if (m->trk[i].seq > c->seq + 1)
			return 0;
	return 1;
}

/* Give cut c a discontinuity after the fact. */
static void
mark_disc(struct mux *m, struct cut *c)
{
	size_t i;

	c->disc = 1;
	for (i = 0; i < m->ntrk; i++)
		if (m->trk[i].seq == c->seq + 1)
			m->trk[i].disc_next = 1;
}

/* The new parameters' header, from this frame on. */
static int
audio_new_header(struct mux *m, struct trk *t, const struct sd_pkt *pkt)
{
	if (t->par->codec_id == AV_CODEC_ID_AAC && t->adts) {
		memcpy(t->asc, t->next_asc, 2);
		t->asc_len = 2;
	}
	t->cfg_change = 0;
	return new_header(m, t, pkt);
}

/*
 * The audio parameters of each raw frame are watched: a change needs a
 * new header at a cut with a discontinuity (cut_audio_change says which).
 * Returns 1 when this frame is to be dropped.
 */
static int
audio_watch(struct mux *m, struct trk *t, const struct sd_pkt *pkt)
{
	struct cut *c = m->cq.open_seq > 0 ? cutq_of(&m->cq,
	    m->cq.open_seq - 1) : NULL;
	struct cut_audio_in in;
	uint8_t asc[2];
	uint32_t sig = sd_au_audio_sig(t, pkt, asc);

	if (sig == 0)
		return 0;
	if (!t->have_sig || sig == t->sig) {
		t->sig = sig;
		t->have_sig = 1;
		return t->cfg_change && t->n > 0 ? 1 : 0;
	}
	t->sig = sig;
	memcpy(t->next_asc, asc, 2);
	t->cfg_change = 1;
	memset(&in, 0, sizeof(in));
	in.written = t->dur_total != 0;
	in.have_cut = c != NULL && c->p_us != INT64_MAX;
	in.cut_seq = c != NULL ? c->seq : 0;
	in.seq = t->seq;
	in.markable = c != NULL && markable(m, c);
	switch (cut_audio_change(&in)) {
	case CUT_A_NOW_MARK:
		mark_disc(m, c);
		/* FALLTHROUGH */
	case CUT_A_NOW:
		sd_seg_drop(t, t->n);
		return audio_new_header(m, t, pkt) == -1 ? -1 : 0;
	case CUT_A_LAST:
		mark_disc(m, c);
		break;
	case CUT_A_NEXT:
		m->cq.disc_pending = 1;
		break;
	}
	return t->n > 0 ? 1 : 0;
}

/* At the discontinuity after a change: close the old segment, new header. */
static int
audio_switch(struct mux *m, struct trk *t, const struct sd_pkt *pkt,
    int64_t time)
{
	if (!t->cfg_change || !t->have_hdr ||
	    !cutq_passed_disc(&m->cq, t->seq, tl_us(&t->clk, time)))
		return 0;
	if (t->n > 0 && sd_seg_flush(m, t, t->n, t->clk.acc) == -1)
		return -1;
	t->disc_next = 1;
	return audio_new_header(m, t, pkt);
}

static struct trk *
audio_driver(struct mux *m)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++)
		if (!m->trk[i].gone && m->trk[i].started)
			return &m->trk[i];
	return NULL;
}

/* No keyframe yet: keep only the last PRESTART_S of audio. */
static void
audio_prestart(struct trk *t)
{
	size_t k;

	for (k = 0; k < t->n && t->s[t->n - 1].dts - t->s[k].dts >
	    (int64_t)PRESTART_S * t->clk.ts; k++)
		;
	sd_seg_drop(t, k);
}

/* Audio-only input: the driving track cuts by duration. */
static int
audio_drive(struct mux *m, struct trk *t, int64_t dur)
{
	int64_t p;

	if (m->driver == NULL || m->driver->gone)
		m->driver = audio_driver(m);
	if (t != m->driver || !cut_audio_due(t->n, m->cq.disc_pending,
	    t->clk.acc - dur, t->seg_start, t->clk.ts, m->o->target))
		return 0;
	p = t->s[t->n - 1].dts;
	if (declare(m, tl_us(&t->clk, p), m->cq.disc_pending) == -1)
		return -1;
	m->cq.disc_pending = 0;
	t->seg_start = p;
	return sd_seg_follow(m, t, 0);
}

static int
audio_au(struct mux *m, struct trk *t, const struct sd_pkt *pkt, int64_t time)
{
	int64_t dur;

	if (t->gone || pkt->size <= 0 || (pkt->flags & SD_PKT_DISCARD))
		return 0;	/* priming the source's edit list cut off */
	if (t->par->codec_id == AV_CODEC_ID_AAC)
		sd_au_aac_asc(t, pkt);
	if (!t->have_hdr) {
		if (first_header(m, t, pkt) == -1) {
			t->gone = 1;
			return 0;	/* the other tracks go on */
		}
		if (!m->has_video && m->wall_start == 0)
			m->wall_start = sd_mux_wall();
	}
	if (audio_switch(m, t, pkt, time) == -1)
		return -1;
	dur = sd_au_audio_duration(t, pkt);
	if (tl_audio_time(&t->clk, time, dur) == -1)
		return 0;	/* the frames outrun their times: let them catch up */
	if (!t->started && (!m->has_video || m->trk[0].started)) {
		t->started = 1;
		t->seq = m->cq.open_seq;
		t->seg_start = t->clk.acc;
	}
	if (sd_seg_reserve(t) == -1 || sd_seg_keep(t, pkt) == -1)
		return -1;
	t->s[t->n].dts = t->s[t->n].pts = t->clk.acc;
	t->s[t->n].size = (uint32_t)pkt->size;
	t->hand_bytes += (size_t)pkt->size;
	t->s[t->n].dur = (uint32_t)dur;
	t->s[t->n].key = 1;
	t->n++;
	tl_audio_took(&t->clk, dur);
	if (m->has_video && !m->trk[0].started) {
		audio_prestart(t);
		return 0;
	}
	/* the video waits for a keyframe after a break: bounded too */
	if (m->has_video && m->trk[0].need_key && m->trk[0].n == 0 &&
	    t->seq == m->cq.open_seq)
		audio_prestart(t);
	if (!m->has_video && audio_drive(m, t, dur) == -1)
		return -1;
	if (sd_seg_follow(m, t, 0) == -1)
		return -1;
	return sd_pub_publish(m);
}

/* ---------------------------------------------------------------- packets */

/* The input's times onto the timeline; -1: the packet has none. */
static int
packet_times(struct mux *m, struct trk *t, const struct sd_pkt *pkt,
    int64_t *dts, int64_t *pts)
{
	int rv;

	/* A demuxer may state a stream's time base again (mpegts does at
	 * each new PMT): the clock reads it as it is now. */
	t->clk.tb_num = t->st->tb_num;
	t->clk.tb_den = t->st->tb_den;
	t->clk.wrap_bits = t->st->wrap_bits;
	if ((rv = tl_times(&m->tl, &t->clk, pkt->dts, pkt->pts, dts,
	    pts)) == -1)
		return -1;
	if (rv & TL_NEW_JUMP) {
		m->cq.disc_pending = 1;	/* once per jump, not per track */
		if (m->o->verbose)
			warnx("%s: timestamps jump; rebased, discontinuity",
			    t->id);
	}
	if ((rv & TL_GAP) && m->o->verbose)
		warnx("%s: a hole of %.1f s in the timestamps; discontinuity",
		    t->id, (double)(t->clk.gap_to_us - t->clk.gap_from_us) /
		    1e6);
	/* the video closes its segment at a break; audio alone cuts
	 * before its first frame after one */
	t->broke = rv & (TL_REBASED | TL_GAP | TL_BACK);
	if ((rv & TL_GAP) && !m->has_video)
		m->cq.disc_pending = 1;
	if ((rv & TL_REBASED) && t->video)
		t->need_key = 1;
	return 0;
}

int
sd_feed(struct mux *m, struct trk *t, struct sd_pkt *pkt)
{
	struct sd_pkt raw;
	int64_t dts, pts;
	int rv;

	if (packet_times(m, t, pkt, &dts, &pts) == -1)
		return 0;
	if (t->video)
		return video_au(m, t, pkt, dts, pts) == -1 ? -1 : 0;
	if (m->tsseg != NULL && (m->has_video ? m->trk[0].started :
	    m->driver != NULL) && sd_tsseg_packet(m->tsseg,
	    (size_t)(t - m->trk), pkt, dts, pts, t->clk.ts) == -1)
		return -1;
	if (t->have_hdr && (rv = audio_watch(m, t, pkt)) != 0) {
		if (rv == -1)
			return -1;
		if (!cutq_passed_disc(&m->cq, t->seq, tl_us(&t->clk, dts)))
			return 0;	/* new parameters before their cut */
	} else if (!t->have_hdr && !t->have_sig) {
		uint8_t asc[2];
		if ((t->sig = sd_au_audio_sig(t, pkt, asc)) != 0)
			t->have_sig = 1;
	}
	if (!t->adts)
		return audio_au(m, t, pkt, dts);
	if (sd_au_adts_raw(t, pkt, &raw) == -1)
		return 0;		/* a malformed frame: dropped */
	return audio_au(m, t, &raw, dts);
}

/* ---------------------------------------------------------------- entry */

/* The -v line: media time, speed, segments (last: the " done" line). */
void
sd_mux_progress(struct mux *m, int last)
{
	double now = sd_mux_mono(), media = 0, el;
	const struct trk *t = m->ntrk > 0 ? &m->trk[0] : NULL;

	if (!m->o->verbose || (!last && now - m->last_progress < 1.0))
		return;
	m->last_progress = now;
	if (t != NULL && t->clk.have_last && m->tl.have_origin)
		media = (double)(t->clk.last_dts - tl_origin_in(&m->tl,
		    t->clk.ts)) / t->clk.ts;
	el = now - m->t_begin;
	fprintf(stderr, "sd-cmafmux: time=%02d:%02d:%05.2f speed=%.1fx "
	    "segments=%llu%s\n", (int)(media / 3600), (int)(media / 60) % 60,
	    media - 60 * (int)(media / 60), el > 0 ? media / el : 0,
	    (unsigned long long)m->segments, last ? " done" : "");
}

/*
 * A packet read after the interrupt fired: the flush ends each stream on
 * the frame the signal cut (the parser's remainder, or the partial PES of
 * a stream without a parser), and a frame completed by that flush comes
 * before it. So each track's packet is held until the next one of the same
 * track shows that it was whole; the last one held is dropped, as is any
 * packet the demuxer flags as corrupt. The store ends on whole frames, and
 * every frame that arrived whole before the signal is kept.
 */
static int
feed_after_interrupt(struct mux *m, size_t ti, struct sd_pkt *pkt)
{
	struct sd_pkt *h = &m->held[ti];
	int rv = 0;

	if (pkt->flags & SD_PKT_CORRUPT)
		return 0;
	if (h->size > 0)
		rv = sd_feed(m, &m->trk[ti], h);
	sd_pkt_unref(h);
	if (sd_pkt_move(h, pkt) == -1)
		return -1;
	return rv;
}

int
sd_ingest_packet(struct mux *m, struct sd_pkt *pkt)
{
	int idx = pkt->stream_index, rv = 0;

	if (idx >= 0 && (unsigned)idx < m->nstreams &&
	    m->by_stream[idx] >= 0 && pkt->size > 0 &&
	    !(pkt->flags & SD_PKT_CORRUPT && pkt->size < 4))
		rv = m->interrupted ? feed_after_interrupt(m,
		    (size_t)m->by_stream[idx], pkt) : sd_feed(m,
		    &m->trk[m->by_stream[idx]], pkt);
	sd_mux_progress(m, 0);
	return rv;
}
