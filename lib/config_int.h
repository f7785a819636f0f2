/*
 * config_int.h - what config.c, config_read.c and config_keys.c share
 * while they load one config file: its state (struct ld), the messages
 * path:line, and the steps each file gives the others. Not a public
 * interface.
 */
#ifndef CONFIG_INT_H
#define CONFIG_INT_H

#include <sys/types.h>

#include <stddef.h>

#include "sd.h"

#define KEYS_SEEN_MAX 64

enum ini_kind { INI_PROFILES, INI_PROXIES, INI_SETTINGS };

struct seen {
	char name[SD_NAME_MAX];
	int line;
};

/* The state of loading one file. */
struct ld {
	struct sd_config *cfg;
	const char *path;
	enum ini_kind kind;
	int system;
	const char *buf;
	size_t len, pos;
	int lineno;
	int errors;
	/* the current section */
	int in_section, skip;
	size_t cur;			/* index into proxies or profiles,
					 * or providers (in_provider) */
	int in_provider;		/* a [provider.NAME] of proxies.ini */
	int new_mode, new_profile, new_container;	/* new keys seen */
	struct seen keys[KEYS_SEEN_MAX];
	size_t nkeys;
	/* sections of this file, for duplicates: a hash set, open
	 * addressing, empty slots have name[0] == '\0' */
	struct seen *sections;
	size_t nsections, tabsize;
	/* a value too long for inih's line buffer */
	const char *long_value;
	size_t long_len;
	int default_profile_line;
	int quiet;			/* print errors only */
	/* sd-serve's load: an error inside a proxy's section disables that
	 * proxy (blame names it) instead of the whole configuration */
	int serving;
	char blame[SD_NAME_MAX];
};

/* path:line: message, as an error (counted) or a warning. */
void cfg_msg(struct ld *, int, int, const char *, ...)
	__attribute__((format(printf, 4, 5)));

#define LD_ERR(ld, line, ...) cfg_msg((ld), 1, (line), __VA_ARGS__)
#define LD_WARN(ld, line, ...) cfg_msg((ld), 0, (line), __VA_ARGS__)

/* config.c: the proxy id is disabled for reason ("path:line: ..."). */
void cfg_broken_add(struct sd_config *cfg, const char *id,
    const char *reason);
/* config_keys.c: a known key of the file's kind near key, or NULL. */
const char *cfg_key_near(enum ini_kind kind, const char *key);

/* config.c: the index of profile name in cfg, or -1. */
ssize_t cfg_profile_index(const struct sd_config *cfg, const char *name);

/* config_read.c: inih's reader and handler over a struct ld (load_buf). */
char *cfg_reader(char *out, int num, void *stream);
int cfg_handler(void *user, const char *section, const char *name,
    const char *value);

/* config_keys.c: one key of the current section, checked and stored;
 * -1 when the key is not one of the file's kind. */
void cfg_key_seen(struct ld *ld, const char *key);
int cfg_profile_key(struct ld *ld, const char *key, const char *v);
int cfg_proxy_key(struct ld *ld, const char *key, const char *v);
int cfg_settings_key(struct ld *ld, const char *key, const char *v);
/* config_keys.c: a key of a [provider.NAME] section (unknown ones warned). */
void cfg_provider_key(struct ld *ld, const char *key, const char *v);

#endif
