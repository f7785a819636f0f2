/*
 * serve.c - the routes of sd-serve(8): one parsed request, one answer.
 *
 *   /                      a page that lists the proxies and plays one
 *   /www/FILE              the page's scripts, from CONFDIR/www only
 *   /playlist.m3u          every proxy for IPTV clients
 *   /status                JSON: proxies, sessions, clients, upstreams
 *   /epg.xml               the guide of the proxies (serve_epg.c)
 *   /discover.json ...     the HDHomeRun tuner's answers (hdhr.c)
 *   /PROXY                 the format the client asked for (smart), or 302
 *   /PROXY/stream.ts       MPEG-TS
 *   /PROXY/master.m3u8     HLS (master-ts.m3u8: version 3 TS segments)
 *   /PROXY/manifest.mpd    DASH
 *   /PROXY/VARIANT/FILE    a session's media playlists, headers, segments
 *   /PROXY/p|s|d/...       HLS/DASH passthrough: names the relay gave
 *
 * Files are read only from inside the spool and from the config folder's
 * www/ (respond.c checks the real path); every other path is a 404 before
 * any open(). The answers themselves are respond.c's.
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "sd.h"
#include "config.h"
#include "http.h"
#include "serve_int.h"
#include "util_int.h"
#include "spool.h"
#include "session.h"

/* SPOOL/PROXY/VARIANT when both names are safe; -1 otherwise. */
static int
srv_session_dir(const struct sd_config *cfg, const char *proxy,
    const char *variant, char *dir, size_t len)
{
	if (!sd_safe_name(proxy) || !sd_safe_name(variant))
		return -1;
	if ((size_t)snprintf(dir, len, "%s/%s/%s", cfg->settings.spool, proxy,
	    variant) >= len)
		return -1;
	return 0;
}

/* An M3U attribute value: no quotes, no controls (players split on them). */
static void
m3u_attr(struct sd_buf *b, const char *key, const char *v)
{
	if (*v == '\0')
		return;
	sd_buf_printf(b, " %s=\"", key);
	for (; *v; v++)
		if (*v != '"' && (unsigned char)*v >= 0x20)
			sd_buf_append(b, v, 1);
	sd_buf_append(b, "\"", 1);
}

/*
 * ?format=ts|hls|hls-ts|dash: the route of a smart proxy that asks for
 * it, for clients that cannot say what they want; "" without the query,
 * NULL for a format sd does not serve.
 */
static const char *
playlist_format_route(const struct sd_http_req *rq)
{
	static const struct {
		const char *format, *route;
	} routes[] = {
		{ "ts", "/stream.ts" }, { "hls", "/master.m3u8" },
		{ "hls-ts", "/master-ts.m3u8" }, { "dash", "/manifest.mpd" },
	};
	char f[16];
	size_t i;

	if (sd_http_query_get(rq->query, "format", f, sizeof(f)) == -1)
		return strncmp(rq->query, "format=", 7) == 0 ||
		    strstr(rq->query, "&format=") ? NULL : "";
	for (i = 0; i < SD_ARRAY_LEN(routes); i++)
		if (strcmp(f, routes[i].format) == 0)
			return routes[i].route;
	return NULL;
}

static void
playlist_entry(struct sd_buf *b, const char *base, const char *route,
    const struct sd_proxy *px)
{
	const char *p;

	sd_buf_printf(b, "#EXTINF:-1");
	m3u_attr(b, "tvg-id", px->tvg_id);
	if (px->number > 0)
		sd_buf_printf(b, " tvg-chno=\"%d\"", px->number);
	m3u_attr(b, "tvg-name", px->name[0] ? px->name : px->id);
	m3u_attr(b, "tvg-logo", px->logo);
	m3u_attr(b, "group-title", px->group);
	sd_buf_append(b, ",", 1);
	for (p = px->name[0] ? px->name : px->id; *p; p++)
		if ((unsigned char)*p >= 0x20)
			sd_buf_append(b, p, 1);
	sd_buf_printf(b, "\n%s/%s%s\n", base, px->id,
	    px->mode == SD_MODE_SMART ? route : "");
}

static int
route_playlist(struct srv *s)
{
	struct sd_buf b;
	char base[1024], guide[1100];
	const char *route = playlist_format_route(s->rq);
	size_t i;
	int rc;

	if (route == NULL)
		return srv_error(s, 400, "format: write ts, hls, hls-ts or "
		    "dash", 0);
	srv_base_url(s, base, sizeof(base));
	sd_buf_init(&b);
	sd_buf_printf(&b, "#EXTM3U");
	/* the guide, where players look for it (url-tvg, x-tvg-url) */
	if (s->cfg->settings.epg[0] &&
	    (size_t)snprintf(guide, sizeof(guide), "%s/epg.xml", base) <
	    sizeof(guide)) {
		m3u_attr(&b, "url-tvg", guide);
		m3u_attr(&b, "x-tvg-url", guide);
	}
	sd_buf_printf(&b, "\n");
	for (i = 0; i < s->cfg->nproxies; i++)
		if (sd_proxy_broken(s->cfg, s->cfg->proxies[i].id) == NULL)
			playlist_entry(&b, base, route, &s->cfg->proxies[i]);
	rc = srv_send_body(s, "audio/x-mpegurl; charset=utf-8", "no-cache",
	    NULL, b.p, b.len);
	sd_buf_free(&b);
	return rc;
}

