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
#include <sys/inotify.h>
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
#include "segfile.h"

/* ---------------------------------------------------------------- writer */

int
sd_ring_open(struct sd_ring *rg, const char *dir, unsigned keep)
{
	memset(rg, 0, sizeof(*rg));
	sd_ts_scan_init(&rg->scan);
	rg->video_pts = rg->key_pts = -1;
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

/* The newest entry point, once its chunk is written and still there. */
static int
ring_entry_nameable(const struct sd_ring *rg)
{
	return rg->scan.found > 0 && rg->scan.entry_chunk >= rg->first &&
	    rg->scan.entry_chunk < rg->next;
}

static int
ring_head_write(struct sd_ring *rg)
{
	char line[224];
	int n, entry = ring_entry_nameable(rg);

	n = snprintf(line, sizeof(line), "first=%llu last=%llu conn=%u",
	    (unsigned long long)rg->first, (unsigned long long)(rg->next - 1),
	    rg->conn);
	if (entry)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    " entry=%llu:%zu", rg->scan.entry_chunk,
		    rg->scan.entry_off);
	if (rg->have_prev && rg->prev_chunk >= rg->first &&
	    rg->prev_chunk < rg->next)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    " prev=%llu:%zu", rg->prev_chunk, rg->prev_off);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "\n");
	if (sd_segfile_write(rg->dir, "head", line, (size_t)n, NULL, 0) == -1)
		return -1;
	rg->head_at = sd_mono_s();
	rg->head_entry = entry ? rg->scan.entry_chunk : ULLONG_MAX;
	rg->head_entry_off = rg->scan.entry_off;
	return 0;
}

/*
 * Chunks beyond keep go in batches of SD_RING_TRIM, the head naming the
 * new first one before any is unlinked (a reader that finds a chunk gone
 * reads the head and skips on).
 */
static int
ring_trim(struct sd_ring *rg)
{
	char p[PATH_MAX];
	unsigned long long old = rg->first;

	if (rg->next - rg->first <= rg->keep + SD_RING_TRIM)
		return 0;
	rg->first = rg->next - rg->keep;
	if (ring_head_write(rg) == -1)
		return -1;
	for (; old < rg->first; old++)
		if (sd_pathf(p, sizeof(p), "%s/%016llu.ts", rg->dir, old) == 0)
			unlink(p);
	return 0;
}

/*
 * Readers find a new chunk by its name (sd_ring_next), so the head, which
 * costs a file of its own, is written again only when what it says
 * matters: a new entry point, the first chunk moved (ring_trim), a new
 * connection, and at least every SD_RING_HEAD_S for `last` (where a new
 * reader joins).
 */
static int
ring_head_due(const struct sd_ring *rg)
{
	return (ring_entry_nameable(rg) &&
	    (rg->scan.entry_chunk != rg->head_entry ||
	    rg->scan.entry_off != rg->head_entry_off)) ||
	    sd_mono_s() - rg->head_at >= SD_RING_HEAD_S;
}

/* The packet at off of the open chunk: entry points, the last two kept. */
static int
ring_scan_packet(struct sd_ring *rg, size_t off)
{
	unsigned long long chunk = rg->scan.entry_chunk;
	size_t eoff = rg->scan.entry_off;
	int had = rg->scan.found > 0;

	if (sd_ts_scan_packet(&rg->scan, (unsigned char *)rg->buf + off,
	    rg->next, off) != 1)
		return 0;
	if (had) {
		rg->prev_chunk = chunk;
		rg->prev_off = eoff;
		rg->have_prev = 1;
	}
	return 1;
}

/* ---------------------------------------------------------------- cuts */

#define PTS_MASK	((1LL << 33) - 1)

/* Where pkt's payload starts; 0 when it has none. */
static size_t
payload_at(const unsigned char *pkt)
{
	int afc = (pkt[3] >> 4) & 3;
	size_t off = (afc & 2) ? 5 + (size_t)pkt[4] : 4;

	return (afc & 1) && off < SD_TS_PACKET ? off : 0;
}

