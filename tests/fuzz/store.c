/*
 * Fuzz the segment-store index reader (sd_store_parse) and its writer: an
 * index that parses must format, the formatted text must parse again, and
 * a second format must give the same bytes (the round trip is stable).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "store.h"
#include "fuzz.h"

/* Every bad line is warned about: quiet unless SD_FUZZ_VERBOSE. */
FUZZ_QUIET_INITIALIZE

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_store st, again;
	struct sd_buf a, b;

	fuzz_quiet();
	sd_store_init(&st);
	sd_store_init(&again);
	sd_buf_init(&a);
	sd_buf_init(&b);
	if (sd_store_parse(&st, (const char *)data, size, "fuzz") == 0) {
		if (sd_store_format(&st, &a) == -1)
			abort();	/* a parsed store must format */
		if (sd_store_parse(&again, a.p, a.len, "formatted") == -1)
			abort();	/* what we write, we read */
		if (sd_store_format(&again, &b) == -1 || a.len != b.len ||
		    memcmp(a.p, b.p, a.len) != 0)
			abort();	/* the round trip is not stable */
	}
	sd_buf_free(&a);
	sd_buf_free(&b);
	sd_store_free(&again);
	sd_store_free(&st);
	fuzz_loud();
	return 0;
}
