/*
 * http.c - one HTTP request in, one response's head out, for sd-serve.
 *
 * Two sources of a request: a CGI environment (RFC 3875) or a raw HTTP/1.1
 * request head (inetd). Both end in the same struct sd_http_req, with the
 * path percent-decoded and checked so that the router can map it onto the
 * spool by plain string work. Everything here is pure except
 * sd_http_read_head (bounded reads with a deadline) and the date helpers.
 */
#include <ctype.h>
#include <err.h>
#include <stddef.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "http.h"

static const struct {
	int code;
	const char *reason;
} reasons[] = {
	{ 200, "OK" }, { 206, "Partial Content" }, { 302, "Found" },
	{ 304, "Not Modified" }, { 400, "Bad Request" },
	{ 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
	{ 408, "Request Timeout" },
	{ 414, "URI Too Long" }, { 416, "Range Not Satisfiable" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
};

const char *
sd_http_reason(int code)
{
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(reasons); i++)
		if (reasons[i].code == code)
			return reasons[i].reason;
	return "Unknown";
}

void
sd_http_req_init(struct sd_http_req *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->method = SD_HTTP_OTHER;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Each component of an absolute, decoded path: no "." or "..", no
 * backslash, no control byte. Empty components ("//") are refused too, so
 * that one path has one spelling.
 */
int
sd_http_path_ok(const char *path)
{
	const char *p, *c;
	size_t n;

	if (path[0] != '/')
		return 0;
	for (p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	for (c = path + 1; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		if (n == 0 && c[n] == '/')
			return 0;
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' &&
		    c[1] == '.'))
			return 0;
	}
	return 1;
}

/*
 * Percent-decode a raw path into out. An encoded slash or backslash would
 * let a component hide a separator, and %00 would cut the string: each is
 * refused (400), as is a malformed escape. 414 when it does not fit.
 */
int
sd_http_decode_path(const char *raw, size_t rawlen, char *out, size_t outlen)
{
	size_t i, o = 0;
	int hi, lo, c;

	for (i = 0; i < rawlen; i++) {
		c = (unsigned char)raw[i];
		if (c == '%') {
			if (i + 2 >= rawlen)
				return 400;
			hi = hexval((unsigned char)raw[i + 1]);
			lo = hexval((unsigned char)raw[i + 2]);
			if (hi < 0 || lo < 0)
				return 400;
			c = hi * 16 + lo;
			i += 2;
			if (c == '/' || c == '\\' || c == 0)
				return 400;
		} else if (c == 0) {
			return 400;
		}
		if (o + 1 >= outlen)
			return 414;
		out[o++] = (char)c;
	}
	if (outlen == 0)
		return 414;
	out[o] = '\0';
	return sd_http_path_ok(out) ? 0 : 400;
}

/* Copy a header value, 431 when it is longer than the field allows. */
static int
set_field(char *dst, size_t dstlen, const char *v, size_t vlen)
{
	while (vlen > 0 && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (vlen >= dstlen)
		return 431;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return 0;
}

static int
set_method(struct sd_http_req *rq, const char *m, size_t len)
{
	if (len == 3 && memcmp(m, "GET", 3) == 0)
		rq->method = SD_HTTP_GET;
	else if (len == 4 && memcmp(m, "HEAD", 4) == 0)
		rq->method = SD_HTTP_HEAD;
	else
		rq->method = SD_HTTP_OTHER;
	if (len == 0 || len >= sizeof(rq->method_name))
		return 400;
	memcpy(rq->method_name, m, len);
	rq->method_name[len] = '\0';
	return rq->method == SD_HTTP_OTHER ? 405 : 0;
}

/* The headers sd-serve reads; every other one is ignored. */
static int
set_header(struct sd_http_req *rq, const char *name, size_t nlen,
    const char *v, size_t vlen)
{
	static const struct {
		const char *name;
		size_t off, len;
	} known[] = {
#define F(h, f) { h, offsetof(struct sd_http_req, f), \
		sizeof(((struct sd_http_req *)0)->f) }
		F("host", host), F("accept", accept),
		F("user-agent", user_agent), F("range", range),
		F("if-none-match", if_none_match),
		F("if-modified-since", if_modified_since),
		F("x-forwarded-proto", forwarded_proto),
		F("accept-encoding", accept_encoding),
#undef F
	};
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(known); i++)
		if (strlen(known[i].name) == nlen &&
		    strncasecmp(known[i].name, name, nlen) == 0)
			return set_field((char *)rq + known[i].off,
			    known[i].len, v, vlen);
	return 0;
}

