/*
 * dash.c - the DASH MPD over a segment store (ISO/IEC 23009-1, DASH-IF
 * IOP): isoff-live profile, one AdaptationSet per CMAF track,
 * SegmentTemplate with a SegmentTimeline of the store's own t and d, a
 * static MPD for VOD and a dynamic one for live, a Period per header
 * generation.
 */
#include <ctype.h>
#include <err.h>
#include <string.h>

#include "sd.h"
#include "manifest_common.h"
#include "store.h"

#define PERIODS_MAX 256

/*
 * Only isoff-live is claimed: the CMAF profile (urn:mpeg:dash:profile:
 * cmaf:2019) is a promise about the media (cmfc brand constraints on every
 * box) that this writer, which never reads the media, cannot check.
 */
#define PROFILES "urn:mpeg:dash:profile:isoff-live:2011"

struct period {
	uint64_t seq;		/* first segment number of the period */
	double start;		/* on the store timeline, s */
};

static int
is_cmaf(const struct sd_store_track *t)
{
	return strcmp(t->type, "mpegts") != 0;
}

static double
seg_time(const struct sd_store *st, const struct sd_store_seg *s)
{
	return (double)s->t / st->tracks[s->track].timescale;
}

static double
seg_end(const struct sd_store *st, const struct sd_store_seg *s)
{
	return (double)(s->t + s->d) / st->tracks[s->track].timescale;
}

/* ISO 8601 duration, millisecond precision: PT1H2M3.456S. */
static void
duration(char *buf, size_t len, double secs)
{
	long long ms = (long long)(secs * 1000 + (secs < 0 ? -0.5 : 0.5));
	long long h, m;

	if (ms < 0)
		ms = 0;
	h = ms / 3600000;
	m = ms / 60000 % 60;
	if (h > 0)
		snprintf(buf, len, "PT%lldH%lldM%lld.%03lldS", h, m,
		    ms / 1000 % 60, ms % 1000);
	else if (m > 0)
		snprintf(buf, len, "PT%lldM%lld.%03lldS", m, ms / 1000 % 60,
		    ms % 1000);
	else
		snprintf(buf, len, "PT%lld.%03lldS", ms / 1000, ms % 1000);
}

/* The base URL in an attribute: XML escapes, and $ doubled in templates. */
static void
put_base(struct sd_buf *b, const char *base, int in_template)
{
	for (; base != NULL && *base; base++) {
		if (*base == '&')
			sd_buf_printf(b, "&amp;");
		else if (*base == '\'')
			sd_buf_printf(b, "&apos;");
		else if (*base == '$' && in_template)
			sd_buf_printf(b, "$$");
		else
			sd_buf_append(b, base, 1);
	}
}

/* ---------------------------------------------------------------- periods */

static int
add_period(struct period *p, size_t *n, uint64_t seq, double start)
{
	size_t i, j;

	for (i = 0; i < *n && p[i].seq < seq; i++)
		;
	if (i < *n && p[i].seq == seq)
		return 0;
	if (*n == PERIODS_MAX) {
		warnx("more than %d header changes listed", PERIODS_MAX);
		return -1;
	}
	for (j = *n; j > i; j--)
		p[j] = p[j - 1];
	p[i].seq = seq;
	p[i].start = start;
	(*n)++;
	return 0;
}

/*
 * A Period begins wherever a track's header changes. The store keeps
 * where each generation began (gens[]), so a live Period keeps its id and
 * start after its first segment has left the window; a store without them
 * (written by hand) gets its boundaries from the listed segments.
 */
