/*
 * classify.c - what a byte buffer is: the sniffers and the HLS and DASH
 * readers behind sd-classify(1). Pure: no I/O, no libav*. Everything they
 * read came from a server we do not control, so every read is bounded by
 * the buffer, every copy by its destination, every list by its cap.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sd.h"
#include "classify.h"
#include "util_int.h"

#define LINE_MAX_HLS 8192	/* longer playlist lines are ignored */

/* Skip a UTF-8 byte order mark and blanks. */
static size_t
skip_bom_space(const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return i;
}

/* ---------------------------------------------------------------- sniffing */

static int
looks_hls(const unsigned char *p, size_t len)
{
	size_t i = skip_bom_space(p, len);

	return len - i >= 7 && memcmp(p + i, "#EXTM3U", 7) == 0;
}

/*
 * The root element is MPD (any namespace prefix): skip the XML declaration,
 * processing instructions, comments and a doctype. Only the first 64 KiB
 * are looked at.
 */
static int
looks_mpd(const unsigned char *p, size_t len)
{
	size_t i = skip_bom_space(p, len), j, k;

	if (len > 65536)
		len = 65536;
	while (i < len) {
		if (p[i] != '<')
			return 0;
		if (i + 4 <= len && memcmp(p + i, "<!--", 4) == 0) {
			for (j = i + 4; j + 3 <= len &&
			    memcmp(p + j, "-->", 3) != 0; j++)
				;
			i = j + 3;
		} else if (i + 1 < len && (p[i + 1] == '?' || p[i + 1] == '!')) {
			for (j = i; j < len && p[j] != '>'; j++)
				;
			i = j + 1;
		} else {
			for (j = i + 1; j < len && (isalnum(p[j]) ||
			    p[j] == ':' || p[j] == '_' || p[j] == '-' ||
			    p[j] == '.'); j++)
				;
			for (k = j; k > i + 1 && p[k - 1] != ':'; k--)
				;
			return j - k == 3 && memcmp(p + k, "MPD", 3) == 0;
		}
		if (i < len)
			i += skip_bom_space(p + i, len - i);
	}
	return 0;
}

/*
 * MPEG-TS: a sync byte at the same offset in at least 3 (up to 8)
 * consecutive packets of 188 bytes (plain), 192 (M2TS: a 4-byte timestamp
 * first) or 204 (Reed-Solomon parity after). The stream may start
 * mid-packet, so every offset within the first packet is tried.
 */
static int
ts_find(const unsigned char *p, size_t len, size_t *stride, size_t *first)
{
	static const size_t strides[] = { 188, 192, 204 };
	size_t s, off, k, need;

	for (s = 0; s < SD_ARRAY_LEN(strides); s++) {
		size_t st = strides[s];

		if (len < 3 * st)
			continue;
		need = len / st - 1;
		if (need > 8)
			need = 8;
		for (off = 0; off < st; off++) {
			for (k = 0; k < need && off + k * st < len &&
			    p[off + k * st] == 0x47; k++)
				;
			if (k == need) {
				*stride = st;
				*first = off;
				return 1;
			}
		}
	}
	return 0;
}

static int
looks_ts(const unsigned char *p, size_t len)
{
	size_t st, off;

	return ts_find(p, len, &st, &off);
}

/*
 * Scrambled MPEG-TS (conditional access): transport_scrambling_control,
 * the top two bits of the fourth header byte, is non-zero in most packets
 * that carry a payload. PSI tables stay clear, so "most" means more than
 * half of the packets with a payload, counted while the sync holds.
 */
int
sd_ts_scrambled(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t st, off, i, payload = 0, scrambled = 0;

	if (p == NULL || !ts_find(p, len, &st, &off))
		return 0;
	for (i = off; i + 4 <= len && p[i] == 0x47; i += st) {
		if ((p[i + 3] & 0x10) == 0)
			continue;	/* adaptation field only */
		payload++;
		if (p[i + 3] & 0xc0)
			scrambled++;
	}
	return payload >= 8 && scrambled * 2 > payload;
}

enum sd_format
sd_sniff_format(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (p == NULL || len == 0)
		return SD_FMT_OTHER;
	if (looks_hls(p, len))
		return SD_FMT_HLS;
	if (looks_mpd(p, len))
		return SD_FMT_DASH;
	if (looks_ts(p, len))
		return SD_FMT_MPEGTS;
	return SD_FMT_OTHER;
}

