/*
 * util.c - records, buffers, atomic files, number parsing and the small
 * things every part of libsd uses (clocks, a bounded write, JSON strings,
 * path:line messages, frame rates), each written once here.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "bytes.h"
#include "util_int.h"

#define REC_LINE_MAX 8192
#define REC_LINES_MAX 4096
#define BUF_CAP_MAX (64u << 20)	/* no manifest or record is near 64 MiB */

/* ---------------------------------------------------------------- buffers */

void
sd_buf_init(struct sd_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
sd_buf_free(struct sd_buf *b)
{
	free(b->p);
	sd_buf_init(b);
}

static int
buf_reserve(struct sd_buf *b, size_t extra)
{
	void *p = b->p;

	if (b->failed)
		return -1;
	if (extra > BUF_CAP_MAX || b->len + extra + 1 > BUF_CAP_MAX ||
	    sd_grow(&p, &b->cap, b->len + extra + 1, 256) == -1) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	return 0;
}

int
sd_buf_append(struct sd_buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int
buf_vprintf(struct sd_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1) {
		b->failed = 1;
		return -1;
	}
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
sd_buf_printf(struct sd_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rv;

	va_start(ap, fmt);
	rv = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rv;
}

/* ---------------------------------------------------------------- records */

void
sd_rec_init(struct sd_rec *r)
{
	memset(r, 0, sizeof(*r));
}

void
sd_rec_free(struct sd_rec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->kv[i].key);
		free(r->kv[i].value);
	}
	free(r->kv);
	sd_rec_init(r);
}

/* Values never hold a newline: a record is one key a line. */
static void
flatten(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static int
rec_push(struct sd_rec *r, const char *key, char *value, int multi)
{
	struct sd_kv *kv;
	size_t cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 16;
		if (cap > REC_LINES_MAX * 4 ||
		    (kv = reallocarray(r->kv, cap, sizeof(*kv))) == NULL) {
			free(value);
			return -1;
		}
		r->kv = kv;
		r->cap = cap;
	}
	if ((r->kv[r->n].key = strdup(key)) == NULL) {
		free(value);
		return -1;
	}
	flatten(value);
	r->kv[r->n].value = value;
	r->kv[r->n].multi = multi;
	r->n++;
	return 0;
}

static char *
vformat(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) == -1)
		return NULL;
	return s;
}

int
sd_rec_add(struct sd_rec *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = vformat(fmt, ap);
	va_end(ap);
	return v ? rec_push(r, key, v, 0) : -1;
}

int
sd_rec_addm(struct sd_rec *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = vformat(fmt, ap);
	va_end(ap);
	return v ? rec_push(r, key, v, 1) : -1;
}

int
sd_rec_set(struct sd_rec *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v;
	size_t i;

	va_start(ap, fmt);
	v = vformat(fmt, ap);
	va_end(ap);
	if (v == NULL)
		return -1;
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->kv[i].key, key) == 0) {
			flatten(v);
			free(r->kv[i].value);
			r->kv[i].value = v;
			return 0;
		}
	}
	return rec_push(r, key, v, 0);
}

const char *
sd_rec_get_nth(const struct sd_rec *r, const char *key, size_t nth)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->kv[i].key, key) == 0 && nth-- == 0)
			return r->kv[i].value;
	return NULL;
}

const char *
sd_rec_get(const struct sd_rec *r, const char *key)
{
	return sd_rec_get_nth(r, key, 0);
}

size_t
sd_rec_count(const struct sd_rec *r, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->kv[i].key, key) == 0)
			n++;
	return n;
}

/* A JSON number as RFC 8259 spells it (no leading zeros, no "+", no hex). */
static int
is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (isdigit((unsigned char)*s))
		while (isdigit((unsigned char)*s))
			s++;
	else
		return 0;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

int
sd_json_string(struct sd_buf *b, const char *s)
{
	sd_buf_append(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			sd_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			sd_buf_printf(b, "\\u%04x", c);
		else
			sd_buf_append(b, s, 1);
	}
	return sd_buf_append(b, "\"", 1);
}

static void
json_value(struct sd_buf *b, const char *v)
{
	if (is_json_number(v))
		sd_buf_printf(b, "%s", v);
	else
		sd_json_string(b, v);
}

static int
seen_before(const struct sd_rec *r, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(r->kv[j].key, r->kv[i].key) == 0)
			return 1;
	return 0;
}

