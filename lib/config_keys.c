/*
 * config_keys.c - the keys of the config files (sd.ini(5)): what each
 * value may be, the tables of the keys of a profile, a proxy and sd.ini
 * with their fields, and the handlers that check a key and store it,
 * the old spellings (output_format, proxy_mode, relay_profile) included.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "codec_table.h"
#include "config_int.h"
#include "ingest.h"
#include "legacy.h"
#include "util_int.h"
#include "config.h"

/* ---------------------------------------------------------------- values */

int
sd_parse_bitrate(const char *s, long long *out, const char **errstr)
{
	char num[32];
	size_t n;
	long long mul = 1, v;

	if (sd_copy_trimmed(s, num, sizeof(num)) == -1) {
		*errstr = "invalid";
		return -1;
	}
	n = strlen(num);
	if (num[n - 1] == 'k' || num[n - 1] == 'K')
		mul = 1000;
	else if (num[n - 1] == 'M' || num[n - 1] == 'm')
		mul = 1000000;
	if (mul != 1)
		num[n - 1] = '\0';
	v = sd_strtonum(num, 0, 1000000000LL / mul, errstr);
	if (*errstr != NULL)
		return -1;
	*out = v * mul;
	return 0;
}

/* A decimal number of seconds in [min, max]. */
static int
parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || strchr(s, 'x') || strchr(s, 'X'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "", "25", "29.97" or "30000/1001": above 0, at most 240 a second. */
static int
framerate_ok(const char *s)
{
	long long num, den;

	return *s == '\0' || (sd_frame_rate_parse(s, &num, &den) == 0 &&
	    num > 0 && num <= 240 * den);
}

/* Encoder names, presets, hwaccel names: [A-Za-z0-9_.-], not leading '-'. */
static int
word_ok(const char *s)
{
	if (*s == '-')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return 0;
	return 1;
}

static int
text_ok(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s) && *s != '\t')
			return 0;
	return 1;
}

/*
 * A source: a URL or path, without blanks or control characters, and not
 * starting with '-' (it becomes an argument of sd-classify and ffmpeg).
 */
