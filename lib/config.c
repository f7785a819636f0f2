/*
 * config.c - the INI config model (sd.ini(5)): system profiles, the user's
 * profiles.ini, proxies.ini and sd.ini, with the seed's codec/container rules
 * (section 1.3, 1.4) and the old schema accepted with deprecation warnings.
 *
 * inih does the key = value splitting. It is fed by our own line reader,
 * which sees every raw line first: Debian's libinih is built with 200-byte
 * lines and no line numbers in the handler, so the reader counts lines (the
 * handler runs right after the line it was given), rejects overlong lines
 * and section headers that are wrong, and hands values too long for inih's
 * buffer to the handler on the side. It also strips leading blanks so that
 * inih never takes an indented key for a continuation line.
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sd.h"
#include "codec_table.h"
#include "legacy.h"
#include "util_int.h"

#define CONFIG_FILE_MAX SD_INI_FILE_MAX	/* no config file is near it */
#define PROFILES_MAX 1000
#define PROXIES_MAX 20000
#define KEYS_SEEN_MAX 64
#define LONG_MARK "\x1e"		/* value handed over on the side */

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
	size_t cur;			/* index into proxies or profiles */
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
};

static void ld_msg(struct ld *, int, int, const char *, ...)
	__attribute__((format(printf, 4, 5)));

/* path:line: message, as an error (counted) or a warning. */
static void
ld_msg(struct ld *ld, int is_error, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!ld->quiet || is_error)
		sd_vwarn_at(ld->path, line, fmt, ap);
	va_end(ap);
	if (is_error)
		ld->errors++;
	else
		ld->cfg->warnings++;
}

#define LD_ERR(ld, line, ...) ld_msg((ld), 1, (line), __VA_ARGS__)
#define LD_WARN(ld, line, ...) ld_msg((ld), 0, (line), __VA_ARGS__)

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
	static char path[1024];
	const char *dir = getenv("SD_SHAREDIR");

	if (dir == NULL || *dir == '\0')
		dir = SD_SHAREDIR;
	snprintf(path, sizeof(path), "%s/profiles.ini", dir);
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

/* ---------------------------------------------------------------- values */

int
sd_parse_bitrate(const char *s, long long *out, const char **errstr)
{
	char num[32];
	size_t n;
	long long mul = 1, v;

	if (sd_copy_trimmed(s, num, sizeof(num)) == -1) {
		*errstr = "invalid";
		return -1;
	}
	n = strlen(num);
	if (num[n - 1] == 'k' || num[n - 1] == 'K')
		mul = 1000;
	else if (num[n - 1] == 'M' || num[n - 1] == 'm')
		mul = 1000000;
	if (mul != 1)
		num[n - 1] = '\0';
	v = sd_strtonum(num, 0, 1000000000LL / mul, errstr);
	if (*errstr != NULL)
		return -1;
	*out = v * mul;
	return 0;
}

/* A decimal number of seconds in [min, max]. */
static int
parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || strchr(s, 'x') || strchr(s, 'X'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "", "25", "29.97" or "30000/1001": above 0, at most 240 a second. */
static int
framerate_ok(const char *s)
{
	long long num, den;

	return *s == '\0' || (sd_frame_rate_parse(s, &num, &den) == 0 &&
	    num > 0 && num <= 240 * den);
}

/* Encoder names, presets, hwaccel names: [A-Za-z0-9_.-], not leading '-'. */
static int
word_ok(const char *s)
{
	if (*s == '-')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return 0;
	return 1;
}

static int
text_ok(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s) && *s != '\t')
			return 0;
	return 1;
}

/*
 * A source: a URL or path, without blanks or control characters, and not
 * starting with '-' (it becomes an argument of sd-classify and ffmpeg).
 */