const char *
sd_format_name(enum sd_format f)
{
	switch (f) {
	case SD_FMT_HLS:
		return "hls";
	case SD_FMT_DASH:
		return "dash";
	case SD_FMT_MPEGTS:
		return "mpegts";
	default:
		return "other";
	}
}

/* ---------------------------------------------------------------- HLS */

/* Copy at most n bytes of src into dst (size dsz), always terminated. */
static void
copy_n(char *dst, size_t dsz, const char *src, size_t n)
{
	if (dsz == 0)
		return;
	if (n >= dsz)
		n = dsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * The value of attribute NAME in an HLS attribute list (RFC 8216 4.2):
 * NAME=value pairs separated by commas, quoted strings may hold commas.
 * Quotes are removed. sd_hls_attr_at: where it starts in list, and its
 * length; hls_attr: copied out, 1 when found.
 */
const char *
sd_hls_attr_at(const char *list, const char *name, size_t *n)
{
	const char *p = list, *v, *val, *end;
	size_t nlen = strlen(name);
	int quoted;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if ((v = strchr(p, '=')) == NULL)
			return NULL;
		quoted = v[1] == '"';
		val = v + 1 + quoted;
		if ((end = strchr(val, quoted ? '"' : ',')) == NULL)
			end = val + strlen(val);
		if ((size_t)(v - p) == nlen && strncmp(p, name, nlen) == 0) {
			*n = (size_t)(end - val);
			return val;
		}
		p = quoted && *end ? end + 1 : end;
	}
	return NULL;
}

static int
hls_attr(const char *list, const char *name, char *out, size_t len)
{
	const char *v;
	size_t n;

	if ((v = sd_hls_attr_at(list, name, &n)) == NULL)
		return 0;
	copy_n(out, len, v, n);
	return 1;
}

/* CODECS="avc1.4d401f, mp4a.40.2" is common: blanks mean nothing there,
 * and the record's space-separated lists need them gone. */
static void
squeeze_blanks(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t')
			*d++ = *s;
	*d = '\0';
}

static long long
attr_num(const char *list, const char *name)
{
	char v[32];
	const char *es;
	long long n;

	if (!hls_attr(list, name, v, sizeof(v)))
		return 0;
	n = sd_strtonum(v, 0, 1000000000000LL, &es);
	return es == NULL ? n : 0;
}

static void
parse_resolution(const char *s, int *w, int *h)
{
	char *x;
	long a, b;

	a = strtol(s, &x, 10);
	if (*x != 'x' && *x != 'X')
		return;
	b = strtol(x + 1, NULL, 10);
	if (a > 0 && a <= 65535 && b > 0 && b <= 65535) {
		*w = (int)a;
		*h = (int)b;
	}
}

static void
hls_stream_inf(struct sd_hls *h, const char *attrs)
{
	struct sd_hls_variant *v;
	char res[32];

	h->master = 1;
	h->nvariants_seen++;
	if (h->nvariants >= SD_HLS_MAX_VARIANTS)
		return;
	v = &h->variants[h->nvariants++];
	memset(v, 0, sizeof(*v));
	v->bandwidth = attr_num(attrs, "BANDWIDTH");
	v->avg_bandwidth = attr_num(attrs, "AVERAGE-BANDWIDTH");
	if (hls_attr(attrs, "RESOLUTION", res, sizeof(res)))
		parse_resolution(res, &v->width, &v->height);
	hls_attr(attrs, "FRAME-RATE", v->frame_rate, sizeof(v->frame_rate));
	hls_attr(attrs, "CODECS", v->codecs, sizeof(v->codecs));
	squeeze_blanks(v->codecs);
	hls_attr(attrs, "AUDIO", v->audio, sizeof(v->audio));
}

static void
hls_media(struct sd_hls *h, const char *attrs)
{
	struct sd_hls_media *m;
	char def[8] = "";

	h->master = 1;
	if (h->nmedia >= SD_HLS_MAX_MEDIA)
		return;
	m = &h->media[h->nmedia++];
	memset(m, 0, sizeof(*m));
	hls_attr(attrs, "TYPE", m->type, sizeof(m->type));
	hls_attr(attrs, "GROUP-ID", m->group, sizeof(m->group));
	hls_attr(attrs, "LANGUAGE", m->lang, sizeof(m->lang));
	hls_attr(attrs, "NAME", m->name, sizeof(m->name));
	hls_attr(attrs, "URI", m->uri, sizeof(m->uri));
	hls_attr(attrs, "DEFAULT", def, sizeof(def));
	m->is_default = strcmp(def, "YES") == 0;
}