/* The PTS of the PES starting at p (n bytes); -1 when it has none. */
static long long
pes_pts(const unsigned char *p, size_t n)
{
	if (n < 14 || p[0] != 0 || p[1] != 0 || p[2] != 1 || !(p[7] & 0x80))
		return -1;
	return (long long)(p[9] >> 1 & 7) << 30 | (long long)p[10] << 22 |
	    (long long)(p[11] >> 1) << 15 | (long long)p[12] << 7 | p[13] >> 1;
}

/* MPEG audio stream ids, and private_stream_1 (AC-3, E-AC-3, Opus). */
static int
pes_audio(const unsigned char *p, size_t n)
{
	return n >= 6 && p[0] == 0 && p[1] == 0 && p[2] == 1 &&
	    ((p[3] & 0xe0) == 0xc0 || p[3] == 0xbd);
}

/* pts at or after the keyframe's, across the 33-bit wrap. */
static int
pts_from_key(long long pts, long long key)
{
	return ((pts - key) & PTS_MASK) < (1LL << 32);
}

static struct sd_ring_audio *
ring_audio(struct sd_ring *rg, int pid, int add)
{
	size_t i;

	for (i = 0; i < rg->naud; i++)
		if (rg->aud[i].pid == pid)
			return &rg->aud[i];
	if (!add || rg->naud == SD_RING_AUDIO_MAX)
		return NULL;
	rg->aud[rg->naud] = (struct sd_ring_audio){ .pid = pid };
	return &rg->aud[rg->naud++];
}

/*
 * A packet of another PID than the video's, after a keyframe: 1 when it
 * completes that PID's first audio PES starting at or after the
 * keyframe, by its PES_packet_length, or when that length is unknown (0),
 * by the PID's next PES start.
 */
static int
ring_audio_packet(struct sd_ring *rg, const unsigned char *pkt, int pid)
{
	struct sd_ring_audio *a;
	size_t off = payload_at(pkt), n = SD_TS_PACKET - off;
	const unsigned char *p = pkt + off;
	long long pts;

	if (off == 0)
		return 0;
	if (pkt[1] & 0x40) {
		if (!pes_audio(p, n) || (a = ring_audio(rg, pid, 1)) == NULL)
			return 0;
		if (a->state == 1) {	/* the PES awaited ended before */
			a->state = 2;
			return 1;
		}
		if (a->state != 0 || (pts = pes_pts(p, n)) < 0 ||
		    !pts_from_key(pts, rg->key_pts))
			return 0;
		a->state = 1;
		if ((a->left = (size_t)(p[4] << 8 | p[5])) == 0)
			return 0;
		a->left += 6;
	} else if ((a = ring_audio(rg, pid, 0)) == NULL || a->state != 1 ||
	    a->left == 0)
		return 0;
	if (a->left > n) {
		a->left -= n;
		return 0;
	}
	a->state = 2;
	return 1;
}

/*
 * Look at the whole packets that came since the last look: entry points
 * (tsentry.c), and 1 where sd-cmafmux can end the segment before the
 * newest keyframe, as its demuxer sees it: the keyframe complete (the
 * next PES start on the video PID) and, once it is, each audio stream's
 * first PES from the keyframe on complete. There the chunk is written at
 * once, so the segment's last byte reaches the ring as it arrives, not
 * up to SD_RING_FLUSH_S later (the publication delay of sd-relay(7)).
 */
