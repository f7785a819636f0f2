/* Fuzz the key=value record reader (sd_rec_parse) and its JSON printer. */
#include <stdint.h>
#include <stdio.h>

#include "sd.h"
#include "util_int.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_rec r;
	FILE *null;

	sd_rec_init(&r);
	if (sd_rec_parse(&r, (const char *)data, size, "fuzz") == 0 &&
	    (null = fopen("/dev/null", "w")) != NULL) {
		sd_rec_print(&r, null, 0);
		sd_rec_print(&r, null, 1);
		fclose(null);
	}
	sd_rec_free(&r);
	return 0;
}
