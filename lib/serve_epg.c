/*
 * serve_epg.c - /epg.xml: the provider's XMLTV guide (sd.ini's epg, a
 * URL or a file, plain or gzip) cut down to the proxies' tvg_id by
 * epg.c, kept in SPOOL/.epg/ for epg_ttl seconds and sent from there
 * (ETag, 304, ranges through respond.c), gzip-coded when the client
 * takes it.
 *
 *   SPOOL/.epg/guide.xml      the filtered guide, renamed into place
 *   SPOOL/.epg/guide.xml.gz   the same, compressed once (gzip -n)
 *   SPOOL/.epg/source         what it was made from (epg, the ids)
 *   SPOOL/.epg/lock           held (flock) by the one refreshing it
 *
 * A refresh that fails (the source is down, not XML, cut short) leaves
 * the files as they were and answers 502 or 504. No zlib: gzip(1) does
 * both directions, run with fork and exec.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "bytes.h"
#include "epg.h"
#include "fetch.h"
#include "serve_int.h"
#include "util_int.h"

#define EPG_RAW_MAX (256u << 20)	/* the download, as sent */
#define EPG_XML_MAX (1024u << 20)	/* the guide, uncompressed */
#define EPG_TIMEOUT_MS 120000		/* a whole refresh */
#define EPG_LOCK_WAIT_MS 130000		/* for another's refresh */

struct guide_out {
	int fd;
	struct sd_buf b;
};

static int
out_flush(struct guide_out *o)
{
	int rc = o->b.len ? sd_write_all(o->fd, o->b.p, o->b.len, -1) : 0;

	o->b.len = 0;
	return rc;
}

static int
out_write(void *arg, const char *p, size_t n)
{
	struct guide_out *o = arg;

	if (sd_buf_append(&o->b, p, n) == -1)
		return -1;
	return o->b.len >= 65536 ? out_flush(o) : 0;
}

/* What the guide was made from: the source and the ids asked for (one
 * a line: an id holds no control character). */
static void
guide_stamp(const struct sd_config *cfg, char *out, size_t len)
{
	struct sd_buf ids;
	size_t i;

	sd_buf_init(&ids);
	for (i = 0; i < cfg->nproxies; i++)
		sd_buf_printf(&ids, "%s\n", cfg->proxies[i].tvg_id);
	snprintf(out, len, "%s\n%08x\n", cfg->settings.epg,
	    ids.failed || ids.p == NULL ? 0 : sd_fnv1a(ids.p));
	sd_buf_free(&ids);
}

/* 1 when dir/guide.xml is younger than epg_ttl and made from stamp. */
static int
guide_fresh(const struct sd_config *cfg, const char *dir, const char *stamp)
{
	char path[PATH_MAX], *old = NULL;
	struct stat sb;
	size_t len;
	int fresh;

	if (sd_pathf(path, sizeof(path), "%s/guide.xml", dir) == -1 ||
	    stat(path, &sb) == -1 ||
	    sd_real_ms() / 1000 - (long long)sb.st_mtim.tv_sec >=
	    cfg->settings.epg_ttl)
		return 0;
	if (sd_pathf(path, sizeof(path), "%s/source", dir) == -1 ||
	    sd_read_file(path, 8192, &old, &len) == -1)
		return 0;
	fresh = len == strlen(stamp) && memcmp(old, stamp, len) == 0;
	free(old);
	return fresh;
}

/* Run argv with stdin from in_fd and stdout to out_fd (-1: a pipe,
 * returned in *pipe_fd); stderr to /dev/null. The pid, or -1. */
