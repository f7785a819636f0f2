/*
 * av_ingest.c - sd-cmafmux(1): a media stream in, a segment store out.
 *
 * libavformat demuxes; everything after that is ours: timestamps are
 * unwrapped (33-bit PTS) and rebased onto one continuous timeline when they
 * jump (the cut after a jump has disc=1), video is cut at keyframes near
 * the target duration and every other track at the first frame at or
 * after the same presentation time, and the boxes come from cmaf.c.
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
#include <sys/uio.h>
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
#define SEG_SAMPLES_MAX	100000		/* one segment, one track */
#ifndef IOV_MAX
#define IOV_MAX		1024
#endif

/* ---------------------------------------------------------------- files */

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Write all of iov[0..n) to fd, IOV_MAX at a time; iov is consumed. */
static int
writev_all(int fd, struct iovec *iov, size_t n)
{
	size_t i = 0;
	ssize_t w;

	while (i < n) {
		if (iov[i].iov_len == 0) {
			i++;
			continue;
		}
		w = writev(fd, iov + i, (int)(n - i < IOV_MAX ? n - i : IOV_MAX));
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (i < n && (size_t)w >= iov[i].iov_len) {
			w -= (ssize_t)iov[i].iov_len;
			iov[i++].iov_len = 0;
		}
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Write iov to DIR/NAME through a temporary and rename(2): a reader sees
 * the whole file or none.
 */
int
sd_mux_write_iov(const char *dir, const char *name, struct iovec *iov,
    size_t n)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/.%s.XXXXXX", dir, name) >= sizeof(tmp)) {
		warnx("%s/%s: path too long", dir, name);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		warn("%s", tmp);
		return -1;
	}
	if (writev_all(fd, iov, n) == -1 || fchmod(fd, 0644) == -1) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	errno = saved;
	warn("%s", path);
	return -1;
}

int
sd_mux_write_file(const char *dir, const char *name, const void *head,
    size_t hlen, const void *body, size_t blen)
{
	struct iovec iov[2];

	iov[0].iov_base = (void *)(uintptr_t)head;
	iov[0].iov_len = hlen;
	iov[1].iov_base = (void *)(uintptr_t)body;
	iov[1].iov_len = blen;
	return sd_mux_write_iov(dir, name, iov, 2);
}

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
	(void)fps;
	if (sd_codec_string(p, t->codecs, sizeof(t->codecs)) == -1)
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
	if (rv == 0)
		track_codecs(t, m->fps);
	t->have_hdr = rv == 0;
	return rv;
}

/* ---------------------------------------------------------------- timing */

static int64_t
to_us(const struct trk *t, int64_t v)
{
	return av_rescale(v, 1000000, t->ts);
}

static int64_t
from_us(const struct trk *t, int64_t v)
{
	return av_rescale(v, t->ts, 1000000);
}

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
		e = to_us(&m->trk[i], m->trk[i].last_dts + m->trk[i].last_dur);
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
	int64_t in_us = to_us(t, in), f;

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
	t->off = from_us(t, m->epoch_off_us);
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
		t->off = from_us(t, m->epoch_off_us);
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

/* ---------------------------------------------------------------- samples */

static int
samples_reserve(struct trk *t)
{
	struct sample *s;
	size_t cap;

	if (t->n < t->cap)
		return 0;
	if (t->n >= SEG_SAMPLES_MAX) {
		warnx("%s: more than %d samples in one segment (no keyframe?)",
		    t->id, SEG_SAMPLES_MAX);
		return -1;
	}
	cap = t->cap ? t->cap * 2 : 256;
	if ((s = reallocarray(t->s, cap, sizeof(*s))) == NULL)
		return -1;
	t->s = s;
	t->cap = cap;
	return 0;
}

/* The next sample's bytes are len bytes of the packet: keep a reference. */
static int
sample_ref(struct trk *t, const AVPacket *pkt, size_t len)
{
	struct sample *s = &t->s[t->n];

	if ((s->buf = av_buffer_ref(pkt->buf)) == NULL)
		return -1;
	s->p = pkt->data;
	(void)len;
	return 0;
}

