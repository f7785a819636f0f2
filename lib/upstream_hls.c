/*
 * upstream_hls.c - the upstream session's own readers of live HLS and
 * DASH sources (sd-relay(7), "The ingest"), one round at a time inside
 * upstream.c's failover loop. The source's manifest is fetched and read
 * for what it is: an HLS master's variant (the one ingest.c chose), its
 * media playlist reloaded as RFC 8216 6.3.4 says and, when its segments
 * are MPEG-TS, each new segment fetched once in media-sequence order
 * and its bytes appended to the ring as they come (a zap starts with
 * the two newest). fMP4 segments (EXT-X-MAP) and a live DASH MPD go to
 * upstream_dash.c, which has one ffmpeg remux them. All through fetch.c,
 * so the proxy's headers, the origin rule, deadlines and redirect checks
 * hold as for a TS source.
 *
 * A playlist with keys, byte ranges or its audio in a rendition's own
 * playlist, or an MPD that is not templates, stays ffmpeg's
 * (upstream.c), and the state says which: ingest=hls, hls-fmp4, dash or
 * ffmpeg, with ingest_reason.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sd.h"
#include "util_int.h"
#include "spool.h"
#include "ring.h"
#include "fetch.h"
#include "url.h"
#include "ingest.h"
#include "hls_live.h"
#include "classify.h"
#include "supervise.h"
#include "upstream_own.h"

#define SEGMENT_MAX (64 << 20)		/* one segment's bytes, at most */
#define FOR_FFMPEG OWN_FFMPEG		/* a result: the source is ffmpeg's */

/* A segment into the ring; its first byte must be a TS sync byte. */
struct seg_sink {
	struct sd_ring *rg;
	unsigned long long got;
	int not_ts;
};

static int
sink_ring(void *ctx, const char *p, size_t n)
{
	struct seg_sink *k = ctx;

	if (k->got == 0 && p[0] != 0x47) {
		k->not_ts = 1;
		return -1;
	}
	k->got += n;
	return sd_ring_write(k->rg, p, n);
}

#define IS_DASH 100	/* hls_open: the source is an MPD (its bytes) */
#define IS_FMP4 101	/* hls_open: a media playlist of fMP4 segments */

/*
 * A playlist at url read into l; final: its URL after redirects; b (its
 * bytes) is the caller's to free. IS_DASH when the bytes are an MPD.
 */
static int
playlist_get(struct own_reader *r, const char *url, struct sd_hls_live *l,
    char *final, struct sd_buf *b)
{
	int rv;

	sd_buf_init(b);
	memset(l, 0, sizeof(*l));
	errno = 0;
	rv = own_fetch(r, url, "playlist", SD_HLS_LIVE_MAX, own_sink_buf, b,
	    final);
	if (rv == 0 && b->len > 0 && sd_sniff_format(b->p, b->len) ==
	    SD_FMT_DASH)
		return IS_DASH;
	if (rv == 0 && sd_hls_live_parse(l, b->p ? b->p : "", b->len) == -1) {
		snprintf(r->why, sizeof(r->why), "playlist: %s", errno ==
		    EINVAL ? "neither an HLS playlist nor an MPD" : errno ==
		    E2BIG ? "more than 50000 segments or 4 MiB" :
		    strerror(errno));
		rv = errno == EINVAL ? FOR_FFMPEG : -1;
	}
	return rv;
}

/* A media playlist: playlist_get without its bytes. */
static int
media_get(struct own_reader *r, const char *url, struct sd_hls_live *l,
    char *final)
{
	struct sd_buf b;
	int rv = playlist_get(r, url, l, final, &b);

	sd_buf_free(&b);
	if (rv == IS_DASH) {
		snprintf(r->why, sizeof(r->why), "the media playlist is an MPD");
		rv = -1;
	}
	return rv;
}

/* The master's variant (ingest.c's choice) resolved into r->media;
 * FOR_FFMPEG when its audio is a rendition of its own. */
