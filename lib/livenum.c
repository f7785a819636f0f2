/*
 * livenum.c - the numbers in a live store's names, unique across the
 * stores of one channel whatever the clock does (livenum.h).
 */
#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "util_int.h"
#include "livenum.h"

#define LIVENUM_FILE_MAX 64	/* "next=" and 16 digits, with room */

uint64_t
sd_livenum_clock(time_t now, double target)
{
	uint64_t per_s = target > 0 ? (uint64_t)ceil(2.0 / target) : 1, seq;

	if (now <= SD_LIVENUM_EPOCH)
		return 0;
	seq = (uint64_t)(now - SD_LIVENUM_EPOCH) * (per_s > 0 ? per_s : 1);
	return seq > UINT32_MAX / 2 ? 0 : seq;	/* past the range: from 0 */
}

int
sd_livenum_read(const char *path, uint64_t *next)
{
	char *buf, *end;
	const char *errstr = "not next=N";
	size_t len;
	long long v;

	*next = 0;
	if (sd_read_file(path, LIVENUM_FILE_MAX, &buf, &len) == -1) {
		if (errno == ENOENT)
			return 0;
		warn("%s", path);
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	end = strchr(buf, '\n');
	v = strncmp(buf, "next=", 5) == 0 && end == NULL &&
	    strlen(buf) == len ?
	    sd_strtonum(buf + 5, 0, SD_LIVENUM_MAX, &errstr) : -1;
	free(buf);
	if (errstr != NULL) {
		warnx("%s: not a numbers file (next=N); numbering from the "
		    "clock", path);
		return -1;
	}
	*next = (uint64_t)v;
	return 0;
}

uint64_t
sd_livenum_first(const struct sd_livenum *n, time_t now, double target)
{
	uint64_t seq = sd_livenum_clock(now, target), next;

	if (n->path != NULL && sd_livenum_read(n->path, &next) == 0 &&
	    next > seq)
		return next;
	return seq;
}

/* next=N into the file, durably: it must outlive a power cut, since a
 * reboot is when a clock is most often wrong. */
static int
livenum_write(struct sd_livenum *n, uint64_t next)
{
	char buf[LIVENUM_FILE_MAX];
	int len;

	len = snprintf(buf, sizeof(buf), "next=%llu\n",
	    (unsigned long long)next);
	if (len < 0 || (size_t)len >= sizeof(buf) ||
	    sd_write_atomic(n->path, buf, (size_t)len, 0644, 1) == -1) {
		if (!n->warned)
			warn("%s: names may repeat after the clock goes back",
			    n->path);
		n->warned = 1;
		return -1;
	}
	n->reserved = next;
	return 0;
}

int
sd_livenum_reserve(struct sd_livenum *n, uint64_t in_use)
{
	if (n->path == NULL || in_use < n->reserved)
		return 0;
	return livenum_write(n, in_use + SD_LIVENUM_BLOCK);
}

int
sd_livenum_end(struct sd_livenum *n, uint64_t next)
{
	if (n->path == NULL)
		return 0;
	return livenum_write(n, next);
}
