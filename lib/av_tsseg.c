/*
 * av_tsseg.c - sd-cmafmux -T: MPEG-TS segments cut at the same points as
 * the CMAF ones, for HLS version 3 and TS clients. libavformat's mpegts
 * muxer writes into memory (PAT and PMT again at each segment start, so
 * every segment stands alone); each segment is then one atomic file.
 * The packets are the input's own (Annex B, ADTS), on the store's
 * continuous timeline.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/opt.h>

#include "av_mux.h"

struct tsseg {
	AVFormatContext *oc;
	AVPacket *pkt;
	int ostream[TRACKS_MAX];
	struct sd_bytes buf;
	int warned;
};

static int
ts_write(void *opaque, uint8_t *p, int n)
{
	struct tsseg *s = opaque;

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

static int
ts_streams(struct mux *m, struct tsseg *s)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		AVStream *os;
		s->ostream[i] = -1;
		if (!ts_fits(t->par->codec_id)) {
			warnx("-T: %s (%s) cannot be carried in MPEG-TS; "
			    "no TS segments", t->id,
			    avcodec_get_name(t->par->codec_id));
			return -1;
		}
		if ((os = avformat_new_stream(s->oc, NULL)) == NULL ||
		    avcodec_parameters_copy(os->codecpar, t->st->codecpar) < 0)
			return -1;
		os->codecpar->codec_tag = 0;
		os->time_base = (AVRational){ 1, 90000 };
		av_dict_copy(&os->metadata, t->st->metadata, 0);
		s->ostream[i] = os->index;
	}
	return 0;
}

int
sd_tsseg_open(struct mux *m)
{
	struct tsseg *s;
	uint8_t *iobuf;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	m->tsseg = s;
	if (avformat_alloc_output_context2(&s->oc, NULL, "mpegts", NULL) < 0 ||
	    (s->pkt = av_packet_alloc()) == NULL)
		goto fail;
	if (ts_streams(m, s) == -1) {
		sd_tsseg_close(m);
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
	return 0;
fail:
	warnx("-T: cannot set up the MPEG-TS muxer");
	sd_tsseg_close(m);
	return -1;
}

int
sd_tsseg_packet(struct mux *m, struct trk *t, const AVPacket *pkt,
    int64_t dts, int64_t pts)
{
	struct tsseg *s = m->tsseg;
	AVRational tb = { 1, (int)t->ts };
	AVStream *os;
	int idx = s != NULL ? s->ostream[t - m->trk] : -1, rv;

	if (idx < 0)
		return 0;
	os = s->oc->streams[idx];
	if (t->ts_last != 0 && dts <= t->ts_last)
		dts = t->ts_last + 1;
	if (pts < dts)
		pts = dts;
	t->ts_last = dts;
	if (av_packet_ref(s->pkt, pkt) < 0)
		return -1;
	s->pkt->stream_index = idx;
	s->pkt->dts = av_rescale_q(dts, tb, os->time_base);
	s->pkt->pts = av_rescale_q(pts, tb, os->time_base);
	s->pkt->duration = 0;
	s->pkt->pos = -1;
	rv = av_write_frame(s->oc, s->pkt);
	av_packet_unref(s->pkt);
	if (rv < 0 && !s->warned) {
		warnx("-T: %s: %s (packet left out of the TS segments)",
		    t->id, av_err2str(rv));
		s->warned = 1;
	}
	return 0;
}

/* Close the TS segment in hand as seq: it spans [t90, t90 + d90). */
int
sd_tsseg_cut(struct mux *m, uint64_t seq, int64_t t90, int64_t d90)
{
	struct tsseg *s = m->tsseg;
	struct cut *c;
	struct sd_store_seg *r;

	if (s == NULL)
		return 0;
	av_write_frame(s->oc, NULL);	/* the PES buffered so far */
	avio_flush(s->oc->pb);
	c = &m->cuts[seq % CUTS_MAX];
	r = &c->ts_seg;
	memset(r, 0, sizeof(*r));
	snprintf(r->file, sizeof(r->file), "ts-%llu.ts",
	    (unsigned long long)seq);
	r->seq = seq;
	r->t = t90;
	r->d = d90 > 0 ? d90 : 1;
	r->bytes = s->buf.len;
	r->disc = (uint8_t)m->trk[0].disc_next;
	if (s->buf.len > 0) {
		if (sd_mux_write_file(m->o->dir, r->file, s->buf.p, s->buf.len,
		    NULL, 0) == -1)
			return -1;
		c->ts_have = 1;
	}
	r->track = (uint8_t)m->ts_store_idx;
	s->buf.len = 0;
	av_opt_set(s->oc->priv_data, "mpegts_flags", "+resend_headers", 0);
	return 0;
}

/* The CODECS of the TS variant: every track's. */
void
sd_tsseg_codecs(const struct mux *m, char *out, size_t len)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < m->ntrk; i++) {
		if (m->trk[i].gone || !m->trk[i].codecs[0])
			continue;
		if (out[0])
			strlcat(out, ",", len);
		strlcat(out, m->trk[i].codecs, len);
	}
}

void
sd_tsseg_close(struct mux *m)
{
	struct tsseg *s = m->tsseg;

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
	free(s);
	m->tsseg = NULL;
}
