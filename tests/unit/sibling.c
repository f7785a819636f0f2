/*
 * sibling.c unit tests: sd_sibling_path, the one way sibling programs
 * (sd-session, sd-cmafmux, sd-classify) are found: next to the running
 * program (or in the folder sd_sibling_dir names), then the libexec and
 * bin folders, else the bare name for PATH.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "mtap.h"

#define NAME "sd-sibling-test-program"

static void
make_file(const char *dir, const char *name, int mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode)) != -1)
		close(fd);
	chmod(p, mode);
}

int
main(void)
{
	char tmp[] = "/tmp/sibling.XXXXXX", want[PATH_MAX], out[PATH_MAX];
	char self[PATH_MAX], small[8];
	ssize_t n;

	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	make_file(tmp, NAME, 0755);
	make_file(tmp, "not-executable", 0644);

	sd_sibling_dir(tmp);
	snprintf(want, sizeof(want), "%s/%s", tmp, NAME);
	ok(sd_sibling_path(NAME, out, sizeof(out)) == 0, "found: 0");
	is_str(out, want, "an executable in the named folder is taken");
	ok(sd_sibling_path("not-executable", out, sizeof(out)) == 0 &&
	    strcmp(out, "not-executable") == 0,
	    "a file that is not executable is passed over: the bare name");
	ok(sd_sibling_path("no-such-program", out, sizeof(out)) == 0 &&
	    strcmp(out, "no-such-program") == 0,
	    "nowhere: the bare name, for execvp on PATH");
	errno = 0;
	ok(sd_sibling_path(NAME, small, sizeof(small)) == -1 &&
	    errno == ENAMETOOLONG, "no room for the name: -1, ENAMETOOLONG");

	/* By default: the folder of the running program (this test). */
	sd_sibling_dir(NULL);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	ok(sd_sibling_path(strrchr(self, '/') + 1, out, sizeof(out)) == 0,
	    "default: found");
	is_str(out, self, "default: a program next to the running one");
	ok(sd_sibling_path(NAME, out, sizeof(out)) == 0 &&
	    strcmp(out, NAME) == 0,
	    "default: the named folder is forgotten");

	snprintf(want, sizeof(want), "%s/%s", tmp, NAME);
	unlink(want);
	snprintf(want, sizeof(want), "%s/not-executable", tmp);
	unlink(want);
	rmdir(tmp);
	return done();
}
