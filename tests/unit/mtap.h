/*
 * mtap.h - a few TAP helpers for the store and manifest unit tests:
 * ok(), is_str(), done(), and capture of stderr so that a test can check
 * the warning a function printed.
 */
#ifndef MTAP_H
#define MTAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

static void
ok(int cond, const char *desc)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, desc);
	if (!cond)
		tap_failed++;
	fflush(stdout);
}

static void is_str(const char *, const char *, const char *)
    __attribute__((unused));

static void
is_str(const char *got, const char *want, const char *desc)
{
	int same = got != NULL && strcmp(got, want) == 0;

	ok(same, desc);
	if (!same)
		printf("# got:\n# %s\n# expected:\n# %s\n", got ? got : "(null)",
		    want);
}

static int
done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

/* stderr into a temporary file between capture_start and capture_end. */
static FILE *cap_fp;
static int cap_saved = -1;
static char cap_text[4096];
static void capture_start(void) __attribute__((unused));
static const char *capture_end(void) __attribute__((unused));

static void capture_start(void) __attribute__((unused));
static const char *capture_end(void) __attribute__((unused));

static void capture_start(void) __attribute__((unused));
static const char *capture_end(void) __attribute__((unused));

static void
capture_start(void)
{
	fflush(stderr);
	cap_fp = tmpfile();
	cap_saved = dup(2);
	dup2(fileno(cap_fp), 2);
}

static const char *
capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	rewind(cap_fp);
	n = fread(cap_text, 1, sizeof(cap_text) - 1, cap_fp);
	cap_text[n] = '\0';
	fclose(cap_fp);
	return cap_text;
}

/* Read a golden file; NULL when missing. */
static char *slurp(const char *path) __attribute__((unused));

static char *
slurp(const char *path)
{
	FILE *fp;
	char *buf;
	long n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if (n < 0 || (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	buf[fread(buf, 1, (size_t)n, fp)] = '\0';
	fclose(fp);
	return buf;
}

/*
 * Golden files under tests/golden/manifest/CASE/FILE, compared byte for
 * byte; SD_GOLDEN_UPDATE=1 rewrites them (then review the diff).
 */
static const char *
golden_path(const char *cs, const char *file)
{
	static char path[1024];
	const char *top = getenv("SD_TOP");

	snprintf(path, sizeof(path), "%s/tests/golden/manifest/%s/%s",
	    top ? top : ".", cs, file);
	return path;
}

static void golden(const char *cs, const char *file, const char *got)
    __attribute__((unused));

static void
golden(const char *cs, const char *file, const char *got)
{
	const char *path = golden_path(cs, file);
	char desc[256], *want;
	FILE *fp;

	snprintf(desc, sizeof(desc), "%s/%s matches its golden file", cs, file);
	if (getenv("SD_GOLDEN_UPDATE") != NULL &&
	    (fp = fopen(path, "w")) != NULL) {
		fputs(got, fp);
		fclose(fp);
	}
	want = slurp(path);
	if (want == NULL) {
		ok(0, desc);
		printf("# %s: missing\n", path);
		return;
	}
	ok(strcmp(want, got) == 0, desc);
	if (strcmp(want, got) != 0) {
		const char *l;
		printf("# %s differs; got:\n", path);
		for (l = got; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 :
		    l + strlen(l))
			printf("#   %.*s\n", (int)strcspn(l, "\n"), l);
	}
	free(want);
}

#endif