/* The packet's bytes as the next sample: by reference, else copied. */
static int
sample_keep(struct trk *t, const AVPacket *pkt)
{
	struct sample *s = &t->s[t->n];

	s->buf = NULL;
	if (pkt->buf != NULL)
		return sample_ref(t, pkt, (size_t)pkt->size);
	s->off = t->data.len;
	return sd_bytes_put(&t->data, pkt->data, (size_t)pkt->size);
}

/* An AV1 sample: the packet without temporal delimiters. */
static int
av1_sample(struct trk *t, const AVPacket *pkt, long *len)
{
	struct sample *s = &t->s[t->n];

	if (pkt->buf != NULL && av_buffer_is_writable(pkt->buf)) {
		*len = (long)sd_av1_strip(pkt->data, (size_t)pkt->size);
		return sample_ref(t, pkt, (size_t)*len);
	}
	s->buf = NULL;
	s->off = t->data.len;
	if (sd_bytes_put(&t->data, pkt->data, (size_t)pkt->size) == -1)
		return -1;
	*len = (long)sd_av1_strip(t->data.p + s->off, (size_t)pkt->size);
	t->data.len = s->off + (size_t)*len;
	return 0;
}

/* Forget the first k samples of the segment in hand. */
static void
samples_drop(struct trk *t, size_t k)
{
	size_t bytes = 0, i;

	if (k == 0)
		return;
	for (i = 0; i < k; i++) {
		if (t->s[i].buf != NULL)
			av_buffer_unref(&t->s[i].buf);
		else
			bytes += t->s[i].size;
	}
	memmove(t->s, t->s + k, (t->n - k) * sizeof(*t->s));
	t->n -= k;
	if (bytes == 0)
		return;
	memmove(t->data.p, t->data.p + bytes, t->data.len - bytes);
	t->data.len -= bytes;
	for (i = 0; i < t->n; i++)
		if (t->s[i].buf == NULL)
			t->s[i].off -= bytes;
}

/* ---------------------------------------------------------------- output */

static int64_t
origin_in(const struct mux *m, const struct trk *t)
{
	return av_rescale_rnd(m->origin, t->ts, m->origin_ts, AV_ROUND_DOWN);
}

/* The first presentation time of the segment in hand. */
static int64_t
first_time(const struct trk *t)
{
	return t->video ? t->s[0].dts + t->delay : t->s[0].dts;
}

/* t=0: the earliest first presentation time over the tracks. */
static void
fix_origin(struct mux *m)
{
	int64_t best_us = INT64_MAX;
	size_t i;

	if (m->have_origin)
		return;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->n == 0 || t->gone)
			continue;
		if (to_us(t, first_time(t)) < best_us) {
			best_us = to_us(t, first_time(t));
			m->origin = first_time(t);
			m->origin_ts = t->ts;
		}
	}
	m->have_origin = 1;
	m->store.start = m->wall_start;
}

/* The track whose cuts the MPEG-TS segments follow. */
static struct trk *
ts_driver(struct mux *m)
{
	return m->has_video ? &m->trk[0] : m->driver;
}

static struct cut *
cut_of(struct mux *m, uint64_t seq)
{
	return &m->cuts[seq % CUTS_MAX];
}

/* The segment's boxes, then each sample's bytes where they lie. */
static int
seg_iov(struct mux *m, const struct trk *t, size_t k)
{
	struct iovec *iov = m->iov;
	size_t i;

	if (k + 1 > m->iov_cap) {
		if ((iov = reallocarray(m->iov, k + 1, sizeof(*iov))) == NULL)
			return -1;
		m->iov = iov;
		m->iov_cap = k + 1;
	}
	iov[0].iov_base = m->head.p;
	iov[0].iov_len = m->head.len;
	for (i = 0; i < k; i++) {
		const struct sample *s = &t->s[i];
		iov[i + 1].iov_base = (void *)(uintptr_t)(s->buf != NULL ?
		    s->p : t->data.p + s->off);
		iov[i + 1].iov_len = s->size;
	}
	return 0;
}

/*
 * Write the segment of the first k samples of t, which ends at end
 * (internal time), as its seq; remember its index line for the cut.
 */
