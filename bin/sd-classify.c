/*
 * sd-classify - what a source is: HLS, DASH, MPEG-TS or another container,
 * with its codecs, sizes, rates and RFC 6381 strings, as a record.
 */
#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "sd.h"

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: sd-classify [-j] [-A host[:port]] "
	    "[-H 'Name: value'] [-s bytes]\n"
	    "                   [-t seconds] source\n");
	exit(status);
}

/* One -H: "Name: value" on one line, appended with CRLF. */
static int
header_add(char *buf, size_t size, const char *h)
{
	size_t len = strlen(buf), i, colon = strcspn(h, ":");

	for (i = 0; h[i] != '\0'; i++)
		if (iscntrl((unsigned char)h[i]) && h[i] != '\t') {
			warnx("-H: a control character (CR, LF) in a header");
			return -1;
		}
	if (colon == 0 || h[colon] != ':' || strcspn(h, " \t") < colon) {
		warnx("-H %s: not Name: value", h);
		return -1;
	}
	if (snprintf(buf + len, size - len, "%s\r\n", h) >= (int)(size -
	    len)) {
		buf[len] = '\0';
		warnx("-H: the headers pass %zu bytes", size - 1);
		return -1;
	}
	return 0;
}

/*
 * One -A: a host or host:port the guard lets sd-classify fetch from
 * besides the source's origin, appended to the blank-separated list.
 * A URL would allow nothing, so it is refused.
 */
static int
host_add(char *buf, size_t size, const char *h)
{
	size_t len = strlen(buf);

	if (h[0] == '\0' || strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != strlen(h)) {
		warnx("-A %s: not a host or host:port (cdn.example.net, "
		    "10.0.0.5:8080)", h);
		return -1;
	}
	if (snprintf(buf + len, size - len, "%s%s", len ? " " : "", h) >=
	    (int)(size - len)) {
		buf[len] = '\0';
		warnx("-A: the hosts pass %zu bytes", size - 1);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static char headers[4096], hosts[4096];
	struct sd_classify_opts o;
	struct sd_rec rec;
	const char *es;
	int ch, json = 0;
	enum sd_exit rv;
	size_t n;

	sd_classify_opts_init(&o);
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, SD_EX_OK);
	while ((ch = getopt(argc, argv, "A:H:js:t:")) != -1) {
		switch (ch) {
		case 'A':
			if (host_add(hosts, sizeof(hosts), optarg) == -1)
				usage(stderr, SD_EX_USAGE);
			o.allow_hosts = hosts;
			break;
		case 'H':
			if (header_add(headers, sizeof(headers), optarg) == -1)
				usage(stderr, SD_EX_USAGE);
			o.headers = headers;
			break;
		case 'j':
			json = 1;
			break;
		case 's':
			o.probesize = sd_strtonum(optarg, 32, 1LL << 32, &es);
			if (es != NULL) {
				warnx("-s %s: %s (32 to 4294967296 bytes)",
				    optarg, es);
				usage(stderr, SD_EX_USAGE);
			}
			break;
		case 't':
			o.timeout = (double)sd_strtonum(optarg, 1, 3600, &es);
			if (es != NULL) {
				warnx("-t %s: %s (1 to 3600 seconds)", optarg,
				    es);
				usage(stderr, SD_EX_USAGE);
			}
			break;
		default:
			usage(stderr, SD_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(stderr, SD_EX_USAGE);

	/* What went wrong is in the record's reasons, not libav's log. */
	av_log_set_level(AV_LOG_QUIET);
	sd_rec_init(&rec);
	rv = sd_classify(argv[0], &o, &rec);
	if (rv == SD_EX_USAGE) {
		warnx("%s", sd_rec_get(&rec, "reason"));
		sd_rec_free(&rec);
		usage(stderr, SD_EX_USAGE);
	}
	/* The last reason is the one that ended the classification. */
	n = sd_rec_count(&rec, "reason");
	if (rv != SD_EX_OK && n > 0)
		warnx("%s: %s", argv[0], sd_rec_get_nth(&rec, "reason", n - 1));
	if (sd_rec_print(&rec, stdout, json) == -1 || fflush(stdout) == EOF ||
	    ferror(stdout)) {
		warn("stdout");
		rv = SD_EX_IOERR;
	}
	sd_rec_free(&rec);
	return rv;
}