static int
ring_scan(struct sd_ring *rg)
{
	const unsigned char *pkt;
	size_t off;
	int cut = 0, pid, pusi;

	for (; rg->scanned + SD_TS_PACKET <= rg->len;
	    rg->scanned += SD_TS_PACKET) {
		pkt = (const unsigned char *)rg->buf + rg->scanned;
		pid = ((pkt[1] & 0x1f) << 8) | pkt[2];
		pusi = pkt[0] == 0x47 && (pkt[1] & 0x40);
		if (pusi && pid == rg->scan.video_pid) {
			if (rg->key_open) {
				rg->key_open = 0;
				cut = 1;
			}
			off = payload_at(pkt);
			rg->video_pts = off == 0 ? -1 :
			    pes_pts(pkt + off, SD_TS_PACKET - off);
		}
		if (ring_scan_packet(rg, rg->scanned) == 1) {
			rg->key_open = 1;
			rg->key_pts = rg->video_pts;
			rg->naud = 0;
		} else if (pkt[0] == 0x47 && pid != rg->scan.video_pid &&
		    rg->key_pts >= 0 && ring_audio_packet(rg, pkt, pid) &&
		    !rg->key_open)
			cut = 1;
	}
	return cut;
}

/* Write out the whole packets buffered as one chunk; keep the rest. */
int
sd_ring_flush(struct sd_ring *rg)
{
	char name[32];
	size_t whole = rg->len - rg->len % SD_TS_PACKET;

	rg->started = sd_mono_s();
	if (whole == 0)
		return 0;
	ring_scan(rg);
	snprintf(name, sizeof(name), "%016llu.ts",
	    (unsigned long long)rg->next);
	if (sd_segfile_write(rg->dir, name, rg->buf, whole, NULL, 0) == -1)
		return -1;
	rg->next++;
	rg->bytes += whole;
	memmove(rg->buf, rg->buf + whole, rg->len - whole);
	rg->len -= whole;
	rg->scanned = 0;
	if (rg->next - rg->first > rg->keep + SD_RING_TRIM)
		return ring_trim(rg);
	return ring_head_due(rg) ? ring_head_write(rg) : 0;
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
		if ((ring_scan(rg) || rg->len == SD_RING_CHUNK) &&
		    sd_ring_flush(rg) == -1)
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
	rg->len = rg->scanned = 0;
	rg->key_open = 0;
	rg->video_pts = rg->key_pts = -1;
	rg->naud = 0;
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

/* ---------------------------------------------------------------- wait */

/*
 * Readers wait for the writer's next rename into dir (a chunk, the head)
 * instead of looking every few milliseconds: an inotify descriptor, or -1
 * (then sd_ring_wait sleeps its time out).
 */
int
sd_ring_watch(const char *dir)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd == -1)
		return -1;
	if (inotify_add_watch(fd, dir, IN_MOVED_TO) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Drain what the watch saw (the events only say "look again"): one read
 * takes every event queued unless the buffer fills, so a drain costs one
 * system call, not a second one that fails with EAGAIN.
 */
void
sd_ring_watch_drain(int watch)
{
	char buf[16384]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	if (watch == -1)
		return;
	while ((n = read(watch, buf, sizeof(buf))) > 0 &&
	    (size_t)n > sizeof(buf) - sizeof(struct inotify_event) - NAME_MAX - 1)
		;
}

/* Wait at most ms for a rename into the ring: 1 one came (drained), 0 not. */
int
sd_ring_wait(int watch, int ms)
{
	struct pollfd p = { .fd = watch, .events = POLLIN };

	if (watch == -1) {
		sd_relay_sleep_ms(ms);
		return 0;
	}
	if (poll(&p, 1, ms) <= 0)
		return 0;
	sd_ring_watch_drain(watch);
	return 1;
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
	int rv, watch;

	signal(SIGPIPE, SIG_IGN);
	if (tail_start(dir, &cursor, &skip) == -1)
		return -1;
	if ((buf = malloc(65536)) == NULL)
		return -1;
	watch = sd_ring_watch(dir);
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
		sd_ring_wait(watch, watch == -1 ? 40 : 500);
	}
	if (watch != -1)
		close(watch);
	free(buf);
	return rv;
}
