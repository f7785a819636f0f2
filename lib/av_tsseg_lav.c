/*
 * av_tsseg_lav.c - sd-cmafmux -T by libavformat's mpegts muxer, for the
 * codecs sd's own muxer (tsmux.c, through av_tsseg.c) does not carry:
 * Opus, AAC whose configuration ADTS cannot state. In the edge
 * (libsd-av.so), loaded only then. The muxer writes into memory (PAT and
 * PMT again at each segment start, so every segment stands alone); each
 * segment is then one atomic file (segfile.c).
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include "av_tsseg.h"
#include "bytes.h"
#include "segfile.h"

/* A track's output stream. */
struct tsout {
	int ostream;		/* its index in the muxer, -1: none */
	int64_t last;		/* the last dts given to the muxer */
	char id[16];
};

struct tsseg_lav {
	AVFormatContext *oc;
	AVPacket *pkt;
	struct tsout *out;
	size_t n;
	struct sd_bytes buf;
	int warned;
};

static int
ts_write(void *opaque, uint8_t *p, int n)
{
	struct tsseg_lav *s = opaque;

	if (n > 0 && sd_bytes_put(&s->buf, p, (size_t)n) == -1)
		return AVERROR(ENOMEM);
	return n;
}

static int
ts_fits(enum AVCodecID id)
{
	return id == AV_CODEC_ID_H264 || id == AV_CODEC_ID_HEVC ||
	    id == AV_CODEC_ID_AAC || id == AV_CODEC_ID_MP2 ||
	    id == AV_CODEC_ID_MP3 || id == AV_CODEC_ID_AC3 ||
	    id == AV_CODEC_ID_EAC3 || id == AV_CODEC_ID_OPUS;
}

/* The output stream's parameters from the input stream's. */
static int
ts_par(AVCodecParameters *o, const struct sd_par *p)
{
	o->codec_type = p->media == 'v' ? AVMEDIA_TYPE_VIDEO :
	    AVMEDIA_TYPE_AUDIO;
	o->codec_id = p->codec_id;
	o->bit_rate = p->bit_rate;
	o->sample_rate = p->sample_rate;
	if (p->channels > 0)
		av_channel_layout_default(&o->ch_layout, p->channels);
	o->frame_size = p->frame_size;
	o->width = p->width;
	o->height = p->height;
	o->profile = p->profile;
	o->level = p->level;
	if (p->extradata_size > 0) {
		if ((o->extradata = av_mallocz((size_t)p->extradata_size +
		    AV_INPUT_BUFFER_PADDING_SIZE)) == NULL)
			return -1;
		memcpy(o->extradata, p->extradata, (size_t)p->extradata_size);
		o->extradata_size = p->extradata_size;
	}
	return 0;
}

static int
ts_streams(struct tsseg_lav *s, const struct tsseg_track *tracks)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct sd_stream *st = tracks[i].st;
		AVStream *os;
		s->out[i].ostream = -1;
		strlcpy(s->out[i].id, tracks[i].id, sizeof(s->out[i].id));
		if (!ts_fits(st->par.codec_id)) {
			warnx("-T: %s (%s) cannot be carried in MPEG-TS; "
			    "no TS segments", tracks[i].id,
			    avcodec_get_name(st->par.codec_id));
			return -1;
		}
		if ((os = avformat_new_stream(s->oc, NULL)) == NULL ||
		    ts_par(os->codecpar, &st->par) == -1)
			return -1;
		os->time_base = (AVRational){ 1, 90000 };
		if (st->lang[0] != '\0')
			av_dict_set(&os->metadata, "language", st->lang, 0);
		s->out[i].ostream = os->index;
	}
	return 0;
}

