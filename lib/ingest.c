/*
 * ingest.c - the one ingest stage: whatever the source, a live session
 * puts one MPEG-TS byte stream into its channel's ring (ring.c), so TS
 * clients, CMAF sessions and transcodes downstream never see the
 * difference.
 *
 * MPEG-TS over HTTP(S) is read by fetch.c, byte for byte, and so is an
 * HLS playlist whose segments are MPEG-TS with nothing else to undo
 * (upstream_hls.c); HLS with fMP4 segments and a live DASH MPD are
 * fetched by us too, and only remuxed by an ffmpeg fed through pipes
 * (upstream_dash.c); MPEG-TS over udp:// or rtp:// is read by dgram.c (a
 * zap waits neither for ffmpeg to start nor for its analysis). Everything
 * else goes through one `ffmpeg -c copy -f mpegts` writing to the session
 * (upstream.c), with the argv made here: HLS with keys, byte ranges or
 * audio renditions, an MPD without templates, srt://, rist://, files, and
 * udp:// or rtp:// with a host name or options only ffmpeg honours.
 * ffmpeg's readers already decrypt AES-128 and read byte ranges (docs in
 * sd-relay(7)). An HLS
 * master is read for the variant this file picks (ffmpeg's program of
 * that index: its video and every audio rendition of its group), so the
 * other variants' segments are never fetched.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sd.h"
#include "ingest.h"
#include "dgram.h"

static const struct {
	const char *scheme;
	enum sd_ingest kind;
} schemes[] = {
	{ "http", SD_INGEST_HTTP }, { "https", SD_INGEST_HTTP },
	{ "udp", SD_INGEST_STREAM }, { "rtp", SD_INGEST_STREAM },
	{ "srt", SD_INGEST_STREAM }, { "rist", SD_INGEST_STREAM },
	{ "file", SD_INGEST_FILE },
};

enum sd_ingest
sd_ingest_kind(const char *url)
{
	size_t n = 0, i;

	while (isalnum((unsigned char)url[n]) || url[n] == '+' ||
	    url[n] == '-' || url[n] == '.')
		n++;
	if (n == 0 || strncmp(url + n, "://", 3) != 0)
		/* No scheme: a path (config.c refuses a leading '-'). */
		return url[0] != '\0' && strchr(url, ':') == NULL ?
		    SD_INGEST_FILE : SD_INGEST_BAD;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].scheme) == n &&
		    strncasecmp(url, schemes[i].scheme, n) == 0)
			return schemes[i].kind;
	return SD_INGEST_BAD;
}

int
sd_ingest_is_manifest(const char *url)
{
	size_t n = strcspn(url, "?#");

	return (n >= 5 && strncasecmp(url + n - 5, ".m3u8", 5) == 0) ||
	    (n >= 4 && strncasecmp(url + n - 4, ".mpd", 4) == 0);
}

const char *
sd_ingest_reader(const char *url, const char *format)
{
	struct sd_dgram_url u;

	switch (sd_ingest_kind(url)) {
	case SD_INGEST_HTTP:
		return sd_ingest_is_manifest(url) || (format != NULL &&
		    (strcmp(format, "hls") == 0 || strcmp(format, "dash") ==
		    0)) ? "ffmpeg" : "ts";
	case SD_INGEST_STREAM:
		if (sd_dgram_url(url, &u) == 0)
			return u.rtp ? "rtp" : "udp";
		return "ffmpeg";
	case SD_INGEST_FILE:
		return "ffmpeg";
	default:
		return NULL;
	}
}

int
sd_ingest_via_ffmpeg(const char *url, const char *format)
{
	const char *r = sd_ingest_reader(url, format);

	return r != NULL && strcmp(r, "ffmpeg") == 0;
}

/* One variant= line: "BANDWIDTH WxH CODECS" (WxH "-" when unknown). */
static int
variant_parse(const char *line, long long *bw, int *w, int *h)
{
	char *end;

	*bw = strtoll(line, &end, 10);
	if (end == line || *end != ' ' || *bw < 0)
		return -1;
	*w = *h = 0;
	if (sscanf(end + 1, "%dx%d", w, h) != 2)
		*w = *h = 0;
	return 0;
}