static int
find_periods(const struct sd_store *st, struct period *p, size_t *n)
{
	const struct sd_store_seg *s, *prev;
	uint64_t first = UINT64_MAX;
	double t0 = 1e300;
	size_t i, j;

	*n = 0;
	for (i = 0; i < st->nsegs; i++) {
		s = &st->segs[i];
		if (!is_cmaf(&st->tracks[s->track]))
			continue;
		if (s->seq < first)
			first = s->seq;
		if (seg_time(st, s) < t0)
			t0 = seg_time(st, s);
	}
	for (j = st->ngens; j-- > 0;)
		if (st->gens[j].seq <= first)
			break;
	if (j != (size_t)-1)
		add_period(p, n, st->gens[j].seq, st->gens[j].start);
	else
		add_period(p, n, first, t0);
	for (j = 0; j < st->ngens; j++)
		if (st->gens[j].seq > first &&
		    add_period(p, n, st->gens[j].seq, st->gens[j].start) == -1)
			return -1;
	for (i = 0; i < st->nsegs; i++) {
		s = &st->segs[i];
		if (!is_cmaf(&st->tracks[s->track]))
			continue;
		for (prev = NULL, j = i; j-- > 0;)
			if (st->segs[j].track == s->track) {
				prev = &st->segs[j];
				break;
			}
		if (prev != NULL && strcmp(prev->init, s->init) != 0 &&
		    add_period(p, n, s->seq, seg_time(st, s)) == -1)
			return -1;
	}
	for (i = 1; i < *n; i++)	/* a hostile gen line cannot reorder */
		if (p[i].start < p[i - 1].start)
			p[i].start = p[i - 1].start;
	return 0;
}

static int
in_period(const struct period *p, size_t n, size_t i, uint64_t seq)
{
	return seq >= p[i].seq && (i + 1 == n || seq < p[i + 1].seq);
}

/* ---------------------------------------------------------------- timeline */

/* A run of equal, back-to-back segments: one S element with r. */
struct run {
	int64_t t, d, next;
	long long r;		/* -1: none yet */
};

static void
run_flush(struct run *ru, struct sd_buf *b)
{
	if (ru->r < 0)
		return;
	sd_buf_printf(b, "            <S t=\"%lld\" d=\"%lld\"", (long long)ru->t,
	    (long long)ru->d);
	if (ru->r > 0)
		sd_buf_printf(b, " r=\"%lld\"", ru->r);
	sd_buf_printf(b, "/>\n");
	ru->r = -1;
}

static void
timeline(const struct sd_store *st, size_t k, const struct period *p,
    size_t np, size_t pi, struct sd_buf *b)
{
	const struct sd_store_seg *s;
	struct run ru = { 0, 0, 0, -1 };
	size_t i;

	sd_buf_printf(b, "          <SegmentTimeline>\n");
	for (i = 0; i < st->nsegs; i++) {
		s = &st->segs[i];
		if (s->track != k || !in_period(p, np, pi, s->seq))
			continue;
		if (ru.r >= 0 && s->t == ru.next && s->d == ru.d) {
			ru.r++;
			ru.next += s->d;
			continue;
		}
		run_flush(&ru, b);
		ru.t = s->t;
		ru.d = s->d;
		ru.next = s->t + s->d;
		ru.r = 0;
	}
	run_flush(&ru, b);
	sd_buf_printf(b, "          </SegmentTimeline>\n");
}

static const struct sd_store_seg *
first_in_period(const struct sd_store *st, size_t k, const struct period *p,
    size_t np, size_t pi)
{
	size_t i;

	for (i = 0; i < st->nsegs; i++)
		if (st->segs[i].track == k &&
		    in_period(p, np, pi, st->segs[i].seq))
			return &st->segs[i];
	return NULL;
}

/* 1 when every segment of the period is named PREFIX<seq>SUFFIX. */
static int
names_fit(const struct sd_store *st, size_t k, const struct period *p,
    size_t np, size_t pi, const char *prefix, const char *suffix)
{
	const struct sd_store_seg *s;
	char want[128];
	size_t i;

	for (i = 0; i < st->nsegs; i++) {
		s = &st->segs[i];
		if (s->track != k || !in_period(p, np, pi, s->seq))
			continue;
		snprintf(want, sizeof(want), "%s%llu%s", prefix,
		    (unsigned long long)s->seq, suffix);
		if (strcmp(want, s->file) != 0)
			return 0;
	}
	return 1;
}

/*
 * $Number$ needs every file name of the period to be PREFIX<seq>SUFFIX;
 * sd-cmafmux names them so. Other stores get an explicit SegmentList.
 * The number may appear more than once in the first name (seq 4 in
 * "v0-4.m4s"), and with one segment in the period every place fits: a
 * whole number just before the extension is tried first, then every other
 * place, so that the template of a sliding window stays the same from one
 * update to the next.
 */
