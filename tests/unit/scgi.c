/* scgi.c - the SCGI request head: netstrings from a hostile peer. */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "http.h"
#include "scgi.h"
#include "mtap.h"

#define HEAD(s) s, sizeof(s) - 1	/* a block with its NULs */

/* Parse the block s (n bytes, NULs inside) as sd_scgi_env does. */
static int
env(const char *s, size_t n, char **envp, size_t max)
{
	static char buf[1024];

	memcpy(buf, s, n);
	return sd_scgi_env(buf, n, envp, max);
}

static void
test_env(void)
{
	char *envp[8];
	struct sd_http_req rq;

	ok(env(HEAD("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0"
	    "REQUEST_METHOD\0" "GET\0" "PATH_INFO\0" "/status\0"
	    "QUERY_STRING\0" "\0"), envp, 8) == 0, "a request parses");
	is_str(envp[0], "CONTENT_LENGTH=0", "pairs become NAME=VALUE");
	is_str(envp[3], "PATH_INFO=/status", "in their order");
	is_str(envp[4], "QUERY_STRING=", "an empty value is one");
	ok(envp[5] == NULL, "the list ends with NULL");
	ok(sd_http_parse_cgi(&rq, envp) == 0 &&
	    strcmp(rq.path, "/status") == 0 && rq.method == SD_HTTP_GET,
	    "the CGI parser takes it");

	ok(env(HEAD("SCGI\0" "1\0" "CONTENT_LENGTH\0" "0\0"), envp, 8) == 400,
	    "CONTENT_LENGTH not first: 400");
	ok(env(HEAD("CONTENT_LENGTH\0" "01\0" "SCGI\0" "1\0"), envp, 8) ==
	    400, "a leading zero: 400");
	ok(env(HEAD("CONTENT_LENGTH\0" "-1\0" "SCGI\0" "1\0"), envp, 8) ==
	    400, "a sign: 400");
	ok(env(HEAD("CONTENT_LENGTH\0" "0\0"), envp, 8) == 400,
	    "no SCGI=1: 400");
	ok(env(HEAD("CONTENT_LENGTH\0" "0\0" "SCGI\0" "2\0"), envp, 8) ==
	    400, "SCGI=2: 400");
	ok(env(HEAD("CONTENT_LENGTH\0" "0\0" "SCGI\0"), envp, 8) == 400,
	    "a name without its value: 400");
	ok(env(HEAD("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1"), envp, 8) == 400,
	    "no NUL at the end: 400");
	ok(env(HEAD("CONTENT_LENGTH\0" "0\0" "\0" "x\0" "SCGI\0" "1\0"), envp,
	    8) == 400, "an empty name: 400");
	ok(env(HEAD("CONTENT_LENGTH\0" "0\0" "A=B\0" "x\0" "SCGI\0" "1\0"),
	    envp, 8) == 400, "'=' in a name: 400");
	ok(env("", 0, envp, 8) == 400, "nothing: 400");
	ok(env(HEAD("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0" "A\0" "1\0"),
	    envp, 3) == 431, "more pairs than room: 431");
	ok(env(HEAD("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0"), envp, 3) == 0 &&
	    envp[2] == NULL, "exactly as many as room");
}

/* What sd_scgi_read_head makes of s written to a socket, then EOF. */
static int
read_head(const char *s, size_t n, char *buf, size_t cap, size_t *len,
    char *rest, size_t restcap)
{
	int sv[2], rc;
	ssize_t r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	if (write(sv[1], s, n) != (ssize_t)n)
		return -1;
	close(sv[1]);
	rc = sd_scgi_read_head(sv[0], buf, cap, len, 2000);
	rest[0] = '\0';
	if ((r = read(sv[0], rest, restcap - 1)) > 0)
		rest[r] = '\0';
	close(sv[0]);
	return rc;
}

static void
test_read(void)
{
	char buf[64], rest[64];
	size_t len;
	int sv[2];

	ok(read_head(HEAD("24:CONTENT_LENGTH\0" "2\0" "SCGI\0" "1\0,hi"), buf,
	    sizeof(buf), &len, rest, sizeof(rest)) == 0 && len == 24 &&
	    memcmp(buf, "CONTENT_LENGTH\0" "2\0" "SCGI\0" "1\0", 24) == 0,
	    "a netstring is read");
	is_str(rest, "hi", "and nothing after it: the body is left");
	ok(read_head(HEAD("0:,"), buf, sizeof(buf), &len, rest,
	    sizeof(rest)) == 0 && len == 0, "0: is a netstring");
	ok(read_head(HEAD("024:CONTENT_LENGTH\0" "2\0" "SCGI\0" "1\0,"), buf,
	    sizeof(buf), &len, rest, sizeof(rest)) == 400,
	    "a leading zero: 400");
	ok(read_head(HEAD(":x,"), buf, sizeof(buf), &len, rest,
	    sizeof(rest)) == 400, "no length: 400");
	ok(read_head(HEAD("2x:ab,"), buf, sizeof(buf), &len, rest,
	    sizeof(rest)) == 400, "a length with a letter: 400");
	ok(read_head(HEAD("12345678:"), buf, sizeof(buf), &len, rest,
	    sizeof(rest)) == 400, "eight digits: 400, before any read");
	ok(read_head(HEAD("65:"), buf, sizeof(buf), &len, rest,
	    sizeof(rest)) == 431, "longer than the buffer: 431");
	ok(read_head(HEAD("2:ab;"), buf, sizeof(buf), &len, rest,
	    sizeof(rest)) == 400, "no comma after it: 400");
	ok(read_head(HEAD("9:ab"), buf, sizeof(buf), &len, rest,
	    sizeof(rest)) == 400, "cut short: 400");
	ok(read_head("", 0, buf, sizeof(buf), &len, rest, sizeof(rest)) ==
	    400, "nothing: 400");

	/* A peer that says nothing and stays: the deadline answers. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		ok(write(sv[1], "5:", 2) == 2 &&
		    sd_scgi_read_head(sv[0], buf, sizeof(buf), &len, 100) ==
		    408, "a silent peer: 408 at the deadline");
		close(sv[0]);
		close(sv[1]);
	}
}

int
main(void)
{
	(void)capture_start;	/* mtap.h helpers this test needs not */
	(void)capture_end;
	test_env();
	test_read();
	return done();
}
