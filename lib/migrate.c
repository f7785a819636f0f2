/*
 * migrate.c - sd-migrate(1): old-schema proxies.ini and profiles.ini to the
 * new schema (seed plan 009, section 6), one line at a time.
 *
 * The text is cut into lines that keep their own line ending; a line that
 * must change is rebuilt from its own bytes, with only the key or the value
 * replaced, so that comments, blank lines, order, unknown keys, spacing,
 * CRLF or LF and a UTF-8 BOM stay as they were. Decisions that need the
 * whole section (is this an old proxy-mode entry? is container_format
 * already there?) follow what config.c does when it loads the old schema,
 * so a migrated file means what the old one meant.
 */
#include <ctype.h>
#include <err.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "legacy.h"
#include "util_int.h"
#include "ini_int.h"
#include "config.h"

#define MIG_LINES_MAX 200000

static void mig_msg(struct mig *, int, size_t, const char *, ...)
	__attribute__((format(printf, 4, 5)));

static void
mig_msg(struct mig *g, int is_error, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sd_vwarn_at(g->name, (long long)line, fmt, ap);
	va_end(ap);
	if (is_error)
		g->m->errors++;
	else
		g->m->warnings++;
}

/* ---------------------------------------------------------------- lines */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The parts of a key = value line, found the way config.c's inih does. */
static void
parse_line(struct mline *l)
{
	const char *p = l->p;
	size_t i = 0, sep, e;

	while (i < l->n && is_blank(p[i]))
		i++;
	if (i == l->n || p[i] == '#' || p[i] == ';')
		return;
	if (p[i] == '[') {
		l->is_section = 1;
		return;
	}
	for (sep = i; sep < l->n && p[sep] != '=' && p[sep] != ':'; sep++)
		;
	if (sep == l->n)
		return;
	l->ks = i;
	for (e = sep; e > i && is_blank(p[e - 1]); e--)
		;
	l->kn = e - i;
	if (l->kn == 0)
		return;
	l->is_kv = 1;
	for (i = sep + 1; i < l->n && is_blank(p[i]); i++)
		;
	l->sep_end = i;
	for (e = i; e < l->n; e++)
		if (p[e] == ';' && e > i && is_blank(p[e - 1]))
			break;
	while (e > i && isspace((unsigned char)p[e - 1]))
		e--;
	if (e - i >= 2 && p[i] == '"' && p[e - 1] == '"') {
		i++;
		e--;
	}
	l->vs = i;
	l->vn = e - i;
}

