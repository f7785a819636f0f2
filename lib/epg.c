/*
 * epg.c - a streaming XMLTV filter: a provider's guide in, the <channel>
 * and <programme> elements of the configured channels out (by id, the
 * proxies' tvg_id), in a document that is well-formed by construction.
 *
 * The input is hostile: every child of <tv> is scanned whole before a
 * byte of it is written (names, nesting, attributes, references, CDATA,
 * comments, characters and, for UTF-8, the encoding), at most
 * EPG_ELEM_MAX bytes each and EPG_DEPTH_MAX deep; anything it cannot
 * vouch for fails the whole guide, which the caller then does not keep.
 * Names are ASCII letters, digits, '_', '-', '.' or bytes >= 0x80 (no
 * namespace prefixes: XMLTV has none). No DTD entities but the five of
 * XML. The scanners return the bytes of a whole token, 0 when they need
 * more input, -1 when the token is malformed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "epg.h"

enum { ST_PROLOG, ST_BODY, ST_END, ST_FAILED };

/* ---------------------------------------------------------------- tokens */

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c >= 0x80;
}

static int
name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* A control byte XML does not allow. */
static int
bad_byte(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

static int
xml_char(unsigned long v)
{
	return v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) ||
	    (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF);
}

static long
scan_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	if (!name_start((unsigned char)p[0]))
		return -1;
	for (i = 1; i < n && i <= 256 && name_char((unsigned char)p[i]); i++)
		;
	if (i > 256)
		return -1;
	return i == n ? 0 : (long)i;
}

/* &amp; &lt; &gt; &quot; &apos; &#N; &#xN; at p[0] == '&'. */
static long
scan_ref(const char *p, size_t n, unsigned long *value)
{
	static const char *const ent[] = { "amp;", "lt;", "gt;", "quot;",
	    "apos;" };
	static const char val[] = "&<>\"'";
	size_t i, start, len, k;
	unsigned long v = 0;
	int hex, d;

	if (n < 2)
		return 0;
	if (p[1] == '#') {
		hex = n > 2 && p[2] == 'x';
		start = i = hex ? 3 : 2;
		for (; i < n && p[i] != ';'; i++) {
			d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0' :
			    hex && p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10 :
			    hex && p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 :
			    -1;
			if (d < 0 || (v = v * (hex ? 16 : 10) + (unsigned)d) >
			    0x10FFFF)
				return -1;
		}
		if (i == n)
			return 0;
		if (i == start || !xml_char(v))
			return -1;
		*value = v;
		return (long)i + 1;
	}
	for (k = 0; k < sizeof(ent) / sizeof(ent[0]); k++) {
		len = strlen(ent[k]);
		if (memcmp(p + 1, ent[k], n - 1 < len ? n - 1 : len) != 0)
			continue;
		if (n - 1 < len)
			return 0;
		*value = (unsigned char)val[k];
		return (long)(1 + len);
	}
	return -1;
}

/* The bytes up to and including the first `end` (a literal) after
 * `skip` bytes, with no control byte among them; -1 past max. */
static long
scan_until(const char *p, size_t n, size_t skip, const char *end,
    size_t max)
{
	size_t i, m = strlen(end);

	for (i = skip; i + m <= n; i++) {
		if (memcmp(p + i, end, m) == 0)
			return (long)(i + m);
		if (bad_byte((unsigned char)p[i]))
			return -1;
	}
	return n > max ? -1 : 0;
}

/* <!-- ... --> with no "--" inside. */
static long
scan_comment(const char *p, size_t n, size_t max)
{
	long r = scan_until(p, n, 4, "--", max);

	if (r <= 0)
		return r;
	if ((size_t)r >= n)
		return 0;
	return p[r] == '>' ? r + 1 : -1;
}

struct stag {
	int empty;		/* ended in "/>" */
	size_t nlen;		/* the name at p + 1 */
	const char *want;	/* an attribute to find, or NULL */
	const char *val;	/* its raw value */
	size_t vlen;
};

/* One attribute value in quotes at p[0]. */
static long
scan_value(const char *p, size_t n)
{
	unsigned long v;
	size_t i = 1;
	long r;

	for (;;) {
		if (i >= n)
			return 0;
		if (p[i] == p[0])
			return (long)i + 1;
		if (p[i] == '<' || bad_byte((unsigned char)p[i]))
			return -1;
		if (p[i] == '&') {
			if ((r = scan_ref(p + i, n - i, &v)) <= 0)
				return r;
			i += (size_t)r;
		} else
			i++;
	}
}

#define ATTRS_MAX 32

