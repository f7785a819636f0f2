/*
 * av_edge.c - the libav* edge of sd-cmafmux (av_edge.h): libavformat
 * opens any input that is not the MPEG-TS av_tsin.c reads, its streams
 * and packets are handed over as sd's own, and the -T segments of codecs
 * sd's own TS muxer does not carry are written by libavformat's mpegts
 * muxer (av_tsseg_lav.c). Built into libsd-av.so,
 * which sd-cmafmux loads with dlopen only when an input needs it
 * (av_load.c); a test links it in.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "sd.h"
#include "av_edge.h"
#include "av_par.h"
#include "av_tsseg.h"

#define REPLAY_CHUNK	(348 * 188)

struct sd_edge {
	const struct sd_mux_opts *o;
	struct sd_edge_host h;
	AVFormatContext *ic;
	AVIOContext *replay;
	AVPacket *pkt;
	struct sd_stream *st;
	unsigned n;
	char why[AV_ERROR_MAX_STRING_SIZE];
};

/* ---------------------------------------------------------------- input */

static int
edge_stopped(void *arg)
{
	struct sd_edge *e = arg;

	return e->h.stopped(e->h.arg);
}

/* The host's replay of stdin's head, as libavformat reads. */
static int
edge_replay(void *opaque, uint8_t *buf, int size)
{
	struct sd_edge *e = opaque;
	int n = e->h.replay(e->h.arg, buf, size);

	if (n > 0)
		return n;
	if (n == 0)
		return AVERROR_EOF;
	return e->h.stopped(e->h.arg) ? AVERROR_EXIT : AVERROR(EIO);
}

static int
open_replay(struct sd_edge *e)
{
	uint8_t *buf;

	if ((buf = av_malloc(REPLAY_CHUNK)) == NULL)
		return -1;
	if ((e->replay = avio_alloc_context(buf, REPLAY_CHUNK, 0, e,
	    edge_replay, NULL, NULL)) == NULL) {
		av_free(buf);
		return -1;
	}
	return 0;
}

static int
open_input(struct sd_edge *e)
{
	const struct sd_mux_opts *o = e->o;
	const char *url = strcmp(o->input, "-") == 0 ? "pipe:0" : o->input;
	AVDictionary *opt = NULL;
	int rv;

	if ((e->ic = avformat_alloc_context()) == NULL)
		return SD_EX_SOFTWARE;
	e->ic->interrupt_callback.callback = edge_stopped;
	e->ic->interrupt_callback.opaque = e;
	if (o->pb == NULL && e->h.replay != NULL && open_replay(e) == -1)
		return SD_EX_SOFTWARE;
	if (o->pb != NULL || e->replay != NULL) {
		/* The caller's reader (the fuzzer), or stdin's head read
		 * again after av_tsin.c found no TS in it. */
		e->ic->pb = o->pb != NULL ? o->pb : e->replay;
		e->ic->flags |= AVFMT_FLAG_CUSTOM_IO;
		url = "";
	}
	if (o->live && o->pb == NULL)
		av_dict_set(&opt, "reconnect", "1", 0);
	rv = avformat_open_input(&e->ic, url, o->format == NULL ? NULL :
	    av_find_input_format(o->format), &opt);
	av_dict_free(&opt);
	if (rv < 0) {
		warnx("%s: %s", o->input, av_err2str(rv));
		return rv == AVERROR(ENOENT) || rv == AVERROR(EACCES) ?
		    SD_EX_NOINPUT : rv == AVERROR_INVALIDDATA ?
		    SD_EX_DATAERR : strstr(url, "://") ? SD_EX_UNAVAILABLE :
		    SD_EX_NOINPUT;
	}
	if ((rv = avformat_find_stream_info(e->ic, NULL)) < 0) {
		warnx("%s: %s", o->input, av_err2str(rv));
		return SD_EX_DATAERR;
	}
	return 0;
}

/* ---------------------------------------------------------------- streams */

