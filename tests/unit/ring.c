/*
 * ring.c unit tests: where the ring writer (sd_ring_write) cuts its
 * chunks. Real TS from scripts/gen-media goes in as a socket would hand it
 * over (1316 bytes a read); our own demuxer (tsdemux.c, another parser
 * than the ring's scan) then says, for each keyframe, the first byte at
 * which sd-cmafmux has what ends the segment before it: the keyframe
 * whole and, on every audio stream, a PES from the keyframe's PTS on. A
 * chunk must end within the read that brings that byte, so that the
 * segment reaches the ring as soon as its last byte does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "sd.h"
#include "ring.h"
#include "spool.h"
#include "tsdemux.h"
#include "mtap.h"

#define READ_SIZE	(7 * 188)	/* what one socket read hands over */
#define KEYS_MAX	4096
#define AUDIO_MAX	8

/* What the demuxer delivered so far, and where each cut became possible. */
struct cuts {
	uint64_t at;			/* bytes fed so far */
	int64_t key_pts;		/* the newest keyframe's, -1 */
	int key_seen;			/* delivered: the cut waits for audio */
	int audio_pid[AUDIO_MAX], naudio, audio_done[AUDIO_MAX];
	uint64_t ready[KEYS_MAX];	/* byte after which the cut can end */
	size_t nready;
};

static int
audio_slot(struct cuts *c, int pid)
{
	int i;

	for (i = 0; i < c->naudio; i++)
		if (c->audio_pid[i] == pid)
			return i;
	if (c->naudio == AUDIO_MAX)
		return -1;
	c->audio_pid[c->naudio] = pid;
	return c->naudio++;
}

static void
cut_ready_check(struct cuts *c)
{
	int i;

	if (!c->key_seen || c->nready == KEYS_MAX)
		return;
	for (i = 0; i < c->naudio; i++)
		if (!c->audio_done[i])
			return;
	c->ready[c->nready++] = c->at;
	c->key_seen = 0;
}

static int
on_au(void *arg, const struct sd_tsd_au *au)
{
	struct cuts *c = arg;
	int i;

	if (au->stream->is_video) {
		if (!(au->flags & SD_TSD_KEY) || au->pts == SD_TSD_NOTS)
			return 0;
		c->key_pts = au->pts;
		c->key_seen = 1;
		for (i = 0; i < c->naudio; i++)
			c->audio_done[i] = 0;
	} else if ((i = audio_slot(c, au->stream->pid)) >= 0 &&
	    c->key_pts >= 0 && au->pts != SD_TSD_NOTS &&
	    au->pts >= c->key_pts)
		c->audio_done[i] = 1;
	cut_ready_check(c);
	return 0;
}

static int
on_program(void *arg, const struct sd_tsd_program *p)
{
	(void)arg;
	(void)p;
	return 0;
}

/* The bytes after which each keyframe's cut can end, as tsdemux sees it. */
static void
demux_cuts(const char *data, size_t len, struct cuts *c)
{
	struct sd_tsd_cb cb = { on_au, on_program, c };
	struct sd_tsd *d = sd_tsd_new(&cb, 0);
	size_t i;

	memset(c, 0, sizeof(*c));
	c->key_pts = -1;
	for (i = 0; d != NULL && i + SD_TS_PACKET <= len; i += SD_TS_PACKET) {
		c->at = i + SD_TS_PACKET;
		sd_tsd_feed(d, data + i, SD_TS_PACKET);
	}
	sd_tsd_free(d);
}

/* The offsets where the ring's chunks end, fed READ_SIZE at a time. */
static size_t
ring_ends(const char *dir, const char *data, size_t len, uint64_t *ends,
    size_t max)
{
	struct sd_ring rg;
	unsigned long long next;
	size_t i, n, nends = 0;

	if (sd_ring_open(&rg, dir, 1000000) == -1)
		return 0;
	for (i = 0; i < len; i += n) {
		n = len - i < READ_SIZE ? len - i : READ_SIZE;
		next = rg.next;
		if (sd_ring_write(&rg, data + i, n) == -1)
			break;
		if (rg.next != next && nends < max)
			ends[nends++] = i + n - rg.len;
	}
	sd_ring_close(&rg);
	return nends;
}

static char *
media(const char *name)
{
	char cmd[4200], *out = NULL;
	const char *top = getenv("SD_TOP");
	FILE *fp;
	size_t cap = 0;
	ssize_t n;

	snprintf(cmd, sizeof(cmd), "%s/scripts/gen-media %s",
	    top ? top : ".", name);
	if ((fp = popen(cmd, "r")) == NULL)
		return NULL;
	n = getline(&out, &cap, fp);
	if (pclose(fp) != 0 || n <= 1) {
		free(out);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	return out;
}

static void
check_cuts(const char *name, const char *dir)
{
	char *path = media(name), *data = NULL, desc[160];
	static struct cuts c;
	static uint64_t ends[1 << 16];
	size_t len, nends, k, j, late = 0, chunks_bytes;

	if (path == NULL || sd_read_file(path, 1 << 28, &data, &len) == -1) {
		ok(0, "gen-media made the source");
		free(path);
		return;
	}
	demux_cuts(data, len, &c);
	nends = ring_ends(dir, data, len, ends, sizeof(ends) / sizeof(ends[0]));
	snprintf(desc, sizeof(desc), "%s: %zu cuts the demuxer can make, in "
	    "%zu chunks", name, c.nready, nends);
	ok(c.nready >= 3, desc);
	for (k = 0; k < c.nready; k++) {
		for (j = 0; j < nends && ends[j] < c.ready[k]; j++)
			;
		if (j == nends || ends[j] >= c.ready[k] + READ_SIZE) {
			late++;
			printf("# cut %zu possible after byte %llu, the next "
			    "chunk ends at %llu\n", k,
			    (unsigned long long)c.ready[k], j < nends ?
			    (unsigned long long)ends[j] : 0ULL);
		}
	}
	snprintf(desc, sizeof(desc), "%s: every cut's last byte ends a chunk "
	    "within the read that brought it (%zu late)", name, late);
	ok(late == 0, desc);
	chunks_bytes = nends ? (size_t)ends[nends - 1] : 0;
	snprintf(desc, sizeof(desc), "%s: chunks of %zu bytes on average, not "
	    "one a read", name, nends ? chunks_bytes / nends : 0);
	ok(nends > 0 && chunks_bytes / nends >= 4 * READ_SIZE, desc);
	free(data);
	free(path);
}

int
main(void)
{
	char dir[] = "/tmp/ring-test.XXXXXX";

	(void)capture_start;	/* mtap.h helpers this test does not use */
	(void)capture_end;
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	check_cuts("h264-aac.ts", dir);
	check_cuts("h264-2aac.ts", dir);
	check_cuts("h264-ac3.ts", dir);
	sd_spool_rmtree(dir, 0);
	return done();
}