int
ini_split_lines(struct mig *g, const char *buf, size_t len)
{
	size_t pos = 0, cap = 0, bom;
	struct mline *l, *nl;
	const char *nlp;

	while (pos < len) {
		if (g->n + 1 >= MIG_LINES_MAX) {
			mig_msg(g, 1, g->n, "more than %d lines; split the "
			    "file", MIG_LINES_MAX);
			return -1;
		}
		if (g->n + 2 > cap) {
			cap = cap ? cap * 2 : 64;
			if ((nl = reallocarray(g->l, cap, sizeof(*nl))) ==
			    NULL)
				return -1;
			g->l = nl;
		}
		l = &g->l[++g->n];
		memset(l, 0, sizeof(*l));
		l->op = '=';
		l->start = pos;
		nlp = memchr(buf + pos, '\n', len - pos);
		l->total = nlp ? (size_t)(nlp - (buf + pos)) + 1 : len - pos;
		l->p = buf + pos;
		l->n = l->total;
		if (nlp) {
			l->eoln = l->n >= 2 && l->p[l->n - 2] == '\r' ? 2 : 1;
			l->n -= l->eoln;
			if (g->eol == NULL)
				g->eol = l->eoln == 2 ? "\r\n" : "\n";
		}
		bom = g->n == 1 && l->n >= 3 &&
		    memcmp(l->p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
		l->p += bom;
		l->n -= bom;
		parse_line(l);
		pos += l->total;
	}
	if (g->eol == NULL)
		g->eol = "\n";
	return 0;
}

static int
val_is(const struct mline *l, const char *v)
{
	return l->vn == strlen(v) && memcmp(l->p + l->vs, v, l->vn) == 0;
}

/* The value as a string (bounded copy into buf). */
static const char *
val(const struct mline *l, char *buf, size_t size)
{
	size_t n = l->vn < size ? l->vn : size - 1;

	memcpy(buf, l->p + l->vs, n);
	buf[n] = '\0';
	return buf;
}

static void
set(struct mline *l, const char *key, const char *v)
{
	if (l->op == '-')
		return;
	l->op = '~';
	if (key != NULL)
		l->newkey = key;
	if (v != NULL)
		l->newval = v;
}

/* ---------------------------------------------------------------- kind */

static const char *const proxy_keys[] = { "source", "mode", "proxy_mode",
	"relay_profile" };
static const char *const profile_keys[] = { "video_codec", "audio_codec",
	"output_format", "container_format" };

static int
key_in(const struct mline *l, const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (key_is(l, keys[i]))
			return 1;
	return 0;
}

static int
detect_kind(struct mig *g)
{
	size_t i, px = 0, pf = 0;

	for (i = 1; i <= g->n; i++) {
		if (!px && key_in(&g->l[i], proxy_keys,
		    SD_ARRAY_LEN(proxy_keys)))
			px = i;
		if (!pf && key_in(&g->l[i], profile_keys,
		    SD_ARRAY_LEN(profile_keys)))
			pf = i;
	}
	if (px && pf) {
		mig_msg(g, 1, px, "proxy keys here and profile keys at line "
		    "%zu in one file; put proxies in proxies.ini and profiles "
		    "in profiles.ini", pf);
		return -1;
	}
	g->m->kind = px ? SD_INI_PROXIES : pf ? SD_INI_PROFILES : SD_INI_NONE;
	return 0;
}

/* ---------------------------------------------------------------- proxies */

/* The new spelling of a value of key, or NULL when it is none of key's. */
static const char *
new_value(const struct mline *l, const char *key, const char *const *now,
    size_t n)
{
	char v[32];
	size_t i;

	for (i = 0; i < n; i++)
		if (val_is(l, now[i]))
			return now[i];
	if (l->vn >= sizeof(v) || memchr(l->p + l->vs, '\0', l->vn) != NULL)
		return NULL;
	return sd_legacy_value(key, val(l, v, sizeof(v)));
}

static const char *
new_mode(const struct mline *l)
{
	static const char *const now[] = { "direct", "smart" };

	return new_value(l, "mode", now, SD_ARRAY_LEN(now));
}

/* The last line of [a, b) with key, or 0. */
static size_t
last_key(struct mig *g, size_t a, size_t b, const char *key)
{
	size_t i, found = 0;

	for (i = a; i < b; i++)
		if (key_is(&g->l[i], key))
			found = i;
	return found;
}

static void
mode_lines(struct mig *g, size_t a, size_t b, size_t has_mode)
{
	struct mline *l;
	const char *nm;
	char v[64];
	size_t i;

	for (i = a; i < b; i++) {
		l = &g->l[i];
		if (!key_is(l, "mode") && !key_is(l, "proxy_mode"))
			continue;
		if (key_is(l, "proxy_mode") && has_mode) {
			mig_msg(g, 0, i, "proxy_mode removed: mode is set at "
			    "line %zu and wins", has_mode);
			l->op = '-';
			continue;
		}
		if ((nm = new_mode(l)) == NULL) {
			mig_msg(g, 1, i, "%.*s = %s: unknown mode; write "
			    "direct, smart (or the old redirect, proxy, "
			    "relay)", (int)l->kn, l->p + l->ks,
			    val(l, v, sizeof(v)));
			continue;
		}
		if (!val_is(l, nm) || key_is(l, "proxy_mode"))
			set(l, key_is(l, "proxy_mode") ? "mode" : NULL,
			    val_is(l, nm) ? NULL : nm);
	}
}

static void
profile_lines(struct mig *g, size_t a, size_t b, size_t has_profile,
    int old_proxy)
{
	struct mline *l;
	char v[SD_NAME_MAX];
	size_t i;

	for (i = a; i < b; i++) {
		l = &g->l[i];
		if (!key_is(l, "profile") && !key_is(l, "relay_profile"))
			continue;
		if (old_proxy) {
			if (l->vn > 0)
				mig_msg(g, 0, i, "profile %s removed: mode = "
				    "proxy never used it, so the proxy stays "
				    "passthrough", val(l, v, sizeof(v)));
			l->op = '-';
		} else if (key_is(l, "relay_profile") && has_profile) {
			mig_msg(g, 0, i, "relay_profile removed: profile is "
			    "set at line %zu and wins", has_profile);
			l->op = '-';
		} else if (key_is(l, "relay_profile"))
			set(l, "profile", NULL);
	}
}

static void
proxy_section(struct mig *g, size_t a, size_t b)
{
	size_t has_mode = last_key(g, a, b, "mode");
	size_t has_profile = last_key(g, a, b, "profile");
	size_t eff_mode = has_mode ? has_mode : last_key(g, a, b, "proxy_mode");
	size_t eff_prof = has_profile ? has_profile :
	    last_key(g, a, b, "relay_profile");
	int old_proxy = eff_mode && val_is(&g->l[eff_mode], "proxy");
	int old_relay = eff_mode && val_is(&g->l[eff_mode], "relay");

	mode_lines(g, a, b, has_mode);
	profile_lines(g, a, b, has_profile, old_proxy);
	if (!old_relay || (eff_prof && g->l[eff_prof].vn > 0))
		return;
	mig_msg(g, 0, eff_mode, "mode = relay without a profile: it gets the "
	    "default profile, profile = %s", g->def_profile);
	if (eff_prof)
		set(&g->l[eff_prof], NULL, g->def_profile);
	else {
		g->l[eff_mode].ins_key = "profile";
		g->l[eff_mode].ins_val = g->def_profile;
		if (g->l[eff_mode].eoln == 0) {
			set(&g->l[eff_mode], NULL, NULL);
			g->l[eff_mode].add_eol = 1;
		}
	}
}

/* ---------------------------------------------------------------- profiles */

/* The container an output_format value means (not a new one: fmp4). */
static const char *
new_container(const struct mline *l)
{
	return new_value(l, "container_format", NULL, 0);
}

static const char *
display(const char *encoder)
{
	const char *c = sd_encoder_codec(encoder);

	return c ? sd_codec_label(c) : encoder;
}

/* An fMP4-only codec at the last line with key, or NULL. */
static const char *
fmp4_codec(struct mig *g, size_t a, size_t b, const char *key, char *buf,
    size_t size)
{
	size_t i = last_key(g, a, b, key);

	if (i == 0 || sd_codec_fits_mpegts(val(&g->l[i], buf, size)))
		return NULL;
	return buf;
}

static void
profile_section(struct mig *g, size_t a, size_t b, const char *name)
{
	size_t has_cf = last_key(g, a, b, "container_format");
	size_t eff = has_cf ? has_cf : last_key(g, a, b, "output_format");
	char vbuf[64], abuf[64], v[64];
	const char *codec, *nc = NULL;
	struct mline *l;
	size_t i;

	for (i = a; i < b; i++) {
		l = &g->l[i];
		if (!key_is(l, "output_format"))
			continue;
		if (has_cf) {
			mig_msg(g, 0, i, "output_format removed: "
			    "container_format is set at line %zu and wins",
			    has_cf);
			l->op = '-';
		} else if ((nc = new_container(l)) == NULL)
			mig_msg(g, 1, i, "output_format = %s: unknown; write "
			    "mpegts, hls or dash (or container_format = auto, "
			    "fmp4 or mpegts)", val(l, v, sizeof(v)));
		else
			set(l, "container_format", val_is(l, nc) ? NULL : nc);
	}
	if (eff == 0 || !(has_cf ? val_is(&g->l[eff], "mpegts") :
	    nc != NULL && strcmp(nc, "mpegts") == 0))
		return;
	codec = fmp4_codec(g, a, b, "video_codec", vbuf, sizeof(vbuf));
	if (codec == NULL)
		codec = fmp4_codec(g, a, b, "audio_codec", abuf, sizeof(abuf));
	if (codec == NULL)
		return;
	mig_msg(g, 1, eff, "profile %s: %s with %s, but MPEG-TS cannot carry "
	    "%s, which needs fMP4; write %s or choose a codec TS carries "
	    "(libx264, libx265, aac), then run sd-migrate again", name,
	    has_cf ? "container_format = mpegts" : "output_format = mpegts "
	    "(container_format = mpegts)", codec, display(codec),
	    has_cf ? "container_format = fmp4" : "output_format = hls");
}

/* ---------------------------------------------------------------- output */

void
ini_section_name(const struct mline *l, char *buf, size_t size)
{
	const char *s = memchr(l->p, '[', l->n), *e;
	size_t n;

	buf[0] = '\0';
	if (s == NULL || (e = memchr(s, ']', l->n - (size_t)(s - l->p))) ==
	    NULL)
		return;
	n = (size_t)(e - s - 1) < size ? (size_t)(e - s - 1) : size - 1;
	memcpy(buf, s + 1, n);
	buf[n] = '\0';
}

static void
sections(struct mig *g)
{
	char name[SD_NAME_MAX];
	size_t i, a;

	for (i = 1; i <= g->n; i++) {
		if (!g->l[i].is_section)
			continue;
		ini_section_name(&g->l[i], name, sizeof(name));
		for (a = ++i; i <= g->n && !g->l[i].is_section; i++)
			;
		if (g->m->kind == SD_INI_PROXIES)
			proxy_section(g, a, i);
		else if (g->m->kind == SD_INI_PROFILES)
			profile_section(g, a, i, name);
		i--;
	}
}

static void
emit_line(struct mig *g, size_t i, struct sd_buf *o)
{
	const struct mline *l = &g->l[i];
	struct sd_mig_line *ml = &g->m->lines[i];
	const char *key = l->newkey ? l->newkey : NULL;
	const char *v = l->newval ? l->newval : NULL;
	size_t head = (size_t)(l->p - (g->m->in + l->start));

	ml->op = l->op;
	ml->off = o->len;
	if (l->op == '=') {
		sd_buf_append(o, g->m->in + l->start, l->total);
	} else if (l->op == '~') {
		sd_buf_append(o, g->m->in + l->start, head + l->ks);
		if (key)
			sd_buf_append(o, key, strlen(key));
		else
			sd_buf_append(o, l->p + l->ks, l->kn);
		sd_buf_append(o, l->p + l->ks + l->kn, l->vs - l->ks - l->kn);
		if (v)
			sd_buf_append(o, v, strlen(v));
		else
			sd_buf_append(o, l->p + l->vs, l->vn);
		sd_buf_append(o, l->p + l->vs + l->vn,
		    l->n + l->eoln - l->vs - l->vn);
		if (l->add_eol)
			sd_buf_append(o, g->eol, strlen(g->eol));
	}
	ml->len = o->len - ml->off;
	ml->ins_off = o->len;
	if (l->ins_key != NULL && l->op != '-') {
		/* the same indentation and spacing as the line above */
		sd_buf_append(o, l->p, l->ks);
		sd_buf_append(o, l->ins_key, strlen(l->ins_key));
		sd_buf_append(o, l->p + l->ks + l->kn,
		    l->sep_end - l->ks - l->kn);
		sd_buf_append(o, l->ins_val, strlen(l->ins_val));
		if (!l->add_eol)
			sd_buf_append(o, g->eol, strlen(g->eol));
	}
	ml->ins_len = o->len - ml->ins_off;
}

int
sd_migrate(struct sd_migration *m, const char *buf, size_t len,
    const char *name, const char *default_profile)
{
	struct mig g;
	char label[1100];
	size_t i;

	memset(m, 0, sizeof(*m));
	memset(&g, 0, sizeof(g));
	sd_buf_init(&m->out);
	m->in = buf;
	m->in_len = len;
	g.m = m;
	g.name = name;
	g.def_profile = default_profile && *default_profile ?
	    default_profile : "Universal";
	if (ini_split_lines(&g, buf, len) == -1 || detect_kind(&g) == -1) {
		free(g.l);
		m->errors++;
		return -1;
	}
	sections(&g);
	m->nlines = g.n;
	if ((m->lines = calloc(g.n + 1, sizeof(*m->lines))) == NULL) {
		free(g.l);
		m->errors++;
		return -1;
	}
	sd_buf_append(&m->out, "", 0);
	for (i = 1; i <= g.n; i++)
		emit_line(&g, i, &m->out);
	free(g.l);
	if (m->out.failed) {
		warnx("%s: out of memory", name);
		m->errors++;
	}
	m->changed = m->out.len != len ||
	    (len > 0 && memcmp(m->out.p, buf, len) != 0);
	if (m->errors == 0 && m->changed && m->kind != SD_INI_NONE) {
		/* Never hand back a text that would not load. */
		snprintf(label, sizeof(label), "%s (migrated)", name);
		if (sd_config_check_text(m->out.p, m->out.len, label,
		    m->kind == SD_INI_PROFILES, 0) == -1) {
			warnx("%s: the migrated text would not load (see "
			    "above); fix the file by hand", name);
			m->errors++;
		}
	}
	return m->errors ? -1 : 0;
}

void
sd_migration_free(struct sd_migration *m)
{
	sd_buf_free(&m->out);
	free(m->lines);
	m->lines = NULL;
}

/* ---------------------------------------------------------------- diff */

struct dop {
	char type;		/* ' ', '-', '+' */
	const char *p;
	size_t n;
};

static int
dop_add(struct dop **ops, size_t *n, size_t *cap, char type, const char *p,
    size_t len)
{
	struct dop *nd;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((nd = reallocarray(*ops, *cap, sizeof(*nd))) == NULL)
			return -1;
		*ops = nd;
	}
	(*ops)[*n].type = type;
	(*ops)[*n].p = p;
	(*ops)[(*n)++].n = len;
	return 0;
}

