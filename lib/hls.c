/*
 * hls.c - HLS playlists over a segment store (RFC 8216 and its second
 * edition draft): media playlists, the master of the CMAF tracks, and a
 * version 3 master for MPEG-TS clients.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "manifest_common.h"
#include "store_int.h"
#include "util_int.h"
#include "store.h"

#define GROUPS_MAX SD_STORE_MAX_TRACKS

static int
is_type(const struct sd_store_track *t, const char *type)
{
	return strcmp(t->type, type) == 0;
}

static const char *
base_or_empty(const char *base)
{
	return base != NULL ? base : "";
}

static int
check_base(const char *base)
{
	if (!sd_manifest_base_ok(base)) {
		warnx("base URL: only URL characters, no blanks, quotes, <, >"
		    " or \\");
		return -1;
	}
	return 0;
}

/* A duration in microseconds, rounded; d <= 2^40 keeps this in range. */
static long long
usec(int64_t d, uint32_t timescale)
{
	return (long long)((d * 1000000 + timescale / 2) / timescale);
}

/*
 * EXT-X-TARGETDURATION: at least the configured target rounded up, and at
 * least every EXTINF rounded to the nearest integer (RFC 8216 4.3.3.1).
 * The store remembers the longest segment it ever held (struct sd_store
 * longest), so a live playlist keeps its value when that segment leaves
 * the window: it changes only if the writer cuts a segment longer than
 * every one before, which sd-cmafmux does only when the source's GOP is
 * longer than the target (and then at its first segment).
 */
static long long
target_duration(const struct sd_store *st, size_t track)
{
	long long tgt = (long long)st->target, r;
	size_t i;

	if ((double)tgt < st->target)
		tgt++;
	if ((r = (long long)(st->longest + 0.5)) > tgt)
		tgt = r;
	for (i = 0; i < st->nsegs; i++) {
		if (st->segs[i].track != track)
			continue;
		r = (usec(st->segs[i].d, st->tracks[track].timescale) +
		    500000) / 1000000;
		if (r > tgt)
			tgt = r;
	}
	return tgt > 0 ? tgt : 1;
}

static const struct sd_store_seg *
first_seg(const struct sd_store *st, size_t track)
{
	size_t i;

	for (i = 0; i < st->nsegs; i++)
		if (st->segs[i].track == track)
			return &st->segs[i];
	return NULL;
}

/*
 * EXT-X-MEDIA-SEQUENCE of a track that has no segment yet: a restarted
 * sd-cmafmux may write its first index with the video's first cut and
 * not yet the audio's. Its next segment will be numbered no lower than
 * the store's first listed one (every track's cut N is numbered N), or
 * the first of this writer's generation; 0 would take the playlist back
 * behind what a player read before (RFC 8216 6.2.1), and FFmpeg's reader
 * stops fetching that rendition for good.
 */
static uint64_t
empty_track_seq(const struct sd_store *st)
{
	uint64_t seq = UINT64_MAX;
	size_t i;

	for (i = 0; i < st->nsegs; i++)
		if (st->segs[i].seq < seq)
			seq = st->segs[i].seq;
	if (seq != UINT64_MAX)
		return seq;
	return st->ngens > 0 ? st->gens[st->ngens - 1].seq : 0;
}

static void
media_header(const struct sd_store *st, size_t k, struct sd_buf *b)
{
	const struct sd_store_seg *s = first_seg(st, k);
	uint64_t discseq = st->discseq + (s != NULL && s->disc);

	/* Version 6 is the least for EXT-X-MAP; 7 is what CMAF asks. */
	sd_buf_printf(b, "#EXTM3U\n#EXT-X-VERSION:%d\n"
	    "#EXT-X-TARGETDURATION:%lld\n#EXT-X-MEDIA-SEQUENCE:%llu\n",
	    is_type(&st->tracks[k], "mpegts") ? 3 : 7,
	    target_duration(st, k),
	    (unsigned long long)(s != NULL ? s->seq : empty_track_seq(st)));
	if (st->live || discseq > 0)
		sd_buf_printf(b, "#EXT-X-DISCONTINUITY-SEQUENCE:%llu\n",
		    (unsigned long long)discseq);
	if (!st->live)
		sd_buf_printf(b, "#EXT-X-PLAYLIST-TYPE:%s\n",
		    st->ended ? "VOD" : "EVENT");
	sd_buf_printf(b, "#EXT-X-INDEPENDENT-SEGMENTS\n");
}

