/*
 * Fuzz the HTTP/1.1 response reader (status line, headers, chunked and
 * Content-Length framing) with hostile upstream responses on a pipe.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_fetch f;
	char buf[4096];
	int p[2];

	if (size > 60000 || pipe(p) == -1)
		return 0;
	/* The pipe holds 64 KiB: the whole response is there at once. */
	if (write(p[1], data, size) != (ssize_t)size) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	close(p[1]);
	if (sd_fetch_fd(&f, p[0], "http://fuzz/", 1000) == 0)
		while (sd_fetch_read(&f, buf, sizeof(buf)) > 0)
			;
	sd_fetch_close(&f);
	return 0;
}
