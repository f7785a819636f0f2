/*
 * livenum.c unit tests: the numbers of a live store's names. The clock's
 * number; the numbers file read, refused when it is not ours; a block
 * reserved ahead and written once a block; the exact end; and the point of
 * it all: a clock stepped back, after a store that ended and after one
 * that was killed, still gives a later store numbers past every earlier
 * one.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "spool.h"
#include "livenum.h"
#include "mtap.h"

#define T0 (SD_LIVENUM_EPOCH + 100000000)	/* a clock in 2027 */

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

static uint64_t
stored(const char *path)
{
	uint64_t v;

	return sd_livenum_read(path, &v) == 0 ? v : UINT64_MAX;
}

static void
test_clock(void)
{
	ok(sd_livenum_clock(SD_LIVENUM_EPOCH + 100, 2) == 100,
	    "-d 2: a number a second since 2024");
	ok(sd_livenum_clock(SD_LIVENUM_EPOCH + 100, 0.5) == 400,
	    "-d 0.5: four a second (twice the cuts)");
	ok(sd_livenum_clock(SD_LIVENUM_EPOCH + 100, 0.3) == 700,
	    "-d 0.3: seven a second (2 / 0.3 rounded up)");
	ok(sd_livenum_clock(SD_LIVENUM_EPOCH, 2) == 0 &&
	    sd_livenum_clock(1000, 2) == 0, "a clock before 2024: 0");
	ok(sd_livenum_clock(SD_LIVENUM_EPOCH + 2147483648LL, 2) == 0,
	    "past the 32-bit range: 0");
}

static void
test_file(const char *dir)
{
	char path[256];
	uint64_t v = 7;

	snprintf(path, sizeof(path), "%s/none", dir);
	ok(sd_livenum_read(path, &v) == 0 && v == 0,
	    "no file yet: 0, next 0");
	snprintf(path, sizeof(path), "%s/f", dir);
	put(path, "next=123456789\n");
	ok(stored(path) == 123456789, "next=N read");
	put(path, "next=123456789");
	ok(stored(path) == 123456789, "next=N without a newline read");
	put(path, "next=-5\n");
	capture_start();
	ok(sd_livenum_read(path, &v) == -1 && v == 0, "next=-5 refused");
	ok(strstr(capture_end(), "not a numbers file") != NULL,
	    "next=-5: the file is named as not ours");
	put(path, "next=12\nnext=99\n");
	capture_start();
	ok(sd_livenum_read(path, &v) == -1, "two lines refused");
	capture_end();
	put(path, "next=99999999999999999999\n");
	capture_start();
	ok(sd_livenum_read(path, &v) == -1, "a number past 2^52 refused");
	capture_end();
	put(path, "seq=12\n");
	capture_start();
	ok(sd_livenum_read(path, &v) == -1, "another key refused");
	capture_end();
	put(path, "next=1234567890123456789012345678901234567890123456789"
	    "012345678901234567890\n");
	capture_start();
	ok(sd_livenum_read(path, &v) == -1, "a file past 64 bytes refused");
	capture_end();
}

/* The file ahead of the clock wins; a bad file falls back to the clock. */
static void
test_first(const char *dir)
{
	char path[256];
	struct sd_livenum n = { path, 0, 0 };
	struct sd_livenum none = { NULL, 0, 0 };
	uint64_t clock = sd_livenum_clock(T0, 2);

	snprintf(path, sizeof(path), "%s/first", dir);
	ok(sd_livenum_first(&n, T0, 2) == clock, "no file: the clock");
	ok(sd_livenum_first(&none, T0, 2) == clock, "no -N: the clock");
	put(path, "next=5\n");
	ok(sd_livenum_first(&n, T0, 2) == clock,
	    "a file behind the clock: the clock");
	put(path, "next=900000000\n");
	ok(sd_livenum_first(&n, T0, 2) == 900000000,
	    "a file ahead of the clock: the file");
	put(path, "garbage\n");
	capture_start();
	ok(sd_livenum_first(&n, T0, 2) == clock,
	    "a file not ours: the clock");
	capture_end();
}

