/*
 * client.c - what format a client takes (DESIGN.md "Delivery"): the URL
 * first (?format=, then the path's extension), then the Accept header,
 * then the User-Agent, else HLS.
 *
 * Every input here comes from a request, so everything is bounded: only
 * the first few KiB of a header are looked at, and nothing is copied into
 * a fixed buffer without a length check.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sd.h"
#include "decide_int.h"

#define HDR_MAX 4096	/* longer headers are looked at up to here */

static const char *const client_names[] = {
	[SD_CLIENT_HLS] = "hls",
	[SD_CLIENT_HLS_TS] = "hls-ts",
	[SD_CLIENT_DASH] = "dash",
	[SD_CLIENT_TS] = "ts",
};

const char *
sd_client_name(enum sd_client c)
{
	if ((size_t)c >= SD_ARRAY_LEN(client_names))
		return "?";
	return client_names[c];
}

int
sd_client_parse(const char *s, enum sd_client *c)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < SD_ARRAY_LEN(client_names); i++) {
		if (strcasecmp(s, client_names[i]) == 0) {
			*c = (enum sd_client)i;
			return 0;
		}
	}
	if (strcasecmp(s, "mpegts") == 0) {
		*c = SD_CLIENT_TS;
		return 0;
	}
	return -1;
}

/* The value of ?format= (or &format=) in the query q, copied into buf. */
static int
query_format(const char *q, char *buf, size_t len)
{
	size_t n;

	while (q != NULL && *q != '\0' && *q != '#') {
		if (strncmp(q, "format=", 7) == 0) {
			q += 7;
			n = strcspn(q, "&#;");
			if (n >= len)
				return -1;
			memcpy(buf, q, n);
			buf[n] = '\0';
			return 0;
		}
		q = strpbrk(q, "&;");
		if (q != NULL)
			q++;
	}
	return -1;
}

/* 1 when the path part [p, end) ends with ext (case-insensitive). */
static int
path_ends(const char *p, size_t plen, const char *ext)
{
	size_t n = strlen(ext);

	return plen >= n && strncasecmp(p + plen - n, ext, n) == 0;
}

int
sd_client_from_url(const char *url, enum sd_client *c)
{
	const char *q;
	char fmt[16];
	size_t plen;

	if (url == NULL)
		return -1;
	plen = strcspn(url, "?#");
	q = url[plen] == '?' ? url + plen + 1 : NULL;
	if (query_format(q, fmt, sizeof(fmt)) == 0 &&
	    sd_client_parse(fmt, c) == 0)
		return 0;
	if (path_ends(url, plen, ".m3u8") || path_ends(url, plen, ".m3u")) {
		*c = SD_CLIENT_HLS;
		return 0;
	}
	if (path_ends(url, plen, ".mpd")) {
		*c = SD_CLIENT_DASH;
		return 0;
	}
	if (path_ends(url, plen, ".ts")) {
		*c = SD_CLIENT_TS;
		return 0;
	}
	return -1;
}

static const struct {
	const char *type;
	enum sd_client client;
} accept_types[] = {
	{ "application/vnd.apple.mpegurl", SD_CLIENT_HLS },
	{ "application/x-mpegurl", SD_CLIENT_HLS },
	{ "audio/mpegurl", SD_CLIENT_HLS },
	{ "audio/x-mpegurl", SD_CLIENT_HLS },
	{ "application/dash+xml", SD_CLIENT_DASH },
	{ "video/mp2t", SD_CLIENT_TS },
};

/* q of a media range's parameters ("; q=0.5"), in thousandths. */
static int
accept_q(const char *params, size_t len)
{
	const char *p = params, *end = params + len;
	int q = 1000, scale = 100;

	while (p < end) {
		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') &&
		    p[1] == '=') {
			p += 2;
			if (p >= end || (*p != '0' && *p != '1'))
				return 0;
			q = (*p - '0') * 1000;
			p++;
			if (p < end && *p == '.')
				for (p++; p < end && isdigit((unsigned char)*p) &&
				    scale > 0; p++, scale /= 10)
					q += (*p - '0') * scale;
			return q > 1000 ? 1000 : q;
		}
		while (p < end && *p != ';')
			p++;
	}
	return q;
}

