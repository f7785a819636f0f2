/*
 * classify.c - the pure half of sd-classify: format sniffing, the HLS and
 * DASH readers and CODECS names, on well-formed input (the sd-manifest
 * golden files, small playlists in the forms RFC 8216 and ISO
 * 23009-1 give) and on hostile input (cut, oversized, unterminated, NUL
 * bytes, lists past their caps). End-to-end cases on ffmpeg's own HLS and
 * DASH output are in tests/classify.t.
 */
#include <stdlib.h>
#include <string.h>

#include "mtap.h"
#include "sd.h"
#include "classify.h"

static void
is_int(long long got, long long want, const char *desc)
{
	ok(got == want, desc);
	if (got != want)
		printf("# got %lld, expected %lld\n", got, want);
}

static char *
golden_file(const char *cs, const char *file)
{
	return slurp(golden_path(cs, file));
}

/* ---------------------------------------------------------------- sniff */

static void
ts_packets(unsigned char *buf, size_t n, size_t stride, size_t sync_at,
    size_t skip)
{
	size_t i;

	memset(buf, 0xff, n);
	for (i = skip + sync_at; i < n; i += stride)
		buf[i] = 0x47;
}

static void
test_sniff(void)
{
	static unsigned char buf[204 * 10];
	static const char mpd_prolog[] =
	    "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- a <comment> -->\n"
	    "<!DOCTYPE x>\n<mpd:MPD xmlns:mpd=\"urn:mpeg:dash:schema:mpd:2011\">";
	size_t n;

	is_str(sd_format_name(sd_sniff_format("#EXTM3U\n", 8)), "hls",
	    "#EXTM3U: hls");
	is_str(sd_format_name(sd_sniff_format("\xef\xbb\xbf \r\n#EXTM3U", 13)),
	    "hls", "a BOM and blanks before #EXTM3U: hls");
	is_str(sd_format_name(sd_sniff_format("#EXTM3", 6)), "other",
	    "#EXTM3 cut short: other");
	is_str(sd_format_name(sd_sniff_format(mpd_prolog, strlen(mpd_prolog))),
	    "dash", "MPD after a prolog, comment, doctype, with a prefix: dash");
	is_str(sd_format_name(sd_sniff_format("<MPDX>", 6)), "other",
	    "<MPDX>: other");
	is_str(sd_format_name(sd_sniff_format("<html><MPD>", 11)), "other",
	    "an MPD element that is not the root: other");
	is_str(sd_format_name(sd_sniff_format("<!-- never ends", 15)), "other",
	    "an unterminated comment: other");

	ts_packets(buf, 188 * 10, 188, 0, 0);
	is_str(sd_format_name(sd_sniff_format(buf, 188 * 10)), "mpegts",
	    "sync every 188 bytes: mpegts");
	ts_packets(buf, 188 * 10, 188, 0, 100);
	is_str(sd_format_name(sd_sniff_format(buf, 188 * 10)), "mpegts",
	    "starting mid-packet: mpegts");
	ts_packets(buf, 192 * 10, 192, 4, 0);
	is_str(sd_format_name(sd_sniff_format(buf, 192 * 10)), "mpegts",
	    "M2TS, 192-byte packets: mpegts");
	ts_packets(buf, 204 * 10, 204, 0, 0);
	is_str(sd_format_name(sd_sniff_format(buf, 204 * 10)), "mpegts",
	    "204-byte packets: mpegts");
	ts_packets(buf, 188 * 2, 188, 0, 0);
	is_str(sd_format_name(sd_sniff_format(buf, 188 * 2)), "other",
	    "two packets are not enough: other");
	ts_packets(buf, 188 * 10, 188, 0, 0);
	buf[188 * 5] = 0;
	n = 188 * 10;
	is_str(sd_format_name(sd_sniff_format(buf, n)), "other",
	    "one sync byte missing: other");
	is_str(sd_format_name(sd_sniff_format(NULL, 0)), "other",
	    "nothing: other");
}

/* ---------------------------------------------------------------- HLS */

