/*
 * ring.c - the TS ring of a live session and its TS clients (sd_relay_tail).
 *
 * The ring is a folder of chunk files %016llu.ts, each made visible at once
 * by rename (a reader never sees half a chunk), cut on 188-byte packet
 * boundaries counted from the start of the upstream connection, plus a
 * `head` file "first=N last=M conn=C" naming the chunks present. The
 * writer removes old chunks; a reader that has one open keeps reading it
 * (unlink only drops the name), and a reader that fell behind the ring
 * skips to its oldest chunk.
 *
 * The writer also looks for clean entry points in what it writes
 * (tsentry.c) and names the newest in `head` as "entry=CHUNK:OFFSET", the
 * PAT that starts it; `head` is rewritten (atomically) only after the chunks
 * it names are there, so a reader that reads it finds them. A new TS client
 * starts there rather than at an arbitrary packet of the live edge. The
 * entry point before it is named too, "prev=CHUNK:OFFSET": a new pipeline
 * starts there, so that sd-cmafmux has a whole GOP at once and its first
 * segment waits for no new keyframe (the zap time of sd-relay(7)).
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "spool.h"
#include "ring.h"

/* ---------------------------------------------------------------- writer */

int
sd_ring_open(struct sd_ring *rg, const char *dir, unsigned keep)
{
	memset(rg, 0, sizeof(*rg));
	sd_ts_scan_init(&rg->scan);
	if (strlcpy(rg->dir, dir, sizeof(rg->dir)) >= sizeof(rg->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	rg->keep = keep < 4 ? 4 : keep;
	/*
	 * Chunks left by a session that died (its lock is ours now): readers
	 * holding one keep it; the new numbers are higher, so they move on.
	 */
	sd_spool_trim(dir, -1);
	/*
	 * Numbers go on rising across sessions (milliseconds since the
	 * epoch), so a reader of a ring that was started again is behind its
	 * first chunk and joins it, never ahead of it.
	 */
	rg->first = rg->next = (unsigned long long)sd_real_ms();
	if (sd_spool_mkdirs(dir) == -1)
		return -1;
	rg->buf = malloc(SD_RING_CHUNK);
	return rg->buf == NULL ? -1 : 0;
}

void
sd_ring_close(struct sd_ring *rg)
{
	free(rg->buf);
	rg->buf = NULL;
}

static int
ring_head_write(struct sd_ring *rg)
{
	char p[PATH_MAX], line[224];
	int n;

	sd_pathf(p, sizeof(p), "%s/head", rg->dir);
	n = snprintf(line, sizeof(line), "first=%llu last=%llu conn=%u",
	    (unsigned long long)rg->first, (unsigned long long)(rg->next - 1),
	    rg->conn);
	if (rg->scan.found > 0 && rg->scan.entry_chunk >= rg->first &&
	    rg->scan.entry_chunk < rg->next)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    " entry=%llu:%zu", rg->scan.entry_chunk,
		    rg->scan.entry_off);
	if (rg->have_prev && rg->prev_chunk >= rg->first &&
	    rg->prev_chunk < rg->next)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    " prev=%llu:%zu", rg->prev_chunk, rg->prev_off);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "\n");
	return sd_write_atomic(p, line, (size_t)n, 0644, 0);
}

/* The packet at off of the open chunk: entry points, the last two kept. */
static void
ring_scan(struct sd_ring *rg, size_t off)
{
	unsigned long long chunk = rg->scan.entry_chunk;
	size_t eoff = rg->scan.entry_off;
	int had = rg->scan.found > 0;

	if (sd_ts_scan_packet(&rg->scan, (unsigned char *)rg->buf + off,
	    rg->next, off) == 1 && had) {
		rg->prev_chunk = chunk;
		rg->prev_off = eoff;
		rg->have_prev = 1;
	}
}

/* Write out the whole packets buffered as one chunk; keep the rest. */
int
sd_ring_flush(struct sd_ring *rg)
{
	char p[PATH_MAX];
	size_t whole = rg->len - rg->len % 188, i;

	rg->started = sd_mono_s();
	if (whole == 0)
		return 0;
	for (i = 0; i < whole; i += SD_TS_PACKET)
		ring_scan(rg, i);
	sd_pathf(p, sizeof(p), "%s/%016llu.ts", rg->dir,
	    (unsigned long long)rg->next);
	if (sd_write_atomic(p, rg->buf, whole, 0644, 0) == -1) {
		warn("%s", p);
		return -1;
	}
	rg->next++;
	rg->bytes += whole;
	memmove(rg->buf, rg->buf + whole, rg->len - whole);
	rg->len -= whole;
	while (rg->next - rg->first > rg->keep) {
		sd_pathf(p, sizeof(p), "%s/%016llu.ts", rg->dir,
		    (unsigned long long)rg->first);
		rg->first++;
		if (ring_head_write(rg) == 0)
			unlink(p);
	}
	return ring_head_write(rg);
}

