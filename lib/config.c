/*
 * config.c - the INI config model (sd.ini(5)): system profiles, the user's
 * profiles.ini, proxies.ini and sd.ini, with the seed's codec/container rules
 * (section 1.3, 1.4) and the old schema accepted with deprecation warnings.
 *
 * This file holds the model: where the files are, containers, defaults and
 * lookups, loading the files and the checks that need a whole file or
 * every file. config_read.c reads a file's lines and sections and
 * config_keys.c checks and stores each key; config_int.h is what the three
 * share.
 */
#include <err.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sd.h"
#include "codec_table.h"
#include "config_int.h"
#include "util_int.h"
#include "config.h"

#define CONFIG_FILE_MAX SD_INI_FILE_MAX	/* no config file is near it */

/* path:line: message, as an error (counted) or a warning. */
void
cfg_msg(struct ld *ld, int is_error, int line, const char *fmt, ...)
{
	char msg[768], reason[1024];
	va_list ap;

	if (is_error && ld->serving && ld->blame[0] != '\0') {
		/* Said when the proxy is asked for (its 503), not each load. */
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		if (line > 0)
			snprintf(reason, sizeof(reason), "%s:%d: %s", ld->path,
			    line, msg);
		else
			snprintf(reason, sizeof(reason), "%s: %s", ld->path,
			    msg);
		cfg_broken_add(ld->cfg, ld->blame, reason);
		return;
	}
	va_start(ap, fmt);
	if (!ld->quiet || is_error)
		sd_vwarn_at(ld->path, line, fmt, ap);
	va_end(ap);
	if (is_error)
		ld->errors++;
	else
		ld->cfg->warnings++;
}

/* ---------------------------------------------------------------- broken */

/* The proxies sd-serve's load disabled, with the first reason of each. */
void
cfg_broken_add(struct sd_config *cfg, const char *id, const char *reason)
{
	struct sd_broken *t;

	if (sd_proxy_broken(cfg, id) != NULL)
		return;		/* the first reason is the one to fix first */
	if ((t = reallocarray(cfg->broken, cfg->nbroken + 1,
	    sizeof(*t))) == NULL)
		return;
	cfg->broken = t;
	t = &cfg->broken[cfg->nbroken++];
	strlcpy(t->id, id, sizeof(t->id));
	strlcpy(t->reason, reason, sizeof(t->reason));
}

const char *
sd_proxy_broken(const struct sd_config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->nbroken; i++)
		if (strcmp(cfg->broken[i].id, id) == 0)
			return cfg->broken[i].reason;
	return NULL;
}

const char *
sd_proxy_broken_nth(const struct sd_config *cfg, size_t n, const char **id)
{
	if (n >= cfg->nbroken)
		return NULL;
	*id = cfg->broken[n].id;
	return cfg->broken[n].reason;
}

/* ---------------------------------------------------------------- paths */

const char *
sd_config_dir(const char *opt)
{
	const char *env;

	if (opt != NULL && *opt != '\0')
		return opt;
	if ((env = getenv("SD_CONF")) != NULL && *env != '\0')
		return env;
	return SD_SYSCONFDIR;
}

const char *
sd_system_profiles_path(void)
{
	static char path[PATH_MAX + 32];
	char top[PATH_MAX];
	const char *dir = getenv("SD_SHAREDIR");

	if (dir != NULL && *dir != '\0')
		snprintf(path, sizeof(path), "%s/profiles.ini", dir);
	else if (sd_build_tree(top, sizeof(top)) == 0)
		/* Run from the build tree: its profiles, not an old install's. */
		snprintf(path, sizeof(path), "%s/etc/system/profiles.ini", top);
	else
		snprintf(path, sizeof(path), "%s/profiles.ini", SD_SHAREDIR);
	return path;
}

/* ---------------------------------------------------------------- codecs */

/* The label of what the encoder makes when MPEG-TS cannot carry it. */
static const char *
fmp4_only_codec(const char *encoder)
{
	if (sd_codec_fits_mpegts(encoder))
		return NULL;
	return sd_codec_label(sd_encoder_codec(encoder));
}

