/*
 * hls_live.c unit tests: a live media playlist as the upstream session's
 * HLS reader follows it (segments numbered from EXT-X-MEDIA-SEQUENCE,
 * discontinuities, target duration, the end), what makes a playlist
 * ffmpeg's, which segment comes next after a reload (the newest at a
 * zap, a gap, a restart, a discontinuity), the variant of a master, and
 * the bounds: too many segments, not a playlist, hostile lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "ingest.h"
#include "hls_live.h"
#include "mtap.h"

static const char live[] =
    "#EXTM3U\r\n"
    "#EXT-X-VERSION:3\r\n"
    "#EXT-X-TARGETDURATION:2\r\n"
    "#EXT-X-MEDIA-SEQUENCE:41\r\n"
    "#EXTINF:2.000000,\r\n"
    "live41.ts\r\n"
    "#EXTINF:1.960000,\r\n"
    "  live42.ts  \r\n"
    "#EXT-X-DISCONTINUITY\r\n"
    "#EXTINF:2.040000,\r\n"
    "http://cdn.example/x/live43.ts?tok=1\r\n";

static int
parse(struct sd_hls_live *l, const char *text)
{
	return sd_hls_live_parse(l, text, strlen(text));
}

static void
test_live(void)
{
	struct sd_hls_live l;

	ok(parse(&l, live) == 0, "a live media playlist parses");
	ok(!l.master && l.n == 3, "three segments");
	ok(l.target == 2 && l.first_seq == 41 && !l.endlist && l.unfit == 0,
	    "target 2, sequence 41, live, nothing only ffmpeg reads");
	ok(l.seg[0].seq == 41 && l.seg[2].seq == 43, "numbered 41..43");
	is_str(l.seg[1].uri, "live42.ts", "URI lines are trimmed");
	is_str(l.seg[2].uri, "http://cdn.example/x/live43.ts?tok=1",
	    "absolute URI kept as written");
	ok(!l.seg[1].discontinuity && l.seg[2].discontinuity,
	    "EXT-X-DISCONTINUITY marks the segment after it");
	ok(l.seg[1].duration > 1.95 && l.seg[1].duration < 1.97,
	    "EXTINF duration read");
	sd_hls_live_free(&l);
}

static void
test_next(void)
{
	struct sd_hls_live l;
	int jump;

	parse(&l, live);
	ok(sd_hls_live_next(&l, -1, &jump) == 1 && !jump,
	    "zap: the one before the newest first (two segments at once)");
	ok(sd_hls_live_next(&l, 43, &jump) == -1,
	    "nothing new after the newest");
	ok(sd_hls_live_next(&l, 41, &jump) == 1 && !jump,
	    "after 41 comes 42, no jump");
	ok(sd_hls_live_next(&l, 42, &jump) == 2 && jump,
	    "after 42 comes 43, a discontinuity: a jump");
	ok(sd_hls_live_next(&l, 30, &jump) == 0 && jump,
	    "fell behind (30, list starts at 41): the oldest, a jump");
	ok(sd_hls_live_next(&l, 900, &jump) == 2 && jump,
	    "the sequence restarted lower: its newest, a jump");
	sd_hls_live_free(&l);
	parse(&l, "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.ts\n");
	ok(sd_hls_live_next(&l, -1, &jump) == 0,
	    "zap on a playlist of one segment: that one");
	sd_hls_live_free(&l);
	parse(&l, "#EXTM3U\n#EXT-X-TARGETDURATION:1\n");
	ok(l.n == 0 && sd_hls_live_next(&l, -1, &jump) == -1,
	    "an empty live playlist: nothing to fetch");
	sd_hls_live_free(&l);
}

static void
unfit(const char *text, int want, const char *desc)
{
	struct sd_hls_live l;
	char words[256];

	ok(parse(&l, text) == 0 && l.unfit == want, desc);
	if (l.unfit != want)
		printf("# got %#x (%s)\n", l.unfit,
		    sd_hls_live_unfit_text(l.unfit, words, sizeof(words)));
	sd_hls_live_free(&l);
}

static void
test_unfit(void)
{
	char words[256];

	unfit("#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\"\n#EXTINF:2,\na.ts\n",
	    SD_HLS_UNFIT_KEY, "AES-128 key: ffmpeg's");
	unfit("#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n#EXTINF:2,\na.ts\n",
	    SD_HLS_UNFIT_KEY, "SAMPLE-AES key: ffmpeg's");
	unfit("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=NONE\n"
	    "#EXTINF:2,\na.ts\n", 0, "METHOD=NONE: ours");
	unfit("#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2,\na.m4s\n",
	    SD_HLS_UNFIT_FMP4, "EXT-X-MAP: ffmpeg's");
	unfit("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg1.m4s\n",
	    SD_HLS_UNFIT_FMP4, "fMP4 segment names: ffmpeg's");
	unfit("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n"
	    "#EXT-X-BYTERANGE:1000@0\nall.ts\n", SD_HLS_UNFIT_RANGE,
	    "EXT-X-BYTERANGE: ffmpeg's");
	is_str(sd_hls_live_unfit_text(SD_HLS_UNFIT_KEY | SD_HLS_UNFIT_RANGE,
	    words, sizeof(words)), "encrypted segments (EXT-X-KEY), "
	    "byte ranges (EXT-X-BYTERANGE)", "the reasons in words");
}

static void
test_map(void)
{
	struct sd_hls_live l;

	ok(parse(&l, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.m4s\n"
	    "#EXT-X-MAP:URI=\"init0.mp4\"\n#EXTINF:2,\nb.m4s\n"
	    "#EXT-X-MAP:URI=\"init1.mp4\"\n#EXTINF:2,\nc.m4s\n") == 0 &&
	    l.n == 3, "an fMP4 playlist parses");
	ok(l.seg[0].map == NULL, "no EXT-X-MAP before the first segment");
	is_str(l.seg[1].map, "init0.mp4", "the MAP's URI, unquoted");
	is_str(l.seg[2].map, "init1.mp4", "a later MAP for what follows it");
	ok(l.unfit == SD_HLS_UNFIT_FMP4, "fMP4, nothing else");
	sd_hls_live_free(&l);
	ok(parse(&l, "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\",BYTERANGE=\"9@0\"\n"
	    "#EXTINF:2,\na.m4s\n") == 0 && (l.unfit & SD_HLS_UNFIT_RANGE),
	    "a MAP with a byte range: ffmpeg's");
	sd_hls_live_free(&l);
	ok(parse(&l, "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4?BYTERANGE=1&URI=\"\n"
	    "#EXTINF:2,\na.m4s\n") == 0 && l.unfit == SD_HLS_UNFIT_FMP4 &&
	    l.seg[0].map != NULL && strcmp(l.seg[0].map,
	    "i.mp4?BYTERANGE=1&URI=") == 0,
	    "a MAP's attributes as RFC 8216 lists them, not words in its URI");
	sd_hls_live_free(&l);
	ok(parse(&l, "#EXTM3U\n#EXT-X-MAP:XURI=\"x.mp4\",URI=\"i.mp4\"\n"
	    "#EXTINF:2,\na.m4s\n") == 0 && l.seg[0].map != NULL &&
	    strcmp(l.seg[0].map, "i.mp4") == 0, "the URI attribute, not XURI");
	sd_hls_live_free(&l);
	ok(parse(&l, "#EXTM3U\n#EXT-X-MAP:URI=\"\n#EXTINF:2,\na.m4s\n") ==
	    0 && l.seg[0].map == NULL, "a MAP without a closing quote: none");
	sd_hls_live_free(&l);
}

static void
test_end_and_bad(void)
{
	struct sd_hls_live l;
	char *big;
	size_t i, n = 0, cap = 60 * (SD_HLS_LIVE_ENTRIES + 2);

	ok(parse(&l, "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.ts\n"
	    "#EXT-X-ENDLIST\n") == 0 && l.endlist && l.n == 1,
	    "EXT-X-ENDLIST read");
	sd_hls_live_free(&l);
	errno = 0;
	ok(parse(&l, "<html>not found</html>") == -1 && errno == EINVAL,
	    "not #EXTM3U: EINVAL");
	sd_hls_live_free(&l);
	ok(parse(&l, "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-5\n"
	    "#EXT-X-TARGETDURATION:99999999\n#EXTINF:abc,\na.ts\n") == 0 &&
	    l.first_seq == 0 && l.target == 0 && l.seg[0].duration == 0,
	    "bad numbers read as absent");
	sd_hls_live_free(&l);
	ok(parse(&l, "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999\n"
	    "#EXTINF:1,\na.ts\n") == 0 && l.first_seq == 0,
	    "a sequence past the bound reads as 0");
	sd_hls_live_free(&l);
	ok(sd_hls_live_parse(&l, "#EXTM3U\n#EXTINF:1,\na\0b.ts\nc.ts\n", 31)
	    == 0 && l.n == 1 && strcmp(l.seg[0].uri, "c.ts") == 0,
	    "a line with a NUL inside is skipped");
	sd_hls_live_free(&l);
	if ((big = malloc(cap)) == NULL)
		abort();
	n = (size_t)snprintf(big, cap, "#EXTM3U\n");
	for (i = 0; i <= SD_HLS_LIVE_ENTRIES; i++)
		n += (size_t)snprintf(big + n, cap - n, "s%zu.ts\n", i);
	errno = 0;
	ok(sd_hls_live_parse(&l, big, n) == -1 && errno == E2BIG,
	    "more than 50000 segments: E2BIG");
	sd_hls_live_free(&l);
	free(big);
}

static const char master[] =
    "#EXTM3U\n"
    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"en\",DEFAULT=YES,"
    "URI=\"en.m3u8\"\n"
    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"in\",NAME=\"main\",DEFAULT=YES\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,AUDIO=\"in\"\n"
    "low.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,"
    "AUDIO=\"aud\"\n"
    "high.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=1920x1080\n";

static void
test_master(void)
{
	struct sd_hls *m = malloc(sizeof(*m));
	struct sd_hls_live l;
	char *argv[] = { "ffmpeg", "-i", "u", "-map", "0:p:0:v?", "-map",
	    "0:p:0:a?", NULL };
	char *none[] = { "ffmpeg", "-i", "u", "-map", "0:v?", NULL };

	if (m == NULL)
		abort();
	ok(parse(&l, master) == 0 && l.master && l.n == 0,
	    "a master: no segments");
	sd_hls_live_free(&l);
	sd_hls_parse(master, strlen(master), m);
	ok(sd_hls_live_variant(m, -1) == 1,
	    "no hint: the highest bandwidth with a URI (ingest.c's choice)");
	ok(sd_hls_live_variant(m, 0) == 0, "the hint is taken");
	ok(sd_hls_live_variant(m, 2) == 1, "a hint without a URI: not taken");
	ok(sd_hls_live_variant(m, 77) == 1, "a hint past the list: not taken");
	ok(sd_hls_live_variant_unfit(m, 1) == SD_HLS_UNFIT_AUDIO,
	    "audio in a rendition's playlist: ffmpeg's");
	ok(sd_hls_live_variant_unfit(m, 0) == 0,
	    "a rendition without URI (audio in the variant): ours");
	ok(sd_ingest_argv_variant(argv) == 0 &&
	    sd_ingest_argv_variant(none) == -1 &&
	    sd_ingest_argv_variant(NULL) == -1,
	    "the variant an ingest argv maps is read back");
	free(m);
}

int
main(void)
{
	test_live();
	test_next();
	test_unfit();
	test_map();
	test_end_and_bad();
	test_master();
	return done();
}
