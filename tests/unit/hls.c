/*
 * hls.c - HLS playlists over the synthetic stores of tests/golden/manifest:
 * golden outputs byte for byte, then the rules players enforce, checked on
 * the text itself.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "store.h"
#include "mtap.h"

static const char *cases[] = {
	"vod", "event", "live-a", "live-b", "live-ended", "live-disc",
	"live-disc-first", "vod-disc", "multi-audio", "audio-only", "ts",
	"long-seg", "long-live", "names", "base", "live-seq4", "live-seq4-one",
	"vod-resize", "vod-single", "vod-single-list",
};

static int
load(const char *cs, struct sd_store *st, char *base, size_t len)
{
	char dir[1024], *b;
	const char *path;

	path = golden_path(cs, "");
	strlcpy(dir, path, sizeof(dir));
	dir[strlen(dir) - 1] = '\0';
	base[0] = '\0';
	if ((b = slurp(golden_path(cs, "base"))) != NULL) {
		b[strcspn(b, "\n")] = '\0';
		strlcpy(base, b, len);
		free(b);
	}
	sd_store_init(st);
	return sd_store_read(st, dir);
}

static long long
tag_value(const char *text, const char *tag)
{
	const char *p = strstr(text, tag);

	return p ? strtoll(p + strlen(tag), NULL, 10) : -1;
}

static int
count(const char *text, const char *what)
{
	const char *p;
	int n = 0;

	for (p = text; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

/* Every EXTINF rounded to the nearest integer <= TARGETDURATION. */
static int
extinf_within_target(const char *text)
{
	long long target = tag_value(text, "#EXT-X-TARGETDURATION:");
	const char *p;

	for (p = text; (p = strstr(p, "#EXTINF:")) != NULL; p++)
		if (llround(strtod(p + 8, NULL)) > target)
			return 0;
	return target > 0;
}

static char *
media(const struct sd_store *st, const char *track, const char *base)
{
	struct sd_buf b;

	sd_buf_init(&b);
	if (sd_hls_media(st, track, base, &b) == -1) {
		sd_buf_free(&b);
		return NULL;
	}
	return b.p;
}

static void
golden_case(const char *cs)
{
	struct sd_store st;
	struct sd_buf b;
	char base[256], name[64], desc[128], *text;
	size_t i;

	if (load(cs, &st, base, sizeof(base)) == -1) {
		ok(0, cs);
		return;
	}
	sd_buf_init(&b);
	snprintf(desc, sizeof(desc), "%s: master builds", cs);
	ok(sd_hls_master(&st, base, &b) == 0, desc);
	golden(cs, "master.m3u8", b.p ? b.p : "");
	sd_buf_free(&b);
	if (sd_store_track_index(&st, "ts") != -1) {
		ok(sd_hls_master_ts(&st, base, &b) == 0, "master-ts builds");
		golden(cs, "master-ts.m3u8", b.p ? b.p : "");
		sd_buf_free(&b);
	}
	for (i = 0; i < st.ntracks; i++) {
		snprintf(name, sizeof(name), "%s.m3u8", st.tracks[i].id);
		text = media(&st, st.tracks[i].id, base);
		golden(cs, name, text ? text : "");
		snprintf(desc, sizeof(desc), "%s/%s: rounded EXTINF <= "
		    "TARGETDURATION", cs, name);
		ok(text && extinf_within_target(text), desc);
		free(text);
	}
	sd_store_free(&st);
}

static char *
media_of(const char *cs, const char *track)
{
	struct sd_store st;
	char base[256], *text;

	if (load(cs, &st, base, sizeof(base)) == -1)
		return NULL;
	text = media(&st, track, base);
	sd_store_free(&st);
	return text;
}