static void
test_hls_golden(void)
{
	char *m = golden_file("base", "master.m3u8");
	char *v = golden_file("base", "v0.m3u8");
	struct sd_hls *h = calloc(1, sizeof(*h));

	if (m == NULL || v == NULL || h == NULL) {
		ok(0, "golden master.m3u8 and v0.m3u8 readable");
		free(m), free(v), free(h);
		return;
	}
	ok(sd_hls_parse(m, strlen(m), h) == 0 && h->master,
	    "golden master: a master playlist");
	is_int((long long)h->nvariants, 1, "golden master: one variant");
	is_int(h->variants[0].bandwidth, 2096000, "golden master: BANDWIDTH");
	is_str(h->variants[0].codecs, "avc1.64001f,mp4a.40.2",
	    "golden master: quoted CODECS with a comma");
	is_int(h->variants[0].width * 10000LL + h->variants[0].height,
	    12800720, "golden master: RESOLUTION");
	is_str(h->variants[0].frame_rate, "25.000", "golden master: FRAME-RATE");
	is_str(h->variants[0].audio, "audio-aac", "golden master: AUDIO");
	is_str(h->variants[0].uri, "https://cdn.example/a&b$c/v0.m3u8",
	    "golden master: the variant's URI");
	is_int((long long)h->nmedia, 1, "golden master: one EXT-X-MEDIA");
	is_str(h->media[0].lang, "eng", "golden master: its LANGUAGE");
	ok(h->media[0].is_default, "golden master: DEFAULT=YES");
	is_int(sd_hls_best_variant(h), 0, "golden master: best variant");

	ok(sd_hls_parse(v, strlen(v), h) == 0 && !h->master,
	    "golden v0: a media playlist");
	ok(h->segs == SD_SEGS_FMP4, "golden v0: EXT-X-MAP means fMP4");
	ok(h->endlist && !h->encrypted, "golden v0: ENDLIST, clear");
	is_int((long long)h->target_duration, 2, "golden v0: TARGETDURATION");
	is_int((long long)h->nsegments, 2, "golden v0: segments");
	is_int((long long)(h->duration * 1000), 4000, "golden v0: duration");
	is_int(h->version, 7, "golden v0: VERSION");
	free(m), free(v), free(h);
}

