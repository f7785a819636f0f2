/*
 * hls_live.c - a live HLS media playlist as the upstream session's
 * segment reader (upstream_hls.c) follows it (RFC 8216 6.3): segments
 * numbered from EXT-X-MEDIA-SEQUENCE, the discontinuities before them,
 * the target duration that paces the reloads, the end. Whatever only
 * ffmpeg's ingest reads (keys, fMP4, byte ranges, audio renditions) is
 * told in `unfit`; the tags that say it are read by classify.c's
 * sd_hls_parse, the one place that knows them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "util_int.h"
#include "ingest.h"
#include "classify.h"
#include "hls_live.h"

void
sd_hls_live_free(struct sd_hls_live *l)
{
	free(l->seg);
	free(l->text);
	memset(l, 0, sizeof(*l));
}

static int
seg_add(struct sd_hls_live *l, size_t *cap, const char *uri, double dur,
    int disc, const char *map)
{
	struct sd_hls_seg *p;
	size_t ncap;

	if (l->n >= SD_HLS_LIVE_ENTRIES) {
		errno = E2BIG;
		return -1;
	}
	if (l->n == *cap) {
		ncap = *cap ? *cap * 2 : 16;
		if (ncap > SD_HLS_LIVE_ENTRIES)
			ncap = SD_HLS_LIVE_ENTRIES;
		if ((p = reallocarray(l->seg, ncap, sizeof(*p))) == NULL)
			return -1;
		l->seg = p;
		*cap = ncap;
	}
	l->seg[l->n++] = (struct sd_hls_seg){ .duration = dur,
	    .discontinuity = disc, .uri = uri, .map = map };
	return 0;
}

/* A tag's number after its colon, within [0, max]; -1 when not one. */
static long long
tag_num(const char *line, size_t taglen, long long max)
{
	const char *es;
	long long v = sd_strtonum(line + taglen, 0, max, &es);

	return es == NULL ? v : -1;
}

/*
 * EXT-X-MAP's URI (a quoted string), cut out of the line in place; NULL
 * when it has none. A BYTERANGE of it is one more thing only ffmpeg
 * reads.
 */
static const char *
map_uri(struct sd_hls_live *l, char *line)
{
	char *attrs = line + strlen("#EXT-X-MAP:"), *u;
	size_t n;

	if (sd_hls_attr_at(attrs, "BYTERANGE", &n) != NULL)
		l->unfit |= SD_HLS_UNFIT_RANGE;
	u = (char *)sd_hls_attr_at(attrs, "URI", &n);
	if (u == NULL || n == 0 || u[-1] != '"' || u[n] != '"')
		return NULL;
	u[n] = '\0';
	return u;
}

/* One line of the copy (NUL-terminated, trimmed); *dur, *disc and *map
 * carry what the tags before a URI said about it. */
static int
live_line(struct sd_hls_live *l, char *line, size_t *cap, double *dur,
    int *disc, const char **map)
{
	long long v;

	if (line[0] != '#') {
		if (seg_add(l, cap, line, *dur, *disc, *map) == -1)
			return -1;
		*dur = 0;
		*disc = 0;
	} else if (strncmp(line, "#EXTINF:", 8) == 0) {
		*dur = strtod(line + 8, NULL);
		if (!(*dur > 0 && *dur < 86400))
			*dur = 0;
	} else if (strcmp(line, "#EXT-X-DISCONTINUITY") == 0)
		*disc = 1;
	else if (strncmp(line, "#EXT-X-TARGETDURATION:", 22) == 0)
		l->target = (v = tag_num(line, 22, 86400)) > 0 ? (double)v : 0;
	else if (strncmp(line, "#EXT-X-MEDIA-SEQUENCE:", 22) == 0 && l->n == 0)
		l->first_seq = (v = tag_num(line, 22, LLONG_MAX / 2)) > 0 ?
		    v : 0;
	else if (strcmp(line, "#EXT-X-ENDLIST") == 0)
		l->endlist = 1;
	else if (strncmp(line, "#EXT-X-MAP:", 11) == 0)
		*map = map_uri(l, line);
	else if (strncmp(line, "#EXT-X-BYTERANGE:", 17) == 0)
		l->unfit |= SD_HLS_UNFIT_RANGE;
	else if (strncmp(line, "#EXT-X-STREAM-INF:", 18) == 0)
		l->master = 1;
	return 0;
}

/* Keys and segment kind, as classify.c reads them. */
static int
live_tags(struct sd_hls_live *l, const char *buf, size_t len)
{
	struct sd_hls *h = malloc(sizeof(*h));

	if (h == NULL)
		return -1;
	if (sd_hls_parse(buf, len, h) == -1) {
		free(h);
		errno = EINVAL;
		return -1;
	}
	if (h->encrypted)
		l->unfit |= SD_HLS_UNFIT_KEY;
	if (h->segs == SD_SEGS_FMP4)
		l->unfit |= SD_HLS_UNFIT_FMP4;
	free(h);
	return 0;
}

