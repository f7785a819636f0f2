/*
 * ingest.c unit tests: which sources go through ffmpeg, the scheme check
 * config load uses, the HLS variant a profile allows, and the ingest
 * ffmpeg's argv (headers, variant map, no shell anywhere).
 */
#include <stdio.h>
#include <string.h>

#include "sd.h"
#include "ingest.h"
#include "util_int.h"
#include "config.h"
#include "mtap.h"

static void
kinds(void)
{
	ok(sd_ingest_kind("http://a/x.ts") == SD_INGEST_HTTP, "http");
	ok(sd_ingest_kind("HTTPS://a/x") == SD_INGEST_HTTP, "https, any case");
	ok(sd_ingest_kind("udp://127.0.0.1:5000") == SD_INGEST_STREAM, "udp");
	ok(sd_ingest_kind("srt://h:1?mode=caller") == SD_INGEST_STREAM, "srt");
	ok(sd_ingest_kind("rist://h:1") == SD_INGEST_STREAM, "rist");
	ok(sd_ingest_kind("rtp://h:1") == SD_INGEST_STREAM, "rtp");
	ok(sd_ingest_kind("/srv/a.ts") == SD_INGEST_FILE, "a path");
	ok(sd_ingest_kind("file:///srv/a.ts") == SD_INGEST_FILE, "file://");
	ok(sd_ingest_kind("gopher://h/x") == SD_INGEST_BAD, "gopher refused");
	ok(sd_ingest_kind("rtmp://h/x") == SD_INGEST_BAD, "rtmp refused");
	ok(sd_ingest_kind("c:x") == SD_INGEST_BAD, "a colon, no scheme");
	ok(!sd_ingest_via_ffmpeg("http://a/live.ts", NULL),
	    "MPEG-TS over HTTP: read by fetch.c");
	ok(sd_ingest_via_ffmpeg("http://a/live.m3u8?t=1", NULL),
	    "an .m3u8 with a query: ffmpeg");
	ok(sd_ingest_via_ffmpeg("http://a/live", "dash"),
	    "classified DASH whatever its name: ffmpeg");
	ok(sd_ingest_via_ffmpeg("udp://h:1", NULL),
	    "udp with a host name: ffmpeg resolves it");
	ok(!sd_ingest_via_ffmpeg("udp://127.0.0.1:5000", NULL),
	    "udp with an address: read by the session (dgram.c)");
	ok(sd_ingest_via_ffmpeg("srt://127.0.0.1:5000", NULL) &&
	    sd_ingest_via_ffmpeg("rist://127.0.0.1:5000", NULL),
	    "srt, rist: ffmpeg");
	is_str(sd_ingest_reader("http://a/live.ts", NULL), "ts",
	    "reader of MPEG-TS over HTTP: ts");
	is_str(sd_ingest_reader("udp://@239.1.1.1:5000?pkt_size=1316", NULL),
	    "udp", "reader of a multicast group: udp");
	is_str(sd_ingest_reader("rtp://127.0.0.1:5000", NULL), "rtp",
	    "reader of rtp://: rtp");
	is_str(sd_ingest_reader("udp://239.1.1.1:5000?sources=10.0.0.1",
	    NULL), "ffmpeg", "a source filter: ffmpeg's");
	is_str(sd_ingest_reader("/srv/a.ts", NULL), "ffmpeg",
	    "reader of a file: ffmpeg");
	ok(sd_ingest_reader("gopher://h/x", NULL) == NULL,
	    "reader of gopher: none");
}

static void
variants(void)
{
	struct sd_rec cls;
	struct sd_profile p;
	char why[256];

	sd_rec_init(&cls);
	sd_rec_add(&cls, "variant", "800000 640x360 avc1");
	sd_rec_add(&cls, "variant", "5000000 1920x1080 avc1");
	sd_rec_add(&cls, "variant", "2500000 1280x720 avc1");
	ok(sd_ingest_variant(&cls, NULL, why, sizeof(why)) == 1,
	    "no profile: the highest bandwidth");
	sd_profile_defaults(&p, "hd");
	p.width = 1280;
	p.height = 720;
	ok(sd_ingest_variant(&cls, &p, why, sizeof(why)) == 2,
	    "a 720p profile: the best variant within it");
	p.width = 320;
	p.height = 180;
	ok(sd_ingest_variant(&cls, &p, why, sizeof(why)) == 0,
	    "none fits: the smallest");
	sd_rec_free(&cls);
	sd_rec_init(&cls);
	ok(sd_ingest_variant(&cls, NULL, why, sizeof(why)) == -1,
	    "no variant= lines: -1");
	sd_rec_free(&cls);
}

