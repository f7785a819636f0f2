/*
 * av_tsseg.c - sd-cmafmux -T: MPEG-TS segments cut at the same points as
 * the CMAF ones, for HLS version 3 and TS clients (av_tsseg.h). sd's own
 * muxer (tsmux.c) writes them into memory, PAT and PMT again at each
 * segment start so that every segment stands alone; each segment is then
 * one atomic file (segfile.c). The packets are the input's own (Annex B or
 * length-prefixed, ADTS or raw AAC: tsmux makes them what TS carries), on
 * the store's continuous timeline. A program with a track tsmux does not
 * carry goes to libavformat's muxer in the edge (av_tsseg_lav.c), loaded
 * then and only then: a live session on MPEG-TS maps no libav*.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "av_codecs.h"
#include "av_tsseg.h"
#include "segfile.h"
#include "timeline.h"
#include "tsmux.h"

/* A track's output stream. */
struct tsout {
	const struct sd_stream *st;
	enum AVCodecID codec;	/* what our PMT says it carries */
	int64_t last;		/* the last dts muxed, track timescale */
	int warned;
	char id[16];
};

struct tsseg {
	struct sd_tsm *tsm;	/* ours, or NULL: */
	const struct sd_edge_ops *edge;	/* libavformat's, in the edge */
	struct tsseg_lav *lav;
	struct tsout *out;
	size_t n;
};

/* What MPEG-TS can carry at all (as it could with libavformat). */
static int
ts_fits(enum AVCodecID id)
{
	return id == AV_CODEC_ID_H264 || id == AV_CODEC_ID_HEVC ||
	    id == AV_CODEC_ID_AAC || id == AV_CODEC_ID_MP2 ||
	    id == AV_CODEC_ID_MP3 || id == AV_CODEC_ID_AC3 ||
	    id == AV_CODEC_ID_EAC3 || id == AV_CODEC_ID_OPUS;
}

static enum sd_tsd_codec
tsm_codec(enum AVCodecID id)
{
	switch (id) {
	case AV_CODEC_ID_H264: return SD_TSD_H264;
	case AV_CODEC_ID_HEVC: return SD_TSD_HEVC;
	case AV_CODEC_ID_AAC: return SD_TSD_AAC_ADTS;
	case AV_CODEC_ID_AC3: return SD_TSD_AC3;
	case AV_CODEC_ID_EAC3: return SD_TSD_EAC3;
	case AV_CODEC_ID_MP2:
	case AV_CODEC_ID_MP3: return SD_TSD_MPEG_AUDIO;
	default: return SD_TSD_NONE;
	}
}

/* The stream tsmux is to carry for st; with_config 0: parameter sets
 * only in-band (a PMT switch left the configuration the old codec's). */
static void
tsm_stream(struct sd_tsm_stream *s, const struct sd_stream *st,
    int with_config)
{
	memset(s, 0, sizeof(*s));
	s->codec = tsm_codec(st->par.codec_id);
	s->sample_rate = st->par.sample_rate;
	if (strlen(st->lang) == 3)
		memcpy(s->lang, st->lang, 3);
	if (with_config && st->par.extradata_size > 0) {
		s->config = st->par.extradata;
		s->config_len = (size_t)st->par.extradata_size;
	}
}

/* Our muxer for every track, or 0 when one needs libavformat's. */
static int
open_own(struct tsseg *s, const struct tsseg_track *tracks, int verbose)
{
	struct sd_tsm_stream ms[SD_TSM_MAX_STREAMS];
	const char *why = "too many tracks";
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (i == SD_TSM_MAX_STREAMS)
			goto lav;
		tsm_stream(&ms[i], tracks[i].st, 1);
		if (sd_tsm_supported(&ms[i], &why) == -1)
			goto lav;
	}
	if ((s->tsm = sd_tsm_new(ms, (int)s->n)) == NULL)
		return -1;
	return 1;
lav:
	if (verbose)
		warnx("-T: %s (%s): %s: libavformat's muxer", tracks[i].id,
		    sd_codec_name(tracks[i].st->par.codec_id), why);
	return 0;
}