static int
source_ok(const char *s)
{
	if (*s == '\0' || *s == '-')
		return 0;
	for (; *s; s++)
		if (iscntrl((unsigned char)*s) || *s == ' ')
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- fields */

enum ftype { F_TEXT, F_WORD, F_NAME, F_INT, F_RATE, F_SECONDS, F_FPS,
	F_SOURCE };

struct field {
	const char *key;
	enum ftype type;
	size_t off, size;
	long long min, max;
	const char *hint;	/* how to write it right */
};

#define PF(k, t, m, lo, hi, h) \
	{ k, t, offsetof(struct sd_profile, m), \
	  sizeof(((struct sd_profile *)0)->m), lo, hi, h }
#define XF(k, t, m, lo, hi, h) \
	{ k, t, offsetof(struct sd_proxy, m), \
	  sizeof(((struct sd_proxy *)0)->m), lo, hi, h }
#define SF(k, t, m, lo, hi, h) \
	{ k, t, offsetof(struct sd_settings, m), \
	  sizeof(((struct sd_settings *)0)->m), lo, hi, h }

static const struct field profile_fields[] = {
	PF("description", F_TEXT, description, 0, 0, "one line of text"),
	PF("video_codec", F_WORD, video_codec, 0, 0,
	    "an ffmpeg encoder such as libx264, or copy"),
	PF("audio_codec", F_WORD, audio_codec, 0, 0,
	    "an ffmpeg encoder such as aac, or copy"),
	PF("video_bitrate", F_RATE, video_bitrate, 0, 0,
	    "bit/s, with k or M (2500k), 0 keeps the source's"),
	PF("audio_bitrate", F_RATE, audio_bitrate, 0, 0,
	    "bit/s, with k or M (128k), 0 for the encoder's default"),
	PF("maxrate", F_RATE, maxrate, 0, 0, "bit/s, with k or M"),
	PF("bufsize", F_RATE, bufsize, 0, 0, "bits, with k or M"),
	PF("preset", F_WORD, preset, 0, 0, "an encoder preset such as fast"),
	PF("crf", F_INT, crf, -1, 63, "-1 (unset) to 63"),
	PF("width", F_INT, width, 0, 16384, "0 (keep) to 16384"),
	PF("height", F_INT, height, 0, 16384, "0 (keep) to 16384"),
	PF("framerate", F_FPS, framerate, 0, 0,
	    "empty (keep), 25, 29.97 or 30000/1001"),
	PF("audio_channels", F_INT, audio_channels, 0, 8, "0 (keep) to 8"),
	PF("audio_sample_rate", F_INT, audio_sample_rate, 0, 192000,
	    "0 (keep) or a rate in Hz such as 48000"),
	PF("hwaccel", F_WORD, hwaccel, 0, 0,
	    "empty, nvenc, qsv, vaapi, videotoolbox or amf"),
	PF("hwaccel_device", F_TEXT, hwaccel_device, 0, 0,
	    "a device such as /dev/dri/renderD128"),
	PF("fallback", F_WORD, fallback, 0, 0, "empty or software"),
	PF("input_options", F_TEXT, input_options, 0, 0,
	    "ffmpeg input options separated by blanks"),
	PF("output_options", F_TEXT, output_options, 0, 0,
	    "ffmpeg output options separated by blanks"),
	PF("segment_duration", F_SECONDS, segment_duration, 0, 30,
	    "0 (sd.ini's) or seconds from 0.5 to 30"),
	PF("playlist_size", F_INT, playlist_size, 0, 1000,
	    "0 (sd.ini's window) to 1000"),
};

static const struct field proxy_fields[] = {
	XF("source", F_SOURCE, source, 0, 0,
	    "a URL (http://, https://, udp://, ...) or a file, without blanks"),
	XF("name", F_TEXT, name, 0, 0, "one line of text"),
	XF("group", F_TEXT, group, 0, 0, "one line of text"),
	XF("logo", F_SOURCE, logo, 0, 0, "a URL without blanks"),
	XF("tvg_id", F_TEXT, tvg_id, 0, 0, "an EPG id such as bbc1.uk"),
	XF("max_clients", F_INT, max_clients, 0, 100000,
	    "0 (unlimited) to 100000"),
	XF("number", F_INT, number, 1, 99999,
	    "a channel number from 1 to 99999, unique in the file"),
};

static const struct field settings_fields[] = {
	SF("spool", F_TEXT, spool, 0, 0, "an absolute folder"),
	SF("segment_duration", F_SECONDS, segment_duration, 1, 30,
	    "seconds from 1 to 30"),
	SF("window", F_INT, window, 2, 1000, "segments from 2 to 1000"),
	SF("idle_timeout", F_INT, idle_timeout, 1, 86400,
	    "seconds from 1 to 86400"),
	SF("classify_ttl", F_INT, classify_ttl, 0, 604800,
	    "seconds from 0 to 604800"),
	SF("upstream_timeout", F_INT, upstream_timeout, 1, 3600,
	    "seconds from 1 to 3600"),
	SF("max_sessions", F_INT, max_sessions, 1, 10000, "1 to 10000"),
	SF("base_url", F_SOURCE, base_url, 0, 0,
	    "empty (relative URLs) or a URL without blanks"),
	SF("default_profile", F_NAME, default_profile, 0, 0,
	    "the name of a profile"),
};

static const struct field *
field_find(const struct field *t, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].key, key) == 0)
			return &t[i];
	return NULL;
}

