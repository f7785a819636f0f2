/*
 * import_m3u.c - sd-import(1)'s channels: the entries of an extended M3U
 * that -g selects, each with values a proxies.ini section can hold
 * (cleaned, cut to their fields, quoted where they must be) and an id of
 * its own; and the notes on entries, kept until the end.
 */
#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "bytes.h"
#include "import_int.h"
#include "url.h"
#include "util_int.h"

#define SLUG_MAX	48		/* a readable id, room for "-NN" */

#define ROOM(m) sizeof(((struct sd_proxy *)0)->m)
/* What each value may hold: the fields config.c loads them into. */
static const size_t room[NKEYS] = {
	ROOM(name), ROOM(group), ROOM(tvg_id), ROOM(logo), 8, ROOM(source),
};

/*
 * A note on an entry, NAME:LINE: kept until the end and printed only when
 * the file changes (or the import fails), so that cron mails the notes of
 * a provider's list once, not every night.
 */
void
imp_warn(struct imp *im, size_t line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sd_buf_printf(&im->notes, "%s:%zu: %s\n", im->o->m3u_name, line, msg);
}

/* ---------------------------------------------------------------- values */

/* Blanks at both ends of s removed, in place. */
void
imp_trim_blanks(char *s)
{
	size_t n, i = 0;

	while (is_blank(s[i]))
		i++;
	n = strlen(s + i);
	memmove(s, s + i, n + 1);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
}

/*
 * One line of text as an INI value loads it: control bytes become spaces,
 * blanks before a ';' go (there a ';' would start a comment), and a value
 * too long for its field is cut at a UTF-8 character, with a warning.
 * Returns NULL for "" (or out of memory: nomem).
 */
static char *
text_value(struct imp *im, size_t line, const char *what, const char *s,
    size_t max)
{
	char *v, *r, *w;
	size_t n;
	int semi = 0;

	if ((v = strdup(s)) == NULL) {
		im->nomem = 1;
		return NULL;
	}
	for (r = w = v; *r; r++) {
		if ((unsigned char)*r < 0x20 || *r == 0x7f)
			*r = ' ';
		if (*r == ';' && w > v && is_blank(w[-1])) {
			while (w > v && is_blank(w[-1]))
				w--;
			semi = 1;
		}
		*w++ = *r;
	}
	*w = '\0';
	imp_trim_blanks(v);
	if (semi)
		imp_warn(im, line, "%s: the blank before ';' dropped (in an "
		    "INI value it would start a comment)", what);
	if ((n = strlen(v)) >= max) {
		for (n = max - 1; n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80;
		    n--)
			;
		v[n] = '\0';
		imp_trim_blanks(v);
		imp_warn(im, line, "%s cut to %zu bytes, what the config "
		    "takes", what, strlen(v));
	}
	if (*v == '\0') {
		free(v);
		return NULL;
	}
	return v;
}

/*
 * A URL as a source or logo value: relative ones resolved against the
 * M3U's own URL or path, blanks written %20, the rest exactly as given.
 * 0 with *out (NULL for ""), or -1 with why.
 */
static int
url_value(struct imp *im, const char *s, size_t max, char **out,
    const char **why)
{
	char abs[SD_URL_MAX * 2];
	struct sd_buf b;
	const char *p;

	*out = NULL;
	if (*s == '\0')
		return 0;
	if (im->o->base != NULL && sd_url_resolve(im->o->base, s, abs,
	    sizeof(abs)) == 0)
		s = abs;
	sd_buf_init(&b);
	for (p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "it holds a control character";
			sd_buf_free(&b);
			return -1;
		}
		if (*p == ' ')
			sd_buf_append(&b, "%20", 3);
		else
			sd_buf_append(&b, p, 1);
	}
	sd_buf_append(&b, "", 1);
	*why = b.failed ? "out of memory" : *b.p == '-' ?
	    "it starts with '-'" : b.len > max ? "it is too long" : NULL;
	if (*why != NULL) {
		im->nomem |= b.failed;
		sd_buf_free(&b);
		return -1;
	}
	*out = b.p;
	return 0;
}

/* An inih value that would lose its quotes keeps them in another pair. */
static int
needs_quotes(const char *v)
{
	size_t n = strlen(v);

	return n >= 2 && v[0] == '"' && v[n - 1] == '"';
}

void
imp_chan_free(struct chan *c)
{
	size_t k;

	for (k = 0; k < NKEYS; k++) {
		free(c->val[k]);
		free(c->quoted[k]);
	}
}

