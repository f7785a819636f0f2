/*
 * provider.c - max_connections (sd.ini(5) PROVIDERS): the upstream
 * connections of a provider, counted across the CGI processes of sd-serve
 * by slot files in SPOOL/.providers/KEY/. A session that opens upstream
 * connections (a channel's "ts" ingest, or its "pass" passthrough cache)
 * is started holding a flock on one N.slot file, and holds it for its
 * whole life: when it ends (idle) or crashes, the kernel drops the lock and
 * the slot is free. The file's text names the holder (proxy=, variant=)
 * for the 503 and /status. Slots are taken under the start lock
 * (session.c), so two first requests cannot both take the last one.
 *
 * Stands on spool.c, beside viewers.c.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "spool.h"
#include "provider.h"

#define SLOTS_MAX 1000		/* max_connections' bound in config_keys.c */
#define HOLDER_MAX 512		/* a slot file's text */
#define WHO_MAX 8		/* channels a message names */

/* ---------------------------------------------------------------- which */

/*
 * host[:port] of a URL, lowercase, without user info; only the first URL
 * of a list (failover's first source is the provider's). 0, or -1 when
 * the source has no host (a file).
 */
static int
host_of(const char *src, char *out, size_t len)
{
	const char *p = strstr(src, "://"), *end, *at;
	size_t n, i;

	if (p == NULL)
		return -1;
	p += 3;
	end = p + strcspn(p, "/?# \t");
	for (at = p; (at = memchr(at, '@', (size_t)(end - at))) != NULL;
	    p = ++at)
		;
	n = (size_t)(end - p);
	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[n] = '\0';
	return 0;
}

/* A name's bytes that may go in a file name, the others as '_'. */
static void
key_make(char *out, size_t len, const char *kind, const char *name)
{
	char *s;

	snprintf(out, len, "%s.%s", kind, name);
	for (s = out + 2; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-')
			*s = '_';
}

int
sd_provider_of(const struct sd_config *cfg, const struct sd_proxy *px,
    struct sd_provider_ref *ref)
{
	const struct sd_proxy *o;
	char host[240], oh[240];	/* a key stays a file name */
	size_t i;

	memset(ref, 0, sizeof(*ref));
	if (px->provider[0] != '\0') {
		for (i = 0; i < cfg->nproviders; i++)
			if (strcmp(cfg->providers[i].name, px->provider) == 0)
				ref->max = cfg->providers[i].max_connections;
		strlcpy(ref->name, px->provider, sizeof(ref->name));
		key_make(ref->key, sizeof(ref->key), "p", px->provider);
		return 0;
	}
	if (host_of(px->source, host, sizeof(host)) == -1) {
		/* No host: the proxy is a provider of its own. */
		strlcpy(ref->name, px->id, sizeof(ref->name));
		key_make(ref->key, sizeof(ref->key), "x", px->id);
		ref->max = px->max_connections;
		return 0;
	}
	strlcpy(ref->name, host, sizeof(ref->name));
	key_make(ref->key, sizeof(ref->key), "h", host);
	for (i = 0; i < cfg->nproxies; i++) {
		o = &cfg->proxies[i];
		if (o->provider[0] != '\0' || o->max_connections <= 0 ||
		    host_of(o->source, oh, sizeof(oh)) == -1 ||
		    strcmp(oh, host) != 0)
			continue;
		if (ref->max == 0 || o->max_connections < ref->max)
			ref->max = o->max_connections;
	}
	return 0;
}

/* ---------------------------------------------------------------- slots */

/* What the held slots of a provider say. */
struct scan {
	int used;
	int mine;			/* px holds one */
	double soonest;			/* s until a holder may go idle */
	char who[WHO_MAX][SD_NAME_MAX + 16];	/* "tv1", "tv2 (passthrough)" */
	int nwho;
};

static int
slot_dir(const struct sd_config *cfg, const struct sd_provider_ref *ref,
    char *out, size_t len)
{
	return sd_pathf(out, len, "%s/.providers/%s", cfg->settings.spool,
	    ref->key);
}

/* One held slot's holder, from its text. */
static void
scan_holder(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *path, struct scan *sc)
{
	char *buf, dir[PATH_MAX];
	const char *proxy, *variant;
	struct sd_rec r;
	size_t len;
	double left;
	int idle = cfg->settings.idle_timeout > 0 ?
	    cfg->settings.idle_timeout : 30;

	sd_rec_init(&r);
	if (sd_read_file(path, HOLDER_MAX, &buf, &len) == 0) {
		sd_rec_parse(&r, buf, len, path);
		free(buf);
	}
	proxy = sd_rec_get(&r, "proxy");
	variant = sd_rec_get(&r, "variant");
	if (proxy != NULL && variant != NULL) {
		if (px != NULL && strcmp(proxy, px->id) == 0)
			sc->mine = 1;
		if (sc->nwho < WHO_MAX)
			snprintf(sc->who[sc->nwho++], sizeof(sc->who[0]),
			    "%s%s", proxy, strcmp(variant, "pass") == 0 ?
			    " (passthrough)" : "");
		if (sd_spool_path(dir, sizeof(dir), cfg->settings.spool,
		    proxy, variant) == 0) {
			left = idle - sd_session_idle(dir);
			if (left < sc->soonest)
				sc->soonest = left;
		}
	}
	sd_rec_free(&r);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The held slots in dir (px: whose are "mine"; may be NULL), their
 * holders in the order of their names. */
static void
scan_slots(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *dir, struct scan *sc)
{
	char p[PATH_MAX];
	struct dirent *de;
	size_t l;
	DIR *d;

	memset(sc, 0, sizeof(*sc));
	sc->soonest = 1e9;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".slot") != 0 ||
		    sd_pathf(p, sizeof(p), "%s/%s", dir, de->d_name) == -1 ||
		    sd_lock_held(p) != 1)
			continue;
		sc->used++;
		scan_holder(cfg, px, p, sc);
	}
	closedir(d);
	qsort(sc->who, (size_t)sc->nwho, sizeof(sc->who[0]), by_name);
}

