/*
 * av_ingest.c - sd-cmafmux(1): a media stream in, a segment store out.
 *
 * libavformat demuxes; everything after that is ours: timestamps are
 * unwrapped (33-bit PTS) and rebased onto one continuous timeline when they
 * jump (the cut after a jump has disc=1), video is cut at keyframes near
 * the target duration and every other track at the first frame at or
 * after the same presentation time (av_seg.c), and the boxes come from
 * cmaf.c.
 *
 * Memory is one segment per track (the moof needs every sample's size
 * before the data), so it stays flat however long the input is.
 *
 * Timelines: each track keeps "internal" times in its own timescale: the
 * input's, unwrapped, plus an offset that only changes at a jump. The
 * store's origin (t=0) is the earliest first presentation time over the
 * tracks, fixed at the first segment; tfdt and the index's t are internal
 * times minus that origin. Video decode times are shifted by the first
 * keyframe's composition delay and trun carries signed composition
 * offsets, so the first frame is presented at its tfdt with no edit list.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>

#include "sd.h"
#include "av_mux.h"

#define AUDIO_MAX	8		/* audio tracks kept */
#define JUMP_FWD_S	10		/* a gap longer than this is a jump */
#define JUMP_BACK_S	1		/* and so is going back this much */
#define PRESTART_S	10		/* audio kept while no keyframe came */

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
		t->ts = tb.num == 1 && tb.den >= 1000 && tb.den <= 1000000 ?
		    (uint32_t)tb.den : 90000;
		t->hevc = t->par->codec_id == AV_CODEC_ID_HEVC;
		t->annexb = (t->par->codec_id == AV_CODEC_ID_H264 || t->hevc) &&
		    (t->par->extradata_size < 4 ||
		    sd_is_annexb(t->par->extradata,
		    (size_t)t->par->extradata_size));
	} else {
		snprintf(t->id, sizeof(t->id), "a%d", m->naudio++);
		t->ts = t->par->codec_id == AV_CODEC_ID_OPUS ? 48000 :
		    t->par->sample_rate > 0 ? (uint32_t)t->par->sample_rate :
		    90000;
	}
	track_lang(t, st);
	t->store_idx = -1;
	t->gen = (unsigned)m->first_seq;	/* headers: by first segment */
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

/* ---------------------------------------------------------------- headers */

/* The RFC 6381 string from the header we wrote (our own config). */
static void
track_codecs(struct trk *t, double fps)
{
	AVCodecParameters *p = avcodec_parameters_alloc();

	t->codecs[0] = '\0';
	if (p == NULL || avcodec_parameters_copy(p, t->par) < 0)
		goto out;
	if (strcmp(t->ct.cfg_type, "avcC") == 0 ||
	    strcmp(t->ct.cfg_type, "hvcC") == 0 ||
	    strcmp(t->ct.cfg_type, "av1C") == 0 || (t->asc_len > 0)) {
		const uint8_t *src = t->asc_len > 0 ? t->asc : t->cfg.p;
		size_t n = t->asc_len > 0 ? t->asc_len : t->cfg.len;
		av_freep(&p->extradata);
		p->extradata_size = 0;
		if ((p->extradata = av_mallocz(n +
		    AV_INPUT_BUFFER_PADDING_SIZE)) == NULL)
			goto out;
		memcpy(p->extradata, src, n);
		p->extradata_size = (int)n;
	}
	/* The frame rate: a VP9 level as vpcC says it (vp9_config). */
	if (sd_codec_string_fps(p, fps, t->codecs, sizeof(t->codecs)) == -1)
		t->codecs[0] = '\0';
out:
	avcodec_parameters_free(&p);
}

static unsigned
mpeg_audio_oti(const struct trk *t)
{
	return t->sample_rate >= 32000 || t->sample_rate == 0 ? 0x6B : 0x69;
}

static int
vp9_config(struct trk *t, double fps)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(t->par->format);
	unsigned depth = d ? (unsigned)d->comp[0].depth : 8, chroma = 1;
	int prof = t->par->profile, level = t->par->level;
	double size = (double)t->par->width * t->par->height;
	static const struct { int level; double size, rate; } lv[] = {
		{ 10, 36864, 829440 }, { 11, 73728, 2764800 },
		{ 20, 122880, 4608000 }, { 21, 245760, 9216000 },
		{ 30, 552960, 20736000 }, { 31, 983040, 36864000 },
		{ 40, 2228224, 83558400 }, { 41, 2228224, 160432128 },
		{ 50, 8912896, 311951360 }, { 51, 8912896, 588251136 },
		{ 52, 8912896, 1176502272 }, { 60, 35651584, 1176502272 },
		{ 61, 35651584, 2353004544.0 }, { 62, 35651584, 4706009088.0 },
	};
	size_t i;

	if (d != NULL && d->log2_chroma_w == 1 && d->log2_chroma_h == 0)
		chroma = 2;
	else if (d != NULL && d->log2_chroma_w == 0 && d->log2_chroma_h == 0)
		chroma = 3;
	else if (t->par->chroma_location == AVCHROMA_LOC_LEFT)
		chroma = 0;
	if (prof < 0 || prof > 3)
		prof = (depth > 8 ? 2 : 0) + (chroma >= 2 ? 1 : 0);
	if (level < 10 || level > 62) {
		level = 62;
		for (i = 0; i < SD_ARRAY_LEN(lv); i++)
			if (size <= lv[i].size && size * (fps > 0 ? fps : 30) <=
			    lv[i].rate) {
				level = lv[i].level;
				break;
			}
	}
	return sd_vpcc((unsigned)prof, (unsigned)level, depth, chroma,
	    t->par->color_range == AVCOL_RANGE_JPEG,
	    (unsigned)t->par->color_primaries & 0xff,
	    (unsigned)t->par->color_trc & 0xff,
	    (unsigned)t->par->color_space & 0xff, &t->cfg);
}

