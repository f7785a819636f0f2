/*
 * ring.h - the TS ring of a live session (ring.c), for lib/ only: the
 * writer (the upstream session), the readers' cursors (TS clients and
 * pipelines) and the files they share in SPOOL/PROXY/ts/ (sd-relay(7)).
 * Stands on spool.h; sd_relay_tail, the TS client's copy, is at the end.
 */
#ifndef SD_RING_H
#define SD_RING_H

#include "sd.h"
#include "tsentry.h"

#define SD_RING_CHUNK (188 * 1024)	/* bytes a chunk holds at most: half
					 * a second of 3 Mbit/s */
#define SD_RING_FLUSH_S 0.5		/* a chunk is cut at least this often;
					 * at once where a segment can end */
#define SD_RING_KEEP 256		/* chunks the ring keeps */
#define SD_RING_TRIM 16			/* ... removed this many at once */
#define SD_RING_HEAD_S 2.0		/* `head` is at most this old */
#define SD_RING_AUDIO_MAX 8		/* audio PIDs a cut waits for */
#define SD_TAIL_STALL_S 30		/* a reader gives up without data */
#define SD_TAIL_WRITE_TIMEOUT_S 60	/* ... or when its client blocks */
#define SD_ENTRY_WAIT_S 5		/* a new TS client waits this long for
					 * an entry point, then takes the edge */

/*
 * An audio stream after a keyframe: sd-cmafmux ends the segment before
 * the keyframe once every track has a sample that lasts to its time;
 * here, where a PES's frames end is not read, the first audio PES that
 * starts at or after the keyframe's PTS (the PES before it may reach the
 * time already: sd-cmafmux then cuts from an earlier chunk).
 */
struct sd_ring_audio {
	int pid;
	int state;			/* 0 waiting, 1 in that PES, 2 done */
	size_t left;			/* its bytes still to come; 0: unknown
					 * (done at the PID's next PES) */
};

/* The writer: one per ring, in the upstream session. */
struct sd_ring {
	struct sd_ts_scan scan;		/* entry points: in `head` */
	unsigned long long prev_chunk;	/* the entry point before the newest */
	size_t prev_off;
	int have_prev;
	char dir[4096];
	unsigned long long first, next;	/* oldest chunk, next to write */
	unsigned keep;
	unsigned conn;			/* upstream connections so far */
	unsigned long long bytes;	/* written to chunks */
	double started;			/* when the open chunk began */
	double head_at;			/* when `head` was written */
	unsigned long long head_entry;	/* the entry point it names, or
					 * ULLONG_MAX */
	size_t head_entry_off;
	char *buf;
	size_t len;
	size_t scanned;			/* bytes of buf looked at */
	int key_open;			/* an entry point's keyframe goes on */
	long long video_pts;		/* the video PES in hand's, -1 */
	long long key_pts;		/* the newest keyframe's, -1 */
	struct sd_ring_audio aud[SD_RING_AUDIO_MAX];
	size_t naud;			/* audio PIDs seen since that keyframe */
};
/* Chunks a dead session left in dir are removed; numbering goes on. */
int sd_ring_open(struct sd_ring *rg, const char *dir, unsigned keep);
int sd_ring_write(struct sd_ring *rg, const void *data, size_t n);
int sd_ring_flush(struct sd_ring *rg);
/* A new upstream connection: a partial packet is dropped. */
int sd_ring_new_conn(struct sd_ring *rg);
void sd_ring_close(struct sd_ring *rg);

/* Readers: the chunks present, the newest entry point, a cursor's next. */
int sd_ring_head(const char *dir, unsigned long long *first,
    unsigned long long *last);
int sd_ring_entry(const char *dir, unsigned long long *chunk,
    size_t *off);
/* 1: chunk *cursor is there (cursor maybe moved), 0: not yet, -1: no ring */
int sd_ring_next(const char *dir, unsigned long long *cursor);
/* The newest whole chunk, waiting at most wait s: 0, or -1 (ETIMEDOUT). */
int sd_ring_edge(const char *dir, int wait, unsigned long long *cursor);
/*
 * A pipeline's first chunk: the entry point before the newest (a whole
 * GOP the pipeline can cut at once), else the newest, else the edge.
 */
int sd_ring_start(const char *dir, unsigned long long *cursor);

/*
 * Waiting for the writer: a watch on the ring's folder (-1: none, then
 * sd_ring_wait sleeps), 1 when a file was renamed into it within ms.
 */
int sd_ring_watch(const char *dir);
int sd_ring_wait(int watch, int ms);
void sd_ring_watch_drain(int watch);

/*
 * Copy the live TS of the ring in dir (SPOOL/PROXY/ts) to out_fd from the
 * live edge, byte for byte as the source sent it, until the client goes
 * away (0), the session ends (0) or no data came for a long time (-1,
 * ETIMEDOUT). Keeps the session used while it copies.
 */
int sd_relay_tail(const char *dir, int out_fd);

#endif /* SD_RING_H */
