/*
 * Fuzz the upstream response parser of fetch.c: the input is what a
 * hostile or broken upstream sends back (status line, headers, a body
 * plain, sized by Content-Length, or chunked). It is written into a pipe
 * that sd_fetch_fd reads as fetch.c reads a socket; the body is then
 * read to its end. The body must never be longer than what was sent nor
 * than Content-Length says, and a Location must stay one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "fetch.h"
#include "fuzz.h"

#define PIPE_BYTES (1 << 20)

FUZZ_QUIET_INITIALIZE

static void
read_body(struct sd_fetch *f, size_t sent)
{
	char buf[4096];
	long long declared = f->chunked ? -1 : f->remaining;
	size_t total = 0;
	ssize_t n;

	/* Small and odd reads too: chunk edges fall anywhere. */
	while ((n = sd_fetch_read(f, buf, 1 + total % sizeof(buf))) > 0) {
		total += (size_t)n;
		if (total > sent || (declared >= 0 &&
		    total > (unsigned long long)declared))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_fetch *f;
	struct sd_url u;
	int p[2];

	if (size > PIPE_BYTES || pipe(p) == -1)
		return 0;
	fuzz_quiet();
	if ((size_t)fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES) < size ||
	    (size > 0 && write(p[1], data, size) != (ssize_t)size)) {
		close(p[0]);
		close(p[1]);
		goto out;
	}
	close(p[1]);
	if ((f = malloc(sizeof(*f))) == NULL) {
		close(p[0]);
		goto out;
	}
	if (sd_fetch_fd(f, p[0], "http://127.0.0.1:9/live/a.ts",
	    1000) == 0) {
		if (strpbrk(f->location, "\r\n") != NULL ||
		    strpbrk(f->content_type, "\r\n") != NULL ||
		    f->status < 100 || f->status > 599)
			abort();
		if (f->location[0] != '\0')
			sd_url_parse(f->location, &u);
		read_body(f, size);
	}
	sd_fetch_close(f);
	free(f);
out:
	fuzz_loud();
	return 0;
}
