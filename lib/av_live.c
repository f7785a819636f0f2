/*
 * av_live.c - the live window of sd-cmafmux -l: the index lists the last
 * -w cuts; a segment that leaves it stays on disk for its duration plus
 * twice the playlist's (sd-store(5)), since a client may have just read a
 * playlist that names it, then it is deleted; so is a header, with its
 * last segment, once no listed segment names it.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "av_mux.h"
#include "util_int.h"
#include "store.h"

#define GRAVES_MAX	100000

/*
 * How long a file stays after the last index that names it is replaced:
 * RFC 8216 6.2.2's minimum is its duration plus the playlist's, for a
 * client that has just read that playlist; a client on a loaded machine
 * fetches what it read seconds later still, so as long as the playlist
 * again is allowed for it. A few files more on disk; never a 404 for a
 * name a playlist gave.
 */
static double
keep_secs(double playlist, double own)
{
	return 2 * playlist + own;
}

/* due: monotonic seconds; 0: lag seconds after this run's first index. */
static void
bury_lagged(struct mux *m, const char *file, double due, double lag)
{
	struct grave *g;
	size_t cap;

	if (m->ngraves == m->graves_cap) {
		cap = m->graves_cap ? m->graves_cap * 2 : 64;
		if (cap > GRAVES_MAX ||
		    (g = reallocarray(m->graves, cap, sizeof(*g))) == NULL) {
			warnx("%s: too many files waiting to be deleted; "
			    "kept", file);
			return;
		}
		m->graves = g;
		m->graves_cap = cap;
	}
	g = &m->graves[m->ngraves++];
	strlcpy(g->file, file, sizeof(g->file));
	g->due = due;
	g->lag = lag;
}

static void
bury(struct mux *m, const char *file, double due)
{
	bury_lagged(m, file, due, 0);
}

/*
 * Delete what is due; the list is in due order per track, so scan all.
 * It runs just before each index is written: a file an earlier run's index
 * names (due 0) is dated from now, the moment that index is replaced.
 */
static void
sweep(struct mux *m, double now)
{
	char path[PATH_MAX];
	size_t i, kept = 0;

	for (i = 0; i < m->ngraves; i++) {
		struct grave *g = &m->graves[i];
		if (g->due == 0)
			g->due = now + g->lag;
		if (g->due > now) {
			m->graves[kept++] = *g;
			continue;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", m->o->dir,
		    g->file) < sizeof(path) && unlink(path) == -1 &&
		    errno != ENOENT)
			warn("%s", path);
	}
	m->ngraves = kept;
}

/* The playlist's duration: what a track lists, in seconds (the longest). */
static double
listed_secs(const struct sd_store *st)
{
	double secs[SD_STORE_MAX_TRACKS] = { 0 }, most = 0;
	size_t i;

	for (i = 0; i < st->nsegs; i++) {
		const struct sd_store_seg *s = &st->segs[i];
		secs[s->track] += (double)s->d / st->tracks[s->track].timescale;
		if (secs[s->track] > most)
			most = secs[s->track];
	}
	return most;
}

static int
listed_init(const struct sd_store *st, const char *init)
{
	size_t i;

	for (i = 0; i < st->nsegs; i++)
		if (strcmp(st->segs[i].init, init) == 0)
			return 1;
	return 0;
}

/*
 * A header goes with its last segment: once no listed segment names it,
 * it is deleted when that segment is (the same availability rule). gone[]
 * is in seq order, so the last one naming a header decides.
 */
static void
bury_headers(struct mux *m, const struct sd_store_seg *gone, size_t n,
    double base)
{
	const struct sd_store *st = &m->store;
	size_t k, j;

	for (k = 0; k < n; k++) {
		if (!gone[k].init[0] || listed_init(st, gone[k].init))
			continue;
		for (j = k + 1; j < n; j++)
			if (strcmp(gone[j].init, gone[k].init) == 0)
				break;
		if (j == n)	/* its last segment */
			bury(m, gone[k].init, base + (double)gone[k].d /
			    st->tracks[gone[k].track].timescale);
	}
}

int
sd_live_trim(struct mux *m)
{
	struct sd_store *st = &m->store;
	uint64_t last, first;
	double now = sd_mux_mono(), playlist;
	size_t i;

	if (m->o->window <= 0 || st->nsegs == 0) {
		sweep(m, now);
		return 0;
	}
	last = st->segs[st->nsegs - 1].seq;
	if (last + 1 <= (uint64_t)m->o->window) {
		sweep(m, now);
		return 0;
	}
	first = last + 1 - (uint64_t)m->o->window;
	for (i = 0; i < st->nsegs && st->segs[i].seq < first; i++)
		;
	if (i > 0) {
		/* What stays listed after the trim, plus each leaver's own. */
		struct sd_store_seg *gone = malloc(i * sizeof(*gone));
		size_t k;

		if (gone == NULL)
			return -1;
		memcpy(gone, st->segs, i * sizeof(*gone));
		sd_store_trim(st, first);
		playlist = listed_secs(st);
		for (k = 0; k < i; k++)
			bury(m, gone[k].file, now + keep_secs(playlist,
			    (double)gone[k].d /
			    st->tracks[gone[k].track].timescale));
		bury_headers(m, gone, i, now + keep_secs(playlist, 0));
		free(gone);
	}
	sweep(m, now);
	return 0;
}

/*
 * A store an earlier run left in DIR (a live session restarted): this run
 * numbers its segments and headers on from there, so no name ever means
 * two things to an HTTP cache, starts with a discontinuity, and in live
 * mode deletes the old files once the old playlists can no longer name
 * them: the old index is served until this run writes its first one,
 * which may be many seconds away (a keyframe, a whole cut, a slow
 * source), so their delay counts from then, not from now.
 */
int
sd_live_continue(struct mux *m)
{
	char path[PATH_MAX];
	struct sd_store old;
	uint64_t last_disc = UINT64_MAX;
	double lag;
	size_t i;

	if ((size_t)snprintf(path, sizeof(path), "%s/index", m->o->dir) >=
	    sizeof(path) || access(path, F_OK) == -1)
		return 0;
	sd_store_init(&old);
	if (sd_store_read(&old, m->o->dir) == -1) {
		warnx("%s: starting a new store over it", path);
		return 0;
	}
	m->store.discseq = old.discseq;
	for (i = 0; i < old.nsegs; i++) {
		if (old.segs[i].seq >= m->first_seq)
			m->first_seq = old.segs[i].seq + 1;
		if (old.segs[i].disc && old.segs[i].seq != last_disc) {
			m->store.discseq++;
			last_disc = old.segs[i].seq;
		}
	}
	m->continuing = old.nsegs > 0;
	lag = keep_secs(listed_secs(&old), old.longest);
	for (i = 0; m->o->live && i < old.nsegs; i++) {
		bury_lagged(m, old.segs[i].file, 0, lag);
		if (old.segs[i].init[0] && (i == 0 ||
		    strcmp(old.segs[i].init, old.segs[i - 1].init) != 0))
			bury_lagged(m, old.segs[i].init, 0, lag);
	}
	sd_store_free(&old);
	return 0;
}

void
sd_live_free(struct mux *m)
{
	free(m->graves);
	m->graves = NULL;
	m->ngraves = m->graves_cap = 0;
}
