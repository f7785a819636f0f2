/*
 * m3u.c - read an extended M3U playlist as IPTV providers write it:
 *
 *   #EXTM3U x-tvg-url="..."
 *   #EXTINF:-1 tvg-id="bbc1.uk" tvg-name="BBC One" tvg-logo="http://..."
 *       tvg-chno="101" group-title="News, UK",BBC One, London
 *   #EXTGRP:UK
 *   http://provider.example/live/u/p/101.ts?token=a%20b;x
 *
 * Providers quote carelessly, so a value's closing quote is the first one
 * followed by the end of the line, a comma or another key=; the title is
 * everything after the first comma outside a value (commas, quotes and
 * UTF-8 kept). The strings point into a copy of the input, cut in place.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "m3u.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* [s, e) without blanks at either end, NUL-terminated in place. */
static char *
trim(char *s, char *e)
{
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	*e = '\0';
	return s;
}

static int
is_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/*
 * The quote closing a value that starts at s: the first one followed
 * (after blanks) by the end, a comma or key=, else the first one at all;
 * NULL when there is none.
 */
static char *
value_end(char *s, char *e)
{
	char *q, *a, *b, *first = NULL;

	for (q = s; q < e; q++) {
		if (*q != '"')
			continue;
		if (first == NULL)
			first = q;
		for (a = q + 1; a < e && is_blank(*a); a++)
			;
		if (a == e || *a == ',')
			return q;
		for (b = a; b < e && is_key_char(*b); b++)
			;
		if (b > a && b < e && *b == '=')
			return q;
	}
	return first;
}

static void
set_attr(struct m3u_entry *e, const char *k, size_t kn, const char *v)
{
	static const struct {
		const char *key;
		size_t off;
	} attrs[] = {
		{ "tvg-id", offsetof(struct m3u_entry, tvg_id) },
		{ "tvg-name", offsetof(struct m3u_entry, tvg_name) },
		{ "tvg-logo", offsetof(struct m3u_entry, tvg_logo) },
		{ "tvg-chno", offsetof(struct m3u_entry, tvg_chno) },
		{ "channel-number", offsetof(struct m3u_entry, tvg_chno) },
		{ "group-title", offsetof(struct m3u_entry, group) },
	};
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (strlen(attrs[i].key) == kn &&
		    strncasecmp(attrs[i].key, k, kn) == 0) {
			*(const char **)(void *)((char *)e + attrs[i].off) = v;
			return;
		}
}

/* "#EXTINF:-1 key="value" key=value ...,Title" (s at '#', eol at NUL). */
static void
extinf(char *s, char *eol, struct m3u_entry *e)
{
	char *k, *ke, *v, *ve;

	for (s += 8; s < eol && is_blank(*s); s++)
		;
	while (s < eol && (isdigit((unsigned char)*s) || *s == '-' ||
	    *s == '+' || *s == '.'))
		s++;
	for (;;) {
		while (s < eol && is_blank(*s))
			s++;
		if (s >= eol)
			return;
		if (*s == ',') {
			e->title = trim(s + 1, eol);
			return;
		}
		for (k = s; s < eol && *s != '=' && *s != ',' && !is_blank(*s);
		    s++)
			;
		ke = s;
		if (s >= eol || *s != '=')
			continue;	/* a word that is no key=value */
		if (*++s == '"') {
			v = s + 1;
			if ((ve = value_end(v, eol)) == NULL)
				ve = eol;
			s = ve < eol ? ve + 1 : eol;
		} else {
			for (v = s; s < eol && *s != ',' && !is_blank(*s); s++)
				;
			ve = s;
			if (s < eol && *s == ',') {
				e->title = trim(s + 1, eol);
				s = eol;
			}
		}
		set_attr(e, k, (size_t)(ke - k), trim(v, ve));
	}
}

static int
push(struct m3u *m, size_t *cap, const struct m3u_entry *e)
{
	struct m3u_entry *ne;

	if (m->n >= M3U_ENTRIES_MAX)
		return M3U_TOO_MANY;
	if (m->n == *cap) {
		if ((ne = reallocarray(m->e, *cap ? *cap * 2 : 64,
		    sizeof(*ne))) == NULL)
			return M3U_NOMEM;
		m->e = ne;
		*cap = *cap ? *cap * 2 : 64;
	}
	m->e[m->n++] = *e;
	return M3U_OK;
}

static void
entry_clear(struct m3u_entry *e)
{
	e->title = e->tvg_id = e->tvg_name = e->tvg_logo = e->tvg_chno =
	    e->group = e->url = "";
	e->line = e->url_line = 0;
}

/* Where the text starts: after a BOM; '<' there is a web page. */
static char *
text_start(char *p, char *end, int *html)
{
	char *q;

	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (q = p; q < end && isspace((unsigned char)*q); q++)
		;
	*html = q < end && *q == '<';
	return p;
}

enum m3u_status
m3u_parse(struct m3u *m, const char *buf, size_t len)
{
	struct m3u_entry cur;
	const char *grp = "", *nul;
	char *p, *end, *eol, *s;
	size_t line = 0, cap = 0, i;
	int have = 0, html, rc = M3U_OK;

	memset(m, 0, sizeof(*m));
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		for (m->bad_line = 1, i = 0; buf + i < nul; i++)
			m->bad_line += buf[i] == '\n';
		return M3U_BINARY;
	}
	if ((m->text = malloc(len + 1)) == NULL)
		return M3U_NOMEM;
	memcpy(m->text, buf, len);
	m->text[len] = '\0';
	end = m->text + len;
	p = text_start(m->text, end, &html);
	if (html)
		return M3U_HTML;
	entry_clear(&cur);
	for (; p < end && rc == M3U_OK; line++) {
		eol = p + strcspn(p, "\r\n");
		s = eol < end && eol[0] == '\r' && eol[1] == '\n' ? eol + 2 :
		    eol < end ? eol + 1 : eol;
		*eol = '\0';
		for (; p < eol && is_blank(*p); p++)
			;
		if (strncasecmp(p, "#EXTINF:", 8) == 0) {
			entry_clear(&cur);
			extinf(p, eol, &cur);
			cur.line = line + 1;
			have = 1;
		} else if (strncasecmp(p, "#EXTGRP:", 8) == 0)
			grp = trim(p + 8, eol);
		else if (*p != '#' && p < eol && !have)
			m->bare++;
		else if (*p != '#' && p < eol) {
			cur.url = trim(p, eol);
			cur.url_line = line + 1;
			if (*cur.group == '\0')
				cur.group = grp;
			rc = push(m, &cap, &cur);
			have = 0;
			grp = "";
		}
		p = s;
	}
	if (rc == M3U_OK && m->n == 0)
		rc = M3U_EMPTY;
	return rc;
}

void
m3u_free(struct m3u *m)
{
	free(m->e);
	free(m->text);
	m->e = NULL;
	m->text = NULL;
	m->n = 0;
}

const char *
m3u_status_text(enum m3u_status st)
{
	switch (st) {
	case M3U_OK:
		return "an M3U playlist";
	case M3U_HTML:
		return "a web page (HTML or XML), not an M3U playlist: is the "
		    "URL right, the account still valid?";
	case M3U_BINARY:
		return "binary data (compressed?), not an M3U playlist";
	case M3U_EMPTY:
		return "no #EXTINF entry with a URL: not an extended M3U "
		    "playlist, or an empty one";
	case M3U_TOO_MANY:
		return "more entries than one import takes";
	case M3U_NOMEM:
		break;
	}
	return "out of memory";
}
