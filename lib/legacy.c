/*
 * legacy.c - the map from the old config schema to the new one (seed plan
 * 009, section 6): old keys and the old values of mode and of
 * output_format. What an old value meant beyond its new spelling (mode =
 * proxy never transcoded, mode = relay took the default profile) is
 * config.c's and migrate.c's to apply; which spelling is new is said here
 * only.
 */
#include <stddef.h>
#include <string.h>

#include "sd.h"
#include "legacy.h"

/* key NULL: a key renamed, old -> now; else an old value of key. */
static const struct {
	const char *key, *old, *now;
} map[] = {
	{ NULL, "proxy_mode", "mode" },
	{ NULL, "relay_profile", "profile" },
	{ NULL, "output_format", "container_format" },
	{ "mode", "redirect", "direct" },
	{ "mode", "proxy", "smart" },
	{ "mode", "relay", "smart" },
	{ "container_format", "mpegts", "mpegts" },
	{ "container_format", "hls", "fmp4" },
	{ "container_format", "dash", "fmp4" },
};

static const char *
lookup(const char *key, const char *old)
{
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(map); i++)
		if ((map[i].key == NULL ? key == NULL : key != NULL &&
		    strcmp(key, map[i].key) == 0) && strcmp(old, map[i].old) == 0)
			return map[i].now;
	return NULL;
}

const char *
sd_legacy_key(const char *key)
{
	return lookup(NULL, key);
}

const char *
sd_legacy_value(const char *key, const char *v)
{
	return key != NULL ? lookup(key, v) : NULL;
}