/* /www/FILE: the player page's scripts, from the config folder only. */
static int
route_www(struct srv *s, const char *name)
{
	char root[PATH_MAX];

	if (!sd_safe_name(name) ||
	    (size_t)snprintf(root, sizeof(root), "%s/www", s->cfg->dir) >=
	    sizeof(root))
		return srv_error(s, 404, "not found", 0);
	return srv_file(s, root, name, NULL, 0);
}

/* What a store holds: manifests, headers, segments; nothing else. */
static int
store_file_name(const char *f)
{
	static const char *const ext[] = { ".m3u8", ".mpd", ".mp4", ".m4s",
	    ".ts" };
	size_t i, n = strlen(f), m;

	for (i = 0; i < SD_ARRAY_LEN(ext); i++) {
		m = strlen(ext[i]);
		if (n > m && strcmp(f + n - m, ext[i]) == 0)
			return 1;
	}
	return 0;
}

/* The spool's own folders of a proxy are not stores (spool.h). */
static int
store_variant(const char *v)
{
	return strcmp(v, "ts") != 0 && strcmp(v, "clients") != 0 &&
	    strcmp(v, "pass") != 0;
}

/*
 * A live session that died (killed, crashed) is no end of its channel: the
 * next request for any of its files starts it again with the decision it
 * was started with, and its store goes on with a discontinuity. Nothing
 * happens for a session that runs, or one whose files are gone.
 */
static void
revive_session(struct srv *s, const struct sd_proxy *px,
    const char *variant, const char *dir)
{
	struct sd_rec dec;
	char d[PATH_MAX];

	if (sd_session_rec_read(dir, ".decision", &dec) == 0 &&
	    sd_relay_ensure(s->cfg, px, variant, &dec, d, sizeof(d)) == -1)
		warn("%s: %s: the session could not start again", px->id,
		    variant);
	sd_rec_free(&dec);
}

/* /PROXY/VARIANT/FILE: a session's own files. */
static int
route_session_file(struct srv *s, const struct sd_proxy *px,
    const char *variant, const char *file)
{
	char dir[PATH_MAX], rel[PATH_MAX];
	size_t n = strlen(file);
	int rc;

	if (!sd_safe_name(file) || !store_file_name(file) ||
	    !store_variant(variant) || srv_session_dir(s->cfg, px->id,
	    variant, dir, sizeof(dir)) == -1)
		return srv_error(s, 404, "not found", 0);
	revive_session(s, px, variant, dir);
	srv_session_used(s, dir);
	if ((n > 5 && strcmp(file + n - 5, ".m3u8") == 0) ||
	    strcmp(file, "manifest.mpd") == 0) {
		if ((rc = srv_manifest_client(s, px)) != 0)
			return rc;
		return srv_store_manifest(s, dir, file, "");
	}
	snprintf(rel, sizeof(rel), "%s/%s/%s", px->id, variant, file);
	return srv_file(s, s->cfg->settings.spool, rel, NULL, 1);
}

static int
route_proxy(struct srv *s, const char *rest)
{
	char id[SD_NAME_MAX], variant[SD_NAME_MAX * 4];
	const struct sd_proxy *px;
	const char *slash = strchr(rest, '/'), *file, *why;
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);

	if (n == 0 || n >= sizeof(id))
		return srv_error(s, 404, "no such proxy", 0);
	memcpy(id, rest, n);
	id[n] = '\0';
	if ((why = sd_proxy_broken(s->cfg, id)) != NULL)
		return srv_error(s, 503, why, 0);
	if ((px = sd_proxy_find(s->cfg, id)) == NULL)
		return srv_error(s, 404, "no such proxy", 0);
	if (px->mode == SD_MODE_DIRECT)	/* /PROXY only: routes are exact */
		return slash == NULL ? srv_redirect(s, px->source) :
		    srv_error(s, 404, "not found", 0);
	if (slash == NULL || slash[1] == '\0')
		return srv_smart(s, px, NULL);
	rest = slash + 1;
	if ((rest[0] == 'p' || rest[0] == 's' || rest[0] == 'd') &&
	    rest[1] == '/')
		return srv_pass(s, px, rest);
	if ((slash = strchr(rest, '/')) == NULL)
		return srv_smart(s, px, rest);
	file = slash + 1;
	n = (size_t)(slash - rest);
	if (n >= sizeof(variant) || strchr(file, '/') != NULL)
		return srv_error(s, 404, "not found", 0);
	memcpy(variant, rest, n);
	variant[n] = '\0';
	return route_session_file(s, px, variant, file);
}

int
sd_serve(const struct sd_config *cfg, const struct sd_http_req *rq,
    const struct sd_serve_opts *opts, int out_fd)
{
	struct srv s = {
		.cfg = cfg, .rq = rq, .opts = opts, .fd = out_fd,
		.head_only = rq->method == SD_HTTP_HEAD,
	};
	const char *p = rq->path;

	if (strcmp(p, "/") == 0)
		return srv_page(&s);
	if (strcmp(p, "/playlist.m3u") == 0)
		return route_playlist(&s);
	if (strcmp(p, "/status") == 0)
		return srv_status(&s);
	if (strcmp(p, "/epg.xml") == 0)
		return srv_epg(&s);
	if (srv_hdhr_route(p))
		return srv_hdhr(&s, p);
	if (strncmp(p, "/www/", 5) == 0)
		return route_www(&s, p + 5);
	return route_proxy(&s, p + 1);
}
