/*
 * sd-import - merge the channels of an extended M3U (a file, an http(s)
 * URL or stdin) into the config folder's proxies.ini (sd-import(1)),
 * written the way sd-migrate writes: atomically, the previous file kept as
 * proxies.ini.bak, never a text that would not load.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "writeback.h"

#define M3U_MAX (64u << 20)	/* a provider's list with VOD can be large */
#define INI_MAX (8u << 20)	/* config.c refuses more than 4 MiB anyway */

struct args {
	const char *dir, *profile, *group_re, *source;
	enum sd_mode mode;
	int nflag;
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: sd-import [-n] [-C dir] [-m direct|smart] "
	    "[-p profile]\n                 [-g group-regex] [source]\n");
	exit(status);
}

static void
parse_args(int argc, char *argv[], struct args *a)
{
	const char *copt = NULL;
	int ch;

	memset(a, 0, sizeof(*a));
	a->mode = SD_MODE_SMART;
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, SD_EX_OK);
	while ((ch = getopt(argc, argv, "C:g:m:np:")) != -1) {
		switch (ch) {
		case 'C':
			copt = optarg;
			break;
		case 'g':
			a->group_re = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "direct") != 0 &&
			    strcmp(optarg, "smart") != 0)
				usage(stderr, SD_EX_USAGE);
			a->mode = *optarg == 'd' ? SD_MODE_DIRECT :
			    SD_MODE_SMART;
			break;
		case 'n':
			a->nflag = 1;
			break;
		case 'p':
			a->profile = optarg;
			break;
		default:
			usage(stderr, SD_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage(stderr, SD_EX_USAGE);
	a->source = argc == 1 ? argv[0] : "-";
	a->dir = sd_config_dir(copt);
}

/* The folder must be there; with -p, the profile must be one of it. */
static int
check_config(const struct args *a)
{
	struct sd_config cfg;
	struct stat sb;
	int rv = SD_EX_OK;

	if (stat(a->dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		warnx("%s: not a config folder (%s); create it, or name "
		    "another with -C or SD_CONF", a->dir, stat(a->dir, &sb) ==
		    -1 ? strerror(errno) : "not a directory");
		return SD_EX_CONFIG;
	}
	if (a->profile == NULL || *a->profile == '\0')
		return SD_EX_OK;
	if (sd_config_load(&cfg, a->dir) == -1) {
		warnx("%s: the configuration does not load (see above); -p "
		    "needs its profiles", a->dir);
		return SD_EX_CONFIG;
	}
	if (sd_profile_find(&cfg, a->profile) == NULL) {
		warnx("-p %s: no such profile (sd-decide -l lists them)",
		    a->profile);
		rv = SD_EX_CONFIG;
	}
	sd_config_free(&cfg);
	return rv;
}

/* The M3U text (*text, *len, to free); base is where relative entries
 * resolve ("": nowhere, for stdin). */
static int
read_source(const char *src, char **text, size_t *len, char *base,
    size_t baselen, const char **name)
{
	struct sd_fetch_opts o;
	struct sd_buf b;

	*name = strcmp(src, "-") == 0 ? "stdin" : src;
	base[0] = '\0';
	if (sd_url_is_http(src)) {
		sd_fetch_opts_default(&o);
		o.connect_timeout_ms = 10000;
		o.read_timeout_ms = 60000;	/* the whole list */
		sd_buf_init(&b);
		if (sd_fetch_all(src, &o, M3U_MAX, &b, base, baselen) == 0) {
			*text = b.p;
			*len = b.len;
			return SD_EX_OK;
		}
		sd_buf_free(&b);
		warnx("%s: cannot fetch: %s", src, errno == EPROTO ?
		    "an HTTP error status, or not HTTP" : errno == EFBIG ?
		    "larger than 64 MiB" : strerror(errno));
		return errno == ETIMEDOUT ? SD_EX_TEMPFAIL : errno == EFBIG ?
		    SD_EX_DATAERR : SD_EX_UNAVAILABLE;
	}
	if (sd_read_file(strcmp(src, "-") == 0 ? "/dev/stdin" : src, M3U_MAX,
	    text, len) == -1) {
		warn("%s", *name);
		return errno == EFBIG ? SD_EX_DATAERR : SD_EX_NOINPUT;
	}
	if (strcmp(src, "-") != 0 && realpath(src, base) == NULL)
		base[0] = '\0';
	return SD_EX_OK;
}

static void
today(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		strlcpy(buf, "1970-01-01", len);
}

/* One line on stderr when the file was written: what changed. */
static void
report(const char *path, int existed, const struct sd_import_stats *st)
{
	fprintf(stderr, "sd-import: %s: %zu channel%s: %zu new, %zu changed, "
	    "%zu gone, %zu back", path, st->channels, st->channels == 1 ? "" :
	    "s", st->added, st->changed, st->gone, st->back);
	if (st->pinned > 0)
		fprintf(stderr, ", %zu left to sections without the mark",
		    st->pinned);
	if (existed)
		fprintf(stderr, "; the previous file is %s.bak\n", path);
	else
		fprintf(stderr, "; a new file\n");
}

static int
import(const struct args *a, const char *text, size_t textlen,
    const char *base, const char *name)
{
	struct sd_import_opts o;
	struct sd_import_stats st;
	struct sd_migration m;
	struct sd_buf diff;
	char path[PATH_MAX], real[PATH_MAX], date[16], *ini = NULL;
	size_t len = 0;
	int rv, existed = 1;

	snprintf(path, sizeof(path), "%s/proxies.ini", a->dir);
	if (sd_read_file(path, INI_MAX, &ini, &len) == -1) {
		if (errno != ENOENT) {
			warn("%s", path);
			return SD_EX_NOINPUT;
		}
		existed = 0;
	}
	today(date, sizeof(date));
	memset(&o, 0, sizeof(o));
	o.mode = a->mode;
	o.profile = a->profile;
	o.group_re = a->group_re;
	o.base = *base ? base : NULL;
	o.m3u_name = name;
	o.today = date;
	rv = sd_import(&m, ini ? ini : "", len, path, text ? text : "",
	    textlen, &o, &st);
	if (rv == SD_EX_OK && a->nflag) {
		sd_buf_init(&diff);
		if (sd_migrate_diff(&m, path, &diff) == -1)
			rv = SD_EX_SOFTWARE;
		else
			fwrite(diff.p ? diff.p : "", 1, diff.len, stdout);
		sd_buf_free(&diff);
	} else if (rv == SD_EX_OK && m.changed) {
		rv = sd_ini_write_back(path, existed ? ini : NULL, len, &m.out,
		    real, sizeof(real));
		if (rv == SD_EX_OK)
			report(real, existed, &st);
	}
	sd_migration_free(&m);
	free(ini);
	return rv;
}

int
main(int argc, char *argv[])
{
	struct args a;
	char base[PATH_MAX > SD_URL_MAX ? PATH_MAX : SD_URL_MAX];
	char *text = NULL;
	const char *name;
	size_t len = 0;
	int rv;

	parse_args(argc, argv, &a);
	if ((rv = check_config(&a)) != SD_EX_OK)
		return rv;
	if ((rv = read_source(a.source, &text, &len, base, sizeof(base),
	    &name)) == SD_EX_OK)
		rv = import(&a, text, len, base, name);
	free(text);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		if (rv == SD_EX_OK)
			rv = SD_EX_IOERR;
	}
	return rv;
}
