/*
 * Fuzz the CGI side of http.c: a request environment built from the input
 * (NUL- or newline-separated NAME=VALUE strings, the way a web server
 * hands them over) through sd_http_parse_cgi, and whatever it accepts
 * through the response builders, which must refuse CR and LF rather than
 * let a value start a header of its own. The other http.c parsers (a raw
 * head, ranges) are fuzzed by http.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "http.h"
#include "fuzz.h"

#define ENV_MAX 64

/* A response head must have exactly one line per header we added. */
static void
check_head(const struct sd_buf *b, int cgi)
{
	size_t i, crlf = 0;

	for (i = 0; i + 1 < b->len; i++) {
		if (b->p[i] == '\r' && b->p[i + 1] != '\n')
			abort();	/* a bare CR */
		if (b->p[i + 1] == '\n' && b->p[i] != '\r')
			abort();	/* a bare LF */
		if (b->p[i] == '\r' && i + 3 < b->len && b->p[i + 2] == '\r')
			crlf = i;	/* the empty line */
	}
	if (b->len < 4 || memcmp(b->p + b->len - 4, "\r\n\r\n", 4) != 0 ||
	    crlf + 4 != b->len)
		abort();	/* the head ends once, at its end */
	(void)cgi;
}

static void
respond(const struct sd_http_req *rq)
{
	struct sd_http_resp rs;
	struct sd_buf out;
	char v[256];

	sd_http_resp_init(&rs, 200);
	/* Request text echoed into headers: each is refused or kept whole. */
	sd_http_header(&rs, "Content-Type", "%s",
	    sd_http_content_type(rq->path));
	sd_http_header(&rs, "Cache-Control", "%s",
	    sd_http_cache_control(rq->path, 1));
	sd_http_header(&rs, "Location", "%s%s?%s", rq->script_name, rq->path,
	    rq->query);
	if (sd_http_query_get(rq->query, "name", v, sizeof(v)) == 0)
		sd_http_header(&rs, "X-Name", "%s", v);
	sd_buf_init(&out);
	if (!rs.failed && sd_http_resp_head(&rs, rq->cgi, &out) == 0 &&
	    !out.failed)
		check_head(&out, rq->cgi);
	sd_http_resp_free(&rs);
	/* A header name from the request: a token, or refused. */
	sd_http_resp_init(&rs, 404);
	sd_http_header(&rs, rq->user_agent, "%s", rq->host);
	out.len = 0;
	if (!rs.failed && sd_http_resp_head(&rs, 0, &out) == 0 && !out.failed)
		check_head(&out, 0);
	out.len = 0;
	if (sd_http_simple(&out, rq->cgi, 0, 503, rq->path, 5) == 0 &&
	    !out.failed && out.len == 0)
		abort();
	sd_buf_free(&out);
	sd_http_resp_free(&rs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_http_req rq;
	char *copy, *env[ENV_MAX + 1];

	if ((copy = fuzz_string(data, size)) == NULL)
		return 0;
	fuzz_env(copy, size, env, ENV_MAX);
	sd_http_req_init(&rq);
	if (sd_http_parse_cgi(&rq, env) == 0) {
		if (rq.path[0] != '/' || sd_http_path_ok(rq.path) != 1)
			abort();	/* accepted paths are checked ones */
		respond(&rq);
	}
	free(copy);
	return 0;
}