static void
test_live_rules(void)
{
	char *a = media_of("live-a", "v0"), *b = media_of("live-b", "v0");
	char *d = media_of("live-disc", "v0");
	char *f = media_of("live-disc-first", "v0");
	char *l = media_of("long-live", "v0"), *v = media_of("vod", "v0");
	char *e = media_of("event", "v0");

	if (!a || !b || !d || !f || !l || !v || !e) {
		ok(0, "live stores load");
		return;
	}
	ok(tag_value(a, "#EXT-X-TARGETDURATION:") == 3 &&
	    tag_value(b, "#EXT-X-TARGETDURATION:") == 3,
	    "live: TARGETDURATION stays 3 after the 2.6 s segment left");
	ok(tag_value(b, "#EXT-X-MEDIA-SEQUENCE:") ==
	    tag_value(a, "#EXT-X-MEDIA-SEQUENCE:") + 1,
	    "live: MEDIA-SEQUENCE slides by one with the window");
	ok(count(a, "#EXTINF:") == 3 && count(b, "#EXTINF:") == 3,
	    "live: the window holds 3 segments");
	ok(count(a, "#EXT-X-ENDLIST") == 0 && count(a, "PLAYLIST-TYPE") == 0,
	    "live: no ENDLIST, no PLAYLIST-TYPE");
	ok(count(a, "#EXT-X-PROGRAM-DATE-TIME:2024-11-24T12:00:40.120Z") == 1,
	    "live: PROGRAM-DATE-TIME is start + t of the first segment");
	ok(tag_value(d, "#EXT-X-DISCONTINUITY-SEQUENCE:") == 2 &&
	    count(d, "#EXT-X-DISCONTINUITY\n") == 1 &&
	    count(d, "#EXT-X-MAP:") == 2,
	    "live-disc: DISCONTINUITY-SEQUENCE 2, one tag, a new MAP");
	ok(tag_value(f, "#EXT-X-DISCONTINUITY-SEQUENCE:") == 3 &&
	    count(f, "#EXT-X-DISCONTINUITY\n") == 0,
	    "disc on the first listed segment: counted, not tagged");
	ok(strstr(d, "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"v0-init-1.mp4\"\n"
	    "#EXT-X-PROGRAM-DATE-TIME:2024-11-24T12:01:24.120Z\n") != NULL,
	    "after a discontinuity: MAP and PROGRAM-DATE-TIME again");
	ok(tag_value(l, "#EXT-X-TARGETDURATION:") == 3,
	    "a 3.4 s live segment: TARGETDURATION 3 (nearest integer)");
	ok(count(v, "#EXT-X-PLAYLIST-TYPE:VOD") == 1 &&
	    count(v, "#EXT-X-ENDLIST") == 1 && count(v, "DATE-TIME") == 0,
	    "vod: PLAYLIST-TYPE VOD, ENDLIST, no PROGRAM-DATE-TIME");
	ok(count(e, "#EXT-X-PLAYLIST-TYPE:EVENT") == 1 &&
	    count(e, "#EXT-X-ENDLIST") == 0, "unfinished vod: EVENT, no ENDLIST");
	free(a);
	free(b);
	free(d);
	free(f);
	free(l);
	free(v);
	free(e);
}

static void
test_errors(void)
{
	struct sd_store st;
	struct sd_buf b;
	char base[256];
	const char *err;
	int rv;

	load("vod", &st, base, sizeof(base));
	sd_buf_init(&b);
	capture_start();
	rv = sd_hls_media(&st, "zz", NULL, &b);
	err = capture_end();
	ok(rv == -1 && strstr(err, "zz: no such track") != NULL,
	    "unknown track refused");
	capture_start();
	rv = sd_hls_master(&st, "http://x/\"><", &b);
	err = capture_end();
	ok(rv == -1 && strstr(err, "base URL") != NULL,
	    "a base URL with quotes refused");
	capture_start();
	rv = sd_hls_master_ts(&st, NULL, &b);
	err = capture_end();
	ok(rv == -1 && strstr(err, "no mpegts track") != NULL,
	    "master-ts of a store without TS refused");
	st.nsegs = 0;
	capture_start();
	rv = sd_hls_master(&st, NULL, &b);
	err = capture_end();
	ok(rv == -1 && strstr(err, "no segment yet") != NULL,
	    "master of an empty store refused");
	ok(sd_hls_media(&st, "v0", NULL, &b) == 0 &&
	    count(b.p, "#EXTINF") == 0, "an empty media playlist is fine");
	sd_buf_free(&b);
	sd_store_free(&st);
}

/*
 * A restarted writer's first index may list the video's first cut before
 * the audio's: the empty audio playlist keeps the store's numbers (its
 * next segment's), never MEDIA-SEQUENCE 0 behind what a player read.
 */
static void
test_empty_track(void)
{
	struct sd_store st;
	char base[256], *a = NULL, *v = NULL;
	size_t i, n = 0;

	if (load("live-seq4", &st, base, sizeof(base)) == -1) {
		ok(0, "live-seq4 loads");
		return;
	}
	for (i = 0; i < st.nsegs; i++)
		if (strcmp(st.tracks[st.segs[i].track].id, "a0") != 0)
			st.segs[n++] = st.segs[i];
	st.nsegs = n;
	a = media(&st, "a0", base);
	v = media(&st, "v0", base);
	ok(a != NULL && count(a, "#EXTINF:") == 0 &&
	    tag_value(a, "#EXT-X-MEDIA-SEQUENCE:") == 4,
	    "a track with no segment yet: MEDIA-SEQUENCE 4 (the store's), not 0");
	ok(v != NULL && tag_value(v, "#EXT-X-MEDIA-SEQUENCE:") == 4,
	    "the other track's playlist is untouched");
	st.nsegs = 0;
	free(a);
	a = media(&st, "a0", base);
	ok(a != NULL && tag_value(a, "#EXT-X-MEDIA-SEQUENCE:") == 0,
	    "no segment at all: the generation's first number (0)");
	free(a);
	free(v);
	sd_store_free(&st);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(cases); i++)
		golden_case(cases[i]);
	test_live_rules();
	test_empty_track();
	test_errors();
	return done();
}