int
sd_tsseg_open(const struct sd_mux_opts *o, const struct tsseg_track *tracks,
    size_t n, struct tsseg **out)
{
	struct tsseg *s;
	size_t i;
	int rv;

	*out = NULL;
	for (i = 0; i < n; i++)
		if (!ts_fits(tracks[i].st->par.codec_id)) {
			warnx("-T: %s (%s) cannot be carried in MPEG-TS; "
			    "no TS segments", tracks[i].id,
			    sd_codec_name(tracks[i].st->par.codec_id));
			return 0;	/* CMAF goes on without TS */
		}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->out = calloc(n ? n : 1, sizeof(*s->out))) == NULL) {
		free(s);
		return -1;
	}
	s->n = n;
	for (i = 0; i < n; i++) {
		s->out[i].st = tracks[i].st;
		s->out[i].codec = tracks[i].st->par.codec_id;
		strlcpy(s->out[i].id, tracks[i].id, sizeof(s->out[i].id));
	}
	if ((rv = open_own(s, tracks, o->verbose)) == 0) {
		/* the edge says why it cannot be loaded, or set up */
		rv = (s->edge = sd_edge_load(o)) != NULL &&
		    s->edge->tsseg_open(tracks, n, &s->lav) == 0 ? 1 : -1;
	} else if (rv == -1)
		warnx("-T: cannot set up the MPEG-TS muxer");
	if (rv == -1) {
		sd_tsseg_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* A PMT switched the track's codec (av_tsin.c): the PMT follows. */
static void
follow_codec(struct tsseg *s, size_t i)
{
	struct tsout *o = &s->out[i];
	struct sd_tsm_stream ms;

	o->codec = o->st->par.codec_id;
	tsm_stream(&ms, o->st, 0);
	if (sd_tsm_set_stream(s->tsm, (int)i, &ms) == -1) {
		warnx("-T: %s: %s cannot follow in the TS segments", o->id,
		    sd_codec_name(o->codec));
		o->warned = 1;
	}
}

int
sd_tsseg_packet(struct tsseg *s, size_t i, const struct sd_pkt *pkt,
    int64_t dts, int64_t pts, uint32_t ts)
{
	struct tsout *o;
	int rv;

	if (s == NULL || i >= s->n)
		return 0;
	o = &s->out[i];
	if (o->last != 0 && dts <= o->last)
		dts = o->last + 1;
	if (pts < dts)
		pts = dts;
	o->last = dts;
	if (s->lav != NULL)
		return s->edge->tsseg_packet(s->lav, i, pkt, dts, pts, ts);
	if (o->st->par.codec_id != o->codec)
		follow_codec(s, i);
	if (pkt->size <= 0)
		return 0;
	rv = sd_tsm_au(s->tsm, (int)i, pkt->data, (size_t)pkt->size,
	    tl_rescale(pts, 90000, ts), tl_rescale(dts, 90000, ts),
	    pkt->flags & SD_PKT_KEY ? SD_TSM_KEY : 0);
	if (rv == -1) {
		warnx("-T: out of memory");
		return -1;
	}
	if (rv == 1 && !o->warned) {
		warnx("-T: %s: a packet sd's MPEG-TS muxer cannot carry "
		    "(left out of the TS segments)", o->id);
		o->warned = 1;
	}
	return 0;
}

int
sd_tsseg_cut(struct tsseg *s, const char *dir, uint64_t seq, int64_t t90,
    int64_t d90, int disc, struct sd_store_seg *r)
{
	const uint8_t *p;
	size_t len;

	if ((s->lav != NULL ? s->edge->tsseg_cut(s->lav, &p, &len) :
	    sd_tsm_cut(s->tsm, &p, &len)) == -1) {
		warnx("-T: segment %llu: out of memory",
		    (unsigned long long)seq);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->file, sizeof(r->file), "ts-%llu.ts",
	    (unsigned long long)seq);
	r->seq = seq;
	r->t = t90;
	r->d = d90 > 0 ? d90 : 1;
	r->bytes = len;
	r->disc = (uint8_t)disc;
	if (len == 0)
		return 0;
	return sd_segfile_write(dir, r->file, p, len, NULL, 0) == -1 ? -1 : 1;
}

void
sd_tsseg_close(struct tsseg *s)
{
	if (s == NULL)
		return;
	if (s->lav != NULL)
		s->edge->tsseg_close(s->lav);
	sd_tsm_free(s->tsm);
	free(s->out);
	free(s);
}