/* Which of our types the range [r, r+len) names; -1 for none. */
static int
accept_match(const char *r, size_t len)
{
	size_t i, n;

	while (len > 0 && (*r == ' ' || *r == '\t')) {
		r++;
		len--;
	}
	while (len > 0 && (r[len - 1] == ' ' || r[len - 1] == '\t'))
		len--;
	for (i = 0; i < SD_ARRAY_LEN(accept_types); i++) {
		n = strlen(accept_types[i].type);
		if (len == n && strncasecmp(r, accept_types[i].type, n) == 0)
			return (int)i;
	}
	return -1;
}

int
sd_client_from_accept(const char *accept, enum sd_client *c)
{
	const char *p, *end, *comma, *semi;
	int best = -1, bestq = 0, i, q;

	if (accept == NULL)
		return -1;
	p = accept;
	end = accept + strnlen(accept, HDR_MAX);
	while (p < end) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		semi = memchr(p, ';', (size_t)(comma - p));
		if (semi == NULL)
			semi = comma;
		i = accept_match(p, (size_t)(semi - p));
		q = accept_q(semi, (size_t)(comma - semi));
		/* The first of equal q wins: the client listed it first. */
		if (i >= 0 && q > bestq) {
			best = i;
			bestq = q;
		}
		p = comma + 1;
	}
	if (best < 0)
		return -1;
	*c = accept_types[best].client;
	return 0;
}

/* Case-insensitive substring search bounded to HDR_MAX bytes of h. */
static const char *
find_ci(const char *h, const char *needle)
{
	size_t n = strlen(needle), hl = strnlen(h, HDR_MAX), i;

	for (i = 0; i + n <= hl; i++)
		if (strncasecmp(h + i, needle, n) == 0)
			return h + i;
	return NULL;
}

/* Players that want the plain MPEG-TS stream. */
static const char *const ts_agents[] = {
	"VLC", "LibVLC", "Kodi", "XBMC", "Plex", "Jellyfin", "Emby",
	"Lavf", "ffmpeg", "ffprobe",
};

/* iOS (iPhone OS N_ / CPU OS N_) before 10: HLS with TS segments only. */
static int
old_ios(const char *ua)
{
	const char *p;
	long v;

	if ((p = find_ci(ua, "iPhone OS ")) != NULL)
		p += strlen("iPhone OS ");
	else if ((p = find_ci(ua, "CPU OS ")) != NULL)
		p += strlen("CPU OS ");
	else
		return 0;
	if (!isdigit((unsigned char)*p))
		return 0;
	v = strtol(p, NULL, 10);
	return v > 0 && v < 10;
}

int
sd_client_from_ua(const char *ua, enum sd_client *c)
{
	size_t i;

	if (ua == NULL || *ua == '\0')
		return -1;
	for (i = 0; i < SD_ARRAY_LEN(ts_agents); i++) {
		if (find_ci(ua, ts_agents[i]) != NULL) {
			*c = SD_CLIENT_TS;
			return 0;
		}
	}
	/* Chrome, Edge and Android browsers say "Safari" too. */
	if (find_ci(ua, "AppleCoreMedia") != NULL ||
	    (find_ci(ua, "Safari") != NULL && find_ci(ua, "Chrome") == NULL &&
	    find_ci(ua, "Chromium") == NULL && find_ci(ua, "Android") == NULL)) {
		*c = old_ios(ua) ? SD_CLIENT_HLS_TS : SD_CLIENT_HLS;
		return 0;
	}
	return -1;
}

enum sd_client
sd_client_format(const char *url, const char *accept, const char *ua,
    const char **why)
{
	enum sd_client c = SD_CLIENT_HLS;
	const char *w = "no rule matched: HLS, which most players take";

	if (sd_client_from_url(url, &c) == 0)
		w = "the URL names the format";
	else if (sd_client_from_accept(accept, &c) == 0)
		w = "the Accept header names the format";
	else if (sd_client_from_ua(ua, &c) == 0)
		w = "the User-Agent is a player known to take it";
	else
		c = SD_CLIENT_HLS;
	if (why != NULL)
		*why = w;
	return c;
}