/* Set one field of base from value; -1 (reported) when it is wrong. */
static int
field_set(struct ld *ld, void *base, const struct field *f, const char *v)
{
	char *dst = (char *)base + f->off;
	const char *err = NULL;
	long long n;
	double d;
	int okv = 1;

	switch (f->type) {
	case F_INT:
		n = sd_strtonum(v, f->min, f->max, &err);
		if (err != NULL) {
			LD_ERR(ld, ld->lineno, "%s = %s: the number is %s; "
			    "write %s", f->key, v, err, f->hint);
			return -1;
		}
		*(int *)(void *)dst = (int)n;
		return 0;
	case F_RATE:
		if (sd_parse_bitrate(v, &n, &err) == -1) {
			LD_ERR(ld, ld->lineno, "%s = %s: the rate is %s; "
			    "write %s", f->key, v, err, f->hint);
			return -1;
		}
		*(long long *)(void *)dst = n;
		return 0;
	case F_SECONDS:
		if (parse_seconds(v, (double)f->min, (double)f->max, &d) ==
		    -1 || (d != 0 && d < 0.5)) {
			LD_ERR(ld, ld->lineno, "%s = %s: not a valid duration; "
			    "write %s", f->key, v, f->hint);
			return -1;
		}
		*(double *)(void *)dst = d;
		return 0;
	case F_WORD:
		okv = word_ok(v);
		break;
	case F_NAME:
		okv = *v == '\0' || sd_safe_name(v);
		break;
	case F_FPS:
		okv = framerate_ok(v);
		break;
	case F_SOURCE:
		okv = *v == '\0' || source_ok(v);
		break;
	case F_TEXT:
		okv = text_ok(v);
		break;
	}
	if (!okv) {
		LD_ERR(ld, ld->lineno, "%s = %s: not a valid value; write %s",
		    f->key, v, f->hint);
		return -1;
	}
	if (strlen(v) >= f->size) {
		LD_ERR(ld, ld->lineno, "%s is %zu bytes long; at most %zu "
		    "fit: shorten it", f->key, strlen(v), f->size - 1);
		return -1;
	}
	strlcpy(dst, v, f->size);
	return 0;
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
	s->max_sessions = 16;
	strlcpy(s->default_profile, "Universal", sizeof(s->default_profile));
}

static ssize_t
profile_index(const struct sd_config *cfg, const char *name)
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
	ssize_t i = profile_index(cfg, name);

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

/*
 * Room for element n of an array (at most max elements): the capacity
 * doubles whenever n reaches a power of two, so arr is reallocated only
 * then. NULL when it cannot grow; arr is then still valid.
 */
