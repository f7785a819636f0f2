/*
 * livenum.h - the numbers in a live store's names (sd-cmafmux -l), unique
 * across the stores of one channel whatever the clock does. No libav*,
 * so that tests/unit/livenum.c tests it alone.
 *
 * A new live store numbers its segments (and headers, by their first
 * segment) from the clock: seconds since SD_LIVENUM_EPOCH at twice the
 * cut rate of the target duration, kept 32-bit for DASH's $Number$. A
 * clock stepped back (a bad RTC at boot, an NTP correction) would bring
 * back numbers an earlier store used, and caches hold those names as
 * immutable. So a numbers file (-N; sd-serve keeps one per proxy and
 * variant in the spool, outside the store, which an idle end deletes)
 * says "next=N": no store of the channel has used N or above, and a new
 * store starts at the larger of N and the clock.
 *
 * A running store reserves numbers ahead in blocks, one durable write a
 * block, so that a store killed without a word still left a file above
 * every name it used; a store that ends writes its exact next number, so
 * that sessions started often do not run the numbers ahead of the clock.
 */
#ifndef SD_LIVENUM_H
#define SD_LIVENUM_H

#include <stdint.h>
#include <time.h>

#define SD_LIVENUM_EPOCH 1704067200	/* 2024-01-01T00:00:00Z */
#define SD_LIVENUM_BLOCK 256		/* numbers reserved a write */
#define SD_LIVENUM_MAX 4503599627370496LL	/* 2^52: a sane file */

/* A store's numbers file and how far it covers. */
struct sd_livenum {
	const char *path;	/* the numbers file; NULL: none kept */
	uint64_t reserved;	/* every number below it is covered */
	int warned;		/* a failed write said once */
};

/*
 * The clock's first number for a new store at time now with segments of
 * target seconds; 0 before the epoch or once past the 32-bit range.
 */
uint64_t sd_livenum_clock(time_t now, double target);
/*
 * The next number the file at path allows: 0 with *next (0 when there is
 * no file yet), or -1 (warned) when it cannot be read or is not ours.
 */
int sd_livenum_read(const char *path, uint64_t *next);
/*
 * The first number of a new store: the clock's, or the file's next when
 * the file is ahead of the clock (the clock went back).
 */
uint64_t sd_livenum_first(const struct sd_livenum *n, time_t now,
    double target);
/*
 * Number in_use is about to name a file: make sure the file covers it,
 * reserving a block past it when it does not. 0, or -1 when the write
 * failed (warned once; the store goes on).
 */
int sd_livenum_reserve(struct sd_livenum *n, uint64_t in_use);
/* The store ended with every number below next: write it exactly. */
int sd_livenum_end(struct sd_livenum *n, uint64_t next);

#endif /* SD_LIVENUM_H */
