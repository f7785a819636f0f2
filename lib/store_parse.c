/*
 * store_parse.c - reading the store's index (sd-store(5)): one table of
 * fields per record type, every number bounded, each line checked as
 * store.c checks a record, errors named index:line.
 *
 * Apart from store.c because it is the part that faces hostile bytes: a
 * reader that sd-serve runs per request, and the fuzzer's target.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "store_int.h"
#include "util_int.h"
#include "store.h"

#define INDEX_MAX	(64u << 20)	/* 500000 segment lines fit easily */
#define LINE_MAX_LEN	4096
#define FIELDS_MAX	32

struct ctx {
	const char *name;
	size_t line;
};

struct field {
	char *key;
	char *val;
};

static void
bad(const struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bad(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sd_vwarn_at(c->name, (long long)c->line, fmt, ap);
	va_end(ap);
}

/* Split "word k=v k=v" on blanks; returns the number of fields or -1. */
static int
split_fields(const struct ctx *c, char *line, char **word,
    struct field *f, int max)
{
	char *tok, *eq, *save = NULL;
	int n = 0;

	*word = strtok_r(line, " \t", &save);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if ((eq = strchr(tok, '=')) == NULL || eq == tok) {
			bad(c, "expected key=value, got \"%.40s\"", tok);
			return -1;
		}
		if (n == max) {
			bad(c, "more than %d fields", max);
			return -1;
		}
		*eq = '\0';
		f[n].key = tok;
		f[n].val = eq + 1;
		n++;
	}
	return n;
}

/*
 * Fields of each record type, parsed by one table walk; keys a table does
 * not name are ignored (later writers may add some).
 */
enum kind { K_INT, K_DEC, K_STR };

struct spec {
	const char *key;
	enum kind kind;
	size_t off, size;
	double min, max;
};

#define F_INT(type, k, field, lo, hi) \
	{ k, K_INT, offsetof(type, field), sizeof(((type *)0)->field), lo, hi }
#define F_DEC(type, k, field, lo, hi) \
	{ k, K_DEC, offsetof(type, field), sizeof(double), lo, hi }
#define F_STR(type, k, field) \
	{ k, K_STR, offsetof(type, field), sizeof(((type *)0)->field), 0, 0 }

