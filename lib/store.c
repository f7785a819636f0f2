/*
 * store.c - the segment store (sd-store(5)) in memory: its records, the
 * checks every record passes, and the upkeep of adding segments and
 * header records and trimming the window.
 *
 * The index is read by programs that answer the network (sd-serve builds a
 * playlist from it per request), so parsing is bounded everywhere: line
 * length, line count, segment count, every number. Names it hands on are
 * single safe path components, so no reader can be led outside the store.
 * Reading the index is store_parse.c, writing it store_format.c; the
 * checks here are the ones both use (store_int.h).
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "store_int.h"
#include "util_int.h"
#include "store.h"

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
const char *
store_track_problem(const struct sd_store_track *t)
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
const char *
store_header_problem(const struct sd_store_header *h)
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
	return store_track_problem(&t);
}

/* Why seg cannot follow prev (the last segment of its track), or NULL. */
int
store_seg_problem(const struct sd_store *st, const struct sd_store_seg *s,
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

const struct sd_store_seg *
store_last_of_track(const struct sd_store *st, unsigned track)
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
	last = seg->track < st->ntracks ?
	    store_last_of_track(st, seg->track) : NULL;
	if (last != NULL)
		prev = *last;
	if (store_seg_problem(st, seg, last, why, sizeof(why)) == -1) {
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
long
store_named_inits(const struct sd_store *st, const struct sd_store_seg ***out)
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

int
store_header_named(const struct sd_store *st, const struct sd_store_header *h,
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

	if (st->nhdrs == 0 || (n = store_named_inits(st, &v)) == -1)
		return;
	for (i = 0; i < st->nhdrs; i++)
		if (store_header_named(st, &st->hdrs[i], v, n) ||
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

	if ((why = store_header_problem(h)) != NULL) {
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