/* A start tag at p[0] == '<': name, attributes (no two alike), > or />. */
static long
scan_stag(const char *p, size_t n, struct stag *t)
{
	size_t off[ATTRS_MAX], len[ATTRS_MAX], na = 0, i, sp, an, k;
	long r;

	if ((r = scan_name(p + 1, n - 1)) <= 0)
		return r;
	t->nlen = (size_t)r;
	t->val = NULL;
	i = 1 + (size_t)r;
	for (;;) {
		for (sp = i; i < n && is_space((unsigned char)p[i]); i++)
			;
		if (i >= n)
			return 0;
		if (p[i] == '>' || p[i] == '/') {
			t->empty = p[i] == '/';
			if (t->empty && i + 1 >= n)
				return 0;
			if (t->empty && p[i + 1] != '>')
				return -1;
			return (long)i + 1 + t->empty;
		}
		if (i == sp || na == ATTRS_MAX ||
		    (r = scan_name(p + i, n - i)) <= 0)
			return i == sp || na == ATTRS_MAX ? -1 : r;
		an = i;
		for (k = 0; k < na; k++)
			if (len[k] == (size_t)r && memcmp(p + off[k], p + an,
			    (size_t)r) == 0)
				return -1;
		off[na] = an;
		len[na++] = (size_t)r;
		for (i += (size_t)r; i < n && is_space((unsigned char)p[i]); i++)
			;
		if (i < n && p[i] != '=')
			return -1;
		for (i++; i < n && is_space((unsigned char)p[i]); i++)
			;
		if (i >= n)
			return 0;
		if (p[i] != '"' && p[i] != '\'')
			return -1;
		if ((r = scan_value(p + i, n - i)) <= 0)
			return r;
		if (t->want && strlen(t->want) == len[na - 1] &&
		    memcmp(p + an, t->want, len[na - 1]) == 0) {
			t->val = p + i + 1;
			t->vlen = (size_t)r - 2;
		}
		i += (size_t)r;
	}
}

/* </NAME S?> at p[0] == '<', p[1] == '/'. */
static long
scan_etag(const char *p, size_t n, const char *name, size_t nlen)
{
	size_t i;
	long r;

	if ((r = scan_name(p + 2, n - 2)) <= 0)
		return r;
	if ((size_t)r != nlen || memcmp(p + 2, name, nlen) != 0)
		return -1;
	for (i = 2 + (size_t)r; i < n && is_space((unsigned char)p[i]); i++)
		;
	if (i >= n)
		return 0;
	return p[i] == '>' ? (long)i + 1 : -1;
}

/* Markup that starts with "<!" inside an element: a comment or CDATA. */
static long
scan_bang(const char *p, size_t n)
{
	static const char cdata[] = "<![CDATA[";

	if (n < 4)
		return 0;
	if (memcmp(p, "<!--", 4) == 0)
		return scan_comment(p, n, EPG_ELEM_MAX);
	if (memcmp(p, cdata, n < 9 ? n : 9) != 0)
		return -1;
	return n < 9 ? 0 : scan_until(p, n, 9, "]]>", EPG_ELEM_MAX);
}

/* One whole element at p[0] == '<' (a child of <tv>). */
static long
scan_element(const char *p, size_t n)
{
	size_t name[EPG_DEPTH_MAX], nlen[EPG_DEPTH_MAX], i = 0;
	struct stag t = { 0 };
	unsigned long v;
	int depth = 0;
	long r;

	for (;;) {
		if (i >= n)
			return 0;
		if (p[i] == '<' && i + 1 >= n)
			return 0;
		if (p[i] == '<' && p[i + 1] == '/') {
			if (depth == 0)
				return -1;
			if ((r = scan_etag(p + i, n - i, p + name[depth - 1],
			    nlen[depth - 1])) <= 0)
				return r;
			i += (size_t)r;
			if (--depth == 0)
				return (long)i;
		} else if (p[i] == '<' && p[i + 1] == '!') {
			if ((r = scan_bang(p + i, n - i)) <= 0)
				return r;
			i += (size_t)r;
		} else if (p[i] == '<') {
			if (p[i + 1] == '?')
				return -1;	/* no PI inside XMLTV */
			if ((r = scan_stag(p + i, n - i, &t)) <= 0)
				return r;
			if (!t.empty && depth == EPG_DEPTH_MAX)
				return -1;
			if (!t.empty) {
				name[depth] = i + 1;
				nlen[depth++] = t.nlen;
			}
			i += (size_t)r;
			if (depth == 0)
				return (long)i;
		} else if (p[i] == '&') {
			if ((r = scan_ref(p + i, n - i, &v)) <= 0)
				return r;
			i += (size_t)r;
		} else if (p[i] == ']') {
			if (i + 2 >= n)
				return 0;
			if (p[i + 1] == ']' && p[i + 2] == '>')
				return -1;
			i++;
		} else if (bad_byte((unsigned char)p[i])) {
			return -1;
		} else
			i++;
	}
}