static int
has(const struct sd_ingest_argv *a, const char *x, const char *y)
{
	size_t i;

	for (i = 0; i + 1 < a->n; i++)
		if (strcmp(a->v[i], x) == 0 && strcmp(a->v[i + 1], y) == 0)
			return 1;
	return 0;
}

static void
argvs(void)
{
	struct sd_ingest_argv a;

	ok(sd_ingest_argv(&a, "http://a/m.m3u8", "hls", 2, 5, NULL, NULL,
	    "User-Agent: x\r\n") == 0, "HLS argv");
	ok(has(&a, "-map", "0:p:2:v?") && has(&a, "-map", "0:p:2:a?"),
	    "HLS: the variant's program, video and audio renditions");
	ok(has(&a, "-headers", "User-Agent: x\r\n"), "HLS: the headers");
	ok(has(&a, "-rw_timeout", "5000000"), "http: the timeout in us");
	ok(has(&a, "-f", "mpegts") && strcmp(a.v[a.n - 1], "pipe:1") == 0 &&
	    a.v[a.n] == NULL, "MPEG-TS on stdout, argv ends with NULL");
	ok(sd_ingest_argv(&a, "/srv/a.mp4", NULL, -1, 5, NULL, NULL,
	    NULL) == 0 && has(&a, "-stream_loop", "-1") &&
	    strcmp(a.v[5], "-re") == 0, "a file: real time, looped");
	ok(sd_ingest_argv(&a, "udp://h:1", NULL, -1, 5, NULL, NULL,
	    "X: y\r\n") == 0 && !has(&a, "-headers", "X: y\r\n") &&
	    has(&a, "-map", "0:a?"), "udp: no http options, every track");
	ok(has(&a, "-analyzeduration", "1000000"),
	    "udp: one second of analysis, not five");
	ok(sd_ingest_argv(&a, "gopher://h/", NULL, -1, 5, NULL, NULL,
	    NULL) == -1, "gopher: no argv");
	ok(sd_ingest_argv(&a, "http://a/live.mpd", "dash", 1, 5, NULL, NULL,
	    NULL) == 0 && has(&a, "-map", "0:v:1?") && has(&a, "-map", "0:a?"),
	    "DASH: one video representation, every audio one");
	ok(sd_ingest_argv(&a, "http://a/get?id=7", "dash", -1, 5, NULL, NULL,
	    NULL) == 0 && has(&a, "-map", "0:v:0?") && has(&a, "-map", "0:a?"),
	    "DASH by its classification, no video chosen: the first");
	ok(has(&a, "-flush_packets", "1"), "each packet written at once");
}

/* DASH: the video representation by bandwidth within the profile, counted
 * among video representations only (ffmpeg's 0:v:N). */
static void
dash_reps(void)
{
	struct sd_rec cls;
	struct sd_profile p;
	char why[256];

	sd_rec_init(&cls);
	sd_rec_add(&cls, "representation", "a1 audio 128000 - mp4a.40.2");
	sd_rec_add(&cls, "representation", "v1 video 800000 640x360 avc1");
	sd_rec_add(&cls, "representation", "a2 audio 96000 - mp4a.40.2");
	sd_rec_add(&cls, "representation", "v2 video 5000000 1920x1080 avc1");
	sd_rec_add(&cls, "representation", "v3 - 2500000 1280x720 avc1");
	ok(sd_ingest_variant(&cls, NULL, why, sizeof(why)) == 1,
	    "DASH: the highest bandwidth video is v:1");
	memset(&p, 0, sizeof(p));
	p.width = 1280;
	p.height = 720;
	ok(sd_ingest_variant(&cls, &p, why, sizeof(why)) == 2,
	    "DASH: a 720p profile: v:2, typed by its size");
	p.width = 320;
	p.height = 180;
	ok(sd_ingest_variant(&cls, &p, why, sizeof(why)) == 0,
	    "DASH: none fits: the smallest, v:0");
	sd_rec_free(&cls);
	/* a video representation whose MPD gives no size still counts */
	sd_rec_init(&cls);
	sd_rec_add(&cls, "representation", "v1 video 800000 - avc1");
	sd_rec_add(&cls, "representation", "v2 video 3000000 - avc1");
	ok(sd_ingest_variant(&cls, NULL, why, sizeof(why)) == 1,
	    "DASH: video without a size: the highest bandwidth, v:1");
	sd_rec_free(&cls);
}

int
main(void)
{
	kinds();
	variants();
	dash_reps();
	argvs();
	return done();
}