int
sd_profile_requires_fmp4(const struct sd_profile *p)
{
	return !sd_codec_fits_mpegts(p->video_codec) ||
	    !sd_codec_fits_mpegts(p->audio_codec);
}

static int
is_copy(const char *encoder)
{
	return *encoder == '\0' || strcmp(encoder, "copy") == 0;
}

enum sd_container
sd_container_resolve(const struct sd_profile *p, int source_is_ts)
{
	if (p->container != SD_CONT_AUTO)
		return p->container;
	if (sd_profile_requires_fmp4(p))
		return SD_CONT_FMP4;
	/* Nothing is encoded: keep what the source already is. */
	if (is_copy(p->video_codec) && is_copy(p->audio_codec))
		return source_is_ts ? SD_CONT_MPEGTS : SD_CONT_FMP4;
	return SD_CONT_FMP4;
}

static const char *const container_names[] = { "auto", "fmp4", "mpegts" };

const char *
sd_container_name(enum sd_container c)
{
	if ((size_t)c >= SD_ARRAY_LEN(container_names))
		return "?";
	return container_names[c];
}

int
sd_container_parse(const char *s, enum sd_container *c)
{
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(container_names); i++)
		if (strcmp(s, container_names[i]) == 0) {
			*c = (enum sd_container)i;
			return 0;
		}
	return -1;
}

const char *
sd_mode_name(enum sd_mode m)
{
	return m == SD_MODE_DIRECT ? "direct" : "smart";
}


/* ---------------------------------------------------------------- entries */

void
sd_profile_defaults(struct sd_profile *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	strlcpy(p->name, name, sizeof(p->name));
	strlcpy(p->video_codec, "copy", sizeof(p->video_codec));
	strlcpy(p->audio_codec, "copy", sizeof(p->audio_codec));
	p->container = SD_CONT_AUTO;
	p->crf = -1;
}

static void
settings_defaults(struct sd_settings *s)
{
	const char *tmp = getenv("TMPDIR");

	memset(s, 0, sizeof(*s));
	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	snprintf(s->spool, sizeof(s->spool), "%s/sd-spool", tmp);
	s->segment_duration = 2;
	s->window = 6;
	s->idle_timeout = 30;
	s->classify_ttl = 300;
	s->upstream_timeout = 10;
	s->failover_retry = 300;
	s->max_sessions = 16;
	s->epg_ttl = 6 * 3600;
	strlcpy(s->default_profile, "Universal", sizeof(s->default_profile));
}

int
sd_proxy_source(const struct sd_proxy *px, int i, char *buf, size_t len)
{
	const char *p = px->nsources > 0 ? px->sources : px->source;
	size_t n;

	for (p += strspn(p, " \t"); *p != '\0'; p += strspn(p, " \t")) {
		n = strcspn(p, " \t");
		if (i-- == 0) {
			if (n >= len)
				return -1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return 0;
		}
		p += n;
	}
	return -1;
}

ssize_t
cfg_profile_index(const struct sd_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

const struct sd_profile *
sd_profile_find(const struct sd_config *cfg, const char *name)
{
	ssize_t i = cfg_profile_index(cfg, name);

	return i < 0 ? NULL : &cfg->profiles[i];
}

const struct sd_proxy *
sd_proxy_find(const struct sd_config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->nproxies; i++)
		if (strcmp(cfg->proxies[i].id, id) == 0)
			return &cfg->proxies[i];
	return NULL;
}

const struct sd_provider *
sd_provider_find(const struct sd_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nproviders; i++)
		if (strcmp(cfg->providers[i].name, name) == 0)
			return &cfg->providers[i];
	return NULL;
}

/* ---------------------------------------------------------------- files */