static int
source_ok(const char *s)
{
	if (*s == '\0' || *s == '-')
		return 0;
	for (; *s; s++)
		if (iscntrl((unsigned char)*s) || *s == ' ')
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- fields */

enum ftype { F_TEXT, F_WORD, F_NAME, F_INT, F_RATE, F_SECONDS, F_FPS,
	F_SOURCE };

struct field {
	const char *key;
	enum ftype type;
	size_t off, size;
	long long min, max;
	const char *hint;	/* how to write it right */
};

#define PF(k, t, m, lo, hi, h) \
	{ k, t, offsetof(struct sd_profile, m), \
	  sizeof(((struct sd_profile *)0)->m), lo, hi, h }
#define XF(k, t, m, lo, hi, h) \
	{ k, t, offsetof(struct sd_proxy, m), \
	  sizeof(((struct sd_proxy *)0)->m), lo, hi, h }
#define SF(k, t, m, lo, hi, h) \
	{ k, t, offsetof(struct sd_settings, m), \
	  sizeof(((struct sd_settings *)0)->m), lo, hi, h }

static const struct field profile_fields[] = {
	PF("description", F_TEXT, description, 0, 0, "one line of text"),
	PF("video_codec", F_WORD, video_codec, 0, 0,
	    "an ffmpeg encoder such as libx264, or copy"),
	PF("audio_codec", F_WORD, audio_codec, 0, 0,
	    "an ffmpeg encoder such as aac, or copy"),
	PF("video_bitrate", F_RATE, video_bitrate, 0, 0,
	    "bit/s, with k or M (2500k), 0 keeps the source's"),
	PF("audio_bitrate", F_RATE, audio_bitrate, 0, 0,
	    "bit/s, with k or M (128k), 0 for the encoder's default"),
	PF("maxrate", F_RATE, maxrate, 0, 0, "bit/s, with k or M"),
	PF("bufsize", F_RATE, bufsize, 0, 0, "bits, with k or M"),
	PF("preset", F_WORD, preset, 0, 0, "an encoder preset such as fast"),
	PF("crf", F_INT, crf, -1, 63, "-1 (unset) to 63"),
	PF("width", F_INT, width, 0, 16384, "0 (keep) to 16384"),
	PF("height", F_INT, height, 0, 16384, "0 (keep) to 16384"),
	PF("framerate", F_FPS, framerate, 0, 0,
	    "empty (keep), 25, 29.97 or 30000/1001"),
	PF("audio_channels", F_INT, audio_channels, 0, 8, "0 (keep) to 8"),
	PF("audio_sample_rate", F_INT, audio_sample_rate, 0, 192000,
	    "0 (keep) or a rate in Hz such as 48000"),
	PF("hwaccel", F_WORD, hwaccel, 0, 0,
	    "empty, nvenc, qsv, vaapi, videotoolbox or amf"),
	PF("hwaccel_device", F_TEXT, hwaccel_device, 0, 0,
	    "a device such as /dev/dri/renderD128"),
	PF("fallback", F_WORD, fallback, 0, 0, "empty or software"),
	PF("input_options", F_TEXT, input_options, 0, 0,
	    "ffmpeg input options separated by blanks"),
	PF("output_options", F_TEXT, output_options, 0, 0,
	    "ffmpeg output options separated by blanks"),
	PF("segment_duration", F_SECONDS, segment_duration, 0, 30,
	    "0 (sd.ini's) or seconds from 0.5 to 30"),
	PF("playlist_size", F_INT, playlist_size, 0, 1000,
	    "0 (sd.ini's window) to 1000"),
};

static const struct field proxy_fields[] = {
	XF("source", F_SOURCE, source, 0, 0,
	    "a URL (http://, https://, udp://, ...) or a file, without "
	    "blanks; several separated by blanks for failover"),
	XF("name", F_TEXT, name, 0, 0, "one line of text"),
	XF("group", F_TEXT, group, 0, 0, "one line of text"),
	XF("logo", F_SOURCE, logo, 0, 0, "a URL without blanks"),
	XF("tvg_id", F_TEXT, tvg_id, 0, 0, "an EPG id such as bbc1.uk"),
	XF("allow_hosts", F_TEXT, allow_hosts, 0, 0,
	    "host names (or host:port) separated by blanks or commas"),
	XF("max_clients", F_INT, max_clients, 0, 100000,
	    "0 (unlimited) to 100000"),
	XF("number", F_INT, number, 1, 99999,
	    "a channel number from 1 to 99999, unique in the file"),
	XF("provider", F_NAME, provider, 0, 0,
	    "the NAME of a [provider.NAME] section"),
	XF("max_connections", F_INT, max_connections, 1, 1000,
	    "the upstream connections its host allows, 1 to 1000"),
};

static const struct field settings_fields[] = {
	SF("spool", F_TEXT, spool, 0, 0, "an absolute folder"),
	SF("segment_duration", F_SECONDS, segment_duration, 1, 30,
	    "seconds from 1 to 30"),
	SF("window", F_INT, window, 2, 1000, "segments from 2 to 1000"),
	SF("idle_timeout", F_INT, idle_timeout, 1, 86400,
	    "seconds from 1 to 86400"),
	SF("classify_ttl", F_INT, classify_ttl, 0, 604800,
	    "seconds from 0 to 604800"),
	SF("upstream_timeout", F_INT, upstream_timeout, 1, 3600,
	    "seconds from 1 to 3600"),
	SF("failover_retry", F_INT, failover_retry, 1, 86400,
	    "seconds from 1 to 86400"),
	SF("live_manifests", F_INT, live_manifests, 0, 1,
	    "0 (the index only: sd-serve builds the playlists) or 1 (manifest "
	    "files too)"),
	SF("max_sessions", F_INT, max_sessions, 1, 10000, "1 to 10000"),
	SF("base_url", F_SOURCE, base_url, 0, 0,
	    "empty (relative URLs) or a URL without blanks"),
	SF("default_profile", F_NAME, default_profile, 0, 0,
	    "the name of a profile"),
	SF("epg", F_SOURCE, epg, 0, 0,
	    "empty, an http:// or https:// URL or an absolute file"),
	SF("epg_ttl", F_INT, epg_ttl, 60, 604800,
	    "seconds from 60 to 604800"),
};

static const struct field *
field_find(const struct field *t, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].key, key) == 0)
			return &t[i];
	return NULL;
}

