/* Fuzz the raw HTTP request parser, the range parser and the path checks. */
#include <stdint.h>
#include <string.h>

#include "sd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_http_req rq;
	char buf[256], path[SD_HTTP_PATH_MAX];
	uint64_t a, b;

	sd_http_parse_raw(&rq, (const char *)data, size);
	sd_http_decode_path((const char *)data, size, path, sizeof(path));
	if (size < sizeof(buf)) {
		memcpy(buf, data, size);
		buf[size] = '\0';
		sd_http_range(buf, 1000, &a, &b);
		sd_http_range(buf, 0, &a, &b);
		sd_http_etag_match(buf, "\"1-2-3\"");
		sd_http_query_get(buf, "format", path, 16);
	}
	return 0;
}
