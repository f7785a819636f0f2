/*
 * store_format.c - writing the store's index (sd-store(5)): the store is
 * checked whole (store.c's checks) before a line is made, so that nothing
 * is written that store_parse.c would refuse; then written atomically.
 *
 * Apart from the parser because only writers (sd-cmafmux, sd-migrate) need
 * it, and because its order of records is the format's, read top down.
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "store_int.h"
#include "util_int.h"
#include "store.h"
#include "segfile.h"

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
	if (h->bytes)
		sd_buf_printf(b, " bytes=%llu", (unsigned long long)h->bytes);
	if (h->index_bytes)
		sd_buf_printf(b, " index_off=%llu index_bytes=%llu",
		    (unsigned long long)h->index_off,
		    (unsigned long long)h->index_bytes);
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
	if ((n = store_named_inits(st, &v)) == -1) {
		warn("store");
		return -1;
	}
	for (i = 0; i < st->nhdrs; i++)
		if (store_header_problem(&st->hdrs[i]) == NULL &&
		    store_header_named(st, &st->hdrs[i], v, n))
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
		if ((what = store_track_problem(&st->tracks[i])) != NULL) {
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
		if (store_seg_problem(st, s, s->track < st->ntracks ?
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
		if (sd_store_seg_in_file(s))
			sd_buf_printf(b, " off=%llu",
			    (unsigned long long)s->off);
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
	else if (sd_segfile_write(dir, "index", b.p, b.len, NULL, 0) == 0)
		rv = 0;		/* no fchmod: created 0644 (segfile.c) */
	sd_buf_free(&b);
	return rv;
}