/* Split a request target into path and query; 414 when too long. */
static int
set_target(struct sd_http_req *rq, const char *t, size_t len, int decode)
{
	const char *q = memchr(t, '?', len);
	size_t plen = q ? (size_t)(q - t) : len;
	int rc;

	if (q) {
		if (len - plen - 1 >= sizeof(rq->query))
			return 414;
		memcpy(rq->query, q + 1, len - plen - 1);
		rq->query[len - plen - 1] = '\0';
	}
	if (plen >= sizeof(rq->path))
		return 414;
	if (decode)
		return sd_http_decode_path(t, plen, rq->path, sizeof(rq->path));
	memcpy(rq->path, t, plen);
	rq->path[plen] = '\0';
	rc = memchr(t, '\0', plen) ? 400 : 0;
	if (rc == 0 && !sd_http_path_ok(rq->path))
		rc = 400;
	return rc;
}

static const char *
env_get(char *const envp[], const char *name, size_t *vlen)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') {
			*vlen = strlen(*envp + n + 1);
			return *envp + n + 1;
		}
	return NULL;
}

/* HTTP_USER_AGENT -> user-agent, the header name CGI folded it from. */
static int
env_header(struct sd_http_req *rq, const char *e)
{
	char name[64];
	const char *eq = strchr(e, '='), *p;
	size_t n = 0;

	if (eq == NULL || (size_t)(eq - e) - 5 >= sizeof(name))
		return 0;
	for (p = e + 5; p < eq; p++)
		name[n++] = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
	name[n] = '\0';
	/* httpoxy: a "Proxy:" request header must never become $HTTP_PROXY
	 * for anything we run. */
	if (strcmp(name, "proxy") == 0)
		return 0;
	return set_header(rq, name, n, eq + 1, strlen(eq + 1));
}

/*
 * Parse a CGI request from envp. PATH_INFO is already decoded by the
 * server (RFC 3875 4.1.5): it is checked, not decoded again. Returns 0 or
 * the status to answer (400, 405, 414, 431).
 */
int
sd_http_parse_cgi(struct sd_http_req *rq, char *const envp[])
{
	const char *v;
	size_t len;
	int rc;
	char *const *e;

	sd_http_req_init(rq);
	rq->cgi = 1;
	if ((v = env_get(envp, "REQUEST_METHOD", &len)) == NULL)
		return 400;
	if ((rc = set_method(rq, v, len)) != 0)
		return rc;
	if ((v = env_get(envp, "PATH_INFO", &len)) == NULL || len == 0)
		v = "/", len = 1;
	if ((rc = set_target(rq, v, len, 0)) != 0)
		return rc;
	if ((v = env_get(envp, "QUERY_STRING", &len)) != NULL) {
		if (len >= sizeof(rq->query))
			return 414;
		memcpy(rq->query, v, len + 1);
	}
	if ((v = env_get(envp, "SCRIPT_NAME", &len)) != NULL &&
	    set_field(rq->script_name, sizeof(rq->script_name), v, len) != 0)
		return 414;
	if ((v = env_get(envp, "REMOTE_ADDR", &len)) != NULL)
		set_field(rq->remote_addr, sizeof(rq->remote_addr), v, len);
	if ((v = env_get(envp, "HTTPS", &len)) != NULL &&
	    strcasecmp(v, "on") == 0)
		rq->https = 1;
	for (e = envp; e && *e; e++)
		if (strncmp(*e, "HTTP_", 5) == 0 &&
		    (rc = env_header(rq, *e)) != 0)
			return rc;
	return 0;
}

/* The request line: METHOD SP TARGET SP HTTP/1.x */
static int
parse_request_line(struct sd_http_req *rq, const char *l, size_t len)
{
	const char *sp1 = memchr(l, ' ', len), *sp2, *ver;
	size_t vlen;
	int rc;

	if (sp1 == NULL)
		return 400;
	if ((rc = set_method(rq, l, (size_t)(sp1 - l))) != 0 && rc != 405)
		return rc;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - l));
	if (sp2 == NULL)
		return 400;
	ver = sp2 + 1;
	vlen = len - (size_t)(ver - l);
	if (vlen != 8 || memcmp(ver, "HTTP/1.", 7) != 0 ||
	    (ver[7] != '0' && ver[7] != '1'))
		return 400;
	rq->http10 = ver[7] == '0';
	if (rc == 405)
		return rc;
	if (sp1[1] != '/')
		return 400;	/* absolute-form and '*': not for an origin */
	return set_target(rq, sp1 + 1, (size_t)(sp2 - sp1 - 1), 1);
}

