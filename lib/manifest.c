/*
 * manifest.c - every manifest of a store written at once (sd-cmafmux after
 * each index write, sd-manifest -a), through the HLS and DASH writers.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "manifest_common.h"
#include "util_int.h"
#include "segfile.h"

/* Written like the store's other files: created 0644, no fchmod. */
static int
write_one(const char *dir, const char *name, const struct sd_buf *b)
{
	return sd_segfile_write(dir, name, b->p, b->len, NULL, 0);
}

static int
has_type(const struct sd_store *st, const char *type, int want)
{
	size_t i;

	for (i = 0; i < st->ntracks; i++)
		if ((strcmp(st->tracks[i].type, type) == 0) == want)
			return 1;
	return 0;
}

enum which { MEDIA, MASTER, MASTER_TS, MPD };

static int
build(enum which w, const struct sd_store *st, size_t track,
    const char *base, double now, struct sd_buf *b)
{
	switch (w) {
	case MEDIA:
		return sd_hls_media(st, st->tracks[track].id, base, b);
	case MASTER:
		return sd_hls_master(st, base, b);
	case MASTER_TS:
		return sd_hls_master_ts(st, base, b);
	default:
		return sd_dash_mpd(st, base, now, b);
	}
}

static int
build_and_write(enum which w, const char *dir, const char *name,
    const struct sd_store *st, size_t track, const char *base, double now)
{
	struct sd_buf b;
	int rv = -1;

	sd_buf_init(&b);
	if (build(w, st, track, base, now, &b) == 0 && !b.failed)
		rv = write_one(dir, name, &b);
	sd_buf_free(&b);
	return rv;
}

/*
 * Media playlists first, masters and the MPD last: a client that reads a
 * new master always finds the playlists it names.
 */
int
sd_manifest_write_all_at(const char *dir, const struct sd_store *st,
    const char *base, double now)
{
	char name[SD_NAME_MAX];
	size_t i;
	int cmaf = has_type(st, "mpegts", 0), ts = has_type(st, "mpegts", 1);

	if (st->nsegs == 0)
		return 0;
	for (i = 0; i < st->ntracks; i++) {
		snprintf(name, sizeof(name), "%s.m3u8", st->tracks[i].id);
		if (build_and_write(MEDIA, dir, name, st, i, base, now) == -1)
			return -1;
	}
	if (build_and_write(MASTER, dir, "master.m3u8", st, 0, base, now) == -1)
		return -1;
	if (ts && build_and_write(MASTER_TS, dir, "master-ts.m3u8", st, 0,
	    base, now) == -1)
		return -1;
	if (cmaf && build_and_write(MPD, dir, "manifest.mpd", st, 0, base,
	    now) == -1)
		return -1;
	return 0;
}

static void
remove_one(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) <
	    sizeof(path) && unlink(path) == -1 && errno != ENOENT)
		warn("%s", path);
}

void
sd_manifest_remove_all(const char *dir, const struct sd_store *st)
{
	char name[SD_NAME_MAX];
	size_t i;

	for (i = 0; i < st->ntracks; i++) {
		snprintf(name, sizeof(name), "%s.m3u8", st->tracks[i].id);
		remove_one(dir, name);
	}
	remove_one(dir, "master.m3u8");
	remove_one(dir, "master-ts.m3u8");
	remove_one(dir, "manifest.mpd");
}

int
sd_manifest_write_all(const char *dir, const struct sd_store *st,
    const char *base)
{
	return sd_manifest_write_all_at(dir, st, base, sd_manifest_now(0));
}