/* "provider P allows N connection(s); in use by channel(s) A, B". */
static void
busy_why(const struct sd_provider_ref *ref, const struct scan *sc,
    char *why, size_t len, int *retry_after)
{
	size_t n;
	int i;

	n = (size_t)snprintf(why, len, "provider %s allows %d connection%s; "
	    "in use by channel%s", ref->name, ref->max, ref->max == 1 ? "" :
	    "s", sc->nwho > 1 ? "s" : "");
	for (i = 0; i < sc->nwho && n < len; i++)
		n += (size_t)snprintf(why + n, len - n, "%s %s", i ? "," : "",
		    sc->who[i]);
	if (sc->nwho == 0 && n < len)
		snprintf(why + n, len - n, " starting now");
	/* The soonest holder to go idle frees its slot then, at best. */
	*retry_after = sc->soonest >= 1e9 ? 5 : sc->soonest < 1 ? 1 :
	    sc->soonest > 3600 ? 3600 : (int)sc->soonest + 1;
}

/* The first free N.slot of dir, locked, naming its holder; or -1. */
static int
slot_lock(const char *dir, const struct sd_proxy *px, const char *variant)
{
	char p[PATH_MAX];
	int fd, i;

	for (i = 0; i < SLOTS_MAX; i++) {
		if (sd_pathf(p, sizeof(p), "%s/%d.slot", dir, i) == -1 ||
		    (fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0644)) == -1)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (ftruncate(fd, 0) == -1 || dprintf(fd, "proxy=%s\n"
			    "variant=%s\n", px->id, variant) < 0) {
				close(fd);
				return -1;
			}
			return fd;
		}
		close(fd);
	}
	errno = EUSERS;
	return -1;
}