static int
is_multi(const struct sd_rec *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->kv[i].key, key) == 0 &&
		    (r->kv[i].multi || sd_rec_count(r, key) > 1))
			return 1;
	return 0;
}

/*
 * Keys in first-seen order; repeated or multi keys become arrays of strings;
 * a single value that reads as a number is a JSON number.
 */
static void
format_json(const struct sd_rec *r, struct sd_buf *b)
{
	size_t i, j;
	int first = 1, firstv;

	sd_buf_append(b, "{", 1);
	for (i = 0; i < r->n; i++) {
		if (seen_before(r, i))
			continue;
		sd_buf_printf(b, "%s", first ? "\n  " : ",\n  ");
		first = 0;
		sd_json_string(b, r->kv[i].key);
		sd_buf_printf(b, ": ");
		if (!is_multi(r, r->kv[i].key)) {
			json_value(b, r->kv[i].value);
			continue;
		}
		sd_buf_append(b, "[", 1);
		firstv = 1;
		for (j = i; j < r->n; j++) {
			if (strcmp(r->kv[j].key, r->kv[i].key) != 0)
				continue;
			if (!firstv)
				sd_buf_printf(b, ", ");
			firstv = 0;
			/* A list is one type: strings, even "1" (ffmpeg_arg=). */
			sd_json_string(b, r->kv[j].value);
		}
		sd_buf_append(b, "]", 1);
	}
	sd_buf_printf(b, "%s", first ? "}\n" : "\n}\n");
}

int
sd_rec_print(const struct sd_rec *r, FILE *fp, int json)
{
	struct sd_buf b;
	size_t i;

	if (json) {
		sd_buf_init(&b);
		format_json(r, &b);
		if (b.failed || fwrite(b.p, 1, b.len, fp) != b.len) {
			sd_buf_free(&b);
			return -1;
		}
		sd_buf_free(&b);
	} else
		for (i = 0; i < r->n; i++)
			fprintf(fp, "%s=%s\n", r->kv[i].key, r->kv[i].value);
	return ferror(fp) ? -1 : 0;
}

static int
rec_parse_line(struct sd_rec *r, char *line, const char *name, size_t lineno)
{
	char *eq, *v;

	line = sd_trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	if ((eq = strchr(line, '=')) == NULL || eq == line) {
		sd_warn_at(name, (long long)lineno, "expected key=value");
		return -1;
	}
	*eq = '\0';
	if ((v = strdup(eq + 1)) == NULL)
		return -1;
	return rec_push(r, sd_trim(line), v, 0);
}

int
sd_rec_parse(struct sd_rec *r, const char *buf, size_t len, const char *name)
{
	char line[REC_LINE_MAX];
	size_t lineno = 0, start = 0, end, n;

	while (start < len) {
		for (end = start; end < len && buf[end] != '\n'; end++)
			;
		n = end - start;
		lineno++;
		if (n >= sizeof(line)) {
			sd_warn_at(name, (long long)lineno,
			    "line longer than %d bytes", REC_LINE_MAX - 1);
			return -1;
		}
		if (lineno > REC_LINES_MAX) {
			sd_warn_at(name, (long long)lineno,
			    "more than %d lines", REC_LINES_MAX);
			return -1;
		}
		memcpy(line, buf + start, n);
		line[n] = '\0';
		if (rec_parse_line(r, line, name, lineno) == -1)
			return -1;
		start = end + 1;
	}
	return 0;
}

int
sd_rec_read(struct sd_rec *r, FILE *fp, const char *name)
{
	struct sd_buf b;
	char chunk[4096];
	size_t n;
	int rv;

	sd_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (b.len + n > (size_t)REC_LINE_MAX * REC_LINES_MAX ||
		    sd_buf_append(&b, chunk, n) == -1) {
			warnx("%s: record too large", name);
			sd_buf_free(&b);
			return -1;
		}
	}
	if (ferror(fp)) {
		warn("%s", name);
		sd_buf_free(&b);
		return -1;
	}
	rv = sd_rec_parse(r, b.p ? b.p : "", b.len, name);
	sd_buf_free(&b);
	return rv;
}

/* ---------------------------------------------------------------- files */