/* Append upstream bytes; a chunk is cut when full or old enough. */
int
sd_ring_write(struct sd_ring *rg, const void *data, size_t n)
{
	const char *p = data;
	size_t room;

	if (rg->len == 0 && rg->started == 0)
		rg->started = sd_mono_s();
	while (n > 0) {
		room = SD_RING_CHUNK - rg->len;
		if (room > n)
			room = n;
		memcpy(rg->buf + rg->len, p, room);
		rg->len += room;
		p += room;
		n -= room;
		if (rg->len == SD_RING_CHUNK && sd_ring_flush(rg) == -1)
			return -1;
	}
	if (sd_mono_s() - rg->started >= SD_RING_FLUSH_S)
		return sd_ring_flush(rg);
	return 0;
}

/* A new upstream connection: what is left of a packet is dropped. */
int
sd_ring_new_conn(struct sd_ring *rg)
{
	int rv = sd_ring_flush(rg);
	struct sd_ts_scan last = rg->scan;

	/* a new stream: parse it afresh, the last entry point stays valid */
	sd_ts_scan_init(&rg->scan);
	rg->scan.found = last.found;
	rg->scan.entry_chunk = last.entry_chunk;
	rg->scan.entry_off = last.entry_off;
	rg->len = 0;
	rg->conn++;
	return rv == -1 ? -1 : ring_head_write(rg);
}

