/*
 * av_ingest.c - sd-cmafmux(1): a media stream in, a segment store out.
 * The input is opened (MPEG-TS by our own demuxer, av_tsin.c; anything
 * else by libavformat, through the edge that is loaded only then,
 * av_edge.h), the tracks sd can carry are chosen, and each packet read
 * goes down the flow (av_mux.h) by av_feed.c; at the end (or at SIGTERM)
 * the segments in hand are closed and the store ended.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "av_mux.h"

#define AUDIO_MAX	8		/* audio tracks kept */

/* ---------------------------------------------------------------- tracks */

static int
track_kind(enum AVCodecID id)
{
	switch (id) {
	case AV_CODEC_ID_H264:
	case AV_CODEC_ID_HEVC:
	case AV_CODEC_ID_VP9:
	case AV_CODEC_ID_AV1:
		return 'v';
	case AV_CODEC_ID_AAC:
	case AV_CODEC_ID_MP2:
	case AV_CODEC_ID_MP3:
	case AV_CODEC_ID_OPUS:
	case AV_CODEC_ID_AC3:
	case AV_CODEC_ID_EAC3:
		return 'a';
	default:
		return 0;
	}
}

static void
track_lang(struct trk *t, const struct sd_stream *st)
{
	size_t i;

	strlcpy(t->lang, "und", sizeof(t->lang));
	if (strlen(st->lang) != 3)
		return;
	for (i = 0; i < 3; i++)
		if (st->lang[i] < 'a' || st->lang[i] > 'z')
			return;
	strlcpy(t->lang, st->lang, sizeof(t->lang));
}

static int
track_add(struct mux *m, struct sd_stream *st, int kind)
{
	struct trk *t;
	uint32_t ts;

	if (m->ntrk == TRACKS_MAX)
		return 0;
	t = &m->trk[m->ntrk];
	memset(t, 0, sizeof(*t));
	t->sidx = st->index;
	t->st = st;
	t->video = kind == 'v';
	if ((t->par = malloc(sizeof(*t->par))) == NULL)
		return -1;
	if (sd_par_copy(t->par, &st->par) == -1) {
		free(t->par);
		t->par = NULL;
		return -1;
	}
	if (t->video) {
		strlcpy(t->id, "v0", sizeof(t->id));
		ts = st->tb_num == 1 && st->tb_den >= 1000 &&
		    st->tb_den <= 1000000 ? (uint32_t)st->tb_den : 90000;
		t->hevc = t->par->codec_id == AV_CODEC_ID_HEVC;
		t->annexb = (t->par->codec_id == AV_CODEC_ID_H264 || t->hevc) &&
		    (t->par->extradata_size < 4 ||
		    sd_is_annexb(t->par->extradata,
		    (size_t)t->par->extradata_size));
	} else {
		snprintf(t->id, sizeof(t->id), "a%d", m->naudio++);
		ts = t->par->codec_id == AV_CODEC_ID_OPUS ? 48000 :
		    t->par->sample_rate > 0 ? (uint32_t)t->par->sample_rate :
		    90000;
	}
	tl_clock_init(&t->clk, ts, st->tb_num, st->tb_den, st->wrap_bits,
	    t->video);
	if (tl_add(&m->tl, &t->clk) == -1)
		return -1;
	track_lang(t, st);
	t->store_idx = -1;
	t->gen = m->first_seq;	/* headers: by first segment */
	t->disc_next = m->continuing;
	/* ADTS headers come off each frame, as aac_adtstoasc cuts them */
	t->adts = t->par->codec_id == AV_CODEC_ID_AAC &&
	    t->par->extradata_size < 2;
	t->sample_rate = t->par->sample_rate;
	t->channels = t->par->channels;
	m->by_stream[st->index] = (int)m->ntrk;
	m->ntrk++;
	return 0;
}

