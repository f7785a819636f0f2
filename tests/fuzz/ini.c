/*
 * Fuzz the config loader's line reader and checks (sd_config_check_text, as
 * a profiles and as a proxies file) and sd-migrate's rewriting and diff.
 * A migration that succeeds must be idempotent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "config.h"
#include "fuzz.h"

FUZZ_QUIET_INITIALIZE

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sd_migration m, again;
	struct sd_buf diff;

	fuzz_quiet();
	sd_config_check_text(buf, size, "fuzz", 1, 1);
	sd_config_check_text(buf, size, "fuzz", 0, 1);
	if (sd_migrate(&m, buf, size, "fuzz", "Universal") == 0) {
		sd_buf_init(&diff);
		sd_migrate_diff(&m, "fuzz", &diff);
		sd_buf_free(&diff);
		if (m.changed) {
			if (sd_migrate(&again, m.out.p, m.out.len, "fuzz",
			    "Universal") != 0 || again.changed)
				abort();	/* not idempotent */
			sd_migration_free(&again);
		}
	}
	sd_migration_free(&m);
	fuzz_loud();
	return 0;
}
