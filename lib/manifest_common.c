/*
 * manifest_common.c - what the HLS and DASH writers (hls.c, dash.c) share:
 * the base URL check, times, measured rates. It calls neither writer;
 * manifest.c, which writes every manifest of a store, calls both.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd.h"
#include "manifest_common.h"
#include "store.h"
#include "util_int.h"

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
	long long v;

	if (honour_source_date_epoch &&
	    (sde = getenv("SOURCE_DATE_EPOCH")) != NULL) {
		v = sd_strtonum(sde, 0, 100000000000LL, &errstr);
		if (errstr == NULL)
			return (double)v;
		warnx("SOURCE_DATE_EPOCH=%s: %s; using the clock", sde, errstr);
	}
	return (double)sd_real_ms() / 1000;
}
