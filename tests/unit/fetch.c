/*
 * fetch.c unit tests: URL parsing (hostile ones included) and responses
 * read from a pipe. Resolving references is url.c's (tests/unit/url.c).
 */
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "fetch.h"
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

/* Read the response text through a pipe: the body, or NULL on error. */
static const char *
respond(const char *text, size_t len, int *status)
{
	static char body[70000];
	struct sd_fetch f;
	size_t got = 0;
	ssize_t n;
	int p[2];

	*status = -1;
	if (pipe(p) == -1 || write(p[1], text, len) != (ssize_t)len)
		return NULL;
	close(p[1]);
	capture_start();
	if (sd_fetch_fd(&f, p[0], "http://test/", 1000) == -1) {
		*status = f.status;
		sd_fetch_close(&f);
		capture_end();
		return NULL;
	}
	*status = f.status;
	while ((n = sd_fetch_read(&f, body + got, sizeof(body) - 1 - got)) > 0)
		got += (size_t)n;
	sd_fetch_close(&f);
	capture_end();
	if (n < 0)
		return NULL;
	body[got] = '\0';
	return body;
}

static void
responses(void)
{
	static char big[20000];
	const char *b;
	int st;

#define R(s) respond(s, sizeof(s) - 1, &st)
	b = R("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA");
	is_str(b, "hello", "Content-Length: no byte past it");
	b = R("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
	    "5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-T: 1\r\n\r\n");
	is_str(b, "hello, world!!!", "chunked, with an extension and a trailer");
	b = R("HTTP/1.0 200 OK\nContent-Type: video/mp2t\n\nto the end");
	is_str(b, "to the end", "LF line ends, a body to EOF");
	b = R("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	ok(b == NULL && st == 404, "404: an error, status kept");
	b = R("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
	ok(b == NULL, "a body cut short: an error");
	b = R("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\nhello\r\n");
	ok(b == NULL, "a chunk size that is not hex: an error");
	b = R("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "ffffffffffffffffffff\r\nx");
	ok(b == NULL, "a chunk size past 64 bits: an error");
	b = R("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhelloX0\r\n\r\n");
	ok(b == NULL, "no CRLF after a chunk: an error");
	b = R("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
	ok(b == NULL, "a negative Content-Length: an error");
	b = R("ICY 200 OK\r\n\r\ndata");
	ok(b == NULL, "not HTTP/1.x: an error");
	b = R("HTTP/1.1 2000 OK\r\n\r\n");
	ok(b == NULL, "a 4-digit status: an error");
	memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
	for (size_t i = 17; i + 20 < sizeof(big); i += 20)
		memcpy(big + i, "X-Pad: aaaaaaaaaaa\r\n", 20);
	b = respond(big, strlen(big), &st);
	ok(b == NULL, "more than 16 KiB of headers: an error");
#undef R
}

/* Where passthrough may fetch from (docs/SECURITY.md, "Upstreams"). */
static void
guard(void)
{
	struct sd_fetch_guard g = { "http://up.example:8080/live/a.m3u8",
	    "cdn.example, edge.example:8443 192.168.1.20" };

	ok(sd_fetch_allowed(NULL, "http://127.0.0.1/x"), "no guard: anywhere");
	ok(sd_fetch_allowed(&g, "http://up.example:8080/other/b.ts"),
	    "the source's origin");
	ok(sd_fetch_allowed(&g, "http://UP.example:8080/b.ts"),
	    "the source's origin, the host in capitals");
	ok(!sd_fetch_allowed(&g, "http://up.example/b.ts"),
	    "the source's host on another port: refused");
	ok(!sd_fetch_allowed(&g, "https://up.example:8080/b.ts"),
	    "the source's host with another scheme: refused");
	ok(sd_fetch_allowed(&g, "https://cdn.example/s/1.ts"),
	    "a listed host, any port");
	ok(sd_fetch_allowed(&g, "http://cdn.example:81/s/1.ts"),
	    "a listed host, another port");
	ok(sd_fetch_allowed(&g, "https://edge.example:8443/k"),
	    "a listed host:port");
	ok(!sd_fetch_allowed(&g, "https://edge.example/k"),
	    "a listed host:port on another port: refused");
	ok(sd_fetch_allowed(&g, "http://192.168.1.20/k"),
	    "a listed address");
	ok(!sd_fetch_allowed(&g, "http://evil.example/x"), "elsewhere: refused");
	ok(!sd_fetch_allowed(&g, "http://cdn.example.evil/x"),
	    "a listed name as a prefix: refused");
	ok(!sd_fetch_allowed(&g, "file:///etc/passwd"), "file://: refused");
	ok(!sd_fetch_allowed(&g, "http://127.0.0.1:8080/x"),
	    "loopback: refused");
}

int
main(void)
{
	char big[SD_URL_MAX + 10];

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

	responses();
	guard();
	return done();
}
