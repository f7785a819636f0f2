/*
 * relay.c - the TS ring of a live session, and what reads it: TS clients
 * (sd_relay_tail), the client count, the activity stamps and /status.
 *
 * The ring is a folder of chunk files %016llu.ts, each made visible at once
 * by rename (a reader never sees half a chunk), cut on 188-byte packet
 * boundaries counted from the start of the upstream connection, plus a
 * `head` file "first=N last=M conn=C" naming the chunks present. The
 * writer removes old chunks; a reader that has one open keeps reading it
 * (unlink only drops the name), and a reader that fell behind the ring
 * skips to its oldest chunk.
 *
 * The writer also looks for clean entry points in what it writes
 * (tsentry.c) and names the newest in `head` as "entry=CHUNK:OFFSET", the
 * PAT that starts it; `head` is rewritten (atomically) only after the chunks
 * it names are there, so a reader that reads it finds them. A new TS client
 * starts there rather than at an arbitrary packet of the live edge.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"

double
sd_relay_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
sd_relay_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---------------------------------------------------------------- paths */

/* snprintf for paths: -1 with ENAMETOOLONG rather than a cut name. */
int
sd_pathf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* SPOOL/PROXY[/NAME]; -1 (ENAMETOOLONG / EINVAL) when it cannot be. */
int
sd_spool_path(char *out, size_t len, const char *spool, const char *proxy,
    const char *name)
{
	int n;

	if (!sd_safe_name(proxy)) {
		errno = EINVAL;
		return -1;
	}
	if (name != NULL)
		n = snprintf(out, len, "%s/%s/%s", spool, proxy, name);
	else
		n = snprintf(out, len, "%s/%s", spool, proxy);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* DIR plus a suffix: SPOOL/PROXY/VAR -> SPOOL/PROXY/VAR.used */
static int
sibling(char *out, size_t len, const char *dir, const char *suffix)
{
	int n = snprintf(out, len, "%s%s", dir, suffix);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
sd_spool_mkdirs(const char *path)
{
	char p[PATH_MAX], *s;

	if (strlcpy(p, path, sizeof(p)) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) == -1 && errno != EEXIST ? -1 : 0;
}

/* Remove a folder of plain files and folders of plain files, bounded. */
int
sd_spool_rmtree(const char *path, int depth)
{
	DIR *d = NULL;
	struct dirent *de;
	char p[PATH_MAX];
	int fd;

	/*
	 * Never through a symbolic link: opendir() followed SPOOL/PROXY/x ->
	 * /elsewhere and the session's cleanup emptied /elsewhere
	 * (security.t). A link, like any non-folder, is unlinked itself.
	 */
	if (depth <= 4 && (fd = open(path, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) != -1 && (d = fdopendir(fd)) == NULL)
		close(fd);
	if (d == NULL)
		return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (sd_pathf(p, sizeof(p), "%s/%s", path,
		    de->d_name) == -1)
			continue;
		if (de->d_type == DT_DIR)
			sd_spool_rmtree(p, depth + 1);
		else
			unlink(p);
	}
	closedir(d);
	return rmdir(path) == -1 && errno != ENOENT ? -1 : 0;
}

/* ---------------------------------------------------------------- stamps */

int
sd_session_touch(const char *dir)
{
	char p[PATH_MAX];
	int fd;

	if (sibling(p, sizeof(p), dir, ".used") == -1)
		return -1;
	if (utimensat(AT_FDCWD, p, NULL, 0) == 0)
		return 0;
	if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* Seconds since dir was last used; a large number when never. */
double
sd_session_idle(const char *dir)
{
	char p[PATH_MAX];
	struct stat sb;

	if (sibling(p, sizeof(p), dir, ".used") == -1 || stat(p, &sb) == -1)
		return 1e9;
	return sd_relay_now() - ((double)sb.st_mtim.tv_sec +
	    sb.st_mtim.tv_nsec / 1e9);
}

/* The state record of the session of dir (DIR.state). */
int
sd_session_state_read(const char *dir, struct sd_rec *r)
{
	char p[PATH_MAX], *buf;
	size_t len;
	int rv;

	sd_rec_init(r);
	if (sibling(p, sizeof(p), dir, ".state") == -1 ||
	    sd_read_file(p, 65536, &buf, &len) == -1)
		return -1;
	rv = sd_rec_parse(r, buf, len, p);
	free(buf);
	return rv;
}

int
sd_session_state_write(const char *dir, const struct sd_rec *r)
{
	char p[PATH_MAX];
	struct sd_buf b;
	size_t i;
	int rv;

	if (sibling(p, sizeof(p), dir, ".state") == -1)
		return -1;
	sd_buf_init(&b);
	for (i = 0; i < r->n; i++)
		sd_buf_printf(&b, "%s=%s\n", r->kv[i].key, r->kv[i].value);
	rv = b.failed ? -1 : sd_write_atomic(p, b.p ? b.p : "", b.len, 0644, 0);
	sd_buf_free(&b);
	return rv;
}

int
sd_relay_retry_after(const char *dir)
{
	struct sd_rec r;
	const char *v, *errstr;
	int s = 5;

	if (sd_session_state_read(dir, &r) == 0 &&
	    (v = sd_rec_get(&r, "retry_after")) != NULL) {
		s = (int)sd_strtonum(v, 1, 3600, &errstr);
		if (errstr != NULL)
			s = 5;
	}
	sd_rec_free(&r);
	return s;
}

/* ---------------------------------------------------------------- ring */

int
sd_ring_open(struct sd_ring *rg, const char *dir, unsigned keep)
{
	memset(rg, 0, sizeof(*rg));
	sd_ts_scan_init(&rg->scan);
	if (strlcpy(rg->dir, dir, sizeof(rg->dir)) >= sizeof(rg->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	rg->keep = keep < 4 ? 4 : keep;
	/*
	 * Chunks left by a session that died (its lock is ours now): readers
	 * holding one keep it; the new numbers are higher, so they move on.
	 */
	sd_pass_trim(dir, -1);
	/*
	 * Numbers go on rising across sessions (milliseconds since the
	 * epoch), so a reader of a ring that was started again is behind its
	 * first chunk and joins it, never ahead of it.
	 */
	rg->first = rg->next = (unsigned long long)(sd_relay_now() * 1000);
	if (sd_spool_mkdirs(dir) == -1)
		return -1;
	rg->buf = malloc(SD_RING_CHUNK);
	return rg->buf == NULL ? -1 : 0;
}

void
sd_ring_close(struct sd_ring *rg)
{
	free(rg->buf);
	rg->buf = NULL;
}

static int
ring_head_write(struct sd_ring *rg)
{
	char p[PATH_MAX], line[160];
	int n;

	sd_pathf(p, sizeof(p), "%s/head", rg->dir);
	n = snprintf(line, sizeof(line), "first=%llu last=%llu conn=%u",
	    (unsigned long long)rg->first, (unsigned long long)(rg->next - 1),
	    rg->conn);
	if (rg->scan.found > 0 && rg->scan.entry_chunk >= rg->first &&
	    rg->scan.entry_chunk < rg->next)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    " entry=%llu:%zu", rg->scan.entry_chunk,
		    rg->scan.entry_off);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "\n");
	return sd_write_atomic(p, line, (size_t)n, 0644, 0);
}

/* Write out the whole packets buffered as one chunk; keep the rest. */
int
sd_ring_flush(struct sd_ring *rg)
{
	char p[PATH_MAX];
	size_t whole = rg->len - rg->len % 188, i;

	rg->started = sd_relay_now();
	if (whole == 0)
		return 0;
	for (i = 0; i < whole; i += SD_TS_PACKET)
		sd_ts_scan_packet(&rg->scan, (unsigned char *)rg->buf + i,
		    rg->next, i);
	sd_pathf(p, sizeof(p), "%s/%016llu.ts", rg->dir,
	    (unsigned long long)rg->next);
	if (sd_write_atomic(p, rg->buf, whole, 0644, 0) == -1) {
		warn("%s", p);
		return -1;
	}
	rg->next++;
	rg->bytes += whole;
	memmove(rg->buf, rg->buf + whole, rg->len - whole);
	rg->len -= whole;
	while (rg->next - rg->first > rg->keep) {
		sd_pathf(p, sizeof(p), "%s/%016llu.ts", rg->dir,
		    (unsigned long long)rg->first);
		rg->first++;
		if (ring_head_write(rg) == 0)
			unlink(p);
	}
	return ring_head_write(rg);
}

/* Append upstream bytes; a chunk is cut when full or old enough. */
int
sd_ring_write(struct sd_ring *rg, const void *data, size_t n)
{
	const char *p = data;
	size_t room;

	if (rg->len == 0 && rg->started == 0)
		rg->started = sd_relay_now();
	while (n > 0) {
		room = SD_RING_CHUNK - rg->len;
		if (room > n)
			room = n;
		memcpy(rg->buf + rg->len, p, room);
		rg->len += room;
		p += room;
		n -= room;
		if (rg->len == SD_RING_CHUNK && sd_ring_flush(rg) == -1)
			return -1;
	}
	if (sd_relay_now() - rg->started >= SD_RING_FLUSH_S)
		return sd_ring_flush(rg);
	return 0;
}

/* A new upstream connection: what is left of a packet is dropped. */
int
sd_ring_new_conn(struct sd_ring *rg)
{
	int rv = sd_ring_flush(rg);
	struct sd_ts_scan last = rg->scan;

	/* a new stream: parse it afresh, the last entry point stays valid */
	sd_ts_scan_init(&rg->scan);
	rg->scan.found = last.found;
	rg->scan.entry_chunk = last.entry_chunk;
	rg->scan.entry_off = last.entry_off;
	rg->len = 0;
	rg->conn++;
	return rv == -1 ? -1 : ring_head_write(rg);
}

int
sd_ring_head(const char *dir, unsigned long long *first,
    unsigned long long *last)
{
	char p[PATH_MAX], buf[128];
	int fd;
	ssize_t n;

	sd_pathf(p, sizeof(p), "%s/head", dir);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "first=%llu last=%llu", first, last) != 2) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* The newest entry point named in dir's head: 0, or -1 (none, no ring). */
int
sd_ring_entry(const char *dir, unsigned long long *chunk, size_t *off)
{
	char p[PATH_MAX], buf[160], *e;
	unsigned long long o;
	int fd;
	ssize_t n;

	sd_pathf(p, sizeof(p), "%s/head", dir);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((e = strstr(buf, " entry=")) == NULL ||
	    sscanf(e, " entry=%llu:%llu", chunk, &o) != 2 ||
	    o >= SD_RING_CHUNK || o % SD_TS_PACKET != 0) {
		errno = ENOENT;
		return -1;
	}
	*off = (size_t)o;
	return 0;
}

/* ---------------------------------------------------------------- tail */

static int
write_client(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };

		if (poll(&pfd, 1, SD_TAIL_WRITE_TIMEOUT_S * 1000) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = write(fd, p, len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Copy one chunk file from byte skip on to fd; 1 when it is not there, -1
 * client gone.
 */
static int
copy_chunk(const char *dir, unsigned long long seq, size_t skip, int fd,
    char *buf, size_t bufsz)
{
	char p[PATH_MAX];
	ssize_t n;
	int in;

	sd_pathf(p, sizeof(p), "%s/%016llu.ts", dir, seq);
	if ((in = open(p, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	if (skip > 0 && lseek(in, (off_t)skip, SEEK_SET) == -1) {
		close(in);
		return 1;
	}
	while ((n = read(in, buf, bufsz)) > 0)
		if (write_client(fd, buf, (size_t)n) == -1) {
			close(in);
			return -1;
		}
	close(in);
	return 0;
}

/* Each ring cursor follows the same rules: TS clients, pipelines. */
int
sd_ring_next(const char *dir, unsigned long long *cursor)
{
	unsigned long long first, last;
	char p[PATH_MAX];

	sd_pathf(p, sizeof(p), "%s/%016llu.ts", dir, *cursor);
	if (access(p, F_OK) == 0)
		return 1;
	if (sd_ring_head(dir, &first, &last) == -1)
		return -1;
	if (*cursor < first) {
		*cursor = first;	/* fell behind the ring */
		return 1;
	}
	return 0;
}

/* The live edge: the newest whole chunk, waiting for one at most wait s. */
int
sd_ring_edge(const char *dir, int wait, unsigned long long *cursor)
{
	unsigned long long first, last;
	double until = sd_relay_now() + wait;

	for (;;) {
		if (sd_ring_head(dir, &first, &last) == 0 && last >= first) {
			*cursor = last;
			return 0;
		}
		if (sd_relay_now() > until) {
			errno = ETIMEDOUT;
			return -1;
		}
		sd_relay_sleep_ms(50);
	}
}

/*
 * Where a new TS client starts: the newest entry point in the ring, waiting
 * for one at most SD_ENTRY_WAIT_S (about a GOP); then the live edge, for
 * sources that have none (audio only, scrambled, no PAT).
 */
static int
tail_start(const char *dir, unsigned long long *cursor, size_t *skip)
{
	unsigned long long first, last, chunk;
	double until;
	size_t off;

	*skip = 0;
	if (sd_ring_edge(dir, SD_TAIL_STALL_S, cursor) == -1)
		return -1;
	until = sd_relay_now() + SD_ENTRY_WAIT_S;
	for (;;) {
		if (sd_ring_entry(dir, &chunk, &off) == 0 &&
		    sd_ring_head(dir, &first, &last) == 0 &&
		    chunk >= first && chunk <= last) {
			*cursor = chunk;
			*skip = off;
			return 0;
		}
		if (sd_relay_now() > until)
			return sd_ring_edge(dir, 0, cursor);
		sd_relay_sleep_ms(50);
	}
}

int
sd_relay_tail(const char *dir, int out_fd)
{
	unsigned long long cursor;
	double last_data, last_touch = 0, now;
	size_t skip;
	char *buf;
	int rv;

	signal(SIGPIPE, SIG_IGN);
	if (tail_start(dir, &cursor, &skip) == -1)
		return -1;
	if ((buf = malloc(65536)) == NULL)
		return -1;
	last_data = sd_relay_now();
	for (;;) {
		now = sd_relay_now();
		if (now - last_touch >= 1) {
			sd_session_touch(dir);
			last_touch = now;
		}
		rv = copy_chunk(dir, cursor, skip, out_fd, buf, 65536);
		skip = 0;
		if (rv == -1) {
			rv = 0;		/* the client went away */
			break;
		}
		if (rv == 0) {
			cursor++;
			last_data = now;
			continue;
		}
		if ((rv = sd_ring_next(dir, &cursor)) == -1) {
			rv = 0;		/* the session ended */
			break;
		}
		if (rv == 1)
			continue;
		if (now - last_data > SD_TAIL_STALL_S) {
			errno = ETIMEDOUT;
			rv = -1;
			break;
		}
		sd_relay_sleep_ms(40);
	}
	free(buf);
	return rv;
}

int
sd_session_wait_ready(const char *dir, int timeout)
{
	struct sd_store st;
	double until = sd_relay_now() + timeout;
	int ready;

	char p[PATH_MAX];
	struct stat sb;

	if (sd_pathf(p, sizeof(p), "%s/index", dir) == -1)
		return -1;
	for (;;) {
		/* Quietly until there is an index: sd_store_read warns. */
		sd_store_init(&st);
		ready = stat(p, &sb) == 0 && sd_store_read(&st, dir) == 0 &&
		    st.nsegs > 0;
		sd_store_free(&st);
		if (ready)
			return 0;
		if (sd_relay_now() >= until) {
			errno = ETIMEDOUT;
			return -1;
		}
		sd_relay_sleep_ms(100);
	}
}

/* ---------------------------------------------------------------- locks */

/* Open SPOOL/.locks/NAME (created); fd or -1. */
int
sd_lock_open(const char *spool, const char *name)
{
	char p[PATH_MAX];

	if (sd_pathf(p, sizeof(p), "%s/.locks", spool) == -1 ||
	    sd_spool_mkdirs(p) == -1)
		return -1;
	if (sd_pathf(p, sizeof(p), "%s/.locks/%s", spool, name) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

/* 1 when someone holds the lock file path, 0 when not, -1 missing. */
int
sd_lock_held(const char *path)
{
	int fd, held;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	held = flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* ---------------------------------------------------------------- clients */

/* A manifest client is counted while it asked within this many seconds. */
#define SEEN_S 30

/*
 * Count the clients in dir: held locks of streaming clients (c.*) and
 * manifest clients seen lately (h.*), removing what no longer counts.
 */
static int
count_clients(const char *dir)
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
			if (stat(p, &sb) == 0 && sd_relay_now() -
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
clients_guard(const struct sd_config *cfg, const struct sd_proxy *px)
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
sd_client_count(const struct sd_config *cfg, const struct sd_proxy *px)
{
	char dir[PATH_MAX];
	int guard, n;

	if (sd_spool_path(dir, sizeof(dir), cfg->settings.spool, px->id,
	    "clients") == -1 || (guard = clients_guard(cfg, px)) == -1)
		return -1;
	n = count_clients(dir);
	close(guard);
	return n;
}

int
sd_client_enter(const struct sd_config *cfg, const struct sd_proxy *px)
{
	char dir[PATH_MAX], p[PATH_MAX];
	int guard, fd = -1, n;
	static unsigned serial;

	if (sd_spool_path(dir, sizeof(dir), cfg->settings.spool, px->id,
	    "clients") == -1 || sd_spool_mkdirs(dir) == -1 ||
	    (guard = clients_guard(cfg, px)) == -1)
		return -1;
	n = count_clients(dir);
	if (px->max_clients > 0 && n >= px->max_clients) {
		errno = EBUSY;
		goto out;
	}
	sd_pathf(p, sizeof(p), "%s/c.%ld.%u.%lld", dir, (long)getpid(),
	    serial++, (long long)(sd_relay_now() * 1000));
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
sd_client_seen(const struct sd_config *cfg, const struct sd_proxy *px,
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
	if ((guard = clients_guard(cfg, px)) == -1)
		return -1;
	if (px->max_clients > 0 && count_clients(dir) >= px->max_clients) {
		errno = EBUSY;
		rv = -1;
	} else if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) != -1)
		close(fd);
	close(guard);
	return rv;
}

/* The file is left for the next count to remove: only the lock counts. */
void
sd_client_leave(int handle)
{
	if (handle >= 0)
		close(handle);
}

/* ---------------------------------------------------------------- status */

static void
json_str(struct sd_buf *b, const char *s)
{
	sd_buf_append(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sd_buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			sd_buf_printf(b, "\\u%04x", (unsigned char)*s);
		else
			sd_buf_append(b, s, 1);
	}
	sd_buf_append(b, "\"", 1);
}

static void
json_num_or_null(struct sd_buf *b, const char *v)
{
	const char *errstr;

	if (v != NULL) {
		sd_strtonum(v, LLONG_MIN, LLONG_MAX, &errstr);
		if (errstr == NULL) {
			sd_buf_printf(b, "%s", v);
			return;
		}
	}
	sd_buf_printf(b, "null");
}

/* One session's object; *first tells whether a comma goes before it. */
static void
status_one(struct sd_buf *b, const struct sd_config *cfg,
    const struct sd_proxy *px, const char *variant, int *first)
{
	static const char *nums[] = { "pid", "connections", "restarts",
	    "bytes", "started", "since", "retry_after" };
	char dir[PATH_MAX];
	struct sd_rec r;
	size_t i;
	const char *v;

	if (sd_spool_path(dir, sizeof(dir), cfg->settings.spool, px->id,
	    variant) == -1)
		return;
	sd_session_state_read(dir, &r);
	sd_buf_printf(b, "%s{\"proxy\":", *first ? "" : ",");
	*first = 0;
	json_str(b, px->id);
	sd_buf_printf(b, ",\"variant\":");
	json_str(b, variant);
	sd_buf_printf(b, ",\"state\":");
	json_str(b, (v = sd_rec_get(&r, "state")) ? v : "unknown");
	for (i = 0; i < SD_ARRAY_LEN(nums); i++) {
		sd_buf_printf(b, ",\"%s\":", nums[i]);
		json_num_or_null(b, sd_rec_get(&r, nums[i]));
	}
	sd_buf_printf(b, ",\"last_used\":%.0f", sd_relay_now() -
	    sd_session_idle(dir));
	sd_buf_printf(b, ",\"clients\":%d", strcmp(variant, "ts") == 0 ?
	    sd_client_count(cfg, px) : 0);
	sd_buf_printf(b, ",\"last_error\":");
	json_str(b, (v = sd_rec_get(&r, "last_error")) ? v : "");
	sd_buf_printf(b, "}");
	sd_rec_free(&r);
}

/* Sessions of px: its lock files that are held, upstream first. */
static void
status_proxy(struct sd_buf *b, const struct sd_config *cfg,
    const struct sd_proxy *px, int *first)
{
	char dir[PATH_MAX], p[PATH_MAX];
	size_t n = strlen(px->id);
	DIR *d;
	struct dirent *de;

	sd_pathf(dir, sizeof(dir), "%s/.locks", cfg->settings.spool);
	sd_pathf(p, sizeof(p), "%s/%s.lock", dir, px->id);
	if (sd_lock_held(p) != 1)
		return;
	status_one(b, cfg, px, "ts", first);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char var[SD_NAME_MAX * 2];
		size_t l = strlen(de->d_name);

		if (strncmp(de->d_name, px->id, n) != 0 ||
		    de->d_name[n] != '@' || l < n + 6 ||
		    strcmp(de->d_name + l - 5, ".lock") != 0 ||
		    l - n - 6 >= sizeof(var))
			continue;
		memcpy(var, de->d_name + n + 1, l - n - 6);
		var[l - n - 6] = '\0';
		sd_pathf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (sd_safe_name(var) && sd_lock_held(p) == 1)
			status_one(b, cfg, px, var, first);
	}
	closedir(d);
}

int
sd_relay_status(const struct sd_config *cfg, struct sd_buf *out)
{
	size_t i;
	int first = 1;

	sd_buf_printf(out, "{\"sessions\":[");
	for (i = 0; i < cfg->nproxies; i++)
		status_proxy(out, cfg, &cfg->proxies[i], &first);
	sd_buf_printf(out, "]}");
	return out->failed ? -1 : 0;
}
