/*
 * segfile.c - segment store files written whole (segfile.h).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "segfile.h"

#ifndef IOV_MAX
#define IOV_MAX		1024
#endif

/*
 * Write all of iov[0..n) to fd, IOV_MAX at a time, at off (-1: where the
 * file offset is); iov is consumed. One system call when n <= IOV_MAX.
 */
static int
writev_all(int fd, struct iovec *iov, size_t n, off_t off)
{
	size_t i = 0;
	ssize_t w;
	int cnt;

	while (i < n) {
		if (iov[i].iov_len == 0) {
			i++;
			continue;
		}
		cnt = (int)(n - i < IOV_MAX ? n - i : IOV_MAX);
		w = off < 0 ? writev(fd, iov + i, cnt) :
		    pwritev(fd, iov + i, cnt, off);
		if (w > 0 && off >= 0)
			off += w;
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (i < n && (size_t)w >= iov[i].iov_len) {
			w -= (ssize_t)iov[i].iov_len;
			iov[i++].iov_len = 0;
		}
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Does the umask take a bit of 0644 away? Then a file created 0644 needs
 * an fchmod to be readable by the web server (another user). Asked once:
 * umask(2) has no way to read it without setting it.
 */
static int
umask_hides_0644(void)
{
	static int known, hides;
	mode_t u;

	if (!known) {
		u = umask(022);
		umask(u);
		hides = (u & 0644) != 0;
		known = 1;
	}
	return hides;
}

/*
 * DIR/.NAME.PID-N, created 0644 and exclusive: mkstemp(3) would create it
 * 0600 and cost an fchmod(2) per file (a fifth of a segment's system
 * calls). A name left by an earlier process of the same pid is skipped.
 */
int
sd_segfile_tmp(const char *dir, const char *name, char *tmp, size_t len)
{
	static unsigned long counter;
	static pid_t pid;	/* getpid(2) is a system call again */
	int fd, tries;

	if (pid == 0)	/* a forked child may share it: O_EXCL skips on */
		pid = getpid();
	for (tries = 0; tries < 100; tries++) {
		if ((size_t)snprintf(tmp, len, "%s/.%s.%ld-%lu", dir, name,
		    (long)pid, counter++) >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd != -1 && umask_hides_0644() && fchmod(fd, 0644) == -1) {
			int saved = errno;
			close(fd);
			unlink(tmp);
			errno = saved;
			return -1;
		}
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* Per file: open, writev, close, rename; no fsync (nothing asks for it). */
int
sd_segfile_writev(const char *dir, const char *name, struct iovec *iov,
    size_t n)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		warnx("%s/%s: path too long", dir, name);
		return -1;
	}
	if ((fd = sd_segfile_tmp(dir, name, tmp, sizeof(tmp))) == -1) {
		warn("%s/.%s", dir, name);
		return -1;
	}
	if (writev_all(fd, iov, n, -1) == -1) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	errno = saved;
	warn("%s", path);
	return -1;
}

int
sd_segfile_write(const char *dir, const char *name, const void *head,
    size_t hlen, const void *body, size_t blen)
{
	struct iovec iov[2];

	iov[0].iov_base = (void *)(uintptr_t)head;
	iov[0].iov_len = hlen;
	iov[1].iov_base = (void *)(uintptr_t)body;
	iov[1].iov_len = blen;
	return sd_segfile_writev(dir, name, iov, 2);
}

int
sd_segfile_pwritev(int fd, struct iovec *iov, size_t n, off_t off)
{
	return writev_all(fd, iov, n, off < 0 ? 0 : off);
}
