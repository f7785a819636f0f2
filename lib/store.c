/*
 * store.c - the segment store index (sd-store(5)): parse, check, format.
 *
 * The index is read by programs that answer the network (sd-serve builds a
 * playlist from it per request), so parsing is bounded everywhere: line
 * length, line count, segment count, every number. Names it hands on are
 * single safe path components, so no reader can be led outside the store.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "util_int.h"

#define INDEX_MAX	(64u << 20)	/* 500000 segment lines fit easily */
#define LINE_MAX_LEN	4096
#define FIELDS_MAX	32
#define T_MAX		(1LL << 62)	/* so that t + d never overflows */
#define D_MAX		(1LL << 40)	/* and d * 1000000 neither */
#define LONGEST_MAX	86400		/* s: a segment, and longest= */
#define BYTES_MAX	(1LL << 40)
#define SEQ_MAX		(1LL << 53)
#define BW_MAX		1000000000000LL

struct ctx {
	const char *name;
	size_t line;
};

struct field {
	char *key;
	char *val;
};

static void
bad(const struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bad(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sd_vwarn_at(c->name, (long long)c->line, fmt, ap);
	va_end(ap);
}

void
sd_store_init(struct sd_store *st)
{
	memset(st, 0, sizeof(*st));
}

void
sd_store_free(struct sd_store *st)
{
	free(st->segs);
	free(st->hdrs);
	sd_store_init(st);
}

int
sd_store_track_index(const struct sd_store *st, const char *id)
{
	size_t i;

	for (i = 0; i < st->ntracks; i++)
		if (strcmp(st->tracks[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* ---------------------------------------------------------------- checks */

static int
all_chars(const char *s, const char *extra, int lower_only)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			continue;
		if (!lower_only && ch >= 'A' && ch <= 'Z')
			continue;
		if (strchr(extra, ch) == NULL)
			return 0;
	}
	return 1;
}

/* "25", "30000/1001" or "29.97": what HLS and DASH can both express. */
static int
frame_rate_ok(const char *s)
{
	long long num, den;

	return *s == '\0' || (sd_frame_rate_parse(s, &num, &den) == 0 &&
	    num > 0);
}

/*
 * Everything a manifest writer copies from a track into a playlist or an
 * MPD is checked here, so the writers need no quoting: ids are safe names,
 * codec strings hold only RFC 6381 characters, languages BCP 47 ones.
 */
static const char *
track_problem(const struct sd_store_track *t)
{
	if (!sd_safe_name(t->id) || strlen(t->id) >= sizeof(t->id))
		return "track id is not a safe name";
	if (strcmp(t->id, "master") == 0 || strcmp(t->id, "master-ts") == 0)
		return "track id is reserved (its playlist would be a master)";
	if (strcmp(t->type, "video") != 0 && strcmp(t->type, "audio") != 0 &&
	    strcmp(t->type, "mpegts") != 0)
		return "track type is not video, audio or mpegts";
	if (!all_chars(t->codec, "_", 1))
		return "bad codec";
	if (!all_chars(t->codecs, ".,_+-", 0))
		return "bad codecs";
	if (t->codecs[0] == ',' || strstr(t->codecs, ",,") != NULL ||
	    (t->codecs[0] && t->codecs[strlen(t->codecs) - 1] == ','))
		return "bad codecs";
	if (t->timescale == 0)
		return "timescale missing";
	if (!frame_rate_ok(t->frame_rate))
		return "bad frame_rate";
	if (!all_chars(t->lang, "-", 0))
		return "bad lang";
	if (t->width < 0 || t->width > 65535 || t->height < 0 ||
	    t->height > 65535 || t->sample_rate < 0 ||
	    t->sample_rate > 1000000 || t->channels < 0 || t->channels > 64 ||
	    t->bandwidth < 0 || t->bandwidth > BW_MAX ||
	    t->avg_bandwidth < 0 || t->avg_bandwidth > BW_MAX)
		return "number out of range";
	return NULL;
}

static int
name_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL && sd_safe_name(s);
}

/* A header record is checked as the track record would be. */
static const char *
header_problem(const struct sd_store_header *h)
{
	struct sd_store_track t;

	if (!name_ok(h->file, sizeof(h->file)))
		return "file is not a safe name";
	if (memchr(h->codecs, '\0', sizeof(h->codecs)) == NULL ||
	    memchr(h->frame_rate, '\0', sizeof(h->frame_rate)) == NULL)
		return "string too long";
	memset(&t, 0, sizeof(t));
	if (strlcpy(t.id, h->track, sizeof(t.id)) >= sizeof(t.id))
		return "track id is not a safe name";
	strlcpy(t.type, "video", sizeof(t.type));
	strlcpy(t.codecs, h->codecs, sizeof(t.codecs));
	strlcpy(t.frame_rate, h->frame_rate, sizeof(t.frame_rate));
	t.timescale = 1;
	t.width = h->width;
	t.height = h->height;
	t.sample_rate = h->sample_rate;
	t.channels = h->channels;
	return track_problem(&t);
}

/* Why seg cannot follow prev (the last segment of its track), or NULL. */
static int
seg_problem(const struct sd_store *st, const struct sd_store_seg *s,
    const struct sd_store_seg *prev, char *why, size_t n)
{
	const struct sd_store_track *t;

	if (s->track >= st->ntracks)
		return snprintf(why, n, "segment of an unknown track"), -1;
	t = &st->tracks[s->track];
	if (!name_ok(s->file, sizeof(s->file)))
		return snprintf(why, n, "file is not a safe name"), -1;
	if (strcmp(t->type, "mpegts") == 0 ? s->init[0] != '\0' :
	    !name_ok(s->init, sizeof(s->init)))
		return snprintf(why, n, "init %s for a %s track",
		    s->init[0] ? "is not a safe name" : "missing", t->type), -1;
	if (s->t < 0 || s->t > T_MAX || s->d <= 0 || s->d > D_MAX ||
	    s->seq > (uint64_t)SEQ_MAX || s->bytes > (uint64_t)BYTES_MAX ||
	    s->disc > 1)
		return snprintf(why, n, "number out of range"), -1;
	/* longest= is at most a day: a longer segment could not be
	 * written back (d=90090 at timescale=1 was read, then refused). */
	if ((double)s->d / t->timescale > LONGEST_MAX)
		return snprintf(why, n, "segment longer than %d s",
		    LONGEST_MAX), -1;
	if (prev == NULL)
		return 0;
	if (s->seq != prev->seq + 1)
		return snprintf(why, n, "track %s: seq %llu after %llu", t->id,
		    (unsigned long long)s->seq,
		    (unsigned long long)prev->seq), -1;
	if (s->t < prev->t + prev->d)
		return snprintf(why, n, "track %s: segment %llu overlaps the "
		    "one before", t->id, (unsigned long long)s->seq), -1;
	if (!s->disc && strcmp(s->init, prev->init) != 0)
		return snprintf(why, n, "track %s: init changes at segment "
		    "%llu without disc=1", t->id,
		    (unsigned long long)s->seq), -1;
	return 0;
}

static const struct sd_store_seg *
last_of_track(const struct sd_store *st, unsigned track)
{
	size_t i;

	for (i = st->nsegs; i-- > 0;)
		if (st->segs[i].track == track)
			return &st->segs[i];
	return NULL;
}

/* ---------------------------------------------------------------- upkeep */

static void
gens_forget_before(struct sd_store *st, uint64_t first_seq)
{
	size_t drop = 0;

	while (drop + 1 < st->ngens && st->gens[drop + 1].seq <= first_seq)
		drop++;
	if (drop == 0)
		return;
	memmove(st->gens, st->gens + drop,
	    (st->ngens - drop) * sizeof(st->gens[0]));
	st->ngens -= drop;
}

static void
gens_note(struct sd_store *st, const struct sd_store_seg *s, double start)
{
	if (st->ngens > 0 && st->gens[st->ngens - 1].seq >= s->seq)
		return;		/* known already (read from the index) */
	if (st->nsegs > 0)
		gens_forget_before(st, st->segs[0].seq);
	if (st->ngens == SD_STORE_MAX_GENS) {
		/* Flapping input: lose the oldest start, writers cope. */
		memmove(st->gens, st->gens + 1,
		    (st->ngens - 1) * sizeof(st->gens[0]));
		st->ngens--;
	}
	st->gens[st->ngens].seq = s->seq;
	st->gens[st->ngens].start = start;
	st->ngens++;
}

static void
note_seg(struct sd_store *st, const struct sd_store_seg *s,
    const struct sd_store_seg *prev)
{
	struct sd_store_track *t = &st->tracks[s->track];
	double secs = (double)s->d / t->timescale;
	long long bw;

	if (secs > st->longest)
		st->longest = secs;
	bw = (long long)((double)s->bytes * 8 / secs + 0.5);
	if (bw > t->bandwidth)
		t->bandwidth = bw < BW_MAX ? bw : BW_MAX;
	if (prev == NULL ? st->ngens == 0 : strcmp(prev->init, s->init) != 0)
		gens_note(st, s, (double)s->t / t->timescale);
}

int
sd_store_add_seg(struct sd_store *st, const struct sd_store_seg *seg)
{
	const struct sd_store_seg *last;
	struct sd_store_seg *p, prev;
	char why[160];
	size_t cap;

	/* A copy: segs[] may move below. */
	last = seg->track < st->ntracks ? last_of_track(st, seg->track) : NULL;
	if (last != NULL)
		prev = *last;
	if (seg_problem(st, seg, last, why, sizeof(why)) == -1) {
		warnx("store: %s", why);
		return -1;
	}
	if (st->nsegs >= SD_STORE_MAX_SEGS) {
		warnx("store: more than %d segments", SD_STORE_MAX_SEGS);
		return -1;
	}
	if (st->nsegs == st->cap) {
		cap = st->cap ? st->cap * 2 : 64;
		if (cap > SD_STORE_MAX_SEGS)
			cap = SD_STORE_MAX_SEGS;
		if ((p = reallocarray(st->segs, cap, sizeof(*p))) == NULL) {
			warn("store");
			return -1;
		}
		st->segs = p;
		st->cap = cap;
	}
	note_seg(st, seg, last != NULL ? &prev : NULL);
	st->segs[st->nsegs++] = *seg;
	return 0;
}

/* Is h the last header record of its track (one still to be named)? */
static int
header_latest(const struct sd_store *st, size_t i)
{
	size_t j;

	for (j = i + 1; j < st->nhdrs; j++)
		if (strcmp(st->hdrs[j].track, st->hdrs[i].track) == 0)
			return 0;
	return 1;
}

/*
 * The (track, init) pairs the listed segments name, each once: inits
 * change only at a discontinuity, so this is short. Returns how many, or
 * -1 (no memory: callers then keep or write every record).
 */
static long
named_inits(const struct sd_store *st, const struct sd_store_seg ***out)
{
	const struct sd_store_seg *last[SD_STORE_MAX_TRACKS] = { NULL };
	const struct sd_store_seg **v = NULL, **nv;
	size_t i, n = 0, cap = 0;

	for (i = 0; i < st->nsegs; i++) {
		const struct sd_store_seg *s = &st->segs[i];
		if (s->track >= SD_STORE_MAX_TRACKS || !s->init[0] ||
		    (last[s->track] != NULL &&
		    strcmp(last[s->track]->init, s->init) == 0))
			continue;
		last[s->track] = s;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				free(v);
				return -1;
			}
			v = nv;
		}
		v[n++] = s;
	}
	*out = v;
	return (long)n;
}