/* The codec configuration and sample entry, from the first access unit. */
static int
track_config(struct trk *t, const uint8_t *au, size_t n, double fps)
{
	const AVCodecParameters *p = t->par;
	const uint8_t *x = p->extradata;
	size_t xn = p->extradata_size > 0 ? (size_t)p->extradata_size : 0;
	int rate = 0, samples = 0, rv = -1, w, h;
	uint8_t small[5];

	t->cfg.len = 0;
	t->ct.cfg_full = 0;
	switch (p->codec_id) {
	case AV_CODEC_ID_H264:
	case AV_CODEC_ID_HEVC:
		strlcpy(t->ct.entry, t->hevc ? "hvc1" : "avc1", 5);
		strlcpy(t->ct.cfg_type, t->hevc ? "hvcC" : "avcC", 5);
		if (!t->annexb) {
			rv = sd_bytes_put(&t->cfg, x, xn);
			break;
		}
		/* In-band parameter sets first: they are what the
		 * pictures use; extradata is a probe's guess. */
		rv = t->hevc ? sd_hvcc_from_annexb(au, n, &t->cfg) :
		    sd_avcc_from_annexb(au, n, &t->cfg);
		if (rv == -1 && xn > 0) {
			t->cfg.len = 0;
			t->cfg.failed = 0;
			rv = t->hevc ? sd_hvcc_from_annexb(x, xn, &t->cfg) :
			    sd_avcc_from_annexb(x, xn, &t->cfg);
		}
		if (rv == 0 && sd_sps_size(t->hevc, t->cfg.p, t->cfg.len,
		    &w, &h) == 0) {
			t->par->width = w;	/* the pictures' own size */
			t->par->height = h;
		}
		break;
	case AV_CODEC_ID_VP9:
		strlcpy(t->ct.entry, "vp09", 5);
		strlcpy(t->ct.cfg_type, "vpcC", 5);
		t->ct.cfg_full = 1;
		rv = vp9_config(t, fps);
		break;
	case AV_CODEC_ID_AV1:
		strlcpy(t->ct.entry, "av01", 5);
		strlcpy(t->ct.cfg_type, "av1C", 5);
		if (xn >= 4 && x[0] == 0x81)
			rv = sd_bytes_put(&t->cfg, x, xn);
		else if ((rv = sd_av1c_from_obus(x, xn, &t->cfg)) == -1) {
			/* libaom gives its sequence header with the first
			 * packet only (through a NUT pipe, say) */
			t->cfg.len = 0;
			t->cfg.failed = 0;
			rv = sd_av1c_from_obus(au, n, &t->cfg);
		}
		break;
	case AV_CODEC_ID_AAC:
	case AV_CODEC_ID_MP2:
	case AV_CODEC_ID_MP3:
		strlcpy(t->ct.entry, "mp4a", 5);
		strlcpy(t->ct.cfg_type, "esds", 5);
		t->ct.cfg_full = 1;
		if (p->codec_id == AV_CODEC_ID_AAC && t->asc_len == 0)
			break;
		rv = sd_esds(p->codec_id == AV_CODEC_ID_AAC ? 0x40 :
		    mpeg_audio_oti(t), t->asc, t->asc_len,
		    p->bit_rate > 0 && p->bit_rate < UINT32_MAX ?
		    (uint32_t)p->bit_rate : 0, &t->cfg);
		break;
	case AV_CODEC_ID_OPUS:
		strlcpy(t->ct.entry, "Opus", 5);
		strlcpy(t->ct.cfg_type, "dOps", 5);
		rv = sd_dops_from_opushead(x, xn, &t->cfg);
		if (rv == -1) {
			t->cfg.len = 0;
			t->cfg.failed = 0;
			rv = sd_dops_default(t->channels, &t->cfg);
		}
		t->sample_rate = 48000;
		break;
	case AV_CODEC_ID_AC3:
		strlcpy(t->ct.entry, "ac-3", 5);
		strlcpy(t->ct.cfg_type, "dac3", 5);
		if ((rv = sd_dac3(au, n, small, &rate)) == 0)
			rv = sd_bytes_put(&t->cfg, small, 3);
		t->sample_rate = rate;
		break;
	case AV_CODEC_ID_EAC3:
		strlcpy(t->ct.entry, "ec-3", 5);
		strlcpy(t->ct.cfg_type, "dec3", 5);
		if ((rv = sd_dec3(au, n, small, &rate, &samples)) == 0)
			rv = sd_bytes_put(&t->cfg, small, 5);
		t->sample_rate = rate;
		t->eac3_samples = samples;
		break;
	default:
		break;
	}
	if (rv == -1 || t->cfg.failed) {
		warnx("%s: no usable %s configuration in the stream", t->id,
		    avcodec_get_name(p->codec_id));
		return -1;
	}
	return 0;
}

/*
 * What this header says goes into the index next to it (sd-store(5)
 * "header"), so each DASH Period describes its own generation.
 */
