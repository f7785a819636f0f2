/*
 * Fuzz the segment-store index reader (sd_store_parse) and its writer: an
 * index that parses must format, the formatted text must parse again, and
 * a second format must give the same bytes (the round trip is stable).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int null_fd = -1, saved_fd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Every bad line is warned about: quiet unless SD_FUZZ_VERBOSE. */
	if (getenv("SD_FUZZ_VERBOSE") == NULL) {
		null_fd = open("/dev/null", O_WRONLY);
		saved_fd = dup(2);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_store st, again;
	struct sd_buf a, b;

	if (null_fd != -1)
		dup2(null_fd, 2);
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
	if (saved_fd != -1)
		dup2(saved_fd, 2);
	return 0;
}
