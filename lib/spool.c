/*
 * spool.c - the spool of sd-relay(7): paths under SPOOL, locks, activity
 * stamps and state records of the sessions, and the relay's clock. The
 * bottom of the relay: the ring, the client count, the supervisors and the
 * start path all stand on it, and it calls none of them (spool.h).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "spool.h"

/* ---------------------------------------------------------------- clock */

void
sd_relay_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---------------------------------------------------------------- paths */

int
sd_spool_path(char *out, size_t len, const char *spool, const char *proxy,
    const char *name)
{
	int n;

	if (!sd_safe_name(proxy)) {
		errno = EINVAL;
		return -1;
	}
	if (name != NULL)
		n = snprintf(out, len, "%s/%s/%s", spool, proxy, name);
	else
		n = snprintf(out, len, "%s/%s", spool, proxy);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* DIR plus a suffix: SPOOL/PROXY/VAR -> SPOOL/PROXY/VAR.used */
static int
suffixed(char *out, size_t len, const char *dir, const char *suffix)
{
	int n = snprintf(out, len, "%s%s", dir, suffix);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
sd_spool_mkdirs(const char *path)
{
	char p[PATH_MAX], *s;

	if (strlcpy(p, path, sizeof(p)) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) == -1 && errno != EEXIST ? -1 : 0;
}

/*
 * Outside SPOOL/PROXY, which the upstream session removes at its idle end:
 * the numbers must outlive the stores they number (livenum.h).
 */
int
sd_spool_numbers_path(char *out, size_t len, const char *spool,
    const char *proxy, const char *variant)
{
	if (!sd_safe_name(proxy) || !sd_safe_name(variant)) {
		errno = EINVAL;
		return -1;
	}
	if (sd_pathf(out, len, "%s/.numbers", spool) == -1 ||
	    sd_spool_mkdirs(out) == -1)
		return -1;
	return sd_pathf(out, len, "%s/.numbers/%s@%s", spool, proxy, variant);
}

/* Remove a folder of plain files and folders of plain files, bounded. */
int
sd_spool_rmtree(const char *path, int depth)
{
	DIR *d = NULL;
	struct dirent *de;
	char p[PATH_MAX];
	int fd;

	/*
	 * Never through a symbolic link: opendir() followed SPOOL/PROXY/x ->
	 * /elsewhere and the session's cleanup emptied /elsewhere
	 * (security.t). A link, like any non-folder, is unlinked itself.
	 */
	if (depth <= 4 && (fd = open(path, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) != -1 && (d = fdopendir(fd)) == NULL)
		close(fd);
	if (d == NULL)
		return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (sd_pathf(p, sizeof(p), "%s/%s", path,
		    de->d_name) == -1)
			continue;
		if (de->d_type == DT_DIR)
			sd_spool_rmtree(p, depth + 1);
		else
			unlink(p);
	}
	closedir(d);
	return rmdir(path) == -1 && errno != ENOENT ? -1 : 0;
}

/* Plain files of dir older than max_age s are removed (all: max_age < 0). */
void
sd_spool_trim(const char *dir, double max_age)
{
	sd_spool_cap(dir, max_age, LLONG_MAX, SIZE_MAX);
}

/* What a session's variant may be called: not one of the spool's folders. */
int
sd_spool_variant_ok(const char *variant)
{
	return sd_safe_name(variant) && strlen(variant) < SD_NAME_MAX &&
	    strcmp(variant, "clients") != 0 && strcmp(variant, "classify") != 0;
}

/* ---------------------------------------------------------------- stamps */

int
sd_session_touch(const char *dir)
{
	char p[PATH_MAX];
	int fd;

	if (suffixed(p, sizeof(p), dir, ".used") == -1)
		return -1;
	if (utimensat(AT_FDCWD, p, NULL, 0) == 0)
		return 0;
	if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* Seconds since dir was last used; a large number when never. */
double
sd_session_idle(const char *dir)
{
	char p[PATH_MAX];
	struct stat sb;

	if (suffixed(p, sizeof(p), dir, ".used") == -1 || stat(p, &sb) == -1)
		return 1e9;
	return sd_real_s() - ((double)sb.st_mtim.tv_sec +
	    sb.st_mtim.tv_nsec / 1e9);
}

/* A record of the session of dir: DIR.SFX. */
int
sd_session_rec_read(const char *dir, const char *sfx, struct sd_rec *r)
{
	char p[PATH_MAX], *buf;
	size_t len;
	int rv;

	sd_rec_init(r);
	if (suffixed(p, sizeof(p), dir, sfx) == -1 ||
	    sd_read_file(p, 65536, &buf, &len) == -1)
		return -1;
	rv = sd_rec_parse(r, buf, len, p);
	free(buf);
	return rv;
}

int
sd_session_rec_write(const char *dir, const char *sfx, const struct sd_rec *r)
{
	char p[PATH_MAX];
	struct sd_buf b;
	size_t i;
	int rv;

	if (suffixed(p, sizeof(p), dir, sfx) == -1)
		return -1;
	sd_buf_init(&b);
	for (i = 0; i < r->n; i++)
		sd_buf_printf(&b, "%s=%s\n", r->kv[i].key, r->kv[i].value);
	rv = b.failed ? -1 : sd_write_atomic(p, b.p ? b.p : "", b.len, 0644, 0);
	sd_buf_free(&b);
	return rv;
}

/* The state record of the session of dir (DIR.state). */
int
sd_session_state_read(const char *dir, struct sd_rec *r)
{
	return sd_session_rec_read(dir, ".state", r);
}

int
sd_session_state_write(const char *dir, const struct sd_rec *r)
{
	return sd_session_rec_write(dir, ".state", r);
}

/* ---------------------------------------------------------------- locks */

/* Open SPOOL/.locks/NAME (created); fd or -1. */
int
sd_lock_open(const char *spool, const char *name)
{
	char p[PATH_MAX];

	if (sd_pathf(p, sizeof(p), "%s/.locks", spool) == -1 ||
	    sd_spool_mkdirs(p) == -1)
		return -1;
	if (sd_pathf(p, sizeof(p), "%s/.locks/%s", spool, name) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

/* 1 when someone holds the lock file path, 0 when not, -1 missing. */
int
sd_lock_held(const char *path)
{
	int fd, held;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	held = flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* ---------------------------------------------------------------- caps */

struct pass_file {
	double mtime;
	long long size;
	char name[NAME_MAX + 1];
};

static int
by_mtime(const void *a, const void *b)
{
	const struct pass_file *x = a, *y = b;

	return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

/*
 * Plain files of dir older than max_age s removed (all: max_age < 0), and
 * of the rest at most max_bytes in max_files files (a playlist naming
 * files without end fills a folder with small ones), the oldest first:
 * one scan.
 */
void
sd_spool_cap(const char *dir, double max_age, long long max_bytes,
    size_t max_files)
{
	DIR *d;
	struct dirent *de;
	struct stat sb;
	struct pass_file *v = NULL, *nv;
	char p[PATH_MAX];
	size_t n = 0, cap = 0, i;
	long long total = 0;
	double now = sd_real_s(), mtime;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    sd_pathf(p, sizeof(p), "%s/%s", dir, de->d_name) == -1 ||
		    stat(p, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		mtime = (double)sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec / 1e9;
		if (max_age < 0 || now - mtime > max_age) {
			unlink(p);
			continue;
		}
		if (max_bytes == LLONG_MAX && max_files == SIZE_MAX)
			continue;	/* no cap: nothing to list */
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		v[n].mtime = mtime;
		v[n].size = sb.st_size;
		strlcpy(v[n].name, de->d_name, sizeof(v[n].name));
		total += sb.st_size;
		n++;
	}
	closedir(d);
	if (total > max_bytes || n > max_files)
		qsort(v, n, sizeof(*v), by_mtime);
	for (i = 0; i < n && (total > max_bytes ||
	    n - i > max_files); i++) {
		if (sd_pathf(p, sizeof(p), "%s/%s", dir, v[i].name) == 0)
			unlink(p);
		total -= v[i].size;
	}
	free(v);
}