/*
 * The header of segment s. In a single file (sd-cmafmux -s) it is the
 * file's first bytes: as many as its header record says, else all that
 * comes before the segment (the sidx too, a box a player skips).
 */
static void
media_map(const struct sd_store *st, size_t k, const struct sd_store_seg *s,
    const char *base, struct sd_buf *b)
{
	const struct sd_store_header *h;
	uint64_t len;

	sd_buf_printf(b, "#EXT-X-MAP:URI=\"%s%s\"", base, s->init);
	if (sd_store_seg_in_file(s)) {
		h = sd_store_header_of(st, k, s->init);
		len = h != NULL && h->bytes > 0 && h->bytes <= s->off ?
		    h->bytes : s->off;
		sd_buf_printf(b, ",BYTERANGE=\"%llu@0\"",
		    (unsigned long long)len);
	}
	sd_buf_printf(b, "\n");
}

/*
 * The segments. A discontinuity on the first listed segment is not
 * tagged: it is counted in EXT-X-DISCONTINUITY-SEQUENCE instead, which
 * gives that segment the same number under every reading of RFC 8216
 * 6.2.2, before and after the tagged segment slides out.
 */
static void
media_segments(const struct sd_store *st, size_t k, const char *base,
    struct sd_buf *b)
{
	const struct sd_store_track *t = &st->tracks[k];
	const struct sd_store_seg *s, *prev = NULL;
	char when[40];
	long long us;
	size_t i;
	int pdt = st->live && st->start > 0;

	for (i = 0; i < st->nsegs; i++) {
		s = &st->segs[i];
		if (s->track != k)
			continue;
		if (prev != NULL && s->disc)
			sd_buf_printf(b, "#EXT-X-DISCONTINUITY\n");
		if (s->init[0] && (prev == NULL ||
		    strcmp(prev->init, s->init) != 0))
			media_map(st, k, s, base, b);
		if (pdt && (prev == NULL || s->disc)) {
			sd_iso8601_time(when, sizeof(when), st->start +
			    (double)s->t / t->timescale);
			sd_buf_printf(b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", when);
		}
		us = usec(s->d, t->timescale);
		sd_buf_printf(b, "#EXTINF:%lld.%06lld,\n", us / 1000000,
		    us % 1000000);
		if (sd_store_seg_in_file(s))
			sd_buf_printf(b, "#EXT-X-BYTERANGE:%llu@%llu\n",
			    (unsigned long long)s->bytes,
			    (unsigned long long)s->off);
		sd_buf_printf(b, "%s%s\n", base, s->file);
		prev = s;
	}
}

int
sd_hls_media(const struct sd_store *st, const char *id, const char *base,
    struct sd_buf *b)
{
	int k;