static int
note_header(struct mux *m, const struct trk *t)
{
	struct sd_store_header h;
	AVRational fr = t->st->avg_frame_rate;

	memset(&h, 0, sizeof(h));
	strlcpy(h.track, t->id, sizeof(h.track));
	strlcpy(h.file, t->init, sizeof(h.file));
	strlcpy(h.codecs, t->codecs, sizeof(h.codecs));
	if (t->video) {
		h.width = t->par->width;
		h.height = t->par->height;
		if (fr.num > 0 && fr.den > 0 && fr.num < 1000000 &&
		    fr.den < 100000 && fr.den == 1)
			snprintf(h.frame_rate, sizeof(h.frame_rate), "%d",
			    fr.num);
		else if (fr.num > 0 && fr.den > 0 && fr.num < 1000000 &&
		    fr.den < 100000)
			snprintf(h.frame_rate, sizeof(h.frame_rate), "%d/%d",
			    fr.num, fr.den);
	} else {
		h.sample_rate = t->sample_rate;
		h.channels = t->channels;
	}
	/* The TS track has no header: its codecs follow the newest. */
	if (m->ts_store_idx >= 0 && m->tsseg != NULL)
		sd_tsseg_codecs(m, m->store.tracks[m->ts_store_idx].codecs,
		    sizeof(m->store.tracks[0].codecs));
	return sd_store_note_header(&m->store, &h);
}

static int
track_write_header(struct mux *m, struct trk *t)
{
	struct sd_bytes b = { NULL, 0, 0, 0 };
	int rv;

	t->ct.video = t->video;
	t->ct.cfg = t->cfg.p;
	t->ct.cfg_len = t->cfg.len;
	t->ct.timescale = t->ts;
	t->ct.width = t->par->width;
	t->ct.height = t->par->height;
	t->ct.sample_rate = t->sample_rate;
	t->ct.channels = t->channels;
	strlcpy(t->ct.lang, t->lang, sizeof(t->ct.lang));
	snprintf(t->init, sizeof(t->init), "%s-init-%u.mp4", t->id, t->gen);
	rv = sd_cmaf_header(&t->ct, &b);
	if (rv == 0)
		rv = sd_mux_write_file(m->o->dir, t->init, b.p, b.len, NULL, 0);
	sd_bytes_free(&b);
	if (rv == 0) {
		track_codecs(t, m->fps);
		rv = note_header(m, t);
	}
	t->have_hdr = rv == 0;
	return rv;
}

/* ---------------------------------------------------------------- timing */

/* 33-bit (or whatever the demuxer says) wrap: keep times rising. */
static int64_t
unwrap(struct trk *t, int64_t raw)
{
	int bits = t->st->pts_wrap_bits;
	int64_t period, v;

	if (bits <= 0 || bits >= 62)
		return raw;
	period = (int64_t)1 << bits;
	v = raw + t->wrap_add;
	if (t->have_raw && v < t->last_raw - period / 2) {
		t->wrap_add += period;
		v += period;
	} else if (t->have_raw && v > t->last_raw + period / 2) {
		t->wrap_add -= period;
		v -= period;
	}
	t->last_raw = v;
	t->have_raw = 1;
	return v;
}

/*
 * The pts of a packet whose dts is d (both unwrapped): within half a wrap
 * period of it, as the two wrap at different moments; a pts that makes no
 * sense (more than 10 s away) is taken as d.
 */
static int64_t
pts_near(const struct trk *t, int64_t p, int64_t d)
{
	int bits = t->st->pts_wrap_bits;
	int64_t period = bits > 0 && bits < 62 ? (int64_t)1 << bits : 0;
	int64_t limit = av_rescale_q(10, (AVRational){ 1, 1 },
	    t->st->time_base);

	if (period > 0 && p < d - period / 2)
		p += period;
	else if (period > 0 && p > d + period / 2)
		p -= period;
	if (p < d - limit || p > d + limit)
		p = d;
	return p;
}

/* The end of the timeline so far, over every track, in microseconds. */
static int64_t
frontier_us(const struct mux *m)
{
	int64_t f = INT64_MIN, e;
	size_t i;

	for (i = 0; i < m->ntrk; i++) {
		if (!m->trk[i].have_last)
			continue;
		e = sd_mux_us(&m->trk[i], m->trk[i].last_dts + m->trk[i].last_dur);
		if (e > f)
			f = e;
	}
	return f;
}

/*
 * A timestamp jump (restart upstream, files concatenated): map the new
 * times onto the end of the timeline. Tracks that jump together (within
 * JUMP_FWD_S of the first one's new time) share one new offset, so their
 * A/V offset survives.
 */
static void
rebase(struct mux *m, struct trk *t, int64_t in)
{
	int64_t in_us = sd_mux_us(t, in), f;

	if (!m->epoch_valid || llabs(in_us - m->epoch_in_us) >
	    (int64_t)JUMP_FWD_S * 1000000) {
		f = frontier_us(m);
		m->epoch_in_us = in_us;
		m->epoch_off_us = (f == INT64_MIN ? in_us : f) - in_us;
		m->epoch_valid = 1;
		m->disc_pending = 1;	/* once per jump, not per track */
		if (m->o->verbose)
			warnx("%s: timestamps jump; rebased, discontinuity",
			    t->id);
	}
	t->off = sd_mux_from_us(t, m->epoch_off_us);
	if (t->video)
		t->need_key = 1;
}

/*
 * Input dts/pts (stream time base) to internal times (track timescale).
 * Returns -1 for a packet with no usable time.
 */