static int
flush_seg(struct mux *m, struct trk *t, size_t k, int64_t end)
{
	struct sd_cmaf_sample *cs = m->cs;
	struct sd_store_seg *rec;
	struct cut *c = cut_of(m, t->seq);
	int64_t t0, origin;
	size_t i, bytes = 0;
	int rv;

	if (k == 0 || k > t->n)
		return 0;
	fix_origin(m);
	origin = origin_in(m, t);
	if (k > m->cs_cap) {
		if ((cs = reallocarray(m->cs, k, sizeof(*cs))) == NULL)
			return -1;
		m->cs = cs;
		m->cs_cap = k;
	}
	for (i = 0; i < k; i++) {
		int64_t next = i + 1 < k ? t->s[i + 1].dts : end;
		int64_t d = next - t->s[i].dts;
		cs[i].size = t->s[i].size;
		cs[i].duration = d > 0 && d < UINT32_MAX ? (uint32_t)d : 1;
		cs[i].sync = t->s[i].key;
		cs[i].cto = (int32_t)(t->s[i].pts - t->s[i].dts - t->delay);
		bytes += t->s[i].size;
	}
	t0 = t->s[0].dts + (t->video ? t->delay : 0) - origin;
	if (t0 < 0)
		t0 = 0;
	m->head.len = 0;
	if (sd_cmaf_segment(&t->ct, (uint32_t)(t->seq + 1), (uint64_t)t0, cs,
	    k, &m->head) == -1) {
		warnx("%s: segment %llu: cannot build its boxes", t->id,
		    (unsigned long long)t->seq);
		return -1;
	}
	rec = &c->seg[t - m->trk];
	memset(rec, 0, sizeof(*rec));
	rec->track = (uint8_t)t->store_idx;
	rec->seq = t->seq;
	rec->t = t0;
	rec->d = end - t->s[0].dts > 0 ? end - t->s[0].dts : 1;
	rec->bytes = m->head.len + bytes;
	rec->disc = (uint8_t)t->disc_next;
	snprintf(rec->file, sizeof(rec->file), "%s-%llu.m4s", t->id,
	    (unsigned long long)t->seq);
	strlcpy(rec->init, t->init, sizeof(rec->init));
	if (seg_iov(m, t, k) == -1)
		return -1;
	rv = sd_mux_write_iov(m->o->dir, rec->file, m->iov, k + 1);
	if (rv == -1)
		return -1;
	c->have |= 1u << (t - m->trk);
	if (m->tsseg != NULL && t == ts_driver(m)) {
		int64_t t90 = av_rescale(rec->t, 90000, t->ts);
		if (sd_tsseg_cut(m, t->seq, t90, av_rescale(rec->t + rec->d,
		    90000, t->ts) - t90) == -1)
			return -1;
	}
	t->bytes_total += rec->bytes;
	t->dur_total += rec->d;
	samples_drop(t, k);
	t->disc_next = 0;
	t->seq++;
	return 0;
}

static void
store_track(struct mux *m, struct trk *t)
{
	struct sd_store_track *s = &m->store.tracks[m->store.ntracks];
	AVRational fr = t->st->avg_frame_rate;

	memset(s, 0, sizeof(*s));
	strlcpy(s->id, t->id, sizeof(s->id));
	strlcpy(s->type, t->video ? "video" : "audio", sizeof(s->type));
	strlcpy(s->codec, avcodec_get_name(t->par->codec_id), sizeof(s->codec));
	strlcpy(s->codecs, t->codecs, sizeof(s->codecs));
	s->timescale = t->ts;
	if (t->video) {
		s->width = t->par->width;
		s->height = t->par->height;
		if (fr.num > 0 && fr.den > 0 && fr.num < 1000000 &&
		    fr.den < 100000) {
			if (fr.den == 1)
				snprintf(s->frame_rate, sizeof(s->frame_rate),
				    "%d", fr.num);
			else
				snprintf(s->frame_rate, sizeof(s->frame_rate),
				    "%d/%d", fr.num, fr.den);
		}
	} else {
		s->sample_rate = t->sample_rate;
		s->channels = t->channels;
	}
	strlcpy(s->lang, t->lang, sizeof(s->lang));
	t->store_idx = (int)m->store.ntracks++;
}