	if (check_base(base) == -1)
		return -1;
	if ((k = sd_store_track_index(st, id)) == -1) {
		warnx("%s: no such track", id);
		return -1;
	}
	media_header(st, (size_t)k, b);
	media_segments(st, (size_t)k, base_or_empty(base), b);
	if (st->ended)
		sd_buf_printf(b, "#EXT-X-ENDLIST\n");
	return b->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- master */

static void track_now(const struct sd_store *, size_t,
    struct sd_store_track *);

/* A comma list of distinct RFC 6381 strings. */
struct codecs {
	char s[SD_STORE_MAX_TRACKS * 130];
};

static void
codecs_add(struct codecs *c, const char *list)
{
	char one[128], *save = NULL, *tok, *hit;
	size_t n;

	strlcpy(one, list, sizeof(one));
	for (tok = strtok_r(one, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		n = strlen(tok);
		for (hit = strstr(c->s, tok); hit != NULL;
		    hit = strstr(hit + 1, tok))
			if ((hit == c->s || hit[-1] == ',') &&
			    (hit[n] == ',' || hit[n] == '\0'))
				break;
		if (hit != NULL)
			continue;
		if (c->s[0])
			strlcat(c->s, ",", sizeof(c->s));
		strlcat(c->s, tok, sizeof(c->s));
	}
}

/*
 * Audio renditions are grouped by codec: a player that cannot decode AC-3
 * still finds a variant whose CODECS it can (the HLS authoring
 * specification's advice), and each variant lists exactly its group's
 * codecs.
 */
struct group {
	const char *key;		/* FFmpeg codec name, or codecs */
	size_t tracks[SD_STORE_MAX_TRACKS];
	size_t n;
};

static const char *
group_key(const struct sd_store_track *t)
{
	return t->codec[0] ? t->codec : t->codecs[0] ? t->codecs : "audio";
}

static size_t
audio_groups(const struct sd_store *st, struct group *g)
{
	size_t i, j, n = 0;

	for (i = 0; i < st->ntracks; i++) {
		if (!is_type(&st->tracks[i], "audio"))
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(g[j].key, group_key(&st->tracks[i])) == 0)
				break;
		if (j == n) {
			g[n].key = group_key(&st->tracks[i]);
			g[n++].n = 0;
		}
		g[j].tracks[g[j].n++] = i;
	}
	return n;
}

static int
lang_known(const char *lang)
{
	return lang[0] && strcmp(lang, "und") != 0;
}

/* NAME must be unique in a group: the language, else the track id. */
static void
rendition_name(const struct sd_store *st, const struct group *g, size_t at,
    char *name, size_t len)
{
	const struct sd_store_track *t = &st->tracks[g->tracks[at]];
	size_t i;

	if (!lang_known(t->lang)) {
		strlcpy(name, t->id, len);
		return;
	}
	for (i = 0; i < g->n; i++)
		if (i != at && strcmp(st->tracks[g->tracks[i]].lang,
		    t->lang) == 0) {
			snprintf(name, len, "%s %s", t->lang, t->id);
			return;
		}
	strlcpy(name, t->lang, len);
}

static void
master_media(const struct sd_store *st, const struct group *g,
    const char *base, struct sd_buf *b)
{
	struct sd_store_track now;
	const struct sd_store_track *t = &now;
	char name[48];
	size_t i;

	for (i = 0; i < g->n; i++) {
		track_now(st, g->tracks[i], &now);
		rendition_name(st, g, i, name, sizeof(name));
		sd_buf_printf(b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio-%s\","
		    "NAME=\"%s\",", g->key, name);
		if (lang_known(t->lang))
			sd_buf_printf(b, "LANGUAGE=\"%s\",", t->lang);
		sd_buf_printf(b, "DEFAULT=%s,AUTOSELECT=YES,", i == 0 ? "YES" :
		    "NO");
		if (t->channels > 0)
			sd_buf_printf(b, "CHANNELS=\"%d\",", t->channels);
		sd_buf_printf(b, "URI=\"%s%s.m3u8\"\n", base, t->id);
	}
}

struct variant {
	long long peak, avg;
	struct codecs codecs;
	int width, height;
	char frame_rate[16];
	const char *audio;		/* group key, or NULL */
	const char *uri;		/* track id of the playlist */
};

static void
stream_inf(const struct variant *v, const char *base, struct sd_buf *b)
{
	sd_buf_printf(b, "#EXT-X-STREAM-INF:BANDWIDTH=%lld",
	    v->peak > 0 ? v->peak : 1);
	if (v->avg > 0)
		sd_buf_printf(b, ",AVERAGE-BANDWIDTH=%lld", v->avg);
	if (v->codecs.s[0])
		sd_buf_printf(b, ",CODECS=\"%s\"", v->codecs.s);
	if (v->width > 0 && v->height > 0)
		sd_buf_printf(b, ",RESOLUTION=%dx%d", v->width, v->height);
	if (v->frame_rate[0])
		sd_buf_printf(b, ",FRAME-RATE=%.3f",
		    sd_frame_rate_value(v->frame_rate));
	if (v->audio != NULL)
		sd_buf_printf(b, ",AUDIO=\"audio-%s\"", v->audio);
	sd_buf_printf(b, "\n%s%s.m3u8\n", base, v->uri);
}

/*
 * Track k as its last listed segment's header says: a master is read by
 * clients that start now, at the newest segments (sd-store(5)).
 */
static void
track_now(const struct sd_store *st, size_t k, struct sd_store_track *out)
{
	const char *init = NULL;
	size_t i;

	for (i = st->nsegs; i-- > 0;)
		if (st->segs[i].track == k) {
			init = st->segs[i].init;
			break;
		}
	sd_store_track_as(st, k, init, out);
}

static void
variant_of(const struct sd_store *st, size_t k, struct variant *v)
{
	struct sd_store_track t;

	track_now(st, k, &t);
	memset(v, 0, sizeof(*v));
	sd_track_rates(st, k, &v->peak, &v->avg);
	codecs_add(&v->codecs, t.codecs);
	v->width = t.width;
	v->height = t.height;
	strlcpy(v->frame_rate, t.frame_rate, sizeof(v->frame_rate));
	v->uri = st->tracks[k].id;
}

/* BANDWIDTH of video + group: the video's, plus the group's largest. */
static void
variant_add_group(const struct sd_store *st, const struct group *g,
    struct variant *v)
{
	struct sd_store_track t;
	long long peak, avg, max_peak = 0, max_avg = 0;
	size_t i;