int
sd_provider_take(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, int *slot, char *why, size_t whylen,
    int *retry_after)
{
	struct sd_provider_ref ref;
	struct scan sc;
	char dir[PATH_MAX];

	*slot = -1;
	if (sd_provider_of(cfg, px, &ref) == -1)
		return -1;
	if (ref.max <= 0)
		return 0;
	if (slot_dir(cfg, &ref, dir, sizeof(dir)) == -1 ||
	    sd_spool_mkdirs(dir) == -1)
		return -1;
	scan_slots(cfg, px, dir, &sc);
	if (sc.used >= ref.max) {
		busy_why(&ref, &sc, why, whylen, retry_after);
		errno = EUSERS;
		return -1;
	}
	if ((*slot = slot_lock(dir, px, variant)) == -1)
		return -1;
	return 0;
}

int
sd_provider_room(const struct sd_config *cfg, const struct sd_proxy *px,
    char *why, size_t whylen, int *retry_after)
{
	struct sd_provider_ref ref;
	struct scan sc;
	char dir[PATH_MAX];

	if (sd_provider_of(cfg, px, &ref) == -1 || ref.max <= 0 ||
	    slot_dir(cfg, &ref, dir, sizeof(dir)) == -1)
		return 0;
	scan_slots(cfg, px, dir, &sc);
	if (sc.used < ref.max || sc.mine)
		return 0;
	busy_why(&ref, &sc, why, whylen, retry_after);
	errno = EUSERS;
	return -1;
}

/* ---------------------------------------------------------------- status */

static void
status_one(const struct sd_config *cfg, const struct sd_provider_ref *ref,
    const char *kind, struct sd_buf *b, int *first)
{
	char dir[PATH_MAX];
	struct scan sc;
	int i;

	if (slot_dir(cfg, ref, dir, sizeof(dir)) == -1)
		return;
	scan_slots(cfg, NULL, dir, &sc);
	sd_buf_printf(b, "%s{\"provider\":", *first ? "" : ",");
	*first = 0;
	sd_json_string(b, ref->name);
	sd_buf_printf(b, ",\"kind\":\"%s\",\"max\":%d,\"used\":%d,"
	    "\"channels\":[", kind, ref->max, sc.used);
	for (i = 0; i < sc.nwho; i++) {
		sd_buf_printf(b, "%s", i ? "," : "");
		sd_json_string(b, sc.who[i]);
	}
	sd_buf_printf(b, "]}");
}

int
sd_provider_status(const struct sd_config *cfg, struct sd_buf *out)
{
	struct sd_provider_ref ref, prev;
	const struct sd_proxy *px;
	size_t i, j;
	int first = 1, seen;

	sd_buf_printf(out, "[");
	for (i = 0; i < cfg->nproviders; i++) {
		if (cfg->providers[i].max_connections <= 0)
			continue;
		memset(&ref, 0, sizeof(ref));
		strlcpy(ref.name, cfg->providers[i].name, sizeof(ref.name));
		key_make(ref.key, sizeof(ref.key), "p", ref.name);
		ref.max = cfg->providers[i].max_connections;
		status_one(cfg, &ref, "section", out, &first);
	}
	/* A host once, at its first proxy with a limit. */
	for (i = 0; i < cfg->nproxies; i++) {
		px = &cfg->proxies[i];
		if (px->provider[0] != '\0' || px->max_connections <= 0 ||
		    sd_provider_of(cfg, px, &ref) == -1)
			continue;
		for (j = 0, seen = 0; j < i && !seen; j++)
			seen = cfg->proxies[j].provider[0] == '\0' &&
			    cfg->proxies[j].max_connections > 0 &&
			    sd_provider_of(cfg, &cfg->proxies[j], &prev) == 0 &&
			    strcmp(prev.key, ref.key) == 0;
		if (!seen)
			status_one(cfg, &ref, ref.key[0] == 'h' ? "host" :
			    "proxy", out, &first);
	}
	sd_buf_printf(out, "]");
	return out->failed ? -1 : 0;
}
