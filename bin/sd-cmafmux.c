/*
 * sd-cmafmux - repackage a media stream (MPEG-TS above all) into a segment
 * store: one CMAF header and CMAF segments per track, optionally MPEG-TS
 * segments, the index (sd-store(5)) and the HLS and DASH manifests.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"

static volatile int stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: sd-cmafmux [-IlsTv] [-d seconds] [-N numbers] "
	    "[-w segments]\n                  -o dir [input]\n");
	exit(status);
}

static double
seconds(const char *s)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v >= 0.1 && v <= 60)) {
		warnx("-d %s: a duration from 0.1 to 60 seconds", s);
		usage(stderr, SD_EX_USAGE);
	}
	return v;
}

int
main(int argc, char *argv[])
{
	struct sd_mux_opts o;
	struct sigaction sa;
	const char *errstr;
	int ch;

	memset(&o, 0, sizeof(o));
	o.target = 2;
	o.window = 6;
	o.input = "-";
	o.stop = &stop;
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, SD_EX_OK);
	while ((ch = getopt(argc, argv, "d:IlN:o:sTvw:")) != -1) {
		switch (ch) {
		case 'd':
			o.target = seconds(optarg);
			break;
		case 'I':
			o.index_only = 1;
			break;
		case 'l':
			o.live = 1;
			break;
		case 'N':
			o.numbers = optarg;
			break;
		case 'o':
			o.dir = optarg;
			break;
		case 's':
			o.single = 1;
			break;
		case 'T':
			o.ts = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'w':
			o.window = (int)sd_strtonum(optarg, 1, 100000, &errstr);
			if (errstr != NULL) {
				warnx("-w %s: %s", optarg, errstr);
				usage(stderr, SD_EX_USAGE);
			}
			break;
		default:
			usage(stderr, SD_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.dir == NULL || argc > 1)
		usage(stderr, SD_EX_USAGE);
	if (argc == 1)
		o.input = argv[0];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return sd_cmafmux(&o);
}