static int
track_times(struct mux *m, struct trk *t, const AVPacket *pkt,
    int64_t *dts, int64_t *pts)
{
	AVRational tb = { 1, (int)t->ts };
	int64_t d = pkt->dts, p = pkt->pts, delta, expect, raw;

	if (d == AV_NOPTS_VALUE)
		d = p;
	if (d == AV_NOPTS_VALUE) {
		if (!t->have_last)
			return -1;
		*dts = t->last_dts + t->last_dur;
		*pts = *dts + (t->video ? t->delay : 0);
		return 0;
	}
	if (p == AV_NOPTS_VALUE)
		p = d;
	raw = d;
	d = unwrap(t, d);
	p = pts_near(t, p + (d - raw), d);
	d = av_rescale_q(d, t->st->time_base, tb);
	p = av_rescale_q(p, t->st->time_base, tb);
	if (!t->have_last && !t->have_off) {
		t->off = sd_mux_from_us(t, m->epoch_off_us);
		t->have_off = 1;
	}
	if (t->have_last) {
		expect = t->last_dts + t->last_dur;
		delta = d + t->off - expect;
		if (delta > (int64_t)JUMP_FWD_S * t->ts ||
		    delta < -(int64_t)JUMP_BACK_S * t->ts)
			rebase(m, t, d);
	}
	*dts = d + t->off;
	*pts = p + t->off;
	if (t->have_last && t->video && *dts <= t->last_dts) {
		/* A small step back: keep decode times rising. */
		*pts += t->last_dts + 1 - *dts;
		*dts = t->last_dts + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- video */

static int
new_header_needed(struct trk *t, const uint8_t *au, size_t n)
{
	struct sd_bytes cand = { NULL, 0, 0, 0 };
	int r, differ;

	r = t->hevc ? sd_hvcc_from_annexb(au, n, &cand) :
	    sd_avcc_from_annexb(au, n, &cand);
	differ = r == 0 && (cand.len != t->cfg.len ||
	    memcmp(cand.p, t->cfg.p, cand.len) != 0);
	sd_bytes_free(&cand);
	return differ;
}

/* The first keyframe: audio from before its decode time is not kept. */
static void
video_started(struct mux *m, struct trk *v, int64_t dts)
{
	int64_t from = sd_mux_us(v, dts);
	size_t i, k;

	m->wall_start = sd_mux_wall();
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->video)
			continue;
		for (k = 0; k < t->n && sd_mux_us(t, t->s[k].dts +
		    t->s[k].dur) <= from; k++)
			;
		sd_mux_samples_drop(t, k);
		t->started = t->n > 0;
		t->seq = m->open_seq;
		t->seg_start = t->n > 0 ? t->s[0].dts : 0;
	}
}

/*
 * The segment in hand may not grow without bound when keyframes stop
 * coming: a minute (or 15 targets), or 128 MiB.
 */
static int
hand_full(const struct mux *m, const struct trk *t, int64_t dts)
{
	double most = m->o->target * 15 > 60 ? m->o->target * 15 : 60;

	return (double)(dts - t->s[0].dts) > most * t->ts ||
	    t->hand_bytes > ((size_t)128 << 20);
}

/* New parameter sets on the keyframe that opens a segment. */
static int
new_header(struct mux *m, struct trk *t, const AVPacket *pkt)
{
	t->gen = (unsigned)t->seq;
	if (track_config(t, pkt->data, (size_t)pkt->size, m->fps) == -1 ||
	    track_write_header(m, t) == -1)
		return -1;
	if (t->store_idx >= 0) {
		struct sd_store_track *st = &m->store.tracks[t->store_idx];
		st->width = t->par->width;
		st->height = t->par->height;
		strlcpy(st->codecs, t->codecs, sizeof(st->codecs));
	}
	if (m->o->verbose)
		warnx("%s: new parameters: header %s", t->id, t->init);
	return 0;
}

static int
video_cut(struct mux *m, struct trk *t, int64_t dts, int64_t p, int disc,
    int newhdr, const AVPacket *pkt)
{
	if (sd_mux_declare_cut(m, sd_mux_us(t, p), disc) == NULL) {
		if (sd_mux_unstall(m) == -1 || sd_mux_declare_cut(m, sd_mux_us(t, p), disc) ==
		    NULL) {
			warnx("internal: cut queue full");
			return -1;
		}
	}
	if (sd_mux_flush_seg(m, t, t->n, dts) == -1)
		return -1;
	t->disc_next = disc;
	m->disc_pending = 0;
	if (newhdr && new_header(m, t, pkt) == -1)
		return -1;
	t->seg_start = p;
	return sd_mux_follow_all(m, 0);
}

