/*
 * config_read.c - one config file read line by line (sd.ini(5)): the
 * sections, each checked and begun as a profile or a proxy, and the keys
 * handed to config_keys.c.
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
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "bytes.h"
#include "config_int.h"
#include "config.h"
#include "util_int.h"

#define PROFILES_MAX 1000
#define PROXIES_MAX 20000
#define PROVIDERS_MAX 1000
#define PROVIDER_PREFIX "provider."
#define LONG_MARK "\x1e"		/* value handed over on the side */

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
	ssize_t i = cfg_profile_index(cfg, name);

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

/* [provider.NAME]: a provider of proxies.ini, not a proxy. */
static int
provider_begin(struct ld *ld, const char *name, int line)
{
	struct sd_config *cfg = ld->cfg;
	struct sd_provider *p;

	if (*name == '\0') {
		LD_ERR(ld, line, "[%s] names no provider; write "
		    "[" PROVIDER_PREFIX "NAME]", PROVIDER_PREFIX);
		return -1;
	}
	if ((p = grow(cfg->providers, cfg->nproviders, sizeof(*p),
	    PROVIDERS_MAX)) == NULL) {
		LD_ERR(ld, line, "more than %d providers (or out of memory); "
		    "remove some", PROVIDERS_MAX);
		return -1;
	}
	cfg->providers = p;
	p = &cfg->providers[cfg->nproviders];
	memset(p, 0, sizeof(*p));
	strlcpy(p->name, name, sizeof(p->name));
	strlcpy(p->path, ld->path, sizeof(p->path));
	p->line = line;
	ld->cur = cfg->nproviders++;
	ld->in_provider = 1;
	return 0;
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
	for (i = sd_fnv1a(name) & (n - 1);; i = (i + 1) & (n - 1))
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
	ld->in_provider = 0;
	/* Under sd-serve, this section's errors disable this proxy only. */
	if (ld->kind == INI_PROXIES)
		strlcpy(ld->blame, name, sizeof(ld->blame));
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
		ld->blame[0] = '\0';
		LD_ERR(ld, line, "too many sections (or out of memory)");
		return;
	}
	strlcpy(s->name, name, sizeof(s->name));
	s->line = line;
	ld->nsections++;
	if (ld->kind == INI_PROFILES)
		rc = profile_begin(ld, name, line);
	else if (strncmp(name, PROVIDER_PREFIX, strlen(PROVIDER_PREFIX)) == 0)
		rc = provider_begin(ld, name + strlen(PROVIDER_PREFIX), line);
	else
		rc = proxy_begin(ld, name, line);
	ld->skip = rc == -1;
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

int
cfg_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct ld *ld = user;
	char buf[SD_INI_LINE_MAX + 1];
	const char *v, *near;
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
	cfg_key_seen(ld, name);
	if (ld->kind == INI_PROFILES)
		rc = cfg_profile_key(ld, name, v);
	else if (ld->kind == INI_PROXIES && ld->in_provider) {
		cfg_provider_key(ld, name, v);
		return 1;
	} else if (ld->kind == INI_PROXIES)
		rc = cfg_proxy_key(ld, name, v);
	else
		rc = cfg_settings_key(ld, name, v);
	if (rc == -1 && (near = cfg_key_near(ld->kind, name)) != NULL)
		LD_WARN(ld, ld->lineno, "unknown key %s; ignored: did you "
		    "mean %s?", name, near);
	else if (rc == -1)
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
		ld->blame[0] = '\0';	/* no name to blame */
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
char *
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