static int
number_template(const struct sd_store *st, size_t k, const struct period *p,
    size_t np, size_t pi, char *prefix, char *suffix, size_t len)
{
	const struct sd_store_seg *s = first_in_period(st, k, p, np, pi);
	char num[24];
	const char *f;
	size_t at, n;
	int pass, whole;

	if (s == NULL)
		return 0;
	f = s->file;
	n = (size_t)snprintf(num, sizeof(num), "%llu",
	    (unsigned long long)s->seq);
	for (pass = 0; pass < 2; pass++) {
		for (at = strlen(f); at-- > 0;) {
			if (strncmp(f + at, num, n) != 0 || at >= len ||
			    strlen(f + at + n) >= len)
				continue;
			whole = f[at + n] == '.' &&
			    (at == 0 || !isdigit((unsigned char)f[at - 1]));
			if (whole != (pass == 0))
				continue;
			memcpy(prefix, f, at);
			prefix[at] = '\0';
			strlcpy(suffix, f + at + n, len);
			if (names_fit(st, k, p, np, pi, prefix, suffix))
				return 1;
		}
	}
	return 0;
}

static void
segment_info(const struct sd_store *st, size_t k, const struct period *p,
    size_t np, size_t pi, const char *base, struct sd_buf *b)
{
	const struct sd_store_track *t = &st->tracks[k];
	const struct sd_store_seg *s = first_in_period(st, k, p, np, pi);
	char prefix[48], suffix[48];
	long long pto = (long long)(p[pi].start * t->timescale + 0.5);
	size_t i;
	int tmpl = number_template(st, k, p, np, pi, prefix, suffix,
	    sizeof(prefix));

	sd_buf_printf(b, "        <Segment%s timescale=\"%u\"",
	    tmpl ? "Template" : "List", (unsigned)t->timescale);
	if (pto > 0)
		sd_buf_printf(b, " presentationTimeOffset=\"%lld\"", pto);
	if (tmpl) {
		sd_buf_printf(b, " initialization=\"");
		put_base(b, base, 1);
		sd_buf_printf(b, "%s\" media=\"", s->init);
		put_base(b, base, 1);
		sd_buf_printf(b, "%s$Number$%s\" startNumber=\"%llu\">\n",
		    prefix, suffix, (unsigned long long)s->seq);
	} else {
		sd_buf_printf(b, ">\n          <Initialization sourceURL=\"");
		put_base(b, base, 0);
		sd_buf_printf(b, "%s\"/>\n", s->init);
	}
	timeline(st, k, p, np, pi, b);
	for (i = 0; !tmpl && i < st->nsegs; i++) {
		if (st->segs[i].track != k ||
		    !in_period(p, np, pi, st->segs[i].seq))
			continue;
		sd_buf_printf(b, "          <SegmentURL media=\"");
		put_base(b, base, 0);
		sd_buf_printf(b, "%s\"/>\n", st->segs[i].file);
	}
	sd_buf_printf(b, "        </Segment%s>\n", tmpl ? "Template" : "List");
}

/* ---------------------------------------------------------------- sets */

/* "29.97" is not a DASH FrameRateType: it becomes 2997/100. */
static void
frame_rate(const char *fr, struct sd_buf *b)
{
	const char *dot = strchr(fr, '.');
	size_t places;

	if (dot == NULL) {
		sd_buf_printf(b, " frameRate=\"%s\"", fr);
		return;
	}
	places = strlen(dot + 1);
	sd_buf_printf(b, " frameRate=\"%.*s%s/1", (int)(dot - fr), fr, dot + 1);
	while (places-- > 0)
		sd_buf_printf(b, "0");
	sd_buf_printf(b, "\"");
}

static int
is_dolby(const struct sd_store_track *t)
{
	return strcmp(t->codec, "ac3") == 0 || strcmp(t->codec, "eac3") == 0 ||
	    strncmp(t->codecs, "ac-3", 4) == 0 ||
	    strncmp(t->codecs, "ec-3", 4) == 0;
}

/*
 * DASH-IF IOP asks Dolby's scheme for AC-3 and E-AC-3: a channel mask in
 * hex (L R = A000, C = 4000, 5.1 = F801). Other layouts, and other codecs,
 * use the MPEG scheme whose value is the channel count.
 */