static void
profiles_check(struct ld *ld)
{
	const struct sd_profile *p;
	const char *why;
	size_t i;

	for (i = 0; i < ld->cfg->nprofiles; i++) {
		p = &ld->cfg->profiles[i];
		if (strcmp(p->path, ld->path) != 0 ||
		    p->container != SD_CONT_MPEGTS || !sd_profile_requires_fmp4(p))
			continue;
		if ((why = fmp4_only_codec(p->video_codec)) == NULL)
			why = fmp4_only_codec(p->audio_codec);
		LD_ERR(ld, p->container_line ? p->container_line : p->line,
		    "profile %s: %s (%s) needs fMP4: MPEG-TS cannot carry %s; "
		    "write container_format = fmp4 (or auto), or choose a "
		    "codec TS carries (libx264, libx265, aac)", p->name,
		    fmp4_only_codec(p->video_codec) ? p->video_codec :
		    p->audio_codec, why, why);
	}
}

static int
by_number(const void *a, const void *b)
{
	const struct sd_proxy *x = *(const struct sd_proxy *const *)a;
	const struct sd_proxy *y = *(const struct sd_proxy *const *)b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return (x->number_line > y->number_line) - (x->number_line <
	    y->number_line);
}

/* Channel numbers are unique: the second of two is the error. */
static void
numbers_check(struct ld *ld)
{
	struct sd_proxy **v;
	size_t i, n = 0;

	if ((v = reallocarray(NULL, ld->cfg->nproxies + 1, sizeof(*v))) ==
	    NULL) {
		LD_ERR(ld, 0, "out of memory");
		return;
	}
	for (i = 0; i < ld->cfg->nproxies; i++)
		if (ld->cfg->proxies[i].number > 0 &&
		    strcmp(ld->cfg->proxies[i].path, ld->path) == 0)
			v[n++] = &ld->cfg->proxies[i];
	qsort(v, n, sizeof(*v), by_number);
	for (i = 1; i < n; i++)
		if (v[i]->number == v[i - 1]->number) {
			strlcpy(ld->blame, v[i]->id, sizeof(ld->blame));
			LD_ERR(ld, v[i]->number_line, "number = %d is also "
			    "proxy %s's (line %d); give each channel its own "
			    "number", v[i]->number, v[i - 1]->id,
			    v[i - 1]->number_line);
		}
	ld->blame[0] = '\0';
	free(v);
}

/* Parse one file's text of the given kind into ld->cfg. */
static int
load_buf(struct ld *ld, const char *buf, size_t len)
{
	int rc;

	ld->buf = buf;
	ld->len = len;
	rc = ini_parse_stream(cfg_reader, ld, cfg_handler, ld);
	ld->blame[0] = '\0';	/* what follows is the whole file's */
	if (rc > 0)
		LD_ERR(ld, rc, "not understood; see sd.ini(5)");
	else if (rc < 0)
		LD_ERR(ld, 0, "cannot parse (out of memory)");
	if (ld->kind == INI_PROFILES)
		profiles_check(ld);
	if (ld->kind == INI_PROXIES)
		numbers_check(ld);
	free(ld->sections);
	ld->sections = NULL;
	ld->buf = NULL;
	return ld->errors ? -1 : 0;
}

/* Load one file of the given kind; a missing optional file is fine. */
static int
load_file(struct sd_config *cfg, const char *path, enum ini_kind kind,
    int system, int required, struct ld *out, int serving)
{
	struct ld ld;
	char *buf;
	size_t len;

	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.path = path;
	ld.kind = kind;
	ld.system = system;
	ld.serving = serving;
	if (sd_read_file(path, CONFIG_FILE_MAX, &buf, &len) == -1) {
		if (errno == ENOENT && !required)
			return 0;
		warnx("%s: cannot read: %s%s", path, strerror(errno),
		    system ? "; install sd's system profiles or set "
		    "SD_SHAREDIR" : "");
		return -1;
	}
	load_buf(&ld, buf, len);
	free(buf);
	if (out != NULL)
		*out = ld;
	return ld.errors ? -1 : 0;
}

int
sd_config_check_text(const char *buf, size_t len, const char *name,
    int profiles, int warn)
{
	struct sd_config cfg;
	struct ld ld;

	memset(&cfg, 0, sizeof(cfg));
	settings_defaults(&cfg.settings);
	memset(&ld, 0, sizeof(ld));
	ld.cfg = &cfg;
	ld.path = name;
	ld.kind = profiles ? INI_PROFILES : INI_PROXIES;
	ld.quiet = !warn;
	if (len > CONFIG_FILE_MAX)	/* sd_config_load would not read it */
		LD_ERR(&ld, 0, "%zu bytes; at most %u load: make the file "
		    "smaller", len, CONFIG_FILE_MAX);
	load_buf(&ld, buf, len);
	sd_config_free(&cfg);
	return ld.errors ? -1 : 0;
}