static int
header_named(const struct sd_store *st, const struct sd_store_header *h,
    const struct sd_store_seg **v, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i]->init, h->file) == 0 &&
		    strcmp(st->tracks[v[i]->track].id, h->track) == 0)
			return 1;
	return 0;
}

/* Keep the records that listed segments name, and each track's latest. */
static void
headers_prune(struct sd_store *st)
{
	const struct sd_store_seg **v;
	long n;
	size_t i, kept = 0;

	if (st->nhdrs == 0 || (n = named_inits(st, &v)) == -1)
		return;
	for (i = 0; i < st->nhdrs; i++)
		if (header_named(st, &st->hdrs[i], v, n) ||
		    header_latest(st, i))
			st->hdrs[kept++] = st->hdrs[i];
	st->nhdrs = kept;
	free(v);
}

int
sd_store_note_header(struct sd_store *st, const struct sd_store_header *h)
{
	struct sd_store_header *p;
	const char *why;
	size_t i, cap;

	if ((why = header_problem(h)) != NULL) {
		warnx("store: header %.47s: %s", h->file, why);
		return -1;
	}
	for (i = 0; i < st->nhdrs; i++)
		if (strcmp(st->hdrs[i].file, h->file) == 0 &&
		    strcmp(st->hdrs[i].track, h->track) == 0) {
			memmove(st->hdrs + i, st->hdrs + i + 1,
			    (st->nhdrs - i - 1) * sizeof(*p));
			st->nhdrs--;
			break;
		}
	if (st->nhdrs == SD_STORE_MAX_HEADERS)
		headers_prune(st);
	if (st->nhdrs == SD_STORE_MAX_HEADERS) {
		/* Flapping input: lose the oldest, readers fall back. */
		memmove(st->hdrs, st->hdrs + 1, (st->nhdrs - 1) * sizeof(*p));
		st->nhdrs--;
	}
	if (st->nhdrs == st->hdrcap) {
		cap = st->hdrcap ? st->hdrcap * 2 : 8;
		if ((p = reallocarray(st->hdrs, cap, sizeof(*p))) == NULL) {
			warn("store");
			return -1;
		}
		st->hdrs = p;
		st->hdrcap = cap;
	}
	st->hdrs[st->nhdrs++] = *h;
	return 0;
}