static void
test_hls_cases(void)
{
	struct sd_hls *h = calloc(1, sizeof(*h));
	struct sd_buf b;
	char *longline;
	int i;

	if (h == NULL)
		return;
#define P(s) sd_hls_parse(s, strlen(s), h)
	ok(P("not a playlist\n#EXTM3U\n") == -1, "no #EXTM3U first: -1");
	ok(P("#EXTM3U\n#EXT-X-KEY:METHOD=NONE\n#EXTINF:4,\na.ts\n") == 0 &&
	    !h->encrypted, "METHOD=NONE: not encrypted");
	ok(P("#EXTM3U\n#EXT-X-KEY:URI=\"k\",METHOD=SAMPLE-AES\n#EXTINF:4,\n"
	    "a.ts\n") == 0 && h->encrypted &&
	    strcmp(h->key_method, "SAMPLE-AES") == 0,
	    "METHOD after a quoted URI: encrypted, SAMPLE-AES");
	ok(P("#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=AES-128,URI=\"k\"\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n") == 0 && h->encrypted &&
	    h->master, "EXT-X-SESSION-KEY in a master: encrypted");
	ok(P("#EXTM3U\r\n#EXT-X-TARGETDURATION:6\r\n#EXTINF:6.0,\r\n"
	    "seg.m4s?token=a.ts\r\n") == 0 && h->segs == SD_SEGS_FMP4 &&
	    !h->endlist && h->target_duration == 6,
	    "CRLF, .m4s with a query: fmp4, live, target 6");
	ok(P("#EXTM3U\n#EXTINF:-1 tvg-id=\"a\" group-title=\"News\",A\n"
	    "http://p/1.ts\n#EXTINF:-1,B\nhttp://p/2.ts\n") == 0 &&
	    sd_hls_is_channel_list(h) && h->nsegments == 2,
	    "EXTINF:-1 tvg-id, no TARGETDURATION: an IPTV channel list");
	ok(P("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:-1,\na.ts\n") == 0 &&
	    !sd_hls_is_channel_list(h),
	    "with a TARGETDURATION: HLS, however odd its EXTINF");
	ok(P("#EXTM3U\n#EXTINF:2,\nhttp://h/seg\n") == 0 &&
	    !sd_hls_is_channel_list(h) &&
	    h->segs == SD_SEGS_TS, "no MAP, no extension: ts");
	ok(P("#EXTM3U\n#EXT-X-TARGETDURATION:-3\n#EXT-X-VERSION:x\n") == 0 &&
	    h->target_duration == 0 && h->version == 0,
	    "bad numbers are ignored");
	ok(P("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5,CODECS=\"avc1.4d401e\n"
	    "v.m3u8\n") == 0 && h->nvariants == 1 &&
	    strcmp(h->variants[0].codecs, "avc1.4d401e") == 0,
	    "an unterminated quote ends at the line");
	ok(P("#EXTM3U\n#EXT-X-STREAM-INF:CODECS=\"avc1.4d401f, mp4a.40.2\","
	    "BANDWIDTH=9\nv.m3u8\n") == 0 && h->variants[0].bandwidth == 9 &&
	    strcmp(h->variants[0].codecs, "avc1.4d401f,mp4a.40.2") == 0,
	    "CODECS with a blank after the comma: squeezed");
	ok(P("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5,RESOLUTION=99999x1\n"
	    "v.m3u8\n") == 0 && h->variants[0].width == 0,
	    "an impossible RESOLUTION is ignored");
	ok(P("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=900,RESOLUTION=10x10\nhi.m3u8\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=900,RESOLUTION=20x20\nbig.m3u8\n") == 0 &&
	    h->nvariants == 3 && h->variants[0].uri[0] == '\0' &&
	    sd_hls_best_variant(h) == 2,
	    "best: highest BANDWIDTH, then size; a variant without URI skipped");
	{
		static const char nul[] =
		    "#EXTM3U\n#EXTINF:2,\na\0.ts\n#EXT-X-ENDLIST\n";

		ok(sd_hls_parse(nul, sizeof(nul) - 1, h) == 0 &&
		    h->nsegments == 0 && h->endlist,
		    "a line with a NUL is skipped, the rest is read");
	}

	/* Past the caps: counted, never stored past the array. */
	sd_buf_init(&b);
	sd_buf_printf(&b, "#EXTM3U\n");
	for (i = 0; i < SD_HLS_MAX_VARIANTS + 10; i++)
		sd_buf_printf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d\nv%d.m3u8\n"
		    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a%d\",URI=\"a.m3u8\"\n",
		    i + 1, i, i);
	ok(sd_hls_parse(b.p, b.len, h) == 0 &&
	    h->nvariants == SD_HLS_MAX_VARIANTS &&
	    h->nvariants_seen == SD_HLS_MAX_VARIANTS + 10 &&
	    h->nmedia == SD_HLS_MAX_MEDIA,
	    "74 variants: 64 kept, 74 counted; renditions capped");
	ok(sd_hls_best_variant(h) == SD_HLS_MAX_VARIANTS - 1,
	    "best of the kept variants");
	sd_buf_free(&b);

	/* A line longer than any tag, and a URI longer than SD_URI_MAX. */
	longline = malloc(20000);
	if (longline != NULL) {
		sd_buf_init(&b);
		memset(longline, 'a', 19999);
		longline[19999] = '\0';
		sd_buf_printf(&b, "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,"
		    "CODECS=\"%s\"\nv.m3u8\n#EXTINF:1,\n%.5000s\n", longline,
		    longline);
		ok(sd_hls_parse(b.p, b.len, h) == 0 && h->nvariants == 0 &&
		    h->nsegments == 1 &&
		    strlen(h->first_uri) == SD_URI_MAX - 1,
		    "a tag line past 8 KiB is skipped, a long URI cut");
		sd_buf_free(&b);
		free(longline);
	}
	/* Every prefix of a real playlist parses without reading past it. */
	{
		char *m = golden_file("multi-audio", "master.m3u8");
		size_t k, n;
		int fine = 1;

		capture_start();
		if (m != NULL) {
			n = strlen(m);
			for (k = 0; k <= n; k++) {
				char *cut = malloc(k + 1);

				if (cut == NULL)
					break;
				memcpy(cut, m, k);	/* no terminator read */
				if (k >= 7 && sd_hls_parse(cut, k, h) != 0)
					fine = 0;
				free(cut);
			}
		}
		is_str(capture_end(), "", "the readers print nothing");
		ok(m != NULL && fine, "every prefix of multi-audio/master.m3u8");
		free(m);
	}
#undef P
	free(h);
}

/* ---------------------------------------------------------------- DASH */

