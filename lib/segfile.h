/*
 * segfile.h - the files of a segment store as sd-cmafmux writes them: each
 * whole through a temporary and rename(2), so that a reader sees the whole
 * file or none (sd-store(5)). The writers below the segmenter (CMAF
 * headers and segments, av_tsseg.c's MPEG-TS segments) share it.
 */
#ifndef SEGFILE_H
#define SEGFILE_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* iov[0..n) to DIR/NAME; iov is consumed. 0, or -1 with a warning. */
int sd_segfile_writev(const char *dir, const char *name, struct iovec *iov,
    size_t n);
/* head then body (either may be empty) to DIR/NAME. */
int sd_segfile_write(const char *dir, const char *name, const void *head,
    size_t hlen, const void *body, size_t blen);

/*
 * A temporary file for DIR/NAME, created 0644 (exclusive, in DIR): its
 * descriptor, its path in tmp; -1 with errno.
 */
int sd_segfile_tmp(const char *dir, const char *name, char *tmp, size_t len);
/* iov[0..n) into fd at off (a single file growing, sd-cmafmux -s). */
int sd_segfile_pwritev(int fd, struct iovec *iov, size_t n, off_t off);

#endif
