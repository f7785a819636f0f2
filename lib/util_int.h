/*
 * util_int.h - small things libsd's files share, each written once in
 * util.c: clocks, a bounded write, trimmed copies, JSON strings, messages
 * about a line of a file, frame rates. Not public: programs use sd.h.
 */
#ifndef UTIL_INT_H
#define UTIL_INT_H

#include <stdarg.h>

#include "sd.h"

/* Milliseconds on the monotonic clock: for timeouts and deadlines only. */
long long sd_mono_ms(void);
/* Milliseconds since the Unix epoch: for what is shown, stored or sent. */
long long sd_real_ms(void);
/* The same in seconds, for the code that counts in seconds. */
double sd_mono_s(void);
double sd_real_s(void);

/*
 * Wait until fd is ready for events (POLLIN, POLLOUT) for at most
 * timeout_ms (< 0: no limit): 0, or -1 with errno (ETIMEDOUT).
 */
int sd_wait_fd(int fd, short events, int timeout_ms);
/* sd_write_all, the bounded write, is in sd.h: sd-serve uses it too. */

/*
 * s without the blanks (spaces, tabs) at either end, copied into buf: 0,
 * or -1 when nothing is left or it does not fit.
 */
int sd_copy_trimmed(const char *s, char *buf, size_t size);

/* s as a JSON string, quotes included (", \ and controls escaped). */
int sd_json_string(struct sd_buf *b, const char *s);

/*
 * "path:line: message" (line > 0) or "path: message" through warnx(3):
 * the one form of an error or warning about a line of a file (config,
 * migrate, records, the store's index). The message is cut at 1023 bytes.
 */
void sd_warn_at(const char *path, long long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sd_vwarn_at(const char *path, long long line, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

/*
 * A frame rate as configs, records, playlists and the store write it:
 * "25", "29.97" or "30000/1001" (9 digits a number at most; a decimal's
 * places past the ninth are read but ignored), blanks around allowed.
 * Returns 0 with the fraction (29.97 -> 2997/100; *den > 0), or -1.
 */
int sd_frame_rate_parse(const char *s, long long *num, long long *den);
/* The same as frames a second; 0 when s is empty or not a frame rate. */
double sd_frame_rate_value(const char *s);
/* The most frames a second a video may claim; past it a rate is a guess
 * (libavformat's 90000 time base on a cut-short stream) or a lie. */
#define SD_MAX_FRAME_RATE 1000
int sd_frame_rate_ok(const char *s);

/*
 * snprintf that never cuts: 0, or -1 with ENAMETOOLONG when out is too
 * small (a path, a codecs string, a name).
 */
int sd_pathf(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records (sd.h): building one, and reading one from a buffer. */
/* Add key=value (printf-style value). Newlines in the value become spaces. */
int sd_rec_add(struct sd_rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, for keys that form a list (always an array in JSON). */
int sd_rec_addm(struct sd_rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Replace the value of the first key (or add it). */
int sd_rec_set(struct sd_rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sd_rec_parse(struct sd_rec *r, const char *buf, size_t len, const char *name);

/*
 * Write len bytes to path atomically: a temporary in the same folder, fsync
 * when durable != 0, rename. Mode is the new file's mode (0644 typically).
 */
int sd_write_atomic(const char *path, const void *buf, size_t len, int mode,
    int durable);

/* Trim blanks at both ends in place; returns s. */
char *sd_trim(char *s);

/* 1 when name is a safe single path component: [A-Za-z0-9._-], no "..". */
int sd_safe_name(const char *name);
/*
 * Where the sibling program name (sd-session, sd-cmafmux, sd-classify) is:
 * next to the running program (or in the folder sd_sibling_dir named), in
 * the libexec folder, in the bin folder, else the bare name for execvp(3)
 * to look up on PATH. -1 (ENAMETOOLONG) when out is too small.
 */
int sd_sibling_path(const char *name, char *out, size_t len);
/* The one of names[n] word most likely means (case, a typo), or NULL. */
const char *sd_near_name(const char *word, const char *const *names,
    size_t n);
/* For a test driver that does not live next to the programs: their folder. */
void sd_sibling_dir(const char *dir);
/*
 * The top of the build tree the program runs from when not installed (one
 * with etc/system/profiles.ini and lib/sd.h), into out; -1 when installed.
 */
int sd_build_tree(char *out, size_t len);

/* Every fd from lowfd up closed (a child keeps only what it is given). */
void sd_close_from(int lowfd);

#endif
