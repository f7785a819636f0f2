/*
 * config.h - what config.c offers the rest of lib/ beyond what sd.h
 * gives the programs: the file bounds, profile defaults and parsing, the
 * container table and checking one file's text (for migrate.c, import.c,
 * decide.c and the status page). Not a public interface.
 */
#ifndef SD_CONFIG_H
#define SD_CONFIG_H

#include <stddef.h>

#include "sd.h"

#define SD_INI_LINE_MAX 4096	/* longer lines are an error */
#define SD_INI_FILE_MAX (4u << 20)	/* larger files do not load */

/*
 * The system profiles file: $SD_SHAREDIR/profiles.ini, else the build
 * tree's etc/system/profiles.ini when run from one, else SD_SHAREDIR's.
 */
const char *sd_system_profiles_path(void);
/*
 * sd_config_load for sd-serve: an error inside one proxy's section (or in
 * the checks of that proxy) disables that proxy only, its reason kept for
 * sd_proxy_broken; any other error fails the load as sd_config_load does.
 */
int sd_config_load_serving(struct sd_config *cfg, const char *dir);
/* Why proxy id is disabled ("path:line: what; how to fix"), or NULL. */
const char *sd_proxy_broken(const struct sd_config *cfg, const char *id);
/* The nth disabled proxy's reason and id (*id), or NULL past the last. */
const char *sd_proxy_broken_nth(const struct sd_config *cfg, size_t n,
    const char **id);
const char *sd_mode_name(enum sd_mode m);		/* direct|smart */
/* The [provider.NAME] section of name, or NULL. */
const struct sd_provider *sd_provider_find(const struct sd_config *cfg,
    const char *name);
/*
 * The seed's table, section 1.3: resolve a profile's container. For "auto",
 * copy matches the source's container (source_is_ts), a modern encoder gives
 * fMP4 and VP9/AV1/Opus require it.
 */
enum sd_container sd_container_resolve(const struct sd_profile *p,
    int source_is_ts);
/* A profile with every field at its default (copy/copy, auto, crf -1). */
void sd_profile_defaults(struct sd_profile *p, const char *name);
/* Parse "auto|fmp4|mpegts"; -1 when it is none of them. */
int sd_container_parse(const char *s, enum sd_container *c);
/*
 * A bit rate: plain bit/s or with a k or M suffix ("2500k", "6M"), at most
 * 1000M. Returns 0, or -1 with *errstr set.
 */
int sd_parse_bitrate(const char *s, long long *out, const char **errstr);
/*
 * Check one file's text alone, as a profiles.ini (profiles != 0) or a
 * proxies.ini (profile names are not looked up): errors are printed as
 * name:line, warnings only when warn != 0. Returns 0 or -1.
 */
int sd_config_check_text(const char *buf, size_t len, const char *name,
    int profiles, int warn);

#endif /* SD_CONFIG_H */