static void
hls_key(struct sd_hls *h, const char *attrs)
{
	char method[32] = "";

	hls_attr(attrs, "METHOD", method, sizeof(method));
	if (method[0] != '\0' && strcmp(method, "NONE") != 0) {
		h->encrypted = 1;
		strlcpy(h->key_method, method, sizeof(h->key_method));
	}
}

/* Segment container from a URI's extension, ignoring a query. */
static enum sd_hls_segs
segs_from_uri(const char *uri)
{
	size_t n = strcspn(uri, "?#");
	const char *dot = NULL, *p;
	static const char *fmp4[] = { "mp4", "m4s", "m4v", "m4a", "cmfv",
	    "cmfa", "cmft", "mp4a" };
	size_t i, elen;

	for (p = uri; p < uri + n; p++)
		if (*p == '.')
			dot = p + 1;
		else if (*p == '/')
			dot = NULL;
	if (dot == NULL)
		return SD_SEGS_UNKNOWN;
	elen = (size_t)(uri + n - dot);
	if (elen == 2 && strncasecmp(dot, "ts", 2) == 0)
		return SD_SEGS_TS;
	for (i = 0; i < SD_ARRAY_LEN(fmp4); i++)
		if (elen == strlen(fmp4[i]) &&
		    strncasecmp(dot, fmp4[i], elen) == 0)
			return SD_SEGS_FMP4;
	return SD_SEGS_UNKNOWN;
}

/* One tag line (starting with #EXT). *want_uri: the next URI line is a
 * variant's (1) or a segment's (2). */
static void
hls_tag(struct sd_hls *h, const char *line, int *want_uri)
{
	const char *es, *a;
	char tmp[64];

	if ((a = strchr(line, ':')) != NULL)
		a++;
	else
		a = "";
	if (strncmp(line, "#EXT-X-STREAM-INF:", 18) == 0) {
		hls_stream_inf(h, a);
		*want_uri = 1;
	} else if (strncmp(line, "#EXT-X-MEDIA:", 13) == 0)
		hls_media(h, a);
	else if (strncmp(line, "#EXTINF:", 8) == 0) {
		double d = strtod(a, NULL);

		if (d > 0 && d < 1e6)
			h->duration += d;
		/* IPTV channel lists: EXTINF:-1 tvg-id="..." group-title= */
		if (d <= 0 || strstr(a, "tvg-") != NULL ||
		    strstr(a, "group-title=") != NULL)
			h->nchannels++;
		*want_uri = 2;
	} else if (strncmp(line, "#EXT-X-KEY:", 11) == 0 ||
	    strncmp(line, "#EXT-X-SESSION-KEY:", 19) == 0)
		hls_key(h, a);
	else if (strncmp(line, "#EXT-X-MAP:", 11) == 0) {
		hls_attr(a, "URI", h->map_uri, sizeof(h->map_uri));
		h->segs = SD_SEGS_FMP4;
	} else if (strncmp(line, "#EXT-X-TARGETDURATION:", 22) == 0) {
		long long t = sd_strtonum(a, 0, 86400, &es);

		h->target_duration = es == NULL ? (double)t : 0;
		h->has_target = 1;
	} else if (strncmp(line, "#EXT-X-VERSION:", 15) == 0) {
		long long v = sd_strtonum(a, 1, 99, &es);
		h->version = es == NULL ? (int)v : 0;
	} else if (strncmp(line, "#EXT-X-MEDIA-SEQUENCE:", 22) == 0) {
		long long v = sd_strtonum(a, 0, LLONG_MAX, &es);
		h->media_sequence = es == NULL ? v : 0;
	} else if (strcmp(line, "#EXT-X-ENDLIST") == 0)
		h->endlist = 1;
	else if (strncmp(line, "#EXT-X-PLAYLIST-TYPE:", 21) == 0) {
		strlcpy(tmp, a, sizeof(tmp));
		strlcpy(h->playlist_type, sd_trim(tmp),
		    sizeof(h->playlist_type));
	}
}

