/*
 * import.c - sd-import(1): the channels of an extended M3U (m3u.c) merged
 * into a proxies.ini, one section a channel, changing only the lines that
 * must change.
 *
 * The file is cut into lines by migrate.c's reader (ini_int.h). Each line
 * is kept, has its value replaced (its key, spacing, quotes and inline
 * comment kept) or is deleted, and new lines are inserted after given
 * lines; new channels are appended. The outcome is described line by line
 * in a struct sd_migration, so sd_migrate_diff prints -n's diff, and the
 * text is checked with sd_config_check_text as sd-migrate checks its own.
 *
 * A section sd-import wrote carries the comment line "; " MARK: only such
 * sections are updated or marked gone. One without it is the user's, and a
 * channel with its id is left to it ("pinned").
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
#include "ini_int.h"
#include "m3u.h"

#define MARK		"imported by sd-import"
#define GONE		"gone from the provider on "
#define SLUG_MAX	48		/* a readable id, room for "-NN" */
#define NUMBER_MAX	99999		/* config.c's range for number */

enum { K_NAME, K_GROUP, K_TVG_ID, K_LOGO, K_NUMBER, K_SOURCE, NKEYS };

static const char *const keys[NKEYS] = {
	"name", "group", "tvg_id", "logo", "number", "source",
};

#define ROOM(m) sizeof(((struct sd_proxy *)0)->m)
/* What each value may hold: the fields config.c loads them into. */
static const size_t room[NKEYS] = {
	ROOM(name), ROOM(group), ROOM(tvg_id), ROOM(logo), 8, ROOM(source),
};

struct sect;

struct chan {
	char id[SD_NAME_MAX];
	char *val[NKEYS];	/* the value for the section; NULL: no line */
	char *quoted[NKEYS];	/* val in double quotes, when it needs them */
	size_t line;		/* of its #EXTINF */
	struct sect *sect;	/* its section in the file; NULL: a new one */
	int pinned;		/* a section of the user's has its id */
};

struct sect {
	char id[SD_NAME_MAX];
	size_t head, end;	/* the [id] line, the line after the section */
	size_t mark, gone;	/* the lines of the two marks; 0: none */
	int number;		/* its (last) number = value; 0: none */
	struct chan *ch;	/* its channel in the M3U; NULL: none */
};

struct ins {
	size_t after, seq;	/* after line `after` (0: before line 1) */
	size_t off, len;	/* the text, in pool */
};

struct imp {
	struct mig g;		/* the file's lines, g.l[1..g.n] */
	const struct sd_import_opts *o;
	struct sd_import_stats *st;
	struct chan *ch;
	size_t nch;
	struct sect *sec;
	size_t nsec;
	struct sect **byid;	/* sec sorted by id */
	struct ins *ins;
	size_t nins, capins, seq;
	struct sd_buf pool;
	struct sd_buf notes;	/* m3u_warn's */
	unsigned char taken[NUMBER_MAX / 8 + 1];	/* numbers in use */
	int nomem;
};