static int
master_variant(struct own_reader *r, const struct sd_buf *b,
    const char *from)
{
	struct sd_hls *m = malloc(sizeof(*m));
	int v, rv = -1, unfit;

	if (m == NULL || sd_hls_parse(b->p, b->len, m) == -1) {
		snprintf(r->why, sizeof(r->why), "master: %s", strerror(ENOMEM));
		free(m);
		return -1;
	}
	v = sd_hls_live_variant(m,
	    sd_ingest_argv_variant(r->s->src[r->src].ffargv));
	if (v < 0)
		snprintf(r->why, sizeof(r->why), "master: no variant");
	else if ((unfit = sd_hls_live_variant_unfit(m, v)) != 0) {
		sd_hls_live_unfit_text(unfit, r->why, sizeof(r->why));
		rv = FOR_FFMPEG;
	} else if (sd_url_resolve(from, m->variants[v].uri, r->media,
	    sizeof(r->media)) == -1)
		snprintf(r->why, sizeof(r->why), "master: variant %d: URI "
		    "too long", v);
	else
		rv = 0;
	if (rv == 0)
		warnx("%s: HLS variant %d, %lld bit/s: %s", r->s->proxy, v,
		    m->variants[v].bandwidth, r->media);
	free(m);
	return rv;
}

/* 1 when l's segments are fMP4 with nothing else only ffmpeg reads, each
 * after an EXT-X-MAP: upstream_dash.c's. */
static int
fmp4_ours(const struct sd_hls_live *l)
{
	size_t i;

	if (l->unfit != SD_HLS_UNFIT_FMP4)
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->seg[i].map == NULL)
			return 0;
	return 1;
}

/*
 * The source read to its media playlist (l, URL in r->media): 0, -1
 * (r->why), FOR_FFMPEG (r->why says why: keys, byte ranges...), IS_FMP4,
 * or IS_DASH with the MPD's bytes in mpd (URL in r->media).
 */
static int
hls_open(struct own_reader *r, struct sd_hls_live *l, struct sd_buf *mpd)
{
	char final[SD_URL_MAX];
	struct sd_buf b;
	int rv, master = 0;

	rv = playlist_get(r, r->s->source, l, final, &b);
	if (rv == IS_DASH) {
		*mpd = b;
		strlcpy(r->media, final, sizeof(r->media));
		return IS_DASH;
	}
	if (rv == 0 && (master = l->master)) {
		sd_hls_live_free(l);
		rv = master_variant(r, &b, final);
	}
	sd_buf_free(&b);
	if (rv != 0)
		return rv;
	if (master) {
		if ((rv = media_get(r, r->media, l, final)) != 0)
			return rv;
		if (l->master) {
			snprintf(r->why, sizeof(r->why), "the variant's URI "
			    "is a master playlist");
			return -1;
		}
	}
	strlcpy(r->media, final, sizeof(r->media));
	if (fmp4_ours(l))
		return IS_FMP4;
	if (l->unfit != 0) {
		sd_hls_live_unfit_text(l->unfit, r->why, sizeof(r->why));
		return FOR_FFMPEG;
	}
	return 0;
}

/* Segment i of l appended to the ring: 0, -1 (r->why), FOR_FFMPEG. */
static int
segment_append(struct own_reader *r, const struct sd_hls_live *l, long i,
    int jump)
{
	struct seg_sink k = { .rg = r->rg };
	char url[SD_URL_MAX], what[64];

	snprintf(what, sizeof(what), "segment %lld", l->seg[i].seq);
	if (sd_url_resolve(r->media, l->seg[i].uri, url, sizeof(url)) == -1) {
		snprintf(r->why, sizeof(r->why), "%s: URI too long", what);
		return -1;
	}
	if ((jump || r->dirty) && sd_ring_new_conn(r->rg) == -1) {
		snprintf(r->why, sizeof(r->why), "ring: %s", strerror(errno));
		return -1;
	}
	r->dirty = 0;
	errno = 0;
	if (own_fetch(r, url, what, SEGMENT_MAX, sink_ring, &k, NULL) == -1) {
		r->dirty = k.got > 0;
		if (k.not_ts) {
			snprintf(r->why, sizeof(r->why), "%s is not MPEG-TS",
			    what);
			return FOR_FFMPEG;
		}
		return -1;
	}
	/* A whole segment: readers get it now, not with the next one. */
	if (sd_ring_flush(r->rg) == -1) {
		snprintf(r->why, sizeof(r->why), "ring: %s", strerror(errno));
		return -1;
	}
	if (r->segs++ == 0)
		warnx("%s: first HLS segment (%lld, %llu bytes) %.0f ms after "
		    "the session started", r->s->proxy, l->seg[i].seq, k.got,
		    (sd_real_s() - r->s->started) * 1000);
	r->last = l->seg[i].seq;
	r->last_new = sd_mono_s();
	return 0;
}

/* Every new segment of l appended: 0, or an OWN_* result. */
static int
segments_append(struct own_reader *r, const struct sd_hls_live *l)
{
	long i;
	int jump, rv;

	while ((i = sd_hls_live_next(l, r->last, &jump)) >= 0) {
		if ((rv = segment_append(r, l, i, jump)) != 0)
			return rv == -1 ? OWN_FAILED : rv;
		own_announce(r);
		if ((rv = r->tick(r->s, r->rg)) != 0)
			return rv;
	}
	return 0;
}