/* Set one field of base from value; -1 (reported) when it is wrong. */
static int
field_set(struct ld *ld, void *base, const struct field *f, const char *v)
{
	char *dst = (char *)base + f->off;
	const char *err = NULL;
	long long n;
	double d;
	int okv = 1;

	switch (f->type) {
	case F_INT:
		n = sd_strtonum(v, f->min, f->max, &err);
		if (err != NULL) {
			LD_ERR(ld, ld->lineno, "%s = %s: the number is %s; "
			    "write %s", f->key, v, err, f->hint);
			return -1;
		}
		*(int *)(void *)dst = (int)n;
		return 0;
	case F_RATE:
		if (sd_parse_bitrate(v, &n, &err) == -1) {
			LD_ERR(ld, ld->lineno, "%s = %s: the rate is %s; "
			    "write %s", f->key, v, err, f->hint);
			return -1;
		}
		*(long long *)(void *)dst = n;
		return 0;
	case F_SECONDS:
		if (parse_seconds(v, (double)f->min, (double)f->max, &d) ==
		    -1 || (d != 0 && d < 0.5)) {
			LD_ERR(ld, ld->lineno, "%s = %s: not a valid duration; "
			    "write %s", f->key, v, f->hint);
			return -1;
		}
		*(double *)(void *)dst = d;
		return 0;
	case F_WORD:
		okv = word_ok(v);
		break;
	case F_NAME:
		okv = *v == '\0' || sd_safe_name(v);
		break;
	case F_FPS:
		okv = framerate_ok(v);
		break;
	case F_SOURCE:
		okv = *v == '\0' || source_ok(v);
		break;
	case F_TEXT:
		okv = text_ok(v);
		break;
	}
	if (!okv) {
		LD_ERR(ld, ld->lineno, "%s = %s: not a valid value; write %s",
		    f->key, v, f->hint);
		return -1;
	}
	if (strlen(v) >= f->size) {
		LD_ERR(ld, ld->lineno, "%s is %zu bytes long; at most %zu "
		    "fit: shorten it", f->key, strlen(v), f->size - 1);
		return -1;
	}
	strlcpy(dst, v, f->size);
	return 0;
}


/* ---------------------------------------------------------------- keys */

/* Warn about a key given twice in a section (old and new spellings count
 * as one key); the last one wins except where noted in the handlers. */
void
cfg_key_seen(struct ld *ld, const char *key)
{
	const char *now = sd_legacy_key(key);
	size_t i;

	if (now != NULL)
		key = now;
	if (strcmp(key, "header") == 0)
		return;		/* repeatable */
	for (i = 0; i < ld->nkeys; i++)
		if (strcmp(ld->keys[i].name, key) == 0) {
			LD_WARN(ld, ld->lineno, "%s is set again (first at "
			    "line %d); remove one", key, ld->keys[i].line);
			return;
		}
	if (ld->nkeys < KEYS_SEEN_MAX && strlen(key) < SD_NAME_MAX) {
		strlcpy(ld->keys[ld->nkeys].name, key, SD_NAME_MAX);
		ld->keys[ld->nkeys++].line = ld->lineno;
	}
}

static void
codec_check(struct ld *ld, const char *key, const char *v, char want)
{
	const struct sd_codec *c = sd_codec_find(sd_encoder_codec(v));

	if (strcmp(v, "copy") == 0)
		return;
	if (c == NULL)
		LD_WARN(ld, ld->lineno, "%s = %s: an encoder sd does not "
		    "know; it is passed to ffmpeg as written, and sd assumes "
		    "MPEG-TS can carry it", key, v);
	else if (c->kind != want)
		LD_ERR(ld, ld->lineno, "%s = %s: that is %s encoder; write "
		    "%s", key, v, c->kind == 'v' ? "a video" : "an audio",
		    want == 'v' ? "a video encoder such as libx264, or copy" :
		    "an audio encoder such as aac, or copy");
}

