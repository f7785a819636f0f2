/*
 * dash_live.c - a live DASH MPD as the upstream session's own reader
 * (upstream_dash.c) follows it (ISO/IEC 23009-1): the last Period's
 * representations, one video (ingest.c's choice: the one ffmpeg's
 * reader would map) and the best of every audio adaptation set, each
 * with its SegmentTemplate (inherited per attribute from the Period and
 * the AdaptationSet), its SegmentTimeline (@r, -1 up to the next S or the
 * live edge) or its @duration counted from availabilityStartTime, and
 * its BaseURLs (MPD, Period, AdaptationSet, Representation) resolved
 * against the MPD's URL. Three walks over the tags: the first counts
 * the Periods, the second lists the last one's representations to
 * choose from, the third reads the chosen ones. The tokenizer is
 * classify.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd.h"
#include "util_int.h"
#include "classify.h"
#include "ingest.h"
#include "url.h"
#include "dash_live.h"

#define NUM_MAX (LLONG_MAX / 4)	/* any number read from the MPD */

/* ------------------------------------------------ small readers */

/* An attribute's number in [0, NUM_MAX]; def when absent or not one. */
static long long
attr_num(const struct sd_xml_tag *t, const char *name, long long def)
{
	return sd_xml_num(t, name, NUM_MAX, def);
}

/* An attribute's ISO 8601 duration, s; def when absent or bad. */
static double
attr_dur(const struct sd_xml_tag *t, const char *name, double def)
{
	char v[64];
	double d;

	if (!sd_xml_attr(t, name, v, sizeof(v)))
		return def;
	d = sd_iso8601_duration(v);
	return d >= 0 ? d : def;
}

/* An xs:dateTime ("2026-12-04T18:45:05.458Z", an offset, or none: UTC)
 * in s since 1970; 0 when absent or bad. */
static double
attr_time(const struct sd_xml_tag *t, const char *name)
{
	char v[64], sign;
	struct tm tm;
	double sec;
	int n = 0, oh = 0, om = 0;
	time_t base;

	if (!sd_xml_attr(t, name, v, sizeof(v)))
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(v, "%4d-%2d-%2dT%2d:%2d:%lf%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &sec, &n) != 6 ||
	    !(sec >= 0 && sec < 61) || tm.tm_year < 1970 ||
	    tm.tm_year > 9999 || tm.tm_mon < 1 || tm.tm_mon > 12)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_sec = (int)sec;
	sign = v[n];
	if ((sign == '+' || sign == '-') && sscanf(v + n + 1, "%2d:%2d", &oh,
	    &om) < 1)
		return 0;
	if ((base = timegm(&tm)) == (time_t)-1)
		return 0;
	sec = (double)base + (sec - (int)sec);
	if (sign == '+')
		sec -= oh * 3600 + om * 60;
	else if (sign == '-')
		sec += oh * 3600 + om * 60;
	return sec;
}

/* XML's five entities decoded in place (a URL's "&amp;"). */
static void
unescape(char *s)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	char *w = s;
	size_t i, n;

	while (*s != '\0') {
		for (i = 0; i < SD_ARRAY_LEN(ents); i++) {
			n = strlen(ents[i].e);
			if (strncmp(s, ents[i].e, n) == 0)
				break;
		}
		if (i < SD_ARRAY_LEN(ents)) {
			*w++ = ents[i].c;
			s += n;
		} else
			*w++ = *s++;
	}
	*w = '\0';
}

/* A tag written <x/>: it has no end tag. */
static int
self_closing(const struct sd_xml_tag *t)
{
	return t->alen > 0 && t->attrs[t->alen - 1] == '/';
}

/* The text after the tag that ends at pos (a BaseURL), trimmed and
 * unescaped; 0, or -1 when it does not fit. */