int
sd_settings_load(struct sd_settings *s, const char *path)
{
	struct sd_config cfg;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	settings_defaults(&cfg.settings);
	rc = load_file(&cfg, path, INI_SETTINGS, 0, 0, NULL, 0);
	*s = cfg.settings;
	sd_config_free(&cfg);
	return rc;
}

/* The defined profile a misspelt name means ("universal"), or NULL. */
static const char *
profile_near(const struct sd_config *cfg, const char *name)
{
	const char *names[64];
	size_t i, n = 0;

	for (i = 0; i < cfg->nprofiles && n < SD_ARRAY_LEN(names); i++)
		names[n++] = cfg->profiles[i].name;
	return sd_near_name(name, names, n);
}

/* The defined provider a misspelt name means, or NULL. */
static const char *
provider_near(const struct sd_config *cfg, const char *name)
{
	const char *names[64];
	size_t i, n = 0;

	for (i = 0; i < cfg->nproviders && n < SD_ARRAY_LEN(names); i++)
		names[n++] = cfg->providers[i].name;
	return sd_near_name(name, names, n);
}

/*
 * provider = NAME names a [provider.NAME] of the file, which holds the
 * limit (a proxy's own max_connections is its host's, so both at once is
 * a contradiction); the proxy takes its headers when it sets none.
 */
static void
provider_check(struct sd_config *cfg, struct ld *ld, struct sd_proxy *x)
{
	const struct sd_provider *p;
	const char *near, *why;
	char sect[SD_NAME_MAX + 16];
	int line = x->provider_line ? x->provider_line : x->line;

	if (x->provider[0] == '\0')
		return;
	if ((p = sd_provider_find(cfg, x->provider)) == NULL) {
		if ((near = provider_near(cfg, x->provider)) != NULL)
			LD_ERR(ld, line, "proxy %s names provider %s, which is "
			    "not defined; did you mean %s? (names are "
			    "case-sensitive)", x->id, x->provider, near);
		else
			LD_ERR(ld, line, "proxy %s names provider %s, which is "
			    "not defined; add a section [provider.%s] with "
			    "max_connections", x->id, x->provider, x->provider);
		return;
	}
	snprintf(sect, sizeof(sect), "provider.%s", p->name);
	if ((why = sd_proxy_broken(cfg, sect)) != NULL)
		LD_ERR(ld, line, "proxy %s joins provider %s, which is wrong: "
		    "%s", x->id, p->name, why);
	if (x->max_connections > 0)
		LD_ERR(ld, x->max_connections_line, "proxy %s: max_connections "
		    "is its host's limit, but the proxy joins provider %s; "
		    "set max_connections in [provider.%s] (line %d) and "
		    "remove it here", x->id, p->name, p->name, p->line);
	if (x->headers[0] == '\0')
		strlcpy(x->headers, p->headers, sizeof(x->headers));
}

