/*
 * sd-migrate - rewrite old-schema proxies.ini and profiles.ini in place to
 * the new schema (sd-migrate(1)), keeping every byte it need not change.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd.h"
#include "writeback.h"

#define MIGRATE_FILE_MAX (4u << 20)

static int nflag, cflag;

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: sd-migrate [-cn] [-C dir] [file ...]\n");
	exit(status);
}

static int
worst(int a, int b)
{
	return a > b ? a : b;
}

/*
 * The new text over the file (through a link, over the file it names),
 * the previous one kept as FILE.bak: messages name the file written.
 */
static int
write_back(const char *file, const char *old, size_t oldlen,
    const struct sd_buf *out)
{
	char real[PATH_MAX];
	int rv = sd_ini_write_back(file, old, oldlen, out, real, sizeof(real));

	if (rv == SD_EX_OK)
		fprintf(stderr, "sd-migrate: %s: migrated; the previous file "
		    "is %s.bak\n", real, real);
	return rv;
}

static int
read_input(const char *file, char **buf, size_t *len)
{
	struct sd_buf b;
	char chunk[8192];
	size_t n;

	if (strcmp(file, "-") != 0) {
		if (sd_read_file(file, MIGRATE_FILE_MAX, buf, len) == -1) {
			warn("%s", file);
			return -1;
		}
		return 0;
	}
	sd_buf_init(&b);
	sd_buf_append(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (b.len + n > MIGRATE_FILE_MAX ||
		    sd_buf_append(&b, chunk, n) == -1) {
			warnx("stdin: more than %u bytes", MIGRATE_FILE_MAX);
			sd_buf_free(&b);
			return -1;
		}
	if (ferror(stdin) || b.failed) {
		warn("stdin");
		sd_buf_free(&b);
		return -1;
	}
	*buf = b.p;
	*len = b.len;
	return 0;
}

static int
migrate_one(const char *file, const char *def_profile)
{
	const char *name = strcmp(file, "-") == 0 ? "stdin" : file;
	struct sd_migration m;
	struct sd_buf diff;
	struct stat sb;
	char *buf, real[PATH_MAX];
	size_t len;
	int rv = SD_EX_OK;

	/* Through a symbolic link, messages name the file it names. */
	if (lstat(file, &sb) == 0 && S_ISLNK(sb.st_mode) &&
	    realpath(file, real) != NULL)
		name = real;
	if (read_input(file, &buf, &len) == -1)
		return SD_EX_NOINPUT;
	if (sd_migrate(&m, buf, len, name, def_profile) == -1) {
		warnx("%s: not migrated; the file is unchanged", name);
		rv = SD_EX_DATAERR;
	} else if (nflag) {
		sd_buf_init(&diff);
		if (sd_migrate_diff(&m, name, &diff) == -1)
			rv = SD_EX_SOFTWARE;
		else
			fwrite(diff.p ? diff.p : "", 1, diff.len, stdout);
		sd_buf_free(&diff);
	} else if (strcmp(file, "-") == 0 && !cflag)
		fwrite(m.out.p, 1, m.out.len, stdout);
	else if (m.changed && cflag)
		printf("%s\n", name);
	else if (m.changed)
		rv = write_back(file, buf, len, &m.out);
	if (rv == SD_EX_OK && m.changed && cflag)
		rv = SD_EX_FAIL;
	sd_migration_free(&m);
	free(buf);
	return rv;
}

/* No file named: the config folder's proxies.ini and profiles.ini. */
static int
default_files(const char *dir, char files[2][PATH_MAX], size_t *n)
{
	static const char *const names[] = { "proxies.ini", "profiles.ini" };
	size_t i;

	*n = 0;
	for (i = 0; i < SD_ARRAY_LEN(names); i++) {
		snprintf(files[*n], PATH_MAX, "%s/%s", dir, names[i]);
		if (access(files[*n], F_OK) == 0)
			(*n)++;
	}
	if (*n == 0) {
		warnx("%s: no proxies.ini or profiles.ini to migrate; name "
		    "the files, or the folder with -C", dir);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	char files[2][PATH_MAX], sdini[PATH_MAX];
	struct sd_settings set;
	const char *copt = NULL, *dir;
	size_t nfiles, i;
	int ch, rv = SD_EX_OK;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, SD_EX_OK);
	while ((ch = getopt(argc, argv, "cnC:")) != -1) {
		switch (ch) {
		case 'c':
			cflag = 1;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'C':
			copt = optarg;
			break;
		default:
			usage(stderr, SD_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	dir = sd_config_dir(copt);
	snprintf(sdini, sizeof(sdini), "%s/sd.ini", dir);
	if (sd_settings_load(&set, sdini) == -1)
		return SD_EX_CONFIG;
	if (argc == 0) {
		if (default_files(dir, files, &nfiles) == -1)
			return SD_EX_NOINPUT;
		for (i = 0; i < nfiles; i++)
			rv = worst(rv, migrate_one(files[i],
			    set.default_profile));
	} else
		for (i = 0; i < (size_t)argc; i++)
			rv = worst(rv, migrate_one(argv[i],
			    set.default_profile));
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		rv = worst(rv, SD_EX_IOERR);
	}
	return rv;
}
