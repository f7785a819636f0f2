/*
 * av_probe.c - sd_classify: open a source (http(s) URL, file or stdin),
 * decide its format from the content (classify.c), read HLS and DASH
 * manifests, follow an HLS master to its best variant, and probe the media
 * with libavformat for codecs, sizes, rates and RFC 6381 strings.
 *
 * Bounded everywhere: one deadline for the whole classification, checked
 * by the AVIOInterruptCB that libavformat polls while it connects and
 * waits for data (so a server that accepts and never answers ends at the
 * deadline too), a probe size, caps on manifest sizes. Sub-URIs from a
 * manifest are resolved by us and must stay on http(s) (or files, for a
 * manifest that is a file): a remote playlist never opens a local file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include "sd.h"
#include "av_codecs.h"
#include "util_int.h"

#define HEAD_BYTES (64 * 1024)		/* enough to sniff any format */
#define MANIFEST_MAX (4 * 1024 * 1024)	/* a playlist or MPD beyond: cut */
#define MAX_AUDIO 8

struct track_info {
	char codec[32], profile[48], lang[16], codecs[64];
	int level, width, height, sample_rate, channels;
	int fr_num, fr_den;
	long long bitrate;
};

struct media_info {
	char container[64];
	int has_video;
	struct track_info video;
	struct track_info audio[MAX_AUDIO];
	size_t naudio, naudio_seen;
	size_t nsubtitles;
	unsigned programs;	/* MPEG-TS programs (an MPTS has several) */
	long long bitrate;
	double duration;	/* s, -1: unknown */
};

struct cls {
	const struct sd_classify_opts *o;
	struct sd_rec *out;
	const char *source;
	int is_stdin, is_http;
	long long deadline;	/* sd_mono_ms() */
	int timed_out;
	AVIOInterruptCB cb;
	char mime[128];
	char base[SD_URI_MAX];	/* where the source ended up after HTTP
				 * redirects: relative URIs resolve here */
};

void
sd_classify_opts_init(struct sd_classify_opts *o)
{
	o->timeout = 10;
	o->probesize = 5000000;
	o->follow = 1;
}

/* ---------------------------------------------------------------- time */

static int
interrupted(void *opaque)
{
	struct cls *c = opaque;

	if (sd_mono_ms() >= c->deadline)
		c->timed_out = 1;
	return c->timed_out;
}

static int64_t
remaining_us(const struct cls *c)
{
	int64_t left = (int64_t)(c->deadline - sd_mono_ms()) * 1000;

	return left > 1000 ? left : 1000;
}

