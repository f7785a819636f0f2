/*
 * manifest.c - what the HLS and DASH writers share: base URL checks, times,
 * measured rates, and writing every manifest of a store at once.
 */
#include <err.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd.h"

int
sd_manifest_base_ok(const char *base)
{
	const unsigned char *p;

	if (base == NULL)
		return 1;
	if (strlen(base) > 1024)
		return 0;
	for (p = (const unsigned char *)base; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"<>\\^`{|}", *p))
			return 0;
	return 1;
}

void
sd_iso8601_time(char *buf, size_t len, double t)
{
	long long ms = (long long)(t * 1000 + 0.5);
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&secs, &tm) == NULL) {
		strlcpy(buf, "1970-01-01T00:00:00.000Z", len);
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms % 1000);
}

/*
 * HLS BANDWIDTH is the peak over segments (RFC 8216 4.3.4.2), so the
 * measured peak wins over a declared one that is lower; AVERAGE-BANDWIDTH
 * is the declared long-run average when the writer knows it (a live window
 * shows only the last minute), else bytes over time of what is listed.
 */
void
sd_track_rates(const struct sd_store *st, size_t track, long long *peak,
    long long *avg)
{
	const struct sd_store_track *t = &st->tracks[track];
	double bytes = 0, secs = 0, d, bw, top = (double)t->bandwidth;
	size_t i;

	for (i = 0; i < st->nsegs; i++) {
		if (st->segs[i].track != track)
			continue;
		d = (double)st->segs[i].d / t->timescale;
		bw = (double)st->segs[i].bytes * 8 / d;
		if (bw > top)
			top = bw;
		bytes += (double)st->segs[i].bytes;
		secs += d;
	}
	*peak = (long long)(top + 0.5);
	if (t->avg_bandwidth > 0)
		*avg = t->avg_bandwidth;
	else
		*avg = secs > 0 ? (long long)(bytes * 8 / secs + 0.5) : 0;
	if (*avg > *peak)
		*avg = *peak;
}

double
sd_manifest_now(int honour_source_date_epoch)
{
	const char *sde, *errstr;
	struct timespec ts;
	long long v;

	if (honour_source_date_epoch &&
	    (sde = getenv("SOURCE_DATE_EPOCH")) != NULL) {
		v = sd_strtonum(sde, 0, 100000000000LL, &errstr);
		if (errstr == NULL)
			return (double)v;
		warnx("SOURCE_DATE_EPOCH=%s: %s; using the clock", sde, errstr);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
write_one(const char *dir, const char *name, const struct sd_buf *b)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		warnx("%s: path too long", dir);
		return -1;
	}
	if (sd_write_atomic(path, b->p, b->len, 0644, 0) == -1) {
		warn("%s", path);
		return -1;
	}
	return 0;
}

static int
has_type(const struct sd_store *st, const char *type, int want)
{
	size_t i;

	for (i = 0; i < st->ntracks; i++)
		if ((strcmp(st->tracks[i].type, type) == 0) == want)
			return 1;
	return 0;
}

enum which { MEDIA, MASTER, MASTER_TS, MPD };

static int
build(enum which w, const struct sd_store *st, size_t track,
    const char *base, double now, struct sd_buf *b)
{
	switch (w) {
	case MEDIA:
		return sd_hls_media(st, st->tracks[track].id, base, b);
	case MASTER:
		return sd_hls_master(st, base, b);
	case MASTER_TS:
		return sd_hls_master_ts(st, base, b);
	default:
		return sd_dash_mpd(st, base, now, b);
	}
}

static int
build_and_write(enum which w, const char *dir, const char *name,
    const struct sd_store *st, size_t track, const char *base, double now)
{
	struct sd_buf b;
	int rv = -1;

	sd_buf_init(&b);
	if (build(w, st, track, base, now, &b) == 0 && !b.failed)
		rv = write_one(dir, name, &b);
	sd_buf_free(&b);
	return rv;
}

/*
 * Media playlists first, masters and the MPD last: a client that reads a
 * new master always finds the playlists it names.
 */
int
sd_manifest_write_all_at(const char *dir, const struct sd_store *st,
    const char *base, double now)
{
	char name[SD_NAME_MAX];
	size_t i;
	int cmaf = has_type(st, "mpegts", 0), ts = has_type(st, "mpegts", 1);

	if (st->nsegs == 0)
		return 0;
	for (i = 0; i < st->ntracks; i++) {
		snprintf(name, sizeof(name), "%s.m3u8", st->tracks[i].id);
		if (build_and_write(MEDIA, dir, name, st, i, base, now) == -1)
			return -1;
	}
	if (build_and_write(MASTER, dir, "master.m3u8", st, 0, base, now) == -1)
		return -1;
	if (ts && build_and_write(MASTER_TS, dir, "master-ts.m3u8", st, 0,
	    base, now) == -1)
		return -1;
	if (cmaf && build_and_write(MPD, dir, "manifest.mpd", st, 0, base,
	    now) == -1)
		return -1;
	return 0;
}

int
sd_manifest_write_all(const char *dir, const struct sd_store *st,
    const char *base)
{
	return sd_manifest_write_all_at(dir, st, base, sd_manifest_now(0));
}