/* Each line of [p, p+len) as its own '+' op (inserted text). */
static int
dop_lines(struct dop **ops, size_t *n, size_t *cap, const char *p,
    size_t len)
{
	const char *e;
	size_t k;

	while (len > 0) {
		e = memchr(p, '\n', len);
		k = e ? (size_t)(e - p) + 1 : len;
		if (dop_add(ops, n, cap, '+', p, k) == -1)
			return -1;
		p += k;
		len -= k;
	}
	return 0;
}

static void
print_dop(struct sd_buf *o, const struct dop *d)
{
	sd_buf_append(o, &d->type, 1);
	sd_buf_append(o, d->p, d->n);
	if (d->n == 0 || d->p[d->n - 1] != '\n')
		sd_buf_printf(o, "\n\\ No newline at end of file\n");
}

static void
hunk(struct sd_buf *o, const struct dop *ops, size_t a, size_t b,
    size_t old0, size_t new0)
{
	size_t i, on = 0, nn = 0;

	for (i = a; i < b; i++) {
		on += ops[i].type != '+';
		nn += ops[i].type != '-';
	}
	sd_buf_printf(o, "@@ -%zu,%zu +%zu,%zu @@\n", on ? old0 : old0 - 1,
	    on, nn ? new0 : new0 - 1, nn);
	for (i = a; i < b; i++)
		print_dop(o, &ops[i]);
}

