/*
 * http.h - the HTTP parts beyond what sd.h offers sd-serve(8): paths,
 * queries, ranges, validators, dates and response heads (http.c), for
 * the router (serve*.c, respond.c) inside lib/. Not a public interface.
 *
 * A request's path is percent-decoded and checked (no "." or ".."
 * component, no encoded slash or backslash, no NUL or control byte, no
 * empty component); GET and HEAD only. Pure but for sd_http_read_head.
 * Parsers return 0 or the HTTP status to answer (400, 405, 408, 414, 431).
 */
#ifndef SD_HTTP_H
#define SD_HTTP_H

#include "sd.h"

#define SD_HTTP_LINE_MAX 8192	/* one request or header line */

int sd_http_decode_path(const char *raw, size_t rawlen, char *out,
    size_t outlen);
int sd_http_path_ok(const char *path);
/* Decode query parameter key into out; -1 when absent or unusable. */
int sd_http_query_get(const char *query, const char *key, char *out,
    size_t outlen);
/* One byte range: 1 [first,last] set, 0 whole file, -1 unsatisfiable. */
int sd_http_range(const char *hdr, uint64_t size, uint64_t *first,
    uint64_t *last);
const char *sd_http_reason(int code);
const char *sd_http_content_type(const char *name);
const char *sd_http_cache_control(const char *name, int live);
void sd_http_etag(char *buf, size_t len, uint64_t size, int64_t mtime_sec,
    long mtime_nsec);
int sd_http_etag_match(const char *if_none_match, const char *etag);
void sd_http_date(char *buf, size_t len, long long t);
long long sd_http_parse_date(const char *s);
int sd_http_not_modified(const struct sd_http_req *rq, const char *etag,
    long long mtime);

/* A response head being built; a refused header poisons it (failed). */
struct sd_http_resp {
	int status;
	struct sd_buf head;
	int failed;
};
void sd_http_resp_init(struct sd_http_resp *rs, int status);
void sd_http_resp_free(struct sd_http_resp *rs);
/* Refuses (-1, rs->failed) a bad name or a value with CR, LF or controls. */
int sd_http_header(struct sd_http_resp *rs, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Status line (inetd) or Status: (CGI), CORS, headers, empty line. */
int sd_http_resp_head(const struct sd_http_resp *rs, int cgi,
    struct sd_buf *out);

/* A 5xx answer, with its request, on stderr (the server log); once each. */
void sd_http_log_error(const struct sd_http_req *rq, int status,
    const char *msg);

#endif /* SD_HTTP_H */
