/*
 * serve.c - the routes of sd-serve(8): one parsed request, one answer.
 *
 *   /                      a page that lists the proxies and plays one
 *   /www/FILE              the page's scripts, from CONFDIR/www only
 *   /playlist.m3u          every proxy for IPTV clients
 *   /status                JSON: proxies, sessions, clients, upstreams
 *   /PROXY                 the format the client asked for (smart), or 302
 *   /PROXY/stream.ts       MPEG-TS
 *   /PROXY/master.m3u8     HLS (master-ts.m3u8: version 3 TS segments)
 *   /PROXY/manifest.mpd    DASH
 *   /PROXY/VARIANT/FILE    a session's media playlists, headers, segments
 *   /PROXY/p|s|d/...       HLS/DASH passthrough: names the relay gave
 *
 * Files are read only from inside the spool (after realpath) and from the
 * config folder's www/; every other path is a 404 before any open().
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "serve_int.h"

/* Write all of buf; a client that went away (EPIPE) is not our error. */
int
sd_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
srv_send_buf(struct srv *s, struct sd_buf *b)
{
	int rc = b->failed ? -1 : sd_write_full(s->fd, b->p, b->len);

	sd_buf_free(b);
	return rc;
}

/* A short text answer (errors and the like); returns status. */
int
srv_error(struct srv *s, int status, const char *msg, int retry_after)
{
	struct sd_buf b;

	sd_buf_init(&b);
	sd_http_simple(&b, s->rq->cgi, s->head_only, status, msg, retry_after);
	s->status = status;
	return srv_send_buf(s, &b) == -1 ? -1 : status;
}

/* Send a head; the body is the caller's. -1 when a header was refused. */
static int
send_head(struct srv *s, struct sd_http_resp *rs)
{
	struct sd_buf b;

	sd_buf_init(&b);
	if (sd_http_resp_head(rs, s->rq->cgi, &b) == -1) {
		sd_buf_free(&b);
		sd_http_resp_free(rs);
		return srv_error(s, 500, "a header value was refused", 0);
	}
	sd_http_resp_free(rs);
	s->status = rs->status;
	return srv_send_buf(s, &b) == -1 ? -1 : rs->status;
}

/* A whole in-memory answer: body with its type and caching. */
int
srv_send_body(struct srv *s, const char *type, const char *cache,
    const char *etag, const void *body, size_t len)
{
	struct sd_http_resp rs;
	int rc;

	if (etag && s->rq->if_none_match[0] &&
	    sd_http_etag_match(s->rq->if_none_match, etag))
		sd_http_resp_init(&rs, 304);
	else
		sd_http_resp_init(&rs, 200);
	sd_http_header(&rs, "Content-Type", "%s", type);
	sd_http_header(&rs, "Cache-Control", "%s", cache);
	if (etag)
		sd_http_header(&rs, "ETag", "%s", etag);
	if (rs.status == 200)
		sd_http_header(&rs, "Content-Length", "%zu", len);
	rc = send_head(s, &rs);
	if (rc == 200 && !s->head_only &&
	    sd_write_full(s->fd, body, len) == -1)
		return -1;
	return rc;
}

/* 302 to url (checked for CR/LF and controls by the header writer). */
int
srv_redirect(struct srv *s, const char *url)
{
	struct sd_http_resp rs;

	sd_http_resp_init(&rs, 302);
	sd_http_header(&rs, "Location", "%s", url);
	sd_http_header(&rs, "Cache-Control", "no-store");
	sd_http_header(&rs, "Content-Length", "0");
	return send_head(s, &rs);
}

/* 1 when real path p lies inside real directory d. */
static int
inside(const char *p, const char *d)
{
	size_t n = strlen(d);

	return strncmp(p, d, n) == 0 && (p[n] == '/' || (n == 1 && *d == '/'));
}