void
sd_store_track_as(const struct sd_store *st, size_t k, const char *init,
    struct sd_store_track *out)
{
	const struct sd_store_header *h = NULL;
	size_t i;

	*out = st->tracks[k];
	for (i = st->nhdrs; init != NULL && i-- > 0;)
		if (strcmp(st->hdrs[i].file, init) == 0 &&
		    strcmp(st->hdrs[i].track, out->id) == 0) {
			h = &st->hdrs[i];
			break;
		}
	if (h == NULL)
		return;
	if (h->codecs[0])
		strlcpy(out->codecs, h->codecs, sizeof(out->codecs));
	if (h->width > 0 && h->height > 0) {
		out->width = h->width;
		out->height = h->height;
	}
	if (h->frame_rate[0])
		strlcpy(out->frame_rate, h->frame_rate, sizeof(out->frame_rate));
	if (h->sample_rate > 0)
		out->sample_rate = h->sample_rate;
	if (h->channels > 0)
		out->channels = h->channels;
}

size_t
sd_store_trim(struct sd_store *st, uint64_t first_seq)
{
	uint64_t discs[SD_STORE_MAX_TRACKS] = { 0 }, most = 0;
	size_t i, kept = 0, removed;

	for (i = 0; i < st->nsegs; i++) {
		const struct sd_store_seg *s = &st->segs[i];
		if (s->seq >= first_seq)
			st->segs[kept++] = *s;
		else if (s->disc && s->track < SD_STORE_MAX_TRACKS &&
		    ++discs[s->track] > most)
			most = discs[s->track];
	}
	removed = st->nsegs - kept;
	st->nsegs = kept;
	st->discseq += most;
	gens_forget_before(st, first_seq);
	headers_prune(st);
	return removed;
}