/*
 * Parse a raw request head (request line and header lines, CRLF or LF line
 * ends, up to the empty line). Header lines over SD_HTTP_LINE_MAX give 431;
 * folded (obsolete) lines, bytes < 0x20 in a value and a missing Host in
 * HTTP/1.1 give 400. Returns 0 or the status to answer.
 */
int
sd_http_parse_raw(struct sd_http_req *rq, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl, *colon, *q;
	size_t l;
	int rc, first = 1, host = 0;

	sd_http_req_init(rq);
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 400;
		l = (size_t)(nl - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l > SD_HTTP_LINE_MAX)
			return first ? 414 : 431;
		if (l == 0) {
			if (first)
				return 400;
			/* RFC 9112 3.2: exactly one Host in HTTP/1.1 */
			return host > 1 || (!rq->http10 && !host) ? 400 : 0;
		}
		for (q = p; q < p + l; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t')
				return 400;
		if (first) {
			if ((rc = parse_request_line(rq, p, l)) != 0)
				return rc;
			first = 0;
		} else {
			if (*p == ' ' || *p == '\t')
				return 400;
			colon = memchr(p, ':', l);
			if (colon == NULL || colon == p)
				return 400;
			for (q = p; q < colon; q++)
				if (*q == ' ' || *q == '\t')
					return 400;
			if ((size_t)(colon - p) == 4 &&
			    strncasecmp(p, "host", 4) == 0)
				host++;
			rc = set_header(rq, p, (size_t)(colon - p), colon + 1,
			    l - (size_t)(colon + 1 - p));
			if (rc != 0)
				return rc;
		}
		p = nl + 1;
	}
	return 400;	/* no empty line: the head never ended */
}

/* 1 when buf[0..len) ends a head: "\n\n" or "\n\r\n" at its end. */
static int
head_ends(const char *buf, size_t len)
{
	return len >= 2 && buf[len - 1] == '\n' && (buf[len - 2] == '\n' ||
	    (len >= 3 && buf[len - 2] == '\r' && buf[len - 3] == '\n'));
}

/*
 * Read a request head from fd, one byte at a time so that nothing after the
 * head is consumed, for at most timeout_ms in all (a slow client cannot
 * hold the process). Returns 0 with *len set, or 408 (timeout), 431 (no
 * end within cap bytes) or 400 (EOF or read error).
 */
int
sd_http_read_head(int fd, char *buf, size_t cap, size_t *len, int timeout_ms)
{
	long long deadline = sd_mono_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;
	int left;

	*len = 0;
	while (n < cap) {
		left = (int)(deadline - sd_mono_ms());
		if (left <= 0)
			return 408;
		if (poll(&pfd, 1, left) <= 0) {
			if (errno == EINTR)
				continue;
			return 408;
		}
		r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 400;
		n++;
		if (head_ends(buf, n)) {
			*len = n;
			return 0;
		}
	}
	return 431;
}

/*
 * One byte range ("bytes=A-B", "bytes=A-", "bytes=-N") against a file of
 * size bytes. Returns 1 with [*first, *last] set, 0 when the header is
 * absent, malformed or asks for several ranges (the whole file is then
 * the answer, RFC 9110 14.2), -1 when it cannot be satisfied (416).
 */