static int
tag_text(const char *buf, size_t len, size_t pos, char *out, size_t olen)
{
	size_t n = 0;
	char *p;

	while (pos + n < len && buf[pos + n] != '<')
		n++;
	if (n >= olen)
		return -1;
	memcpy(out, buf + pos, n);
	out[n] = '\0';
	if (strlen(out) != n)
		return -1;	/* a NUL inside */
	p = sd_trim(out);
	memmove(out, p, strlen(p) + 1);
	unescape(out);
	return 0;
}

/* ------------------------------------------------ the walk */

struct s_ent {
	long long t, d, r;	/* t -1: after the one before */
};

/* A SegmentTemplate as one level wrote it (0 / "" where it did not). */
struct tmpl {
	char init[SD_URI_MAX], media[SD_URI_MAX];
	long long timescale, pto, start, duration;
	int has_pto, has_start;
	struct s_ent *s;	/* its SegmentTimeline, when it has one */
	size_t ns, cap;
	int timeline;
};

enum { L_PERIOD, L_SET, L_REP, L_N };

/* What the walk is in: a level's base and template, per level. */
struct walk {
	const char *buf, *url;
	size_t len;
	int period;			/* counted from 1 */
	int set;			/* adaptation sets of the Period */
	int in[L_N];
	int in_tmpl;			/* the level of an open template, -1 */
	int base_set[L_N];
	char mpd_base[SD_URL_MAX];
	char base[L_N][SD_URL_MAX];
	struct tmpl t[L_N];
	char set_type[16];		/* video|audio|"" */
	int set_protected;
	/* the representation being read */
	char rep_id[64], rep_type[16];
	long long rep_bw;
	int rep_w, rep_h;
	size_t total_s;
};