static const struct spec store_spec[] = {
	F_INT(struct sd_store, "live", live, 0, 1),
	F_INT(struct sd_store, "ended", ended, 0, 1),
	F_DEC(struct sd_store, "target", target, 0.001, 3600),
	F_INT(struct sd_store, "window", window, 0, 100000),
	F_DEC(struct sd_store, "start", start, 0, 1e11),
	F_INT(struct sd_store, "discseq", discseq, 0, SEQ_MAX),
	F_DEC(struct sd_store, "longest", longest, 0, LONGEST_MAX),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

static const struct spec gen_spec[] = {
	F_INT(struct sd_store_gen, "seq", seq, 0, SEQ_MAX),
	F_DEC(struct sd_store_gen, "start", start, 0, 1e12),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

static const struct spec track_spec[] = {
	F_STR(struct sd_store_track, "id", id),
	F_STR(struct sd_store_track, "type", type),
	F_STR(struct sd_store_track, "codec", codec),
	F_STR(struct sd_store_track, "codecs", codecs),
	F_INT(struct sd_store_track, "timescale", timescale, 1, UINT32_MAX),
	F_INT(struct sd_store_track, "width", width, 0, 65535),
	F_INT(struct sd_store_track, "height", height, 0, 65535),
	F_STR(struct sd_store_track, "frame_rate", frame_rate),
	F_INT(struct sd_store_track, "sample_rate", sample_rate, 0, 1000000),
	F_INT(struct sd_store_track, "channels", channels, 0, 64),
	F_INT(struct sd_store_track, "bandwidth", bandwidth, 0, BW_MAX),
	F_INT(struct sd_store_track, "avg_bandwidth", avg_bandwidth, 0,
	    BW_MAX),
	F_STR(struct sd_store_track, "lang", lang),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

static const struct spec header_spec[] = {
	F_STR(struct sd_store_header, "track", track),
	F_STR(struct sd_store_header, "file", file),
	F_STR(struct sd_store_header, "codecs", codecs),
	F_INT(struct sd_store_header, "width", width, 0, 65535),
	F_INT(struct sd_store_header, "height", height, 0, 65535),
	F_STR(struct sd_store_header, "frame_rate", frame_rate),
	F_INT(struct sd_store_header, "sample_rate", sample_rate, 0, 1000000),
	F_INT(struct sd_store_header, "channels", channels, 0, 64),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

/* "track" is looked up by name, outside the table. */
static const struct spec seg_spec[] = {
	F_INT(struct sd_store_seg, "seq", seq, 0, SEQ_MAX),
	F_INT(struct sd_store_seg, "t", t, 0, T_MAX),
	F_INT(struct sd_store_seg, "d", d, 1, D_MAX),
	F_INT(struct sd_store_seg, "bytes", bytes, 0, BYTES_MAX),
	F_STR(struct sd_store_seg, "file", file),
	F_STR(struct sd_store_seg, "init", init),
	F_INT(struct sd_store_seg, "disc", disc, 0, 1),
	{ NULL, K_INT, 0, 0, 0, 0 }
};

/* Store a checked, non-negative integer into a field of any width. */
static void
put_int(void *dst, size_t size, long long v)
{
	uint8_t u8 = (uint8_t)v;
	uint32_t u32 = (uint32_t)v;
	uint64_t u64 = (uint64_t)v;

	if (size == 1)
		memcpy(dst, &u8, 1);
	else if (size == 4)
		memcpy(dst, &u32, 4);
	else
		memcpy(dst, &u64, 8);
}

static int
get_int(const struct ctx *c, const struct field *f, const struct spec *sp,
    void *dst)
{
	const char *errstr;
	long long v;

	v = sd_strtonum(f->val, (long long)sp->min, (long long)sp->max,
	    &errstr);
	if (errstr != NULL) {
		bad(c, "%s=%.40s: %s", f->key, f->val, errstr);
		return -1;
	}
	put_int(dst, sp->size, v);
	return 0;
}

/* A plain decimal, digits[.digits]: no sign, exponent, hex, inf or nan. */
static int
get_dec(const struct ctx *c, const struct field *f, const struct spec *sp,
    double *out)
{
	const char *p = f->val, *ip;
	double v = 0, scale = 1;

	for (ip = p; *p >= '0' && *p <= '9' && p - ip < 15; p++)
		v = v * 10 + (*p - '0');
	if (p == ip)
		goto fail;
	if (*p == '.') {
		for (ip = ++p; *p >= '0' && *p <= '9' && p - ip < 9; p++)
			v += (*p - '0') * (scale /= 10);
		if (p == ip)
			goto fail;
	}
	if (*p != '\0')
		goto fail;
	if (v < sp->min || v > sp->max) {
		bad(c, "%s=%.40s: out of range", f->key, f->val);
		return -1;
	}
	*out = v;
	return 0;
fail:
	bad(c, "%s=%.40s: not a decimal number", f->key, f->val);
	return -1;
}

static int
get_fields(const struct ctx *c, const struct field *f, int n,
    const struct spec *spec, void *obj)
{
	const struct spec *sp;
	char *dst;
	int i;

	for (i = 0; i < n; i++) {
		for (sp = spec; sp->key && strcmp(sp->key, f[i].key); sp++)
			;
		if (sp->key == NULL)
			continue;
		dst = (char *)obj + sp->off;
		if (sp->kind == K_INT && get_int(c, &f[i], sp, dst) == -1)
			return -1;
		if (sp->kind == K_DEC &&
		    get_dec(c, &f[i], sp, (double *)(void *)dst) == -1)
			return -1;
		if (sp->kind == K_STR && strlcpy(dst, f[i].val, sp->size) >=
		    sp->size) {
			bad(c, "%s: longer than %zu bytes", f[i].key,
			    sp->size - 1);
			return -1;
		}
	}
	return 0;
}

static int
parse_store(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	if (get_fields(c, f, n, store_spec, st) == -1)
		return -1;
	if (st->target == 0) {
		bad(c, "store: target missing");
		return -1;
	}
	return 0;
}

static int
parse_gen(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	struct sd_store_gen g = { 0, 0 };

	if (get_fields(c, f, n, gen_spec, &g) == -1)
		return -1;
	if (st->ngens == SD_STORE_MAX_GENS) {
		bad(c, "more than %d gen lines", SD_STORE_MAX_GENS);
		return -1;
	}
	if (st->ngens > 0 && g.seq <= st->gens[st->ngens - 1].seq) {
		bad(c, "gen seq=%llu out of order", (unsigned long long)g.seq);
		return -1;
	}
	st->gens[st->ngens++] = g;
	return 0;
}

static int
parse_track(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	struct sd_store_track t;
	const char *why;

	memset(&t, 0, sizeof(t));
	if (get_fields(c, f, n, track_spec, &t) == -1)
		return -1;
	if ((why = store_track_problem(&t)) != NULL) {
		bad(c, "track %.16s: %s", t.id, why);
		return -1;
	}
	if (sd_store_track_index(st, t.id) != -1) {
		bad(c, "track %s listed twice", t.id);
		return -1;
	}
	if (st->ntracks == SD_STORE_MAX_TRACKS) {
		bad(c, "more than %d tracks", SD_STORE_MAX_TRACKS);
		return -1;
	}
	st->tracks[st->ntracks++] = t;
	return 0;
}

static int
parse_header(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	struct sd_store_header h;
	const char *why;

	memset(&h, 0, sizeof(h));
	if (get_fields(c, f, n, header_spec, &h) == -1)
		return -1;
	if (sd_store_track_index(st, h.track) == -1) {
		bad(c, "header track=%.16s: no such track", h.track);
		return -1;
	}
	if ((why = store_header_problem(&h)) != NULL) {
		bad(c, "header %.47s: %s", h.file, why);
		return -1;
	}
	if (st->nhdrs == SD_STORE_MAX_HEADERS) {
		bad(c, "more than %d header lines", SD_STORE_MAX_HEADERS);
		return -1;
	}
	return sd_store_note_header(st, &h);
}

static int
seg_track(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		if (strcmp(f[i].key, "track") != 0)
			continue;
		if ((k = sd_store_track_index(st, f[i].val)) == -1)
			bad(c, "track=%.16s: no such track", f[i].val);
		return k;
	}
	bad(c, "seg without track=");
	return -1;
}

static int
parse_seg(struct sd_store *st, const struct ctx *c, const struct field *f,
    int n)
{
	struct sd_store_seg s;
	char why[160];
	int k;

	memset(&s, 0, sizeof(s));
	if ((k = seg_track(st, c, f, n)) == -1 ||
	    get_fields(c, f, n, seg_spec, &s) == -1)
		return -1;
	s.track = (uint8_t)k;
	if (s.d == 0 || s.file[0] == '\0') {
		bad(c, "seg: d and file are required");
		return -1;
	}
	if (store_seg_problem(st, &s, store_last_of_track(st, s.track), why,
	    sizeof(why)) == -1) {
		bad(c, "%s", why);
		return -1;
	}
	if (st->nsegs >= SD_STORE_MAX_SEGS) {
		bad(c, "more than %d segments", SD_STORE_MAX_SEGS);
		return -1;
	}
	return sd_store_add_seg(st, &s);
}

/* The first line: "sd-store 1"; a later major version is refused. */
static int
check_version(const struct ctx *c, const char *line)
{
	size_t n = strlen(line);

	if (n >= 10 && memcmp(line, "sd-store 1", 10) == 0 &&
	    (n == 10 || line[10] == ' ' || line[10] == '\t'))
		return 0;
	if (n >= 9 && memcmp(line, "sd-store ", 9) == 0)
		bad(c, "unsupported index version \"%.20s\"", line + 9);
	else
		bad(c, "not a store index (no \"sd-store 1\" line)");
	return -1;
}

static int
parse_line(struct sd_store *st, const struct ctx *c, char *line,
    int *state)
{
	struct field f[FIELDS_MAX];
	char *word;
	int n;

	line = sd_trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	if (*state == 0) {
		*state = 1;
		return check_version(c, line);
	}
	if ((n = split_fields(c, line, &word, f, FIELDS_MAX)) == -1)
		return -1;
	if (strcmp(word, "store") == 0) {
		if (*state != 1) {
			bad(c, "a second store line");
			return -1;
		}
		*state = 2;
		return parse_store(st, c, f, n);
	}
	if (*state == 1 && (strcmp(word, "track") == 0 ||
	    strcmp(word, "seg") == 0 || strcmp(word, "gen") == 0 ||
	    strcmp(word, "header") == 0)) {
		bad(c, "%s before the store line", word);
		return -1;
	}
	if (strcmp(word, "gen") == 0)
		return parse_gen(st, c, f, n);
	if (strcmp(word, "track") == 0)
		return parse_track(st, c, f, n);
	if (strcmp(word, "header") == 0)
		return parse_header(st, c, f, n);
	if (strcmp(word, "seg") == 0)
		return parse_seg(st, c, f, n);
	return 0;		/* a record type from a later writer */
}

int
sd_store_parse(struct sd_store *st, const char *buf, size_t len,
    const char *name)
{
	char line[LINE_MAX_LEN];
	struct ctx c = { name, 0 };
	size_t start = 0, end, n;
	int state = 0;

	sd_store_free(st);
	while (start < len) {
		for (end = start; end < len && buf[end] != '\n'; end++)
			;
		n = end - start;
		c.line++;
		if (n >= sizeof(line)) {
			bad(&c, "line longer than %d bytes", LINE_MAX_LEN - 1);
			return -1;
		}
		if (memchr(buf + start, '\0', n) != NULL) {
			bad(&c, "NUL byte");
			return -1;
		}
		memcpy(line, buf + start, n);
		line[n] = '\0';
		if (parse_line(st, &c, line, &state) == -1)
			return -1;
		start = end + 1;
	}
	if (state < 2) {
		c.line++;
		bad(&c, state == 0 ? "empty index" : "no store line");
		return -1;
	}
	return 0;
}

int
sd_store_read(struct sd_store *st, const char *dir)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int rv, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/index", dir) >=
	    sizeof(path)) {
		warnx("%s: path too long", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (sd_read_file(path, INDEX_MAX, &buf, &len) == -1) {
		saved = errno;
		warn("%s", path);
		errno = saved;
		return -1;
	}
	rv = sd_store_parse(st, buf, len, path);
	free(buf);
	if (rv == -1)
		errno = EINVAL;
	return rv;
}