int
sd_http_range(const char *hdr, uint64_t size, uint64_t *first,
    uint64_t *last)
{
	const char *p;
	char *e;
	unsigned long long a, b;

	if (hdr == NULL || strncasecmp(hdr, "bytes=", 6) != 0)
		return 0;
	p = hdr + 6;
	while (*p == ' ')
		p++;
	if (strchr(p, ',') != NULL)
		return 0;
	if (*p == '-') {
		if (!isdigit((unsigned char)p[1]))
			return 0;
		errno = 0;
		b = strtoull(p + 1, &e, 10);
		if (errno != 0 || *e != '\0')
			return 0;
		if (b == 0 || size == 0)
			return -1;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (!isdigit((unsigned char)*p))
		return 0;
	errno = 0;
	a = strtoull(p, &e, 10);
	if (errno != 0 || *e != '-')
		return 0;
	p = e + 1;
	if (*p == '\0') {
		b = size ? size - 1 : 0;
	} else {
		if (!isdigit((unsigned char)*p))
			return 0;
		b = strtoull(p, &e, 10);
		if (errno != 0 || *e != '\0' || b < a)
			return 0;
	}
	if (a >= size)
		return -1;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return 1;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Content-Type by the file name: the store's files and the player page. */
const char *
sd_http_content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".m3u8", "application/vnd.apple.mpegurl" },
		{ ".m3u", "audio/x-mpegurl" },
		{ ".mpd", "application/dash+xml" },
		{ ".mp4", "video/mp4" },
		{ ".m4s", "video/iso.segment" },
		{ ".m4v", "video/mp4" },
		{ ".cmfv", "video/mp4" },
		{ ".m4a", "audio/mp4" },
		{ ".cmfa", "audio/mp4" },
		{ ".ts", "video/mp2t" },
		{ ".aac", "audio/aac" },
		{ ".ac3", "audio/ac3" },
		{ ".ec3", "audio/eac3" },
		{ ".vtt", "text/vtt; charset=utf-8" },
		{ ".webvtt", "text/vtt; charset=utf-8" },
		{ ".ttml", "application/ttml+xml" },
		{ ".dfxp", "application/ttml+xml" },
		{ ".js", "text/javascript" },
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css" },
		{ ".json", "application/json" },
		{ ".xml", "application/xml" },
	};
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(types); i++)
		if (ends_with(name, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/*
 * Segments and headers are named uniquely per session and never change:
 * immutable. A live manifest changes every segment: a second, so that an
 * HTTP cache in front collapses a crowd's polls into one. VOD manifests
 * change only when the store is rebuilt.
 */
const char *
sd_http_cache_control(const char *name, int live)
{
	if (ends_with(name, ".m3u8") || ends_with(name, ".mpd"))
		return live ? "public, max-age=1" : "public, max-age=300";
	if (ends_with(name, ".m4s") || ends_with(name, ".mp4") ||
	    ends_with(name, ".ts"))
		return "public, max-age=31536000, immutable";
	return "no-cache";
}

void
sd_http_etag(char *buf, size_t len, uint64_t size, int64_t mtime_sec,
    long mtime_nsec)
{
	snprintf(buf, len, "\"%llx-%llx-%lx\"", (unsigned long long)size,
	    (unsigned long long)mtime_sec, (unsigned long)mtime_nsec);
}

/* If-None-Match: "*" or a list of (possibly weak) tags, compared weakly. */
int
sd_http_etag_match(const char *inm, const char *etag)
{
	const char *p = inm, *q;
	size_t n = strlen(etag);

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		q = p + strcspn(p, ",");
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if ((size_t)(q - p) == n && strncmp(p, etag, n) == 0)
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

/* An IMF-fixdate (RFC 9110 5.6.7), always GMT. */
void
sd_http_date(char *buf, size_t len, long long t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* -1 when s is not an IMF-fixdate. */
long long
sd_http_parse_date(const char *s)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	e = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (e == NULL || *e != '\0')
		return -1;
	return (long long)timegm(&tm);
}

/*
 * 1 when the client's copy is current: If-None-Match decides when present
 * (RFC 9110 13.2.2), else If-Modified-Since against the whole second.
 */
int
sd_http_not_modified(const struct sd_http_req *rq, const char *etag,
    long long mtime)
{
	long long ims;

	if (rq->if_none_match[0])
		return sd_http_etag_match(rq->if_none_match, etag);
	if (rq->if_modified_since[0] &&
	    (ims = sd_http_parse_date(rq->if_modified_since)) != -1)
		return mtime <= ims;
	return 0;
}

/* Decode one query value (%XX and '+'); the first key=... wins. */
int
sd_http_query_get(const char *query, const char *key, char *out,
    size_t outlen)
{
	size_t klen = strlen(key), o = 0, n;
	const char *p = query, *v;
	int hi, lo;

	for (; p && *p; p += n + (p[n] == '&')) {
		n = strcspn(p, "&");
		if (n <= klen || strncmp(p, key, klen) != 0 || p[klen] != '=')
			continue;
		for (v = p + klen + 1; v < p + n; v++) {
			int c = (unsigned char)*v;

			if (c == '+')
				c = ' ';
			else if (c == '%' && v + 2 < p + n &&
			    (hi = hexval((unsigned char)v[1])) >= 0 &&
			    (lo = hexval((unsigned char)v[2])) >= 0) {
				c = hi * 16 + lo;
				v += 2;
			}
			if (c < 0x20 || o + 1 >= outlen)
				return -1;
			out[o++] = (char)c;
		}
		if (outlen == 0)
			return -1;
		out[o] = '\0';
		return 0;
	}
	return -1;
}

/* ------------------------------------------------------------- responses */

void
sd_http_resp_init(struct sd_http_resp *rs, int status)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = status;
	sd_buf_init(&rs->head);
}

void
sd_http_resp_free(struct sd_http_resp *rs)
{
	sd_buf_free(&rs->head);
}

static int
token_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~",
		    *s))
			return 0;
	return 1;
}

