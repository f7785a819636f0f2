/* http.c - request parsing (CGI and raw), paths, ranges, the writer. */
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "http.h"
#include "mtap.h"

static int
raw(struct sd_http_req *rq, const char *s)
{
	return sd_http_parse_raw(rq, s, strlen(s));
}

static void
test_raw(void)
{
	struct sd_http_req rq;
	char big[SD_HTTP_LINE_MAX + 64];

	ok(raw(&rq, "GET /a/b.m3u8?x=1 HTTP/1.1\r\nHost: h\r\n"
	    "User-Agent: VLC/3.0\r\nRange: bytes=0-9\r\n\r\n") == 0,
	    "raw GET parses");
	is_str(rq.path, "/a/b.m3u8", "path");
	is_str(rq.query, "x=1", "query");
	is_str(rq.user_agent, "VLC/3.0", "user agent");
	is_str(rq.range, "bytes=0-9", "range");
	is_str(rq.host, "h", "host");
	ok(rq.method == SD_HTTP_GET && !rq.http10, "method and version");
	ok(raw(&rq, "HEAD / HTTP/1.0\n\n") == 0 && rq.method == SD_HTTP_HEAD
	    && rq.http10, "HEAD, LF ends, 1.0 without Host");
	ok(raw(&rq, "GET / HTTP/1.1\r\n\r\n") == 400, "1.1 without Host: 400");
	ok(raw(&rq, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400,
	    "two Host headers: 400");
	ok(raw(&rq, "POST / HTTP/1.1\r\nHost: h\r\n\r\n") == 405, "POST: 405");
	ok(raw(&rq, "DELETE /x HTTP/1.1\r\n\r\n") == 405, "DELETE: 405");
	ok(raw(&rq, "GET /%2e%2e/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n") ==
	    400, "%2e%2e: 400");
	ok(raw(&rq, "GET /../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n") == 400,
	    "..: 400");
	ok(raw(&rq, "GET /a%2fb HTTP/1.1\r\nHost: h\r\n\r\n") == 400,
	    "encoded slash: 400");
	ok(raw(&rq, "GET /a%5cb HTTP/1.1\r\nHost: h\r\n\r\n") == 400,
	    "encoded backslash: 400");
	ok(raw(&rq, "GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n") == 400,
	    "%00: 400");
	ok(sd_http_parse_raw(&rq, "GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n",
	    32) == 400, "raw NUL: 400");
	ok(raw(&rq, "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n") == 400,
	    "bad escape: 400");
	ok(raw(&rq, "GET /a% HTTP/1.1\r\nHost: h\r\n\r\n") == 400,
	    "cut escape: 400");
	ok(raw(&rq, "GET //x HTTP/1.1\r\nHost: h\r\n\r\n") == 400,
	    "empty component: 400");
	ok(raw(&rq, "GET http://x/ HTTP/1.1\r\nHost: h\r\n\r\n") == 400,
	    "absolute form: 400");
	ok(raw(&rq, "GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 400,
	    "HTTP/2.0 line: 400");
	ok(raw(&rq, "GET / HTTP/1.1\r\n Host: h\r\n\r\n") == 400,
	    "folded line: 400");
	ok(raw(&rq, "GET / HTTP/1.1\r\nHost : h\r\n\r\n") == 400,
	    "blank before colon: 400");
	ok(raw(&rq, "GET / HTTP/1.1\r\nHost: h\r\n") == 400,
	    "unterminated head: 400");
	ok(raw(&rq, "GET /a%20b HTTP/1.1\r\nHost: h\r\n\r\n") == 0 &&
	    strcmp(rq.path, "/a b") == 0, "%20 decodes");

	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	strcpy(big + SD_HTTP_PATH_MAX + 10, " HTTP/1.1\r\nHost: h\r\n\r\n");
	ok(raw(&rq, big) == 414, "over-long path: 414");
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	strcpy(big + sizeof(big) - 8, "\r\n\r\n");
	ok(raw(&rq, big) == 431, "over-long header line: 431");
	memset(big, 'a', 600);
	memcpy(big, "GET / HTTP/1.1\r\nRange: ", 23);
	strcpy(big + 600, "\r\nHost: h\r\n\r\n");
	ok(raw(&rq, big) == 431, "over-long known header: 431");
}

static void
test_cgi(void)
{
	struct sd_http_req rq;
	char *env[] = {
		"GATEWAY_INTERFACE=CGI/1.1", "REQUEST_METHOD=GET",
		"PATH_INFO=/ch1/master.m3u8", "QUERY_STRING=format=dash",
		"SCRIPT_NAME=/sd", "HTTP_HOST=example.org:8080",
		"HTTP_ACCEPT=application/dash+xml",
		"HTTP_PROXY=http://evil/", "HTTP_IF_NONE_MATCH=\"x\"", NULL
	};
	char *head[] = { "REQUEST_METHOD=HEAD", NULL };
	char *post[] = { "REQUEST_METHOD=POST", "PATH_INFO=/", NULL };
	char *dots[] = { "REQUEST_METHOD=GET", "PATH_INFO=/a/../b", NULL };
	char *pct[] = { "REQUEST_METHOD=GET", "PATH_INFO=/a%2fb", NULL };

	ok(sd_http_parse_cgi(&rq, env) == 0, "CGI parses");
	is_str(rq.path, "/ch1/master.m3u8", "CGI path");
	is_str(rq.query, "format=dash", "CGI query");
	is_str(rq.script_name, "/sd", "SCRIPT_NAME");
	is_str(rq.host, "example.org:8080", "HTTP_HOST");
	is_str(rq.accept, "application/dash+xml", "HTTP_ACCEPT");
	is_str(rq.if_none_match, "\"x\"", "HTTP_IF_NONE_MATCH");
	ok(rq.cgi == 1, "cgi flag");
	ok(sd_http_parse_cgi(&rq, head) == 0 && rq.method == SD_HTTP_HEAD &&
	    strcmp(rq.path, "/") == 0, "HEAD without PATH_INFO is /");
	ok(sd_http_parse_cgi(&rq, post) == 405, "CGI POST: 405");
	ok(sd_http_parse_cgi(&rq, dots) == 400, "CGI ..: 400");
	/* PATH_INFO comes decoded: a '%' left in it is literal, not decoded
	 * a second time. */
	ok(sd_http_parse_cgi(&rq, pct) == 0 && strcmp(rq.path, "/a%2fb") == 0,
	    "CGI path not decoded twice");
}

static void
test_range(void)
{
	uint64_t a = 0, b = 0;

	ok(sd_http_range(NULL, 100, &a, &b) == 0, "no range");
	ok(sd_http_range("bytes=0-9", 100, &a, &b) == 1 && a == 0 && b == 9,
	    "0-9");
	ok(sd_http_range("bytes=90-", 100, &a, &b) == 1 && a == 90 && b == 99,
	    "90-");
	ok(sd_http_range("bytes=-10", 100, &a, &b) == 1 && a == 90 && b == 99,
	    "-10");
	ok(sd_http_range("bytes=-1000", 100, &a, &b) == 1 && a == 0 &&
	    b == 99, "suffix longer than the file");
	ok(sd_http_range("bytes=50-1000", 100, &a, &b) == 1 && b == 99,
	    "last clamped");
	ok(sd_http_range("bytes=100-", 100, &a, &b) == -1, "past end: 416");
	ok(sd_http_range("bytes=-0", 100, &a, &b) == -1, "-0: 416");
	ok(sd_http_range("bytes=5-2", 100, &a, &b) == 0, "reversed: ignored");
	ok(sd_http_range("bytes=0-1,5-6", 100, &a, &b) == 0,
	    "several: ignored");
	ok(sd_http_range("items=0-1", 100, &a, &b) == 0, "other unit");
	ok(sd_http_range("bytes=x-1", 100, &a, &b) == 0, "garbage");
	ok(sd_http_range("bytes=99999999999999999999999-", 100, &a, &b) == 0,
	    "overflow ignored");
}

static void
test_writer(void)
{
	struct sd_http_resp rs;
	struct sd_buf out;

	sd_buf_init(&out);
	sd_http_resp_init(&rs, 302);
	ok(sd_http_header(&rs, "Location", "http://a/b") == 0, "header ok");
	ok(sd_http_resp_head(&rs, 1, &out) == 0, "CGI head");
	sd_buf_append(&out, "", 1);
	is_str(out.p, "Status: 302 Found\r\nAccess-Control-Allow-Origin: *\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'none'; sandbox\r\n"
	    "Location: http://a/b\r\n\r\n", "CGI head text");
	sd_http_resp_free(&rs);

	out.len = 0;
	sd_http_resp_init(&rs, 302);
	ok(sd_http_header(&rs, "Location", "http://a/\r\nSet-Cookie: x") == -1,
	    "CR/LF value refused");
	ok(sd_http_header(&rs, "Bad Name", "v") == -1, "bad name refused");
	ok(sd_http_resp_head(&rs, 0, &out) == -1, "poisoned response");
	sd_http_resp_free(&rs);

	out.len = 0;
	ok(sd_http_simple(&out, 0, 0, 405, "only GET and HEAD", 0) == 0,
	    "simple 405");
	sd_buf_append(&out, "", 1);
	ok(strncmp(out.p, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0,
	    "status line");
	ok(strstr(out.p, "\r\nAllow: GET, HEAD\r\n") != NULL, "Allow");
	ok(strstr(out.p, "\r\n\r\n405 Method Not Allowed: only GET") != NULL,
	    "short body");
	out.len = 0;
	sd_http_simple(&out, 1, 1, 503, "busy", 5);
	sd_buf_append(&out, "", 1);
	ok(strstr(out.p, "Retry-After: 5\r\n") != NULL, "Retry-After");
	ok(strlen(out.p) >= 4 && strcmp(out.p + strlen(out.p) - 4,
	    "\r\n\r\n") == 0, "HEAD: no body");
	sd_buf_free(&out);
}

static void
test_misc(void)
{
	char buf[128];
	struct sd_http_req rq;

	is_str(sd_http_content_type("master.m3u8"),
	    "application/vnd.apple.mpegurl", "m3u8 type");
	is_str(sd_http_content_type("manifest.mpd"), "application/dash+xml",
	    "mpd type");
	is_str(sd_http_content_type("v0-init-0.mp4"), "video/mp4", "mp4 type");
	is_str(sd_http_content_type("v0-3.m4s"), "video/iso.segment",
	    "m4s type");
	is_str(sd_http_content_type("ts-3.ts"), "video/mp2t", "ts type");
	ok(strstr(sd_http_cache_control("v0-3.m4s", 1), "immutable") != NULL,
	    "segments immutable");
	is_str(sd_http_cache_control("v0.m3u8", 1), "public, max-age=1",
	    "live manifest short");
	ok(strcmp(sd_http_cache_control("v0.m3u8", 0), "public, max-age=1"),
	    "VOD manifest longer");
	ok(sd_http_etag_match("W/\"a\", \"b\"", "\"b\""), "etag list");
	ok(sd_http_etag_match("*", "\"b\""), "etag *");
	ok(!sd_http_etag_match("\"bb\"", "\"b\""), "etag mismatch");
	sd_http_date(buf, sizeof(buf), 784111777);
	is_str(buf, "Sun, 06 Nov 1994 08:49:37 GMT", "IMF-fixdate");
	ok(sd_http_parse_date(buf) == 784111777, "date round trip");
	ok(sd_http_parse_date("yesterday") == -1, "bad date");
	sd_http_req_init(&rq);
	strcpy(rq.if_modified_since, buf);
	ok(sd_http_not_modified(&rq, "\"e\"", 784111777), "IMS same second");
	ok(!sd_http_not_modified(&rq, "\"e\"", 784111778), "IMS older");
	strcpy(rq.if_none_match, "\"f\"");
	ok(!sd_http_not_modified(&rq, "\"e\"", 1), "INM decides over IMS");
	ok(sd_http_query_get("a=1&format=da%73h&b", "format", buf,
	    sizeof(buf)) == 0 && strcmp(buf, "dash") == 0, "query decode");
	ok(sd_http_query_get("xformat=1", "format", buf, sizeof(buf)) == -1,
	    "query key exact");
	ok(sd_http_query_get("format=a%0ab", "format", buf, sizeof(buf)) ==
	    -1, "query control byte refused");
}

int
main(void)
{
	(void)capture_start;	/* mtap.h helpers this test needs not */
	(void)capture_end;
	test_raw();
	test_cgi();
	test_range();
	test_writer();
	test_misc();
	return done();
}