static int
video_au(struct mux *m, struct trk *t, const AVPacket *pkt, int64_t dts,
    int64_t pts)
{
	int key = (pkt->flags & AV_PKT_FLAG_KEY) != 0, params = 0, k2;
	int64_t p, tol;
	long len;
	int newhdr = 0;

	if (t->annexb && key && t->have_hdr && new_header_needed(t, pkt->data,
	    (size_t)pkt->size))
		newhdr = 1;
	if (!t->started) {
		if (!key)
			return 0;	/* before the first keyframe */
		t->delay = pts - dts > 0 ? pts - dts : 0;
		if (track_config(t, pkt->data, (size_t)pkt->size, m->fps) ==
		    -1 || track_write_header(m, t) == -1)
			return -1;
		t->started = 1;
		t->seq = m->open_seq;
		t->seg_start = pts;
		video_started(m, t, dts);
	} else if (t->need_key && !key) {
		return 0;
	} else if (t->n == 0) {
		/* after a segment closed for want of keyframes: this one
		 * opens the next, its discontinuity already marked */
		t->seg_start = pts;
		if (newhdr && new_header(m, t, pkt) == -1)
			return -1;
	} else if (!key && hand_full(m, t, dts)) {
		warnx("%s: no keyframe for %.0f s: segment closed, video "
		    "dropped until the next one", t->id,
		    (double)(dts - t->s[0].dts) / t->ts);
		if (video_cut(m, t, dts, pts, 1, 0, pkt) == -1)
			return -1;
		t->need_key = 1;
		return 0;
	} else {
		p = pts;	/* the cut is where the keyframe is shown */
		/* A keyframe a little early (streams spliced with a small
		 * overlap) still cuts: else a segment of two GOPs. */
		tol = (int64_t)(m->o->target * t->ts / 10);
		if (tol < t->last_dur / 2)
			tol = t->last_dur / 2;
		if (key && (t->need_key || newhdr || m->disc_pending ||
		    p - t->seg_start >= (int64_t)(m->o->target * t->ts) - tol)) {
			if (video_cut(m, t, dts, p, t->need_key ||
			    m->disc_pending || newhdr, newhdr, pkt) == -1)
				return -1;
		}
	}
	t->need_key = 0;
	if (sd_mux_samples_reserve(t) == -1)
		return -1;
	/* The TS segments take the packet as it came, before conversion. */
	if (m->tsseg != NULL && sd_tsseg_packet(m, t, pkt, dts, pts) == -1)
		return -1;
	t->s[t->n].buf = NULL;
	if (t->annexb && pkt->buf != NULL && av_buffer_is_writable(pkt->buf) &&
	    (len = sd_annexb_to_lp_inplace(t->hevc, pkt->data,
	    (size_t)pkt->size, &k2, &params)) >= 0) {
		if (sd_mux_sample_ref(t, pkt, (size_t)len) == -1)
			return -1;
	} else if (t->annexb) {
		t->s[t->n].off = t->data.len;
		len = sd_annexb_to_lp(t->hevc, pkt->data, (size_t)pkt->size,
		    &t->data, &k2, &params);
		if (len < 0)
			return -1;
	} else if (t->par->codec_id == AV_CODEC_ID_AV1) {
		if (sd_mux_av1_sample(t, pkt, &len) == -1)
			return -1;
	} else if (sd_mux_sample_keep(t, pkt) == -1) {
		return -1;
	} else
		len = pkt->size;
	t->s[t->n].dts = dts;
	t->s[t->n].pts = pts;
	t->s[t->n].size = (uint32_t)len;
	t->hand_bytes += (size_t)len;
	t->s[t->n].key = key;
	if (t->have_last && dts - t->last_dts > 0)
		t->last_dur = dts - t->last_dts;
	else if (!t->have_last)
		t->last_dur = pkt->duration > 0 ? av_rescale_q(pkt->duration,
		    t->st->time_base, (AVRational){ 1, (int)t->ts }) :
		    t->ts / 25;
	if (t->n > 0)
		t->s[t->n - 1].dur = (uint32_t)(dts - t->s[t->n - 1].dts);
	t->s[t->n].dur = (uint32_t)t->last_dur;
	t->n++;
	t->last_dts = dts;
	t->have_last = 1;
	return 1;
}

/* ---------------------------------------------------------------- audio */

static int64_t
opus_samples(const uint8_t *p, size_t n)
{
	static const int ms10[32] = {
		100, 200, 400, 600, 100, 200, 400, 600, 100, 200, 400, 600,
		100, 200, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200,
		25, 50, 100, 200, 25, 50, 100, 200 };
	int frames;

	if (n < 1)
		return 0;
	switch (p[0] & 3) {
	case 0: frames = 1; break;
	case 3: frames = n >= 2 ? p[1] & 0x3f : 0; break;
	default: frames = 2; break;
	}
	return (int64_t)frames * ms10[p[0] >> 3] * 48000 / 10000;
}

/* The frame's duration in samples (the track's timescale). */
static int64_t
audio_duration(const struct trk *t, const AVPacket *pkt)
{
	int64_t d = 0;

	switch (t->par->codec_id) {
	case AV_CODEC_ID_AAC: d = t->par->frame_size > 0 ?
		    t->par->frame_size : 1024; break;
	case AV_CODEC_ID_AC3: d = 1536; break;
	case AV_CODEC_ID_EAC3: d = t->eac3_samples; break;
	case AV_CODEC_ID_OPUS: d = opus_samples(pkt->data,
		    (size_t)pkt->size); break;
	default: break;
	}
	if (d <= 0 && pkt->duration > 0)
		d = av_rescale_q(pkt->duration, t->st->time_base,
		    (AVRational){ 1, (int)t->ts });
	if (d <= 0)
		d = t->par->codec_id == AV_CODEC_ID_OPUS ? 960 : 1152;
	return d;
}

/* The ASC that aac_adtstoasc found, once. */
static void
aac_asc(struct trk *t, const AVPacket *pkt)
{
	size_t n = 0;
	const uint8_t *x;

	if (t->asc_len > 0)
		return;
	x = av_packet_get_side_data(pkt, AV_PKT_DATA_NEW_EXTRADATA, &n);
	if (x == NULL && t->bsf != NULL && t->bsf->par_out->extradata_size > 0) {
		x = t->bsf->par_out->extradata;
		n = (size_t)t->bsf->par_out->extradata_size;
	}
	if (x == NULL && t->par->extradata_size > 0) {
		x = t->par->extradata;
		n = (size_t)t->par->extradata_size;
	}
	if (x != NULL && n > 0 && n <= sizeof(t->asc)) {
		memcpy(t->asc, x, n);
		t->asc_len = n;
	}
}