static int
build_ops(const struct sd_migration *m, struct dop **ops, size_t *n)
{
	const struct sd_mig_line *ml;
	size_t i, cap = 0, start = 0, total;
	const char *nlp;
	int rc = 0;

	/* lines[0]: text before the first line (sd-import: a new file) */
	if (m->lines != NULL)
		rc = dop_lines(ops, n, &cap, m->out.p + m->lines[0].ins_off,
		    m->lines[0].ins_len);
	for (i = 1; i <= m->nlines && rc == 0; i++) {
		ml = &m->lines[i];
		nlp = memchr(m->in + start, '\n', m->in_len - start);
		total = nlp ? (size_t)(nlp - (m->in + start)) + 1 :
		    m->in_len - start;
		if (ml->op == '=')
			rc = dop_add(ops, n, &cap, ' ', m->in + start, total);
		else {
			rc = dop_add(ops, n, &cap, '-', m->in + start, total);
			if (rc == 0 && ml->op == '~')
				rc = dop_lines(ops, n, &cap, m->out.p +
				    ml->off, ml->len);
		}
		if (rc == 0)
			rc = dop_lines(ops, n, &cap, m->out.p + ml->ins_off,
			    ml->ins_len);
		start += total;
	}
	return rc;
}

/* As diff(1) does: in each run of changes, the removed lines first. */
static void
group_changes(struct dop *ops, size_t n)
{
	struct dop t;
	size_t i, j, k;

	for (i = 0; i < n; i = j) {
		for (j = i; j < n && ops[j].type != ' '; j++)
			;
		for (k = i + 1; k < j; k++) {
			size_t q = k;

			while (q > i && ops[q].type == '-' &&
			    ops[q - 1].type == '+') {
				t = ops[q];
				ops[q] = ops[q - 1];
				ops[--q] = t;
			}
		}
		if (j == i)
			j++;
	}
}