/* ---------------------------------------------------------------- parse */

/* Split "word k=v k=v" on blanks; returns the number of fields or -1. */
static int
split_fields(const struct ctx *c, char *line, char **word,
    struct field *f, int max)
{
	char *tok, *eq, *save = NULL;
	int n = 0;

	*word = strtok_r(line, " \t", &save);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if ((eq = strchr(tok, '=')) == NULL || eq == tok) {
			bad(c, "expected key=value, got \"%.40s\"", tok);
			return -1;
		}
		if (n == max) {
			bad(c, "more than %d fields", max);
			return -1;
		}
		*eq = '\0';
		f[n].key = tok;
		f[n].val = eq + 1;
		n++;
	}
	return n;
}

/*
 * Fields of each record type, parsed by one table walk; keys a table does
 * not name are ignored (later writers may add some).
 */
enum kind { K_INT, K_DEC, K_STR };

struct spec {
	const char *key;
	enum kind kind;
	size_t off, size;
	double min, max;
};

#define F_INT(type, k, field, lo, hi) \
	{ k, K_INT, offsetof(type, field), sizeof(((type *)0)->field), lo, hi }
#define F_DEC(type, k, field, lo, hi) \
	{ k, K_DEC, offsetof(type, field), sizeof(double), lo, hi }
#define F_STR(type, k, field) \
	{ k, K_STR, offsetof(type, field), sizeof(((type *)0)->field), 0, 0 }

