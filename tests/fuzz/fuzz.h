/*
 * fuzz.h - what the libFuzzer harnesses of tests/fuzz share: the entry
 * points, stderr kept quiet during a run, and the input as C strings.
 *
 * The library reports every bad line it is fed on stderr; a harness that
 * feeds it bad lines by the million calls fuzz_quiet_init() from its
 * LLVMFuzzerInitialize (or uses FUZZ_QUIET_INITIALIZE for one that does
 * nothing else) and brackets each run with fuzz_quiet() and fuzz_loud(),
 * so that libFuzzer's own output stays. SD_FUZZ_VERBOSE=1 keeps stderr,
 * for replaying a crash input.
 */
#ifndef SD_FUZZ_H
#define SD_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /dev/null and a copy of the real stderr, when quiet; else -1. */
static int fuzz_null_fd __attribute__((unused)) = -1;
static int fuzz_stderr_fd __attribute__((unused)) = -1;

static inline void
fuzz_quiet_init(void)
{
	if (getenv("SD_FUZZ_VERBOSE") != NULL)
		return;
	fuzz_null_fd = open("/dev/null", O_WRONLY);
	fuzz_stderr_fd = dup(2);
	if (fuzz_null_fd == -1 || fuzz_stderr_fd == -1)
		fuzz_null_fd = fuzz_stderr_fd = -1;	/* stay loud */
}

static inline void
fuzz_quiet(void)
{
	if (fuzz_null_fd != -1)
		dup2(fuzz_null_fd, 2);
}

static inline void
fuzz_loud(void)
{
	if (fuzz_stderr_fd != -1)
		dup2(fuzz_stderr_fd, 2);
}

#define FUZZ_QUIET_INITIALIZE \
	int LLVMFuzzerInitialize(int *argc, char **argv[]) \
	{ \
		(void)argc; \
		(void)argv; \
		fuzz_quiet_init(); \
		return 0; \
	}

/* The input as a NUL-terminated copy (a NUL inside ends it early), or NULL. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Split the SIZE bytes of TEXT (fuzz_string's) into at most MAX strings at
 * each newline or NUL, NAME=VALUE as a web server hands a CGI its
 * environment (where a NUL ends a string early); ENV[n] = NULL. Returns n.
 */
static inline size_t
fuzz_env(char *text, size_t size, char **env, size_t max)
{
	char *p, *sep, *end = text + size;
	size_t n = 0;

	for (p = text; p <= end && n < max; p = sep + 1) {
		sep = p + strcspn(p, "\n");
		if (sep > end)
			sep = end;
		*sep = '\0';
		env[n++] = p;
	}
	env[n] = NULL;
	return n;
}

#endif
