/*
 * upstream_hls.c - the upstream session's own reader of a live HLS
 * source whose segments are MPEG-TS (sd-relay(7), "The ingest"): the
 * master's variant (the one ingest.c chose), its media playlist reloaded
 * as RFC 8216 6.3.4 says, each new segment fetched once in media-sequence
 * order and its bytes appended to the ring as they come. A zap starts
 * with the two newest segments. All through fetch.c, so the proxy's
 * headers, the origin rule, deadlines and redirect checks hold as for a
 * TS source.
 *
 * A playlist with keys, fMP4 segments, byte ranges or its audio in a
 * rendition's own playlist stays ffmpeg's (upstream.c), and the state
 * says which: ingest=hls or ingest=ffmpeg, with ingest_reason.
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
#include "supervise.h"

#define SEGMENT_MAX (64 << 20)		/* one segment's bytes, at most */
#define BACKOFF_MAX_MS 60000
#define FOR_FFMPEG 2			/* a result: the source is ffmpeg's */

struct hls_reader {
	struct sess *s;
	struct sd_ring *rg;
	struct sd_fetch_opts o;
	struct sd_fetch_guard g;
	char media[SD_URL_MAX];	/* the media playlist, after redirects */
	long long last;		/* media sequence last appended, -1 */
	int dirty;		/* the ring's stream does not go on as is */
	int announced;		/* state "up" since this round's open */
	double last_new;	/* when a segment was last appended */
	unsigned long long segs;
	char why[320];
};

/* Where a body goes, chunk by chunk; -1 stops the fetch. */
typedef int (*sink_fn)(void *ctx, const char *p, size_t n);

static int
sink_buf(void *ctx, const char *p, size_t n)
{
	return sd_buf_append(ctx, p, n);
}

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

/* Why a fetch failed, in r->why, with what was fetched. */
static void
fetch_why(struct hls_reader *r, const struct sd_fetch *f, const char *what,
    int saved)
{
	if (f->status != 0 && (f->status < 200 || f->status >= 300))
		snprintf(r->why, sizeof(r->why), "%s: HTTP %d", what,
		    f->status);
	else if (saved == EHOSTUNREACH && sd_fetch_host_error() != NULL)
		snprintf(r->why, sizeof(r->why), "%s: %s", what,
		    sd_fetch_host_error());
	else
		snprintf(r->why, sizeof(r->why), "%s: %s", what,
		    saved == EFBIG ? "too large" : strerror(saved));
}

/*
 * GET url under the reader's guard and headers, at most max bytes, into
 * sink; final (SD_URL_MAX, may be NULL): the URL after redirects. One
 * deadline for the exchange (fetch.c). 0, or -1 with r->why.
 */
static int
fetch_to(struct hls_reader *r, const char *url, const char *what,
    size_t max, sink_fn sink, void *ctx, char *final)
{
	struct sd_fetch f;
	char buf[65536];
	size_t total = 0;
	ssize_t n;
	int saved = 0;

	if (sd_fetch_open_guarded(&f, url, &r->o, &r->g) == -1) {
		fetch_why(r, &f, what, errno);
		sd_fetch_close(&f);
		return -1;
	}
	if (final != NULL)
		strlcpy(final, f.url, SD_URL_MAX);
	while ((n = sd_fetch_read(&f, buf, sizeof(buf))) > 0) {
		if ((total += (size_t)n) > max) {
			saved = EFBIG;
			break;
		}
		if (sink(ctx, buf, (size_t)n) == -1) {
			saved = errno ? errno : EIO;
			break;
		}
	}
	if (n < 0)
		saved = errno;
	/* https: curl's exit status tells whether the body is whole */
	if (sd_fetch_close(&f) == -1 && saved == 0)
		saved = EPROTO;
	if (saved != 0) {
		fetch_why(r, &f, what, saved);
		return -1;
	}
	return 0;
}

/*
 * A playlist at url read into l; final: its URL after redirects; b (its
 * bytes) is the caller's to free.
 */