static void
hls_uri(struct sd_hls *h, const char *line, int want_uri)
{
	if (want_uri == 1 && h->nvariants > 0 &&
	    h->nvariants == h->nvariants_seen)
		strlcpy(h->variants[h->nvariants - 1].uri, line,
		    sizeof(h->variants[0].uri));
	else if (want_uri == 2) {
		if (h->nsegments++ == 0) {
			strlcpy(h->first_uri, line, sizeof(h->first_uri));
			if (h->segs == SD_SEGS_UNKNOWN)
				h->segs = segs_from_uri(line);
		}
	}
}

int
sd_hls_parse(const char *buf, size_t len, struct sd_hls *h)
{
	char line[LINE_MAX_HLS];
	size_t i, n;
	int want_uri = 0;

	memset(h, 0, sizeof(*h));
	if (buf == NULL || !looks_hls((const unsigned char *)buf, len))
		return -1;
	for (i = 0; i < len; i += n + 1) {
		const char *nl = memchr(buf + i, '\n', len - i);

		n = nl ? (size_t)(nl - (buf + i)) : len - i;
		if (n >= sizeof(line))
			continue;	/* too long to be a tag we read */
		memcpy(line, buf + i, n);
		line[n] = '\0';
		if (memchr(line, '\0', n) != NULL)
			continue;	/* NUL inside: not text */
		sd_trim(line);
		if (line[0] == '\0')
			continue;
		if (line[0] == '#') {
			if (strncmp(line, "#EXT", 4) == 0)
				hls_tag(h, line, &want_uri);
			continue;
		}
		hls_uri(h, line, want_uri);
		want_uri = 0;
	}
	/* A media playlist without MAP or segment names we know: TS, which
	 * is what HLS segments are unless something says otherwise. */
	if (!h->master && h->nsegments > 0 && h->segs == SD_SEGS_UNKNOWN)
		h->segs = SD_SEGS_TS;
	return 0;
}

int
sd_hls_is_channel_list(const struct sd_hls *h)
{
	return !h->master && !h->has_target && h->nchannels > 0;
}

int
sd_hls_best_variant(const struct sd_hls *h)
{
	size_t i;
	int best = -1;

	for (i = 0; i < h->nvariants; i++) {
		const struct sd_hls_variant *v = &h->variants[i], *b;

		if (v->uri[0] == '\0')
			continue;
		if (best == -1) {
			best = (int)i;
			continue;
		}
		b = &h->variants[best];
		if (v->bandwidth > b->bandwidth ||
		    (v->bandwidth == b->bandwidth &&
		    (long long)v->width * v->height >
		    (long long)b->width * b->height))
			best = (int)i;
	}
	return best;
}

/* ---------------------------------------------------------------- DASH */

/*
 * The next tag at or after *pos. Comments, processing instructions and
 * CDATA are skipped; quoted attribute values may hold '>'. Returns 0, or
 * -1 at the end of the buffer.
 */
int
sd_xml_next(const char *p, size_t len, size_t *pos, struct sd_xml_tag *t)
{
	size_t i = *pos, j, k;
	char q = 0;

	for (;;) {
		while (i < len && p[i] != '<')
			i++;
		if (i >= len)
			return -1;
		if (len - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			const char *e = NULL;
			for (j = i + 4; j + 3 <= len; j++)
				if (memcmp(p + j, "-->", 3) == 0) {
					e = p + j;
					break;
				}
			if (e == NULL)
				return -1;
			i = j + 3;
			continue;
		}
		if (i + 1 < len && (p[i + 1] == '?' || p[i + 1] == '!')) {
			i++;
			continue;
		}
		break;
	}
	i++;
	t->closing = i < len && p[i] == '/';
	if (t->closing)
		i++;
	for (j = i; j < len && !isspace((unsigned char)p[j]) && p[j] != '>' &&
	    p[j] != '/'; j++)
		;
	for (k = j; k > i && p[k - 1] != ':'; k--)
		;
	copy_n(t->name, sizeof(t->name), p + k, j - k);
	t->attrs = p + j;
	for (; j < len; j++) {
		if (q != 0) {
			if (p[j] == q)
				q = 0;
		} else if (p[j] == '"' || p[j] == '\'')
			q = p[j];
		else if (p[j] == '>')
			break;
	}
	if (j >= len)
		return -1;
	t->alen = (size_t)(p + j - t->attrs);
	*pos = j + 1;
	return 0;
}

/* The value of attribute name in a tag (entities are left as they are:
 * dash_live.c decodes those of the URLs it reads). Returns 1 when
 * found. */