static pid_t
spawn(char *const argv[], int in_fd, int out_fd, int *pipe_fd)
{
	int p[2] = { -1, -1 }, nul;
	pid_t pid;

	if (out_fd == -1 && pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		if (p[0] != -1) {
			close(p[0]);
			close(p[1]);
		}
		return -1;
	}
	if (pid == 0) {
		nul = open("/dev/null", O_RDWR);
		dup2(in_fd != -1 ? in_fd : nul, 0);
		dup2(out_fd != -1 ? out_fd : p[1], 1);
		dup2(nul, 2);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (p[1] != -1)
		close(p[1]);
	if (pipe_fd)
		*pipe_fd = p[0];
	return pid;
}

static int
reap(pid_t pid, int kill_it)
{
	int st;

	if (kill_it)
		kill(pid, SIGTERM);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The source's bytes into fd (a temporary): 0, or the status to answer. */
static int
download(const char *url, int fd, long long deadline)
{
	struct sd_fetch_opts o;
	struct sd_fetch f;
	char chunk[65536];
	size_t total = 0;
	ssize_t n;
	int rc = 0;

	sd_fetch_opts_default(&o);
	o.read_timeout_ms = 30000;
	if (sd_fetch_open(&f, url, &o) == -1)
		return errno == ETIMEDOUT ? 504 : 502;
	while ((n = sd_fetch_read(&f, chunk, sizeof(chunk))) > 0) {
		total += (size_t)n;
		if (total > EPG_RAW_MAX || sd_mono_ms() > deadline ||
		    sd_write_all(fd, chunk, (size_t)n, -1) == -1) {
			rc = sd_mono_ms() > deadline ? 504 : 502;
			break;
		}
	}
	if (n < 0)
		rc = errno == ETIMEDOUT ? 504 : 502;
	if (f.pid > 0 && rc == 0) {	/* curl says whether it is whole */
		close(f.fd);
		f.fd = -1;
		if (reap(f.pid, 0) == -1)
			rc = 502;
		f.pid = 0;
	}
	sd_fetch_close(&f);
	return rc;
}

/* The guide's bytes from in (plain, or gzip through gzip -dc) through
 * the filter: 0, or the status to answer (with the reason in *why). */
static int
filter_file(int in, struct epg_filter *ef, long long deadline,
    const char **why)
{
	char chunk[65536], *argv[] = { "gzip", "-dc", NULL };
	unsigned char magic[2] = { 0, 0 };
	size_t total = 0;
	ssize_t n;
	pid_t pid = -1;
	int fd = in, rc = 0;

	if (pread(in, magic, 2, 0) == 2 && magic[0] == 0x1f &&
	    magic[1] == 0x8b) {
		if ((pid = spawn(argv, in, -1, &fd)) == -1) {
			*why = "gzip(1) cannot be run";
			return 502;
		}
	}
	for (;;) {
		long long left = deadline - sd_mono_ms();

		if (left <= 0 || sd_wait_fd(fd, POLLIN, (int)left) == -1) {
			*why = "the guide took too long";
			rc = 504;
			break;
		}
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		if ((total += (size_t)n) > EPG_XML_MAX) {
			*why = "the guide is over 1 GiB";
			rc = 502;
			break;
		}
		if (epg_filter_feed(ef, chunk, (size_t)n) == -1)
			break;
	}
	if (pid != -1) {
		close(fd);
		if (reap(pid, rc != 0 || ef->error != NULL) == -1 && rc == 0 &&
		    ef->error == NULL) {
			*why = "the guide is not valid gzip";
			rc = 502;
		}
	}
	if (rc == 0 && epg_filter_end(ef) == -1) {
		*why = ef->error;
		rc = 502;
	}
	return rc;
}

/* dir/NAME.gz from dir/NAME with gzip -c -n, renamed into place. */
static void
guide_gzip(const char *dir)
{
	char src[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX];
	char *argv[] = { "gzip", "-c", "-n", NULL };
	int in, out, ok;
	pid_t pid;

	if (sd_pathf(src, sizeof(src), "%s/guide.xml", dir) == -1 ||
	    sd_pathf(dst, sizeof(dst), "%s/guide.xml.gz", dir) == -1 ||
	    sd_pathf(tmp, sizeof(tmp), "%s/.gz.XXXXXX", dir) == -1)
		return;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if ((out = mkostemp(tmp, O_CLOEXEC)) == -1) {
		close(in);
		return;
	}
	pid = spawn(argv, in, out, NULL);
	close(in);
	ok = pid != -1 && reap(pid, 0) == 0 && fchmod(out, 0644) == 0;
	if (close(out) == -1 || !ok || rename(tmp, dst) == -1) {
		unlink(tmp);
		unlink(dst);	/* never a copy of an older guide */
	}
}

static int
ids_of(const struct sd_config *cfg, const char ***ids, size_t *n)
{
	size_t i;

	*n = 0;
	if ((*ids = calloc(cfg->nproxies + 1, sizeof(**ids))) == NULL)
		return -1;
	for (i = 0; i < cfg->nproxies; i++)
		if (cfg->proxies[i].tvg_id[0])
			(*ids)[(*n)++] = cfg->proxies[i].tvg_id;
	return 0;
}

/* The source, as a file to read: itself, or the download in dir. */
static int
source_fd(const char *epg, const char *dir, long long deadline)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if (epg[0] == '/')
		return open(epg, O_RDONLY | O_CLOEXEC);
	if (sd_pathf(tmp, sizeof(tmp), "%s/.raw.XXXXXX", dir) == -1 ||
	    (fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return -1;
	unlink(tmp);
	if ((rc = download(epg, fd, deadline)) != 0 ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		errno = rc == 504 ? ETIMEDOUT : EPROTO;
		return -1;
	}
	return fd;
}

/* Make dir/guide.xml anew: 0, or the status to answer (why set). */
static int
guide_refresh(const struct sd_config *cfg, const char *dir,
    const char *stamp, const char **why)
{
	char tmp[PATH_MAX], dst[PATH_MAX], sfile[PATH_MAX];
	long long deadline = sd_mono_ms() + EPG_TIMEOUT_MS;
	struct guide_out o = { -1, { 0 } };
	struct epg_filter ef;
	const char **ids;
	size_t nids;
	int in, rc;

	if ((in = source_fd(cfg->settings.epg, dir, deadline)) == -1) {
		*why = "the guide's source cannot be read";
		return errno == ETIMEDOUT ? 504 : 502;
	}
	if (ids_of(cfg, &ids, &nids) == -1 ||
	    sd_pathf(tmp, sizeof(tmp), "%s/.xml.XXXXXX", dir) == -1 ||
	    sd_pathf(dst, sizeof(dst), "%s/guide.xml", dir) == -1 ||
	    sd_pathf(sfile, sizeof(sfile), "%s/source", dir) == -1 ||
	    (o.fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		close(in);
		free(ids);
		*why = "the spool is not writable";
		return 500;
	}
	sd_buf_init(&o.b);
	epg_filter_init(&ef, ids, nids, out_write, &o);
	rc = filter_file(in, &ef, deadline, why);
	close(in);
	if (rc == 0 && (out_flush(&o) == -1 || fchmod(o.fd, 0644) == -1 ||
	    close(o.fd) == -1 || rename(tmp, dst) == -1)) {
		o.fd = -1;
		*why = "the guide could not be written to the spool";
		rc = 500;
	} else if (rc == 0)
		o.fd = -1;
	if (o.fd != -1)
		close(o.fd);
	if (rc != 0)
		unlink(tmp);
	else {
		guide_gzip(dir);
		sd_write_atomic(sfile, stamp, strlen(stamp), 0644, 0);
	}
	epg_filter_free(&ef);
	sd_buf_free(&o.b);
	free(ids);
	return rc;
}

/* flock on dir/lock, waiting for another refresh at most a while. */
static int
guide_lock(const char *dir)
{
	char path[PATH_MAX];
	long long deadline = sd_mono_ms() + EPG_LOCK_WAIT_MS;
	int fd;

	if (sd_pathf(path, sizeof(path), "%s/lock", dir) == -1 ||
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK || sd_mono_ms() > deadline) {
			close(fd);
			return -1;
		}
		usleep(100000);
	}
	return fd;
}

/* gzip in Accept-Encoding, and not with q=0. */
static int
takes_gzip(const char *ae)
{
	const char *p = ae, *q;
	size_t n;

	while ((p = strcasestr(p, "gzip")) != NULL) {
		q = p + 4;
		p = q;
		while (*q == ' ')
			q++;
		if (*q == '\0' || *q == ',')
			return 1;
		if (*q != ';')
			continue;
		for (q++; *q == ' '; q++)
			;
		n = strcspn(q, ",");
		if (n >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=')
			return strtod(q + 2, NULL) > 0;
	}
	return 0;
}

int
srv_epg(struct srv *s)
{
	const struct sd_config *cfg = s->cfg;
	char dir[PATH_MAX], stamp[2200], gz[PATH_MAX];
	const char *why = NULL;
	struct stat sb;
	int lock, rc = 0;

	if (cfg->settings.epg[0] == '\0')
		return srv_error(s, 404, "no guide: set epg in sd.ini", 0);
	if (sd_pathf(dir, sizeof(dir), "%s/.epg", cfg->settings.spool) == -1)
		return srv_error(s, 500, "the spool path is too long", 0);
	mkdir(cfg->settings.spool, 0755);
	mkdir(dir, 0755);
	guide_stamp(cfg, stamp, sizeof(stamp));
	if (!guide_fresh(cfg, dir, stamp)) {
		if ((lock = guide_lock(dir)) == -1)
			return srv_error(s, 503, "the guide is being made", 10);
		if (!guide_fresh(cfg, dir, stamp))
			rc = guide_refresh(cfg, dir, stamp, &why);
		close(lock);
		if (rc != 0) {
			sd_warn_at(cfg->settings.epg, 0, "%s", why ? why :
			    "cannot be read");
			return srv_error(s, rc, why ? why : "no guide", 0);
		}
	}
	s->vary_encoding = 1;
	if (takes_gzip(s->rq->accept_encoding) &&
	    sd_pathf(gz, sizeof(gz), "%s/guide.xml.gz", dir) == 0 &&
	    stat(gz, &sb) == 0) {
		s->content_encoding = "gzip";
		return srv_file(s, dir, "guide.xml.gz", "epg.xml", 0);
	}
	return srv_file(s, dir, "guide.xml", "epg.xml", 0);
}