static void
reason(struct cls *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reason(struct cls *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_rec_addm(c->out, "reason", "%s", buf);
}

/*
 * An AVERROR as an exit status, with a reason naming what failed. Timeouts
 * (our deadline, or a socket's) are SD_EX_TEMPFAIL; a missing file
 * SD_EX_NOINPUT; refused, unreachable and HTTP errors SD_EX_UNAVAILABLE;
 * content libavformat cannot read SD_EX_DATAERR.
 */
static enum sd_exit
fail(struct cls *c, int err, const char *what)
{
	char msg[AV_ERROR_MAX_STRING_SIZE];

	if (c->timed_out || err == AVERROR_EXIT || err == AVERROR(ETIMEDOUT)) {
		reason(c, "%s: no answer within the %g s timeout.", what,
		    c->o->timeout);
		return SD_EX_TEMPFAIL;
	}
	av_strerror(err, msg, sizeof(msg));
	reason(c, "%s: %s.", what, msg);
	if (err == AVERROR_INVALIDDATA || err == AVERROR_EOF ||
	    err == AVERROR_DECODER_NOT_FOUND ||
	    err == AVERROR_DEMUXER_NOT_FOUND)
		return SD_EX_DATAERR;
	if ((err == AVERROR(ENOENT) || err == AVERROR(EACCES) ||
	    err == AVERROR(EISDIR)) && !c->is_http)
		return SD_EX_NOINPUT;
	return SD_EX_UNAVAILABLE;
}

/* ---------------------------------------------------------------- input */

/* The protocols a URL found in a manifest may use. */
static const char *
whitelist(const struct cls *c)
{
	return c->is_http || c->is_stdin ? "http,https,tcp,tls,crypto" :
	    "file,http,https,tcp,tls,crypto";
}

static void
io_options(const struct cls *c, AVDictionary **d)
{
	char us[32];

	snprintf(us, sizeof(us), "%lld", (long long)remaining_us(c));
	av_dict_set(d, "rw_timeout", us, 0);
	av_dict_set(d, "timeout", us, 0);
	av_dict_set(d, "protocol_whitelist", whitelist(c), 0);
}

/* May a URI found in a manifest be opened? http(s) always; a local path
 * only when the manifest itself was a local file. */
static int
uri_allowed(const struct cls *c, const char *url)
{
	if (sd_url_is_http(url))
		return 1;
	if (c->is_http || c->is_stdin)
		return 0;
	return strchr(url, ':') == NULL || strncmp(url, "file:", 5) == 0;
}

static int
open_io(struct cls *c, const char *url, AVIOContext **pb)
{
	AVDictionary *d = NULL;
	int rv;

	io_options(c, &d);
	rv = avio_open2(pb, url, AVIO_FLAG_READ, &c->cb, &d);
	av_dict_free(&d);
	return rv;
}

/* Read from stdin until the deadline: poll first, so that a silent pipe
 * cannot hold us past it. Returns bytes, 0 at EOF, or an AVERROR. */
static int
read_stdin(struct cls *c, uint8_t *buf, int size)
{
	struct pollfd pfd = { 0, POLLIN, 0 };
	ssize_t n;
	int ms;

	for (;;) {
		if (interrupted(c))
			return AVERROR_EXIT;
		ms = (int)(remaining_us(c) / 1000);
		if (ms > 200)
			ms = 200;
		if (poll(&pfd, 1, ms) == -1 && errno != EINTR)
			return AVERROR(errno);
		if (pfd.revents == 0)
			continue;
		n = read(0, buf, (size_t)size);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return AVERROR(errno);
		return (int)n;
	}
}

/*
 * The bytes we sniffed are kept and replayed to libavformat before the
 * rest of the source, so a live stream is opened once: seeks within the
 * head are served from memory, seeks past it are passed on when the source
 * can seek.
 */
struct replay {
	struct cls *c;
	struct sd_buf *head;
	AVIOContext *under;	/* NULL: stdin */
	int64_t pos, upos;	/* our position, the source's */
};

static int
replay_read(void *opaque, uint8_t *buf, int size)
{
	struct replay *r = opaque;
	int n;

	if (r->pos < (int64_t)r->head->len) {
		n = (int)FFMIN((int64_t)size, (int64_t)r->head->len - r->pos);
		memcpy(buf, r->head->p + r->pos, (size_t)n);
		r->pos += n;
		return n;
	}
	if (r->under == NULL)
		n = r->upos == r->pos ? read_stdin(r->c, buf, size) :
		    AVERROR(ESPIPE);
	else {
		if (r->upos != r->pos) {
			if (avio_seek(r->under, r->pos, SEEK_SET) < 0)
				return AVERROR(EIO);
			r->upos = r->pos;
		}
		n = avio_read_partial(r->under, buf, size);
	}
	if (n == 0)
		return AVERROR_EOF;
	if (n > 0) {
		r->pos += n;
		r->upos += n;
	}
	return n;
}

static int64_t
replay_seek(void *opaque, int64_t off, int whence)
{
	struct replay *r = opaque;
	int64_t size = r->under != NULL ? avio_size(r->under) : -1, to;

	if (whence & AVSEEK_SIZE)
		return size >= 0 ? size : AVERROR(ENOSYS);
	whence &= ~AVSEEK_FORCE;
	if (whence == SEEK_SET)
		to = off;
	else if (whence == SEEK_CUR)
		to = r->pos + off;
	else if (whence == SEEK_END && size >= 0)
		to = size + off;
	else
		return AVERROR(EINVAL);
	if (to < 0)
		return AVERROR(EINVAL);
	if (to > (int64_t)r->head->len &&
	    (r->under == NULL || !(r->under->seekable & AVIO_SEEKABLE_NORMAL)))
		return AVERROR(ESPIPE);
	r->pos = to;
	return to;
}

/* Append up to want bytes more from the source (pb, or stdin when NULL);
 * returns 0 at EOF or when done, an AVERROR otherwise. */
static int
read_into(struct cls *c, AVIOContext *pb, struct sd_buf *b, size_t want,
    int *eof)
{
	uint8_t tmp[16384];
	size_t goal = b->len + want;
	int n;

	*eof = 0;
	while (b->len < goal) {
		int ask = (int)FFMIN(sizeof(tmp), goal - b->len);

		n = pb != NULL ? avio_read_partial(pb, tmp, ask) :
		    read_stdin(c, tmp, ask);
		if (n == 0 || n == AVERROR_EOF) {
			*eof = 1;
			return 0;
		}
		if (n < 0)
			return n;
		if (sd_buf_append(b, tmp, (size_t)n) == -1)
			return AVERROR(ENOMEM);
	}
	return 0;
}

/* A manifest named in another one, whole (capped). */
static int
fetch_text(struct cls *c, const char *url, struct sd_buf *b)
{
	AVIOContext *pb = NULL;
	int rv, eof;

	if ((rv = open_io(c, url, &pb)) < 0)
		return rv;
	rv = read_into(c, pb, b, MANIFEST_MAX, &eof);
	avio_closep(&pb);
	return rv;
}

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
static int
probe(struct cls *c, const char *url, AVIOContext *pb, struct media_info *mi)
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
	io_options(c, &d);
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
static const char *
field(const char *s)
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
static const char *
or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

static void
emit_rate(struct cls *c, int num, int den)
{
	if (num <= 0 || den <= 0)
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
		reason(c, "No RFC 6381 string is known for %s video.",
		    mi->video.codec);
	for (i = 0; i < mi->naudio; i++)
		if (mi->audio[i].codecs[0] == '\0')
			reason(c, "No RFC 6381 string is known for %s audio.",
			    mi->audio[i].codec);
}

static void
emit_media(struct cls *c, const struct media_info *mi, long long bandwidth)
{
	const struct track_info *v = &mi->video, *a = &mi->audio[0];
	size_t i;

	if (mi->has_video) {
		sd_rec_add(c->out, "video_codec", "%s", v->codec);
		sd_rec_add(c->out, "video_profile", "%s", or_dash(v->profile));
		sd_rec_add(c->out, "video_level", "%d", v->level);
		sd_rec_add(c->out, "width", "%d", v->width);
		sd_rec_add(c->out, "height", "%d", v->height);
		emit_rate(c, v->fr_num, v->fr_den);
		sd_rec_add(c->out, "video_bitrate", "%lld", v->bitrate);
	}
	sd_rec_add(c->out, "audio_tracks", "%zu", mi->naudio_seen);
	if (mi->naudio > 0) {
		sd_rec_add(c->out, "audio_codec", "%s", a->codec);
		sd_rec_add(c->out, "audio_profile", "%s", or_dash(a->profile));
		sd_rec_add(c->out, "sample_rate", "%d", a->sample_rate);
		sd_rec_add(c->out, "channels", "%d", a->channels);
		sd_rec_add(c->out, "audio_bitrate", "%lld", a->bitrate);
		sd_rec_add(c->out, "audio_lang", "%s", field(a->lang));
	}
	sd_rec_add(c->out, "subtitle_tracks", "%zu", mi->nsubtitles);
	if (mi->programs > 0)
		sd_rec_add(c->out, "programs", "%u", mi->programs);
	for (i = 0; i < mi->naudio; i++)
		sd_rec_addm(c->out, "audio_track", "%s %s %d %d %s",
		    mi->audio[i].codec, field(mi->audio[i].lang),
		    mi->audio[i].channels, mi->audio[i].sample_rate,
		    field(mi->audio[i].codecs));
	sd_rec_add(c->out, "bitrate", "%lld", mi->bitrate > 0 ? mi->bitrate :
	    bandwidth);
	if (mi->duration >= 0)
		sd_rec_add(c->out, "duration", "%.3f", mi->duration);
	emit_codecs(c, mi);
}

/* ---------------------------------------------------------------- HLS */

/* Fill what a CODECS attribute tells when the media cannot be probed. */
static void
emit_from_codecs(struct cls *c, const char *codecs, int w, int h,
    const char *fr, long long bandwidth)
{
	const char *p = codecs, *name;
	int video = 0, audio = 0;

	for (; *p != '\0'; p += strcspn(p, ","), p += *p == ',') {
		while (*p == ' ')
			p++;
		if ((name = sd_codec_from_rfc6381(p)) == NULL)
			continue;
		if (!video && (strcmp(name, "h264") == 0 ||
		    strcmp(name, "hevc") == 0 || strcmp(name, "vp9") == 0 ||
		    strcmp(name, "av1") == 0 || strcmp(name, "mpeg2video") == 0 ||
		    strcmp(name, "vp8") == 0 || strcmp(name, "mpeg4") == 0)) {
			video = 1;
			sd_rec_add(c->out, "video_codec", "%s", name);
			if (w > 0) {
				sd_rec_add(c->out, "width", "%d", w);
				sd_rec_add(c->out, "height", "%d", h);
			}
			if (fr != NULL && fr[0] != '\0')
				sd_rec_add(c->out, "frame_rate", "%s", fr);
		} else if (!audio && strcmp(name, "webvtt") != 0 &&
		    strcmp(name, "ttml") != 0) {
			audio = 1;
			sd_rec_add(c->out, "audio_codec", "%s", name);
		}
	}
	sd_rec_add(c->out, "audio_tracks", "%d", audio);
	sd_rec_add(c->out, "bitrate", "%lld", bandwidth);
	sd_rec_add(c->out, "codecs", "%s", codecs);
}

static void
emit_hls_media_keys(struct cls *c, const struct sd_hls *h)
{
	int live = !h->endlist;

	sd_rec_add(c->out, "hls_segments", "%s", h->segs == SD_SEGS_FMP4 ?
	    "fmp4" : h->segs == SD_SEGS_TS ? "ts" : "unknown");
	sd_rec_add(c->out, "encrypted", "%s", h->encrypted ? "yes" : "no");
	if (h->encrypted)
		sd_rec_add(c->out, "key_method", "%s", h->key_method);
	sd_rec_add(c->out, "live", "%s", live ? "yes" : "no");
	if (h->playlist_type[0] != '\0')
		sd_rec_add(c->out, "playlist_type", "%s", h->playlist_type);
	sd_rec_add(c->out, "target_duration", "%g", h->target_duration);
	sd_rec_add(c->out, "segments", "%zu", h->nsegments);
	if (!live)
		sd_rec_add(c->out, "playlist_duration", "%.3f", h->duration);
	reason(c, "The media playlist has %zu segment%s (%s)%s%s.",
	    h->nsegments, h->nsegments == 1 ? "" : "s", h->segs == SD_SEGS_FMP4 ? "fMP4, EXT-X-MAP" :
	    "MPEG-TS", live ? " and no EXT-X-ENDLIST: live" :
	    " and EXT-X-ENDLIST: on demand",
	    h->encrypted ? "; segments are encrypted (EXT-X-KEY)" : "");
}

static void
emit_variants(struct cls *c, const struct sd_hls *h)
{
	size_t i;

	sd_rec_add(c->out, "variants", "%zu", h->nvariants_seen);
	for (i = 0; i < h->nvariants; i++) {
		const struct sd_hls_variant *v = &h->variants[i];
		char res[32] = "-";

		if (v->width > 0)
			snprintf(res, sizeof(res), "%dx%d", v->width, v->height);
		sd_rec_addm(c->out, "variant", "%lld %s %s", v->bandwidth, res,
		    field(v->codecs));
	}
	for (i = 0; i < h->nmedia; i++) {
		const struct sd_hls_media *m = &h->media[i];

		sd_rec_addm(c->out, "rendition", "%s %s %s %s", field(m->type),
		    field(m->group), field(m->lang), or_dash(m->name));
	}
}

/* The default (or first) rendition with a URI in an audio group. */
static const struct sd_hls_media *
audio_rendition(const struct sd_hls *h, const char *group)
{
	const struct sd_hls_media *first = NULL;
	size_t i;

	for (i = 0; i < h->nmedia; i++) {
		const struct sd_hls_media *m = &h->media[i];

		if (strcmp(m->type, "AUDIO") != 0 || strcmp(m->group, group) != 0 ||
		    m->uri[0] == '\0')
			continue;
		if (m->is_default)
			return m;
		if (first == NULL)
			first = m;
	}
	return first;
}

/* Probe a separate audio rendition into mi's audio list. */
static void
probe_rendition(struct cls *c, const char *base, const struct sd_hls *h,
    const char *group, struct media_info *mi)
{
	const struct sd_hls_media *m = audio_rendition(h, group);
	struct media_info am;
	char url[SD_URI_MAX];
	size_t i;
	int rv;

	if (m == NULL || sd_url_resolve(base, m->uri, url, sizeof(url)) == -1 ||
	    !uri_allowed(c, url))
		return;
	if ((rv = probe(c, url, NULL, &am)) < 0) {
		(void)fail(c, rv, "The audio rendition");
		return;
	}
	for (i = 0; i < am.naudio && mi->naudio < MAX_AUDIO; i++) {
		struct track_info *t = &mi->audio[mi->naudio++];

		*t = am.audio[i];
		/* The playlist knows the language TS segments seldom say. */
		if (strcmp(t->lang, "und") == 0 && m->lang[0] != '\0')
			strlcpy(t->lang, m->lang, sizeof(t->lang));
		mi->naudio_seen++;
	}
	reason(c, "Audio from the rendition %s (group %s).", m->uri, group);
}

/* Read and report the media playlist at url (a master's variant). */
static enum sd_exit
hls_variant_playlist(struct cls *c, const char *url)
{
	struct sd_hls *m;
	struct sd_buf b;
	enum sd_exit ex = SD_EX_OK;
	int rv;

	if ((m = malloc(sizeof(*m))) == NULL)
		return SD_EX_SOFTWARE;
	sd_buf_init(&b);
	if ((rv = fetch_text(c, url, &b)) < 0)
		ex = fail(c, rv, "The variant's media playlist");
	else if (sd_hls_parse(b.p, b.len, m) == -1 || m->master) {
		reason(c, "The variant's URI is not an HLS media playlist.");
		ex = SD_EX_DATAERR;
	} else
		emit_hls_media_keys(c, m);
	sd_buf_free(&b);
	free(m);
	return ex;
}

/* Probe the variant's segments (and its audio rendition). */
static enum sd_exit
hls_variant_probe(struct cls *c, const struct sd_hls *h,
    const struct sd_hls_variant *v, const char *url)
{
	struct media_info mi;
	const char *got;
	int rv;

	if ((rv = probe(c, url, NULL, &mi)) < 0)
		return fail(c, rv, "Probing the variant's segments");
	if (mi.naudio == 0 && v->audio[0] != '\0')
		probe_rendition(c, c->base, h, v->audio, &mi);
	emit_media(c, &mi, v->bandwidth);
	reason(c, "Codecs from the segments of %s.", v->uri);
	got = sd_rec_get(c->out, "codecs");
	if (v->codecs[0] != '\0' && (got == NULL || strcmp(got, v->codecs) != 0))
		reason(c, "The master says CODECS=\"%s\".", v->codecs);
	return SD_EX_OK;
}

/*
 * A master playlist: list its variants, read the best variant's media
 * playlist, probe that for the codecs; what CODECS says stands in when it
 * cannot be followed or probed. Returns the exit status.
 */
static enum sd_exit
hls_master(struct cls *c, const struct sd_hls *h)
{
	const struct sd_hls_variant *v;
	char url[SD_URI_MAX];
	int best = sd_hls_best_variant(h);
	enum sd_exit ex;

	sd_rec_add(c->out, "hls_playlist", "master");
	emit_variants(c, h);
	if (best < 0) {
		reason(c, "The master playlist lists no variant with a URI.");
		return SD_EX_DATAERR;
	}
	v = &h->variants[best];
	reason(c, "An HLS master playlist with %zu variant%s; the best is %lld "
	    "bit/s%s%s.", h->nvariants_seen, h->nvariants_seen == 1 ? "" : "s",
	    v->bandwidth, v->codecs[0] ? " with CODECS " : " without CODECS",
	    v->codecs);
	if (!c->o->follow || sd_url_resolve(c->base, v->uri, url,
	    sizeof(url)) == -1 || !uri_allowed(c, url)) {
		reason(c, "The variant %s was not followed (%s).", v->uri,
		    !c->o->follow ? "following is off" : c->is_stdin ?
		    "a relative URI in a playlist read from stdin" :
		    "not an http(s) URL");
		ex = SD_EX_OK;
	} else {
		sd_rec_add(c->out, "followed", "%s", url);
		if ((ex = hls_variant_playlist(c, url)) == SD_EX_OK &&
		    (ex = hls_variant_probe(c, h, v, url)) == SD_EX_OK)
			return SD_EX_OK;
	}
	if (v->codecs[0] == '\0')
		return ex;
	emit_from_codecs(c, v->codecs, v->width, v->height, v->frame_rate,
	    v->bandwidth);
	reason(c, "Codecs from the master's CODECS attribute.");
	return SD_EX_OK;
}

static enum sd_exit
classify_hls(struct cls *c, const struct sd_buf *b)
{
	struct sd_hls *h;
	struct media_info mi;
	enum sd_exit ex = SD_EX_OK;
	int rv;

	if ((h = malloc(sizeof(*h))) == NULL)
		return SD_EX_SOFTWARE;
	sd_rec_add(c->out, "container", "hls");
	if (sd_hls_parse(b->p, b->len, h) == -1) {
		free(h);
		return SD_EX_DATAERR;
	}
	if (sd_hls_is_channel_list(h)) {
		sd_rec_set(c->out, "format", "other");
		sd_rec_set(c->out, "container", "m3u");
		sd_rec_add(c->out, "channels_listed", "%zu", h->nsegments);
		reason(c, "An M3U channel list (EXTINF without "
		    "EXT-X-TARGETDURATION), not an HLS playlist: classify "
		    "one of its channels instead.");
		free(h);
		return SD_EX_DATAERR;
	}
	if (h->version > 0)
		sd_rec_add(c->out, "hls_version", "%d", h->version);
	if (h->master) {
		ex = hls_master(c, h);
		free(h);
		return ex;
	}
	sd_rec_add(c->out, "hls_playlist", "media");
	emit_hls_media_keys(c, h);
	if (c->is_stdin && !sd_url_is_http(h->first_uri)) {
		reason(c, "Segments were not probed: relative URIs in a "
		    "playlist read from stdin.");
	} else if ((rv = probe(c, c->is_stdin ? h->first_uri : c->base,
	    NULL, &mi)) < 0)
		ex = fail(c, rv, "Probing the segments");
	else
		emit_media(c, &mi, 0);
	free(h);
	return ex;
}

/* ---------------------------------------------------------------- DASH */

static void
emit_dash(struct cls *c, const struct sd_dash *d)
{
	size_t i;

	sd_rec_add(c->out, "dash_type", "%s", d->dynamic ? "dynamic" :
	    "static");
	sd_rec_add(c->out, "live", "%s", d->dynamic ? "yes" : "no");
	sd_rec_add(c->out, "encrypted", "%s", d->encrypted ? "yes" : "no");
	sd_rec_add(c->out, "periods", "%zu", d->nperiods);
	sd_rec_add(c->out, "representations", "%zu", d->nreps_seen);
	for (i = 0; i < d->nreps; i++) {
		const struct sd_dash_rep *r = &d->reps[i];
		char res[32] = "-";

		if (r->width > 0)
			snprintf(res, sizeof(res), "%dx%d", r->width,
			    r->height);
		sd_rec_addm(c->out, "representation", "%s %s %lld %s %s",
		    field(r->id), field(r->content_type), r->bandwidth, res,
		    field(r->codecs));
	}
	if (d->duration > 0)
		sd_rec_add(c->out, "playlist_duration", "%.3f", d->duration);
	reason(c, "A %s DASH MPD with %zu representation%s.",
	    d->dynamic ? "dynamic (live)" : "static (on demand)",
	    d->nreps_seen, d->nreps_seen == 1 ? "" : "s");
}

/* The first video and first audio representation's codecs, as CODECS. */
static void
dash_codecs(const struct sd_dash *d, char *out, size_t len, int *w, int *h,
    long long *bw)
{
	size_t i;
	int v = 0, a = 0;

	out[0] = '\0';
	*w = *h = 0;
	*bw = 0;
	for (i = 0; i < d->nreps; i++) {
		const struct sd_dash_rep *r = &d->reps[i];
		int is_v = strcmp(r->content_type, "video") == 0;

		if (r->codecs[0] == '\0' || (is_v ? v : a) ||
		    (!is_v && strcmp(r->content_type, "audio") != 0))
			continue;
		if (out[0] != '\0')
			strlcat(out, ",", len);
		strlcat(out, r->codecs, len);
		*bw += r->bandwidth;
		if (is_v) {
			v = 1;
			*w = r->width;
			*h = r->height;
		} else
			a = 1;
	}
}

static enum sd_exit
classify_dash(struct cls *c, const struct sd_buf *b)
{
	struct sd_dash *d;
	struct media_info mi;
	char codecs[512];
	long long bw;
	int rv, w, h;
	enum sd_exit ex = SD_EX_OK;

	if ((d = malloc(sizeof(*d))) == NULL)
		return SD_EX_SOFTWARE;
	sd_rec_add(c->out, "container", "dash");
	if (sd_dash_parse(b->p, b->len, d) == -1) {
		free(d);
		return SD_EX_DATAERR;
	}
	emit_dash(c, d);
	dash_codecs(d, codecs, sizeof(codecs), &w, &h, &bw);
	if (c->is_stdin) {
		reason(c, "Segments were not probed: an MPD read from stdin.");
	} else if ((rv = probe(c, c->base, NULL, &mi)) < 0) {
		ex = fail(c, rv, "Probing the representations");
	} else {
		emit_media(c, &mi, bw);
		reason(c, "Codecs from the segments.");
		free(d);
		return SD_EX_OK;
	}
	if (codecs[0] != '\0') {
		emit_from_codecs(c, codecs, w, h, NULL, bw);
		reason(c, "Codecs from the MPD's @codecs.");
		ex = SD_EX_OK;
	}
	free(d);
	return ex;
}

/* ---------------------------------------------------------------- entry */

/*
 * A stream rather than a file: no size is known (an HTTP response without
 * Content-Length, a pipe). A live TS channel is such a stream; a recording
 * served as a file has a size.
 */
static int
is_stream(const struct cls *c, AVIOContext *under)
{
	struct stat sb;

	if (under != NULL)
		return avio_size(under) < 0;
	return fstat(0, &sb) == -1 || !S_ISREG(sb.st_mode);
}

static enum sd_exit
classify_media(struct cls *c, enum sd_format f, struct sd_buf *head,
    AVIOContext *under)
{
	struct replay r = { c, head, under, 0, (int64_t)head->len };
	AVIOContext *pb;
	uint8_t *iobuf;
	struct media_info mi;
	int rv;

	if ((iobuf = av_malloc(32768)) == NULL)
		return SD_EX_SOFTWARE;
	pb = avio_alloc_context(iobuf, 32768, 0, &r, replay_read, NULL,
	    replay_seek);
	if (pb == NULL) {
		av_free(iobuf);
		return SD_EX_SOFTWARE;
	}
	pb->seekable = under != NULL ? under->seekable : 0;
	rv = probe(c, c->is_stdin ? "pipe:" : c->source, pb, &mi);
	av_freep(&pb->buffer);
	avio_context_free(&pb);
	if (rv < 0) {
		enum sd_exit ex = fail(c, rv, "libavformat");

		if (ex == SD_EX_DATAERR)
			reason(c, "Not HLS, DASH or MPEG-TS, and no format "
			    "libavformat reads with audio or video.");
		return ex;
	}
	if (f == SD_FMT_OTHER && strcmp(mi.container, "mpegts") == 0) {
		f = SD_FMT_MPEGTS;
		sd_rec_set(c->out, "format", "%s", sd_format_name(f));
	}
	sd_rec_add(c->out, "container", "%s", mi.container);
	sd_rec_add(c->out, "live", "%s", is_stream(c, under) ? "yes" : "no");
	if (f == SD_FMT_MPEGTS) {
		int scr = sd_ts_scrambled(head->p, head->len);

		sd_rec_add(c->out, "encrypted", "%s", scr ? "yes" : "no");
		if (scr)
			reason(c, "Most packets are scrambled (conditional "
			    "access).");
	}
	emit_media(c, &mi, 0);
	reason(c, "%s", f == SD_FMT_MPEGTS ? "MPEG-TS: sync bytes at a "
	    "packet stride." : "Not HLS, DASH or MPEG-TS: libavformat reads "
	    "it as the container named.");
	return SD_EX_OK;
}

/* A local path that is missing or not a file: say so before libavformat
 * turns it into a generic I/O error. */
static enum sd_exit
check_file(struct cls *c)
{
	const char *path = c->source;
	struct stat sb;

	if (strncmp(path, "file:", 5) == 0)
		path += 5;
	if (stat(path, &sb) == -1) {
		reason(c, "The file cannot be read: %s.", strerror(errno));
		return SD_EX_NOINPUT;
	}
	if (S_ISDIR(sb.st_mode)) {
		reason(c, "A directory, not a file.");
		return SD_EX_NOINPUT;
	}
	if (access(path, R_OK) == -1) {
		reason(c, "The file cannot be read: %s.", strerror(errno));
		return SD_EX_NOINPUT;
	}
	return SD_EX_OK;
}

/* The HTTP answer's Content-Type, and its URL after redirects. */
/*
 * A local manifest's base as an absolute path: libavformat's dash demuxer
 * resolves a relative one wrongly (it cannot find the init segments).
 */
static void
absolute_base(struct cls *c)
{
	char *abs = realpath(strncmp(c->source, "file:", 5) == 0 ?
	    c->source + 5 : c->source, NULL);

	if (abs != NULL && strlen(abs) < sizeof(c->base))
		strlcpy(c->base, abs, sizeof(c->base));
	free(abs);
}

static void
note_http(struct cls *c, AVIOContext *pb)
{
	uint8_t *mime = NULL, *loc = NULL;

	if (pb == NULL || !c->is_http)
		return;
	if (av_opt_get(pb, "mime_type", AV_OPT_SEARCH_CHILDREN, &mime) >= 0 &&
	    mime != NULL && mime[0] != '\0')
		strlcpy(c->mime, (const char *)mime, sizeof(c->mime));
	av_free(mime);
	if (av_opt_get(pb, "location", AV_OPT_SEARCH_CHILDREN, &loc) >= 0 &&
	    loc != NULL && sd_url_is_http((const char *)loc) &&
	    strlen((const char *)loc) < sizeof(c->base) &&
	    strcmp((const char *)loc, c->source) != 0) {
		strlcpy(c->base, (const char *)loc, sizeof(c->base));
		sd_rec_add(c->out, "location", "%s", c->base);
	}
	av_free(loc);
}

/* Does the Content-Type hint agree with what the content says? */
static void
hint(struct cls *c, enum sd_format f)
{
	static const struct { const char *needle; enum sd_format f; } t[] = {
		{ "mpegurl", SD_FMT_HLS }, { "dash+xml", SD_FMT_DASH },
		{ "mp2t", SD_FMT_MPEGTS },
	};
	size_t i;

	if (c->mime[0] == '\0')
		return;
	sd_rec_add(c->out, "content_type", "%s", c->mime);
	for (i = 0; i < SD_ARRAY_LEN(t); i++)
		if (strcasestr(c->mime, t[i].needle) != NULL && t[i].f != f)
			reason(c, "The server calls it %s, but the content "
			    "decides.", c->mime);
}

enum sd_exit
sd_classify(const char *source, const struct sd_classify_opts *o,
    struct sd_rec *out)
{
	struct cls c;
	struct sd_buf head;
	AVIOContext *pb = NULL;
	enum sd_format f;
	enum sd_exit ex;
	int rv, eof;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.out = out;
	c.source = source;
	c.is_stdin = strcmp(source, "-") == 0;
	c.is_http = sd_url_is_http(source);
	if (strlcpy(c.base, source, sizeof(c.base)) >= sizeof(c.base)) {
		reason(&c, "The source is longer than %d bytes.", SD_URI_MAX - 1);
		return SD_EX_USAGE;
	}
	c.deadline = sd_mono_ms() + (long long)(o->timeout * 1000);
	c.cb.callback = interrupted;
	c.cb.opaque = &c;

	if (!c.is_stdin && !c.is_http && strchr(source, ':') != NULL &&
	    strncmp(source, "file:", 5) != 0 && source[0] != '/' &&
	    source[0] != '.') {
		reason(&c, "%s: only http(s) URLs, files and - are read.",
		    source);
		return SD_EX_USAGE;
	}
	sd_rec_add(out, "source", "%s", source);
	if (!c.is_stdin && !c.is_http) {
		if ((ex = check_file(&c)) != SD_EX_OK)
			return ex;
		absolute_base(&c);
	}
	sd_buf_init(&head);
	if (!c.is_stdin && (rv = open_io(&c, source, &pb)) < 0)
		return fail(&c, rv, "Opening the source");
	note_http(&c, pb);
	if ((rv = read_into(&c, pb, &head, HEAD_BYTES, &eof)) < 0) {
		ex = fail(&c, rv, "Reading the source");
		goto end;
	}
	if (head.len == 0) {
		reason(&c, "The source is empty.");
		ex = SD_EX_DATAERR;
		goto end;
	}
	f = sd_sniff_format(head.p, head.len);
	if ((f == SD_FMT_HLS || f == SD_FMT_DASH) && !eof &&
	    (rv = read_into(&c, pb, &head, MANIFEST_MAX - head.len, &eof)) < 0) {
		ex = fail(&c, rv, "Reading the manifest");
		goto end;
	}
	if ((f == SD_FMT_HLS || f == SD_FMT_DASH) && !eof)
		reason(&c, "The manifest is longer than %d bytes: the rest "
		    "was not read.", MANIFEST_MAX);
	sd_rec_add(out, "format", "%s", sd_format_name(f));
	hint(&c, f);
	if (f == SD_FMT_HLS)
		ex = classify_hls(&c, &head);
	else if (f == SD_FMT_DASH)
		ex = classify_dash(&c, &head);
	else
		ex = classify_media(&c, f, &head, pb);
end:
	avio_closep(&pb);
	sd_buf_free(&head);
	return ex;
}
