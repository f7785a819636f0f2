/*
 * Fuzz the config loader's line reader and checks (sd_config_check_text, as
 * a profiles and as a proxies file) and sd-migrate's rewriting and diff.
 * A migration that succeeds must be idempotent.
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
	/*
	 * Every bad line is reported on stderr: silence it during each run
	 * (libFuzzer's own output stays). SD_FUZZ_VERBOSE=1 shows it, for
	 * replaying a crash input.
	 */
	if (getenv("SD_FUZZ_VERBOSE") == NULL) {
		null_fd = open("/dev/null", O_WRONLY);
		saved_fd = dup(2);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sd_migration m, again;
	struct sd_buf diff;

	if (null_fd != -1 && saved_fd != -1)
		dup2(null_fd, 2);
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
	if (null_fd != -1 && saved_fd != -1)
		dup2(saved_fd, 2);
	return 0;
}