int
sd_write_atomic(const char *path, const void *buf, size_t len, int mode,
    int durable)
{
	char tmp[PATH_MAX];
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1)
		return -1;
	if (sd_write_all(fd, buf, len, -1) == -1 ||
	    fchmod(fd, (mode_t)mode) == -1 ||
	    (durable && fsync(fd) == -1)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

int
sd_read_file(const char *path, size_t max, char **bufp, size_t *lenp)
{
	struct sd_buf b;
	char chunk[8192];
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	sd_buf_init(&b);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b.len + (size_t)n > max) {
			n = -1;
			errno = EFBIG;
			break;
		}
		if (sd_buf_append(&b, chunk, (size_t)n) == -1) {
			n = -1;
			errno = ENOMEM;
			break;
		}
	}
	saved = errno;
	close(fd);
	if (n < 0) {
		sd_buf_free(&b);
		errno = saved;
		return -1;
	}
	if (b.p == NULL && sd_buf_append(&b, "", 0) == -1)
		return -1;
	*bufp = b.p;
	*lenp = b.len;
	return 0;
}

/* ---------------------------------------------------------------- strings */

int
sd_copy_trimmed(const char *s, char *buf, size_t size)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= size)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

long long
sd_strtonum(const char *s, long long min, long long max, const char **errstr)
{
	char buf[64];

	if (sd_copy_trimmed(s, buf, sizeof(buf)) == -1) {
		*errstr = "invalid";
		return 0;
	}
	return strtonum(buf, min, max, errstr);
}

char *
sd_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int
sd_safe_name(const char *name)
{
	const char *p;

	if (*name == '\0' || *name == '.' || strlen(name) >= SD_NAME_MAX * 4)
		return 0;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' &&
		    *p != '-')
			return 0;
	return strstr(name, "..") == NULL;
}

/* ---------------------------------------------------------------- names */

/* Edits (insert, delete, substitute; case-blind) from a to b, capped. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t row[SD_NAME_MAX + 1], la = strlen(a), lb = strlen(b), i, j;
	size_t diag, up, cost;

	if (la > SD_NAME_MAX || lb > SD_NAME_MAX)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			row[j] = diag + cost;
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * The one of names that word most likely means: the same but for case, else
 * the only one nearest within two edits (one for words of up to four
 * letters). NULL when none is, or two are as near.
 */
const char *
sd_near_name(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t i, d, bestd = SIZE_MAX, most = strlen(word) <= 4 ? 1 : 2;
	int tie = 0;

	for (i = 0; i < n; i++)
		if (strcasecmp(word, names[i]) == 0)
			return names[i];
	for (i = 0; i < n; i++) {
		d = edit_distance(word, names[i]);
		if (d < bestd) {
			bestd = d;
			best = names[i];
			tie = 0;
		} else if (d == bestd)
			tie = 1;
	}
	return bestd <= most && !tie ? best : NULL;
}

/* ---------------------------------------------------------------- siblings */

#ifndef SD_LIBEXECDIR
#define SD_LIBEXECDIR "/usr/local/libexec/sd"
#endif
#ifndef SD_BINDIR
#define SD_BINDIR "/usr/local/bin"
#endif

static char sibling_dir[PATH_MAX];

void
sd_sibling_dir(const char *dir)
{
	strlcpy(sibling_dir, dir != NULL ? dir : "", sizeof(sibling_dir));
}