/*
 * Follow the media playlist l until the session must end, the playlist
 * ends (OWN_ENDED), stalls, fails or turns ffmpeg's: an OWN_* result.
 * Reloads after the target duration from the last load's start, half of
 * it when nothing was new (RFC 8216 6.3.4).
 */
static int
hls_follow(struct own_reader *r, struct sd_hls_live *l)
{
	double loaded = sd_mono_s(), wait;
	unsigned long long before;
	int rv;

	for (;;) {
		before = r->segs;
		if ((rv = segments_append(r, l)) != 0 ||
		    (rv = own_playlist_after(r, l, before, &wait)) != 0)
			return rv;
		wait -= sd_mono_s() - loaded;
		if (wait > 10)
			wait = 10;
		if (wait > 0 && sup_nap(r->s, (int)(wait * 1000)))
			return OWN_END;
		if ((rv = r->tick(r->s, r->rg)) != 0)
			return rv;
		sd_hls_live_free(l);
		loaded = sd_mono_s();
		if ((rv = media_get(r, r->media, l, NULL)) != 0)
			return rv == -1 ? OWN_FAILED : rv;
		if (l->master || l->unfit) {
			snprintf(r->why, sizeof(r->why), "the media playlist "
			    "changed kind");
			return FOR_FFMPEG;
		}
	}
}

/* 1 when source i may be an HLS playlist or MPD we read: http(s), meant
 * for ffmpeg (not a plain TS stream), not found to be ffmpeg's. */
int
sup_own_may(const struct sess *s, int i)
{
	return s->src[i].ffargv != NULL && !s->src[i].ffmpegs &&
	    sd_ingest_kind(s->src[i].url) == SD_INGEST_HTTP;
}

/* The reader of source i, kept across rounds; a fresh one when it is
 * new or the last round was of another source. */
static struct own_reader *
reader_of(struct sess *s, int i, struct sd_ring *rg, own_tick_fn tick)
{
	static struct own_reader readers[SD_SOURCES_MAX];
	static int last_src = -1;
	struct own_reader *r = &readers[i];

	if (r->s == NULL || last_src != i) {
		memset(r, 0, sizeof(*r));
		r->s = s;
		r->src = i;
		r->last = -1;
		sd_fetch_opts_default(&r->o);
		r->o.connect_timeout_ms = r->o.read_timeout_ms =
		    s->l.timeout * 1000;
		r->o.headers = s->headers;
		r->g = s->src[i].rule;
	}
	last_src = i;
	r->rg = rg;
	r->tick = tick;
	r->dirty = 1;
	r->announced = 0;
	r->why[0] = '\0';
	r->last_new = sd_mono_s();
	return r;
}

int
sup_own_round(struct sess *s, int i, struct sd_ring *rg, own_tick_fn tick,
    unsigned long long *conns, unsigned long long *got, char *why,
    size_t len)
{
	struct own_reader *r = reader_of(s, i, rg, tick);
	unsigned long long bytes = rg->bytes;
	static const char *const kinds[] = { "hls", "hls-fmp4", "dash" };
	struct sd_hls_live l;
	struct sd_buf mpd;
	int rv, kind;

	sd_buf_init(&mpd);
	rv = hls_open(r, &l, &mpd);
	if (rv == 0 || rv == IS_FMP4 || rv == IS_DASH) {
		kind = rv == 0 ? 0 : rv == IS_FMP4 ? 1 : 2;
		(*conns)++;
		sd_rec_set(&s->st, "ingest", "%s", kinds[kind]);
		sd_rec_set(&s->st, "connections", "%llu", *conns);
		rv = kind == 0 ? hls_follow(r, &l) : kind == 1 ?
		    own_fmp4_round(r, &l) : own_dash_round(r, &mpd);
	} else if (rv == -1)
		rv = OWN_FAILED;
	sd_hls_live_free(&l);
	sd_buf_free(&mpd);
	sd_ring_flush(rg);
	if (rv == FOR_FFMPEG) {
		warnx("%s: %s: read by ffmpeg", s->proxy, r->why);
		s->src[i].ffmpegs = 1;
		sd_rec_set(&s->st, "ingest", "ffmpeg");
		sd_rec_set(&s->st, "ingest_reason", "%s", r->why);
	}
	*got = rg->bytes - bytes;
	strlcpy(why, r->why[0] ? r->why : "the reader stopped", len);
	return rv;
}
