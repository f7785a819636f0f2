/*
 * av_tsseg_lav.c - sd-cmafmux -T by libavformat's mpegts muxer, for the
 * codecs sd's own muxer (tsmux.c, through av_tsseg.c) does not carry:
 * Opus, AAC whose configuration ADTS cannot state. In the edge
 * (libsd-av.so), loaded only then. The muxer writes into memory (PAT and
 * PMT again at each segment start, so every segment stands alone), and
 * each cut hands the segment's bytes back to av_tsseg.c, which files them
 * as it does its own muxer's. The tracks come checked (av_tsseg.c: each a
 * codec MPEG-TS carries) and their times rising.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include "av_tsseg.h"
#include "bytes.h"

/* Track i is the muxer's stream i. */
struct tsseg_lav {
	AVFormatContext *oc;
	AVPacket *pkt;
	char (*id)[16];		/* the tracks' ids, for messages */
	size_t n;
	struct sd_bytes buf;
	int taken;		/* buf was handed out: start it again */
	int warned;
};

/* The muxer's output, begun again once av_tsseg.c took a segment. */
static struct sd_bytes *
buf_of(struct tsseg_lav *s)
{
	if (s->taken) {
		s->buf.len = 0;
		s->taken = 0;
	}
	return &s->buf;
}

static int
ts_write(void *opaque, uint8_t *p, int n)
{
	struct tsseg_lav *s = opaque;

	if (n > 0 && sd_bytes_put(buf_of(s), p, (size_t)n) == -1)
		return AVERROR(ENOMEM);
	return n;
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
		strlcpy(s->id[i], tracks[i].id, sizeof(s->id[i]));
		if ((os = avformat_new_stream(s->oc, NULL)) == NULL ||
		    ts_par(os->codecpar, &st->par) == -1)
			return -1;
		os->time_base = (AVRational){ 1, 90000 };
		if (st->lang[0] != '\0')
			av_dict_set(&os->metadata, "language", st->lang, 0);
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
	if ((s->id = calloc(n ? n : 1, sizeof(*s->id))) == NULL) {
		free(s);
		return -1;
	}
	s->n = n;
	if (avformat_alloc_output_context2(&s->oc, NULL, "mpegts", NULL) < 0 ||
	    (s->pkt = av_packet_alloc()) == NULL || ts_streams(s, tracks) == -1)
		goto fail;
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
	int rv;

	if (i >= s->n)
		return 0;
	os = s->oc->streams[i];
	/* the bytes borrowed: av_write_frame writes them at once */
	s->pkt->data = pkt->data;
	s->pkt->size = pkt->size;
	s->pkt->flags = pkt->flags & SD_PKT_KEY ? AV_PKT_FLAG_KEY : 0;
	s->pkt->stream_index = (int)i;
	s->pkt->dts = av_rescale_q(dts, tb, os->time_base);
	s->pkt->pts = av_rescale_q(pts, tb, os->time_base);
	s->pkt->duration = 0;
	s->pkt->pos = -1;
	rv = av_write_frame(s->oc, s->pkt);
	av_packet_unref(s->pkt);
	if (rv < 0 && !s->warned) {
		warnx("-T: %s: %s (packet left out of the TS segments)",
		    s->id[i], av_err2str(rv));
		s->warned = 1;
	}
	return 0;
}

int
sd_tsseg_lav_cut(struct tsseg_lav *s, const uint8_t **p, size_t *len)
{
	struct sd_bytes *b = buf_of(s);

	av_write_frame(s->oc, NULL);	/* the PES buffered so far */
	avio_flush(s->oc->pb);
	av_opt_set(s->oc->priv_data, "mpegts_flags", "+resend_headers", 0);
	s->taken = 1;
	if (b->failed) {	/* this segment is lost, not the next */
		b->failed = 0;
		return -1;
	}
	*p = b->p;
	*len = b->len;
	return 0;
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
	free(s->id);
	free(s);
}