static int
variant_allowed(const struct sd_profile *p, int w, int h)
{
	if (p == NULL || w <= 0 || h <= 0)
		return 1;
	return (p->width <= 0 || w <= p->width) &&
	    (p->height <= 0 || h <= p->height);
}

/*
 * One representation= line: "ID TYPE BANDWIDTH WxH CODECS"; 1 when it is
 * video (its type, or a size when the MPD gave no type), with bw and size.
 */
static int
rep_video(const char *line, long long *bw, int *w, int *h)
{
	char type[16];

	*w = *h = 0;
	if (sscanf(line, "%*s %15s %lld %dx%d", type, bw, w, h) < 2 ||
	    *bw < 0)
		return 0;
	return strcmp(type, "video") == 0 || (strcmp(type, "-") == 0 &&
	    *w > 0);
}

/*
 * A DASH MPD: the video representation to read, counted among the video
 * representations in MPD order (ffmpeg's dash reader's 0:v:N).
 */
static int
dash_video(const struct sd_rec *cls, const struct sd_profile *p,
    char *why, size_t whylen)
{
	size_t i, n = sd_rec_count(cls, "representation");
	long long bw, best_bw = -1;
	int w, h, k = 0, best = -1, low = -1, low_px = 0;

	for (i = 0; i < n && i < 4096; i++) {
		if (!rep_video(sd_rec_get_nth(cls, "representation", i), &bw,
		    &w, &h))
			continue;
		if (low == -1 || w * h < low_px) {
			low = k;
			low_px = w * h;
		}
		if (variant_allowed(p, w, h) && bw > best_bw) {
			best = k;
			best_bw = bw;
		}
		k++;
	}
	if (best == -1)
		best = low;
	if (best != -1)
		snprintf(why, whylen, "The source's DASH video representation "
		    "%d of %d, the highest bandwidth %s, with every audio "
		    "representation.", best, k, best_bw >= 0 ? "that fits" :
		    "(none fits: the smallest)");
	return best;
}

int
sd_ingest_variant(const struct sd_rec *cls, const struct sd_profile *p,
    char *why, size_t whylen)
{
	size_t i, n = sd_rec_count(cls, "variant");
	long long bw, best_bw = -1, low_bw = -1;
	int w, h, best = -1, low = -1, low_px = 0;

	if (n == 0 && sd_rec_count(cls, "representation") > 0)
		return dash_video(cls, p, why, whylen);
	for (i = 0; i < n && i < 4096; i++) {
		if (variant_parse(sd_rec_get_nth(cls, "variant", i), &bw, &w,
		    &h) == -1)
			continue;
		if (low == -1 || w * h < low_px ||
		    (w * h == low_px && bw < low_bw)) {
			low = (int)i;
			low_px = w * h;
			low_bw = bw;
		}
		if (variant_allowed(p, w, h) && bw > best_bw) {
			best = (int)i;
			best_bw = bw;
		}
	}
	if (best == -1 && low != -1) {
		snprintf(why, whylen, "The source's HLS variant %d (%lld "
		    "bit/s), its smallest: none fits profile %s's %dx%d.",
		    low, low_bw, p ? p->name : "-", p ? p->width : 0,
		    p ? p->height : 0);
		return low;
	}
	if (best != -1)
		snprintf(why, whylen, "The source's HLS variant %d (%lld "
		    "bit/s): the highest bandwidth %s.", best, best_bw,
		    p && (p->width > 0 || p->height > 0) ?
		    "within the profile's size" : "of the master");
	return best;
}

#define ARG(s) do { \
	if (a->n >= SD_INGEST_ARGS) \
		return -1; \
	a->v[a->n++] = (char *)(s); \
} while (0)

