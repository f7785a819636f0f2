/*
 * url.c - URI references resolved against the URL (or file path) they were
 * found in, as RFC 3986 section 5.2 says: the one resolver for playlists,
 * MPDs, redirects and passthrough rewriting. Pure: no I/O.
 *
 * A base that is a relative file path (no scheme, no authority, a path not
 * starting with '/') is our one extension: RFC 3986 wants an absolute base,
 * and such a result keeps its dot segments, which only the file system can
 * resolve ("../v.m3u8" next to "master.m3u8" is not "v.m3u8").
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sd.h"
#include "url.h"

/* One part of a reference; p == NULL: the part is undefined. */
struct part {
	const char *p;
	size_t n;
};

/* The five parts of RFC 3986 appendix B (the delimiters left out). */
struct uri {
	struct part scheme, auth, path, query, frag;
};

/* Length of a scheme (RFC 3986 3.1) followed by ':' at s, else 0. */
static size_t
scheme_len(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; isalnum((unsigned char)s[i]) || s[i] == '+' ||
	    s[i] == '-' || s[i] == '.'; i++)
		;
	return s[i] == ':' ? i : 0;
}

static void
split(const char *s, struct uri *u)
{
	size_t n;

	memset(u, 0, sizeof(*u));
	if ((n = scheme_len(s)) > 0) {
		u->scheme = (struct part){ s, n };
		s += n + 1;
	}
	if (s[0] == '/' && s[1] == '/') {
		n = strcspn(s + 2, "/?#");
		u->auth = (struct part){ s + 2, n };
		s += 2 + n;
	}
	n = strcspn(s, "?#");
	u->path = (struct part){ s, n };
	s += n;
	if (*s == '?') {
		n = strcspn(s + 1, "#");
		u->query = (struct part){ s + 1, n };
		s += 1 + n;
	}
	if (*s == '#')
		u->frag = (struct part){ s + 1, strlen(s + 1) };
}

/* Bytes appended to a bounded output; a sticky overflow flag. */
struct out {
	char *p;
	size_t len, cap;
	int over;
};

static void
put(struct out *o, const char *p, size_t n)
{
	if (o->over || n >= o->cap - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* Drop the last segment of the output path, and its '/', from o[from..]. */
static void
drop_segment(struct out *o, size_t from)
{
	while (o->len > from && o->p[o->len - 1] != '/')
		o->len--;
	if (o->len > from)
		o->len--;
	o->p[o->len] = '\0';
}

/* RFC 3986 5.2.4: path (n bytes) without "." and ".." appended to o. */
static void
remove_dots(struct out *o, const char *in, size_t n)
{
	size_t from = o->len, seg;

	while (n > 0 && !o->over) {
		if (n >= 3 && memcmp(in, "../", 3) == 0) {
			in += 3, n -= 3;
		} else if (n >= 2 && memcmp(in, "./", 2) == 0) {
			in += 2, n -= 2;
		} else if ((n >= 3 && memcmp(in, "/./", 3) == 0) ||
		    (n == 2 && memcmp(in, "/.", 2) == 0)) {
			in += 2, n -= 2;	/* leaves "/..." or "" */
			if (n == 0)
				put(o, "/", 1);
		} else if ((n >= 4 && memcmp(in, "/../", 4) == 0) ||
		    (n == 3 && memcmp(in, "/..", 3) == 0)) {
			in += 3, n -= 3;
			drop_segment(o, from);
			if (n == 0)
				put(o, "/", 1);
		} else if ((n == 1 && in[0] == '.') ||
		    (n == 2 && memcmp(in, "..", 2) == 0)) {
			n = 0;
		} else {
			seg = in[0] == '/';
			while (seg < n && in[seg] != '/')
				seg++;
			put(o, in, seg);
			in += seg, n -= seg;
		}
	}
}

/*
 * RFC 3986 5.2.3 with 5.2.4: the reference's relative path under the
 * base's folder, appended to o.
 */
static void
merge(struct out *o, const struct uri *b, const struct uri *r, int dots)
{
	const char *bp = b->path.p;
	size_t dir = b->path.n, n;
	char *tmp;

	while (dir > 0 && bp[dir - 1] != '/')
		dir--;
	if (!dots) {
		put(o, bp, dir);
		put(o, r->path.p, r->path.n);
		return;
	}
	if (b->auth.p != NULL && b->path.n == 0) {
		bp = "/";
		dir = 1;
	}
	n = dir + r->path.n;
	if ((tmp = malloc(n + 1)) == NULL) {
		o->over = 1;
		return;
	}
	memcpy(tmp, bp, dir);
	memcpy(tmp + dir, r->path.p, r->path.n);
	remove_dots(o, tmp, n);
	free(tmp);
}

static void
put_part(struct out *o, const char *before, const struct part *x,
    const char *after)
{
	if (x->p == NULL)
		return;
	put(o, before, strlen(before));
	put(o, x->p, x->n);
	put(o, after, strlen(after));
}

/* A file path relative to the working folder: dots stay for the kernel. */
static int
relative_file(const struct uri *b)
{
	return b->scheme.p == NULL && b->auth.p == NULL &&
	    (b->path.n == 0 || b->path.p[0] != '/');
}

/* RFC 3986 5.2.2 and 5.3: the target of r against b into o. */
static void
resolve(struct out *o, const struct uri *b, const struct uri *r)
{
	const struct uri *own = r->scheme.p || r->auth.p ? r : b;
	const struct part *q = &r->query;

	put_part(o, "", r->scheme.p ? &r->scheme : &b->scheme, ":");
	put_part(o, "//", &own->auth, "");
	if (own == r || (r->path.n > 0 && r->path.p[0] == '/'))
		remove_dots(o, r->path.p, r->path.n);
	else if (r->path.n == 0) {
		put(o, b->path.p, b->path.n);
		if (q->p == NULL)
			q = &b->query;
	} else
		merge(o, b, r, !relative_file(b));
	put_part(o, "?", q, "");
	put_part(o, "#", &r->frag, "");
}

int
sd_url_resolve(const char *base, const char *ref, char *out, size_t len)
{
	struct uri b, r;
	struct out o = { out, 0, len, 0 };

	if (len == 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[0] = '\0';
	split(base, &b);
	split(ref, &r);
	resolve(&o, &b, &r);
	if (o.over) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
sd_url_is_http(const char *s)
{
	return s != NULL && (strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0);
}