static int
copy_range(int out, int in, uint64_t first, uint64_t count)
{
	char chunk[65536];
	ssize_t n;

	if (lseek(in, (off_t)first, SEEK_SET) == -1)
		return -1;
	while (count > 0) {
		n = read(in, chunk, count < sizeof(chunk) ? count :
		    sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (sd_write_full(out, chunk, (size_t)n) == -1)
			return -1;
		count -= (uint64_t)n;
	}
	return 0;
}

/*
 * Open root/rel, a regular file whose real path (symbolic links
 * resolved) stays inside root's: a link in the spool leads nowhere else.
 * Returns the fd, or -1.
 */
static int
open_inside(const char *root, const char *rel, struct stat *sb)
{
	char path[PATH_MAX], real[PATH_MAX], rroot[PATH_MAX];
	int fd;

	if (realpath(root, rroot) == NULL ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", rroot, rel) >=
	    sizeof(path) || realpath(path, real) == NULL ||
	    !inside(real, rroot) ||
	    (fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	if (fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Content-Range and Content-Length for the status chosen; *last fixed. */
static void
range_headers(struct sd_http_resp *rs, long long size, uint64_t first,
    uint64_t *last)
{
	if (rs->status == 416) {
		sd_http_header(rs, "Content-Range", "bytes */%lld", size);
		sd_http_header(rs, "Content-Length", "0");
	} else if (rs->status == 206) {
		sd_http_header(rs, "Content-Range", "bytes %llu-%llu/%lld",
		    (unsigned long long)first, (unsigned long long)*last, size);
		sd_http_header(rs, "Content-Length", "%llu",
		    (unsigned long long)(*last - first + 1));
	} else if (rs->status == 200) {
		sd_http_header(rs, "Content-Length", "%lld", size);
		*last = size ? (uint64_t)size - 1 : 0;
	}
}

/*
 * Serve the regular file root/rel (root: the spool or the config's www/),
 * its Content-Type from type_name's extension (NULL: rel's): ETag,
 * Last-Modified, 304, one byte range (206/416), HEAD.
 */
int
srv_file(struct srv *s, const char *root, const char *rel,
    const char *type_name, int live)
{
	char etag[80], date[64];
	const char *tn = type_name ? type_name : rel;
	struct sd_http_resp rs;
	struct stat sb;
	uint64_t first = 0, last = 0;
	int fd, r, rc;

	if ((fd = open_inside(root, rel, &sb)) == -1)
		return srv_error(s, 404, "not found", 0);
	sd_http_etag(etag, sizeof(etag), (uint64_t)sb.st_size,
	    (int64_t)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
	sd_http_date(date, sizeof(date), (long long)sb.st_mtim.tv_sec);
	r = sd_http_range(s->rq->range[0] ? s->rq->range : NULL,
	    (uint64_t)sb.st_size, &first, &last);
	if (sd_http_not_modified(s->rq, etag, (long long)sb.st_mtim.tv_sec))
		sd_http_resp_init(&rs, 304);
	else
		sd_http_resp_init(&rs, r == -1 ? 416 : r == 1 ? 206 : 200);
	sd_http_header(&rs, "Content-Type", "%s", sd_http_content_type(tn));
	sd_http_header(&rs, "Cache-Control", "%s",
	    sd_http_cache_control(tn, live));
	sd_http_header(&rs, "ETag", "%s", etag);
	sd_http_header(&rs, "Last-Modified", "%s", date);
	sd_http_header(&rs, "Accept-Ranges", "bytes");
	range_headers(&rs, (long long)sb.st_size, first, &last);
	rc = send_head(s, &rs);
	if ((rc == 200 || rc == 206) && !s->head_only && sb.st_size > 0 &&
	    copy_range(s->fd, fd, first, last - first + 1) == -1)
		rc = -1;
	close(fd);
	return rc;
}

/* SPOOL/PROXY/VARIANT when both names are safe; -1 otherwise. */
int
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

/*
 * A manifest built from a store's index per request (the index is the
 * truth; sd-manifest(1) does the same). name: master.m3u8,
 * master-ts.m3u8, manifest.mpd or TRACK.m3u8. base: prefix of every URI.
 * ETag from the index, so a poll that finds nothing new is a 304.
 */
int
srv_store_manifest(struct srv *s, const char *dir, const char *name,
    const char *base)
{
	struct sd_store st;
	struct sd_buf out;
	struct stat sb;
	char ipath[PATH_MAX], etag[128], track[32];
	size_t n = strlen(name);
	int rc;

	if ((size_t)snprintf(ipath, sizeof(ipath), "%s/index", dir) >=
	    sizeof(ipath) || stat(ipath, &sb) == -1)
		return srv_error(s, 404, "no such store", 0);
	sd_store_init(&st);
	if (sd_store_read(&st, dir) == -1) {
		sd_store_free(&st);
		return srv_error(s, 500, "the store's index is unreadable", 0);
	}
	sd_buf_init(&out);
	if (strcmp(name, "master.m3u8") == 0)
		rc = sd_hls_master(&st, base, &out);
	else if (strcmp(name, "master-ts.m3u8") == 0)
		rc = sd_hls_master_ts(&st, base, &out);
	else if (strcmp(name, "manifest.mpd") == 0)
		rc = sd_dash_mpd(&st, base, (double)time(NULL), &out);
	else if (n > 5 && n - 5 < sizeof(track) &&
	    strcmp(name + n - 5, ".m3u8") == 0) {
		memcpy(track, name, n - 5);
		track[n - 5] = '\0';
		rc = sd_store_track_index(&st, track) < 0 ? -2 :
		    sd_hls_media(&st, track, base, &out);
	} else
		rc = -2;
	if (rc == -2) {
		rc = srv_error(s, 404, "no such manifest", 0);
	} else if (rc == -1) {
		/* A live store with no segment yet: the player retries. */
		rc = srv_error(s, 503, "no segment yet", 1);
	} else {
		snprintf(etag, sizeof(etag), "\"%llx-%lx-%zx-%s\"",
		    (unsigned long long)sb.st_mtim.tv_sec,
		    (unsigned long)sb.st_mtim.tv_nsec, strlen(base), name);
		if (strcmp(name, "manifest.mpd") == 0 && st.live)
			etag[0] = '\0';	/* publishTime moves with the clock */
		rc = srv_send_body(s, sd_http_content_type(name),
		    sd_http_cache_control(name, st.live && !st.ended),
		    etag[0] ? etag : NULL, out.p ? out.p : "", out.len);
	}
	sd_buf_free(&out);
	sd_store_free(&st);
	return rc;
}

/* HTML/XML text: & < > " ' escaped. */
void
srv_html(struct sd_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sd_buf_printf(b, "&amp;"); break;
		case '<': sd_buf_printf(b, "&lt;"); break;
		case '>': sd_buf_printf(b, "&gt;"); break;
		case '"': sd_buf_printf(b, "&quot;"); break;
		case '\'': sd_buf_printf(b, "&#39;"); break;
		default:
			if ((unsigned char)*s >= 0x20)
				sd_buf_append(b, s, 1);
		}
	}
}

/* A JSON string with its quotes. */
void
srv_json(struct sd_buf *b, const char *s)
{
	sd_buf_append(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			sd_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			sd_buf_printf(b, "\\u%04x", c);
		else
			sd_buf_append(b, s, 1);
	}
	sd_buf_append(b, "\"", 1);
}

/*
 * Where sd-serve is reached from outside, for absolute URLs: sd.ini's
 * base_url, else scheme://Host + SCRIPT_NAME (a Host with anything but
 * host-name characters is not used: it would land inside a playlist).
 */
void
srv_base_url(const struct srv *s, char *buf, size_t len)
{
	const struct sd_http_req *rq = s->rq;
	const char *h;
	int https = rq->https || strcasecmp(rq->forwarded_proto, "https") == 0;

	if (s->cfg->settings.base_url[0]) {
		strlcpy(buf, s->cfg->settings.base_url, len);
		if (*buf && buf[strlen(buf) - 1] == '/')
			buf[strlen(buf) - 1] = '\0';
		return;
	}
	for (h = rq->host; *h; h++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-:[]", *h))
			break;
	if (*h || !rq->host[0] || !sd_manifest_base_ok(rq->script_name)) {
		strlcpy(buf, rq->script_name, len);
		return;
	}
	snprintf(buf, len, "%s://%s%s", https ? "https" : "http", rq->host,
	    rq->script_name);
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

static int
route_playlist(struct srv *s)
{
	struct sd_buf b;
	char base[1024];
	const struct sd_proxy *px;
	const char *p;
	size_t i;
	int rc;

	srv_base_url(s, base, sizeof(base));
	sd_buf_init(&b);
	sd_buf_printf(&b, "#EXTM3U\n");
	for (i = 0; i < s->cfg->nproxies; i++) {
		px = &s->cfg->proxies[i];
		sd_buf_printf(&b, "#EXTINF:-1");
		m3u_attr(&b, "tvg-id", px->tvg_id);
		m3u_attr(&b, "tvg-name", px->name[0] ? px->name : px->id);
		m3u_attr(&b, "tvg-logo", px->logo);
		m3u_attr(&b, "group-title", px->group);
		sd_buf_append(&b, ",", 1);
		for (p = px->name[0] ? px->name : px->id; *p; p++)
			if ((unsigned char)*p >= 0x20)
				sd_buf_append(&b, p, 1);
		sd_buf_printf(&b, "\n%s/%s\n", base, px->id);
	}
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
	const char *slash = strchr(rest, '/'), *file;
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);

	if (n == 0 || n >= sizeof(id))
		return srv_error(s, 404, "no such proxy", 0);
	memcpy(id, rest, n);
	id[n] = '\0';
	if ((px = sd_proxy_find(s->cfg, id)) == NULL)
		return srv_error(s, 404, "no such proxy", 0);
	if (px->mode == SD_MODE_DIRECT)
		return srv_redirect(s, px->source);
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
	if (strncmp(p, "/www/", 5) == 0)
		return route_www(&s, p + 5);
	return route_proxy(&s, p + 1);
}
