/*
 * epg - a test driver over the XMLTV filter (epg.c): the guide on stdin,
 * fed in pieces of -c bytes, filtered to the ids given as arguments, on
 * stdout; the counts (and the reason of a failure) on stderr. For
 * tests/serve-iptv.t to hold the filter's output against xmllint(1).
 * Exit: 0 a guide; 65 not one (why on stderr); 64 usage.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sd.h"
#include "epg.h"

static int
to_stdout(void *arg, const char *p, size_t n)
{
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	struct epg_filter f;
	const char *errstr;
	char *chunk;
	ssize_t n;
	size_t size = 65536;
	int c, rc = 0;

	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c') {
			fprintf(stderr, "usage: epg [-c bytes] id ...\n");
			return 64;
		}
		size = (size_t)sd_strtonum(optarg, 1, 1 << 20, &errstr);
		if (errstr != NULL)
			errx(64, "-c %s: %s", optarg, errstr);
	}
	argc -= optind;
	argv += optind;
	if ((chunk = malloc(size)) == NULL)
		err(1, "malloc");
	epg_filter_init(&f, (const char *const *)argv, (size_t)argc,
	    to_stdout, NULL);
	while (rc == 0 && (n = read(0, chunk, size)) > 0)
		rc = epg_filter_feed(&f, chunk, (size_t)n);
	if (rc == 0)
		rc = epg_filter_end(&f);
	fprintf(stderr, "channels=%zu programmes=%zu dropped=%zu%s%s\n",
	    f.channels, f.programmes, f.dropped, rc ? " error=" : "",
	    rc ? f.error : "");
	epg_filter_free(&f);
	free(chunk);
	return rc == 0 ? 0 : 65;
}