static void
test_reserve(const char *dir)
{
	char path[256];
	struct sd_livenum n = { path, 0, 0 };
	struct sd_livenum none = { NULL, 0, 0 };

	snprintf(path, sizeof(path), "%s/reserve", dir);
	ok(sd_livenum_reserve(&none, 1000) == 0 && none.reserved == 0,
	    "no -N: nothing reserved, nothing written");
	ok(sd_livenum_reserve(&n, 1000) == 0 &&
	    stored(path) == 1000 + SD_LIVENUM_BLOCK,
	    "the first number in use: a block past it written");
	put(path, "next=1\n");	/* a write now would show */
	ok(sd_livenum_reserve(&n, 1000 + SD_LIVENUM_BLOCK - 1) == 0 &&
	    stored(path) == 1, "within the block: no write");
	ok(sd_livenum_reserve(&n, 1000 + SD_LIVENUM_BLOCK) == 0 &&
	    stored(path) == 1000 + 2 * SD_LIVENUM_BLOCK,
	    "the block's end in use: the next block written");
	ok(sd_livenum_end(&n, 1300) == 0 && stored(path) == 1300,
	    "the end: the exact next number");
	snprintf(path, sizeof(path), "%s/no/such/folder", dir);
	n.reserved = 0;
	capture_start();
	ok(sd_livenum_reserve(&n, 5) == -1 && n.warned,
	    "a file that cannot be written: -1");
	ok(strstr(capture_end(), "names may repeat") != NULL,
	    "and said");
	capture_start();
	ok(sd_livenum_reserve(&n, 6) == -1, "again -1");
	ok(capture_end()[0] == '\0', "said once only");
}

/*
 * One store after another on a channel, numbering as sd-cmafmux does: the
 * first number from sd_livenum_first, each further one reserved before it
 * names a file; an end writes the exact next, a kill writes nothing more.
 * Returns the last number used.
 */
static uint64_t
store_run(const char *path, time_t now, uint64_t *first, int segs,
    int killed)
{
	struct sd_livenum n = { path, 0, 0 };
	uint64_t seq = sd_livenum_first(&n, now, 2);
	int i;

	*first = seq;
	sd_livenum_reserve(&n, seq);
	for (i = 1; i < segs; i++)
		sd_livenum_reserve(&n, ++seq);
	if (!killed)
		sd_livenum_end(&n, seq + 1);
	return seq;
}

static void
test_clock_back(const char *dir)
{
	char path[256];
	uint64_t first1, last1, first2, last2, first3;

	snprintf(path, sizeof(path), "%s/channel", dir);
	last1 = store_run(path, T0, &first1, 600, 0);
	ok(first1 == sd_livenum_clock(T0, 2),
	    "store 1 numbers from the clock");
	/* the clock stepped back an hour: the clock alone would give
	 * store 2 the numbers of store 1 again */
	ok(sd_livenum_clock(T0 - 3600, 2) <= last1,
	    "(the clock an hour back is among store 1's numbers)");
	last2 = store_run(path, T0 - 3600, &first2, 1000, 1);
	ok(first2 > last1, "clock back after an end: store 2 starts past "
	    "store 1's last number");
	/* store 2 was killed (no end written); the clock goes back again */
	store_run(path, T0 - 7200, &first3, 10, 0);
	ok(first3 > last2, "clock back after a kill: store 3 starts past "
	    "store 2's last number");
	ok(first3 - last2 <= SD_LIVENUM_BLOCK,
	    "a kill costs at most a block of numbers");
}

static void
test_spool_path(const char *dir)
{
	char p[512], want[512];
	struct stat sb;

	snprintf(want, sizeof(want), "%s/.numbers/tv@abc123", dir);
	ok(sd_spool_numbers_path(p, sizeof(p), dir, "tv", "abc123") == 0 &&
	    strcmp(p, want) == 0, "SPOOL/.numbers/PROXY@VARIANT");
	snprintf(want, sizeof(want), "%s/.numbers", dir);
	ok(stat(want, &sb) == 0 && S_ISDIR(sb.st_mode),
	    "its folder is made");
	errno = 0;
	ok(sd_spool_numbers_path(p, sizeof(p), dir, "../x", "v") == -1 &&
	    errno == EINVAL, "an unsafe proxy name refused");
	ok(sd_spool_numbers_path(p, sizeof(p), dir, "tv", "a/b") == -1,
	    "an unsafe variant name refused");
	ok(sd_spool_numbers_path(p, 20, dir, "tv", "abc123") == -1,
	    "a path too long for the buffer refused");
}

int
main(void)
{
	char dir[] = "/tmp/livenum-test.XXXXXX";

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_clock();
	test_file(dir);
	test_first(dir);
	test_reserve(dir);
	test_clock_back(dir);
	test_spool_path(dir);
	sd_spool_rmtree(dir, 0);
	return done();
}