int
cfg_profile_key(struct ld *ld, const char *key, const char *v)
{
	struct sd_profile *p = &ld->cfg->profiles[ld->cur];
	const struct field *f;
	enum sd_container c;
	const char *nv;

	if (strcmp(key, "container_format") == 0) {
		if (sd_container_parse(v, &c) == -1) {
			LD_ERR(ld, ld->lineno, "container_format = %s: "
			    "unknown; write auto, fmp4 or mpegts", v);
			return 0;
		}
		p->container = c;
		p->container_line = ld->lineno;
		ld->new_container = 1;
		return 0;
	}
	if (strcmp(key, "output_format") == 0) {
		if ((nv = sd_legacy_value("container_format", v)) == NULL ||
		    sd_container_parse(nv, &c) == -1) {
			LD_ERR(ld, ld->lineno, "output_format = %s: unknown "
			    "(and deprecated); write container_format = auto, "
			    "fmp4 or mpegts", v);
			return 0;
		}
		ld->cfg->deprecated = 1;
		if (ld->new_container) {
			LD_WARN(ld, ld->lineno, "output_format is deprecated "
			    "and ignored: container_format is set; remove "
			    "this line (sd-migrate(1) does)");
			return 0;
		}
		LD_WARN(ld, ld->lineno, "output_format = %s is deprecated; "
		    "write container_format = %s (sd-migrate(1) rewrites "
		    "the file)", v, sd_container_name(c));
		p->container = c;
		p->container_line = ld->lineno;
		return 0;
	}
	if ((f = field_find(profile_fields, SD_ARRAY_LEN(profile_fields),
	    key)) == NULL)
		return -1;
	if (field_set(ld, p, f, v) == 0 && strcmp(key, "video_codec") == 0)
		codec_check(ld, key, v, 'v');
	else if (strcmp(key, "audio_codec") == 0 && strcmp(p->audio_codec,
	    v) == 0)
		codec_check(ld, key, v, 'a');
	return 0;
}

static void
proxy_mode_key(struct ld *ld, struct sd_proxy *x, const char *key,
    const char *v)
{
	const char *nv;
	int is_old_key = strcmp(key, "proxy_mode") == 0;

	if (is_old_key && ld->new_mode) {
		LD_WARN(ld, ld->lineno, "proxy_mode is deprecated and ignored: "
		    "mode is set; remove this line (sd-migrate(1) does)");
		ld->cfg->deprecated = 1;
		return;
	}
	if (!is_old_key && (strcmp(v, "direct") == 0 ||
	    strcmp(v, "smart") == 0)) {
		x->mode = v[0] == 'd' ? SD_MODE_DIRECT : SD_MODE_SMART;
		x->legacy_mode[0] = '\0';
		x->mode_line = ld->lineno;
		ld->new_mode = 1;
		return;
	}
	if ((nv = sd_legacy_value("mode", v)) == NULL) {
		LD_ERR(ld, ld->lineno, "%s = %s: unknown mode; write mode = "
		    "direct (redirect to the source) or mode = smart", key, v);
		return;
	}
	ld->cfg->deprecated = 1;
	LD_WARN(ld, ld->lineno, "%s = %s is deprecated; write mode = %s%s "
	    "(sd-migrate(1) rewrites the file)", key, v, nv,
	    strcmp(v, "proxy") == 0 ? " with no profile (passthrough)" : "");
	x->mode = strcmp(nv, "direct") == 0 ? SD_MODE_DIRECT : SD_MODE_SMART;
	strlcpy(x->legacy_mode, v, sizeof(x->legacy_mode));
	x->mode_line = ld->lineno;
	if (!is_old_key)
		ld->new_mode = 1;
}

/*
 * user_agent, referer and header (repeatable, "Name: value"): lines sent
 * on every upstream request of the proxy, kept as "Name: value\r\n"
 * (ffmpeg's -headers, fetch.c and sd-classify -H). No CR, LF or other
 * control character may pass: a header must not end the request early.
 */
static void
header_key(struct ld *ld, char *headers, size_t size, const char *key,
    const char *v)
{
	const char *name = strcmp(key, "user_agent") == 0 ? "User-Agent" :
	    strcmp(key, "referer") == 0 ? "Referer" : NULL;
	size_t n = 0, len = strlen(headers);
	int w;

	if (name == NULL) {
		while (isalnum((unsigned char)v[n]) || v[n] == '-' ||
		    v[n] == '_')
			n++;
		if (n == 0 || v[n] != ':') {
			LD_ERR(ld, ld->lineno, "header = %s: not a header; "
			    "write header = Name: value", v);
			return;
		}
	}
	if (!text_ok(v) || *v == '\0') {
		LD_ERR(ld, ld->lineno, "%s: an empty value or a control "
		    "character (CR, LF); write %s = one line of text", key, key);
		return;
	}
	w = name ? snprintf(headers + len, size - len, "%s: %s\r\n", name,
	    v) : snprintf(headers + len, size - len, "%s\r\n", v);
	if (w < 0 || (size_t)w >= size - len) {
		headers[len] = '\0';
		LD_ERR(ld, ld->lineno, "%s: the section's headers pass %zu "
		    "bytes; shorten them", key, size - 1);
	}
}