static void m3u_warn(struct imp *, size_t, const char *, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A note on an entry, NAME:LINE: kept until the end and printed only when
 * the file changes (or the import fails), so that cron mails the notes of
 * a provider's list once, not every night.
 */
static void
m3u_warn(struct imp *im, size_t line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sd_buf_printf(&im->notes, "%s:%zu: %s\n", im->o->m3u_name, line, msg);
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* ---------------------------------------------------------------- values */

/* Blanks at both ends of s removed, in place. */
static void
trim_blanks(char *s)
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
	trim_blanks(v);
	if (semi)
		m3u_warn(im, line, "%s: the blank before ';' dropped (in an "
		    "INI value it would start a comment)", what);
	if ((n = strlen(v)) >= max) {
		for (n = max - 1; n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80;
		    n--)
			;
		v[n] = '\0';
		trim_blanks(v);
		m3u_warn(im, line, "%s cut to %zu bytes, what the config "
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

static void
chan_free(struct chan *c)
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
		m3u_warn(im, e->line, "tvg-logo not written: %s", why);
	if (*e->tvg_chno != '\0') {
		num = sd_strtonum(e->tvg_chno, 1, NUMBER_MAX, &err);
		if (err != NULL)
			m3u_warn(im, e->line, "tvg-chno=\"%s\" is not a "
			    "channel number from 1 to %d; no number written",
			    e->tvg_chno, NUMBER_MAX);
		else if (asprintf(&c->val[K_NUMBER], "%lld", num) == -1) {
			c->val[K_NUMBER] = NULL;
			im->nomem = 1;
		}
	}
	if (url_value(im, e->url, room[K_SOURCE], &c->val[K_SOURCE],
	    &why) == -1) {
		m3u_warn(im, e->url_line, "channel skipped: the URL cannot be "
		    "a source: %s", why);
		chan_free(c);
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

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
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
		snprintf(out, SD_NAME_MAX, "ch-%08x", fnv1a(*tid ? tid :
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

	for (i = fnv1a(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
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

/* ---------------------------------------------------------------- file */

/* The text of a comment line after its ';' or '#' and blanks, or NULL. */
static const char *
comment(const struct mline *l, size_t *len)
{
	size_t i = 0;

	while (i < l->n && is_blank(l->p[i]))
		i++;
	if (i == l->n || (l->p[i] != ';' && l->p[i] != '#'))
		return NULL;
	for (i++; i < l->n && is_blank(l->p[i]); i++)
		;
	*len = l->n - i;
	return l->p + i;
}

static int
comment_is(const struct mline *l, const char *prefix)
{
	const char *c;
	size_t n;

	return (c = comment(l, &n)) != NULL && n >= strlen(prefix) &&
	    memcmp(c, prefix, strlen(prefix)) == 0;
}

static int
by_id(const void *a, const void *b)
{
	return strcmp((*(struct sect *const *)a)->id,
	    (*(struct sect *const *)b)->id);
}

static void
section_lines(struct imp *im, struct sect *s)
{
	const struct mline *l;
	const char *err;
	char v[32];
	size_t j;

	for (j = s->head + 1; j < s->end; j++) {
		l = &im->g.l[j];
		if (comment_is(l, MARK))
			s->mark = j;
		else if (comment_is(l, GONE))
			s->gone = j;
		else if (key_is(l, "number") && l->vn < sizeof(v)) {
			memcpy(v, l->p + l->vs, l->vn);
			v[l->vn] = '\0';
			s->number = (int)sd_strtonum(v, 1, NUMBER_MAX, &err);
		}
	}
}

/* The sections of the file, found by id. */
static int
read_sections(struct imp *im)
{
	struct sect *s;
	size_t i;

	for (i = 1; i <= im->g.n; i++)
		im->nsec += im->g.l[i].is_section;
	if ((im->sec = calloc(im->nsec + 1, sizeof(*im->sec))) == NULL ||
	    (im->byid = calloc(im->nsec + 1, sizeof(*im->byid))) == NULL)
		return -1;
	for (s = im->sec, i = 1; i <= im->g.n; i++) {
		if (!im->g.l[i].is_section)
			continue;
		ini_section_name(&im->g.l[i], s->id, sizeof(s->id));
		trim_blanks(s->id);
		s->head = i;
		for (s->end = i + 1; s->end <= im->g.n &&
		    !im->g.l[s->end].is_section; s->end++)
			;
		section_lines(im, s);
		im->byid[s - im->sec] = s;
		s++;
	}
	qsort(im->byid, im->nsec, sizeof(*im->byid), by_id);
	return 0;
}

static struct sect *
sect_find(const struct imp *im, const char *id)
{
	struct sect key, *kp = &key, **f;

	strlcpy(key.id, id, sizeof(key.id));
	f = bsearch(&kp, im->byid, im->nsec, sizeof(*im->byid), by_id);
	return f ? *f : NULL;
}

/* ---------------------------------------------------------------- edits */

static void
insert(struct imp *im, size_t after, const char *text, size_t len)
{
	struct ins *ni;
	size_t cap = im->capins ? im->capins * 2 : 64;

	if (im->nins == im->capins) {
		if ((ni = reallocarray(im->ins, cap, sizeof(*ni))) == NULL) {
			im->nomem = 1;
			return;
		}
		im->ins = ni;
		im->capins = cap;
	}
	ni = &im->ins[im->nins++];
	ni->after = after;
	ni->seq = im->seq++;
	ni->off = im->pool.len;
	sd_buf_append(&im->pool, text, len);
	ni->len = im->pool.len - ni->off;
}

/* "key = value" and the file's line ending, into b. */
static void
kv_line(const struct imp *im, struct sd_buf *b, const struct chan *c,
    size_t k)
{
	sd_buf_printf(b, "%s = %s%s", keys[k], c->quoted[k] ? c->quoted[k] :
	    c->val[k], im->g.eol);
}

static void
insert_kv(struct imp *im, size_t after, const struct chan *c, size_t k)
{
	struct sd_buf b;

	sd_buf_init(&b);
	kv_line(im, &b, c, k);
	im->nomem |= b.failed;
	if (!b.failed)
		insert(im, after, b.p, b.len);
	sd_buf_free(&b);
}

static int
value_is(const struct mline *l, const char *v)
{
	return l->vn == strlen(v) && memcmp(l->p + l->vs, v, l->vn) == 0;
}

/* One of the M3U's keys in a section of sd-import's; 1 when it changed. */
static int
update_key(struct imp *im, const struct sect *s, size_t k, size_t *anchor)
{
	const struct chan *c = s->ch;
	struct mline *l;
	size_t j, last = 0;
	int changed = 0;

	for (j = s->head + 1; j < s->end; j++)
		if (key_is(&im->g.l[j], keys[k])) {
			if (c->val[k] == NULL) {
				im->g.l[j].op = '-';
				changed = 1;
			}
			last = j;
		}
	if (c->val[k] == NULL)
		return changed;
	if (last == 0) {
		insert_kv(im, *anchor, c, k);
		return 1;
	}
	*anchor = last;
	l = &im->g.l[last];
	if (value_is(l, c->val[k]))
		return 0;
	l->op = '~';
	/* Inside the user's own quotes the value needs no more of them. */
	l->newval = l->vs == l->sep_end + 1 || c->quoted[k] == NULL ?
	    c->val[k] : c->quoted[k];
	return 1;
}

static void
update_section(struct imp *im, struct sect *s)
{
	size_t k, anchor = s->mark;
	int changed = 0;

	if (s->gone) {
		im->g.l[s->gone].op = '-';
		im->st->back++;
	}
	for (k = 0; k < NKEYS; k++)
		changed |= update_key(im, s, k, &anchor);
	im->st->changed += changed;
}

static int
taken(const struct imp *im, int n)
{
	return n > 0 && n <= NUMBER_MAX && (im->taken[n / 8] >> (n % 8) & 1);
}

static void
take(struct imp *im, int n)
{
	im->taken[n / 8] |= (unsigned char)(1u << (n % 8));
}

static void
gone_section(struct imp *im, struct sect *s)
{
	char text[64];
	size_t j;
	int n;

	if (!s->gone) {
		n = snprintf(text, sizeof(text), "; %s%s%s", GONE,
		    im->o->today, im->g.eol);
		insert(im, s->head, text, (size_t)n);
		im->st->gone++;
	}
	/* Its number now belongs to a channel of the M3U. */
	if (taken(im, s->number))
		for (j = s->head + 1; j < s->end; j++)
			if (key_is(&im->g.l[j], "number"))
				im->g.l[j].op = '-';
}

static void
append_section(struct imp *im, const struct chan *c, int blank_before)
{
	struct sd_buf b;
	size_t k;

	sd_buf_init(&b);
	if (blank_before)
		sd_buf_printf(&b, "%s", im->g.eol);
	sd_buf_printf(&b, "[%s]%s; %s%s", c->id, im->g.eol, MARK, im->g.eol);
	for (k = 0; k < NKEYS; k++)
		if (c->val[k] != NULL)
			kv_line(im, &b, c, k);
	sd_buf_printf(&b, "mode = %s%s", sd_mode_name(im->o->mode),
	    im->g.eol);
	if (im->o->profile != NULL && *im->o->profile != '\0')
		sd_buf_printf(&b, "profile = %s%s", im->o->profile, im->g.eol);
	im->nomem |= b.failed;
	if (!b.failed)
		insert(im, im->g.n, b.p, b.len);
	sd_buf_free(&b);
	im->st->added++;
}

/* Numbers stay unique: the user's sections keep theirs, then the M3U's
 * channels in order; a number given twice goes to the first. */
static void
numbers(struct imp *im)
{
	struct chan *c;
	size_t i;
	int n;
	const char *err;

	for (i = 0; i < im->nsec; i++)
		if (!im->sec[i].mark && im->sec[i].number > 0)
			take(im, im->sec[i].number);
	for (i = 0; i < im->nch; i++) {
		c = &im->ch[i];
		if (c->pinned || c->val[K_NUMBER] == NULL)
			continue;
		n = (int)sd_strtonum(c->val[K_NUMBER], 1, NUMBER_MAX, &err);
		if (!taken(im, n)) {
			take(im, n);
			continue;
		}
		m3u_warn(im, c->line, "tvg-chno=\"%d\" is taken (by an earlier "
		    "channel or a section of yours); [%s] gets no number", n,
		    c->id);
		free(c->val[K_NUMBER]);
		c->val[K_NUMBER] = NULL;
	}
}

static void
merge(struct imp *im)
{
	struct sect *s;
	size_t i;
	int blank;

	for (i = 0; i < im->nch; i++) {
		if ((s = sect_find(im, im->ch[i].id)) == NULL)
			continue;
		if (s->mark == 0) {
			im->ch[i].pinned = 1;
			im->st->pinned++;
		} else {
			s->ch = &im->ch[i];
			im->ch[i].sect = s;
		}
	}
	numbers(im);
	for (i = 0; i < im->nsec; i++) {
		s = &im->sec[i];
		if (s->mark && s->ch)
			update_section(im, s);
		else if (s->mark)
			gone_section(im, s);
	}
	/* New sections at the end, a blank line before each. */
	blank = im->g.n > 0 && im->g.l[im->g.n].n > 0;
	for (i = 0; i < im->nch; i++)
		if (!im->ch[i].pinned && im->ch[i].sect == NULL) {
			append_section(im, &im->ch[i], blank);
			blank = 1;
		}
	im->st->channels = im->nch - im->st->pinned;
}

/* ---------------------------------------------------------------- output */

static int
by_place(const void *a, const void *b)
{
	const struct ins *x = a, *y = b;

	if (x->after != y->after)
		return x->after < y->after ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static size_t
emit_inserts(struct imp *im, size_t k, size_t after, struct sd_buf *o)
{
	for (; k < im->nins && im->ins[k].after == after; k++)
		sd_buf_append(o, im->pool.p + im->ins[k].off, im->ins[k].len);
	return k;
}

static void
emit_line(struct imp *im, size_t i, struct sd_migration *m)
{
	const struct mline *l = &im->g.l[i];
	size_t head = (size_t)(l->p - (m->in + l->start));

	if (l->op == '=')
		sd_buf_append(&m->out, m->in + l->start, l->total);
	else if (l->op == '~') {
		sd_buf_append(&m->out, m->in + l->start, head + l->vs);
		if (l->newval != NULL)
			sd_buf_append(&m->out, l->newval, strlen(l->newval));
		else
			sd_buf_append(&m->out, l->p + l->vs, l->vn);
		sd_buf_append(&m->out, l->p + l->vs + l->vn,
		    l->n + l->eoln - l->vs - l->vn);
		if (l->add_eol)
			sd_buf_append(&m->out, im->g.eol, strlen(im->g.eol));
	}
}

static int
emit(struct imp *im, struct sd_migration *m)
{
	struct mline *last = im->g.n ? &im->g.l[im->g.n] : NULL;
	size_t i, k = 0;

	if (im->nins > 0)
		qsort(im->ins, im->nins, sizeof(*im->ins), by_place);
	/* Lines after a last line without a line ending: it gains one. */
	if (last != NULL && last->eoln == 0 && last->op != '-' &&
	    im->nins > 0 && im->ins[im->nins - 1].after == im->g.n) {
		last->op = '~';
		last->add_eol = 1;
	}
	m->nlines = im->g.n;
	if ((m->lines = calloc(im->g.n + 1, sizeof(*m->lines))) == NULL)
		return -1;
	sd_buf_append(&m->out, "", 0);
	k = emit_inserts(im, k, 0, &m->out);
	m->lines[0].ins_len = m->out.len;
	for (i = 1; i <= im->g.n; i++) {
		m->lines[i].op = im->g.l[i].op;
		m->lines[i].off = m->out.len;
		emit_line(im, i, m);
		m->lines[i].len = m->out.len - m->lines[i].off;
		m->lines[i].ins_off = m->out.len;
		k = emit_inserts(im, k, i, &m->out);
		m->lines[i].ins_len = m->out.len - m->lines[i].ins_off;
	}
	m->changed = m->out.len != m->in_len || (m->in_len > 0 &&
	    memcmp(m->out.p, m->in, m->in_len) != 0);
	return m->out.failed ? -1 : 0;
}

/* ---------------------------------------------------------------- all */

static void
imp_free(struct imp *im)
{
	size_t i;

	for (i = 0; i < im->nch; i++)
		chan_free(&im->ch[i]);
	free(im->ch);
	free(im->sec);
	free(im->byid);
	free(im->ins);
	free(im->g.l);
	sd_buf_free(&im->pool);
	sd_buf_free(&im->notes);
}

/* The notes, each line as warnx(3) prints it. */
static void
print_notes(const struct imp *im)
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
static int
channels(struct imp *im, const char *buf, size_t len)
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
		print_notes(im);
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

int
sd_import(struct sd_migration *m, const char *ini, size_t ini_len,
    const char *ini_name, const char *m3u, size_t m3u_len,
    const struct sd_import_opts *o, struct sd_import_stats *st)
{
	struct imp *im;
	char label[1100];
	int rc;

	memset(m, 0, sizeof(*m));
	memset(st, 0, sizeof(*st));
	sd_buf_init(&m->out);
	m->kind = SD_INI_PROXIES;
	m->in = ini;
	m->in_len = ini_len;
	if ((im = calloc(1, sizeof(*im))) == NULL)
		return SD_EX_SOFTWARE;
	im->o = o;
	im->st = st;
	im->g.m = m;
	im->g.name = ini_name;
	sd_buf_init(&im->pool);
	sd_buf_init(&im->notes);
	if ((rc = channels(im, m3u, m3u_len)) != SD_EX_OK)
		goto out;
	if (sd_config_check_text(ini, ini_len, ini_name, 0, 0) == -1) {
		warnx("%s: does not load as it is (see above); fix it, then "
		    "import again", ini_name);
		rc = SD_EX_CONFIG;
		goto out;
	}
	if (ini_split_lines(&im->g, ini, ini_len) == -1 ||
	    read_sections(im) == -1) {
		rc = SD_EX_SOFTWARE;
		goto out;
	}
	merge(im);
	if (im->nomem || im->pool.failed || emit(im, m) == -1) {
		warnx("%s: out of memory", ini_name);
		rc = SD_EX_SOFTWARE;
		goto out;
	}
	snprintf(label, sizeof(label), "%s (imported)", ini_name);
	if (m->out.len > SD_INI_FILE_MAX) {
		warnx("%s: the imported text would be %zu bytes, more than "
		    "the %u that load; import fewer channels (-g selects "
		    "groups); nothing written", ini_name, m->out.len,
		    SD_INI_FILE_MAX);
		rc = SD_EX_DATAERR;
	} else if (m->changed && sd_config_check_text(m->out.p, m->out.len,
	    label, 0, 0) == -1) {
		warnx("%s: the imported text would not load (see above); "
		    "nothing written", ini_name);
		rc = SD_EX_DATAERR;
	}
out:
	m->errors = rc != SD_EX_OK;
	if (rc != SD_EX_OK || m->changed)
		print_notes(im);
	imp_free(im);
	free(im);
	return rc;
}