static void *
grow(void *arr, size_t n, size_t size, size_t max)
{
	if (n >= max)
		return NULL;
	if (n != 0 && (n & (n - 1)) != 0)
		return arr;
	return reallocarray(arr, n ? n * 2 : 1, size);
}

static int
profile_begin(struct ld *ld, const char *name, int line)
{
	struct sd_config *cfg = ld->cfg;
	struct sd_profile *p;
	ssize_t i = profile_index(cfg, name);

	if (i < 0) {
		if ((p = grow(cfg->profiles, cfg->nprofiles, sizeof(*p),
		    PROFILES_MAX)) == NULL) {
			LD_ERR(ld, line, "more than %d profiles (or out of "
			    "memory); remove some", PROFILES_MAX);
			return -1;
		}
		cfg->profiles = p;
		i = (ssize_t)cfg->nprofiles++;
	}
	/* A user's profile of a system name replaces it whole. */
	p = &cfg->profiles[i];
	sd_profile_defaults(p, name);
	p->is_system = ld->system;
	strlcpy(p->path, ld->path, sizeof(p->path));
	p->line = line;
	ld->cur = (size_t)i;
	return 0;
}

static int
proxy_begin(struct ld *ld, const char *id, int line)
{
	struct sd_config *cfg = ld->cfg;
	struct sd_proxy *x;

	if ((x = grow(cfg->proxies, cfg->nproxies, sizeof(*x),
	    PROXIES_MAX)) == NULL) {
		LD_ERR(ld, line, "more than %d proxies (or out of memory); "
		    "split the list", PROXIES_MAX);
		return -1;
	}
	cfg->proxies = x;
	x = &cfg->proxies[cfg->nproxies];
	memset(x, 0, sizeof(*x));
	strlcpy(x->id, id, sizeof(x->id));
	x->mode = SD_MODE_SMART;
	strlcpy(x->path, ld->path, sizeof(x->path));
	x->line = line;
	ld->cur = cfg->nproxies++;
	return 0;
}

static size_t
name_hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot of name in the set of sections: its own, or the empty one
 * where it goes (the set grows first when half full). NULL: too many. */
static struct seen *
section_slot(struct ld *ld, const char *name)
{
	struct seen *old = ld->sections, *t, *slot;
	size_t i, n = ld->tabsize;

	if (ld->nsections >= PROXIES_MAX)
		return NULL;
	if (ld->nsections * 2 >= n) {
		n = n ? n * 2 : 64;
		if ((t = calloc(n, sizeof(*t))) == NULL)
			return NULL;
		ld->sections = t;
		ld->tabsize = n;
		for (i = 0; old != NULL && i < n / 2; i++)
			if (old[i].name[0] != '\0') {
				slot = section_slot(ld, old[i].name);
				*slot = old[i];
			}
		free(old);
	}
	for (i = name_hash(name) & (n - 1);; i = (i + 1) & (n - 1))
		if (ld->sections[i].name[0] == '\0' ||
		    strcmp(ld->sections[i].name, name) == 0)
			return &ld->sections[i];
}

/* A [name] line: checked here, where every section header is seen. */
static void
section_begin(struct ld *ld, const char *name, int line)
{
	struct seen *s;
	int rc;

	ld->in_section = 1;
	ld->skip = 1;
	ld->nkeys = 0;
	ld->new_mode = ld->new_profile = ld->new_container = 0;
	if (ld->kind == INI_SETTINGS) {
		if (strcmp(name, "sd") != 0)
			LD_WARN(ld, line, "unknown section [%s] in sd.ini; its "
			    "keys are ignored (write them at the top or "
			    "under [sd])", name);
		else
			ld->skip = 0;
		return;
	}
	if (!sd_safe_name(name) || strlen(name) >= SD_NAME_MAX) {
		LD_ERR(ld, line, "bad section name [%s]; use at most %d "
		    "letters, digits, '.', '_' or '-'", name,
		    SD_NAME_MAX - 1);
		return;
	}
	if ((s = section_slot(ld, name)) != NULL && s->name[0] != '\0') {
		LD_ERR(ld, line, "duplicate section [%s] (first at line %d); "
		    "merge the two or rename one", name, s->line);
		return;
	}
	if (s == NULL) {
		LD_ERR(ld, line, "too many sections (or out of memory)");
		return;
	}
	strlcpy(s->name, name, sizeof(s->name));
	s->line = line;
	ld->nsections++;
	rc = ld->kind == INI_PROFILES ? profile_begin(ld, name, line) :
	    proxy_begin(ld, name, line);
	ld->skip = rc == -1;
}