static int
is_header_key(const char *key)
{
	return strcmp(key, "user_agent") == 0 || strcmp(key, "referer") == 0 ||
	    strcmp(key, "header") == 0;
}

/*
 * allow_hosts: "host" or "host:port" entries (an IPv6 address in
 * brackets), separated by blanks or commas. A URL written there would
 * never match a host and silently allow nothing, so it is refused.
 */
static int
host_list_ok(const char *v)
{
	size_t n;

	for (;;) {
		v += strspn(v, " \t,");
		if ((n = strcspn(v, " \t,")) == 0)
			return 1;
		if (strspn(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") < n ||
		    *v == ':' || *v == '.')
			return 0;
		v += n;
	}
}

/*
 * source: one URL, or several separated by blanks, tried in order
 * (failover, sd.ini(5)). Each is checked as a single source is; source
 * keeps the first (direct mode, passthrough), sources all of them.
 */
static void
source_key(struct ld *ld, struct sd_proxy *x, const char *v)
{
	char url[sizeof(x->source)];
	size_t n, len = 0;
	int count = 0;

	x->source_line = ld->lineno;
	x->source[0] = x->sources[0] = '\0';
	x->nsources = 0;
	for (v += strspn(v, " \t"); *v != '\0'; v += strspn(v, " \t")) {
		n = strcspn(v, " \t");
		if (n >= sizeof(url) || len + n + 1 >= sizeof(x->sources)) {
			LD_ERR(ld, ld->lineno, "source is longer than %zu "
			    "bytes: shorten it", sizeof(x->sources) - 1);
			return;
		}
		memcpy(url, v, n);
		url[n] = '\0';
		v += n;
		if (++count > SD_SOURCES_MAX) {
			LD_ERR(ld, ld->lineno, "source lists more than %d "
			    "URLs; keep the first %d", SD_SOURCES_MAX,
			    SD_SOURCES_MAX);
			return;
		}
		if (!source_ok(url)) {
			LD_ERR(ld, ld->lineno, "source = %s: not a valid value; "
			    "write a URL (http://, https://, udp://, ...) or a "
			    "file, several separated by blanks", url);
			return;
		}
		if (sd_ingest_kind(url) == SD_INGEST_BAD) {
			LD_ERR(ld, ld->lineno, "source = %s: sd reads http://, "
			    "https://, udp://, rtp://, srt://, rist:// and "
			    "files (a path or file://), not this scheme", url);
			return;
		}
		len += (size_t)snprintf(x->sources + len,
		    sizeof(x->sources) - len, "%s%s", len ? " " : "", url);
		if (count == 1)
			strlcpy(x->source, url, sizeof(x->source));
	}
	if (count == 0)
		LD_ERR(ld, ld->lineno, "source is empty; write source = URL");
	x->nsources = count;
}

int
cfg_proxy_key(struct ld *ld, const char *key, const char *v)
{
	struct sd_proxy *x = &ld->cfg->proxies[ld->cur];
	const struct field *f;
	int is_old = strcmp(key, "relay_profile") == 0;

	if (strcmp(key, "mode") == 0 || strcmp(key, "proxy_mode") == 0) {
		proxy_mode_key(ld, x, key, v);
		return 0;
	}
	if (is_header_key(key)) {
		header_key(ld, x->headers, sizeof(x->headers), key, v);
		return 0;
	}
	if (strcmp(key, "allow_hosts") == 0 && !host_list_ok(v)) {
		LD_ERR(ld, ld->lineno, "allow_hosts = %s: not a list of hosts; "
		    "write host or host:port entries separated by blanks or "
		    "commas (cdn.example.net 10.0.0.5:8080)", v);
		return 0;
	}
	if (strcmp(key, "profile") == 0 || is_old) {
		if (is_old) {
			ld->cfg->deprecated = 1;
			LD_WARN(ld, ld->lineno, "relay_profile is deprecated"
			    "%s; write profile = %s (sd-migrate(1) rewrites "
			    "the file)", ld->new_profile ? " and ignored: "
			    "profile is set" : "", v);
			if (ld->new_profile)
				return 0;
		} else
			ld->new_profile = 1;
		if (*v != '\0' && (!sd_safe_name(v) ||
		    strlen(v) >= SD_NAME_MAX)) {
			LD_ERR(ld, ld->lineno, "%s = %s: not a profile name; "
			    "write the name of a section of profiles.ini",
			    key, v);
			return 0;
		}
		strlcpy(x->profile, v, sizeof(x->profile));
		x->profile_line = ld->lineno;
		return 0;
	}
	if (strcmp(key, "source") == 0) {
		source_key(ld, x, v);
		return 0;
	}
	if ((f = field_find(proxy_fields, SD_ARRAY_LEN(proxy_fields), key)) ==
	    NULL)
		return -1;
	field_set(ld, x, f, v);
	if (strcmp(key, "number") == 0)
		x->number_line = ld->lineno;
	if (strcmp(key, "provider") == 0)
		x->provider_line = ld->lineno;
	if (strcmp(key, "max_connections") == 0)
		x->max_connections_line = ld->lineno;
	return 0;
}

/*
 * A [provider.NAME] section: max_connections, and the user_agent,
 * referer and header lines of the proxies that join it and set none.
 */
void
cfg_provider_key(struct ld *ld, const char *key, const char *v)
{
	static const char *const keys[] = { "max_connections", "user_agent",
	    "referer", "header" };
	struct sd_provider *p = &ld->cfg->providers[ld->cur];
	const char *err = NULL, *near;
	long long n;

	if (is_header_key(key)) {
		header_key(ld, p->headers, sizeof(p->headers), key, v);
		return;
	}
	if (strcmp(key, "max_connections") == 0) {
		n = sd_strtonum(v, 1, 1000, &err);
		if (err != NULL)
			LD_ERR(ld, ld->lineno, "max_connections = %s: the "
			    "number is %s; write the upstream connections the "
			    "provider allows, 1 to 1000", v, err);
		else
			p->max_connections = (int)n;
		return;
	}
	if ((near = sd_near_name(key, keys, SD_ARRAY_LEN(keys))) != NULL)
		LD_WARN(ld, ld->lineno, "unknown key %s; ignored: did you "
		    "mean %s?", key, near);
	else
		LD_WARN(ld, ld->lineno, "unknown key %s in a provider; "
		    "ignored (a provider takes max_connections, user_agent, "
		    "referer and header)", key);
}

int
cfg_settings_key(struct ld *ld, const char *key, const char *v)
{
	const struct field *f;

	if ((f = field_find(settings_fields, SD_ARRAY_LEN(settings_fields),
	    key)) == NULL)
		return -1;
	if (field_set(ld, &ld->cfg->settings, f, v) == 0 &&
	    strcmp(key, "default_profile") == 0)
		ld->default_profile_line = ld->lineno;
	if (strcmp(key, "spool") == 0 && v[0] != '/') {
		LD_ERR(ld, ld->lineno, "spool = %s: not an absolute folder; "
		    "write a path starting with /", v);
	}
	if (strcmp(key, "epg") == 0 && *v != '\0' && *v != '/' &&
	    strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		LD_ERR(ld, ld->lineno, "epg = %s: write an http:// or https:// "
		    "URL or an absolute file", v);
	return 0;
}

/* Keys a file of each kind takes besides its table's (old ones included). */
static const char *const profile_extra[] = { "container_format",
    "output_format" };
static const char *const proxy_extra[] = { "mode", "proxy_mode", "profile",
    "relay_profile" };

/* A known key near an unknown one ("Source", "vidoe_codec"), or NULL. */
const char *
cfg_key_near(enum ini_kind kind, const char *key)
{
	const char *names[64];
	const struct field *t = settings_fields;
	const char *const *extra = NULL;
	size_t i, n = 0, nt = SD_ARRAY_LEN(settings_fields), ne = 0;

	if (kind == INI_PROFILES) {
		t = profile_fields;
		nt = SD_ARRAY_LEN(profile_fields);
		extra = profile_extra;
		ne = SD_ARRAY_LEN(profile_extra);
	} else if (kind == INI_PROXIES) {
		t = proxy_fields;
		nt = SD_ARRAY_LEN(proxy_fields);
		extra = proxy_extra;
		ne = SD_ARRAY_LEN(proxy_extra);
	}
	for (i = 0; i < nt && n < SD_ARRAY_LEN(names); i++)
		names[n++] = t[i].key;
	for (i = 0; i < ne && n < SD_ARRAY_LEN(names); i++)
		names[n++] = extra[i];
	return sd_near_name(key, names, n);
}