static void
channel_config(const struct sd_store_track *t, struct sd_buf *b)
{
	const char *mask = NULL;

	if (t->channels <= 0)
		return;
	if (is_dolby(t))
		mask = t->channels == 1 ? "4000" : t->channels == 2 ? "A000" :
		    t->channels == 6 ? "F801" : NULL;
	if (mask != NULL)
		sd_buf_printf(b, "        <AudioChannelConfiguration "
		    "schemeIdUri=\"tag:dolby.com,2014:dash:"
		    "audio_channel_configuration:2011\" value=\"%s\"/>\n", mask);
	else
		sd_buf_printf(b, "        <AudioChannelConfiguration "
		    "schemeIdUri=\"urn:mpeg:dash:23003:3:"
		    "audio_channel_configuration:2011\" value=\"%d\"/>\n",
		    t->channels);
}

static void
adaptation_set(const struct sd_store *st, size_t k, const struct period *p,
    size_t np, size_t pi, int main_role, const char *base, struct sd_buf *b)
{
	const struct sd_store_seg *first = first_in_period(st, k, p, np, pi);
	struct sd_store_track as;
	const struct sd_store_track *t = &as;
	int video;
	long long peak, avg;

	/* This Period's own header: the track record holds the latest. */
	sd_store_track_as(st, k, first != NULL ? first->init : NULL, &as);
	video = strcmp(t->type, "video") == 0;
	sd_track_rates(st, k, &peak, &avg);
	if (peak > 4294967295LL)	/* @bandwidth is an xs:unsignedInt */
		peak = 4294967295LL;
	sd_buf_printf(b, "    <AdaptationSet id=\"%zu\" contentType=\"%s\" "
	    "mimeType=\"%s/mp4\"", k, t->type, t->type);
	if (t->lang[0] && strcmp(t->lang, "und") != 0)
		sd_buf_printf(b, " lang=\"%s\"", t->lang);
	sd_buf_printf(b, " segmentAlignment=\"true\" startWithSAP=\"1\">\n");
	if (main_role)
		sd_buf_printf(b, "      <Role schemeIdUri=\"urn:mpeg:dash:role:"
		    "2011\" value=\"main\"/>\n");
	sd_buf_printf(b, "      <Representation id=\"%s\"", t->id);
	if (t->codecs[0])
		sd_buf_printf(b, " codecs=\"%s\"", t->codecs);
	sd_buf_printf(b, " bandwidth=\"%lld\"", peak);
	if (video && t->width > 0 && t->height > 0)
		sd_buf_printf(b, " width=\"%d\" height=\"%d\"", t->width,
		    t->height);
	if (video && t->frame_rate[0])
		frame_rate(t->frame_rate, b);
	if (!video && t->sample_rate > 0)
		sd_buf_printf(b, " audioSamplingRate=\"%d\"", t->sample_rate);
	sd_buf_printf(b, ">\n");
	if (!video)
		channel_config(t, b);
	segment_info(st, k, p, np, pi, base, b);
	sd_buf_printf(b, "      </Representation>\n    </AdaptationSet>\n");
}

static void
period(const struct sd_store *st, const struct period *p, size_t np,
    size_t pi, double origin, const char *base, struct sd_buf *b)
{
	char start[48];
	size_t k;
	int seen_video = 0, seen_audio = 0, is_video;

	duration(start, sizeof(start), p[pi].start - origin);
	sd_buf_printf(b, "  <Period id=\"p%llu\" start=\"%s\">\n",
	    (unsigned long long)p[pi].seq, start);
	for (k = 0; k < st->ntracks; k++) {
		if (!is_cmaf(&st->tracks[k]) ||
		    first_in_period(st, k, p, np, pi) == NULL)
			continue;
		is_video = strcmp(st->tracks[k].type, "video") == 0;
		adaptation_set(st, k, p, np, pi,
		    is_video ? !seen_video : !seen_audio, base, b);
		seen_video |= is_video;
		seen_audio |= !is_video;
	}
	sd_buf_printf(b, "  </Period>\n");
}

/* ---------------------------------------------------------------- MPD */

struct span {
	double end;		/* latest segment end, s */
	double window;		/* longest listed duration of a track, s */
};

