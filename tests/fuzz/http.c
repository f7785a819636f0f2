/*
 * Fuzz the request parsers: the input as a raw HTTP head, as a CGI
 * environment (one VAR=value a line), as a path to decode; and the range,
 * ETag and query helpers on its first bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "http.h"
#include "fuzz.h"

#define ENV_MAX 64

static void
fuzz_cgi(const uint8_t *data, size_t size)
{
	struct sd_http_req rq;
	char *copy, *env[ENV_MAX + 1];

	if ((copy = fuzz_string(data, size)) == NULL)
		return;
	fuzz_env(copy, size, env, ENV_MAX);
	sd_http_parse_cgi(&rq, env);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_http_req rq;
	char buf[256], path[SD_HTTP_PATH_MAX];
	uint64_t a, b;

	sd_http_parse_raw(&rq, (const char *)data, size);
	sd_http_decode_path((const char *)data, size, path, sizeof(path));
	fuzz_cgi(data, size);
	if (size < sizeof(buf)) {
		memcpy(buf, data, size);
		buf[size] = '\0';
		sd_http_range(buf, 1000, &a, &b);
		sd_http_range(buf, 0, &a, &b);
		sd_http_etag_match(buf, "\"1-2-3\"");
		sd_http_query_get(buf, "format", path, 16);
		sd_http_parse_date(buf);
	}
	return 0;
}
