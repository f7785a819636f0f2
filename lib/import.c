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
 *
 * import_m3u.c makes the channels out of the M3U; this file merges them
 * into the file's sections and writes the text.
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
#include "import_int.h"
#include "config.h"

#define MARK		"imported by sd-import"
#define GONE		"gone from the provider on "

static const char *const keys[NKEYS] = {
	"name", "group", "tvg_id", "logo", "number", "source",
};

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
		imp_trim_blanks(s->id);
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
		imp_warn(im, c->line, "tvg-chno=\"%d\" is taken (by an earlier "
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
		imp_chan_free(&im->ch[i]);
	free(im->ch);
	free(im->sec);
	free(im->byid);
	free(im->ins);
	free(im->g.l);
	sd_buf_free(&im->pool);
	sd_buf_free(&im->notes);
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
	if ((rc = imp_channels(im, m3u, m3u_len)) != SD_EX_OK)
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
		imp_print_notes(im);
	imp_free(im);
	free(im);
	return rc;
}