/* The one way sibling programs are found (util_int.h). */
int
sd_sibling_path(const char *name, char *out, size_t len)
{
	const char *dirs[] = { sibling_dir, SD_LIBEXECDIR, SD_BINDIR };
	char self[PATH_MAX], *slash;
	ssize_t n;
	size_t i;
	int w;

	if (sibling_dir[0] == '\0' && (n = readlink("/proc/self/exe", self,
	    sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			dirs[0] = self;
		}
	}
	for (i = 0; i < SD_ARRAY_LEN(dirs); i++) {
		if (dirs[i][0] == '\0')
			continue;
		w = snprintf(out, len, "%s/%s", dirs[i], name);
		if (w > 0 && (size_t)w < len && access(out, X_OK) == 0)
			return 0;
	}
	if (strlcpy(out, name, len) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * The top of the build tree the running program comes from, when it is not
 * installed: the nearest folder above its own (bin/ of a plain build, or
 * build/san/bin/) that holds etc/system/profiles.ini and lib/sd.h, three
 * levels up at most. -1 when there is none (an installed program).
 */
int
sd_build_tree(char *out, size_t len)
{
	char self[PATH_MAX], probe[PATH_MAX + 32], *slash;
	ssize_t n;
	int up;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -1;
	self[n] = '\0';
	for (up = 0; up < 4; up++) {
		if ((slash = strrchr(self, '/')) == NULL || slash == self)
			return -1;
		*slash = '\0';
		if (up == 0)
			continue;	/* the program itself */
		snprintf(probe, sizeof(probe), "%s/etc/system/profiles.ini",
		    self);
		if (access(probe, R_OK) != 0)
			continue;
		snprintf(probe, sizeof(probe), "%s/lib/sd.h", self);
		if (access(probe, R_OK) != 0)
			continue;
		return strlcpy(out, self, len) < len ? 0 : -1;
	}
	return -1;
}

/* ---------------------------------------------------------------- clocks */

static long long
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
sd_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

long long
sd_real_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int
sd_pathf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

double
sd_mono_s(void)
{
	return (double)sd_mono_ms() / 1000;
}

double
sd_real_s(void)
{
	return (double)sd_real_ms() / 1000;
}

/* ---------------------------------------------------------------- writes */

int
sd_wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rv;

	do
		rv = poll(&pfd, 1, timeout_ms);
	while (rv == -1 && errno == EINTR);
	if (rv == 0)
		errno = ETIMEDOUT;
	return rv > 0 ? 0 : -1;
}

/* send(2) without SIGPIPE on a socket, write(2) on anything else. */
static ssize_t
write_some(int fd, const char *p, size_t len, int *not_socket)
{
	ssize_t n;

	if (!*not_socket) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n != -1 || errno != ENOTSOCK)
			return n;
		*not_socket = 1;
	}
	return write(fd, p, len);
}

int
sd_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;
	int not_socket = 0;
	ssize_t n;

	while (len > 0) {
		if (timeout_ms >= 0 && sd_wait_fd(fd, POLLOUT, timeout_ms) == -1)
			return -1;
		n = write_some(fd, p, len, &not_socket);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			/* Non-blocking without a timeout: wait as asked. */
			if (timeout_ms < 0 && sd_wait_fd(fd, POLLOUT, -1) == -1)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---------------------------------------------------------------- messages */

void
sd_vwarn_at(const char *path, long long line, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		warnx("%s:%lld: %s", path, line, msg);
	else
		warnx("%s: %s", path, msg);
}

void
sd_warn_at(const char *path, long long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sd_vwarn_at(path, line, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- rates */

/* 1 to max decimal digits at *s (advanced past them) into *v; else -1. */
static int
digits(const char **s, size_t max, long long *v)
{
	size_t n = strspn(*s, "0123456789"), i;

	if (n == 0 || n > max)
		return -1;
	for (*v = 0, i = 0; i < n; i++)
		*v = *v * 10 + ((*s)[i] - '0');
	*s += n;
	return 0;
}

static int
only_blanks(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

int
sd_frame_rate_parse(const char *s, long long *num, long long *den)
{
	const char *frac;
	size_t places, i;

	s += strspn(s, " \t");
	if (digits(&s, 9, num) == -1)
		return -1;
	*den = 1;
	if (only_blanks(s))
		return 0;
	frac = s + 1;
	if (*s == '/')
		return digits(&frac, 9, den) == 0 && *den > 0 &&
		    only_blanks(frac) ? 0 : -1;
	places = strspn(frac, "0123456789");
	if (*s != '.' || places == 0 || !only_blanks(frac + places))
		return -1;
	/* 29.97: 2997/100; places past the ninth are not counted. */
	for (i = 0; i < places && i < 9; i++) {
		*num = *num * 10 + (frac[i] - '0');
		*den *= 10;
	}
	return 0;
}

/* 1 when s is a frame rate a video can have (above 0, at most
 * SD_MAX_FRAME_RATE): what sd-decide accepts. */
int
sd_frame_rate_ok(const char *s)
{
	long long num, den;

	return s != NULL && sd_frame_rate_parse(s, &num, &den) == 0 &&
	    num > 0 && num <= SD_MAX_FRAME_RATE * den;
}

double
sd_frame_rate_value(const char *s)
{
	long long num, den;

	if (s == NULL || sd_frame_rate_parse(s, &num, &den) == -1)
		return 0;
	return (double)num / (double)den;
}

/* Every fd from lowfd up closed (a child keeps only what it is given). */
void
sd_close_from(int lowfd)
{
	if (close_range((unsigned)lowfd, ~0U, 0) == -1) {
		long max = sysconf(_SC_OPEN_MAX);
		int fd;

		for (fd = lowfd; fd < (max > 0 && max < 65536 ? max : 1024);
		    fd++)
			close(fd);
	}
}
