/*
 * Fuzz scgi.c: the input, as a peer on sd-serve's SCGI socket would send
 * it, through sd_scgi_read_head (from a pipe, then its end), and whatever
 * head it takes through sd_scgi_env and sd_http_parse_cgi. A head taken is
 * never longer than the buffer nor read past its comma; an environment
 * taken is pairs NAME=VALUE, CONTENT_LENGTH first, ending with NULL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "http.h"
#include "scgi.h"
#include "fuzz.h"

#define HEAD_CAP 4096
#define ENV_CAP 32

/* What follows the head in the pipe must still be there, whole. */
static void
check_rest(int fd, const uint8_t *data, size_t size, size_t used)
{
	uint8_t rest[HEAD_CAP + 64];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(rest) &&
	    (n = read(fd, rest + got, sizeof(rest) - got)) > 0)
		got += (size_t)n;
	if (got != size - used || memcmp(rest, data + used, got) != 0)
		abort();	/* read past the comma, or lost bytes */
}

static void
check_env(char **envp)
{
	struct sd_http_req rq;
	size_t i;

	if (envp[0] == NULL || strncmp(envp[0], "CONTENT_LENGTH=", 15) != 0)
		abort();
	for (i = 0; envp[i] != NULL; i++)
		if (i == ENV_CAP - 1 || envp[i][0] == '=' ||
		    strchr(envp[i], '=') == NULL)
			abort();
	if (sd_http_parse_cgi(&rq, envp) == 0 &&
	    (rq.path[0] != '/' || sd_http_path_ok(rq.path) != 1))
		abort();	/* accepted paths are checked ones */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char head[HEAD_CAP];
	char *envp[ENV_CAP];
	size_t len, digits;
	int p[2];

	if (size > HEAD_CAP + 32 || pipe(p) == -1)
		return 0;	/* the pipe holds it all: no writer to wait for */
	if (write(p[1], data, size) != (ssize_t)size) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	close(p[1]);
	if (sd_scgi_read_head(p[0], head, sizeof(head), &len, 1000) == 0) {
		if (len > sizeof(head))
			abort();
		digits = (size_t)((const uint8_t *)memchr(data, ':', size) -
		    data);
		check_rest(p[0], data, size, digits + 1 + len + 1);
		if (sd_scgi_env(head, len, envp, ENV_CAP) == 0)
			check_env(envp);
	}
	close(p[0]);
	return 0;
}