int
sd_ingest_argv(struct sd_ingest_argv *a, const char *url,
    const char *format, int variant, int timeout_s, const char *ua,
    const char *referer, const char *headers)
{
	enum sd_ingest k = sd_ingest_kind(url);
	int hls = format ? strcmp(format, "hls") == 0 :
	    sd_ingest_is_manifest(url) && strcasestr(url, ".m3u8") != NULL;
	int dash = k == SD_INGEST_HTTP && (format ? strcmp(format, "dash") ==
	    0 : sd_ingest_is_manifest(url) && !hls);

	memset(a, 0, sizeof(*a));
	if (k == SD_INGEST_BAD)
		return -1;
	snprintf(a->num[0], sizeof(a->num[0]), "%lld",
	    (long long)(timeout_s > 0 ? timeout_s : 10) * 1000000);
	ARG("ffmpeg"); ARG("-nostdin"); ARG("-hide_banner");
	ARG("-loglevel"); ARG("error");
	if (k == SD_INGEST_HTTP) {
		/* No file: or other scheme from a playlist; httpproxy is
		 * https through the session's guard (guard.c). */
		ARG("-protocol_whitelist");
		ARG("http,https,tcp,tls,crypto,httpproxy");
		ARG("-reconnect"); ARG("1");
		ARG("-reconnect_on_network_error"); ARG("1");
		ARG("-reconnect_delay_max"); ARG("4");
		ARG("-rw_timeout"); ARG(a->num[0]);
		if (ua != NULL && *ua != '\0') {
			ARG("-user_agent"); ARG(ua);
		}
		if (referer != NULL && *referer != '\0') {
			ARG("-referer"); ARG(referer);
		}
		if (headers != NULL && *headers != '\0') {
			ARG("-headers"); ARG(headers);
		}
	} else if (k == SD_INGEST_STREAM) {
		/* A live stream arrives in real time: ffmpeg's 5 s of
		 * analysis (an MPEG-TS input is read that long whatever it
		 * found) would be 5 s more of every zap. One second holds
		 * a keyframe's parameters and many audio frames. */
		ARG("-analyzeduration"); ARG("1000000");
	} else if (k == SD_INGEST_FILE) {
		/* A file is a channel: played in real time, over and over. */
		ARG("-re"); ARG("-stream_loop"); ARG("-1");
	}
	/* udp & co. never end on their own: the session's stall watch
	 * (no byte for timeout seconds) stops and restarts this ffmpeg. */
	ARG("-i"); ARG(url);
	if (hls && variant >= 0) {
		snprintf(a->map[0], sizeof(a->map[0]), "0:p:%d:v?", variant);
		snprintf(a->map[1], sizeof(a->map[1]), "0:p:%d:a?", variant);
		ARG("-map"); ARG(a->map[0]);
		ARG("-map"); ARG(a->map[1]);
	} else if (dash) {
		/* One video representation, every audio one: ffmpeg's own
		 * choice would keep one audio language only. */
		snprintf(a->map[0], sizeof(a->map[0]), "0:v:%d?",
		    variant >= 0 ? variant : 0);
		ARG("-map"); ARG(a->map[0]);
		ARG("-map"); ARG("0:a?");
	} else if (k != SD_INGEST_HTTP) {
		/* udp & co.: every video and audio track of the stream */
		ARG("-map"); ARG("0:v?");
		ARG("-map"); ARG("0:a?");
	}
	ARG("-c"); ARG("copy");
	/* Each packet out at once: the 32 KiB output buffer would hold a
	 * low-rate channel's first keyframe back for most of a second. */
	ARG("-flush_packets"); ARG("1");
	ARG("-f"); ARG("mpegts");
	ARG("pipe:1");
	a->v[a->n] = NULL;
	return 0;
}

int
sd_ingest_argv_variant(char *const *argv)
{
	const char *es;
	char num[16];
	size_t i, n;
	long long v;

	for (i = 0; argv != NULL && argv[i] != NULL && argv[i + 1] != NULL;
	    i++) {
		if (strcmp(argv[i], "-map") != 0 ||
		    strncmp(argv[i + 1], "0:p:", 4) != 0)
			continue;
		n = strcspn(argv[i + 1] + 4, ":");
		if (n == 0 || n >= sizeof(num))
			return -1;
		memcpy(num, argv[i + 1] + 4, n);
		num[n] = '\0';
		v = sd_strtonum(num, 0, 4095, &es);
		return es == NULL ? (int)v : -1;
	}
	return -1;
}
