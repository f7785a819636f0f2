/*
 * sd-session - one live session of sd-relay(7), run until it is idle.
 * sd-serve(8) starts it detached, with the session's lock on fd 3; see
 * sd-session(8). The session itself is lib/supervise.c.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: sd-session -S spool -p proxy [-mT] [-A hosts] "
	    "[-d segdur] [-H headers]\n"
	    "                  [-i idle] [-r retry] [-t timeout]"
	    " [-u source ...] [-v variant]\n"
	    "                  [-w window] [-- ffmpeg argv]\n");
	exit(status);
}

static int
number(int ch, const char *arg, int max)
{
	const char *errstr;
	int n = (int)strtonum(arg, 1, max, &errstr);

	if (errstr != NULL) {
		warnx("-%c %s: %s", ch, arg, errstr);
		usage(stderr, SD_EX_USAGE);
	}
	return n;
}

int
main(int argc, char *argv[])
{
	struct sd_supervise_opts o;
	int ch, rv;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, SD_EX_OK);
	sd_supervise_defaults(&o);
	while ((ch = getopt(argc, argv, "A:H:S:p:u:i:r:t:d:w:v:Tm")) != -1) {
		switch (ch) {
		case 'A':
			o.allow_hosts = optarg;
			break;
		case 'H':
			o.headers = optarg;
			break;
		case 'S':
			o.spool = optarg;
			break;
		case 'p':
			o.proxy = optarg;
			break;
		case 'u':
			/* each -u one source, in order (failover) */
			if (o.nsources == SD_SOURCES_MAX) {
				warnx("-u: at most %d sources", SD_SOURCES_MAX);
				usage(stderr, SD_EX_USAGE);
			}
			o.sources[o.nsources++] = optarg;
			if (o.source == NULL)
				o.source = optarg;
			break;
		case 'r':
			o.failover_retry = number(ch, optarg, 86400);
			break;
		case 'i':
			o.idle = number(ch, optarg, 86400);
			break;
		case 't':
			o.timeout = number(ch, optarg, 3600);
			break;
		case 'd':
			/* out of (0, 60]: the default, 2 s */
			o.segdur = strtod(optarg, NULL);
			break;
		case 'w':
			o.window = number(ch, optarg, 10000);
			break;
		case 'v':
			o.variant = optarg;
			break;
		case 'T':
			o.ts_segs = 1;
			break;
		case 'm':
			o.manifests = 1;
			break;
		default:
			usage(stderr, SD_EX_USAGE);
		}
	}
	o.ffargv = optind < argc ? argv + optind : NULL;
	if (!sd_supervise_opts_ok(&o))
		usage(stderr, SD_EX_USAGE);
	if (fcntl(SD_SESSION_LOCK_FD, F_GETFD) == -1) {
		warnx("fd %d must hold the session's lock", SD_SESSION_LOCK_FD);
		return SD_EX_USAGE;
	}
	fcntl(SD_SESSION_LOCK_FD, F_SETFD, FD_CLOEXEC);
	/* The provider's slot, when given, is held until we exit. */
	fcntl(SD_SESSION_SLOT_FD, F_SETFD, FD_CLOEXEC);
	rv = sd_supervise(&o);
	close(SD_SESSION_LOCK_FD);
	return rv;
}