static struct span
store_span(const struct sd_store *st)
{
	struct span sp = { 0, 0 };
	double sum[SD_STORE_MAX_TRACKS] = { 0 };
	size_t i;

	for (i = 0; i < st->nsegs; i++) {
		const struct sd_store_seg *s = &st->segs[i];
		if (!is_cmaf(&st->tracks[s->track]))
			continue;
		if (seg_end(st, s) > sp.end)
			sp.end = seg_end(st, s);
		sum[s->track] += (double)s->d / st->tracks[s->track].timescale;
		if (sum[s->track] > sp.window)
			sp.window = sum[s->track];
	}
	return sp;
}

static void
mpd_static(const struct sd_store *st, const struct span *sp, double origin,
    struct sd_buf *b)
{
	char dur[48], minbuf[48];

	duration(dur, sizeof(dur), sp->end - origin);
	duration(minbuf, sizeof(minbuf), st->target);
	sd_buf_printf(b, " type=\"static\" mediaPresentationDuration=\"%s\" "
	    "minBufferTime=\"%s\">\n", dur, minbuf);
}

/*
 * Live: availabilityStartTime is the wall-clock time of t=0, so it never
 * moves; a segment is available once its end has passed, which is when
 * sd-cmafmux writes it. An ended live store stays dynamic with a
 * mediaPresentationDuration and no minimumUpdatePeriod (DASH-IF IOP 4.6).
 */
static void
mpd_dynamic(const struct sd_store *st, const struct span *sp, double now,
    struct sd_buf *b)
{
	char ast[40], pub[40], d1[48], d2[48], d3[48], d4[48];
	long long tgt = (long long)st->target;

	if ((double)tgt < st->target)
		tgt++;
	if ((double)tgt < st->longest)
		tgt = (long long)st->longest + 1;
	sd_iso8601_time(ast, sizeof(ast), st->start);
	sd_iso8601_time(pub, sizeof(pub), now);
	duration(d1, sizeof(d1), sp->window);
	duration(d2, sizeof(d2), 3 * st->target);
	duration(d3, sizeof(d3), (double)tgt);
	duration(d4, sizeof(d4), st->target);
	sd_buf_printf(b, " type=\"dynamic\" availabilityStartTime=\"%s\" "
	    "publishTime=\"%s\"", ast, pub);
	if (st->ended) {
		duration(d2, sizeof(d2), sp->end);
		sd_buf_printf(b, " mediaPresentationDuration=\"%s\"", d2);
	} else
		sd_buf_printf(b, " minimumUpdatePeriod=\"%s\" "
		    "suggestedPresentationDelay=\"%s\"", d4, d2);
	sd_buf_printf(b, " timeShiftBufferDepth=\"%s\" maxSegmentDuration=\"%s\""
	    " minBufferTime=\"%s\">\n", d1, d3, d4);
}

int
sd_dash_mpd(const struct sd_store *st, const char *base, double now,
    struct sd_buf *b)
{
	struct period p[PERIODS_MAX];
	struct span sp;
	char when[40];
	size_t np, i;
	int dynamic = st->live;

	if (!sd_manifest_base_ok(base)) {
		warnx("base URL: only URL characters, no blanks, quotes, <, >"
		    " or \\");
		return -1;
	}
	sp = store_span(st);
	if (sp.end == 0) {
		warnx("the store has no CMAF segment yet");
		return -1;
	}
	if (dynamic && st->start <= 0) {
		warnx("a live store needs start= (the time of t=0) for a "
		    "dynamic MPD");
		return -1;
	}
	if (find_periods(st, p, &np) == -1)
		return -1;
	sd_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\""
	    PROFILES "\"");
	if (dynamic)
		mpd_dynamic(st, &sp, now, b);
	else
		mpd_static(st, &sp, p[0].start, b);
	for (i = 0; i < np; i++)
		period(st, p, np, i, dynamic ? 0 : p[0].start, base, b);
	if (dynamic) {
		sd_iso8601_time(when, sizeof(when), now);
		sd_buf_printf(b, "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:"
		    "direct:2014\" value=\"%s\"/>\n", when);
	}
	sd_buf_printf(b, "</MPD>\n");
	return b->failed ? -1 : 0;
}
