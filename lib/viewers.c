/*
 * viewers.c - the clients of a proxy that max_clients counts (sd-relay(7)
 * Clients), by files in SPOOL/PROXY/clients/: a streaming client holds a
 * flock on its c.* file while it reads, so one that crashed leaves nothing
 * counted; an HLS or DASH client, which makes many short requests, counts
 * while its h.HASH stamp is fresh. Counting and adding happen under the
 * guard lock SPOOL/.locks/PROXY.clients, so two first clients cannot both
 * take the last place. (client.c is another matter: a client's format.)
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "spool.h"
#include "viewers.h"

/* A manifest client is counted while it asked within this many seconds. */
#define SEEN_S 30

/*
 * Count the clients in dir: held locks of streaming clients (c.*) and
 * manifest clients seen lately (h.*), removing what no longer counts.
 */
static int
count_viewers(const char *dir)
{
	DIR *d;
	struct dirent *de;
	struct stat sb;
	char p[PATH_MAX];
	int n = 0, held;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if ((strncmp(de->d_name, "c.", 2) != 0 &&
		    strncmp(de->d_name, "h.", 2) != 0) ||
		    sd_pathf(p, sizeof(p), "%s/%s", dir, de->d_name) == -1)
			continue;
		if (de->d_name[0] == 'h') {
			if (stat(p, &sb) == 0 && sd_real_s() -
			    (double)sb.st_mtim.tv_sec < SEEN_S)
				n++;
			else
				unlink(p);
		} else if ((held = sd_lock_held(p)) == 1)
			n++;
		else if (held == 0)
			unlink(p);
	}
	closedir(d);
	return n;
}

static int
viewers_guard(const struct sd_config *cfg, const struct sd_proxy *px)
{
	char name[SD_NAME_MAX + 16];
	int fd;

	snprintf(name, sizeof(name), "%s.clients", px->id);
	if ((fd = sd_lock_open(cfg->settings.spool, name)) == -1)
		return -1;
	if (flock(fd, LOCK_EX) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
sd_viewer_count(const struct sd_config *cfg, const struct sd_proxy *px)
{
	char dir[PATH_MAX];
	int guard, n;

	if (sd_spool_path(dir, sizeof(dir), cfg->settings.spool, px->id,
	    "clients") == -1 || (guard = viewers_guard(cfg, px)) == -1)
		return -1;
	n = count_viewers(dir);
	close(guard);
	return n;
}

int
sd_viewer_enter(const struct sd_config *cfg, const struct sd_proxy *px)
{
	char dir[PATH_MAX], p[PATH_MAX];
	int guard, fd = -1, n;
	static unsigned serial;

	if (sd_spool_path(dir, sizeof(dir), cfg->settings.spool, px->id,
	    "clients") == -1 || sd_spool_mkdirs(dir) == -1 ||
	    (guard = viewers_guard(cfg, px)) == -1)
		return -1;
	n = count_viewers(dir);
	if (px->max_clients > 0 && n >= px->max_clients) {
		errno = EBUSY;
		goto out;
	}
	sd_pathf(p, sizeof(p), "%s/c.%ld.%u.%lld", dir, (long)getpid(),
	    serial++, (long long)(sd_real_s() * 1000));
	if ((fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) ==
	    -1)
		goto out;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		unlink(p);
		fd = -1;
	}
out:
	close(guard);
	return fd;
}

/*
 * An HLS or DASH client (who: its address and User-Agent, any text) asked
 * for px now: 0 when it counts (it did already, or there is room), -1 with
 * EBUSY when max_clients others are in.
 */
int
sd_viewer_seen(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *who)
{
	char dir[PATH_MAX], p[PATH_MAX];
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *s;
	int guard, fd, rv = 0;

	for (s = who; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	if (sd_spool_path(dir, sizeof(dir), cfg->settings.spool, px->id,
	    "clients") == -1 || sd_spool_mkdirs(dir) == -1 ||
	    sd_pathf(p, sizeof(p), "%s/h.%016llx", dir,
	    (unsigned long long)h) == -1)
		return -1;
	if (utimensat(AT_FDCWD, p, NULL, 0) == 0)
		return 0;		/* known: it counts already */
	if ((guard = viewers_guard(cfg, px)) == -1)
		return -1;
	if (px->max_clients > 0 && count_viewers(dir) >= px->max_clients) {
		errno = EBUSY;
		rv = -1;
	} else if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) != -1)
		close(fd);
	close(guard);
	return rv;
}

/* The file is left for the next count to remove: only the lock counts. */
void
sd_viewer_leave(int handle)
{
	if (handle >= 0)
		close(handle);
}