/* ---------------------------------------------------------------- keys */

/* Warn about a key given twice in a section (old and new spellings count
 * as one key); the last one wins except where noted in the handlers. */
static void
key_seen(struct ld *ld, const char *key)
{
	const char *now = sd_legacy_key(key);
	size_t i;

	if (now != NULL)
		key = now;
	for (i = 0; i < ld->nkeys; i++)
		if (strcmp(ld->keys[i].name, key) == 0) {
			LD_WARN(ld, ld->lineno, "%s is set again (first at "
			    "line %d); remove one", key, ld->keys[i].line);
			return;
		}
	if (ld->nkeys < KEYS_SEEN_MAX && strlen(key) < SD_NAME_MAX) {
		strlcpy(ld->keys[ld->nkeys].name, key, SD_NAME_MAX);
		ld->keys[ld->nkeys++].line = ld->lineno;
	}
}

static void
codec_check(struct ld *ld, const char *key, const char *v, char want)
{
	const struct sd_codec *c = sd_codec_find(sd_encoder_codec(v));

	if (strcmp(v, "copy") == 0)
		return;
	if (c == NULL)
		LD_WARN(ld, ld->lineno, "%s = %s: an encoder sd does not "
		    "know; it is passed to ffmpeg as written, and sd assumes "
		    "MPEG-TS can carry it", key, v);
	else if (c->kind != want)
		LD_ERR(ld, ld->lineno, "%s = %s: that is %s encoder; write "
		    "%s", key, v, c->kind == 'v' ? "a video" : "an audio",
		    want == 'v' ? "a video encoder such as libx264, or copy" :
		    "an audio encoder such as aac, or copy");
}

static int
profile_key(struct ld *ld, const char *key, const char *v)
{
	struct sd_profile *p = &ld->cfg->profiles[ld->cur];
	const struct field *f;
	enum sd_container c;
	const char *nv;

	if (strcmp(key, "container_format") == 0) {
		if (sd_container_parse(v, &c) == -1) {
			LD_ERR(ld, ld->lineno, "container_format = %s: "
			    "unknown; write auto, fmp4 or mpegts", v);
			return 0;
		}
		p->container = c;
		p->container_line = ld->lineno;
		ld->new_container = 1;
		return 0;
	}
	if (strcmp(key, "output_format") == 0) {
		if ((nv = sd_legacy_value("container_format", v)) == NULL ||
		    sd_container_parse(nv, &c) == -1) {
			LD_ERR(ld, ld->lineno, "output_format = %s: unknown "
			    "(and deprecated); write container_format = auto, "
			    "fmp4 or mpegts", v);
			return 0;
		}
		ld->cfg->deprecated = 1;
		if (ld->new_container) {
			LD_WARN(ld, ld->lineno, "output_format is deprecated "
			    "and ignored: container_format is set; remove "
			    "this line (sd-migrate(1) does)");
			return 0;
		}
		LD_WARN(ld, ld->lineno, "output_format = %s is deprecated; "
		    "write container_format = %s (sd-migrate(1) rewrites "
		    "the file)", v, sd_container_name(c));
		p->container = c;
		p->container_line = ld->lineno;
		return 0;
	}
	if ((f = field_find(profile_fields, SD_ARRAY_LEN(profile_fields),
	    key)) == NULL)
		return -1;
	if (field_set(ld, p, f, v) == 0 && strcmp(key, "video_codec") == 0)
		codec_check(ld, key, v, 'v');
	else if (strcmp(key, "audio_codec") == 0 && strcmp(p->audio_codec,
	    v) == 0)
		codec_check(ld, key, v, 'a');
	return 0;
}

