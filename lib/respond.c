/*
 * respond.c - how sd-serve answers: heads, short errors, whole bodies,
 * redirects, files from inside a root (ETag, 304, one byte range) and a
 * store's manifests built per request. The routes (serve.c) and their
 * parts (serve_page.c, serve_smart.c) answer through these, and this file
 * calls none of them.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd.h"
#include "respond.h"
#include "util_int.h"
#include "http.h"

/* ---------------------------------------------------------------- heads */

int
srv_send_buf(struct srv *s, struct sd_buf *b)
{
	int rc = b->failed ? -1 : sd_write_all(s->fd, b->p, b->len, -1);

	sd_buf_free(b);
	return rc;
}

int
srv_error(struct srv *s, int status, const char *msg, int retry_after)
{
	struct sd_buf b;

	sd_buf_init(&b);
	sd_http_simple(&b, s->rq->cgi, s->head_only, status, msg, retry_after);
	sd_http_log_error(s->rq, status, msg);
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

/* The head, then the body unless the answer has none (HEAD, 304). */
static int
send_whole(struct srv *s, struct sd_http_resp *rs, const void *body,
    size_t len)
{
	int rc = send_head(s, rs);

	if (rc == 200 && !s->head_only &&
	    sd_write_all(s->fd, body, len, -1) == -1)
		return -1;
	return rc;
}

/* A whole in-memory answer: body with its type and caching. */
int
srv_send_body(struct srv *s, const char *type, const char *cache,
    const char *etag, const void *body, size_t len)
{
	struct sd_http_resp rs;

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
	return send_whole(s, &rs, body, len);
}

/* The page: HTML under its own Content-Security-Policy (the first header:
 * sd_http_resp_head then adds no other). */
int
srv_send_page(struct srv *s, const char *csp, const void *body, size_t len)
{
	struct sd_http_resp rs;

	sd_http_resp_init(&rs, 200);
	sd_http_header(&rs, "Content-Security-Policy", "%s", csp);
	sd_http_header(&rs, "Content-Type", "text/html; charset=utf-8");
	sd_http_header(&rs, "Cache-Control", "no-cache");
	sd_http_header(&rs, "Content-Length", "%zu", len);
	return send_whole(s, &rs, body, len);
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

int
srv_stream_head(struct srv *s)
{
	struct sd_http_resp rs;

	sd_http_resp_init(&rs, 200);
	sd_http_header(&rs, "Content-Type", "video/mp2t");
	sd_http_header(&rs, "Cache-Control", "no-store");
	return send_head(s, &rs) == 200 ? 200 : -1;
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
		if (sd_write_all(out, chunk, (size_t)n, -1) == -1)
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
	if (strcmp(sd_http_content_type(tn), "application/octet-stream") == 0)
		sd_http_header(&rs, "Content-Disposition", "attachment");
	sd_http_header(&rs, "Cache-Control", "%s",
	    sd_http_cache_control(tn, live));
	sd_http_header(&rs, "ETag", "%s", etag);
	sd_http_header(&rs, "Last-Modified", "%s", date);
	sd_http_header(&rs, "Accept-Ranges", "bytes");
	if (s->content_encoding)
		sd_http_header(&rs, "Content-Encoding", "%s",
		    s->content_encoding);
	if (s->content_encoding || s->vary_encoding)
		sd_http_header(&rs, "Vary", "Accept-Encoding");
	range_headers(&rs, (long long)sb.st_size, first, &last);
	rc = send_head(s, &rs);
	if ((rc == 200 || rc == 206) && !s->head_only && sb.st_size > 0 &&
	    copy_range(s->fd, fd, first, last - first + 1) == -1)
		rc = -1;
	close(fd);
	return rc;
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
		rc = sd_dash_mpd(&st, base, (double)(sd_real_ms() / 1000), &out);
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