int
sd_xml_attr(const struct sd_xml_tag *t, const char *name, char *out, size_t len)
{
	const char *p = t->attrs, *end = t->attrs + t->alen, *v;
	size_t nlen = strlen(name);
	char q;

	while (p < end) {
		while (p < end && (isspace((unsigned char)*p) || *p == '/'))
			p++;
		v = p;
		while (v < end && *v != '=' && !isspace((unsigned char)*v))
			v++;
		if (v >= end || *v != '=' || v + 1 >= end)
			return 0;
		q = v[1];
		if (q != '"' && q != '\'')
			return 0;
		{
			const char *s = v + 2, *e = memchr(s, q,
			    (size_t)(end - s));

			if (e == NULL)
				return 0;
			if ((size_t)(v - p) == nlen &&
			    memcmp(p, name, nlen) == 0) {
				copy_n(out, len, s, (size_t)(e - s));
				return 1;
			}
			p = e + 1;
		}
	}
	return 0;
}

long long
sd_xml_num(const struct sd_xml_tag *t, const char *name, long long max,
    long long def)
{
	char v[32];
	const char *es;
	long long n;

	if (!sd_xml_attr(t, name, v, sizeof(v)))
		return def;
	n = sd_strtonum(v, 0, max, &es);
	return es == NULL ? n : def;
}

double
sd_iso8601_duration(const char *s)
{
	double total = 0, v;
	int in_time = 0, any = 0;
	char *end;

	if (s == NULL || *s != 'P')
		return -1;
	for (s++; *s != '\0'; s = end + 1) {
		if (*s == 'T') {
			in_time = 1;
			end = (char *)s;
			continue;
		}
		v = strtod(s, &end);
		if (end == s || v < 0 || v > 1e9)
			return -1;
		switch (*end) {
		case 'Y': total += v * 365 * 86400; break;
		case 'M': total += in_time ? v * 60 : v * 30 * 86400; break;
		case 'W': total += v * 7 * 86400; break;
		case 'D': total += v * 86400; break;
		case 'H': total += v * 3600; break;
		case 'S': total += v; break;
		default: return -1;
		}
		any = 1;
	}
	return any ? total : -1;
}

/* What an AdaptationSet says that its Representations inherit. */
struct dash_inherit {
	char content_type[16], mime[64], codecs[128], lang[16];
	char frame_rate[16];
	int width, height, sample_rate;
};

static void
dash_common(const struct sd_xml_tag *t, struct dash_inherit *in)
{
	char v[16];

	sd_xml_attr(t, "contentType", in->content_type, sizeof(in->content_type));
	sd_xml_attr(t, "mimeType", in->mime, sizeof(in->mime));
	if (sd_xml_attr(t, "codecs", in->codecs, sizeof(in->codecs)))
		squeeze_blanks(in->codecs);
	sd_xml_attr(t, "lang", in->lang, sizeof(in->lang));
	sd_xml_attr(t, "frameRate", in->frame_rate, sizeof(in->frame_rate));
	if (sd_xml_attr(t, "width", v, sizeof(v)))
		in->width = (int)sd_xml_num(t, "width", 65535, 0);
	if (sd_xml_attr(t, "height", v, sizeof(v)))
		in->height = (int)sd_xml_num(t, "height", 65535, 0);
	if (sd_xml_attr(t, "audioSamplingRate", v, sizeof(v)))
		in->sample_rate = (int)sd_xml_num(t, "audioSamplingRate",
		    1000000, 0);
}

static void
dash_rep(struct sd_dash *d, const struct sd_xml_tag *t,
    const struct dash_inherit *set)
{
	struct dash_inherit in = *set;
	struct sd_dash_rep *r;

	d->nreps_seen++;
	if (d->nreps >= SD_DASH_MAX_REPS)
		return;
	r = &d->reps[d->nreps++];
	memset(r, 0, sizeof(*r));
	dash_common(t, &in);
	sd_xml_attr(t, "id", r->id, sizeof(r->id));
	r->bandwidth = sd_xml_num(t, "bandwidth", 1000000000000LL, 0);
	strlcpy(r->mime, in.mime, sizeof(r->mime));
	strlcpy(r->codecs, in.codecs, sizeof(r->codecs));
	strlcpy(r->lang, in.lang, sizeof(r->lang));
	strlcpy(r->frame_rate, in.frame_rate, sizeof(r->frame_rate));
	r->width = in.width;
	r->height = in.height;
	r->sample_rate = in.sample_rate;
	if (in.content_type[0] != '\0')
		strlcpy(r->content_type, in.content_type,
		    sizeof(r->content_type));
	else	/* video/mp4 -> video */
		copy_n(r->content_type, sizeof(r->content_type), in.mime,
		    strcspn(in.mime, "/"));
}