/* Well-formed UTF-8 of XML characters (no surrogates, no U+FFFE/FFFF). */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	unsigned long v;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xC2 && s[i] <= 0xDF)
			len = 2, v = s[i] & 0x1F;
		else if (s[i] >= 0xE0 && s[i] <= 0xEF)
			len = 3, v = s[i] & 0x0F;
		else if (s[i] >= 0xF0 && s[i] <= 0xF4)
			len = 4, v = s[i] & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			v = v << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
		    !xml_char(v))
			return 0;
		i += len;
	}
	return 1;
}

/* ---------------------------------------------------------------- filter */

static int
fail(struct epg_filter *f, const char *why)
{
	f->state = ST_FAILED;
	if (f->error == NULL)
		f->error = why;
	return -1;
}

static int
out(struct epg_filter *f, const char *p, size_t n)
{
	if (f->write(f->arg, p, n) == -1)
		return fail(f, "the filtered guide could not be written");
	return 0;
}

/* An attribute value with its references resolved (to UTF-8). */
static int
attr_decode(const char *p, size_t n, char *o, size_t olen)
{
	unsigned long v;
	size_t i = 0, k = 0;
	long r;

	while (i < n) {
		v = (unsigned char)p[i];
		r = 1;
		if (p[i] == '&' && (r = scan_ref(p + i, n - i, &v)) <= 0)
			return -1;
		i += (size_t)r;
		if (k + 5 > olen)
			return -1;
		if (r == 1 || v < 0x80)
			o[k++] = (char)v;
		else if (v < 0x800) {
			o[k++] = (char)(0xC0 | v >> 6);
			o[k++] = (char)(0x80 | (v & 0x3F));
		} else if (v < 0x10000) {
			o[k++] = (char)(0xE0 | v >> 12);
			o[k++] = (char)(0x80 | ((v >> 6) & 0x3F));
			o[k++] = (char)(0x80 | (v & 0x3F));
		} else {
			o[k++] = (char)(0xF0 | v >> 18);
			o[k++] = (char)(0x80 | ((v >> 12) & 0x3F));
			o[k++] = (char)(0x80 | ((v >> 6) & 0x3F));
			o[k++] = (char)(0x80 | (v & 0x3F));
		}
	}
	o[k] = '\0';
	return 0;
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted ids: a guide of many channels asks this for every element. */
static int
id_wanted(const struct epg_filter *f, const char *id)
{
	size_t i;

	if (f->sorted != NULL)
		return bsearch(&id, f->sorted, f->nids, sizeof(*f->sorted),
		    by_string) != NULL;
	for (i = 0; i < f->nids; i++)
		if (strcmp(f->ids[i], id) == 0)
			return 1;
	return 0;
}

static int
name_is(const char *p, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(p, name, n) == 0;
}

/* A whole child of <tv> (scanned): written when it is a channel or a
 * programme of an id asked for. */
static int
child(struct epg_filter *f, const char *p, size_t n)
{
	struct stag t = { 0 };
	char id[512];
	int chan;

	if (f->utf8 && !utf8_ok((const unsigned char *)p, n))
		return fail(f, "a guide element is not valid UTF-8");
	chan = name_is(p + 1, strcspn(p + 1, " \t\r\n/>"), "channel");
	t.want = chan ? "id" : "channel";
	if (scan_stag(p, n, &t) <= 0)
		return fail(f, "a guide element is malformed");
	if ((!chan && !name_is(p + 1, t.nlen, "programme")) ||
	    t.val == NULL || attr_decode(t.val, t.vlen, id, sizeof(id)) ==
	    -1 || !id_wanted(f, id)) {
		f->dropped++;
		return 0;
	}
	if (chan)
		f->channels++;
	else
		f->programmes++;
	if (out(f, p, n) == -1 || out(f, "\n", 1) == -1)
		return -1;
	return 0;
}

/*
 * The encodings a guide may be in: UTF-8 (checked, and ASCII as UTF-8)
 * and the two Latin ones where every byte is a character; the output
 * declares the same. Any other is refused: its bytes cannot be vouched
 * for.
 */
static void
encoding_known(struct epg_filter *f)
{
	static const char *const utf8[] = { "UTF-8", "UTF8", "US-ASCII",
	    "ASCII" };
	static const char *const latin[] = { "ISO-8859-1", "ISO-8859-15" };
	size_t i;

	for (i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++)
		if (strcasecmp(f->encoding, utf8[i]) == 0) {
			strlcpy(f->encoding, "UTF-8", sizeof(f->encoding));
			f->utf8 = 1;
			return;
		}
	for (i = 0; i < sizeof(latin) / sizeof(latin[0]); i++)
		if (strcasecmp(f->encoding, latin[i]) == 0) {
			strlcpy(f->encoding, latin[i], sizeof(f->encoding));
			f->utf8 = 0;
			return;
		}
	f->encoding[0] = '\0';		/* refused by step_root */
}

/* The encoding of <?xml ... encoding="E"?>, when it is a plain name. */
static void
xml_decl(struct epg_filter *f, const char *p, size_t n)
{
	const char *e = memmem(p, n, "encoding", 8);
	char enc[sizeof(f->encoding)], q;
	size_t i, k = 0;

	if (n < 6 || memcmp(p, "<?xml", 5) != 0 || !is_space(p[5]) ||
	    e == NULL)
		return;
	i = (size_t)(e - p) + 8;
	while (i < n && (is_space(p[i]) || p[i] == '='))
		i++;
	if (i >= n || (p[i] != '"' && p[i] != '\''))
		return;
	q = p[i++];
	for (; i < n && p[i] != q && k + 1 < sizeof(enc); i++) {
		if (!name_char((unsigned char)p[i]) ||
		    (unsigned char)p[i] >= 0x80)
			return;
		enc[k++] = p[i];
	}
	if (i >= n || p[i] != q)
		return;
	enc[k] = '\0';
	strlcpy(f->encoding, enc, sizeof(f->encoding));
	encoding_known(f);
}

/* <!DOCTYPE ...> with an internal subset in [ ] and quoted strings. */
static long
scan_doctype(const char *p, size_t n)
{
	size_t i;
	int depth = 0;
	char q = 0;

	for (i = 9; i < n; i++) {
		if (q) {
			if (p[i] == q)
				q = 0;
		} else if (p[i] == '"' || p[i] == '\'')
			q = p[i];
		else if (p[i] == '[')
			depth++;
		else if (p[i] == ']')
			depth--;
		else if (p[i] == '>' && depth <= 0)
			return (long)i + 1;
	}
	return 0;
}

static long
step_root(struct epg_filter *f, const char *p, size_t n)
{
	struct stag t = { 0 };
	char head[160];
	long r;

	if ((r = scan_stag(p, n, &t)) <= 0)
		return r == 0 ? 0 : fail(f, "the guide is not XML");
	if (!name_is(p + 1, t.nlen, "tv"))
		return fail(f, "the guide is XML but not XMLTV: its root is "
		    "not <tv>");
	if (f->encoding[0] == '\0')
		return fail(f, "the guide's encoding is not UTF-8, ISO-8859-1 "
		    "or ISO-8859-15");
	if (f->utf8 && !utf8_ok((const unsigned char *)p, (size_t)r))
		return fail(f, "the guide's <tv> is not valid UTF-8");
	snprintf(head, sizeof(head), "<?xml version=\"1.0\" encoding=\"%s\"?>\n"
	    "<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n", f->encoding);
	if (out(f, head, strlen(head)) == -1)
		return -1;
	if (t.empty) {
		f->state = ST_END;
		return out(f, "<tv>\n</tv>\n", 11) == -1 ? -1 : r;
	}
	if (out(f, p, (size_t)r) == -1 || out(f, "\n", 1) == -1)
		return -1;
	f->state = ST_BODY;
	return r;
}

/* Before <tv>: a BOM, the XML declaration, comments, a DOCTYPE. */
static long
step_prolog(struct epg_filter *f, const char *p, size_t n)
{
	size_t i = 0;
	long r;

	if (f->in_total == n && (unsigned char)p[0] == 0xEF) {
		if (n < 3)
			return 0;
		if (memcmp(p, "\xEF\xBB\xBF", 3) == 0)
			return 3;	/* a byte order mark, first */
	}
	while (i < n && is_space((unsigned char)p[i]))
		i++;
	if (i > 0)
		return (long)i;
	if (p[0] != '<')
		return fail(f, "the guide is not XML");
	if (n < 2)
		return 0;
	if (p[1] == '?') {
		if ((r = scan_until(p, n, 2, "?>", EPG_PROLOG_MAX)) > 0)
			xml_decl(f, p, (size_t)r);
		return r;
	}
	if (p[1] != '!')
		return step_root(f, p, n);
	if (n < 9)
		return 0;
	if (memcmp(p, "<!--", 4) == 0)
		return scan_comment(p, n, EPG_PROLOG_MAX);
	if (memcmp(p, "<!DOCTYPE", 9) == 0)
		return scan_doctype(p, n);
	return -1;
}

/* Inside <tv>: its children, comments, blanks, then </tv>. */
static long
step_body(struct epg_filter *f, const char *p, size_t n)
{
	size_t i = 0;
	long r;

	if (p[0] != '<') {	/* text between children: none in XMLTV */
		while (i < n && p[i] != '<')
			i++;
		return (long)i;
	}
	if (n < 4)
		return 0;
	if (p[1] == '/') {
		if ((r = scan_etag(p, n, "tv", 2)) > 0) {
			f->state = ST_END;
			if (out(f, "</tv>\n", 6) == -1)
				return -1;
		}
		return r;
	}
	if (p[1] == '?')
		return scan_until(p, n, 2, "?>", EPG_ELEM_MAX);
	if (p[1] == '!')
		return memcmp(p, "<!--", 4) == 0 ?
		    scan_comment(p, n, EPG_ELEM_MAX) : -1;
	if ((r = scan_element(p, n)) <= 0)
		return r;
	return child(f, p, (size_t)r) == -1 ? -1 : r;
}

static int
run(struct epg_filter *f)
{
	const char *p;
	size_t n;
	long r;

	while (f->off < f->len && f->state != ST_FAILED) {
		p = f->buf + f->off;
		n = f->len - f->off;
		if (f->state == ST_PROLOG)
			r = step_prolog(f, p, n);
		else if (f->state == ST_BODY)
			r = step_body(f, p, n);
		else
			r = (long)n;	/* after </tv>: nothing more counts */
		if (r < 0)
			return fail(f, "the guide is not well-formed XML");
		if (r == 0) {
			if (n > (f->state == ST_PROLOG ? EPG_PROLOG_MAX :
			    EPG_ELEM_MAX))
				return fail(f, "a guide element is too big "
				    "(over 1 MiB)");
			break;
		}
		f->off += (size_t)r;
	}
	return f->state == ST_FAILED ? -1 : 0;
}

void
epg_filter_init(struct epg_filter *f, const char *const *ids, size_t nids,
    epg_write_fn write, void *arg)
{
	memset(f, 0, sizeof(*f));
	f->ids = ids;
	f->nids = nids;
	f->write = write;
	f->arg = arg;
	f->utf8 = 1;
	strlcpy(f->encoding, "UTF-8", sizeof(f->encoding));
	/* without memory for the sorted copy, id_wanted looks at each */
	if (nids > 0 && (f->sorted = calloc(nids, sizeof(*f->sorted))) !=
	    NULL) {
		memcpy(f->sorted, ids, nids * sizeof(*ids));
		qsort(f->sorted, nids, sizeof(*f->sorted), by_string);
	}
}

int
epg_filter_feed(struct epg_filter *f, const char *p, size_t n)
{
	char *nb;
	size_t cap;

	if (f->state == ST_FAILED)
		return -1;
	if (f->off > 0) {
		memmove(f->buf, f->buf + f->off, f->len - f->off);
		f->len -= f->off;
		f->off = 0;
	}
	if (n > SIZE_MAX / 2 - f->len)
		return fail(f, "the guide is too big");
	if (f->len + n > f->cap) {
		cap = f->cap ? f->cap : 65536;
		while (cap < f->len + n)
			cap *= 2;
		if ((nb = realloc(f->buf, cap)) == NULL)
			return fail(f, "out of memory");
		f->buf = nb;
		f->cap = cap;
	}
	if (n > 0)
		memcpy(f->buf + f->len, p, n);
	f->len += n;
	f->in_total += n;
	return run(f);
}

int
epg_filter_end(struct epg_filter *f)
{
	if (f->state == ST_FAILED)
		return -1;
	if (f->state != ST_END)
		return fail(f, f->state == ST_PROLOG && f->in_total == 0 ?
		    "the guide is empty" : f->state == ST_PROLOG ?
		    "the guide is not XML" : "the guide ends before </tv>");
	return 0;
}

void
epg_filter_free(struct epg_filter *f)
{
	free(f->buf);
	free(f->sorted);
	f->buf = NULL;
	f->sorted = NULL;
	f->len = f->cap = f->off = 0;
}
