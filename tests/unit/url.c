/*
 * url.c unit tests: sd_url_resolve, the one resolver of references found
 * in playlists, MPDs and redirects. RFC 3986 section 5.4.1's normal
 * examples and the abnormal ones of 5.4.2 that are not about parsers'
 * leniency, then the cases sd meets: manifests with queries, file paths.
 */
#include <errno.h>
#include <string.h>

#include "sd.h"
#include "url.h"
#include "mtap.h"

static void
resolve(const char *base, const char *ref, const char *want)
{
	char out[SD_URL_MAX], desc[512];

	snprintf(desc, sizeof(desc), "\"%s\" against %s is %s", ref, base,
	    want);
	if (sd_url_resolve(base, ref, out, sizeof(out)) == -1)
		strlcpy(out, "(failed)", sizeof(out));
	is_str(out, want, desc);
}

/* RFC 3986 5.4.1, every example. */
static void
rfc_normal(void)
{
	static const char *const t[][2] = {
		{ "g:h", "g:h" },
		{ "g", "http://a/b/c/g" },
		{ "./g", "http://a/b/c/g" },
		{ "g/", "http://a/b/c/g/" },
		{ "/g", "http://a/g" },
		{ "//g", "http://g" },
		{ "?y", "http://a/b/c/d;p?y" },
		{ "g?y", "http://a/b/c/g?y" },
		{ "#s", "http://a/b/c/d;p?q#s" },
		{ "g#s", "http://a/b/c/g#s" },
		{ "g?y#s", "http://a/b/c/g?y#s" },
		{ ";x", "http://a/b/c/;x" },
		{ "g;x", "http://a/b/c/g;x" },
		{ "g;x?y#s", "http://a/b/c/g;x?y#s" },
		{ "", "http://a/b/c/d;p?q" },
		{ ".", "http://a/b/c/" },
		{ "./", "http://a/b/c/" },
		{ "..", "http://a/b/" },
		{ "../", "http://a/b/" },
		{ "../g", "http://a/b/g" },
		{ "../..", "http://a/" },
		{ "../../", "http://a/" },
		{ "../../g", "http://a/g" },
	};
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(t); i++)
		resolve("http://a/b/c/d;p?q", t[i][0], t[i][1]);
}

/* RFC 3986 5.4.2, the examples a strict resolver answers one way. */
static void
rfc_abnormal(void)
{
	static const char *const t[][2] = {
		{ "../../../g", "http://a/g" },
		{ "../../../../g", "http://a/g" },
		{ "/./g", "http://a/g" },
		{ "/../g", "http://a/g" },
		{ "g.", "http://a/b/c/g." },
		{ ".g", "http://a/b/c/.g" },
		{ "g..", "http://a/b/c/g.." },
		{ "..g", "http://a/b/c/..g" },
		{ "./../g", "http://a/b/g" },
		{ "./g/.", "http://a/b/c/g/" },
		{ "g/./h", "http://a/b/c/g/h" },
		{ "g/../h", "http://a/b/c/h" },
		{ "g;x=1/./y", "http://a/b/c/g;x=1/y" },
		{ "g;x=1/../y", "http://a/b/c/y" },
		{ "g?y/./x", "http://a/b/c/g?y/./x" },
		{ "g?y/../x", "http://a/b/c/g?y/../x" },
		{ "g#s/./x", "http://a/b/c/g#s/./x" },
		{ "g#s/../x", "http://a/b/c/g#s/../x" },
		{ "http:g", "http:g" },
	};
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(t); i++)
		resolve("http://a/b/c/d;p?q", t[i][0], t[i][1]);
}

/* What playlists, MPDs and redirects hold. */
static void
manifests(void)
{
	resolve("http://h:8/a/b/master.m3u8?x=1/2", "v0.m3u8",
	    "http://h:8/a/b/v0.m3u8");
	resolve("http://h/a/master.m3u8", "/x/v.m3u8", "http://h/x/v.m3u8");
	resolve("https://h/a/master.m3u8", "//cdn/v.m3u8",
	    "https://cdn/v.m3u8");
	resolve("http://h/a/m.m3u8", "HTTPS://o/v.m3u8", "HTTPS://o/v.m3u8");
	resolve("http://h", "v.m3u8", "http://h/v.m3u8");
	resolve("http://h?q", "v.m3u8", "http://h/v.m3u8");
	resolve("http://h/a/b/index.m3u8?tok=1", "seg1.ts",
	    "http://h/a/b/seg1.ts");
	resolve("http://h:81/a/index.m3u8", "/root.ts", "http://h:81/root.ts");
	resolve("http://h/a/b/c.mpd", "sub/d.m4s", "http://h/a/b/sub/d.m4s");
	/* The case classify and fetch once answered apart. */
	resolve("http://h/a/index.m3u8", "?v=2", "http://h/a/index.m3u8?v=2");
	resolve("http://h/a/index.m3u8?tok=1", "?tok=2",
	    "http://h/a/index.m3u8?tok=2");
	resolve("http://h/live/x/index.m3u8", "../../seg.ts",
	    "http://h/seg.ts");
	resolve("http://h/a/index.m3u8", "skd://key-id", "skd://key-id");
}

/* A manifest read from a file: its references are files next to it. */
static void
files(void)
{
	resolve("dir/sub/master.m3u8", "v0/index.m3u8",
	    "dir/sub/v0/index.m3u8");
	resolve("master.m3u8", "v.m3u8", "v.m3u8");
	resolve("/srv/hls/master.m3u8", "/etc/passwd", "/etc/passwd");
	resolve("/srv/hls/master.m3u8", "../v.m3u8", "/srv/v.m3u8");
	resolve("", "v.m3u8", "v.m3u8");
	/* Only the file system knows where ".." leads from a relative path. */
	resolve("master.m3u8", "../v.m3u8", "../v.m3u8");
	resolve("a/master.m3u8", "./v.m3u8", "a/./v.m3u8");
}

static void
bounds(void)
{
	char out[64];

	ok(sd_url_resolve("http://h/a/index.m3u8", "a-long-name.ts", out,
	    sizeof(out)) == 0, "a result that fits");
	errno = 0;
	ok(sd_url_resolve("http://h/a/index.m3u8",
	    "a-name-far-too-long-for-the-small-buffer-of-64-bytes.ts", out,
	    sizeof(out)) == -1 && errno == ENAMETOOLONG,
	    "a result too long is refused (ENAMETOOLONG), not cut");
	ok(sd_url_resolve("http://h/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/m",
	    "bbbbbbbbbbbbbbbbbbbbbbbb", out, sizeof(out)) == -1,
	    "a result longer than the buffer: -1");
	ok(sd_url_resolve("http://h", "v", out, 8) == -1,
	    "no room for the added slash: -1");
	ok(sd_url_resolve("http://h", "v", out, 11) == 0 &&
	    strcmp(out, "http://h/v") == 0, "exactly room for it: done");
	ok(sd_url_resolve("http://h", "v", out, 0) == -1, "no room at all: -1");
	ok(sd_url_is_http("HTTP://x") && sd_url_is_http("https://x") &&
	    !sd_url_is_http("file:///x") && !sd_url_is_http("httpx://"),
	    "sd_url_is_http");
}

int
main(void)
{
	rfc_normal();
	rfc_abnormal();
	manifests();
	files();
	bounds();
	return done();
}
