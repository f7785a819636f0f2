/*
 * Fuzz lib/tsdemux.c: the input (after its first byte) is demuxed twice,
 * once whole and once in chunks whose sizes come from the first byte
 * (each chunk its own allocation, freed after sd_tsd_feed, so that a
 * pointer kept into fed bytes is a use after free). What the two runs
 * hand out must be the same, AU for AU and byte for byte, and within the
 * bounds tsdemux.h promises; any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tsdemux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct digest {
	uint64_t h;
	unsigned long aus, programs;
};

static void
mix(struct digest *g, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n-- > 0)
		g->h = (g->h ^ *b++) * 0x100000001b3ull;
}

static int
on_au(void *arg, const struct sd_tsd_au *au)
{
	struct digest *g = arg;
	const struct sd_tsd_stream *s = au->stream;

	if (au->len == 0 || au->len > SD_TSD_VIDEO_PES_MAX ||
	    (!s->is_video && au->len > SD_TSD_AUDIO_PES_MAX) ||
	    s->codec == SD_TSD_NONE || s->pid < 0x10 || s->pid > 0x1ffe ||
	    (au->pts != SD_TSD_NOTS && (au->pts < 0 || au->pts >> 33)) ||
	    (au->dts != SD_TSD_NOTS && (au->dts < 0 || au->dts >> 33)) ||
	    (au->pts == SD_TSD_NOTS) != (au->dts == SD_TSD_NOTS))
		abort();
	g->aus++;
	mix(g, &s->id, sizeof(s->id));
	mix(g, &au->pts, sizeof(au->pts));
	mix(g, &au->dts, sizeof(au->dts));
	mix(g, &au->flags, sizeof(au->flags));
	mix(g, &au->pos, sizeof(au->pos));
	mix(g, &au->len, sizeof(au->len));
	mix(g, au->data, au->len);	/* every byte read: ASan checks */
	return 0;
}

static int
on_program(void *arg, const struct sd_tsd_program *p)
{
	struct digest *g = arg;
	int k;

	if (p->nstreams < 0 || p->nstreams > SD_TSD_MAX_STREAMS ||
	    p->generation != g->programs + 1)
		abort();
	g->programs++;
	for (k = 0; k < p->nstreams; k++) {
		if (strlen(p->streams[k].lang) > 3)
			abort();
		mix(g, &p->streams[k].id, sizeof(p->streams[k].id));
		mix(g, &p->streams[k].pid, sizeof(p->streams[k].pid));
		mix(g, &p->streams[k].codec, sizeof(p->streams[k].codec));
	}
	mix(g, &p->changed, sizeof(p->changed));
	return 0;
}

/* Demux p[0..n) whole (seed 0) or in chunks drawn from seed. */
static void
run(const uint8_t *p, size_t n, int program, unsigned seed,
    struct digest *g)
{
	struct sd_tsd_cb cb = { on_au, on_program, g };
	struct sd_tsd *d;
	size_t o, len;
	uint8_t *chunk;

	memset(g, 0, sizeof(*g));
	g->h = 0xcbf29ce484222325ull;
	if ((d = sd_tsd_new(&cb, program)) == NULL)
		return;
	for (o = 0; o < n; o += len) {
		if (seed == 0)
			len = n;
		else {
			seed = seed * 1103515245u + 12345u;
			len = 1 + (seed >> 16) % 400;
		}
		if (len > n - o)
			len = n - o;
		if ((chunk = malloc(len)) == NULL)
			abort();
		memcpy(chunk, p + o, len);
		sd_tsd_feed(d, chunk, len);
		free(chunk);
	}
	sd_tsd_end(d);
	sd_tsd_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole, chunked;

	if (size < 1)
		return 0;
	/* the first byte: the program asked for, the chunk sizes */
	run(data + 1, size - 1, data[0] & 0x80 ? 2 : 0, 0, &whole);
	run(data + 1, size - 1, data[0] & 0x80 ? 2 : 0, data[0] | 1u,
	    &chunked);
	if (whole.h != chunked.h || whole.aus != chunked.aus ||
	    whole.programs != chunked.programs)
		abort();
	return 0;
}