static const struct spec store_spec[] = {
	F_INT(struct sd_store, "live", live, 0, 1),
	F_INT(struct sd_store, "ended", ended, 0, 1),
	F_DEC(struct sd_store, "target", target, 0.001, 3600),
	F_INT(struct sd_store, "window", window, 0, 100000),
	F_DEC(struct sd_store, "start", start, 0, 1e11),
	F_INT(struct sd_store, "discseq", discseq, 0, SEQ_MAX),
	F_DEC(struct sd_store, "longest", longest, 0, LONGEST_MAX),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

static const struct spec gen_spec[] = {
	F_INT(struct sd_store_gen, "seq", seq, 0, SEQ_MAX),
	F_DEC(struct sd_store_gen, "start", start, 0, 1e12),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

static const struct spec track_spec[] = {
	F_STR(struct sd_store_track, "id", id),
	F_STR(struct sd_store_track, "type", type),
	F_STR(struct sd_store_track, "codec", codec),
	F_STR(struct sd_store_track, "codecs", codecs),
	F_INT(struct sd_store_track, "timescale", timescale, 1, UINT32_MAX),
	F_INT(struct sd_store_track, "width", width, 0, 65535),
	F_INT(struct sd_store_track, "height", height, 0, 65535),
	F_STR(struct sd_store_track, "frame_rate", frame_rate),
	F_INT(struct sd_store_track, "sample_rate", sample_rate, 0, 1000000),
	F_INT(struct sd_store_track, "channels", channels, 0, 64),
	F_INT(struct sd_store_track, "bandwidth", bandwidth, 0, BW_MAX),
	F_INT(struct sd_store_track, "avg_bandwidth", avg_bandwidth, 0,
	    BW_MAX),
	F_STR(struct sd_store_track, "lang", lang),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

static const struct spec header_spec[] = {
	F_STR(struct sd_store_header, "track", track),
	F_STR(struct sd_store_header, "file", file),
	F_STR(struct sd_store_header, "codecs", codecs),
	F_INT(struct sd_store_header, "width", width, 0, 65535),
	F_INT(struct sd_store_header, "height", height, 0, 65535),
	F_STR(struct sd_store_header, "frame_rate", frame_rate),
	F_INT(struct sd_store_header, "sample_rate", sample_rate, 0, 1000000),
	F_INT(struct sd_store_header, "channels", channels, 0, 64),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

/* "track" is looked up by name, outside the table. */
static const struct spec seg_spec[] = {
	F_INT(struct sd_store_seg, "seq", seq, 0, SEQ_MAX),
	F_INT(struct sd_store_seg, "t", t, 0, T_MAX),
	F_INT(struct sd_store_seg, "d", d, 1, D_MAX),
	F_INT(struct sd_store_seg, "bytes", bytes, 0, BYTES_MAX),
	F_STR(struct sd_store_seg, "file", file),
	F_STR(struct sd_store_seg, "init", init),
	F_INT(struct sd_store_seg, "disc", disc, 0, 1),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

/* Store a checked, non-negative integer into a field of any width. */
static void
put_int(void *dst, size_t size, long long v)
{
	uint8_t u8 = (uint8_t)v;
	uint32_t u32 = (uint32_t)v;
	uint64_t u64 = (uint64_t)v;

	if (size == 1)
		memcpy(dst, &u8, 1);
	else if (size == 4)
		memcpy(dst, &u32, 4);
	else
		memcpy(dst, &u64, 8);
}

static int
get_int(const struct ctx *c, const struct field *f, const struct spec *sp,
    void *dst)
{
	const char *errstr;
	long long v;

	v = sd_strtonum(f->val, (long long)sp->min, (long long)sp->max,
	    &errstr);
	if (errstr != NULL) {
		bad(c, "%s=%.40s: %s", f->key, f->val, errstr);
		return -1;
	}
	put_int(dst, sp->size, v);
	return 0;
}

/* A plain decimal, digits[.digits]: no sign, exponent, hex, inf or nan. */
static int
get_dec(const struct ctx *c, const struct field *f, const struct spec *sp,
    double *out)
{
	const char *p = f->val, *ip;
	double v = 0, scale = 1;

	for (ip = p; *p >= '0' && *p <= '9' && p - ip < 15; p++)
		v = v * 10 + (*p - '0');
	if (p == ip)
		goto fail;
	if (*p == '.') {
		for (ip = ++p; *p >= '0' && *p <= '9' && p - ip < 9; p++)
			v += (*p - '0') * (scale /= 10);
		if (p == ip)
			goto fail;
	}
	if (*p != '\0')
		goto fail;
	if (v < sp->min || v > sp->max) {
		bad(c, "%s=%.40s: out of range", f->key, f->val);
		return -1;
	}
	*out = v;
	return 0;
fail:
	bad(c, "%s=%.40s: not a decimal number", f->key, f->val);
	return -1;
}

static int
get_fields(const struct ctx *c, const struct field *f, int n,
    const struct spec *spec, void *obj)
{
	const struct spec *sp;
	char *dst;
	int i;

	for (i = 0; i < n; i++) {
		for (sp = spec; sp->key && strcmp(sp->key, f[i].key); sp++)
			;
		if (sp->key == NULL)
			continue;
		dst = (char *)obj + sp->off;
		if (sp->kind == K_INT && get_int(c, &f[i], sp, dst) == -1)
			return -1;
		if (sp->kind == K_DEC &&
		    get_dec(c, &f[i], sp, (double *)(void *)dst) == -1)
			return -1;
		if (sp->kind == K_STR && strlcpy(dst, f[i].val, sp->size) >=
		    sp->size) {
			bad(c, "%s: longer than %zu bytes", f[i].key,
			    sp->size - 1);
			return -1;
		}
	}
	return 0;
}

static int
parse_store(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	if (get_fields(c, f, n, store_spec, st) == -1)
		return -1;
	if (st->target == 0) {
		bad(c, "store: target missing");
		return -1;
	}
	return 0;
}

static int
parse_gen(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	struct sd_store_gen g = { 0, 0 };

	if (get_fields(c, f, n, gen_spec, &g) == -1)
		return -1;
	if (st->ngens == SD_STORE_MAX_GENS) {
		bad(c, "more than %d gen lines", SD_STORE_MAX_GENS);
		return -1;
	}
	if (st->ngens > 0 && g.seq <= st->gens[st->ngens - 1].seq) {
		bad(c, "gen seq=%llu out of order", (unsigned long long)g.seq);
		return -1;
	}
	st->gens[st->ngens++] = g;
	return 0;
}

static int
parse_track(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	struct sd_store_track t;
	const char *why;

	memset(&t, 0, sizeof(t));
	if (get_fields(c, f, n, track_spec, &t) == -1)
		return -1;
	if ((why = track_problem(&t)) != NULL) {
		bad(c, "track %.16s: %s", t.id, why);
		return -1;
	}
	if (sd_store_track_index(st, t.id) != -1) {
		bad(c, "track %s listed twice", t.id);
		return -1;
	}
	if (st->ntracks == SD_STORE_MAX_TRACKS) {
		bad(c, "more than %d tracks", SD_STORE_MAX_TRACKS);
		return -1;
	}
	st->tracks[st->ntracks++] = t;
	return 0;
}

static int
parse_header(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	struct sd_store_header h;
	const char *why;

	memset(&h, 0, sizeof(h));
	if (get_fields(c, f, n, header_spec, &h) == -1)
		return -1;
	if (sd_store_track_index(st, h.track) == -1) {
		bad(c, "header track=%.16s: no such track", h.track);
		return -1;
	}
	if ((why = header_problem(&h)) != NULL) {
		bad(c, "header %.47s: %s", h.file, why);
		return -1;
	}
	if (st->nhdrs == SD_STORE_MAX_HEADERS) {
		bad(c, "more than %d header lines", SD_STORE_MAX_HEADERS);
		return -1;
	}
	return sd_store_note_header(st, &h);
}

static int
seg_track(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		if (strcmp(f[i].key, "track") != 0)
			continue;
		if ((k = sd_store_track_index(st, f[i].val)) == -1)
			bad(c, "track=%.16s: no such track", f[i].val);
		return k;
	}
	bad(c, "seg without track=");
	return -1;
}

static int
parse_seg(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	struct sd_store_seg s;
	char why[160];
	int k;

	memset(&s, 0, sizeof(s));
	if ((k = seg_track(st, c, f, n)) == -1 ||
	    get_fields(c, f, n, seg_spec, &s) == -1)
		return -1;
	s.track = (uint8_t)k;
	if (s.d == 0 || s.file[0] == '\0') {
		bad(c, "seg: d and file are required");
		return -1;
	}
	if (seg_problem(st, &s, last_of_track(st, s.track), why,
	    sizeof(why)) == -1) {
		bad(c, "%s", why);
		return -1;
	}
	if (st->nsegs >= SD_STORE_MAX_SEGS) {
		bad(c, "more than %d segments", SD_STORE_MAX_SEGS);
		return -1;
	}
	return sd_store_add_seg(st, &s);
}

/* The first line: "sd-store 1"; a later major version is refused. */
static int
check_version(const struct ctx *c, const char *line)
{
	size_t n = strlen(line);

	if (n >= 10 && memcmp(line, "sd-store 1", 10) == 0 &&
	    (n == 10 || line[10] == ' ' || line[10] == '\t'))
		return 0;
	if (n >= 9 && memcmp(line, "sd-store ", 9) == 0)
		bad(c, "unsupported index version \"%.20s\"", line + 9);
	else
		bad(c, "not a store index (no \"sd-store 1\" line)");
	return -1;
}

static int
parse_line(struct sd_store *st, const struct ctx *c, char *line,
    int *state)
{
	struct field f[FIELDS_MAX];
	char *word;
	int n;

	line = sd_trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	if (*state == 0) {
		*state = 1;
		return check_version(c, line);
	}
	if ((n = split_fields(c, line, &word, f, FIELDS_MAX)) == -1)
		return -1;
	if (strcmp(word, "store") == 0) {
		if (*state != 1) {
			bad(c, "a second store line");
			return -1;
		}
		*state = 2;
		return parse_store(st, c, f, n);
	}
	if (*state == 1 && (strcmp(word, "track") == 0 ||
	    strcmp(word, "seg") == 0 || strcmp(word, "gen") == 0 ||
	    strcmp(word, "header") == 0)) {
		bad(c, "%s before the store line", word);
		return -1;
	}
	if (strcmp(word, "gen") == 0)
		return parse_gen(st, c, f, n);
	if (strcmp(word, "track") == 0)
		return parse_track(st, c, f, n);
	if (strcmp(word, "header") == 0)
		return parse_header(st, c, f, n);
	if (strcmp(word, "seg") == 0)
		return parse_seg(st, c, f, n);
	return 0;		/* a record type from a later writer */
}

int
sd_store_parse(struct sd_store *st, const char *buf, size_t len,
    const char *name)
{
	char line[LINE_MAX_LEN];
	struct ctx c = { name, 0 };
	size_t start = 0, end, n;
	int state = 0;

	sd_store_free(st);
	while (start < len) {
		for (end = start; end < len && buf[end] != '\n'; end++)
			;
		n = end - start;
		c.line++;
		if (n >= sizeof(line)) {
			bad(&c, "line longer than %d bytes", LINE_MAX_LEN - 1);
			return -1;
		}
		if (memchr(buf + start, '\0', n) != NULL) {
			bad(&c, "NUL byte");
			return -1;
		}
		memcpy(line, buf + start, n);
		line[n] = '\0';
		if (parse_line(st, &c, line, &state) == -1)
			return -1;
		start = end + 1;
	}
	if (state < 2) {
		c.line++;
		bad(&c, state == 0 ? "empty index" : "no store line");
		return -1;
	}
	return 0;
}

int
sd_store_read(struct sd_store *st, const char *dir)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int rv, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/index", dir) >=
	    sizeof(path)) {
		warnx("%s: path too long", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (sd_read_file(path, INDEX_MAX, &buf, &len) == -1) {
		saved = errno;
		warn("%s", path);
		errno = saved;
		return -1;
	}
	rv = sd_store_parse(st, buf, len, path);
	free(buf);
	if (rv == -1)
		errno = EINVAL;
	return rv;
}

/* ---------------------------------------------------------------- format */

/* Decimal seconds with no trailing zeros: 2, 1.5, 0.04. */
static void
put_dec(struct sd_buf *b, const char *key, double v, int places)
{
	char num[64];
	size_t n;

	snprintf(num, sizeof(num), "%.*f", places, v);
	n = strlen(num);
	if (strchr(num, '.') != NULL) {
		while (num[n - 1] == '0')
			num[--n] = '\0';
		if (num[n - 1] == '.')
			num[--n] = '\0';
	}
	sd_buf_printf(b, " %s=%s", key, num);
}

static void
format_track(struct sd_buf *b, const struct sd_store_track *t)
{
	sd_buf_printf(b, "track id=%s type=%s", t->id, t->type);
	if (t->codec[0])
		sd_buf_printf(b, " codec=%s", t->codec);
	if (t->codecs[0])
		sd_buf_printf(b, " codecs=%s", t->codecs);
	sd_buf_printf(b, " timescale=%u", (unsigned)t->timescale);
	if (t->width || t->height)
		sd_buf_printf(b, " width=%d height=%d", t->width, t->height);
	if (t->frame_rate[0])
		sd_buf_printf(b, " frame_rate=%s", t->frame_rate);
	if (t->sample_rate)
		sd_buf_printf(b, " sample_rate=%d", t->sample_rate);
	if (t->channels)
		sd_buf_printf(b, " channels=%d", t->channels);
	if (t->bandwidth)
		sd_buf_printf(b, " bandwidth=%lld", t->bandwidth);
	if (t->avg_bandwidth)
		sd_buf_printf(b, " avg_bandwidth=%lld", t->avg_bandwidth);
	if (t->lang[0])
		sd_buf_printf(b, " lang=%s", t->lang);
	sd_buf_append(b, "\n", 1);
}

static void
format_header(struct sd_buf *b, const struct sd_store_header *h)
{
	sd_buf_printf(b, "header track=%s file=%s", h->track, h->file);
	if (h->codecs[0])
		sd_buf_printf(b, " codecs=%s", h->codecs);
	if (h->width || h->height)
		sd_buf_printf(b, " width=%d height=%d", h->width, h->height);
	if (h->frame_rate[0])
		sd_buf_printf(b, " frame_rate=%s", h->frame_rate);
	if (h->sample_rate)
		sd_buf_printf(b, " sample_rate=%d", h->sample_rate);
	if (h->channels)
		sd_buf_printf(b, " channels=%d", h->channels);
	sd_buf_append(b, "\n", 1);
}

/* The header records a listed segment names (a reader needs no other). */
static int
format_headers(const struct sd_store *st, struct sd_buf *b)
{
	const struct sd_store_seg **v;
	long n;
	size_t i;

	if (st->nhdrs == 0)
		return 0;
	if ((n = named_inits(st, &v)) == -1) {
		warn("store");
		return -1;
	}
	for (i = 0; i < st->nhdrs; i++)
		if (header_problem(&st->hdrs[i]) == NULL &&
		    header_named(st, &st->hdrs[i], v, n))
			format_header(b, &st->hdrs[i]);
	free(v);
	return 0;
}

static int
check_store(const struct sd_store *st)
{
	const struct sd_store_seg *last[SD_STORE_MAX_TRACKS] = { NULL };
	const char *what;
	char why[160];
	size_t i, j;

	if (st->ntracks > SD_STORE_MAX_TRACKS || st->nsegs > SD_STORE_MAX_SEGS ||
	    !(st->target > 0 && st->target <= 3600) || st->window < 0 ||
	    st->ngens > SD_STORE_MAX_GENS) {
		warnx("store: bad store fields");
		return -1;
	}
	for (i = 0; i < st->ntracks; i++) {
		if ((what = track_problem(&st->tracks[i])) != NULL) {
			warnx("store: track %.16s: %s", st->tracks[i].id, what);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(st->tracks[i].id, st->tracks[j].id) == 0) {
				warnx("store: track %s twice", st->tracks[i].id);
				return -1;
			}
	}
	for (i = 0; i < st->nsegs; i++) {
		const struct sd_store_seg *s = &st->segs[i];
		if (seg_problem(st, s, s->track < st->ntracks ?
		    last[s->track] : NULL, why, sizeof(why)) == -1) {
			warnx("store: %s", why);
			return -1;
		}
		last[s->track] = s;
	}
	return 0;
}

int
sd_store_format(const struct sd_store *st, struct sd_buf *b)
{
	const struct sd_store_seg *s;
	size_t i;

	if (check_store(st) == -1)
		return -1;
	sd_buf_printf(b, "sd-store 1\nstore live=%d ended=%d", st->live ? 1 : 0,
	    st->ended ? 1 : 0);
	put_dec(b, "target", st->target, 6);
	sd_buf_printf(b, " window=%d", st->window);
	put_dec(b, "start", st->start, 3);
	sd_buf_printf(b, " discseq=%llu", (unsigned long long)st->discseq);
	put_dec(b, "longest", st->longest, 6);
	sd_buf_append(b, "\n", 1);
	for (i = 0; i < st->ngens; i++) {
		sd_buf_printf(b, "gen seq=%llu",
		    (unsigned long long)st->gens[i].seq);
		put_dec(b, "start", st->gens[i].start, 6);
		sd_buf_append(b, "\n", 1);
	}
	for (i = 0; i < st->ntracks; i++)
		format_track(b, &st->tracks[i]);
	if (format_headers(st, b) == -1)
		return -1;
	for (i = 0; i < st->nsegs; i++) {
		s = &st->segs[i];
		sd_buf_printf(b, "seg track=%s seq=%llu t=%lld d=%lld bytes=%llu "
		    "file=%s", st->tracks[s->track].id,
		    (unsigned long long)s->seq, (long long)s->t,
		    (long long)s->d, (unsigned long long)s->bytes, s->file);
		if (s->init[0])
			sd_buf_printf(b, " init=%s", s->init);
		sd_buf_printf(b, " disc=%d\n", s->disc ? 1 : 0);
	}
	return b->failed ? -1 : 0;
}

int
sd_store_write(const struct sd_store *st, const char *dir)
{
	char path[PATH_MAX];
	struct sd_buf b;
	int rv = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/index", dir) >=
	    sizeof(path)) {
		warnx("%s: path too long", dir);
		return -1;
	}
	sd_buf_init(&b);
	if (sd_store_format(st, &b) == -1)
		warnx("%s: cannot format the index", path);
	else if (sd_write_atomic(path, b.p, b.len, 0644, 0) == -1)
		warn("%s", path);
	else
		rv = 0;
	sd_buf_free(&b);
	return rv;
}