/*
 * The audio parameters a header fixes, from a raw frame (ADTS before
 * aac_adtstoasc, an AC-3 or E-AC-3 sync frame): profile, rate, channels.
 * 0: not a frame we read.
 */
static uint32_t
audio_sig(const struct trk *t, const AVPacket *pkt, uint8_t asc[2])
{
	const uint8_t *d = pkt->data;
	uint8_t x[5];
	unsigned prof, sr, ch;
	int rate, samples;

	switch (t->par->codec_id) {
	case AV_CODEC_ID_AAC:
		if (pkt->size < 7 || d[0] != 0xff || (d[1] & 0xf6) != 0xf0)
			return 0;
		prof = d[2] >> 6;
		sr = (d[2] >> 2) & 0xf;
		ch = (unsigned)(d[2] & 1) << 2 | d[3] >> 6;
		asc[0] = (uint8_t)((prof + 1) << 3 | sr >> 1);
		asc[1] = (uint8_t)((sr & 1) << 7 | ch << 3);
		return 1u << 16 | prof << 8 | sr << 4 | ch;
	case AV_CODEC_ID_AC3:
		if (sd_dac3(d, (size_t)pkt->size, x, &rate) == -1)
			return 0;
		return 1u << 16 | (uint32_t)x[0] << 8 | (x[1] & 0xfc);
	case AV_CODEC_ID_EAC3:
		if (sd_dec3(d, (size_t)pkt->size, x, &rate, &samples) == -1)
			return 0;
		return 1u << 16 | (uint32_t)x[2] << 8 | x[3];
	default:
		return 0;
	}
}

/* The new parameters' header, from this frame on. */
static int
audio_new_header(struct mux *m, struct trk *t, const AVPacket *pkt)
{
	if (t->par->codec_id == AV_CODEC_ID_AAC && t->bsf != NULL) {
		memcpy(t->asc, t->next_asc, 2);
		t->asc_len = 2;
	}
	t->gen = (unsigned)t->seq;
	t->cfg_change = 0;
	if (track_config(t, pkt->data, (size_t)pkt->size, m->fps) == -1 ||
	    track_write_header(m, t) == -1)
		return -1;
	if (t->store_idx >= 0)
		strlcpy(m->store.tracks[t->store_idx].codecs, t->codecs,
		    sizeof(m->store.tracks[0].codecs));
	if (m->o->verbose)
		warnx("%s: new audio parameters: header %s", t->id, t->init);
	return 0;
}

/* Give cut c a discontinuity after the fact: no segment after it is out. */
static int
mark_disc(struct mux *m, struct cut *c)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++)
		if (m->trk[i].seq > c->seq + 1)
			return -1;	/* a segment after c is out already */
	c->disc = 1;
	for (i = 0; i < m->ntrk; i++)
		if (m->trk[i].seq == c->seq + 1)
			m->trk[i].disc_next = 1;
	return 0;
}

/*
 * A change of audio parameters (a 2.0 programme after a 5.1 one) needs a
 * new header, at a cut with a discontinuity. When this track is just past
 * the last cut and nothing after that cut is written, that cut takes it
 * (the video cut at the programme's first keyframe, the new audio came
 * right after): the few old frames since are dropped and the header
 * changes now. When the track has not reached the last cut, that cut
 * takes it and the new frames until then are dropped. Else the next cut
 * does. Returns 1 when this frame is to be dropped.
 */
static int
audio_watch(struct mux *m, struct trk *t, const AVPacket *pkt)
{
	struct cut *c = m->open_seq > 0 ? sd_mux_cut_of(m, m->open_seq - 1) :
	    NULL;
	uint8_t asc[2];
	uint32_t sig = audio_sig(t, pkt, asc);

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
	if (t->dur_total == 0 || (c != NULL && c->p_us != INT64_MAX &&
	    t->seq == c->seq + 1 && mark_disc(m, c) == 0)) {
		sd_mux_samples_drop(t, t->n);
		return audio_new_header(m, t, pkt) == -1 ? -1 : 0;
	}
	if (c != NULL && c->p_us != INT64_MAX && t->seq <= c->seq &&
	    mark_disc(m, c) == 0)
		return t->n > 0 ? 1 : 0;
	m->disc_pending = 1;
	return t->n > 0 ? 1 : 0;
}