static void
dash_mpd_root(struct sd_dash *d, const struct sd_xml_tag *t)
{
	char v[64];

	if (sd_xml_attr(t, "type", v, sizeof(v)))
		d->dynamic = strcmp(v, "dynamic") == 0;
	sd_xml_attr(t, "profiles", d->profiles, sizeof(d->profiles));
	if (sd_xml_attr(t, "minBufferTime", v, sizeof(v)))
		d->min_buffer_time = sd_iso8601_duration(v);
	if (sd_xml_attr(t, "mediaPresentationDuration", v, sizeof(v)))
		d->duration = sd_iso8601_duration(v);
}

int
sd_dash_parse(const char *buf, size_t len, struct sd_dash *d)
{
	struct sd_xml_tag t;
	struct dash_inherit set;
	size_t pos = 0;
	int root = 0;

	memset(d, 0, sizeof(*d));
	memset(&set, 0, sizeof(set));
	if (buf == NULL || !looks_mpd((const unsigned char *)buf, len))
		return -1;
	while (sd_xml_next(buf, len, &pos, &t) == 0) {
		if (t.closing) {
			if (strcmp(t.name, "AdaptationSet") == 0)
				memset(&set, 0, sizeof(set));
			continue;
		}
		if (!root) {
			if (strcmp(t.name, "MPD") != 0)
				return -1;
			root = 1;
			dash_mpd_root(d, &t);
		} else if (strcmp(t.name, "Period") == 0)
			d->nperiods++;
		else if (strcmp(t.name, "AdaptationSet") == 0) {
			memset(&set, 0, sizeof(set));
			dash_common(&t, &set);
		} else if (strcmp(t.name, "Representation") == 0)
			dash_rep(d, &t, &set);
		else if (strcmp(t.name, "ContentProtection") == 0)
			d->encrypted = 1;
	}
	return root ? 0 : -1;
}

/* ---------------------------------------------------------------- CODECS */

/*
 * An entry matches a prefix when it is the prefix or continues it with a
 * dot: mp4a.40 takes mp4a.40.2 and mp4a.40.5, not mp4a.400.
 */
const char *
sd_codec_from_rfc6381(const char *e)
{
	static const struct { const char *prefix, *name; } t[] = {
		{ "avc1", "h264" }, { "avc3", "h264" }, { "hvc1", "hevc" },
		{ "hev1", "hevc" }, { "vp09", "vp9" }, { "vp8", "vp8" },
		{ "vp9", "vp9" }, { "av01", "av1" }, { "mp4a.40.34", "mp3" },
		{ "mp4a.40.33", "mp2" }, { "mp4a.40.32", "mp1" },
		{ "mp4a.40", "aac" }, { "mp4a.69", "mp3" },
		{ "mp4a.6B", "mp3" }, { "mp4a.6b", "mp3" },
		{ "mp4a.66", "aac" }, { "mp4a.67", "aac" },
		{ "mp4a.68", "aac" }, { "mp4v.60", "mpeg2video" },
		{ "mp4v.61", "mpeg2video" }, { "mp4v.62", "mpeg2video" },
		{ "mp4v.63", "mpeg2video" }, { "mp4v.64", "mpeg2video" },
		{ "mp4v.65", "mpeg2video" }, { "mp4v.20", "mpeg4" },
		{ "ac-3", "ac3" }, { "ec-3", "eac3" }, { "opus", "opus" },
		{ "Opus", "opus" }, { "fLaC", "flac" }, { "flac", "flac" },
		{ "wvtt", "webvtt" }, { "stpp", "ttml" },
	};
	size_t i, n, elen;

	if (e == NULL)
		return NULL;
	while (*e == ' ')
		e++;
	elen = strcspn(e, ", ");
	for (i = 0; i < SD_ARRAY_LEN(t); i++) {
		n = strlen(t[i].prefix);
		if (elen >= n && strncmp(e, t[i].prefix, n) == 0 &&
		    (elen == n || e[n] == '.'))
			return t[i].name;
	}
	return NULL;
}
