/*
 * guard - a test driver over the upstream guard (guard.c): starts one
 * for -u source and -A hosts, prints its URL (http://127.0.0.1:PORT) on
 * stdout, and stops it when stdin ends. For tests that put a plain
 * client (curl -x) in front of it. Exit: 0; 64 usage; 71 no guard.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sd.h"
#include "guard.h"

int
main(int argc, char *argv[])
{
	struct sd_fetch_guard g = { "", "" };
	struct sd_guard gd;
	char buf[512];
	int c;

	while ((c = getopt(argc, argv, "A:u:")) != -1) {
		if (c == 'A')
			g.allow_hosts = optarg;
		else if (c == 'u')
			g.source = optarg;
		else {
			fprintf(stderr, "usage: guard [-A hosts] [-u source]\n");
			return 64;
		}
	}
	if (sd_guard_start(&gd, &g, 5000) == -1)
		err(71, "guard");
	printf("%s\n", gd.url);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	sd_guard_stop(&gd);
	return 0;
}