static int
is_video(enum AVCodecID id)
{
	return id == AV_CODEC_ID_H264 || id == AV_CODEC_ID_HEVC ||
	    id == AV_CODEC_ID_VP9 || id == AV_CODEC_ID_AV1;
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
			if (i < ic->nb_streams &&
			    is_video(ic->streams[i]->codecpar->codec_id))
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

static void
stream_times(struct sd_stream *s, const AVStream *st)
{
	s->tb_num = st->time_base.num;
	s->tb_den = st->time_base.den;
	s->wrap_bits = st->pts_wrap_bits;
}

static int
streams_from(struct sd_edge *e)
{
	const AVFormatContext *ic = e->ic;
	const AVProgram *pg = video_program(ic);
	const AVDictionaryEntry *lang;
	unsigned i;

	if ((e->st = calloc(ic->nb_streams ? ic->nb_streams : 1,
	    sizeof(*e->st))) == NULL)
		return -1;
	for (i = 0; i < ic->nb_streams; i++) {
		const AVStream *st = ic->streams[i];
		struct sd_stream *s = &e->st[i];
		struct sd_par p;
		s->index = (int)i;
		stream_times(s, st);
		s->fr_num = st->avg_frame_rate.num;
		s->fr_den = st->avg_frame_rate.den;
		if ((lang = av_dict_get(st->metadata, "language", NULL,
		    0)) != NULL)
			strlcpy(s->lang, lang->value, sizeof(s->lang));
		strlcpy(s->name, avcodec_get_name(st->codecpar->codec_id),
		    sizeof(s->name));
		s->skip = (st->disposition & AV_DISPOSITION_ATTACHED_PIC) ||
		    !in_program(pg, i);
		s->duration_us = ic->duration;
		sd_par_from_av(&p, st->codecpar);
		if (sd_par_copy(&s->par, &p) == -1)
			return -1;
		e->n = i + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- packets */

static void
buf_release(struct sd_pktbuf *b)
{
	AVBufferRef *ref = b->opaque;

	av_buffer_unref(&ref);
	free(b);
}

/* pkt as sd's: its buffer taken over (no copy), its side data lent. */
static int
pkt_from(struct sd_pkt *sp, AVPacket *pkt)
{
	size_t n = 0;

	memset(sp, 0, sizeof(*sp));
	sp->data = pkt->data;
	sp->size = pkt->size;
	sp->pts = pkt->pts;
	sp->dts = pkt->dts;
	sp->duration = pkt->duration;
	sp->stream_index = pkt->stream_index;
	sp->flags = (pkt->flags & AV_PKT_FLAG_KEY ? SD_PKT_KEY : 0) |
	    (pkt->flags & AV_PKT_FLAG_CORRUPT ? SD_PKT_CORRUPT : 0) |
	    (pkt->flags & AV_PKT_FLAG_DISCARD ? SD_PKT_DISCARD : 0);
	sp->new_extra = av_packet_get_side_data(pkt,
	    AV_PKT_DATA_NEW_EXTRADATA, &n);
	sp->new_extra_len = sp->new_extra != NULL ? n : 0;
	if (pkt->buf == NULL)
		return 0;
	if ((sp->buf = calloc(1, sizeof(*sp->buf))) == NULL)
		return -1;
	sp->buf->refs = 1;
	sp->buf->shared = !av_buffer_is_writable(pkt->buf);
	sp->buf->p = pkt->buf->data;
	sp->buf->release = buf_release;
	sp->buf->opaque = pkt->buf;
	pkt->buf = NULL;
	return 0;
}

static int
edge_run(struct sd_edge *e, const char **why)
{
	struct sd_pkt sp;
	int rv, idx;

	*why = NULL;
	while ((rv = av_read_frame(e->ic, e->pkt)) >= 0) {
		idx = e->pkt->stream_index;
		if (idx >= 0 && (unsigned)idx < e->n)
			stream_times(&e->st[idx], e->ic->streams[idx]);
		if (pkt_from(&sp, e->pkt) == -1) {
			av_packet_unref(e->pkt);
			return -2;
		}
		rv = e->h.packet(e->h.arg, &sp);
		sd_pkt_unref(&sp);
		av_packet_unref(e->pkt);
		if (rv == -1)
			return -2;
	}
	if (rv == AVERROR_EOF || rv == AVERROR_EXIT)
		return 0;
	av_strerror(rv, e->why, sizeof(e->why));
	*why = e->why;
	return -1;
}

static void
edge_close(struct sd_edge *e)
{
	unsigned i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++)
		sd_par_free(&e->st[i].par);
	free(e->st);
	av_packet_free(&e->pkt);
	avformat_close_input(&e->ic);
	if (e->replay != NULL) {
		av_freep(&e->replay->buffer);
		avio_context_free(&e->replay);
	}
	free(e);
}

static int
edge_open(const struct sd_mux_opts *o, const struct sd_edge_host *h,
    struct sd_edge **ep, struct sd_stream **streams, unsigned *n)
{
	struct sd_edge *e;
	int rv;

	*ep = NULL;
	*streams = NULL;
	*n = 0;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return SD_EX_SOFTWARE;
	e->o = o;
	e->h = *h;
	*ep = e;
	if ((rv = open_input(e)) != 0)
		return rv;
	if (streams_from(e) == -1 || (e->pkt = av_packet_alloc()) == NULL)
		return SD_EX_SOFTWARE;
	*streams = e->st;
	*n = e->n;
	return 0;
}

static void
edge_init(const struct sd_mux_opts *o)
{
	av_log_set_level(o->verbose ? AV_LOG_WARNING : AV_LOG_FATAL);
}

const struct sd_edge_ops sd_av_edge = {
	.init = edge_init,
	.open = edge_open,
	.run = edge_run,
	.close = edge_close,
	.tsseg_open = sd_tsseg_lav_open,
	.tsseg_packet = sd_tsseg_lav_packet,
	.tsseg_cut = sd_tsseg_lav_cut,
	.tsseg_close = sd_tsseg_lav_close,
};