	for (i = 0; i < g->n; i++) {
		sd_track_rates(st, g->tracks[i], &peak, &avg);
		if (peak > max_peak)
			max_peak = peak;
		if (avg > max_avg)
			max_avg = avg;
		track_now(st, g->tracks[i], &t);
		codecs_add(&v->codecs, t.codecs);
	}
	v->peak += max_peak;
	v->avg = v->avg > 0 && max_avg > 0 ? v->avg + max_avg : 0;
	v->audio = g->key;
}

static void
master_variants(const struct sd_store *st, const struct group *g,
    size_t ngroups, const char *base, struct sd_buf *b)
{
	struct variant v;
	size_t i, j;
	int video = 0;

	for (i = 0; i < st->ntracks; i++) {
		if (!is_type(&st->tracks[i], "video"))
			continue;
		video = 1;
		for (j = 0; j < (ngroups ? ngroups : 1); j++) {
			variant_of(st, i, &v);
			if (ngroups > 0)
				variant_add_group(st, &g[j], &v);
			stream_inf(&v, base, b);
		}
	}
	if (video)
		return;
	/* Audio only: each audio track is a variant of its own. */
	for (i = 0; i < st->ntracks; i++) {
		if (!is_type(&st->tracks[i], "audio"))
			continue;
		variant_of(st, i, &v);
		stream_inf(&v, base, b);
	}
}

static int
has_segments(const struct sd_store *st)
{
	if (st->nsegs == 0) {
		warnx("the store has no segment yet");
		return 0;
	}
	return 1;
}

static int
count_type(const struct sd_store *st, const char *type)
{
	size_t i;
	int n = 0;

	for (i = 0; i < st->ntracks; i++)
		n += is_type(&st->tracks[i], type);
	return n;
}

int
sd_hls_master(const struct sd_store *st, const char *base, struct sd_buf *b)
{
	struct group g[GROUPS_MAX];
	size_t i, n;

	if (check_base(base) == -1 || !has_segments(st))
		return -1;
	if (count_type(st, "mpegts") == (int)st->ntracks)
		return sd_hls_master_ts(st, base, b);
	base = base_or_empty(base);
	sd_buf_printf(b, "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n");
	n = audio_groups(st, g);
	/* Renditions only when a video variant refers to them. */
	if (count_type(st, "video") > 0)
		for (i = 0; i < n; i++)
			master_media(st, &g[i], base, b);
	master_variants(st, g, n, base, b);
	return b->failed ? -1 : 0;
}

/*
 * A TS client gets one muxed variant. The mpegts track's own codecs are
 * used when the writer gave them; else those of every other track, since
 * the TS segments carry them all. Picture size from the first video track
 * when the mpegts track has none.
 */
int
sd_hls_master_ts(const struct sd_store *st, const char *base,
    struct sd_buf *b)
{
	struct sd_store_track now;
	const struct sd_store_track *t = &now;
	struct variant v;
	size_t i, k;

	if (check_base(base) == -1 || !has_segments(st))
		return -1;
	for (k = 0; k < st->ntracks && !is_type(&st->tracks[k], "mpegts"); k++)
		;
	if (k == st->ntracks) {
		warnx("the store has no mpegts track");
		return -1;
	}
	variant_of(st, k, &v);
	for (i = 0; i < st->ntracks; i++) {
		track_now(st, i, &now);
		if (i != k && !st->tracks[k].codecs[0])
			codecs_add(&v.codecs, t->codecs);
		if (v.width == 0 && is_type(t, "video")) {
			v.width = t->width;
			v.height = t->height;
			strlcpy(v.frame_rate, t->frame_rate,
			    sizeof(v.frame_rate));
		}
	}
	sd_buf_printf(b, "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n");
	stream_inf(&v, base_or_empty(base), b);
	return b->failed ? -1 : 0;
}