/* The values of entry e for its section; -1: it cannot be one. */
static int
chan_values(struct imp *im, const struct m3u_entry *e, struct chan *c)
{
	const char *name = *e->title ? e->title : *e->tvg_name ? e->tvg_name :
	    e->tvg_id, *err = NULL, *why;
	long long num;
	size_t k;

	memset(c, 0, sizeof(*c));
	c->line = e->line;
	c->val[K_NAME] = text_value(im, e->line, "the name", name,
	    room[K_NAME]);
	c->val[K_GROUP] = text_value(im, e->line, "group-title", e->group,
	    room[K_GROUP]);
	c->val[K_TVG_ID] = text_value(im, e->line, "tvg-id", e->tvg_id,
	    room[K_TVG_ID]);
	if (url_value(im, e->tvg_logo, room[K_LOGO], &c->val[K_LOGO],
	    &why) == -1)
		imp_warn(im, e->line, "tvg-logo not written: %s", why);
	if (*e->tvg_chno != '\0') {
		num = sd_strtonum(e->tvg_chno, 1, NUMBER_MAX, &err);
		if (err != NULL)
			imp_warn(im, e->line, "tvg-chno=\"%s\" is not a "
			    "channel number from 1 to %d; no number written",
			    e->tvg_chno, NUMBER_MAX);
		else if (asprintf(&c->val[K_NUMBER], "%lld", num) == -1) {
			c->val[K_NUMBER] = NULL;
			im->nomem = 1;
		}
	}
	if (url_value(im, e->url, room[K_SOURCE], &c->val[K_SOURCE],
	    &why) == -1) {
		imp_warn(im, e->url_line, "channel skipped: the URL cannot be "
		    "a source: %s", why);
		imp_chan_free(c);
		return -1;
	}
	for (k = 0; k < NKEYS; k++)
		if (c->val[k] != NULL && needs_quotes(c->val[k]) &&
		    asprintf(&c->quoted[k], "\"%s\"", c->val[k]) == -1) {
			c->quoted[k] = NULL;
			im->nomem = 1;
		}
	return 0;
}

/* ---------------------------------------------------------------- ids */

/* U+00C0..U+017F in ASCII (lowercase); "" is dropped. */
static const char *const latin[192] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
	"i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "",
	"o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a",
	"a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u",
	"u", "y", "th", "y", "a", "a", "a", "a", "a", "a", "c", "c",
	"c", "c", "c", "c", "c", "c", "d", "d", "d", "d", "e", "e",
	"e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
	"g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i",
	"i", "i", "i", "i", "i", "i", "ij", "ij", "j", "j", "k", "k",
	"k", "l", "l", "l", "l", "l", "l", "l", "l", "l", "l", "n",
	"n", "n", "n", "n", "n", "n", "ng", "ng", "o", "o", "o", "o",
	"o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s",
	"s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t",
	"u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u",
	"w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};

/* The ASCII of the UTF-8 character at *pp (advanced past it), or "". */
static const char *
translit(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	size_t len, i;
	uint32_t cp;

	len = *p >= 0xf0 && *p < 0xf8 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 :
	    1;
	cp = len == 1 ? 0 : *p & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*pp = p + 1;	/* not UTF-8: one byte dropped */
			return "";
		}
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*pp = p + len;
	return len > 1 && cp >= 0xc0 && cp < 0x180 ? latin[cp - 0xc0] : "";
}

/* Lowercase ASCII letters and digits, runs of anything else one '-'. */
static void
slug(const char *s, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *t;
	char one[2] = "";
	size_t n = 0;
	int dash = 0;

	while (*p != '\0' && n + 1 < size) {
		if (*p >= 0x80)
			t = translit(&p);
		else if (isalnum(*p)) {
			one[0] = (char)tolower(*p++);
			t = one;
		} else {
			p++;
			t = "";
		}
		if (*t == '\0') {
			dash = n > 0;
			continue;
		}
		if (dash && n + 2 < size)
			out[n++] = '-';
		dash = 0;
		for (; *t != '\0' && n + 1 < size; t++)
			out[n++] = *t;
	}
	out[n] = '\0';
}

/* tvg-id as it is when it is a section name, else a slug of it or of the
 * name, else a hash: the same channel always gets the same base. */
static void
base_id(const struct chan *c, char *out)
{
	const char *tid = c->val[K_TVG_ID] ? c->val[K_TVG_ID] : "";
	const char *name = c->val[K_NAME] ? c->val[K_NAME] : "";

	if (strlen(tid) < SD_NAME_MAX && sd_safe_name(tid)) {
		strlcpy(out, tid, SD_NAME_MAX);
		return;
	}
	slug(tid, out, SLUG_MAX + 1);
	if (*out == '\0')
		slug(name, out, SLUG_MAX + 1);
	if (*out == '\0')
		snprintf(out, SD_NAME_MAX, "ch-%08x", sd_fnv1a(*tid ? tid :
		    *name ? name : c->val[K_SOURCE]));
}