static int
playlist_get(struct hls_reader *r, const char *url, struct sd_hls_live *l,
    char *final, struct sd_buf *b)
{
	int rv;

	sd_buf_init(b);
	memset(l, 0, sizeof(*l));
	errno = 0;
	rv = fetch_to(r, url, "playlist", SD_HLS_LIVE_MAX, sink_buf, b,
	    final);
	if (rv == 0 && sd_hls_live_parse(l, b->p ? b->p : "", b->len) == -1) {
		snprintf(r->why, sizeof(r->why), "playlist: %s", errno ==
		    EINVAL ? "not an HLS playlist" : errno == E2BIG ?
		    "more than 50000 segments or 4 MiB" : strerror(errno));
		rv = errno == EINVAL ? FOR_FFMPEG : -1;
	}
	return rv;
}

/* A media playlist: playlist_get without its bytes. */
static int
media_get(struct hls_reader *r, const char *url, struct sd_hls_live *l,
    char *final)
{
	struct sd_buf b;
	int rv = playlist_get(r, url, l, final, &b);

	sd_buf_free(&b);
	return rv;
}

/* The master's variant (ingest.c's choice) resolved into r->media;
 * FOR_FFMPEG when its audio is a rendition of its own. */
static int
master_variant(struct hls_reader *r, const struct sd_buf *b,
    const char *from)
{
	struct sd_hls *m = malloc(sizeof(*m));
	int v, rv = -1, unfit;

	if (m == NULL || sd_hls_parse(b->p, b->len, m) == -1) {
		snprintf(r->why, sizeof(r->why), "master: %s", strerror(ENOMEM));
		free(m);
		return -1;
	}
	v = sd_hls_live_variant(m, sd_ingest_argv_variant(r->s->ffargv));
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

/*
 * The source read to its media playlist (l, URL in r->media): 0, -1
 * (r->why), FOR_FFMPEG (r->why says why: not HLS, keys, fMP4...).
 */
static int
hls_open(struct hls_reader *r, struct sd_hls_live *l)
{
	char final[SD_URL_MAX];
	struct sd_buf b;
	int rv, master = 0;

	rv = playlist_get(r, r->s->source, l, final, &b);
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
	if (l->unfit != 0) {
		sd_hls_live_unfit_text(l->unfit, r->why, sizeof(r->why));
		return FOR_FFMPEG;
	}
	return 0;
}

/* Segment i of l appended to the ring: 0, -1 (r->why), FOR_FFMPEG. */
static int
segment_append(struct hls_reader *r, const struct sd_hls_live *l, long i,
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
	if (fetch_to(r, url, what, SEGMENT_MAX, sink_ring, &k, NULL) == -1) {
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

/* Once a second: bytes into the state; 1 when the session must end. */
static int
hls_tick(struct hls_reader *r)
{
	sd_rec_set(&r->s->st, "bytes", "%llu", r->rg->bytes);
	sd_session_state_write(r->s->dir, &r->s->st);
	return sup_idle_over(r->s);
}

/* Every new segment of l appended; *added: how many. */
static int
segments_append(struct hls_reader *r, const struct sd_hls_live *l,
    int *added)
{
	long i;
	int jump, rv;

	while ((i = sd_hls_live_next(l, r->last, &jump)) >= 0) {
		if ((rv = segment_append(r, l, i, jump)) != 0)
			return rv;
		(*added)++;
		if (!r->announced) {
			r->announced = 1;
			sup_state_put(r->s, "up", NULL);
		}
		if (hls_tick(r))
			return 1;
	}
	return 0;
}

/*
 * Follow the media playlist l until the session must end (1), the
 * playlist ends (0), fails (-1) or turns ffmpeg's (FOR_FFMPEG). Reloads
 * after the target duration from the last load's start, half of it when
 * nothing was new (RFC 8216 6.3.4).
 */
static int
hls_follow(struct hls_reader *r, struct sd_hls_live *l)
{
	double loaded = sd_mono_s(), wait;
	int rv, added;

	for (;;) {
		added = 0;
		if ((rv = segments_append(r, l, &added)) != 0)
			return rv;
		if (l->endlist) {
			snprintf(r->why, sizeof(r->why), "the playlist ended "
			    "(EXT-X-ENDLIST)");
			return 0;
		}
		if (sd_mono_s() - r->last_new > r->s->l.timeout) {
			snprintf(r->why, sizeof(r->why), "no new segment for "
			    "%d s", r->s->l.timeout);
			return -1;
		}
		wait = l->target > 0 ? l->target : 1;
		wait = (added ? wait : wait / 2) - (sd_mono_s() - loaded);
		if (wait > 10)
			wait = 10;
		if (wait > 0 && sup_nap(r->s, (int)(wait * 1000)))
			return 1;
		if (hls_tick(r))
			return 1;
		sd_hls_live_free(l);
		loaded = sd_mono_s();
		if ((rv = media_get(r, r->media, l, NULL)) != 0)
			return rv;
		if (l->master || l->unfit) {
			snprintf(r->why, sizeof(r->why), "the media playlist "
			    "changed kind");
			return FOR_FFMPEG;
		}
	}
}

/* One try: open the source and follow it. */
static int
hls_round(struct hls_reader *r, unsigned long long *conns)
{
	struct sd_hls_live l;
	int rv;

	r->announced = 0;
	rv = hls_open(r, &l);
	if (rv == 0) {
		(*conns)++;
		sd_rec_set(&r->s->st, "ingest", "hls");
		sd_rec_set(&r->s->st, "connections", "%llu", *conns);
		rv = hls_follow(r, &l);
	}
	sd_hls_live_free(&l);
	sd_ring_flush(r->rg);
	return rv;
}

/* 1 when the source cannot be an HLS playlist we read (not http(s), a
 * DASH MPD by its name): ffmpeg's without a fetch. */
static int
surely_not_hls(const char *url)
{
	size_t n = strcspn(url, "?#");

	return sd_ingest_kind(url) != SD_INGEST_HTTP ||
	    (n >= 4 && strncasecmp(url + n - 4, ".mpd", 4) == 0);
}

/*
 * The live session of an HLS source with TS segments, run to its end: 0.
 * 1 when the source is ffmpeg's (not HLS, or HLS that only ffmpeg reads):
 * nothing appended for good, the state's ingest_reason says why.
 */
int
sup_hls_session(struct sess *s, struct sd_ring *rg)
{
	static struct hls_reader r;
	unsigned long long conns = 0, before;
	int fails = 0, backoff_ms = 500, rv;

	if (surely_not_hls(s->source))
		return 1;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.rg = rg;
	r.last = -1;
	r.dirty = 1;
	sd_fetch_opts_default(&r.o);
	r.o.connect_timeout_ms = r.o.read_timeout_ms = s->l.timeout * 1000;
	r.o.headers = s->headers;
	r.g = s->guard;
	while (!sup_idle_over(s)) {
		sup_state_put(s, fails >= 3 ? "down" : conns > 0 || fails > 0 ?
		    "retrying" : "connecting", NULL);
		before = r.segs;
		r.last_new = sd_mono_s();
		if ((rv = hls_round(&r, &conns)) == 1)
			return 0;
		if (rv == FOR_FFMPEG) {
			warnx("%s: %s: read by ffmpeg", s->proxy, r.why);
			sd_rec_set(&s->st, "ingest_reason", "%s", r.why);
			return 1;
		}
		s->restarts++;
		/* Segments came: again soon. Nothing: later and later, up
		 * to a minute (a dead playlist, segments that 404). */
		if (r.segs > before) {
			fails = 0;
			backoff_ms = 500;
		} else
			fails++;
		sd_rec_set(&s->st, "retry_after", "%d", backoff_ms / 1000 + 1);
		sup_state_put(s, fails >= 3 ? "down" : "retrying", r.why);
		warnx("%s: %s; reloading in %d ms", s->proxy, r.why,
		    backoff_ms);
		if (sup_nap(s, backoff_ms))
			break;
		if (fails > 0)
			backoff_ms = backoff_ms * 2 > BACKOFF_MAX_MS ?
			    BACKOFF_MAX_MS : backoff_ms * 2;
	}
	return 0;
}
