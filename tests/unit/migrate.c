/*
 * migrate.c - a migrated file means what the old one meant: each golden
 * case of tests/golden/migrate is loaded before and after migration by
 * sd_config_load, and every proxy and profile must come out the same,
 * with no deprecation left. Also: the sample configs of etc/sd load
 * clean, with their commented examples enabled too.
 */
#include <sys/stat.h>

#include "sd.h"
#include "mtap.h"

static char top[1024];

static int
write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		return -1;
	fwrite(text, 1, len, fp);
	return fclose(fp);
}

/* Load text as DIR/file (DIR made fresh); stderr captured. */
static int
load_as(struct sd_config *cfg, const char *file, const char *text,
    size_t len, const char *tag)
{
	char dir[1200], path[1300];
	int rc;

	snprintf(dir, sizeof(dir), "%s/tests/tmp/unit-migrate.%ld.%s", top,
	    (long)getpid(), tag);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (write_file(path, text, len) == -1)
		return -1;
	capture_start();
	rc = sd_config_load(cfg, dir);
	capture_end();
	unlink(path);
	rmdir(dir);
	return rc;
}

static int
same_proxy(const struct sd_proxy *a, const struct sd_proxy *b)
{
	return strcmp(a->id, b->id) == 0 && a->mode == b->mode &&
	    strcmp(a->profile, b->profile) == 0 &&
	    strcmp(a->source, b->source) == 0 &&
	    strcmp(a->name, b->name) == 0 && a->max_clients == b->max_clients;
}

static int
same_profile(const struct sd_profile *a, const struct sd_profile *b)
{
	return strcmp(a->name, b->name) == 0 && a->container == b->container &&
	    strcmp(a->video_codec, b->video_codec) == 0 &&
	    strcmp(a->audio_codec, b->audio_codec) == 0 &&
	    a->video_bitrate == b->video_bitrate && a->crf == b->crf &&
	    a->height == b->height;
}

static void
same_meaning(const char *cs)
{
	char path[1300], desc[256];
	struct sd_migration m;
	struct sd_config before, after;
	const char *file;
	char *in;
	size_t i, len;
	int same = 1;

	snprintf(path, sizeof(path), "%s/tests/golden/migrate/%s/in.ini", top,
	    cs);
	if ((in = slurp(path)) == NULL) {
		ok(0, path);
		return;
	}
	len = strlen(in);
	capture_start();
	sd_migrate(&m, in, len, cs, "Universal");
	capture_end();
	snprintf(desc, sizeof(desc), "%s: migrates", cs);
	ok(m.errors == 0 && m.changed, desc);
	file = m.kind == SD_INI_PROFILES ? "profiles.ini" : "proxies.ini";
	snprintf(desc, sizeof(desc), "%s: old and migrated texts both load",
	    cs);
	ok(load_as(&before, file, in, len, "before") == 0 &&
	    load_as(&after, file, m.out.p, m.out.len, "after") == 0, desc);
	snprintf(desc, sizeof(desc), "%s: the old one is deprecated, the "
	    "migrated one is not", cs);
	ok(before.deprecated && !after.deprecated, desc);
	same = before.nproxies == after.nproxies &&
	    before.nprofiles == after.nprofiles;
	for (i = 0; same && i < before.nproxies; i++)
		same = same_proxy(&before.proxies[i], &after.proxies[i]);
	for (i = 0; same && i < before.nprofiles; i++)
		same = same_profile(&before.profiles[i], &after.profiles[i]);
	snprintf(desc, sizeof(desc), "%s: every proxy and profile means the "
	    "same after migration", cs);
	ok(same, desc);
	sd_config_free(&before);
	sd_config_free(&after);
	sd_migration_free(&m);
	free(in);
}

/* The samples, with the leading "; " of the examples removed. */
static void
samples(void)
{
	char dir[1200], path[1300], *text, *p;
	struct sd_config cfg;
	const char *err;
	int rc;

	snprintf(dir, sizeof(dir), "%s/etc/sd", top);
	capture_start();
	rc = sd_config_load(&cfg, dir);
	err = capture_end();
	ok(rc == 0 && cfg.nproxies == 3, "etc/sd samples load");
	is_str(err, "", "etc/sd samples: no warnings");
	if (rc == 0)
		sd_config_free(&cfg);

	snprintf(path, sizeof(path), "%s/profiles.ini", dir);
	if ((text = slurp(path)) == NULL || (p = strstr(text, "; [VP9")) ==
	    NULL) {
		ok(0, "the sample profiles have the VP9 example");
		free(text);
		return;
	}
	/* uncomment from the first example on */
	{
		char *r = p, *w = p;

		while (*r) {
			if ((r == p || r[-1] == '\n') && r[0] == ';' &&
			    r[1] == ' ')
				r += 2;
			else if ((r == p || r[-1] == '\n') && r[0] == ';' &&
			    r[1] == '\n')
				r++;
			else
				*w++ = *r++;
		}
		*w = '\0';
	}
	rc = load_as(&cfg, "profiles.ini", text, strlen(text), "samples");
	ok(rc == 0 && sd_profile_find(&cfg, "VP9-Opus") &&
	    sd_profile_find(&cfg, "AV1-Opus") &&
	    sd_profile_find(&cfg, "VP9-Opus")->container == SD_CONT_FMP4,
	    "the commented examples load once enabled");
	if (rc == 0)
		sd_config_free(&cfg);
	free(text);
}

int
main(void)
{
	const char *t = getenv("SD_TOP");
	static const char *const cases[] = { "proxies", "profiles", "crlf",
		"bom", "tabs" };
	char path[1100];
	size_t i;

	snprintf(top, sizeof(top), "%s", t ? t : ".");
	snprintf(path, sizeof(path), "%s/etc/system", top);
	setenv("SD_SHAREDIR", path, 1);
	snprintf(path, sizeof(path), "%s/tests/tmp", top);
	mkdir(path, 0755);
	for (i = 0; i < SD_ARRAY_LEN(cases); i++)
		same_meaning(cases[i]);
	samples();
	return done();
}
