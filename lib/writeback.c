/*
 * writeback.c - a file a user owns, rewritten by sd-migrate(1) and
 * sd-import(1) (writeback.h).
 *
 * The file is the user's, not ours: whoever owns it, its group, mode,
 * ACLs and other extended attributes, and its other names (hard links, a
 * symbolic link that names it) must be the same afterwards. A temporary
 * renamed over the file keeps all of that only when this user may give
 * the temporary the same owner, group and attributes and the file has no
 * other link; otherwise the file itself is rewritten in place, after its
 * text is safe in FILE.bak.
 */
#include <sys/stat.h>
#include <sys/xattr.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "writeback.h"

#define XATTR_NAMES_MAX	(64u << 10)	/* flistxattr: all names */
#define XATTR_VALUE_MAX	(64u << 10)	/* one value (an ACL is small) */

/* The file to write: file itself, or through a symbolic link its target. */
static int
resolve(const char *file, int must_exist, char *real, size_t realsz)
{
	struct stat sb;
	char buf[PATH_MAX];

	if (lstat(file, &sb) == -1) {
		if (errno != ENOENT || must_exist) {
			warn("%s", file);
			return -1;
		}
	} else if (S_ISLNK(sb.st_mode)) {
		if (realpath(file, buf) == NULL) {
			warn("%s", file);
			return -1;
		}
		file = buf;
	}
	if (strlcpy(real, file, realsz) >= realsz) {
		warnx("%s: path too long", file);
		return -1;
	}
	return 0;
}

/* One attribute of src onto dst: 0, or -1 when dst could not take it. */
static int
copy_xattr(int src, int dst, const char *name, char *val)
{
	ssize_t n = fgetxattr(src, name, val, XATTR_VALUE_MAX);

	if (n == -1)
		return errno == ENODATA ? 0 : -1;	/* gone meanwhile */
	return fsetxattr(dst, name, val, (size_t)n, 0);
}

/*
 * src's extended attributes (ACLs are system.posix_acl_*) onto dst:
 * 0 all kept, -1 some could not be (a namespace this user may not write,
 * a file system without them).
 */
static int
copy_xattrs(int src, int dst)
{
	char *names, *val, *p;
	ssize_t n;
	int rv = 0;

	if ((n = flistxattr(src, NULL, 0)) <= 0)
		return n == 0 || errno == ENOTSUP ? 0 : -1;
	if ((size_t)n > XATTR_NAMES_MAX)
		return -1;
	names = malloc((size_t)n);
	val = malloc(XATTR_VALUE_MAX);
	if (names == NULL || val == NULL ||
	    (n = flistxattr(src, names, (size_t)n)) == -1)
		rv = -1;
	for (p = names; rv == 0 && p < names + n; p += strlen(p) + 1)
		rv = copy_xattr(src, dst, p, val);
	free(names);
	free(val);
	return rv;
}

/*
 * dst gets src's owner, group, mode and attributes (sb: src's): 0 all of
 * them, 1 not all. A copy whose group could not be kept loses its group
 * and other permissions: it must not show the text to more people than
 * the file did.
 */
static int
keep_meta(int dst, int src, const struct stat *sb)
{
	mode_t mode = sb->st_mode & 07777;
	int kept = 1;

	if (fchown(dst, sb->st_uid, sb->st_gid) == -1) {
		kept = 0;
		if (fchown(dst, (uid_t)-1, sb->st_gid) == -1)
			mode &= 07700;
	}
	if (fchmod(dst, mode) == -1)
		return -1;
	if (copy_xattrs(src, dst) == -1)
		kept = 0;
	return kept ? 0 : 1;
}

/*
 * p (len bytes) written to a new temporary beside path (its name to tmp)
 * and synced, with src's metadata when src is open (sb its stat), else
 * 0644. *kept: whether all of it was kept. -1 on error (errno).
 */
static int
write_temp(const char *path, const char *p, size_t len, int src,
    const struct stat *sb, char tmp[PATH_MAX], int *kept)
{
	int fd, rv, saved;

	if ((size_t)snprintf(tmp, PATH_MAX, "%s.XXXXXX", path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1)
		return -1;
	rv = src == -1 ? fchmod(fd, 0644) : keep_meta(fd, src, sb);
	*kept = rv == 0;
	if (rv == -1 || sd_write_all(fd, p, len, -1) == -1 ||
	    fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

/* The rename into path's folder made durable. */
static void
sync_folder(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	strlcpy(dir, path, sizeof(dir));
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return;
	(void)fsync(fd);
	close(fd);
}

/* The file itself rewritten: same inode, so every name and attribute. */
static int
write_in_place(const char *path, const struct sd_buf *buf)
{
	int fd, err, saved;

	if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	/* room first where the file system can say: a full disk stops us
	 * before the first byte changes */
	if (buf->len > 0 && (err = posix_fallocate(fd, 0, (off_t)buf->len))
	    != 0 && err != EOPNOTSUPP && err != EINVAL) {
		close(fd);
		errno = err;
		return -1;
	}
	if (sd_write_all(fd, buf->p ? buf->p : "", buf->len, -1) == -1 ||
	    ftruncate(fd, (off_t)buf->len) == -1 || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/* The old text as path.bak, replacing an older one only now. */
static int
keep_bak(const char *path, const char *old, size_t oldlen, int src,
    const struct stat *sb)
{
	char bak[PATH_MAX], tmp[PATH_MAX];
	int kept;

	if ((size_t)snprintf(bak, sizeof(bak), "%s.bak", path) >=
	    sizeof(bak)) {
		warnx("%s.bak: path too long", path);
		return -1;
	}
	if (write_temp(bak, old, oldlen, src, sb, tmp, &kept) == -1 ||
	    rename(tmp, bak) == -1) {
		warn("%s", bak);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The new text in place of path's: a rename when that keeps everything. */
static int
install(const char *path, const char *tmp, int src, const struct stat *sb,
    int kept, const struct sd_buf *out, int has_bak)
{
	if (src == -1 || (kept && sb->st_nlink == 1)) {
		if (rename(tmp, path) == 0)
			return 0;
		warn("%s", path);
		unlink(tmp);
		return -1;
	}
	unlink(tmp);
	if (write_in_place(path, out) == 0)
		return 0;
	warn("%s", path);
	if (has_bak)
		warnx("%s: its previous text is in %s.bak", path, path);
	return -1;
}

int
sd_ini_write_back(const char *file, const char *old, size_t oldlen,
    const struct sd_buf *out, char *real, size_t realsz)
{
	char tmp[PATH_MAX];
	struct stat sb;
	int src, kept = 0, rv = SD_EX_IOERR;

	if (resolve(file, old != NULL, real, realsz) == -1)
		return SD_EX_IOERR;
	memset(&sb, 0, sizeof(sb));
	if ((src = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 &&
	    (errno != ENOENT || old != NULL)) {
		warn("%s", real);
		return SD_EX_IOERR;
	}
	if (src != -1 && (fstat(src, &sb) == -1 || !S_ISREG(sb.st_mode))) {
		warnx("%s: not a regular file", real);
		goto out;
	}
	if (write_temp(real, out->p ? out->p : "", out->len, src, &sb, tmp,
	    &kept) == -1) {
		warn("%s", real);
		goto out;
	}
	if (old != NULL && keep_bak(real, old, oldlen, src, &sb) == -1) {
		unlink(tmp);
		goto out;
	}
	if (install(real, tmp, src, &sb, kept, out, old != NULL) == 0) {
		sync_folder(real);
		rv = SD_EX_OK;
	}
out:
	if (src != -1)
		close(src);
	return rv;
}