int
sd_hls_live_parse(struct sd_hls_live *l, const char *buf, size_t len)
{
	size_t cap = 0, i;
	char *p, *nl, *line;
	double dur = 0;
	int disc = 0;
	const char *map = NULL;

	memset(l, 0, sizeof(*l));
	if (len > SD_HLS_LIVE_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (live_tags(l, buf, len) == -1 ||
	    (l->text = malloc(len + 1)) == NULL)
		return -1;
	memcpy(l->text, buf, len);
	l->text[len] = '\0';
	for (p = l->text; p < l->text + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(l->text + len - p))) ==
		    NULL)
			nl = l->text + len;
		*nl = '\0';
		if (strlen(p) != (size_t)(nl - p))
			continue;	/* a NUL inside: not a line of text */
		line = sd_trim(p);
		if (*line != '\0' && live_line(l, line, &cap, &dur, &disc,
		    &map) == -1)
			return -1;
	}
	if (l->master) {
		l->n = 0;	/* a master's URIs are playlists */
		return 0;
	}
	for (i = 0; i < l->n; i++)
		l->seg[i].seq = l->first_seq + (long long)i;
	return 0;
}

long
sd_hls_live_next(const struct sd_hls_live *l, long long last, int *jump)
{
	long long first, newest;

	*jump = 0;
	if (l->n == 0)
		return -1;
	first = l->seg[0].seq;
	newest = l->seg[l->n - 1].seq;
	if (last < 0)	/* the two newest: a whole GOP to cut at once */
		return l->n >= 2 ? (long)l->n - 2 : 0;
	if (newest == last)
		return -1;
	*jump = 1;
	if (newest < last)
		return (long)l->n - 1;	/* restarted lower: its newest */
	if (first > last + 1)
		return 0;		/* we fell behind: the oldest left */
	*jump = l->seg[last + 1 - first].discontinuity;
	return (long)(last + 1 - first);
}

int
sd_hls_live_variant(const struct sd_hls *m, int hint)
{
	struct sd_rec r;
	char why[256], res[32];
	size_t i;
	int v;

	if (hint >= 0 && (size_t)hint < m->nvariants &&
	    m->variants[hint].uri[0] != '\0')
		return hint;
	/* No choice made by the session's starter: ingest.c's own, as
	 * over sd-classify's variant= lines, with no profile. */
	sd_rec_init(&r);
	for (i = 0; i < m->nvariants; i++) {
		const struct sd_hls_variant *x = &m->variants[i];

		if (x->width > 0 && x->height > 0)
			snprintf(res, sizeof(res), "%dx%d", x->width,
			    x->height);
		else
			strlcpy(res, "-", sizeof(res));
		sd_rec_addm(&r, "variant", "%lld %s -", x->uri[0] ? x->bandwidth
		    : -1, res);
	}
	v = sd_ingest_variant(&r, NULL, why, sizeof(why));
	sd_rec_free(&r);
	return v >= 0 && (size_t)v < m->nvariants &&
	    m->variants[v].uri[0] != '\0' ? v : -1;
}

int
sd_hls_live_variant_unfit(const struct sd_hls *m, int v)
{
	size_t i;

	if (v < 0 || (size_t)v >= m->nvariants || m->variants[v].audio[0] ==
	    '\0')
		return 0;
	for (i = 0; i < m->nmedia; i++)
		if (strcmp(m->media[i].type, "AUDIO") == 0 &&
		    strcmp(m->media[i].group, m->variants[v].audio) == 0 &&
		    m->media[i].uri[0] != '\0')
			return SD_HLS_UNFIT_AUDIO;
	return 0;
}

const char *
sd_hls_live_unfit_text(int unfit, char *buf, size_t len)
{
	static const struct {
		int bit;
		const char *text;
	} words[] = {
		{ SD_HLS_UNFIT_KEY, "encrypted segments (EXT-X-KEY)" },
		{ SD_HLS_UNFIT_FMP4, "fMP4 segments (EXT-X-MAP)" },
		{ SD_HLS_UNFIT_RANGE, "byte ranges (EXT-X-BYTERANGE)" },
		{ SD_HLS_UNFIT_AUDIO, "audio in a rendition's playlist" },
	};
	size_t i;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < SD_ARRAY_LEN(words); i++)
		if (unfit & words[i].bit) {
			if (buf[0] != '\0')
				strlcat(buf, ", ", len);
			strlcat(buf, words[i].text, len);
		}
	return buf;
}
