/*
 * passthru.c unit tests: how upstream HLS playlists and DASH MPDs are
 * rewritten (sd_pass_rewrite, no files written), hostile bodies included.
 */
#include <regex.h>
#include <string.h>

#include "sd.h"
#include "passthru.h"
#include "mtap.h"

static const char *FROM = "http://up.example/live/ch1/index.m3u8";

static struct sd_buf out;

static int
rewrite(const char *body)
{
	sd_buf_free(&out);
	sd_buf_init(&out);
	return sd_pass_rewrite(body, strlen(body), NULL, FROM, "/sd/p1/", &out);
}

/* Every line of out that matches `select` also matches `want`. */
static int
lines_like(const char *select, const char *want, int *count)
{
	regex_t rs, rw;
	char *copy, *line, *save;
	int all = 1;

	*count = 0;
	if (regcomp(&rs, select, REG_EXTENDED | REG_NOSUB) != 0 ||
	    regcomp(&rw, want, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	copy = strdup(out.p ? out.p : "");
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (regexec(&rs, line, 0, NULL, 0) != 0)
			continue;
		(*count)++;
		if (regexec(&rw, line, 0, NULL, 0) != 0) {
			printf("# line: %s\n", line);
			all = 0;
		}
	}
	free(copy);
	regfree(&rs);
	regfree(&rw);
	return all;
}

static void
test_hls(void)
{
	int n;

	ok(rewrite("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n"
	    "low/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\n"
	    "http://other.example/hi.m3u8?tok=abc\n"
	    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"en\","
	    "URI=\"audio/en.m3u8\"\n") == 0, "a master playlist");
	ok(lines_like("^[^#]", "^/sd/p1/p/[0-9a-f]{16}\\.m3u8$", &n) && n == 2,
	    "master: variant URIs become p/HASH.m3u8");
	ok(lines_like("^#EXT-X-MEDIA", "URI=\"/sd/p1/p/[0-9a-f]{16}\\.m3u8\"",
	    &n) && n == 1, "master: the audio rendition's URI too");
	ok(strstr(out.p, "up.example") == NULL &&
	    strstr(out.p, "other.example") == NULL, "master: no upstream URL");
	ok(strstr(out.p, "BANDWIDTH=800000") != NULL, "master: tags kept");

	ok(rewrite("#EXTM3U\r\n#EXT-X-TARGETDURATION:2\r\n"
	    "#EXT-X-MEDIA-SEQUENCE:41\r\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example/k?id=1\","
	    "IV=0x1\r\n#EXT-X-MAP:URI=\"init.mp4\"\r\n#EXTINF:2.000,\r\n"
	    "seg41.m4s\r\n#EXT-X-DISCONTINUITY\r\n#EXTINF:2.000,\r\n"
	    "/abs/seg42.TS?x=1\r\n\r\n#EXTINF:2,\r\nnoext\r\n") == 0,
	    "a media playlist (CRLF, blank lines)");
	ok(lines_like("^[^#]", "^/sd/p1/s/[0-9a-f]{16}\\.(m4s|ts|bin)$", &n) &&
	    n == 3, "media: segment URIs become s/HASH.EXT");
	ok(strstr(out.p, ".ts\n") != NULL, "media: the extension in lower case");
	ok(strstr(out.p, ".bin\n") != NULL, "media: no extension -> .bin");
	ok(lines_like("^#EXT-X-(KEY|MAP)", "URI=\"/sd/p1/s/[0-9a-f]{16}\\.",
	    &n) && n == 2, "media: key and map URIs rewritten");
	ok(strstr(out.p, "IV=0x1\n") != NULL, "media: attributes after URI kept");
	ok(strstr(out.p, "#EXT-X-MEDIA-SEQUENCE:41\n") != NULL &&
	    strstr(out.p, "#EXT-X-DISCONTINUITY\n") != NULL,
	    "media: sequence and discontinuity kept");
	ok(strchr(out.p, '\r') == NULL, "media: no CR left");
}

static void
test_dash(void)
{
	int n;

	ok(rewrite("<?xml version=\"1.0\"?>\n<MPD type=\"dynamic\">"
	    "<Location>http://up.example/live/x.mpd</Location>\n<Period>"
	    "<AdaptationSet><SegmentTemplate media=\"v-$Number$.m4s\"/>"
	    "</AdaptationSet></Period></MPD>\n") == 0, "an MPD");
	ok(lines_like("<BaseURL>", "^ *<BaseURL>/sd/p1/d/[0-9a-f]{16}/</BaseURL>$",
	    &n) && n == 1, "MPD: a BaseURL through sd-serve");
	ok(strstr(out.p, "Location") == NULL, "MPD: its Location removed");
	ok(strstr(out.p, "media=\"v-$Number$.m4s\"") != NULL,
	    "MPD: templates kept");
	ok(lines_like("UTCTiming", "^ *<UTCTiming schemeIdUri=\"urn:mpeg:dash:"
	    "utc:direct:2014\" value=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\"/>$",
	    &n) && n == 1 && strstr(out.p, "UTCTiming") <
	    strstr(out.p, "</MPD>"), "MPD: a live one gets the time, before its end");
	ok(rewrite("<MPD type='dynamic'><Period/><UTCTiming schemeIdUri=\"urn:"
	    "mpeg:dash:utc:http-xsdate:2014\" value=\"http://t/\"/></MPD>") == 0 &&
	    lines_like("UTCTiming", "http-xsdate", &n) && n == 1,
	    "MPD: its own UTCTiming kept, none added");
	ok(rewrite("<MPD profiles=\"p\" type='dynamic'><Period/></MPD>") == 0 &&
	    lines_like("UTCTiming", "direct:2014", &n) && n == 1 &&
	    strstr(out.p, "UTCTiming") < strstr(out.p, "</MPD>"),
	    "MPD: type='dynamic' (single quotes, no newline at the end): the time");
	ok(rewrite("<MPD xsi:type=\"dynamic\" type=\"static\"><Period/></MPD>")
	    == 0 && strstr(out.p, "UTCTiming") == NULL,
	    "MPD: type=\"static\" is static, whatever another attribute says");

	ok(rewrite("<MPD><BaseURL>http://cdn.example/v/</BaseURL><Period>"
	    "<BaseURL>p1/</BaseURL></Period></MPD>") == 0,
	    "an MPD with BaseURLs");
	ok(strstr(out.p, "cdn.example") == NULL, "MPD: absolute BaseURL rewritten");
	ok(strstr(out.p, "UTCTiming") == NULL, "MPD: a static one gets no time");
	ok(strstr(out.p, "<BaseURL>p1/</BaseURL>") != NULL,
	    "MPD: a relative Period BaseURL kept");
}

static void
bad(const char *body, size_t len, const char *desc)
{
	const char *err;

	sd_buf_free(&out);
	sd_buf_init(&out);
	capture_start();
	ok(sd_pass_rewrite(body, len, NULL, FROM, "/sd/p1/", &out) == -1, desc);
	err = capture_end();
	ok(err[0] != '\0', "... with a warning");
}

/* A playlist naming more than 50,000 files is refused as a whole. */
static void
test_cap(void)
{
	struct sd_buf b;
	int i;

	sd_buf_init(&b);
	sd_buf_printf(&b, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n");
	for (i = 0; i < 50000; i++)
		sd_buf_printf(&b, "#EXTINF:2,\n  s%d.ts\r\n", i);
	ok(rewrite(b.p) == 0, "50,000 entries: rewritten");
	sd_buf_printf(&b, "#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n");
	bad(b.p, b.len, "50,001 entries (a URI attribute the last): refused");
	sd_buf_free(&b);
}

int
main(void)
{
	static char longline[20000];

	sd_buf_init(&out);
	test_hls();
	test_dash();
	test_cap();
	bad("<html>hello</html>", 18, "not a manifest: refused");
	bad("#EXTM3U\n\0seg.ts\n", 16, "a NUL byte: refused");
	memcpy(longline, "#EXTM3U\n", 8);
	memset(longline + 8, 'a', sizeof(longline) - 9);
	bad(longline, strlen(longline), "an over-long line: refused");
	ok(rewrite("#EXTM3U\n#EXT-X-KEY:URI=\"open\n") == 0 &&
	    strstr(out.p, "\"open") != NULL, "an unterminated URI is left as is");
	sd_buf_free(&out);
	return done();
}