/* Tracks enter the index when their first segment does. */
static void
store_tracks(struct mux *m)
{
	size_t i;

	if (m->store_ready)
		return;
	for (i = 0; i < m->ntrk; i++)
		if (m->trk[i].have_hdr && m->trk[i].store_idx < 0)
			store_track(m, &m->trk[i]);
	if (m->o->ts && m->tsseg != NULL) {
		struct sd_store_track *s = &m->store.tracks[m->store.ntracks];
		memset(s, 0, sizeof(*s));
		strlcpy(s->id, "ts", sizeof(s->id));
		strlcpy(s->type, "mpegts", sizeof(s->type));
		sd_tsseg_codecs(m, s->codecs, sizeof(s->codecs));
		s->timescale = 90000;
		m->ts_store_idx = (int)m->store.ntracks++;
	}
	m->store_ready = 1;
}

static void
measured_rates(struct mux *m)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->dur_total > 0 && t->store_idx >= 0 && t->have_hdr)
			m->store.tracks[t->store_idx].avg_bandwidth =
			    (long long)((double)t->bytes_total * 8 * t->ts /
			    (double)t->dur_total);
	}
}

int
sd_mux_store_write(struct mux *m, int force)
{
	double now = now_mono();

	if (!force && !m->o->live && now - m->last_index < 1.0)
		return 0;
	m->last_index = now;
	measured_rates(m);
	if (sd_store_write(&m->store, m->o->dir) == -1 ||
	    sd_manifest_write_all(m->o->dir, &m->store, NULL) == -1)
		return -1;
	return 0;
}

static double
seg_secs(const struct mux *m, const struct sd_store_seg *s, size_t k)
{
	return (double)s->t / m->trk[k].ts;
}

/*
 * A cut's segments into the store, the earliest first: the store dates a
 * header generation (a DASH Period) from the first segment it is given.
 */
static int
add_cut(struct mux *m, struct cut *c)
{
	size_t order[TRACKS_MAX], n = 0, i, j;

	for (i = 0; i < m->ntrk; i++) {
		if (!(c->have & (1u << i)))
			continue;
		if (m->trk[i].store_idx < 0)
			store_track(m, &m->trk[i]);
		c->seg[i].track = (uint8_t)m->trk[i].store_idx;
		for (j = n; j > 0 && seg_secs(m, &c->seg[order[j - 1]],
		    order[j - 1]) > seg_secs(m, &c->seg[i], i); j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	for (i = 0; i < n; i++)
		if (sd_store_add_seg(&m->store, &c->seg[order[i]]) == -1)
			return -1;
	return 0;
}

/* Publish every cut whose segments are all written, in order. */
static int
publish(struct mux *m)
{
	struct cut *c;
	int any = 0;

	while (m->pub_seq < m->open_seq) {
		c = cut_of(m, m->pub_seq);
		if ((c->have & c->need) != c->need)
			break;
		store_tracks(m);
		if (add_cut(m, c) == -1)
			return -1;
		c->ts_seg.track = (uint8_t)m->ts_store_idx;
		if (c->ts_have && m->ts_store_idx >= 0 &&
		    sd_store_add_seg(&m->store, &c->ts_seg) == -1)
			return -1;
		m->pub_seq++;
		m->segments++;
		any = 1;
		if (m->o->live && sd_mux_live_trim(m) == -1)
			return -1;
		if (m->o->live && sd_mux_store_write(m, 1) == -1)
			return -1;
	}
	if (any && !m->o->live && sd_mux_store_write(m, 0) == -1)
		return -1;
	return 0;
}

/*
 * Declare a cut at presentation time p_us (INT64_MAX: the end): the
 * segments now open close at it. Tracks with nothing yet sit it out.
 */
static struct cut *
declare_cut(struct mux *m, int64_t p_us, int disc)
{
	struct cut *c;
	size_t i;

	if (m->open_seq - m->pub_seq >= CUTS_MAX - 1)
		return NULL;
	c = cut_of(m, m->open_seq);
	memset(c, 0, sizeof(*c));
	c->seq = m->open_seq;
	c->p_us = p_us;
	c->disc = disc;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (!t->gone && t->started)
			c->need |= 1u << i;
	}
	m->open_seq++;
	return c;
}

/*
 * Audio (and every track that follows the driver): close each pending cut
 * at the first sample at or after its time.
 */
static int
follow_cuts(struct mux *m, struct trk *t, int at_end)
{
	struct cut *c;
	size_t k;

	while (t->seq < m->open_seq && !t->gone) {
		c = cut_of(m, t->seq);
		if (!(c->need & (1u << (t - m->trk)))) {
			t->seq++;
			continue;
		}
		for (k = 0; k < t->n && to_us(t, t->s[k].dts) < c->p_us; k++)
			;
		/*
		 * Wait for a sample past the cut, unless the input has ended:
		 * then what is left belongs to this cut (audio that stops
		 * before the video's last keyframes must not hold them back).
		 */
		if (k == t->n && !at_end)
			break;
		if (k == 0 && t->n > 0)
			k = 1;	/* a gap: no empty segment */
		if (t->n == 0 && at_end) {
			c->need &= ~(1u << (t - m->trk));
			t->seq++;
			continue;
		}
		if (t->n == 0) {
			warnx("%s: no samples for segment %llu; track left out",
			    t->id, (unsigned long long)t->seq);
			t->gone = 1;
			c->need &= ~(1u << (t - m->trk));
			break;
		}
		if (flush_seg(m, t, k, k < t->n ? t->s[k].dts :
		    t->s[t->n - 1].dts + t->s[t->n - 1].dur) == -1)
			return -1;
		t->disc_next = c->disc;
	}
	return 0;
}

static int
follow_all(struct mux *m, int at_end)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++)
		if (&m->trk[i] != m->driver &&
		    follow_cuts(m, &m->trk[i], at_end) == -1)
			return -1;
	return publish(m);
}