static void
proxy_mode_key(struct ld *ld, struct sd_proxy *x, const char *key,
    const char *v)
{
	const char *nv;
	int is_old_key = strcmp(key, "proxy_mode") == 0;

	if (is_old_key && ld->new_mode) {
		LD_WARN(ld, ld->lineno, "proxy_mode is deprecated and ignored: "
		    "mode is set; remove this line (sd-migrate(1) does)");
		ld->cfg->deprecated = 1;
		return;
	}
	if (!is_old_key && (strcmp(v, "direct") == 0 ||
	    strcmp(v, "smart") == 0)) {
		x->mode = v[0] == 'd' ? SD_MODE_DIRECT : SD_MODE_SMART;
		x->legacy_mode[0] = '\0';
		x->mode_line = ld->lineno;
		ld->new_mode = 1;
		return;
	}
	if ((nv = sd_legacy_value("mode", v)) == NULL) {
		LD_ERR(ld, ld->lineno, "%s = %s: unknown mode; write mode = "
		    "direct (redirect to the source) or mode = smart", key, v);
		return;
	}
	ld->cfg->deprecated = 1;
	LD_WARN(ld, ld->lineno, "%s = %s is deprecated; write mode = %s%s "
	    "(sd-migrate(1) rewrites the file)", key, v, nv,
	    strcmp(v, "proxy") == 0 ? " with no profile (passthrough)" : "");
	x->mode = strcmp(nv, "direct") == 0 ? SD_MODE_DIRECT : SD_MODE_SMART;
	strlcpy(x->legacy_mode, v, sizeof(x->legacy_mode));
	x->mode_line = ld->lineno;
	if (!is_old_key)
		ld->new_mode = 1;
}

static int
proxy_key(struct ld *ld, const char *key, const char *v)
{
	struct sd_proxy *x = &ld->cfg->proxies[ld->cur];
	const struct field *f;
	int is_old = strcmp(key, "relay_profile") == 0;

	if (strcmp(key, "mode") == 0 || strcmp(key, "proxy_mode") == 0) {
		proxy_mode_key(ld, x, key, v);
		return 0;
	}
	if (strcmp(key, "profile") == 0 || is_old) {
		if (is_old) {
			ld->cfg->deprecated = 1;
			LD_WARN(ld, ld->lineno, "relay_profile is deprecated"
			    "%s; write profile = %s (sd-migrate(1) rewrites "
			    "the file)", ld->new_profile ? " and ignored: "
			    "profile is set" : "", v);
			if (ld->new_profile)
				return 0;
		} else
			ld->new_profile = 1;
		if (*v != '\0' && (!sd_safe_name(v) ||
		    strlen(v) >= SD_NAME_MAX)) {
			LD_ERR(ld, ld->lineno, "%s = %s: not a profile name; "
			    "write the name of a section of profiles.ini",
			    key, v);
			return 0;
		}
		strlcpy(x->profile, v, sizeof(x->profile));
		x->profile_line = ld->lineno;
		return 0;
	}
	if ((f = field_find(proxy_fields, SD_ARRAY_LEN(proxy_fields), key)) ==
	    NULL)
		return -1;
	if (field_set(ld, x, f, v) == 0 && strcmp(key, "source") == 0 &&
	    *v == '\0')
		LD_ERR(ld, ld->lineno, "source is empty; write source = URL");
	if (strcmp(key, "source") == 0)
		x->source_line = ld->lineno;
	if (strcmp(key, "number") == 0)
		x->number_line = ld->lineno;
	return 0;
}

