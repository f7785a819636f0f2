/*
 * serve_warn.c - the config's warnings in the server's log once per
 * config, not once per request. lighttpd runs sd-serve for every request,
 * and each run loads the config: an unknown key or an old-schema value
 * was logged hundreds of times a minute. The warnings are held in a
 * temporary file while the config loads; the spool keeps a fingerprint of
 * the warnings last logged and of the files they came from
 * (SPOOL/.config-warned), and while both stay the same nothing more is
 * logged. An error that fails the load is always logged; `sd-serve -c`
 * and `sd-decide -l` print every warning every time.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "config.h"

#define WARNED_FILE ".config-warned"
#define WARN_TEXT_MAX (1 << 20)	/* more than that is logged every time */

/* FNV-1a, 64 bits: a fingerprint to tell a change, not a secret. */
static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0) {
		h ^= *c++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* One file the config is read from, as it is now (or that it is not). */
static uint64_t
file_print(uint64_t h, const char *path)
{
	struct stat sb;
	long long v[5] = { 0 };

	if (stat(path, &sb) == 0) {
		v[0] = (long long)sb.st_dev;
		v[1] = (long long)sb.st_ino;
		v[2] = (long long)sb.st_size;
		v[3] = (long long)sb.st_mtim.tv_sec;
		v[4] = sb.st_mtim.tv_nsec;
	}
	h = fnv1a(h, path, strlen(path) + 1);
	return fnv1a(h, v, sizeof(v));
}

/* The warnings' text and every file the config is read from. */
static uint64_t
config_print(const struct sd_config *cfg, const char *text, size_t len)
{
	static const char *const files[] = { "profiles.ini", "proxies.ini",
		"sd.ini" };
	char p[PATH_MAX];
	uint64_t h = fnv1a(14695981039346656037ULL, text, len);
	size_t i;

	h = file_print(h, sd_system_profiles_path());
	for (i = 0; i < SD_ARRAY_LEN(files); i++)
		if (sd_pathf(p, sizeof(p), "%s/%s", cfg->dir, files[i]) == 0)
			h = file_print(h, p);
	return h;
}

/*
 * 1 when these warnings were not logged yet for this config (now noted in
 * the spool), 0 when they were. A spool that cannot keep the note gets
 * them every time: better a full log than a lost warning.
 */
static int
warnings_new(const struct sd_config *cfg, const char *text, size_t len)
{
	char path[PATH_MAX], want[32], *have;
	size_t n;
	int same;

	snprintf(want, sizeof(want), "%016llx\n",
	    (unsigned long long)config_print(cfg, text, len));
	if (sd_pathf(path, sizeof(path), "%s/%s", cfg->settings.spool,
	    WARNED_FILE) == -1)
		return 1;
	if (sd_read_file(path, sizeof(want), &have, &n) == 0) {
		same = n == strlen(want) && memcmp(have, want, n) == 0;
		free(have);
		if (same)
			return 0;
	}
	sd_write_atomic(path, want, strlen(want), 0644, 0);
	return 1;
}

/* The held text to fd 2 (the log), when it is news or an error. */
static void
pass_on(FILE *held, const struct sd_config *cfg)
{
	char *text, buf[8192];
	long size;
	size_t n;

	if (fseek(held, 0, SEEK_END) == -1 || (size = ftell(held)) <= 0 ||
	    fseek(held, 0, SEEK_SET) == -1)
		return;
	if (cfg != NULL && size <= WARN_TEXT_MAX &&
	    (text = malloc((size_t)size)) != NULL) {
		n = fread(text, 1, (size_t)size, held);
		if (!warnings_new(cfg, text, n))
			n = 0;
		sd_write_all(2, text, n, -1);
		free(text);
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), held)) > 0)
		sd_write_all(2, buf, n, -1);
}

int
sd_serve_config_load(struct sd_config *cfg, const char *dir)
{
	FILE *held;
	int saved = -1, rc;

	fflush(stderr);
	if ((held = tmpfile()) != NULL && (saved = dup(2)) != -1 &&
	    dup2(fileno(held), 2) == -1) {
		close(saved);
		saved = -1;
	}
	rc = sd_config_load_serving(cfg, dir);
	if (saved != -1) {
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		pass_on(held, rc == 0 ? cfg : NULL);
	}
	if (held != NULL)
		fclose(held);
	return rc;
}