/* Checks that need every file: profile names, relay defaults. */
static int
proxies_check(struct sd_config *cfg, struct ld *ld)
{
	struct sd_proxy *x;
	const char *near;
	size_t i;

	for (i = 0; i < cfg->nproxies; i++) {
		x = &cfg->proxies[i];
		ld->path = x->path;
		strlcpy(ld->blame, x->id, sizeof(ld->blame));
		if (x->source_line == 0)
			LD_ERR(ld, x->line, "proxy %s has no source; add "
			    "source = URL", x->id);
		if (strcmp(x->legacy_mode, "proxy") == 0 && x->profile[0]) {
			LD_WARN(ld, x->profile_line, "proxy %s: profile %s "
			    "is ignored: mode = proxy never transcoded, so "
			    "the proxy stays passthrough (sd-migrate(1) "
			    "removes the profile)", x->id, x->profile);
			x->profile[0] = '\0';
			x->profile_line = 0;
		}
		if (strcmp(x->legacy_mode, "relay") == 0 && !x->profile[0]) {
			LD_WARN(ld, x->mode_line, "proxy %s: mode = relay without a "
			    "profile uses the default profile %s; write "
			    "profile = %s", x->id, cfg->settings.default_profile,
			    cfg->settings.default_profile);
			strlcpy(x->profile, cfg->settings.default_profile,
			    sizeof(x->profile));
		}
		if (x->profile[0] && sd_profile_find(cfg, x->profile) ==
		    NULL && (near = profile_near(cfg, x->profile)) != NULL)
			LD_ERR(ld, x->profile_line ? x->profile_line : x->line,
			    "proxy %s names profile %s, which is not defined; "
			    "did you mean %s? (names are case-sensitive)",
			    x->id, x->profile, near);
		else if (x->profile[0] && sd_profile_find(cfg, x->profile) ==
		    NULL)
			LD_ERR(ld, x->profile_line ? x->profile_line : x->line,
			    "proxy %s names profile %s, which is not defined; "
			    "add [%s] to profiles.ini or name another profile",
			    x->id, x->profile, x->profile);
		provider_check(cfg, ld, x);
	}
	ld->blame[0] = '\0';
	return ld->errors ? -1 : 0;
}

static int
config_load(struct sd_config *cfg, const char *dir, int serving)
{
	char path[3][1024];
	struct ld sets, chk;
	struct stat st;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	settings_defaults(&cfg->settings);
	strlcpy(cfg->dir, dir, sizeof(cfg->dir));
	/*
	 * A folder named with -C or SD_CONF must exist; the compiled-in one
	 * may not (yet): then the system profiles and defaults are the config.
	 */
	if (stat(dir, &st) == -1 && errno == ENOENT &&
	    strcmp(dir, SD_SYSCONFDIR) == 0)
		dir = "";
	else if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		warnx("%s: not a config folder (%s); create it, or name "
		    "another with -C or SD_CONF", dir,
		    stat(dir, &st) == -1 ? strerror(errno) : "not a directory");
		return -1;
	}
	snprintf(path[0], sizeof(path[0]), "%s/profiles.ini", dir);
	snprintf(path[1], sizeof(path[1]), "%s/proxies.ini", dir);
	snprintf(path[2], sizeof(path[2]), "%s/sd.ini", dir);
	rc |= load_file(cfg, sd_system_profiles_path(), INI_PROFILES, 1, 1,
	    NULL, 0);
	memset(&sets, 0, sizeof(sets));
	if (*dir != '\0') {
		rc |= load_file(cfg, path[0], INI_PROFILES, 0, 0, NULL, 0);
		rc |= load_file(cfg, path[1], INI_PROXIES, 0, 0, NULL, serving);
		rc |= load_file(cfg, path[2], INI_SETTINGS, 0, 0, &sets, 0);
	}
	memset(&chk, 0, sizeof(chk));
	chk.cfg = cfg;
	chk.path = path[2];
	if (sd_profile_find(cfg, cfg->settings.default_profile) == NULL)
		LD_ERR(&chk, sets.default_profile_line, "default_profile = "
		    "%s is not a defined profile; name one of profiles.ini",
		    cfg->settings.default_profile);
	rc |= chk.errors ? -1 : 0;
	chk.serving = serving;
	rc |= proxies_check(cfg, &chk);
	if (rc != 0) {
		sd_config_free(cfg);
		return -1;
	}
	return 0;
}

int
sd_config_load(struct sd_config *cfg, const char *dir)
{
	return config_load(cfg, dir, 0);
}

int
sd_config_load_serving(struct sd_config *cfg, const char *dir)
{
	return config_load(cfg, dir, 1);
}

void
sd_config_free(struct sd_config *cfg)
{
	free(cfg->broken);
	free(cfg->proxies);
	free(cfg->profiles);
	free(cfg->providers);
	cfg->broken = NULL;
	cfg->proxies = NULL;
	cfg->profiles = NULL;
	cfg->providers = NULL;
	cfg->nbroken = cfg->nproxies = cfg->nprofiles = cfg->nproviders = 0;
}
