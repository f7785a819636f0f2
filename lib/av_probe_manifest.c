/*
 * av_probe_manifest.c - sd_classify's HLS and DASH: the manifest's own
 * keys, the variants and representations it lists, the best HLS variant
 * followed to its media playlist and segments (and its audio rendition),
 * and what CODECS or @codecs say when the segments cannot be probed.
 *
 * Apart from av_probe.c because a manifest is text parsed by hls.c and
 * dash.c, and following one is a policy of its own; the input and the
 * probe it uses are av_probe.c's and av_probe_media.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "av_probe_int.h"
#include "classify.h"
#include "url.h"
#include "util_int.h"

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
			/* an upstream's FRAME-RATE is passed on only
			 * when sd-decide can take it */
			if (sd_frame_rate_ok(fr))
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
	cls_reason(c, "The media playlist has %zu segment%s (%s)%s%s.",
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
		    cls_field(v->codecs));
	}
	for (i = 0; i < h->nmedia; i++) {
		const struct sd_hls_media *m = &h->media[i];

		sd_rec_addm(c->out, "rendition", "%s %s %s %s",
		    cls_field(m->type), cls_field(m->group), cls_field(m->lang),
		    cls_or_dash(m->name));
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
	    !cls_uri_allowed(c, url))
		return;
	if ((rv = cls_probe(c, url, NULL, &am)) < 0) {
		(void)cls_fail(c, rv, "The audio rendition");
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
	cls_reason(c, "Audio from the rendition %s (group %s).", m->uri, group);
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
	if ((rv = cls_fetch_text(c, url, &b)) < 0)
		ex = cls_fail(c, rv, "The variant's media playlist");
	else if (sd_hls_parse(b.p, b.len, m) == -1 || m->master) {
		cls_reason(c,
		    "The variant's URI is not an HLS media playlist.");
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

	if ((rv = cls_probe(c, url, NULL, &mi)) < 0)
		return cls_fail(c, rv, "Probing the variant's segments");
	if (mi.naudio == 0 && v->audio[0] != '\0')
		probe_rendition(c, c->base, h, v->audio, &mi);
	cls_emit_media(c, &mi, v->bandwidth);
	cls_reason(c, "Codecs from the segments of %s.", v->uri);
	got = sd_rec_get(c->out, "codecs");
	if (v->codecs[0] != '\0' && (got == NULL || strcmp(got, v->codecs) != 0))
		cls_reason(c, "The master says CODECS=\"%s\".", v->codecs);
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
		cls_reason(c,
		    "The master playlist lists no variant with a URI.");
		return SD_EX_DATAERR;
	}
	v = &h->variants[best];
	cls_reason(c, "An HLS master playlist with %zu variant%s; the best "
	    "is %lld bit/s%s%s.", h->nvariants_seen,
	    h->nvariants_seen == 1 ? "" : "s",
	    v->bandwidth, v->codecs[0] ? " with CODECS " : " without CODECS",
	    v->codecs);
	if (!c->o->follow || sd_url_resolve(c->base, v->uri, url,
	    sizeof(url)) == -1 || !cls_uri_allowed(c, url)) {
		cls_reason(c, "The variant %s was not followed (%s).", v->uri,
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
	cls_reason(c, "Codecs from the master's CODECS attribute.");
	return SD_EX_OK;
}

enum sd_exit
cls_hls(struct cls *c, const struct sd_buf *b)
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
		cls_reason(c, "An M3U channel list (EXTINF without "
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
		cls_reason(c, "Segments were not probed: relative URIs in a "
		    "playlist read from stdin.");
	} else if ((rv = cls_probe(c, c->is_stdin ? h->first_uri : c->base,
	    NULL, &mi)) < 0)
		ex = cls_fail(c, rv, "Probing the segments");
	else
		cls_emit_media(c, &mi, 0);
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
		    cls_field(r->id), cls_field(r->content_type), r->bandwidth,
		    res, cls_field(r->codecs));
	}
	if (d->duration > 0)
		sd_rec_add(c->out, "playlist_duration", "%.3f", d->duration);
	cls_reason(c, "A %s DASH MPD with %zu representation%s.",
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

enum sd_exit
cls_dash(struct cls *c, const struct sd_buf *b)
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
		cls_reason(c,
		    "Segments were not probed: an MPD read from stdin.");
	} else if ((rv = cls_probe(c, c->base, NULL, &mi)) < 0) {
		ex = cls_fail(c, rv, "Probing the representations");
	} else {
		cls_emit_media(c, &mi, bw);
		cls_reason(c, "Codecs from the segments.");
		free(d);
		return SD_EX_OK;
	}
	if (codecs[0] != '\0') {
		emit_from_codecs(c, codecs, w, h, NULL, bw);
		cls_reason(c, "Codecs from the MPD's @codecs.");
		ex = SD_EX_OK;
	}
	free(d);
	return ex;
}