/* At the discontinuity after a change: close the old segment, new header. */
static int
audio_switch(struct mux *m, struct trk *t, const AVPacket *pkt,
    int64_t time)
{
	struct cut *c;

	if (!t->cfg_change || !t->have_hdr || t->seq >= m->open_seq)
		return 0;
	c = sd_mux_cut_of(m, t->seq);
	if (!c->disc || sd_mux_us(t, time) < c->p_us)
		return 0;
	if (t->n > 0 && sd_mux_flush_seg(m, t, t->n, t->acc) == -1)
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

static int
audio_au(struct mux *m, struct trk *t, const AVPacket *pkt, int64_t time)
{
	int64_t dur;

	if (t->gone || pkt->size <= 0 || (pkt->flags & AV_PKT_FLAG_DISCARD))
		return 0;	/* priming the source's edit list cut off */
	if (t->par->codec_id == AV_CODEC_ID_AAC)
		aac_asc(t, pkt);
	if (!t->have_hdr) {
		if (track_config(t, pkt->data, (size_t)pkt->size, m->fps) ==
		    -1 || track_write_header(m, t) == -1) {
			t->gone = 1;
			return 0;	/* the other tracks go on */
		}
		if (!m->has_video && m->wall_start == 0)
			m->wall_start = sd_mux_wall();
	}
	if (audio_switch(m, t, pkt, time) == -1)
		return -1;
	dur = audio_duration(t, pkt);
	/* Sample times follow the frames' own durations; a gap longer than
	 * half a frame moves them on, an overlap is absorbed. */
	if (!t->have_last || time > t->acc + dur / 2 + dur)
		t->acc = time;
	else if (time < t->acc - 3 * dur)
		return 0;	/* the frames outrun their times: let them catch up */
	if (!t->started && (!m->has_video || m->trk[0].started)) {
		t->started = 1;
		t->seq = m->open_seq;
		t->seg_start = t->acc;
	}
	if (sd_mux_samples_reserve(t) == -1 || sd_mux_sample_keep(t, pkt) == -1)
		return -1;
	t->s[t->n].dts = t->s[t->n].pts = t->acc;
	t->s[t->n].size = (uint32_t)pkt->size;
	t->hand_bytes += (size_t)pkt->size;
	t->s[t->n].dur = (uint32_t)dur;
	t->s[t->n].key = 1;
	t->n++;
	t->last_dts = t->acc;
	t->last_dur = dur;
	t->have_last = 1;
	t->acc += dur;
	if (m->has_video && !m->trk[0].started) {
		/* No keyframe yet: keep only the last PRESTART_S. */
		size_t k;
		for (k = 0; k < t->n && t->s[t->n - 1].dts - t->s[k].dts >
		    (int64_t)PRESTART_S * t->ts; k++)
			;
		sd_mux_samples_drop(t, k);
		return 0;
	}
	if (!m->has_video) {
		if (m->driver == NULL || m->driver->gone)
			m->driver = audio_driver(m);
		if (t == m->driver && t->n > 1 && (m->disc_pending ||
		    t->acc - dur - t->seg_start >=
		    (int64_t)(m->o->target * t->ts))) {
			int64_t p = t->s[t->n - 1].dts;
			if (sd_mux_declare_cut(m, sd_mux_us(t, p), m->disc_pending) ==
			    NULL && (sd_mux_unstall(m) == -1 || sd_mux_declare_cut(m,
			    sd_mux_us(t, p), m->disc_pending) == NULL))
				return -1;
			m->disc_pending = 0;
			t->seg_start = p;
			if (sd_mux_follow_cuts(m, t, 0) == -1)
				return -1;
		}
	}
	if (sd_mux_follow_cuts(m, t, 0) == -1)
		return -1;
	return sd_mux_publish(m);
}

/* ---------------------------------------------------------------- packets */

static int
feed(struct mux *m, struct trk *t, AVPacket *pkt)
{
	int64_t dts, pts;
	int rv;

	if (track_times(m, t, pkt, &dts, &pts) == -1)
		return 0;
	if (t->video)
		return video_au(m, t, pkt, dts, pts) == -1 ? -1 : 0;
	if (m->tsseg != NULL && (m->has_video ? m->trk[0].started :
	    m->driver != NULL) && sd_tsseg_packet(m, t, pkt, dts, pts) == -1)
		return -1;
	if (t->have_hdr && (rv = audio_watch(m, t, pkt)) != 0) {
		if (rv == -1)
			return -1;
		if (!(t->seq < m->open_seq && sd_mux_cut_of(m, t->seq)->disc &&
		    sd_mux_us(t, dts) >= sd_mux_cut_of(m, t->seq)->p_us))
			return 0;	/* new parameters before their cut */
	} else if (!t->have_hdr && !t->have_sig) {
		uint8_t asc[2];
		if ((t->sig = audio_sig(t, pkt, asc)) != 0)
			t->have_sig = 1;
	}
	if (t->bsf == NULL)
		return audio_au(m, t, pkt, dts);
	if (av_bsf_send_packet(t->bsf, pkt) < 0)
		return 0;		/* a malformed frame: dropped */
	while ((rv = av_bsf_receive_packet(t->bsf, m->fpkt)) == 0) {
		rv = audio_au(m, t, m->fpkt, dts);
		av_packet_unref(m->fpkt);
		if (rv == -1)
			return -1;
	}
	return 0;
}

static void
progress(struct mux *m, int last)
{
	double now = sd_mux_mono(), media = 0, el;
	const struct trk *t = m->ntrk > 0 ? &m->trk[0] : NULL;

	if (!m->o->verbose || (!last && now - m->last_progress < 1.0))
		return;
	m->last_progress = now;
	if (t != NULL && t->have_last && m->have_origin)
		media = (double)(t->last_dts - sd_mux_origin_in(m, t)) / t->ts;
	el = now - m->t_begin;
	fprintf(stderr, "sd-cmafmux: time=%02d:%02d:%05.2f speed=%.1fx "
	    "segments=%llu%s\n", (int)(media / 3600), (int)(media / 60) % 60,
	    media - 60 * (int)(media / 60), el > 0 ? media / el : 0,
	    (unsigned long long)m->segments, last ? " done" : "");
}

/* The input ends (or a signal came): close every segment in hand. */
static int
finish(struct mux *m)
{
	size_t i;
	int any = 0;

	for (i = 0; i < m->ntrk; i++)
		if (m->trk[i].started && !m->trk[i].gone && m->trk[i].n > 0)
			any = 1;
	if (!any)
		return sd_mux_publish(m);
	if (sd_mux_declare_cut(m, INT64_MAX, 0) == NULL && (sd_mux_unstall(m) == -1 ||
	    sd_mux_declare_cut(m, INT64_MAX, 0) == NULL))
		return -1;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->gone || !t->started)
			continue;
		if (t->video && t->n > 0) {
			if (sd_mux_flush_seg(m, t, t->n, t->s[t->n - 1].dts +
			    t->s[t->n - 1].dur) == -1)
				return -1;
		} else if (sd_mux_follow_cuts(m, t, 1) == -1)
			return -1;
	}
	return sd_mux_publish(m);
}

