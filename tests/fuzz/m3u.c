/*
 * Fuzz the M3U reader (m3u.c) and sd-import's merge (import.c) over bytes
 * a provider sent: the input imported into an empty proxies.ini and into
 * a small one with a section of the user's and one of sd-import's. What
 * sd_import accepts it has checked to load; importing the same input into
 * its own result must change nothing (a re-import is byte-identical).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "m3u.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int null_fd = -1, saved_fd = -1;

static const char ini[] =
    "; a file of the user's\n"
    "[mine]\nsource = http://h/mine\nnumber = 1\n\n"
    "[old]\n; imported by sd-import\nname = Old\nnumber = 2\n"
    "source = http://h/old\nmode = smart\n";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Notes and errors go to stderr: silenced unless SD_FUZZ_VERBOSE. */
	if (getenv("SD_FUZZ_VERBOSE") == NULL) {
		null_fd = open("/dev/null", O_WRONLY);
		saved_fd = dup(2);
	}
	return 0;
}

static void
import_twice(const char *text, size_t len, const char *m3u, size_t n)
{
	struct sd_import_opts o;
	struct sd_import_stats st;
	struct sd_migration m, again;
	struct sd_buf diff;

	memset(&o, 0, sizeof(o));
	o.mode = SD_MODE_SMART;
	o.base = "http://provider.example/lists/all.m3u";
	o.m3u_name = "fuzz";
	o.today = "2026-01-01";
	if (sd_import(&m, text, len, "proxies.ini", m3u, n, &o, &st) ==
	    SD_EX_OK) {
		sd_buf_init(&diff);
		sd_migrate_diff(&m, "proxies.ini", &diff);
		sd_buf_free(&diff);
		if (sd_import(&again, m.out.p, m.out.len, "proxies.ini", m3u,
		    n, &o, &st) != SD_EX_OK || again.changed)
			abort();	/* not idempotent */
		sd_migration_free(&again);
	}
	sd_migration_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct m3u m;
	size_t i;

	if (null_fd != -1 && saved_fd != -1)
		dup2(null_fd, 2);
	if (m3u_parse(&m, buf, size) == M3U_OK)
		for (i = 0; i < m.n; i++)
			if (m.e[i].url == NULL || *m.e[i].url == '\0' ||
			    m.e[i].title == NULL || m.e[i].group == NULL)
				abort();
	m3u_free(&m);
	import_twice("", 0, buf, size);
	import_twice(ini, sizeof(ini) - 1, buf, size);
	if (null_fd != -1 && saved_fd != -1)
		dup2(saved_fd, 2);
	return 0;
}
