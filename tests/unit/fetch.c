/*
 * fetch.c unit tests: URL parsing (hostile ones included) and the
 * resolution of manifest references, as the passthrough rewriting uses it.
 */
#include <string.h>

#include "sd.h"
#include "mtap.h"

static void
parse_ok(const char *url, const char *scheme, const char *host, int port,
    const char *path)
{
	struct sd_url u;
	char desc[256];
	int rv = sd_url_parse(url, &u);

	snprintf(desc, sizeof(desc), "parse %s", url);
	ok(rv == 0 && strcmp(u.scheme, scheme) == 0 &&
	    strcmp(u.host, host) == 0 && u.port == port &&
	    strcmp(u.path, path) == 0, desc);
	if (rv == 0 && (strcmp(u.host, host) != 0 || u.port != port ||
	    strcmp(u.path, path) != 0))
		printf("# got %s %s %d %s\n", u.scheme, u.host, u.port,
		    u.path);
}

static void
parse_bad(const char *url, const char *why)
{
	struct sd_url u;
	char desc[256];
	const char *err;

	capture_start();
	ok(sd_url_parse(url, &u) == -1, why);
	err = capture_end();
	snprintf(desc, sizeof(desc), "%s: a warning", why);
	ok(err[0] != '\0', desc);
}

static void
resolve(const char *base, const char *ref, const char *want)
{
	char out[SD_URL_MAX], desc[512];

	snprintf(desc, sizeof(desc), "resolve %s against %s", ref, base);
	if (sd_url_join(base, ref, out, sizeof(out)) == -1)
		strlcpy(out, "(failed)", sizeof(out));
	is_str(out, want, desc);
}

int
main(void)
{
	char big[SD_URL_MAX + 10], out[64];

	parse_ok("http://example.com/live.ts", "http", "example.com", 80,
	    "/live.ts");
	parse_ok("http://127.0.0.1:8080", "http", "127.0.0.1", 8080, "/");
	parse_ok("HTTP://h:1/a?b=c#frag", "http", "h", 1, "/a?b=c");
	parse_ok("http://h?x=1", "http", "h", 80, "/?x=1");
	parse_ok("https://[::1]:8443/p", "https", "::1", 8443, "/p");
	parse_ok("https://cdn.example/x/y.m3u8", "https", "cdn.example", 443,
	    "/x/y.m3u8");

	parse_bad("ftp://h/x", "another scheme");
	parse_bad("http:///x", "no host");
	parse_bad("http://h:0/x", "port 0");
	parse_bad("http://h:65536/x", "port past 65535");
	parse_bad("http://h:8x/x", "port not a number");
	parse_bad("http://user:pw@h/x", "user:password@");
	parse_bad("http://h/a b", "a blank");
	parse_bad("http://h/a\r\nX-Injected: 1", "CR LF");
	parse_bad("http://[::1/x", "unclosed IPv6 bracket");
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "http://h/", 9);
	big[sizeof(big) - 1] = '\0';
	parse_bad(big, "too long");

	resolve("http://h/a/b/index.m3u8", "seg1.ts", "http://h/a/b/seg1.ts");
	resolve("http://h/a/b/index.m3u8?tok=1", "seg1.ts",
	    "http://h/a/b/seg1.ts");
	resolve("http://h/a/b/index.m3u8", "/root.ts", "http://h/root.ts");
	resolve("http://h:81/a/index.m3u8", "/root.ts", "http://h:81/root.ts");
	resolve("http://h/a/index.m3u8", "https://other/x.ts",
	    "https://other/x.ts");
	resolve("https://h/a/index.m3u8", "//cdn/x.ts", "https://cdn/x.ts");
	resolve("http://h", "x.ts", "http://h/x.ts");
	resolve("http://h/a/index.m3u8", "?v=2", "http://h/a/index.m3u8?v=2");
	resolve("http://h/a/b/c.mpd", "sub/d.m4s", "http://h/a/b/sub/d.m4s");
	ok(sd_url_join("http://h/a/index.m3u8", "a-long-name.ts", out,
	    sizeof(out)) == 0, "a result that fits");
	ok(sd_url_join("http://h/a/index.m3u8",
	    "a-name-far-too-long-for-the-small-buffer-of-64-bytes.ts", out,
	    sizeof(out)) == -1, "a result too long is refused, not cut");
	return done();
}