/* Lagging tracks must not stall the index forever (audio that stops). */
static int
unstall(struct mux *m)
{
	size_t i;

	if (m->open_seq - m->pub_seq < CUTS_MAX - 2)
		return 0;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t == m->driver || t->gone || t->seq >= m->pub_seq + 1)
			continue;
		warnx("%s: fell %d segments behind; track left out", t->id,
		    CUTS_MAX - 2);
		t->gone = 1;
	}
	for (i = m->pub_seq; i < m->open_seq; i++) {
		struct cut *c = cut_of(m, i);
		size_t j;
		for (j = 0; j < m->ntrk; j++)
			if (m->trk[j].gone)
				c->need &= ~(1u << j);
	}
	return publish(m);
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
	int64_t from = to_us(v, dts);
	size_t i, k;

	m->wall_start = now_wall();
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->video)
			continue;
		for (k = 0; k < t->n && to_us(t, t->s[k].dts +
		    t->s[k].dur) <= from; k++)
			;
		samples_drop(t, k);
		t->started = t->n > 0;
		t->seq = m->open_seq;
		t->seg_start = t->n > 0 ? t->s[0].dts : 0;
	}
}

static int
video_cut(struct mux *m, struct trk *t, int64_t dts, int64_t p, int disc,
    int newhdr, const uint8_t *au, size_t n)
{
	if (declare_cut(m, to_us(t, p), disc) == NULL) {
		if (unstall(m) == -1 || declare_cut(m, to_us(t, p), disc) ==
		    NULL) {
			warnx("internal: cut queue full");
			return -1;
		}
	}
	if (flush_seg(m, t, t->n, dts) == -1)
		return -1;
	t->disc_next = disc;
	m->disc_pending = 0;
	if (newhdr) {
		t->gen++;
		if (track_config(t, au, n, m->fps) == -1 ||
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
	}
	t->seg_start = p;
	return follow_all(m, 0);
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
	} else {
		p = pts;	/* the cut is where the keyframe is shown */
		tol = t->last_dur / 2;
		if (key && (t->need_key || newhdr || m->disc_pending ||
		    p - t->seg_start >= (int64_t)(m->o->target * t->ts) - tol)) {
			if (video_cut(m, t, dts, p, t->need_key ||
			    m->disc_pending || newhdr, newhdr, pkt->data,
			    (size_t)pkt->size) == -1)
				return -1;
		}
	}
	t->need_key = 0;
	if (samples_reserve(t) == -1)
		return -1;
	/* The TS segments take the packet as it came, before conversion. */
	if (m->tsseg != NULL && sd_tsseg_packet(m, t, pkt, dts, pts) == -1)
		return -1;
	t->s[t->n].buf = NULL;
	if (t->annexb && pkt->buf != NULL && av_buffer_is_writable(pkt->buf) &&
	    (len = sd_annexb_to_lp_inplace(t->hevc, pkt->data,
	    (size_t)pkt->size, &k2, &params)) >= 0) {
		if (sample_ref(t, pkt, (size_t)len) == -1)
			return -1;
	} else if (t->annexb) {
		t->s[t->n].off = t->data.len;
		len = sd_annexb_to_lp(t->hevc, pkt->data, (size_t)pkt->size,
		    &t->data, &k2, &params);
		if (len < 0)
			return -1;
	} else if (t->par->codec_id == AV_CODEC_ID_AV1) {
		if (av1_sample(t, pkt, &len) == -1)
			return -1;
	} else if (sample_keep(t, pkt) == -1) {
		return -1;
	} else
		len = pkt->size;
	t->s[t->n].dts = dts;
	t->s[t->n].pts = pts;
	t->s[t->n].size = (uint32_t)len;
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
			m->wall_start = now_wall();
	}
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
	if (samples_reserve(t) == -1 || sample_keep(t, pkt) == -1)
		return -1;
	t->s[t->n].dts = t->s[t->n].pts = t->acc;
	t->s[t->n].size = (uint32_t)pkt->size;
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
		samples_drop(t, k);
		return 0;
	}
	if (!m->has_video) {
		if (m->driver == NULL || m->driver->gone)
			m->driver = audio_driver(m);
		if (t == m->driver && t->n > 1 && (m->disc_pending ||
		    t->acc - dur - t->seg_start >=
		    (int64_t)(m->o->target * t->ts))) {
			int64_t p = t->s[t->n - 1].dts;
			if (declare_cut(m, to_us(t, p), m->disc_pending) ==
			    NULL && (unstall(m) == -1 || declare_cut(m,
			    to_us(t, p), m->disc_pending) == NULL))
				return -1;
			m->disc_pending = 0;
			t->seg_start = p;
			if (follow_cuts(m, t, 0) == -1)
				return -1;
		}
	}
	if (follow_cuts(m, t, 0) == -1)
		return -1;
	return publish(m);
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
	double now = now_mono(), media = 0, el;
	const struct trk *t = m->ntrk > 0 ? &m->trk[0] : NULL;

	if (!m->o->verbose || (!last && now - m->last_progress < 1.0))
		return;
	m->last_progress = now;
	if (t != NULL && t->have_last && m->have_origin)
		media = (double)(t->last_dts - origin_in(m, t)) / t->ts;
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
		return publish(m);
	if (declare_cut(m, INT64_MAX, 0) == NULL && (unstall(m) == -1 ||
	    declare_cut(m, INT64_MAX, 0) == NULL))
		return -1;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->gone || !t->started)
			continue;
		if (t->video && t->n > 0) {
			if (flush_seg(m, t, t->n, t->s[t->n - 1].dts +
			    t->s[t->n - 1].dur) == -1)
				return -1;
		} else if (follow_cuts(m, t, 1) == -1)
			return -1;
	}
	return publish(m);
}

static int
interrupted(void *arg)
{
	const struct mux *m = arg;

	return m->o->stop != NULL && *m->o->stop;
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
	if (m->o->live)
		av_dict_set(&opt, "reconnect", "1", 0);
	rv = avformat_open_input(&m->ic, url, NULL, &opt);
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
		samples_drop(t, t->n);
		sd_bytes_free(&t->data);
		sd_bytes_free(&t->cfg);
		free(t->s);
	}
	sd_mux_graveyard_free(m);
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
			if (feed(m, &m->trk[m->by_stream[idx]], pkt) == -1) {
				av_packet_unref(pkt);
				return SD_EX_IOERR;
			}
		}
		av_packet_unref(pkt);
		progress(m, 0);
	}
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
	m->t_begin = now_mono();
	m->ts_store_idx = -1;
	av_log_set_level(o->verbose ? AV_LOG_WARNING : AV_LOG_FATAL);
	sd_store_init(&m->store);
	if (mkdir(o->dir, 0755) == -1 && errno != EEXIST) {
		warn("%s", o->dir);
		rv = SD_EX_IOERR;
	} else if ((rv = setup(m)) == 0)
		rv = run(m);
	teardown(m);
	free(m);
	return rv;
}