static int
settings_key(struct ld *ld, const char *key, const char *v)
{
	const struct field *f;

	if ((f = field_find(settings_fields, SD_ARRAY_LEN(settings_fields),
	    key)) == NULL)
		return -1;
	if (field_set(ld, &ld->cfg->settings, f, v) == 0 &&
	    strcmp(key, "default_profile") == 0)
		ld->default_profile_line = ld->lineno;
	if (strcmp(key, "spool") == 0 && v[0] != '/') {
		LD_ERR(ld, ld->lineno, "spool = %s: not an absolute folder; "
		    "write a path starting with /", v);
	}
	return 0;
}

/* inih's treatment of a value, for the ones handed over on the side. */
static void
long_value(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	for (i = 1; i < n; i++)
		if (p[i] == ';' && (p[i - 1] == ' ' || p[i - 1] == '\t')) {
			n = i;
			break;
		}
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* A value in double quotes loses them ("a b" -> a b). */
static const char *
unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

static int
cfg_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct ld *ld = user;
	char buf[SD_INI_LINE_MAX + 1];
	const char *v;
	int rc;

	(void)section;
	if (strcmp(value, LONG_MARK) == 0 && ld->long_value != NULL)
		long_value(ld->long_value, ld->long_len, buf, sizeof(buf));
	else
		strlcpy(buf, value, sizeof(buf));
	ld->long_value = NULL;
	v = unquote(buf);
	if (!ld->in_section && ld->kind != INI_SETTINGS) {
		LD_ERR(ld, ld->lineno, "%s is outside any section; put it "
		    "under a [name] line", name);
		return 1;
	}
	if (ld->in_section && ld->skip)
		return 1;
	key_seen(ld, name);
	if (ld->kind == INI_PROFILES)
		rc = profile_key(ld, name, v);
	else if (ld->kind == INI_PROXIES)
		rc = proxy_key(ld, name, v);
	else
		rc = settings_key(ld, name, v);
	if (rc == -1)
		LD_WARN(ld, ld->lineno, "unknown key %s; ignored (see "
		    "sd.ini(5))", name);
	return 1;
}

/* ---------------------------------------------------------------- lines */

/* Copy s (n bytes) and a newline into out (size num); 0 when too long. */
static int
emit(char *out, int num, const char *s, size_t n)
{
	if (num < 2 || n + 2 > (size_t)num)
		return 0;
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	return 1;
}

