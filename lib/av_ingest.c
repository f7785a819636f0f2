/*
 * av_ingest.c - sd-cmafmux(1): a media stream in, a segment store out.
 * This is the demux edge: libavformat opens the input, the tracks sd can
 * carry are chosen, and each packet read goes down the flow (av_mux.h) by
 * av_feed.c; at the end (or at SIGTERM) the segments in hand are closed
 * and the store ended.
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

#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>

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
track_lang(struct trk *t, const AVStream *st)
{
	const AVDictionaryEntry *e = av_dict_get(st->metadata, "language",
	    NULL, 0);
	size_t i;

	strlcpy(t->lang, "und", sizeof(t->lang));
	if (e == NULL || strlen(e->value) != 3)
		return;
	for (i = 0; i < 3; i++)
		if (e->value[i] < 'a' || e->value[i] > 'z')
			return;
	strlcpy(t->lang, e->value, sizeof(t->lang));
}

static int
track_open_bsf(struct trk *t, const AVStream *st)
{
	const AVBitStreamFilter *f;

	if (t->par->codec_id != AV_CODEC_ID_AAC ||
	    t->par->extradata_size >= 2)
		return 0;
	if ((f = av_bsf_get_by_name("aac_adtstoasc")) == NULL ||
	    av_bsf_alloc(f, &t->bsf) < 0 ||
	    avcodec_parameters_copy(t->bsf->par_in, st->codecpar) < 0) {
		warnx("%s: cannot set up aac_adtstoasc", t->id);
		return -1;
	}
	t->bsf->time_base_in = st->time_base;
	if (av_bsf_init(t->bsf) < 0) {
		warnx("%s: cannot set up aac_adtstoasc", t->id);
		return -1;
	}
	return 0;
}

static int
track_add(struct mux *m, AVStream *st, int kind)
{
	struct trk *t;
	AVRational tb = st->time_base;
	uint32_t ts;

	if (m->ntrk == TRACKS_MAX)
		return 0;
	t = &m->trk[m->ntrk];
	memset(t, 0, sizeof(*t));
	t->sidx = st->index;
	t->st = st;
	t->video = kind == 'v';
	if ((t->par = avcodec_parameters_alloc()) == NULL ||
	    avcodec_parameters_copy(t->par, st->codecpar) < 0)
		return -1;
	t->par->codec_tag = 0;	/* the TS tag means nothing in MP4 */
	if (t->video) {
		strlcpy(t->id, "v0", sizeof(t->id));
		ts = tb.num == 1 && tb.den >= 1000 && tb.den <= 1000000 ?
		    (uint32_t)tb.den : 90000;
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
	tl_clock_init(&t->clk, ts, tb.num, tb.den, st->pts_wrap_bits,
	    t->video);
	if (tl_add(&m->tl, &t->clk) == -1)
		return -1;
	track_lang(t, st);
	t->store_idx = -1;
	t->gen = m->first_seq;	/* headers: by first segment */
	t->disc_next = m->continuing;
	if (track_open_bsf(t, st) == -1)
		return -1;
	t->sample_rate = t->par->sample_rate;
	t->channels = t->par->ch_layout.nb_channels;
	m->by_stream[st->index] = (int)m->ntrk;
	m->ntrk++;
	return 0;
}

/*
 * In a multi-program TS, the program of the first video stream: its audio
 * goes with it, another channel's does not. NULL: take every stream.
 */
static const AVProgram *
video_program(const AVFormatContext *ic)
{
	unsigned p, k;

	if (ic->nb_programs < 2)
		return NULL;
	for (p = 0; p < ic->nb_programs; p++)
		for (k = 0; k < ic->programs[p]->nb_stream_indexes; k++) {
			unsigned i = ic->programs[p]->stream_index[k];
			if (i < ic->nb_streams && track_kind(
			    ic->streams[i]->codecpar->codec_id) == 'v')
				return ic->programs[p];
		}
	return NULL;
}

static int
in_program(const AVProgram *pg, unsigned i)
{
	unsigned k;

	if (pg == NULL)
		return 1;
	for (k = 0; k < pg->nb_stream_indexes; k++)
		if (pg->stream_index[k] == i)
			return 1;
	return 0;
}

