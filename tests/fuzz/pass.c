/* Fuzz the passthrough rewriting of upstream manifests (sd_pass_rewrite). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "passthru.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_buf out;
	char *body;

	if ((body = fuzz_string(data, size)) == NULL)
		return 0;
	sd_buf_init(&out);
	sd_pass_rewrite(body, size, NULL, "http://up.example/a/b/index.m3u8",
	    "/sd/p1/", &out);
	sd_buf_free(&out);
	free(body);
	return 0;
}