/*
 * Add a header. A value with CR, LF or any other control byte (a URL from
 * a config, a source that answers with one) is refused: the header is not
 * written, and rs->failed makes the whole response a 500 at the end.
 */
int
sd_http_header(struct sd_http_resp *rs, const char *name, const char *fmt,
    ...)
{
	char v[4096];
	va_list ap;
	int n;
	const char *p;

	va_start(ap, fmt);
	n = vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(v) || !token_ok(name))
		goto bad;
	for (p = v; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			goto bad;
	return sd_buf_printf(&rs->head, "%s: %s\r\n", name, v);
bad:
	rs->failed = 1;
	return -1;
}

/*
 * The response head: "HTTP/1.1 CODE REASON" in inetd mode, a "Status:"
 * header in CGI mode (RFC 3875 6.3.3), then the headers and an empty line.
 * Every response gets CORS (players on other origins read manifests and
 * segments), X-Content-Type-Options: nosniff, a Content-Security-Policy
 * that makes it no document (unless its first header is a policy of its
 * own: the page's) and, in inetd mode, Connection: close (one request a
 * process).
 */
int
sd_http_resp_head(const struct sd_http_resp *rs, int cgi, struct sd_buf *out)
{
	if (rs->failed || rs->head.failed)
		return -1;
	if (cgi)
		sd_buf_printf(out, "Status: %d %s\r\n", rs->status,
		    sd_http_reason(rs->status));
	else
		sd_buf_printf(out, "HTTP/1.1 %d %s\r\nConnection: close\r\n",
		    rs->status, sd_http_reason(rs->status));
	sd_buf_printf(out, "Access-Control-Allow-Origin: *\r\n"
	    "X-Content-Type-Options: nosniff\r\n");
	/* Nothing but the page (which sends its own) is a document: an
	 * MPD or a TTML file opened in a browser runs no script. */
	if (rs->head.p == NULL || strncasecmp(rs->head.p,
	    "Content-Security-Policy:", 24) != 0)
		sd_buf_printf(out, "Content-Security-Policy: default-src "
		    "'none'; sandbox\r\n");
	if (rs->head.len)
		sd_buf_append(out, rs->head.p, rs->head.len);
	sd_buf_append(out, "\r\n", 2);
	return out->failed ? -1 : 0;
}

/*
 * A whole short answer for an error or a redirect: text/plain body of one
 * line (none for HEAD), Allow for 405, Retry-After for 503 when given.
 */
int
sd_http_simple(struct sd_buf *out, int cgi, int head_only, int status,
    const char *msg, int retry_after)
{
	struct sd_http_resp rs;
	char body[256];
	int n, rc;

	n = snprintf(body, sizeof(body), "%d %s%s%s\n", status,
	    sd_http_reason(status), msg && *msg ? ": " : "", msg ? msg : "");
	if (n < 0 || (size_t)n >= sizeof(body))
		n = (int)strlen(body);
	sd_http_resp_init(&rs, status);
	sd_http_header(&rs, "Content-Type", "text/plain; charset=utf-8");
	sd_http_header(&rs, "Content-Length", "%d", n);
	sd_http_header(&rs, "Cache-Control", "no-store");
	if (status == 405)
		sd_http_header(&rs, "Allow", "GET, HEAD");
	if (retry_after > 0)
		sd_http_header(&rs, "Retry-After", "%d", retry_after);
	rc = sd_http_resp_head(&rs, cgi, out);
	sd_http_resp_free(&rs);
	if (rc == 0 && !head_only)
		sd_buf_append(out, body, (size_t)n);
	return rc;
}

/*
 * The one line a server error leaves on stderr, where lighttpd's errorlog,
 * the journal or inetd's log keeps it: "sd-serve: GET /path: 503 reason".
 * A byte a log line must not carry (control, non-ASCII) is written '?'.
 */
static void
log_safe(char *out, size_t len, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

void
sd_http_log_error(const struct sd_http_req *rq, int status, const char *msg)
{
	char method[16], path[512];

	if (status < 500)
		return;
	log_safe(method, sizeof(method), rq->method_name[0] != '\0' ?
	    rq->method_name : "-");
	log_safe(path, sizeof(path), rq->path[0] != '\0' ? rq->path : "-");
	warnx("%s %s: %d %s", method, path, status,
	    msg != NULL ? msg : sd_http_reason(status));
}
