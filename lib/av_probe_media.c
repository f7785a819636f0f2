/*
 * av_probe_media.c - sd_classify's media: what libavformat finds in a
 * source (its container, the best video stream, the audio streams) read
 * into a media_info, and that written out as record keys.
 *
 * Apart from av_probe.c because the reading and the reporting of one
 * struct belong together, and both the plain media (av_probe.c) and the
 * manifests' segments (av_probe_manifest.c) go through them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>

#include "sd.h"
#include "av_codecs.h"
#include "av_probe_int.h"
#include "util_int.h"

/* ---------------------------------------------------------------- probing */

static void
track_from(const AVStream *st, struct track_info *t)
{
	const AVCodecParameters *par = st->codecpar;
	const AVDictionaryEntry *lang = av_dict_get(st->metadata, "language",
	    NULL, 0);
	AVRational fr = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ?
	    st->avg_frame_rate : st->r_frame_rate;
	const char *prof = avcodec_profile_name(par->codec_id, par->profile);

	memset(t, 0, sizeof(*t));
	strlcpy(t->codec, avcodec_get_name(par->codec_id), sizeof(t->codec));
	strlcpy(t->profile, prof ? prof : "", sizeof(t->profile));
	strlcpy(t->lang, lang ? lang->value : "und", sizeof(t->lang));
	t->level = par->level > 0 ? par->level : 0;
	t->width = par->width;
	t->height = par->height;
	t->sample_rate = par->sample_rate;
	t->channels = par->ch_layout.nb_channels;
	t->bitrate = par->bit_rate > 0 ? par->bit_rate : 0;
	if (fr.num > 0 && fr.den > 0) {
		av_reduce(&t->fr_num, &t->fr_den, fr.num, fr.den, 1 << 30);
	}
	if (sd_codec_string_fps(par, t->fr_den > 0 ?
	    (double)t->fr_num / t->fr_den : 0, t->codecs,
	    sizeof(t->codecs)) == -1)
		t->codecs[0] = '\0';
}