/* One video stream (the first, as v0), every audio stream sd can carry. */
static int
tracks_setup(struct mux *m)
{
	AVFormatContext *ic = m->ic;
	const AVProgram *pg = video_program(ic);
	unsigned i;
	int kind, pass;

	if ((m->by_stream = calloc(ic->nb_streams ? ic->nb_streams : 1,
	    sizeof(int))) == NULL)
		return -1;
	m->nstreams = ic->nb_streams;
	for (i = 0; i < ic->nb_streams; i++)
		m->by_stream[i] = -1;
	for (pass = 'v'; pass; pass = pass == 'v' ? 'a' : 0) {
		for (i = 0; i < ic->nb_streams; i++) {
			AVStream *st = ic->streams[i];
			kind = track_kind(st->codecpar->codec_id);
			if ((st->disposition & AV_DISPOSITION_ATTACHED_PIC) ||
			    !in_program(pg, i))
				continue;
			if (kind == 0 && pass == 'a' &&
			    (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO ||
			    st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO))
				warnx("stream %u: %s is not carried; left out",
				    i, st->codecpar->codec_id == AV_CODEC_ID_NONE ?
				    "an unknown codec" :
				    avcodec_get_name(st->codecpar->codec_id));
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
open_input(struct mux *m)
{
	const char *url = strcmp(m->o->input, "-") == 0 ? "pipe:0" :
	    m->o->input;
	AVDictionary *opt = NULL;
	int rv;

	if ((m->ic = avformat_alloc_context()) == NULL)
		return SD_EX_SOFTWARE;
	m->ic->interrupt_callback.callback = stop_requested;
	m->ic->interrupt_callback.opaque = m;
	if (m->o->pb != NULL || sd_tsin_replay(m) != NULL) {
		/* The caller's reader (the fuzzer), or stdin's head read
		 * again after av_tsin.c found no TS in it. */
		m->ic->pb = m->o->pb != NULL ? m->o->pb : sd_tsin_replay(m);
		m->ic->flags |= AVFMT_FLAG_CUSTOM_IO;
		url = "";
	}
	if (m->o->live && m->o->pb == NULL)
		av_dict_set(&opt, "reconnect", "1", 0);
	rv = avformat_open_input(&m->ic, url, m->o->format == NULL ? NULL :
	    av_find_input_format(m->o->format), &opt);
	av_dict_free(&opt);
	if (rv < 0) {
		warnx("%s: %s", m->o->input, av_err2str(rv));
		return rv == AVERROR(ENOENT) || rv == AVERROR(EACCES) ?
		    SD_EX_NOINPUT : rv == AVERROR_INVALIDDATA ?
		    SD_EX_DATAERR : strstr(url, "://") ? SD_EX_UNAVAILABLE :
		    SD_EX_NOINPUT;
	}
	if ((rv = avformat_find_stream_info(m->ic, NULL)) < 0) {
		warnx("%s: %s", m->o->input, av_err2str(rv));
		return SD_EX_DATAERR;
	}
	return 0;
}

static void
frame_rate(struct mux *m)
{
	AVRational r;

	if (!m->has_video)
		return;
	r = m->trk[0].st->avg_frame_rate;
	if (r.num > 0 && r.den > 0)
		m->fps = av_q2d(r);
}

/* -T: the MPEG-TS segments carry every track. */
static int
open_ts(struct mux *m)
{
	struct tsseg_track tt[TRACKS_MAX];
	size_t i;

	for (i = 0; i < m->ntrk; i++) {
		tt[i].st = m->trk[i].st;
		tt[i].id = m->trk[i].id;
	}
	return sd_tsseg_open(tt, m->ntrk, &m->tsseg);
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
	if ((m->pkt = av_packet_alloc()) == NULL ||
	    (m->fpkt = av_packet_alloc()) == NULL)
		return SD_EX_SOFTWARE;
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

	sd_tsseg_close(m->tsseg);
	m->tsseg = NULL;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		av_bsf_free(&t->bsf);
		avcodec_parameters_free(&t->par);
		sd_seg_drop(t, t->n);
		sd_bytes_free(&t->data);
		sd_bytes_free(&t->cfg);
		free(t->s);
	}
	sd_live_free(m);
	sd_vod_free(m);
	sd_tsin_free(m);
	for (i = 0; i < TRACKS_MAX; i++)
		av_packet_free(&m->held[i]);
	av_packet_free(&m->pkt);
	av_packet_free(&m->fpkt);
	avformat_close_input(&m->ic);
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
	AVPacket *pkt = m->pkt;
	int rv;

	if (m->ts_native) {
		if (sd_tsin_run(m) == -1)
			return SD_EX_IOERR;
		rv = AVERROR_EOF;
	} else {
		while ((rv = av_read_frame(m->ic, pkt)) >= 0) {
			rv = sd_ingest_packet(m, pkt);
			av_packet_unref(pkt);
			if (rv == -1)
				return SD_EX_IOERR;
		}
	}
	if (m->interrupted && m->o->verbose)
		warnx("%s: interrupted: the last frame of each track "
		    "dropped, cut by the signal", m->o->input);
	if (rv != AVERROR_EOF && rv != AVERROR_EXIT)
		warnx("%s: %s; ending the store there", m->o->input,
		    av_err2str(rv));
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
	av_log_set_level(o->verbose ? AV_LOG_WARNING : AV_LOG_FATAL);
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