/* A set of the ids given so far (open addressing; 0: empty slot). */
struct idset {
	size_t *slot;		/* index + 1 into ch */
	size_t cap;
};

static size_t *
idset_find(const struct idset *s, const struct chan *ch, const char *id)
{
	size_t i;

	for (i = sd_fnv1a(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == 0 || strcmp(ch[s->slot[i] - 1].id, id) == 0)
			return &s->slot[i];
}

/* Each channel its own id, in M3U order: a clash is numbered -2, -3. */
static int
assign_ids(struct imp *im)
{
	struct idset set;
	char base[SD_NAME_MAX], suffix[24];
	size_t i, k, *slot;

	for (set.cap = 64; set.cap < im->nch * 2; set.cap *= 2)
		;
	if ((set.slot = calloc(set.cap, sizeof(*set.slot))) == NULL)
		return -1;
	for (i = 0; i < im->nch; i++) {
		base_id(&im->ch[i], base);
		strlcpy(im->ch[i].id, base, SD_NAME_MAX);
		for (k = 2; *(slot = idset_find(&set, im->ch, im->ch[i].id)) !=
		    0; k++) {
			snprintf(suffix, sizeof(suffix), "-%zu", k);
			snprintf(im->ch[i].id, SD_NAME_MAX, "%.*s%s",
			    (int)(SD_NAME_MAX - 1 - strlen(suffix)), base,
			    suffix);
		}
		*slot = i + 1;
	}
	free(set.slot);
	return 0;
}

/* ---------------------------------------------------------------- M3U */

static int
read_channels(struct imp *im, const struct m3u *m, const regex_t *re,
    size_t *matched)
{
	struct chan *c;
	size_t i;

	if ((im->ch = calloc(m->n + 1, sizeof(*im->ch))) == NULL)
		return -1;
	for (i = 0; i < m->n; i++) {
		if (re != NULL && regexec(re, m->e[i].group, 0, NULL, 0) != 0)
			continue;
		(*matched)++;
		c = &im->ch[im->nch];
		if (chan_values(im, &m->e[i], c) == -1)
			im->st->skipped++;
		else
			im->nch++;
		if (im->nomem)
			return -1;
	}
	return assign_ids(im);
}

/* The notes, each line as warnx(3) prints it. */
void
imp_print_notes(const struct imp *im)
{
	const char *p = im->notes.p, *e;

	while (p != NULL && *p != '\0' && (e = strchr(p, '\n')) != NULL) {
		warnx("%.*s", (int)(e - p), p);
		p = e + 1;
	}
}

static int
parse_m3u(struct imp *im, struct m3u *m, const char *buf, size_t len)
{
	enum m3u_status rc = m3u_parse(m, buf, len);

	if (rc == M3U_OK)
		return SD_EX_OK;
	if (rc == M3U_BINARY)
		warnx("%s:%zu: %s", im->o->m3u_name, m->bad_line,
		    m3u_status_text(rc));
	else if (rc == M3U_TOO_MANY)
		warnx("%s: %s (%d); filter it with -g", im->o->m3u_name,
		    m3u_status_text(rc), M3U_ENTRIES_MAX);
	else
		warnx("%s: %s", im->o->m3u_name, m3u_status_text(rc));
	return rc == M3U_NOMEM ? SD_EX_SOFTWARE : SD_EX_DATAERR;
}

/* The channels of the M3U that -g selects, with their values and ids. */
int
imp_channels(struct imp *im, const char *buf, size_t len)
{
	struct m3u m;
	regex_t re;
	char err[256];
	size_t matched = 0;
	int rc, r;

	if (im->o->group_re != NULL && (r = regcomp(&re, im->o->group_re,
	    REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(r, &re, err, sizeof(err));
		warnx("-g %s: %s", im->o->group_re, err);
		return SD_EX_USAGE;
	}
	if ((rc = parse_m3u(im, &m, buf, len)) == SD_EX_OK &&
	    read_channels(im, &m, im->o->group_re ? &re : NULL, &matched) ==
	    -1)
		rc = SD_EX_SOFTWARE;
	if (rc == SD_EX_OK && matched == 0) {
		warnx("%s: no channel's group matches -g %s; nothing imported",
		    im->o->m3u_name, im->o->group_re);
		rc = SD_EX_FAIL;
	} else if (rc == SD_EX_OK && im->nch == 0) {
		imp_print_notes(im);
		sd_buf_free(&im->notes);
		warnx("%s: no channel can be imported (see above)",
		    im->o->m3u_name);
		rc = SD_EX_DATAERR;
	}
	if (im->o->group_re != NULL)
		regfree(&re);
	m3u_free(&m);
	return rc;
}