int
sd_migrate_diff(const struct sd_migration *m, const char *name,
    struct sd_buf *o)
{
	struct dop *ops = NULL;
	size_t n = 0, i, a, b, last, oldl = 1, newl = 1, ho, hn, k;
	const size_t ctx = 3;

	if (!m->changed)
		return 0;
	if (build_ops(m, &ops, &n) == -1) {
		free(ops);
		return -1;
	}
	group_changes(ops, n);
	sd_buf_printf(o, "--- %s\n+++ %s\n", name, name);
	for (i = 0; i < n; ) {
		if (ops[i].type == ' ') {
			oldl++;
			newl++;
			i++;
			continue;
		}
		/* a hunk: ctx lines before, changes closer than 2*ctx apart */
		a = i >= ctx ? i - ctx : 0;
		ho = oldl - (i - a);
		hn = newl - (i - a);
		for (b = i, last = i; b < n; b++) {
			if (ops[b].type != ' ')
				last = b;
			else if (b - last > 2 * ctx)
				break;
		}
		b = last + 1 + ctx < n ? last + 1 + ctx : n;
		hunk(o, ops, a, b, ho, hn);
		for (k = i; k < b; k++) {
			oldl += ops[k].type != '+';
			newl += ops[k].type != '-';
		}
		i = b;
	}
	free(ops);
	return o->failed ? -1 : 0;
}