/* One video stream (the first, as v0), every audio stream sd can carry. */
static int
tracks_setup(struct mux *m)
{
	unsigned i;
	int kind, pass;

	if ((m->by_stream = calloc(m->nstreams ? m->nstreams : 1,
	    sizeof(int))) == NULL)
		return -1;
	for (i = 0; i < m->nstreams; i++)
		m->by_stream[i] = -1;
	for (pass = 'v'; pass; pass = pass == 'v' ? 'a' : 0) {
		for (i = 0; i < m->nstreams; i++) {
			struct sd_stream *st = &m->streams[i];
			kind = track_kind(st->par.codec_id);
			if (st->skip)
				continue;
			if (kind == 0 && pass == 'a' && st->par.media != 0)
				warnx("stream %u: %s is not carried; left out",
				    i, st->par.codec_id == AV_CODEC_ID_NONE ?
				    "an unknown codec" : st->name);
			if (kind != pass || (kind == 'v' && m->has_video) ||
			    (kind == 'a' && m->naudio == AUDIO_MAX))
				continue;
			if (track_add(m, st, kind) == -1)
				return -1;
			if (kind == 'v')
				m->has_video = 1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- the run */

/*
 * SIGTERM aborts a blocking read. Past that point libavformat flushes what
 * it holds: the MPEG-TS demuxer hands over its partial PES as a packet and
 * the parsers then their buffered remainder, a frame cut by the signal.
 * The flag says which packets come from that flush.
 */
static int
stop_requested(void *arg)
{
	struct mux *m = arg;

	if (m->o->stop != NULL && *m->o->stop)
		m->interrupted = 1;
	return m->interrupted;
}

static int
host_packet(void *arg, struct sd_pkt *pkt)
{
	return sd_ingest_packet(arg, pkt);
}

/* Anything but the MPEG-TS we read: libavformat, through the edge. */
static int
open_input(struct mux *m)
{
	struct sd_edge_host h;

	if (m->edge == NULL && (m->edge = sd_edge_load(m->o)) == NULL)
		return SD_EX_SOFTWARE;
	memset(&h, 0, sizeof(h));
	h.arg = m;
	h.packet = host_packet;
	h.stopped = stop_requested;
	h.replay = sd_tsin_has_replay(m) ? sd_tsin_replay : NULL;
	return m->edge->open(m->o, &h, &m->ein, &m->streams, &m->nstreams);
}

static void
frame_rate(struct mux *m)
{
	const struct sd_stream *st;

	if (!m->has_video)
		return;
	st = m->trk[0].st;
	if (st->fr_num > 0 && st->fr_den > 0)
		m->fps = (double)st->fr_num / st->fr_den;
}

/* -T: the MPEG-TS segments carry every track (av_tsseg.c). */
static int
open_ts(struct mux *m)
{
	struct tsseg_track tt[TRACKS_MAX];
	size_t i;

	for (i = 0; i < m->ntrk; i++) {
		tt[i].st = m->trk[i].st;
		tt[i].id = m->trk[i].id;
	}
	return sd_tsseg_open(m->o, tt, m->ntrk, &m->tsseg);
}

static int
setup(struct mux *m)
{
	int rv;

	if (sd_live_continue(m) == -1)
		return SD_EX_SOFTWARE;
	m->cq.open_seq = m->cq.pub_seq = m->first_seq;
	if ((rv = sd_tsin_open(m, &m->ts_native)) != 0)
		return rv;
	if (!m->ts_native && (rv = open_input(m)) != 0)
		return rv;
	if (tracks_setup(m) == -1)
		return SD_EX_SOFTWARE;
	if (m->ntrk == 0) {
		warnx("%s: no video or audio stream sd can carry",
		    m->o->input);
		return SD_EX_DATAERR;
	}
	frame_rate(m);
	if (m->o->ts && open_ts(m) == -1)
		return SD_EX_SOFTWARE;
	m->store.live = m->o->live;
	m->store.target = m->o->target;
	m->store.window = m->o->live ? m->o->window : 0;
	return 0;
}

static void
teardown(struct mux *m)
{
	size_t i;

	if (m->tsseg != NULL)
		sd_tsseg_close(m->tsseg);
	m->tsseg = NULL;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->par != NULL)
			sd_par_free(t->par);
		free(t->par);
		sd_seg_drop(t, t->n);
		sd_bytes_free(&t->data);
		sd_bytes_free(&t->cfg);
		free(t->s);
	}
	sd_live_free(m);
	sd_vod_free(m);
	sd_tsin_free(m);
	for (i = 0; i < TRACKS_MAX; i++)
		sd_pkt_unref(&m->held[i]);
	if (m->ein != NULL)
		m->edge->close(m->ein);	/* its streams with it */
	else
		free(m->streams);	/* ours (av_tsin.c) */
	m->streams = NULL;
	sd_bytes_free(&m->head);
	free(m->iov);
	free(m->cs);
	free(m->by_stream);
	cutq_free(&m->cq);
	sd_store_free(&m->store);
}

static int
run(struct mux *m)
{
	const char *why = NULL;
	int rv;

	if (m->ts_native) {
		if (sd_tsin_run(m) == -1)
			return SD_EX_IOERR;
	} else if ((rv = m->edge->run(m->ein, &why)) == -2)
		return SD_EX_IOERR;
	if (m->interrupted && m->o->verbose)
		warnx("%s: interrupted: the last frame of each track "
		    "dropped, cut by the signal", m->o->input);
	if (why != NULL)
		warnx("%s: %s; ending the store there", m->o->input, why);
	if (sd_seg_finish(m) == -1)
		return SD_EX_IOERR;
	if (m->store.nsegs == 0) {
		warnx("%s: nothing to segment (no keyframe, or no frames)",
		    m->o->input);
		return SD_EX_DATAERR;
	}
	if (m->o->single && sd_vod_finish(m) == -1)
		return SD_EX_IOERR;
	/* A live input that stops (its pipeline died) is no end of the
	 * channel: only a stop (SIGTERM) ends a live store. */
	m->store.ended = !m->o->live || m->interrupted ||
	    (m->o->stop != NULL && *m->o->stop);
	if (m->o->live)
		sd_live_trim(m);
	if (sd_pub_write(m, 1) == -1)
		return SD_EX_IOERR;
	sd_livenum_end(&m->num, m->cq.open_seq + 1);
	sd_mux_progress(m, 1);
	return SD_EX_OK;
}

/*
 * A new live store numbers from the clock, not from 0: a proxy's store is
 * deleted at an idle end, and the next session must not serve v0-1.m4s
 * again with other bytes (segments are immutable for caches). Numbers
 * must stay 32-bit: DASH's startNumber and $Number$ are xs:unsignedInt,
 * and GStreamer's dashdemux reads them so. So the clock counts from
 * 2024, at twice the rate of cuts of the target duration (a cut is at
 * least -d long, a discontinuity adds one): a later store starts past
 * every number of an earlier one, for 136 years at -d 2, 6 at -d 0.1,
 * and past the numbers file (-N) when the clock went back (livenum.h).
 */
static void
fresh_numbering(struct mux *m)
{
	uint64_t seq = sd_livenum_first(&m->num, time(NULL), m->o->target);
	size_t i;

	if (seq == 0)
		return;
	m->cq.open_seq = m->cq.pub_seq = seq;
	for (i = 0; i < m->ntrk; i++)	/* headers: by first segment */
		m->trk[i].gen = m->cq.open_seq;
}

/*
 * A live store written again (sd-cmafmux restarted after a crash, a kill or
 * a pipeline restart): number on from where its index left off, segments
 * and headers alike, so that a name is never reused for other bytes. A
 * reader holding the old index would otherwise find v0-0.m4s rewritten
 * under it, and a cache keeps segments as immutable (sd-store(5)). The
 * restart is marked as a discontinuity.
 */
static void
resume_numbering(struct mux *m)
{
	struct sd_store old;
	uint64_t next = 0;
	uint64_t gen = 0;
	unsigned long long g;
	size_t i;
	const char *p;
	char path[PATH_MAX];

	sd_store_init(&old);
	if ((size_t)snprintf(path, sizeof(path), "%s/index", m->o->dir) <
	    sizeof(path) && access(path, F_OK) == 0 && m->o->live &&
	    sd_store_read(&old, m->o->dir) == 0) {
		for (i = 0; i < old.nsegs; i++) {
			if (old.segs[i].seq >= next)
				next = old.segs[i].seq + 1;
			if ((p = strstr(old.segs[i].init, "-init-")) != NULL &&
			    sscanf(p, "-init-%llu.mp4", &g) == 1 && g >= gen)
				gen = g + 1;
		}
	}
	sd_store_free(&old);
	if (next == 0 && gen == 0) {
		if (m->o->live)
			fresh_numbering(m);
		return;
	}
	m->cq.open_seq = m->cq.pub_seq = next;
	for (i = 0; i < m->ntrk; i++)
		m->trk[i].gen = gen;
	m->resumed = 1;
	if (m->o->verbose)
		warnx("%s: a store was here: numbering on from segment %llu, "
		    "header %llu", m->o->dir, (unsigned long long)next,
		    (unsigned long long)gen);
}

int
sd_cmafmux(const struct sd_mux_opts *o)
{
	struct mux *m;
	int rv;

	if (o->single && o->live) {
		warnx("-s (single files) is for on-demand stores, not -l");
		return SD_EX_USAGE;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL || cutq_init(&m->cq) == -1) {
		free(m);
		warn("sd-cmafmux");
		return SD_EX_SOFTWARE;
	}
	m->o = o;
	m->num.path = o->live ? o->numbers : NULL;
	m->t_begin = sd_mux_mono();
	m->ts_store_idx = -1;
	m->edge = o->edge;
	sd_store_init(&m->store);
	if (mkdir(o->dir, 0755) == -1 && errno != EEXIST) {
		warn("%s", o->dir);
		rv = SD_EX_IOERR;
	} else if ((rv = setup(m)) == 0) {
		resume_numbering(m);
		sd_livenum_reserve(&m->num, m->cq.open_seq);
		rv = run(m);
	}
	teardown(m);
	free(m);
	return rv;
}