int
sd_tsseg_lav_open(const struct tsseg_track *tracks, size_t n,
    struct tsseg_lav **out)
{
	struct tsseg_lav *s;
	uint8_t *iobuf;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if ((s->out = calloc(n ? n : 1, sizeof(*s->out))) == NULL) {
		free(s);
		return -1;
	}
	s->n = n;
	if (avformat_alloc_output_context2(&s->oc, NULL, "mpegts", NULL) < 0 ||
	    (s->pkt = av_packet_alloc()) == NULL)
		goto fail;
	if (ts_streams(s, tracks) == -1) {
		sd_tsseg_lav_close(s);
		return 0;	/* CMAF goes on without TS */
	}
	if ((iobuf = av_malloc(65536)) == NULL)
		goto fail;
	s->oc->pb = avio_alloc_context(iobuf, 65536, 1, s, NULL, ts_write,
	    NULL);
	if (s->oc->pb == NULL) {
		av_free(iobuf);
		goto fail;
	}
	s->oc->flags |= AVFMT_FLAG_FLUSH_PACKETS;
	if (avformat_write_header(s->oc, NULL) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	warnx("-T: cannot set up the MPEG-TS muxer");
	sd_tsseg_lav_close(s);
	return -1;
}

int
sd_tsseg_lav_packet(struct tsseg_lav *s, size_t i,
    const struct sd_pkt *pkt, int64_t dts, int64_t pts, uint32_t ts)
{
	AVRational tb = { 1, (int)ts };
	AVStream *os;
	struct tsout *o;
	int rv;

	if (s == NULL || i >= s->n || s->out[i].ostream < 0)
		return 0;
	o = &s->out[i];
	os = s->oc->streams[o->ostream];
	if (o->last != 0 && dts <= o->last)
		dts = o->last + 1;
	if (pts < dts)
		pts = dts;
	o->last = dts;
	/* the bytes borrowed: av_write_frame writes them at once */
	s->pkt->data = pkt->data;
	s->pkt->size = pkt->size;
	s->pkt->flags = pkt->flags & SD_PKT_KEY ? AV_PKT_FLAG_KEY : 0;
	s->pkt->stream_index = o->ostream;
	s->pkt->dts = av_rescale_q(dts, tb, os->time_base);
	s->pkt->pts = av_rescale_q(pts, tb, os->time_base);
	s->pkt->duration = 0;
	s->pkt->pos = -1;
	rv = av_write_frame(s->oc, s->pkt);
	av_packet_unref(s->pkt);
	if (rv < 0 && !s->warned) {
		warnx("-T: %s: %s (packet left out of the TS segments)",
		    o->id, av_err2str(rv));
		s->warned = 1;
	}
	return 0;
}

int
sd_tsseg_lav_cut(struct tsseg_lav *s, const char *dir, uint64_t seq,
    int64_t t90, int64_t d90, int disc, struct sd_store_seg *r)
{
	int written = 0;

	av_write_frame(s->oc, NULL);	/* the PES buffered so far */
	avio_flush(s->oc->pb);
	memset(r, 0, sizeof(*r));
	snprintf(r->file, sizeof(r->file), "ts-%llu.ts",
	    (unsigned long long)seq);
	r->seq = seq;
	r->t = t90;
	r->d = d90 > 0 ? d90 : 1;
	r->bytes = s->buf.len;
	r->disc = (uint8_t)disc;
	if (s->buf.len > 0) {
		if (sd_segfile_write(dir, r->file, s->buf.p, s->buf.len,
		    NULL, 0) == -1)
			return -1;
		written = 1;
	}
	s->buf.len = 0;
	av_opt_set(s->oc->priv_data, "mpegts_flags", "+resend_headers", 0);
	return written;
}

void
sd_tsseg_lav_close(struct tsseg_lav *s)
{
	if (s == NULL)
		return;
	if (s->oc != NULL) {
		if (s->oc->pb != NULL) {
			av_freep(&s->oc->pb->buffer);
			avio_context_free(&s->oc->pb);
		}
		avformat_free_context(s->oc);
	}
	av_packet_free(&s->pkt);
	sd_bytes_free(&s->buf);
	free(s->out);
	free(s);
}