static void
media_from(const AVFormatContext *fc, struct media_info *mi)
{
	unsigned i;
	int v;

	strlcpy(mi->container, fc->iformat->name, sizeof(mi->container));
	/* The hls and dash demuxers' bit_rate is the manifest's size over
	 * the duration: the caller has BANDWIDTH instead. */
	mi->bitrate = fc->bit_rate > 0 && strcmp(mi->container, "hls") != 0 &&
	    strcmp(mi->container, "dash") != 0 ? fc->bit_rate : 0;
	mi->duration = fc->duration > 0 && fc->duration != AV_NOPTS_VALUE ?
	    (double)fc->duration / AV_TIME_BASE : -1;
	mi->programs = strcmp(mi->container, "mpegts") == 0 ?
	    fc->nb_programs : 0;
	v = av_find_best_stream((AVFormatContext *)fc, AVMEDIA_TYPE_VIDEO, -1,
	    -1, NULL, 0);
	if (v >= 0 && (unsigned)v < fc->nb_streams &&
	    !(fc->streams[v]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
		mi->has_video = 1;
		track_from(fc->streams[v], &mi->video);
	}
	for (i = 0; i < fc->nb_streams; i++) {
		const AVStream *st = fc->streams[i];

		if (st->codecpar->codec_type == AVMEDIA_TYPE_SUBTITLE)
			mi->nsubtitles++;
		if (st->codecpar->codec_type != AVMEDIA_TYPE_AUDIO ||
		    st->codecpar->codec_id == AV_CODEC_ID_NONE)
			continue;
		if (mi->naudio < MAX_AUDIO)
			track_from(st, &mi->audio[mi->naudio++]);
		mi->naudio_seen++;
	}
}

/*
 * Open url (through pb when given: the replayed head) and read its stream
 * parameters. Returns 0 or an AVERROR.
 */
int
cls_probe(struct cls *c, const char *url, AVIOContext *pb,
    struct media_info *mi)
{
	AVFormatContext *fc;
	AVDictionary *d = NULL;
	int rv;

	memset(mi, 0, sizeof(*mi));
	mi->duration = -1;
	if ((fc = avformat_alloc_context()) == NULL)
		return AVERROR(ENOMEM);
	fc->interrupt_callback = c->cb;
	fc->probesize = c->o->probesize;
	if (pb != NULL) {
		fc->pb = pb;
		fc->flags |= AVFMT_FLAG_CUSTOM_IO;
	}
	cls_io_options(c, &d);
	/* The hls demuxer opens local segments and keys only with the
	 * usual media extensions, against a hostile playlist; a local
	 * manifest is the user's own, and only stream parameters come out. */
	if (!c->is_http && !c->is_stdin)
		av_dict_set(&d, "allowed_extensions", "ALL", 0);
	rv = avformat_open_input(&fc, url, NULL, &d);
	av_dict_free(&d);
	if (rv < 0)
		return rv;	/* fc was freed */
	if ((rv = avformat_find_stream_info(fc, NULL)) >= 0)
		media_from(fc, mi);
	avformat_close_input(&fc);
	if (rv >= 0 && !mi->has_video && mi->naudio == 0)
		rv = AVERROR_INVALIDDATA;
	return rv < 0 ? rv : 0;
}

/* ---------------------------------------------------------------- output */

/*
 * A field of a space-separated record value (variant=, rendition=,
 * audio_track=): "-" when empty, blanks and anything outside printable
 * ASCII made '_', so that hostile names cannot shift the fields. Uses one
 * of eight rotating buffers, enough for one call's arguments.
 */
const char *
cls_field(const char *s)
{
	static char bufs[8][128];
	static unsigned next;
	char *b = bufs[next++ % 8];
	size_t i;

	if (s == NULL || s[0] == '\0')
		return "-";
	for (i = 0; i < sizeof(bufs[0]) - 1 && s[i] != '\0'; i++)
		b[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '_';
	b[i] = '\0';
	return b;
}

/* A value that may hold blanks (a profile name, a rendition's NAME as the
 * last field): "-" when empty. */
const char *
cls_or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

static void
emit_rate(struct cls *c, int num, int den)
{
	/* A stream cut short leaves libavformat's guess, the 90 kHz time
	 * base: unknown, not a rate sd-decide would refuse. */
	if (num <= 0 || den <= 0 ||
	    (long long)num > SD_MAX_FRAME_RATE * (long long)den)
		sd_rec_add(c->out, "frame_rate", "0");
	else if (den == 1)
		sd_rec_add(c->out, "frame_rate", "%d", num);
	else
		sd_rec_add(c->out, "frame_rate", "%d/%d", num, den);
}

/* codecs=: the video's string, then each different audio string. */
static void
emit_codecs(struct cls *c, const struct media_info *mi)
{
	struct sd_buf b;
	size_t i, j;

	sd_buf_init(&b);
	if (mi->has_video && mi->video.codecs[0] != '\0')
		sd_buf_printf(&b, "%s", mi->video.codecs);
	for (i = 0; i < mi->naudio; i++) {
		const char *s = mi->audio[i].codecs;

		for (j = 0; j < i && strcmp(mi->audio[j].codecs, s) != 0; j++)
			;
		if (s[0] != '\0' && j == i)
			sd_buf_printf(&b, "%s%s", b.len ? "," : "", s);
	}
	if (b.len > 0 && !b.failed)
		sd_rec_add(c->out, "codecs", "%s", b.p);
	sd_buf_free(&b);
	if (mi->has_video && mi->video.codecs[0] == '\0')
		cls_reason(c, "No RFC 6381 string is known for %s video.",
		    mi->video.codec);
	for (i = 0; i < mi->naudio; i++)
		if (mi->audio[i].codecs[0] == '\0')
			cls_reason(c,
			    "No RFC 6381 string is known for %s audio.",
			    mi->audio[i].codec);
}

void
cls_emit_media(struct cls *c, const struct media_info *mi,
    long long bandwidth)
{
	const struct track_info *v = &mi->video, *a = &mi->audio[0];
	size_t i;

	if (mi->has_video) {
		sd_rec_add(c->out, "video_codec", "%s", v->codec);
		sd_rec_add(c->out, "video_profile", "%s",
		    cls_or_dash(v->profile));
		sd_rec_add(c->out, "video_level", "%d", v->level);
		sd_rec_add(c->out, "width", "%d", v->width);
		sd_rec_add(c->out, "height", "%d", v->height);
		emit_rate(c, v->fr_num, v->fr_den);
		sd_rec_add(c->out, "video_bitrate", "%lld", v->bitrate);
	}
	sd_rec_add(c->out, "audio_tracks", "%zu", mi->naudio_seen);
	if (mi->naudio > 0) {
		sd_rec_add(c->out, "audio_codec", "%s", a->codec);
		sd_rec_add(c->out, "audio_profile", "%s",
		    cls_or_dash(a->profile));
		sd_rec_add(c->out, "sample_rate", "%d", a->sample_rate);
		sd_rec_add(c->out, "channels", "%d", a->channels);
		sd_rec_add(c->out, "audio_bitrate", "%lld", a->bitrate);
		sd_rec_add(c->out, "audio_lang", "%s", cls_field(a->lang));
	}
	sd_rec_add(c->out, "subtitle_tracks", "%zu", mi->nsubtitles);
	if (mi->programs > 0)
		sd_rec_add(c->out, "programs", "%u", mi->programs);
	for (i = 0; i < mi->naudio; i++)
		sd_rec_addm(c->out, "audio_track", "%s %s %d %d %s",
		    mi->audio[i].codec, cls_field(mi->audio[i].lang),
		    mi->audio[i].channels, mi->audio[i].sample_rate,
		    cls_field(mi->audio[i].codecs));
	sd_rec_add(c->out, "bitrate", "%lld", mi->bitrate > 0 ? mi->bitrate :
	    bandwidth);
	if (mi->duration >= 0)
		sd_rec_add(c->out, "duration", "%.3f", mi->duration);
	emit_codecs(c, mi);
}