/*
 * SIGTERM aborts a blocking read. Past that point libavformat flushes what
 * it holds: the MPEG-TS demuxer hands over its partial PES as a packet and
 * the parsers then their buffered remainder, a frame cut by the signal.
 * The flag says which packets come from that flush.
 */
static int
interrupted(void *arg)
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
	m->ic->interrupt_callback.callback = interrupted;
	m->ic->interrupt_callback.opaque = m;
	if (m->o->pb != NULL) {
		/* The caller's reader (the fuzzer); it stays the caller's. */
		m->ic->pb = m->o->pb;
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

static int
setup(struct mux *m)
{
	int rv;

	if (sd_mux_continue(m) == -1)
		return SD_EX_SOFTWARE;
	m->open_seq = m->pub_seq = m->first_seq;
	if ((rv = open_input(m)) != 0)
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
	if (m->o->ts && sd_tsseg_open(m) == -1)
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

	sd_tsseg_close(m);
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		av_bsf_free(&t->bsf);
		avcodec_parameters_free(&t->par);
		sd_mux_samples_drop(t, t->n);
		sd_bytes_free(&t->data);
		sd_bytes_free(&t->cfg);
		free(t->s);
	}
	sd_mux_graveyard_free(m);
	for (i = 0; i < TRACKS_MAX; i++)
		av_packet_free(&m->held[i]);
	av_packet_free(&m->pkt);
	av_packet_free(&m->fpkt);
	avformat_close_input(&m->ic);
	sd_bytes_free(&m->head);
	free(m->iov);
	free(m->cs);
	free(m->by_stream);
	free(m->cuts);
	sd_store_free(&m->store);
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
feed_after_interrupt(struct mux *m, size_t ti, AVPacket *pkt)
{
	AVPacket *h;
	int rv = 0;

	if (pkt->flags & AV_PKT_FLAG_CORRUPT)
		return 0;
	if (m->held[ti] == NULL && (m->held[ti] = av_packet_alloc()) == NULL)
		return -1;
	h = m->held[ti];
	if (h->size > 0)
		rv = feed(m, &m->trk[ti], h);
	av_packet_unref(h);
	av_packet_move_ref(h, pkt);
	return rv;
}

static int
run(struct mux *m)
{
	AVPacket *pkt = m->pkt;
	int rv, idx;

	while ((rv = av_read_frame(m->ic, pkt)) >= 0) {
		idx = pkt->stream_index;
		if (idx >= 0 && (unsigned)idx < m->nstreams &&
		    m->by_stream[idx] >= 0 && pkt->size > 0 &&
		    !(pkt->flags & AV_PKT_FLAG_CORRUPT && pkt->size < 4)) {
			if ((m->interrupted ? feed_after_interrupt(m,
			    (size_t)m->by_stream[idx], pkt) : feed(m,
			    &m->trk[m->by_stream[idx]], pkt)) == -1) {
				av_packet_unref(pkt);
				return SD_EX_IOERR;
			}
		}
		av_packet_unref(pkt);
		progress(m, 0);
	}
	if (m->interrupted && m->o->verbose)
		warnx("%s: interrupted: the last frame of each track "
		    "dropped, cut by the signal", m->o->input);
	if (rv != AVERROR_EOF && rv != AVERROR_EXIT)
		warnx("%s: %s; ending the store there", m->o->input,
		    av_err2str(rv));
	if (finish(m) == -1)
		return SD_EX_IOERR;
	if (m->store.nsegs == 0) {
		warnx("%s: nothing to segment (no keyframe, or no frames)",
		    m->o->input);
		return SD_EX_DATAERR;
	}
	m->store.ended = 1;
	if (m->o->live)
		sd_mux_live_trim(m);
	if (sd_mux_store_write(m, 1) == -1)
		return SD_EX_IOERR;
	progress(m, 1);
	return SD_EX_OK;
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
	unsigned gen = 0, g;
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
			    sscanf(p, "-init-%u.mp4", &g) == 1 && g >= gen)
				gen = g + 1;
		}
	}
	sd_store_free(&old);
	if (next == 0 && gen == 0)
		return;
	m->open_seq = m->pub_seq = next;
	for (i = 0; i < m->ntrk; i++)
		m->trk[i].gen = gen;
	m->resumed = 1;
	if (m->o->verbose)
		warnx("%s: a store was here: numbering on from segment %llu, "
		    "header %u", m->o->dir, (unsigned long long)next, gen);
}

int
sd_cmafmux(const struct sd_mux_opts *o)
{
	struct mux *m;
	int rv;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->cuts = calloc(CUTS_MAX, sizeof(*m->cuts))) == NULL) {
		free(m);
		warn("sd-cmafmux");
		return SD_EX_SOFTWARE;
	}
	m->o = o;
	m->t_begin = sd_mux_mono();
	m->ts_store_idx = -1;
	av_log_set_level(o->verbose ? AV_LOG_WARNING : AV_LOG_FATAL);
	sd_store_init(&m->store);
	if (mkdir(o->dir, 0755) == -1 && errno != EEXIST) {
		warn("%s", o->dir);
		rv = SD_EX_IOERR;
	} else if ((rv = setup(m)) == 0) {
		resume_numbering(m);
		rv = run(m);
	}
	teardown(m);
	free(m);
	return rv;
}
