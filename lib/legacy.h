/*
 * legacy.h - the old config schema in one map (legacy.c): config.c loads
 * it with deprecation warnings, migrate.c rewrites it (sd-migrate(1)).
 * Not public.
 */
#ifndef LEGACY_H
#define LEGACY_H

/* The new name of an old key (proxy_mode -> mode), or NULL. */
const char *sd_legacy_key(const char *key);
/*
 * The new value for an old value v of key (named the new way): mode
 * redirect -> direct, proxy and relay -> smart; container_format mpegts
 * -> mpegts, hls and dash -> fmp4. NULL when v is no old value of key.
 */
const char *sd_legacy_value(const char *key, const char *v);

#endif