static void
reader_section(struct ld *ld, const char *s, size_t n)
{
	const char *end = memchr(s, ']', n);
	char name[SD_INI_LINE_MAX + 1];
	size_t len;

	if (end == NULL) {
		LD_ERR(ld, ld->lineno, "section header without ']'; write "
		    "[name]");
		ld->in_section = 1;
		ld->skip = 1;
		return;
	}
	s++;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	len = (size_t)(end - s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	memcpy(name, s, len);
	name[len] = '\0';
	section_begin(ld, name, ld->lineno);
}

/*
 * The ini_reader: one raw line at a time, checked; what inih gets is the
 * line without leading blanks, a blank line in place of a wrong one, or
 * "key=" LONG_MARK for a value that would not fit its buffer.
 */
static char *
cfg_reader(char *out, int num, void *stream)
{
	struct ld *ld = stream;
	const char *s, *eol, *sep;
	size_t n;

	if (ld->pos >= ld->len)
		return NULL;
	s = ld->buf + ld->pos;
	eol = memchr(s, '\n', ld->len - ld->pos);
	n = eol ? (size_t)(eol - s) : ld->len - ld->pos;
	ld->pos += n + (eol != NULL);
	ld->lineno++;
	if (ld->lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (n > SD_INI_LINE_MAX) {
		LD_ERR(ld, ld->lineno, "line of %zu bytes; at most %d are "
		    "allowed: shorten it", n, SD_INI_LINE_MAX);
		emit(out, num, "", 0);
		return out;
	}
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || *s == ';' || *s == '#') {
		emit(out, num, "", 0);
		return out;
	}
	if (memchr(s, '\0', n) != NULL) {
		LD_ERR(ld, ld->lineno, "a NUL byte; remove it");
		emit(out, num, "", 0);
		return out;
	}
	if (*s == '[') {
		reader_section(ld, s, n);
		emit(out, num, "", 0);
		return out;
	}
	for (sep = s; sep < s + n && *sep != '=' && *sep != ':'; sep++)
		;
	if (sep == s + n || sep == s) {
		LD_ERR(ld, ld->lineno, "'%.*s' is not key = value; write a "
		    "key, '=' and a value, or start a comment with '#'",
		    (int)(n > 60 ? 60 : n), s);
		emit(out, num, "", 0);
		return out;
	}
	if (!emit(out, num, s, n)) {
		ld->long_value = sep + 1;
		ld->long_len = (size_t)(s + n - sep - 1);
		if ((size_t)(sep - s) + sizeof(LONG_MARK) + 2 > (size_t)num) {
			LD_ERR(ld, ld->lineno, "key too long");
			emit(out, num, "", 0);
			return out;
		}
		memcpy(out, s, (size_t)(sep - s));
		snprintf(out + (sep - s), (size_t)num - (size_t)(sep - s),
		    "=%s\n", LONG_MARK);
	}
	return out;
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
		if (v[i]->number == v[i - 1]->number)
			LD_ERR(ld, v[i]->number_line, "number = %d is also "
			    "proxy %s's (line %d); give each channel its own "
			    "number", v[i]->number, v[i - 1]->id,
			    v[i - 1]->number_line);
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
    int system, int required, struct ld *out)
{
	struct ld ld;
	char *buf;
	size_t len;

	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.path = path;
	ld.kind = kind;
	ld.system = system;
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
	rc = load_file(&cfg, path, INI_SETTINGS, 0, 0, NULL);
	*s = cfg.settings;
	sd_config_free(&cfg);
	return rc;
}

/* Checks that need every file: profile names, relay defaults. */
static int
proxies_check(struct sd_config *cfg, struct ld *ld)
{
	struct sd_proxy *x;
	size_t i;

	for (i = 0; i < cfg->nproxies; i++) {
		x = &cfg->proxies[i];
		ld->path = x->path;
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
		if (x->profile[0] && sd_profile_find(cfg, x->profile) == NULL)
			LD_ERR(ld, x->profile_line ? x->profile_line : x->line,
			    "proxy %s names profile %s, which is not defined; "
			    "add [%s] to profiles.ini or name another profile",
			    x->id, x->profile, x->profile);
	}
	return ld->errors ? -1 : 0;
}

int
sd_config_load(struct sd_config *cfg, const char *dir)
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
	    NULL);
	memset(&sets, 0, sizeof(sets));
	if (*dir != '\0') {
		rc |= load_file(cfg, path[0], INI_PROFILES, 0, 0, NULL);
		rc |= load_file(cfg, path[1], INI_PROXIES, 0, 0, NULL);
		rc |= load_file(cfg, path[2], INI_SETTINGS, 0, 0, &sets);
	}
	memset(&chk, 0, sizeof(chk));
	chk.cfg = cfg;
	chk.path = path[2];
	if (sd_profile_find(cfg, cfg->settings.default_profile) == NULL)
		LD_ERR(&chk, sets.default_profile_line, "default_profile = "
		    "%s is not a defined profile; name one of profiles.ini",
		    cfg->settings.default_profile);
	rc |= chk.errors ? -1 : 0;
	rc |= proxies_check(cfg, &chk);
	if (rc != 0) {
		sd_config_free(cfg);
		return -1;
	}
	return 0;
}

void
sd_config_free(struct sd_config *cfg)
{
	free(cfg->proxies);
	free(cfg->profiles);
	cfg->proxies = NULL;
	cfg->profiles = NULL;
	cfg->nproxies = cfg->nprofiles = 0;
}