/* The ring's head file of dir, read whole into buf (NUL-terminated). */
static int
read_head(const char *dir, char *buf, size_t size)
{
	char p[PATH_MAX];
	int fd;
	ssize_t n;

	if (sd_pathf(p, sizeof(p), "%s/head", dir) == -1 ||
	    (fd = open(p, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int
sd_ring_head(const char *dir, unsigned long long *first,
    unsigned long long *last)
{
	char buf[224];

	if (read_head(dir, buf, sizeof(buf)) == -1)
		return -1;
	if (sscanf(buf, "first=%llu last=%llu", first, last) != 2) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* The point " KEY=CHUNK:OFFSET" of dir's head: 0, or -1 (none, no ring). */
static int
head_point(const char *dir, const char *key, unsigned long long *chunk,
    size_t *off)
{
	char buf[224], *e;
	unsigned long long o;
	size_t n = strlen(key);

	if (read_head(dir, buf, sizeof(buf)) == -1)
		return -1;
	if ((e = strstr(buf, key)) == NULL ||
	    sscanf(e + n, "%llu:%llu", chunk, &o) != 2 ||
	    o >= SD_RING_CHUNK || o % SD_TS_PACKET != 0) {
		errno = ENOENT;
		return -1;
	}
	*off = (size_t)o;
	return 0;
}

/* The newest entry point named in dir's head: 0, or -1 (none, no ring). */
int
sd_ring_entry(const char *dir, unsigned long long *chunk, size_t *off)
{
	return head_point(dir, " entry=", chunk, off);
}

/* ---------------------------------------------------------------- tail */

/*
 * Copy one chunk file from byte skip on to fd; 1 when it is not there, -1
 * client gone.
 */
static int
copy_chunk(const char *dir, unsigned long long seq, size_t skip, int fd,
    char *buf, size_t bufsz)
{
	char p[PATH_MAX];
	ssize_t n;
	int in;

	sd_pathf(p, sizeof(p), "%s/%016llu.ts", dir, seq);
	if ((in = open(p, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	if (skip > 0 && lseek(in, (off_t)skip, SEEK_SET) == -1) {
		close(in);
		return 1;
	}
	while ((n = read(in, buf, bufsz)) > 0)
		if (sd_write_all(fd, buf, (size_t)n, SD_TAIL_WRITE_TIMEOUT_S * 1000) == -1) {
			close(in);
			return -1;
		}
	close(in);
	return 0;
}

/* Each ring cursor follows the same rules: TS clients, pipelines. */
int
sd_ring_next(const char *dir, unsigned long long *cursor)
{
	unsigned long long first, last;
	char p[PATH_MAX];

	sd_pathf(p, sizeof(p), "%s/%016llu.ts", dir, *cursor);
	if (access(p, F_OK) == 0)
		return 1;
	if (sd_ring_head(dir, &first, &last) == -1)
		return -1;
	if (*cursor < first) {
		*cursor = first;	/* fell behind the ring */
		return 1;
	}
	return 0;
}

/* The live edge: the newest whole chunk, waiting for one at most wait s. */
int
sd_ring_edge(const char *dir, int wait, unsigned long long *cursor)
{
	unsigned long long first, last;
	double until = sd_mono_s() + wait;

	for (;;) {
		if (sd_ring_head(dir, &first, &last) == 0 && last >= first) {
			*cursor = last;
			return 0;
		}
		if (sd_mono_s() > until) {
			errno = ETIMEDOUT;
			return -1;
		}
		sd_relay_sleep_ms(50);
	}
}

/*
 * Where a new pipeline starts reading: the chunk of the entry point before
 * the newest when the ring still holds it, else the newest's, else the
 * live edge (no waiting: a source without entry points feeds from the
 * edge). From the live edge, sd-cmafmux would wait up to a GOP for a
 * keyframe to begin its first segment, and a GOP more for the keyframe
 * that ends it; from the entry point before the newest, both are in the
 * ring already. The store then runs up to two GOPs behind the edge instead
 * of one, where an HLS or DASH player sits three segments back anyway.
 */
int
sd_ring_start(const char *dir, unsigned long long *cursor)
{
	unsigned long long first, last, chunk;
	size_t off;

	if (sd_ring_head(dir, &first, &last) == 0 &&
	    ((head_point(dir, " prev=", &chunk, &off) == 0 &&
	    chunk >= first && chunk <= last) ||
	    (sd_ring_entry(dir, &chunk, &off) == 0 &&
	    chunk >= first && chunk <= last))) {
		*cursor = chunk;
		return 0;
	}
	return sd_ring_edge(dir, 0, cursor);
}

/*
 * Where a new TS client starts: the newest entry point in the ring, waiting
 * for one at most SD_ENTRY_WAIT_S (about a GOP); then the live edge, for
 * sources that have none (audio only, scrambled, no PAT).
 */
static int
tail_start(const char *dir, unsigned long long *cursor, size_t *skip)
{
	unsigned long long first, last, chunk;
	double until;
	size_t off;

	*skip = 0;
	if (sd_ring_edge(dir, SD_TAIL_STALL_S, cursor) == -1)
		return -1;
	until = sd_mono_s() + SD_ENTRY_WAIT_S;
	for (;;) {
		if (sd_ring_entry(dir, &chunk, &off) == 0 &&
		    sd_ring_head(dir, &first, &last) == 0 &&
		    chunk >= first && chunk <= last) {
			*cursor = chunk;
			*skip = off;
			return 0;
		}
		if (sd_mono_s() > until)
			return sd_ring_edge(dir, 0, cursor);
		sd_relay_sleep_ms(50);
	}
}

int
sd_relay_tail(const char *dir, int out_fd)
{
	unsigned long long cursor;
	double last_data, last_touch = 0, now;
	size_t skip;
	char *buf;
	int rv;

	signal(SIGPIPE, SIG_IGN);
	if (tail_start(dir, &cursor, &skip) == -1)
		return -1;
	if ((buf = malloc(65536)) == NULL)
		return -1;
	last_data = sd_mono_s();
	for (;;) {
		now = sd_mono_s();
		if (now - last_touch >= 1) {
			sd_session_touch(dir);
			last_touch = now;
		}
		rv = copy_chunk(dir, cursor, skip, out_fd, buf, 65536);
		skip = 0;
		if (rv == -1) {
			rv = 0;		/* the client went away */
			break;
		}
		if (rv == 0) {
			cursor++;
			last_data = now;
			continue;
		}
		if ((rv = sd_ring_next(dir, &cursor)) == -1) {
			rv = 0;		/* the session ended */
			break;
		}
		if (rv == 1)
			continue;
		if (now - last_data > SD_TAIL_STALL_S) {
			errno = ETIMEDOUT;
			rv = -1;
			break;
		}
		sd_relay_sleep_ms(40);
	}
	free(buf);
	return rv;
}