static void
tmpl_clear(struct tmpl *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

static void
walk_free(struct walk *w)
{
	int i;

	for (i = 0; i < L_N; i++)
		tmpl_clear(&w->t[i]);
}

/* The base a level's children resolve against. */
static const char *
base_of(const struct walk *w, int level)
{
	for (; level >= 0; level--)
		if (w->base_set[level])
			return w->base[level];
	return w->mpd_base;
}

/* A BaseURL at the level open now (the first one of a level counts). */
static int
walk_baseurl(struct walk *w, size_t pos)
{
	char text[SD_URI_MAX];
	int level = w->in[L_REP] ? L_REP : w->in[L_SET] ? L_SET :
	    w->in[L_PERIOD] ? L_PERIOD : -1;
	const char *parent = level > 0 ? base_of(w, level - 1) : level == 0 ?
	    w->mpd_base : w->url;
	char *dst = level >= 0 ? w->base[level] : w->mpd_base;

	if (tag_text(w->buf, w->len, pos, text, sizeof(text)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (text[0] == '\0' || (level >= 0 && w->base_set[level]))
		return 0;
	if (level < 0 && strcmp(w->mpd_base, w->url) != 0)
		return 0;
	if (sd_url_resolve(parent, text, dst, SD_URL_MAX) == -1)
		return -1;
	if (level >= 0)
		w->base_set[level] = 1;
	return 0;
}

static void
walk_template(struct walk *w, const struct sd_xml_tag *tag)
{
	int level = w->in[L_REP] ? L_REP : w->in[L_SET] ? L_SET : L_PERIOD;
	struct tmpl *t = &w->t[level];
	char v[32];

	tmpl_clear(t);
	if (sd_xml_attr(tag, "initialization", t->init, sizeof(t->init)))
		unescape(t->init);
	if (sd_xml_attr(tag, "media", t->media, sizeof(t->media)))
		unescape(t->media);
	t->timescale = attr_num(tag, "timescale", 0);
	t->duration = attr_num(tag, "duration", 0);
	if ((t->has_pto = sd_xml_attr(tag, "presentationTimeOffset", v,
	    sizeof(v))))
		t->pto = attr_num(tag, "presentationTimeOffset", 0);
	if ((t->has_start = sd_xml_attr(tag, "startNumber", v, sizeof(v))))
		t->start = attr_num(tag, "startNumber", 1);
	w->in_tmpl = self_closing(tag) ? -1 : level;
}

/* One S of the open template's timeline. */
static int
walk_s(struct walk *w, const struct sd_xml_tag *tag)
{
	struct tmpl *t = &w->t[w->in_tmpl];
	struct s_ent *p;
	char v[32];
	size_t ncap;
	long long r = 0;
	const char *es;

	if (++w->total_s > SD_DASH_LIVE_S) {
		errno = E2BIG;
		return -1;
	}
	if (t->ns == t->cap) {
		ncap = t->cap ? t->cap * 2 : 16;
		if ((p = reallocarray(t->s, ncap, sizeof(*p))) == NULL)
			return -1;
		t->s = p;
		t->cap = ncap;
	}
	if (sd_xml_attr(tag, "r", v, sizeof(v))) {
		r = sd_strtonum(v, -1, NUM_MAX, &es);
		if (es != NULL)
			r = 0;
	}
	t->s[t->ns++] = (struct s_ent){ .t = sd_xml_attr(tag, "t", v,
	    sizeof(v)) ? attr_num(tag, "t", 0) : -1, .d = attr_num(tag, "d",
	    0), .r = r };
	return 0;
}

/* The type of a representation: its set's, its mimeType's, a size's. */
static void
rep_kind(struct walk *w, const struct sd_xml_tag *tag)
{
	char mime[64];

	strlcpy(w->rep_type, w->set_type, sizeof(w->rep_type));
	if (w->rep_type[0] == '\0' && sd_xml_attr(tag, "mimeType", mime,
	    sizeof(mime))) {
		mime[strcspn(mime, "/")] = '\0';
		strlcpy(w->rep_type, mime, sizeof(w->rep_type));
	}
	if (w->rep_type[0] == '\0' && w->rep_w > 0)
		strlcpy(w->rep_type, "video", sizeof(w->rep_type));
	if (strcmp(w->rep_type, "video") != 0 && strcmp(w->rep_type,
	    "audio") != 0)
		w->rep_type[0] = '\0';
}

static void
set_open(struct walk *w, const struct sd_xml_tag *tag)
{
	char v[64];

	w->in[L_SET] = 1;
	w->base_set[L_SET] = 0;
	tmpl_clear(&w->t[L_SET]);
	w->set++;
	w->set_protected = 0;
	w->set_type[0] = '\0';
	if (!sd_xml_attr(tag, "contentType", w->set_type, sizeof(w->set_type))
	    && sd_xml_attr(tag, "mimeType", v, sizeof(v))) {
		v[strcspn(v, "/")] = '\0';
		strlcpy(w->set_type, v, sizeof(w->set_type));
	}
	if (strcmp(w->set_type, "video") != 0 && strcmp(w->set_type,
	    "audio") != 0)
		w->set_type[0] = '\0';
}

static void
rep_open(struct walk *w, const struct sd_xml_tag *tag)
{
	w->in[L_REP] = 1;
	w->base_set[L_REP] = 0;
	tmpl_clear(&w->t[L_REP]);
	if (!sd_xml_attr(tag, "id", w->rep_id, sizeof(w->rep_id)))
		w->rep_id[0] = '\0';
	w->rep_bw = attr_num(tag, "bandwidth", 0);
	w->rep_w = (int)attr_num(tag, "width", 0);
	w->rep_h = (int)attr_num(tag, "height", 0);
	if (w->rep_w > 65535 || w->rep_h > 65535)
		w->rep_w = w->rep_h = 0;
	rep_kind(w, tag);
}

static void
period_open(struct walk *w)
{
	int i;

	w->period++;
	w->set = 0;
	for (i = 0; i < L_N; i++) {
		w->in[i] = 0;
		w->base_set[i] = 0;
		tmpl_clear(&w->t[i]);
	}
	w->in[L_PERIOD] = 1;
}

/* Called at each representation's end, in the last Period. */
typedef int (*rep_fn)(struct walk *w, void *ctx);

/*
 * Walk the MPD's tags, calling on_rep at the end of every
 * representation of Period last (0: count the Periods only). d, when
 * not NULL, gets the MPD element's attributes and Period last's start.
 * 0, or -1 with errno.
 */
static int
walk_mpd(struct walk *w, int last, rep_fn on_rep, void *ctx,
    struct sd_dash_live *d)
{
	struct sd_xml_tag t;
	size_t pos = 0;
	int root = 0, mine;

	while (sd_xml_next(w->buf, w->len, &pos, &t) == 0) {
		if (!root) {
			if (t.closing || strcmp(t.name, "MPD") != 0) {
				errno = EINVAL;
				return -1;
			}
			root = 1;
			if (d != NULL) {
				char v[16];

				d->dynamic = sd_xml_attr(&t, "type", v,
				    sizeof(v)) && strcmp(v, "dynamic") == 0;
				d->min_update = attr_dur(&t,
				    "minimumUpdatePeriod", 0);
				d->tsbd = attr_dur(&t, "timeShiftBufferDepth",
				    0);
				d->ast = attr_time(&t, "availabilityStartTime");
				d->duration = attr_dur(&t,
				    "mediaPresentationDuration", 0);
			}
			continue;
		}
		if (strcmp(t.name, "Period") == 0 && !t.closing) {
			period_open(w);
			if (w->period == last && d != NULL)
				d->period_start = attr_dur(&t, "start", 0);
			if (self_closing(&t))
				w->in[L_PERIOD] = 0;
			continue;
		}
		if (w->period == 0 && !t.closing && strcmp(t.name,
		    "BaseURL") == 0) {	/* the MPD's own */
			if (walk_baseurl(w, pos) == -1)
				return -1;
			continue;
		}
		mine = last != 0 && w->period == last && w->in[L_PERIOD];
		if (!mine)
			continue;
		if (t.closing) {
			if (strcmp(t.name, "Period") == 0)
				w->in[L_PERIOD] = 0;
			else if (strcmp(t.name, "AdaptationSet") == 0)
				w->in[L_SET] = 0;
			else if (strcmp(t.name, "SegmentTemplate") == 0)
				w->in_tmpl = -1;
			else if (strcmp(t.name, "Representation") == 0 &&
			    w->in[L_REP]) {
				w->in[L_REP] = 0;
				if (on_rep(w, ctx) == -1)
					return -1;
			}
			continue;
		}
		if (strcmp(t.name, "BaseURL") == 0) {
			if (walk_baseurl(w, pos) == -1)
				return -1;
		} else if (strcmp(t.name, "AdaptationSet") == 0) {
			set_open(w, &t);
			if (self_closing(&t))
				w->in[L_SET] = 0;
		} else if (strcmp(t.name, "Representation") == 0 &&
		    w->in[L_SET]) {
			rep_open(w, &t);
			if (self_closing(&t)) {
				w->in[L_REP] = 0;
				if (on_rep(w, ctx) == -1)
					return -1;
			}
		} else if (strcmp(t.name, "SegmentTemplate") == 0)
			walk_template(w, &t);
		else if (strcmp(t.name, "S") == 0 && w->in_tmpl >= 0) {
			if (walk_s(w, &t) == -1)
				return -1;
		} else if (strcmp(t.name, "SegmentBase") == 0 ||
		    strcmp(t.name, "SegmentList") == 0 ||
		    strcmp(t.name, "ContentProtection") == 0)
			w->set_protected = 1;
	}
	if (!root) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static void
walk_init(struct walk *w, const char *buf, size_t len, const char *url)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->len = len;
	w->url = url;
	w->in_tmpl = -1;
	strlcpy(w->mpd_base, url, sizeof(w->mpd_base));
}

/* ------------------------------------------------ the choice */

#define REPS_MAX 256

struct rep_list {
	struct sd_rec rec;	/* representation= lines, ingest.c's */
	int video;		/* video representations */
	int set[REPS_MAX];	/* per representation in order: its set */
	int kind[REPS_MAX];	/* 1 video, 2 audio, 0 other */
	long long bw[REPS_MAX];
	int n;
	int unfit;		/* a chosen kind without a template */
};

static int
list_rep(struct walk *w, void *ctx)
{
	struct rep_list *l = ctx;
	int video = strcmp(w->rep_type, "video") == 0;

	if (l->n >= REPS_MAX)
		return 0;
	l->set[l->n] = w->set;
	l->kind[l->n] = video ? 1 : strcmp(w->rep_type, "audio") == 0 ? 2 : 0;
	l->bw[l->n] = w->rep_bw;
	if (l->kind[l->n] != 0 && w->set_protected)
		l->unfit = 1;
	if (video) {
		l->video++;
		if (w->rep_w > 0 && w->rep_h > 0)
			sd_rec_addm(&l->rec, "representation",
			    "%s video %lld %dx%d -", w->rep_id[0] ? w->rep_id :
			    "-", w->rep_bw, w->rep_w, w->rep_h);
		else
			sd_rec_addm(&l->rec, "representation",
			    "%s video %lld - -", w->rep_id[0] ? w->rep_id :
			    "-", w->rep_bw);
	}
	l->n++;
	return 0;
}

/* Which representations to read: chosen[k] 1 for each, in order. */
static void
choose(struct rep_list *l, int hint, int *video_pick, int *chosen)
{
	char why[256];
	int i, k, nv = 0, v = -1, best;

	if (hint >= 0 && hint < l->video)
		v = hint;
	else if (l->video > 0)
		v = sd_ingest_variant(&l->rec, NULL, why, sizeof(why));
	*video_pick = v;
	for (i = 0; i < l->n; i++) {
		chosen[i] = l->kind[i] == 1 && nv++ == v;
		if (l->kind[i] != 2)
			continue;
		/* the best of its set: the first of the highest bandwidth */
		for (best = -1, k = 0; k < l->n; k++)
			if (l->set[k] == l->set[i] && l->kind[k] == 2 &&
			    (best < 0 || l->bw[k] > l->bw[best]))
				best = k;
		chosen[i] = best == i;
	}
}

/* ------------------------------------------------ a track's segments */

/* Segments emitted into a ring of the newest SD_DASH_LIVE_SEGS. */
struct emit {
	struct sd_dash_track *t;
	size_t head;		/* where the next goes */
	unsigned long long total;
};

static void
emit(struct emit *e, long long number, long long time, long long dur)
{
	e->t->seg[e->head] = (struct sd_dash_seg){ number, time, dur };
	e->head = (e->head + 1) % SD_DASH_LIVE_SEGS;
	e->total++;
}

/* The ring in order, oldest first. */
static void
emit_end(struct emit *e)
{
	struct sd_dash_seg tmp[SD_DASH_LIVE_SEGS];
	size_t i;

	if (e->total < SD_DASH_LIVE_SEGS) {
		e->t->n = (size_t)e->total;
		return;
	}
	for (i = 0; i < SD_DASH_LIVE_SEGS; i++)
		tmp[i] = e->t->seg[(e->head + i) % SD_DASH_LIVE_SEGS];
	memcpy(e->t->seg, tmp, sizeof(tmp));
	e->t->n = SD_DASH_LIVE_SEGS;
}

/* The media time of now (the live edge; a static MPD: its end) in
 * timescale units; -1 when the MPD does not say when it started. */
static long long
live_edge(const struct sd_dash_live *d, const struct sd_dash_track *t,
    double now)
{
	double x, in;

	if (!d->dynamic)
		in = d->duration - d->period_start;
	else if (d->ast <= 0 || now < d->ast + d->period_start)
		return -1;
	else
		in = now - d->ast - d->period_start;
	if (!(in >= 0))
		return -1;
	x = in * (double)t->timescale + (double)t->pto;
	return x < (double)NUM_MAX ? (long long)x : -1;
}

/*
 * count segments of duration dur from *time, numbered from *number: the
 * last SD_DASH_LIVE_SEGS of them emitted, the ones before skipped by
 * arithmetic (an @r of 10^15 is not a loop). -1 on overflow.
 */
static int
emit_run(struct emit *e, long long *number, long long *time, long long dur,
    long long count)
{
	long long skip = count > SD_DASH_LIVE_SEGS ? count - SD_DASH_LIVE_SEGS :
	    0, adv;

	if (__builtin_mul_overflow(dur, skip, &adv) ||
	    __builtin_add_overflow(*time, adv, time) ||
	    __builtin_add_overflow(*number, skip, number))
		return -1;
	for (count -= skip; count > 0; count--) {
		emit(e, *number, *time, dur);
		if (__builtin_add_overflow(*time, dur, time))
			return -1;
		(*number)++;
	}
	return 0;
}

/* A SegmentTimeline into t's segments. */
static int
timeline(const struct sd_dash_live *d, struct sd_dash_track *t,
    const struct tmpl *tl, long long start, double now)
{
	struct emit e = { .t = t };
	long long time = 0, number = start, count, end;
	size_t i;

	for (i = 0; i < tl->ns; i++) {
		const struct s_ent *s = &tl->s[i];

		if (s->t >= 0 && s->t < time) {
			errno = EINVAL;	/* a timeline that goes back */
			return -1;
		}
		if (s->t >= 0)
			time = s->t;
		if (s->d <= 0)
			continue;
		count = s->r + 1;
		if (s->r < 0) {	/* up to the next S's t, or the live edge */
			end = i + 1 < tl->ns && tl->s[i + 1].t >= 0 ?
			    tl->s[i + 1].t : live_edge(d, t, now);
			count = end > time ? (end - time) / s->d : 0;
		}
		if (emit_run(&e, &number, &time, s->d, count) == -1) {
			errno = EINVAL;
			return -1;
		}
	}
	emit_end(&e);
	return 0;
}

/* @duration with no timeline: the segments whose end is not after now,
 * within the time shift buffer (two when it is not given). */
static int
by_duration(const struct sd_dash_live *d, struct sd_dash_track *t,
    long long dur, long long start, double now)
{
	struct emit e = { .t = t };
	long long edge = live_edge(d, t, now), newest, keep, first, number,
	    time;

	if (edge < 0) {
		errno = ENOTSUP;	/* no clock to count from */
		return -1;
	}
	/* live: the last whole one; static: the last one, whole or not */
	newest = (edge - t->pto) / dur - ((edge - t->pto) % dur == 0 ||
	    d->dynamic ? 1 : 0);
	if (newest < 0)
		return 0;	/* the first segment is not whole yet */
	keep = !d->dynamic ? SD_DASH_LIVE_SEGS : d->tsbd > 0 ?
	    (long long)(d->tsbd * (double)t->timescale / (double)dur) : 2;
	keep = keep < 1 ? 1 : keep > SD_DASH_LIVE_SEGS ? SD_DASH_LIVE_SEGS :
	    keep;
	first = newest + 1 > keep ? newest + 1 - keep : 0;
	if (__builtin_add_overflow(start, first, &number) ||
	    __builtin_mul_overflow(first, dur, &time) ||
	    __builtin_add_overflow(time, t->pto, &time) ||
	    emit_run(&e, &number, &time, dur, newest + 1 - first) == -1) {
		errno = EINVAL;
		return -1;
	}
	emit_end(&e);
	return 0;
}

/* ------------------------------------------------ the chosen ones */

struct read_ctx {
	struct sd_dash_live *d;
	const int *chosen;
	int i;			/* representations seen */
	double now;
};

/* The template of the deepest level that wrote what has() asks. */
static const struct tmpl *
inherit(const struct walk *w, int (*has)(const struct tmpl *))
{
	return has(&w->t[L_REP]) ? &w->t[L_REP] : has(&w->t[L_SET]) ?
	    &w->t[L_SET] : &w->t[L_PERIOD];
}

static int has_init(const struct tmpl *t) { return t->init[0] != '\0'; }
static int has_media(const struct tmpl *t) { return t->media[0] != '\0'; }
static int has_scale(const struct tmpl *t) { return t->timescale > 0; }
static int has_pto(const struct tmpl *t) { return t->has_pto; }
static int has_start(const struct tmpl *t) { return t->has_start; }
static int has_dur(const struct tmpl *t) { return t->duration > 0; }
static int has_tl(const struct tmpl *t) { return t->ns > 0; }

static int
read_rep(struct walk *w, void *ctx)
{
	struct read_ctx *c = ctx;
	struct sd_dash_live *d = c->d;
	struct sd_dash_track *t;
	const struct tmpl *tl;
	long long start, dur;
	int video;

	if (!c->chosen[c->i++])
		return 0;
	video = strcmp(w->rep_type, "video") == 0;
	if (d->ntrk >= SD_DASH_LIVE_TRACKS) {
		if (!video)
			return 0;
		d->ntrk--;	/* the video in place of the last audio set */
	}
	t = &d->trk[d->ntrk];
	if (video) {	/* first: the pump's first input */
		memmove(&d->trk[1], &d->trk[0], d->ntrk * sizeof(*t));
		t = &d->trk[0];
	}
	memset(t, 0, sizeof(*t));
	t->video = video;
	strlcpy(t->id, w->rep_id, sizeof(t->id));
	t->bandwidth = w->rep_bw;
	strlcpy(t->base, base_of(w, L_REP), sizeof(t->base));
	strlcpy(t->init, inherit(w, has_init)->init, sizeof(t->init));
	strlcpy(t->media, inherit(w, has_media)->media,
	    sizeof(t->media));
	t->timescale = inherit(w, has_scale)->timescale;
	if (t->timescale <= 0)
		t->timescale = 1;
	t->pto = inherit(w, has_pto)->pto;
	start = has_start(inherit(w, has_start)) ?
	    inherit(w, has_start)->start : 1;
	dur = inherit(w, has_dur)->duration;
	tl = inherit(w, has_tl);
	if (t->init[0] == '\0' || t->media[0] == '\0' || (tl->ns == 0 &&
	    dur <= 0)) {
		errno = ENOTSUP;
		return -1;
	}
	if ((tl->ns > 0 ? timeline(d, t, tl, start, c->now) :
	    by_duration(d, t, dur, start, c->now)) == -1)
		return -1;
	d->ntrk++;
	return 0;
}

int
sd_dash_live_parse(struct sd_dash_live *d, const char *buf, size_t len,
    const char *url, double now, int hint)
{
	struct walk *w = NULL;
	struct rep_list *l = NULL;
	struct read_ctx c = { .d = d, .now = now };
	int chosen[REPS_MAX], rv = -1, saved, last;

	memset(d, 0, sizeof(*d));
	d->video_pick = -1;
	if (len > SD_DASH_LIVE_MAX) {
		errno = E2BIG;
		return -1;
	}
	w = calloc(1, sizeof(*w));
	l = calloc(1, sizeof(*l));
	if (l != NULL)
		sd_rec_init(&l->rec);
	if (w == NULL || l == NULL)
		goto end;
	walk_init(w, buf, len, url);
	if (walk_mpd(w, 0, list_rep, l, d) == -1)
		goto end;
	c.chosen = chosen;
	if ((last = w->period) == 0) {
		rv = 0;		/* no Period yet */
		goto end;
	}
	walk_free(w);
	walk_init(w, buf, len, url);
	if (walk_mpd(w, last, list_rep, l, NULL) == -1)
		goto end;
	if (l->unfit) {
		errno = ENOTSUP;
		goto end;
	}
	d->video_reps = l->video;
	choose(l, hint, &d->video_pick, chosen);
	walk_free(w);
	walk_init(w, buf, len, url);
	if (walk_mpd(w, last, read_rep, &c, d) == -1)
		goto end;
	if (d->ntrk == 0) {
		errno = ENOENT;
		goto end;
	}
	rv = 0;
end:
	saved = errno;
	if (w != NULL)
		walk_free(w);
	if (l != NULL)
		sd_rec_free(&l->rec);
	free(w);
	free(l);
	errno = saved;
	return rv;
}

/* ------------------------------------------------ URLs and order */

/* One $Identifier[%0Nd]$ of a template, at p (after the '$'), into b;
 * *p moves past its closing '$'. */
static int
template_id(const char **p, const struct sd_dash_track *t,
    const struct sd_dash_seg *s, struct sd_buf *b)
{
	static const char *const ids[] = { "RepresentationID", "Number",
	    "Time", "Bandwidth" };
	const char *q = *p, *end = strchr(q, '$'), *es;
	char fmt[8] = "%lld";
	long long v, width;
	size_t i, n;

	if (end == NULL)
		return -1;
	for (i = 0; i < SD_ARRAY_LEN(ids); i++) {
		n = strlen(ids[i]);
		if (strncmp(q, ids[i], n) == 0 && (q[n] == '$' || q[n] == '%'))
			break;
	}
	if (i == SD_ARRAY_LEN(ids) || (i > 0 && s == NULL && i != 3))
		return -1;	/* unknown, or $Number$ in an init URL */
	q += n;
	if (*q == '%') {	/* only %0Nd: the width of a number */
		char w[8];

		if (i == 0 || q[1] != '0' || (size_t)(end - q) < 4 ||
		    (size_t)(end - q) > 6 || end[-1] != 'd')
			return -1;
		memcpy(w, q + 2, (size_t)(end - q) - 3);
		w[(size_t)(end - q) - 3] = '\0';
		width = sd_strtonum(w, 1, 32, &es);
		if (es != NULL)
			return -1;
		snprintf(fmt, sizeof(fmt), "%%0%lldlld", width);
	} else if (q != end)
		return -1;
	*p = end + 1;
	if (i == 0)
		return sd_buf_append(b, t->id, strlen(t->id));
	v = i == 1 ? s->number : i == 2 ? s->time : t->bandwidth;
	return sd_buf_printf(b, fmt, v);
}

int
sd_dash_live_url(const struct sd_dash_track *t, const struct sd_dash_seg *s,
    char *out, size_t len)
{
	const char *p = s != NULL ? t->media : t->init;
	struct sd_buf b;
	int rv = -1;

	sd_buf_init(&b);
	while (*p != '\0') {
		size_t n = strcspn(p, "$");

		if (n > 0 && sd_buf_append(&b, p, n) == -1)
			goto end;
		p += n;
		if (*p == '\0')
			break;
		if (p[1] == '$') {
			if (sd_buf_append(&b, "$", 1) == -1)
				goto end;
			p += 2;
			continue;
		}
		p++;
		if (template_id(&p, t, s, &b) == -1) {
			errno = EINVAL;
			goto end;
		}
	}
	if (sd_buf_append(&b, "", 1) == -1)
		goto end;
	rv = sd_url_resolve(t->base, b.p, out, len);
end:
	sd_buf_free(&b);
	return rv;
}

double
sd_dash_live_start(const struct sd_dash_track *t, size_t i)
{
	return (double)(t->seg[i].time - t->pto) / (double)t->timescale;
}

long
sd_dash_live_next(const struct sd_dash_track *t, long long last,
    double from)
{
	size_t i;

	if (t->n == 0)
		return -1;
	if (last < 0 && from < 0)
		return t->n >= 2 ? (long)t->n - 2 : 0;
	for (i = 0; i < t->n; i++)
		if (last >= 0 ? t->seg[i].time > last :
		    sd_dash_live_start(t, i) + (double)t->seg[i].dur /
		    (double)t->timescale > from)
			return (long)i;
	return last >= 0 ? -1 : (long)t->n - 1;
}