static void
test_dash(void)
{
	struct sd_dash *d = calloc(1, sizeof(*d));
	char *mpd = golden_file("base", "manifest.mpd");
	char *live = golden_file("live-a", "manifest.mpd");
	struct sd_buf b;
	int i;
	static const char hand[] = "<MPD type=\"dynamic\"><Period>"
	    "<AdaptationSet mimeType=\"video/mp4\" codecs=\"hvc1.1.6.L93.B0\" "
	    "width='640' height=\"360\"><ContentProtection schemeIdUri=\"x\"/>"
	    "<Representation id=\"a>b\" bandwidth=\"5\"/></AdaptationSet>"
	    "<AdaptationSet contentType=\"audio\"><Representation id=\"x\" "
	    "codecs=\"opus\"/></AdaptationSet></Period></MPD>";
	static const char big[] = "<MPD><Representation "
	    "bandwidth=\"99999999999999999999\" width=\"-4\"/></MPD>";

	if (d == NULL || mpd == NULL || live == NULL) {
		ok(0, "golden MPDs readable");
		free(d), free(mpd), free(live);
		return;
	}
	ok(sd_dash_parse(mpd, strlen(mpd), d) == 0 && !d->dynamic,
	    "golden MPD: static");
	is_int((long long)d->nreps, 2, "golden MPD: two representations");
	is_str(d->reps[0].content_type, "video", "golden MPD: video first");
	is_str(d->reps[0].codecs, "avc1.64001f", "golden MPD: its codecs");
	is_int(d->reps[0].width, 1280, "golden MPD: its width");
	is_str(d->reps[1].lang, "eng", "golden MPD: lang from AdaptationSet");
	is_int(d->reps[1].sample_rate, 48000, "golden MPD: audioSamplingRate");
	is_int((long long)(d->duration * 1000), 4000, "golden MPD: duration");
	ok(sd_dash_parse(live, strlen(live), d) == 0 && d->dynamic,
	    "golden live MPD: dynamic");

	ok(sd_dash_parse(hand, strlen(hand), d) == 0,
	    "a hand-written MPD parses");
	ok(d->encrypted && d->nreps == 2 &&
	    strcmp(d->reps[0].id, "a>b") == 0 &&
	    strcmp(d->reps[0].content_type, "video") == 0 &&
	    strcmp(d->reps[0].codecs, "hvc1.1.6.L93.B0") == 0 &&
	    d->reps[0].height == 360 && d->reps[1].width == 0 &&
	    strcmp(d->reps[1].codecs, "opus") == 0,
	    "inheritance, quotes holding >, ContentProtection, reset per set");
	ok(sd_dash_parse("<html/>", 7, d) == -1, "not an MPD: -1");
	ok(sd_dash_parse("<MPD type=\"dynamic", 18, d) == -1,
	    "an unterminated root tag: -1");
	ok(sd_dash_parse(big, strlen(big), d) == 0 && d->nreps == 1 &&
	    d->reps[0].bandwidth == 0 && d->reps[0].width == 0,
	    "out-of-range numbers are 0");

	sd_buf_init(&b);
	sd_buf_printf(&b, "<MPD>");
	for (i = 0; i < SD_DASH_MAX_REPS + 5; i++)
		sd_buf_printf(&b, "<Representation id=\"%d\"/>", i);
	sd_buf_printf(&b, "</MPD>");
	ok(sd_dash_parse(b.p, b.len, d) == 0 && d->nreps == SD_DASH_MAX_REPS &&
	    d->nreps_seen == SD_DASH_MAX_REPS + 5,
	    "69 representations: 64 kept, 69 counted");
	sd_buf_free(&b);

	is_int((long long)(sd_iso8601_duration("PT10.0S") * 10), 100,
	    "PT10.0S");
	is_int((long long)(sd_iso8601_duration("PT1M30.5S") * 10), 905,
	    "PT1M30.5S");
	is_int((long long)sd_iso8601_duration("P1DT2H"), 93600, "P1DT2H");
	ok(sd_iso8601_duration("PT") < 0 && sd_iso8601_duration("10S") < 0 &&
	    sd_iso8601_duration("PT5X") < 0 && sd_iso8601_duration(NULL) < 0,
	    "invalid durations: -1");
	free(d), free(mpd), free(live);
}

static void
test_codec_names(void)
{
	static const struct { const char *entry, *want; } t[] = {
		{ "avc1.64001f", "h264" }, { "avc3.42e01e", "h264" },
		{ "hvc1.1.6.L93.B0", "hevc" }, { "hev1.2.4.L120.90", "hevc" },
		{ "vp09.00.10.08", "vp9" }, { "av01.0.04M.08", "av1" },
		{ "mp4a.40.2", "aac" }, { "mp4a.40.5,avc1.4d401e", "aac" },
		{ "mp4a.40.34", "mp3" }, { "mp4a.6B", "mp3" },
		{ "mp4a.69", "mp3" }, { "ac-3", "ac3" }, { "ec-3", "eac3" },
		{ "opus", "opus" }, { "Opus", "opus" }, { "mp4v.61", "mpeg2video" },
		{ " fLaC", "flac" },
	};
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(t); i++)
		is_str(sd_codec_from_rfc6381(t[i].entry), t[i].want,
		    t[i].entry);
	ok(sd_codec_from_rfc6381("mp4a.400") == NULL &&
	    sd_codec_from_rfc6381("avc10") == NULL &&
	    sd_codec_from_rfc6381("") == NULL &&
	    sd_codec_from_rfc6381(NULL) == NULL,
	    "unknown entries: NULL");
}

int
main(void)
{
	test_sniff();
	test_hls_golden();
	test_hls_cases();
	test_dash();
	test_codec_names();
	return done();
}
