/*
 * sd-manifest - HLS playlists and the DASH MPD of a segment store.
 *
 * Reads only DIR/index (sd-store(5)); prints one manifest on stdout, or
 * with -w writes them all into DIR, each atomically.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd.h"

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: sd-manifest [-w] [-b base_url] "
	    "[-f hls | hls-ts | dash] [-t track] dir\n");
	exit(status);
}

enum format { F_HLS, F_HLS_TS, F_DASH };

static enum format
parse_format(const char *s)
{
	if (strcmp(s, "hls") == 0)
		return F_HLS;
	if (strcmp(s, "hls-ts") == 0)
		return F_HLS_TS;
	if (strcmp(s, "dash") == 0)
		return F_DASH;
	warnx("-f %s: expected hls, hls-ts or dash", s);
	usage(stderr, SD_EX_USAGE);
	return F_HLS;
}

static int
load(struct sd_store *st, const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) == -1) {
		warn("%s", dir);
		return SD_EX_NOINPUT;
	}
	if (!S_ISDIR(sb.st_mode)) {
		warnx("%s: not a directory", dir);
		return SD_EX_NOINPUT;
	}
	if (sd_store_read(st, dir) == -1)
		return errno == EINVAL ? SD_EX_DATAERR : SD_EX_NOINPUT;
	return SD_EX_OK;
}

static int
print(const struct sd_store *st, enum format f, const char *track,
    const char *base)
{
	struct sd_buf b;
	int rv;

	if (track != NULL && sd_store_track_index(st, track) == -1) {
		warnx("%s: no such track", track);
		return SD_EX_NOINPUT;
	}
	sd_buf_init(&b);
	if (track != NULL)
		rv = sd_hls_media(st, track, base, &b);
	else if (f == F_HLS)
		rv = sd_hls_master(st, base, &b);
	else if (f == F_HLS_TS)
		rv = sd_hls_master_ts(st, base, &b);
	else
		rv = sd_dash_mpd(st, base, sd_manifest_now(1), &b);
	if (rv == -1 || b.failed) {
		sd_buf_free(&b);
		return SD_EX_DATAERR;
	}
	fwrite(b.p, 1, b.len, stdout);
	sd_buf_free(&b);
	return SD_EX_OK;
}

int
main(int argc, char *argv[])
{
	struct sd_store st;
	const char *base = NULL, *track = NULL;
	enum format f = F_HLS;
	int ch, fset = 0, write_all = 0, rv;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, SD_EX_OK);
	while ((ch = getopt(argc, argv, "b:f:t:w")) != -1) {
		switch (ch) {
		case 'b':
			base = optarg;
			break;
		case 'f':
			f = parse_format(optarg);
			fset = 1;
			break;
		case 't':
			track = optarg;
			break;
		case 'w':
			write_all = 1;
			break;
		default:
			usage(stderr, SD_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || (write_all && (fset || track != NULL)) ||
	    (track != NULL && f != F_HLS))
		usage(stderr, SD_EX_USAGE);
	if (!sd_manifest_base_ok(base)) {
		warnx("-b %s: not a URL (no blanks, quotes, <, > or \\)", base);
		usage(stderr, SD_EX_USAGE);
	}

	sd_store_init(&st);
	if ((rv = load(&st, argv[0])) != SD_EX_OK)
		return rv;
	if (write_all)
		rv = sd_manifest_write_all_at(argv[0], &st, base,
		    sd_manifest_now(1)) == -1 ? SD_EX_IOERR : SD_EX_OK;
	else
		rv = print(&st, f, track, base);
	sd_store_free(&st);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		return SD_EX_IOERR;
	}
	return rv;
}
