/*
 * session.c - live sessions as detached processes (sd-serve(8) SESSIONS).
 *
 * A request calls sd_relay_ensure(). Under SPOOL/.locks/start (so that two
 * first requests start one session, and max_sessions is counted without a
 * race) it tries the session's own lock; when nobody holds it, it starts
 * `sd-serve --session ...` with a double fork and setsid (its own session
 * and process group: a web server that kills its CGI's group does not
 * reach it), the lock on fd 3 and nothing else open. The session holds the
 * lock for its whole life, so "is it running" is "is the lock held", and a
 * session that crashed is no longer running.
 *
 * Two kinds: the upstream session of a proxy (variant "ts") reads the
 * source once into the ring, reconnecting with backoff; a variant session
 * feeds the ring into `[ffmpeg ARGV |] sd-cmafmux -l [-T] -o
 * SPOOL/PROXY/VAR`
 * and restarts that pipeline when it exits or stalls. Each ends when its
 * activity stamp is older than idle_timeout, and removes its files.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"

#define LOCK_FD 3
#define START_WAIT_MAX 30	/* s a first request waits for the upstream */
#define MAX_FFMPEG_ARGS 256

static char session_prog[PATH_MAX];
static volatile sig_atomic_t stop_requested;

void
sd_session_program(const char *path)
{
	strlcpy(session_prog, path ? path : "", sizeof(session_prog));
}

static const char *
self_path(void)
{
	ssize_t n;

	if (session_prog[0] != '\0')
		return session_prog;
	n = readlink("/proc/self/exe", session_prog, sizeof(session_prog) - 1);
	if (n <= 0)
		return NULL;
	session_prog[n] = '\0';
	return session_prog;
}

/* Settings with the defaults of sd.ini(5) where a field is unset. */
struct limits {
	int idle, timeout, max_sessions, window;
	double segdur;
};

static void
limits_of(const struct sd_settings *s, struct limits *l)
{
	l->idle = s->idle_timeout > 0 ? s->idle_timeout : 30;
	l->timeout = s->upstream_timeout > 0 ? s->upstream_timeout : 10;
	l->max_sessions = s->max_sessions > 0 ? s->max_sessions : 32;
	l->window = s->window > 0 ? s->window : 6;
	l->segdur = s->segment_duration > 0 ? s->segment_duration : 2;
}

static int
lock_name(char *out, size_t len, const char *proxy, const char *variant)
{
	if (strcmp(variant, "ts") == 0)
		return sd_pathf(out, len, "%s.lock", proxy);
	return sd_pathf(out, len, "%s@%s.lock", proxy, variant);
}

/* Held session locks in SPOOL/.locks other than except. */
static int
count_sessions(const char *spool, const char *except)
{
	char dir[PATH_MAX], p[PATH_MAX];
	DIR *d;
	struct dirent *de;
	size_t l;
	int n = 0;

	if (sd_pathf(dir, sizeof(dir), "%s/.locks", spool) == -1 ||
	    (d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".lock") != 0 ||
		    strcmp(de->d_name, except) == 0 ||
		    sd_pathf(p, sizeof(p), "%s/%s", dir, de->d_name) == -1)
			continue;
		if (sd_lock_held(p) == 1)
			n++;
	}
	closedir(d);
	return n;
}

/* ---------------------------------------------------------------- start */

static void
close_from(int lowfd)
{
	if (close_range((unsigned)lowfd, ~0U, 0) == -1) {
		long max = sysconf(_SC_OPEN_MAX);
		int fd;

		for (fd = lowfd; fd < (max > 0 && max < 65536 ? max : 1024);
		    fd++)
			close(fd);
	}
}

/* The grandchild: fd 3 the lock, 0/1 /dev/null, 2 the log. */
static void
exec_session(int lockfd, const char *logpath, char **argv)
{
	int nul, log;

	if (lockfd != LOCK_FD) {
		if (dup2(lockfd, LOCK_FD) == -1)
			_exit(SD_EX_SOFTWARE);
	} else
		fcntl(LOCK_FD, F_SETFD, 0);
	nul = open("/dev/null", O_RDWR);
	log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (nul == -1)
		_exit(SD_EX_SOFTWARE);
	dup2(nul, 0);
	dup2(nul, 1);
	dup2(log != -1 ? log : nul, 2);
	close_from(LOCK_FD + 1);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	_exit(127);
}

/* Double fork, setsid: the session outlives the request and its group. */
static int
spawn_detached(int lockfd, const char *logpath, char **argv)
{
	pid_t pid, w;
	int status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (setsid() == -1)
			_exit(SD_EX_SOFTWARE);
		switch (fork()) {
		case -1:
			_exit(SD_EX_SOFTWARE);
		case 0:
			exec_session(lockfd, logpath, argv);
			break;
		default:
			_exit(0);
		}
	}
	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	return w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
	    0 : -1;
}

#define CLASSIFY_MAX (256 * 1024)

/* A track of the classified source that MPEG-TS carries, or none at all. */
static int
track_fits_ts(const struct sd_rec *cls, const char *key)
{
	const char *c = sd_rec_get(cls, key);

	return c == NULL || *c == '\0' || sd_codec_in_mpegts(c);
}

/*
 * Whether the variant's store also gets MPEG-TS segments (sd-cmafmux -T)
 * for TS and HLS version 3 clients. One session serves every format of a
 * variant, so this follows from the codecs, never from the client that
 * came first. A transcode: when its ffmpeg writes MPEG-TS, which sd-decide
 * chooses exactly when MPEG-TS carries every output codec (not VP9, AV1,
 * Opus). A repackage (of the MPEG-TS source): when the classified codecs,
 * copied, fit MPEG-TS (a TS source can carry Opus, kept out of TS here).
 */
static int
variant_ts_ok(const struct sd_config *cfg, const struct sd_proxy *px,
    const struct sd_rec *decision)
{
	const char *d = decision ? sd_rec_get(decision, "delivery") : NULL;
	const char *pf;
	char path[PATH_MAX], *buf;
	struct sd_rec cls;
	size_t len;
	int ok;

	if (d != NULL && strcmp(d, "transcode") == 0)
		return (pf = sd_rec_get(decision, "pipe_format")) != NULL &&
		    strcmp(pf, "mpegts") == 0;
	if (d == NULL || strcmp(d, "repackage") != 0 ||
	    sd_spool_path(path, sizeof(path), cfg->settings.spool, px->id,
	    "classify") == -1 || sd_read_file(path, CLASSIFY_MAX, &buf,
	    &len) == -1)
		return 0;
	sd_rec_init(&cls);
	ok = sd_rec_parse(&cls, buf, len, path) == 0 &&
	    track_fits_ts(&cls, "video_codec") &&
	    track_fits_ts(&cls, "audio_codec");
	sd_rec_free(&cls);
	free(buf);
	return ok;
}

/* The argv of `sd-serve --session` for (px, variant). */
struct session_argv {
	char *v[32 + MAX_FFMPEG_ARGS];
	char num[5][32];
	int n;
};

static int
session_argv(struct session_argv *a, const struct sd_config *cfg,
    const struct sd_proxy *px, const char *variant,
    const struct sd_rec *decision)
{
	struct limits l;
	const char *self = self_path(), *arg;
	size_t i, nargs;

	if (self == NULL) {
		errno = ENOENT;
		return -1;
	}
	limits_of(&cfg->settings, &l);
	snprintf(a->num[0], sizeof(a->num[0]), "%d", l.idle);
	snprintf(a->num[1], sizeof(a->num[1]), "%d", l.timeout);
	snprintf(a->num[2], sizeof(a->num[2]), "%g", l.segdur);
	snprintf(a->num[3], sizeof(a->num[3]), "%d", l.window);
	a->n = 0;
#define ARG(s) (a->v[a->n++] = (char *)(s))
	ARG(self); ARG("--session");
	ARG("-S"); ARG(cfg->settings.spool);
	ARG("-p"); ARG(px->id);
	ARG("-u"); ARG(px->source);
	ARG("-i"); ARG(a->num[0]);
	ARG("-t"); ARG(a->num[1]);
	ARG("-d"); ARG(a->num[2]);
	ARG("-w"); ARG(a->num[3]);
	ARG("-v"); ARG(variant);
	if (variant_ts_ok(cfg, px, decision))
		ARG("-T");
	ARG("--");
	nargs = decision ? sd_rec_count(decision, "ffmpeg_arg") : 0;
	if (nargs > MAX_FFMPEG_ARGS - 2) {
		errno = E2BIG;
		return -1;
	}
	for (i = 0; i < nargs; i++) {
		arg = sd_rec_get_nth(decision, "ffmpeg_arg", i);
		/* The transcoder reads the ring on its standard input. */
		if (i > 0 && strcmp(sd_rec_get_nth(decision, "ffmpeg_arg",
		    i - 1), "-i") == 0)
			arg = "pipe:0";
		if (i == 0 && strcmp(arg, "ffmpeg") != 0)
			ARG("ffmpeg");
		ARG(arg);
	}
	a->v[a->n] = NULL;
#undef ARG
	return 0;
}

static int
state_is(const char *dir, const char *state)
{
	struct sd_rec r;
	const char *v;
	int is;

	sd_session_state_read(dir, &r);
	is = (v = sd_rec_get(&r, "state")) != NULL && strcmp(v, state) == 0;
	sd_rec_free(&r);
	return is;
}

static int
state_exists(const char *dir)
{
	char p[PATH_MAX];

	return sd_pathf(p, sizeof(p), "%s.state", dir) == 0 &&
	    access(p, F_OK) == 0;
}

static void
state_set_starting(const char *dir)
{
	struct sd_rec r;

	sd_rec_init(&r);
	sd_rec_add(&r, "state", "starting");
	sd_rec_add(&r, "started", "%.0f", sd_relay_now());
	sd_session_state_write(dir, &r);
	sd_rec_free(&r);
}

/* Start the session under the lock held on lockfd (guard held). */
static int
start_session(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, const struct sd_rec *decision, int lockfd,
    const char *dir)
{
	struct session_argv a;
	char log[PATH_MAX];

	if (session_argv(&a, cfg, px, variant, decision) == -1 ||
	    sd_pathf(log, sizeof(log), "%s.log", dir) == -1)
		return -1;
	if (sd_spool_mkdirs(dir) == -1) {
		warn("%s", dir);
		return -1;
	}
	state_set_starting(dir);
	sd_session_touch(dir);
	return spawn_detached(lockfd, log, a.v);
}

enum { ENSURE_RUNNING, ENSURE_STARTED, ENSURE_STOPPING };

/* One session: running already, started now, or being torn down. */
static int
ensure_one(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, const struct sd_rec *decision, const char *dir)
{
	struct limits l;
	char name[SD_NAME_MAX * 3];
	int guard, fd, rv = -1;

	limits_of(&cfg->settings, &l);
	if (lock_name(name, sizeof(name), px->id, variant) == -1 ||
	    (guard = sd_lock_open(cfg->settings.spool, "start")) == -1)
		return -1;
	if (flock(guard, LOCK_EX) == -1 ||
	    (fd = sd_lock_open(cfg->settings.spool, name)) == -1) {
		close(guard);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		/* Held with no state: it removed its files and is leaving. */
		rv = state_is(dir, "stopping") || !state_exists(dir) ?
		    ENSURE_STOPPING : ENSURE_RUNNING;
	} else if (count_sessions(cfg->settings.spool, name) >=
	    l.max_sessions) {
		warnx("%s: max_sessions (%d) sessions run already",
		    px->id, l.max_sessions);
		errno = EAGAIN;
	} else if (start_session(cfg, px, variant, decision, fd, dir) == 0)
		rv = ENSURE_STARTED;
	close(fd);
	close(guard);
	return rv;
}

/* A first start: wait (bounded) until the upstream is up or given up. */
static void
wait_first_answer(const char *dir, int timeout)
{
	double until = sd_relay_now() + timeout;

	while (sd_relay_now() < until && !state_is(dir, "up") &&
	    !state_is(dir, "down"))
		sd_relay_sleep_ms(50);
}

static int
ensure_retry(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, const struct sd_rec *decision, const char *dir)
{
	int i, rv;

	/* A session tearing down holds its lock for a moment more. */
	for (i = 0; i < 100; i++) {
		if ((rv = ensure_one(cfg, px, variant, decision, dir)) !=
		    ENSURE_STOPPING)
			return rv;
		sd_relay_sleep_ms(50);
	}
	errno = EAGAIN;
	return -1;
}

static int
variant_ok(const char *variant)
{
	return sd_safe_name(variant) && strlen(variant) < SD_NAME_MAX &&
	    strcmp(variant, "clients") != 0 && strcmp(variant, "classify") != 0;
}

int
sd_relay_ensure(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, const struct sd_rec *decision, char *dir,
    size_t dirlen)
{
	char tsdir[PATH_MAX];
	struct limits l;
	int rv;

	limits_of(&cfg->settings, &l);
	if (!variant_ok(variant) || strcmp(variant, "pass") == 0 ||
	    cfg->settings.spool[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (sd_spool_path(tsdir, sizeof(tsdir), cfg->settings.spool, px->id,
	    "ts") == -1 || sd_spool_path(dir, dirlen, cfg->settings.spool,
	    px->id, variant) == -1)
		return -1;
	if ((rv = ensure_retry(cfg, px, "ts", NULL, tsdir)) == -1)
		return -1;
	sd_session_touch(tsdir);
	if (rv == ENSURE_STARTED)
		wait_first_answer(tsdir, l.timeout + 2 < START_WAIT_MAX ?
		    l.timeout + 2 : START_WAIT_MAX);
	if (state_is(tsdir, "down")) {
		errno = EHOSTDOWN;
		return -1;
	}
	if (strcmp(variant, "ts") == 0)
		return 0;
	if (ensure_retry(cfg, px, variant, decision, dir) == -1)
		return -1;
	return sd_session_touch(dir);
}

/* The passthrough cache's session (no upstream reader: it reaps). */
int
sd_relay_ensure_pass(const struct sd_config *cfg, const struct sd_proxy *px,
    char *dir, size_t dirlen)
{
	if (sd_spool_path(dir, dirlen, cfg->settings.spool, px->id,
	    "pass") == -1)
		return -1;
	if (ensure_retry(cfg, px, "pass", NULL, dir) == -1)
		return -1;
	return sd_session_touch(dir);
}

/* ---------------------------------------------------------------- session */

struct sess {
	char spool[PATH_MAX];
	char proxy[SD_NAME_MAX];
	char variant[SD_NAME_MAX];
	char source[SD_URL_MAX];
	char dir[PATH_MAX];	/* SPOOL/PROXY/VAR */
	char tsdir[PATH_MAX];	/* SPOOL/PROXY/ts */
	struct limits l;
	char **ffargv;		/* NULL: no transcoder */
	int ff_ts;		/* ffmpeg writes MPEG-TS (-f mpegts) */
	int ts_segs;		/* -T: sd-cmafmux -T, MPEG-TS segments too */
	char segdur_arg[32], window_arg[32];
	const char *mux;	/* sd-cmafmux */
	char muxpath[PATH_MAX];
	struct sd_rec st;	/* the state record */
	double started;
	unsigned long long restarts;
};

static void
on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
state_put(struct sess *s, const char *state, const char *error)
{
	sd_rec_set(&s->st, "state", "%s", state);
	sd_rec_set(&s->st, "since", "%.0f", sd_relay_now());
	sd_rec_set(&s->st, "restarts", "%llu", s->restarts);
	if (error != NULL)
		sd_rec_set(&s->st, "last_error", "%s", error);
	sd_session_state_write(s->dir, &s->st);
}

/* The log (stderr, O_APPEND) is kept under 1 MiB: ffmpeg can be chatty. */
static void
log_bound(void)
{
	struct stat sb;

	if (fstat(2, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 1 << 20)
		(void)!ftruncate(2, 0);
}

static int
idle_over(const struct sess *s)
{
	log_bound();
	return stop_requested || sd_session_idle(s->dir) > s->l.idle;
}

/* Sleep ms in steps, returning early (1) when the session must end. */
static int
nap(const struct sess *s, int ms)
{
	for (; ms > 0; ms -= 200) {
		if (idle_over(s))
			return 1;
		sd_relay_sleep_ms(ms < 200 ? ms : 200);
	}
	return idle_over(s);
}

/* Remove SPOOL/PROXY/NAME{,.state,.used,.log}. */
static void
remove_variant_files(const char *spool, const char *proxy, const char *name)
{
	static const char *sfx[] = { ".state", ".used", ".log" };
	char p[PATH_MAX];
	size_t i;

	if (sd_spool_path(p, sizeof(p), spool, proxy, name) == 0)
		sd_spool_rmtree(p, 0);
	for (i = 0; i < SD_ARRAY_LEN(sfx); i++)
		if (sd_spool_path(p, sizeof(p), spool, proxy, name) == 0 &&
		    strlcat(p, sfx[i], sizeof(p)) < sizeof(p))
			unlink(p);
}

/* The upstream session's end: everything of the proxy no live session owns. */
static void
remove_proxy_spool(const struct sess *s)
{
	char dir[PATH_MAX], base[SD_NAME_MAX * 2], lock[PATH_MAX];
	DIR *d;
	struct dirent *de;

	if (sd_spool_path(dir, sizeof(dir), s->spool, s->proxy, NULL) == -1 ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "classify") == 0 ||
		    strlcpy(base, de->d_name, sizeof(base)) >= sizeof(base))
			continue;
		base[strcspn(base, ".")] = '\0';
		if (strcmp(base, "ts") != 0 && strcmp(base, "clients") != 0 &&
		    sd_pathf(lock, sizeof(lock), "%s/.locks/%s@%s.lock",
		    s->spool, s->proxy, base) == 0 && sd_lock_held(lock) == 1)
			continue;	/* a variant still running */
		remove_variant_files(s->spool, s->proxy, base);
	}
	closedir(d);
	rmdir(dir);
}

/* ------------------------------------------------ the upstream session */

/* Read one connection into the ring until it ends or the session must. */
static int
pump_upstream(struct sess *s, struct sd_fetch *f, struct sd_ring *rg)
{
	char buf[65536];
	double last_check = sd_relay_now(), now;
	ssize_t n;

	for (;;) {
		n = sd_fetch_read(f, buf, sizeof(buf));
		if (n <= 0)
			return n == 0 ? 0 : -1;
		if (sd_ring_write(rg, buf, (size_t)n) == -1)
			return -1;
		now = sd_relay_now();
		if (now - last_check >= 1) {
			last_check = now;
			sd_rec_set(&s->st, "bytes", "%llu", rg->bytes);
			sd_session_state_write(s->dir, &s->st);
			if (idle_over(s))
				return 1;
		}
	}
}

static int
upstream_session(struct sess *s)
{
	struct sd_fetch_opts o;
	struct sd_fetch f;
	struct sd_ring rg;
	unsigned long long conns = 0;
	int fails = 0, backoff_ms = 500, rv;
	char err[256];

	sd_fetch_opts_default(&o);
	o.connect_timeout_ms = o.read_timeout_ms = s->l.timeout * 1000;
	if (sd_ring_open(&rg, s->dir, SD_RING_KEEP) == -1) {
		warn("%s", s->dir);
		return SD_EX_IOERR;
	}
	while (!idle_over(s)) {
		state_put(s, fails >= 3 ? "down" : conns > 0 || fails > 0 ?
		    "retrying" : "connecting", NULL);
		if (sd_fetch_open(&f, s->source, &o) == -1) {
			if (f.status != 0)
				snprintf(err, sizeof(err), "HTTP %d", f.status);
			else
				snprintf(err, sizeof(err), "connect: %s",
				    strerror(errno));
			fails++;
			s->restarts++;
			sd_rec_set(&s->st, "retry_after", "%d",
			    backoff_ms / 1000 + 1);
			state_put(s, fails >= 3 ? "down" : "retrying", err);
			sd_fetch_close(&f);
			if (nap(s, backoff_ms))
				break;
			backoff_ms = backoff_ms * 2 > 10000 ? 10000 :
			    backoff_ms * 2;
			continue;
		}
		conns++;
		fails = 0;
		backoff_ms = 500;
		sd_ring_new_conn(&rg);
		sd_rec_set(&s->st, "connections", "%llu", conns);
		state_put(s, "up", NULL);
		rv = pump_upstream(s, &f, &rg);
		sd_ring_flush(&rg);
		snprintf(err, sizeof(err), "upstream %s", rv == 0 ?
		    "ended the stream" : strerror(errno));
		sd_fetch_close(&f);
		if (rv == 1)
			break;
		s->restarts++;
		state_put(s, "retrying", err);
		warnx("%s: %s; reconnecting", s->proxy, err);
		if (nap(s, 300))
			break;
	}
	state_put(s, "stopping", NULL);
	sd_ring_close(&rg);
	remove_proxy_spool(s);
	return SD_EX_OK;
}

/* ------------------------------------------------ the pipeline session */

/*
 * sd-cmafmux lives as long as it can: its store (sequence numbers, the
 * live window) must go on across ffmpeg restarts. So with a transcoder the
 * session sits in the middle: ring -> ffmpeg -> session -> sd-cmafmux.
 * When ffmpeg writes MPEG-TS, a new ffmpeg's stream simply follows the old
 * one on sd-cmafmux's input (new PAT/PMT, a timestamp jump: disc=1).
 * Another container cannot be continued, so then both restart.
 */
struct child {
	pid_t pid;
	double started;
	const char *name;
};

struct pipeline {
	struct child ff, mux;	/* ff.pid 0: no transcoder running */
	int ff_in, ff_out;	/* our ends: ring -> ffmpeg -> us */
	int mux_in;		/* our end: -> sd-cmafmux */
	char *mbuf;		/* ffmpeg's output on its way to sd-cmafmux */
	size_t mlen;
};

#define MBUF_SIZE 65536

static pid_t
spawn_child(char **argv, int in, int out, int use_path)
{
	pid_t pid = fork();

	if (pid != 0) {
		if (pid > 0)
			setpgid(pid, pid);
		return pid;
	}
	setpgid(0, 0);
	if (dup2(in, 0) == -1 || (out != -1 && dup2(out, 1) == -1))
		_exit(127);
	close_from(3);
	signal(SIGPIPE, SIG_DFL);
	if (use_path)
		execvp(argv[0], argv);
	else
		execv(argv[0], argv);
	warn("%s", argv[0]);
	_exit(127);
}

static int
mux_start(struct sess *s, struct pipeline *p)
{
	char *mux[13];
	int a[2], i = 0;

	mux[i++] = (char *)s->mux;
	mux[i++] = "-l";
	if (s->ts_segs)
		mux[i++] = "-T";
	mux[i++] = "-d";
	mux[i++] = s->segdur_arg;
	mux[i++] = "-w";
	mux[i++] = s->window_arg;
	mux[i++] = "-o";
	mux[i++] = s->dir;
	mux[i++] = "-";
	mux[i] = NULL;
	if (pipe2(a, O_CLOEXEC) == -1)
		return -1;
	p->mux.pid = spawn_child(mux, a[0], -1, strchr(s->mux, '/') == NULL);
	p->mux.started = sd_relay_now();
	p->mux.name = "sd-cmafmux";
	close(a[0]);
	p->mux_in = a[1];
	fcntl(p->mux_in, F_SETFL, O_NONBLOCK);
	return p->mux.pid == -1 ? -1 : 0;
}

static int
ff_start(struct sess *s, struct pipeline *p)
{
	int a[2], b[2];

	if (pipe2(a, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(b, O_CLOEXEC) == -1) {
		close(a[0]);
		close(a[1]);
		return -1;
	}
	p->ff.pid = spawn_child(s->ffargv, a[0], b[1], 1);
	p->ff.started = sd_relay_now();
	p->ff.name = "ffmpeg";
	close(a[0]);
	close(b[1]);
	p->ff_in = a[1];
	p->ff_out = b[0];
	fcntl(p->ff_in, F_SETFL, O_NONBLOCK);
	fcntl(p->ff_out, F_SETFL, O_NONBLOCK);
	return p->ff.pid == -1 ? -1 : 0;
}

/* Stop a child and its group: TERM, a moment, KILL; always reaped. */
static void
child_stop(struct child *c)
{
	int i, status;

	if (c->pid <= 0)
		return;
	kill(-c->pid, SIGTERM);
	kill(-c->pid, SIGCONT);
	for (i = 0; i < 40; i++) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			c->pid = 0;
			return;
		}
		sd_relay_sleep_ms(50);
	}
	kill(-c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	c->pid = 0;
}

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

static void
ff_stop(struct pipeline *p)
{
	close_fd(&p->ff_in);
	close_fd(&p->ff_out);
	child_stop(&p->ff);
}

static void
pipeline_stop(struct pipeline *p)
{
	ff_stop(p);
	/* sd-cmafmux finishes the segments in hand on SIGTERM (-l). */
	close_fd(&p->mux_in);
	child_stop(&p->mux);
	p->mlen = 0;
}

/* Has c exited? Reaps it and says how in why. */
static int
child_exited(struct child *c, char *why, size_t len)
{
	int status;

	if (c->pid <= 0 || waitpid(c->pid, &status, WNOHANG) != c->pid)
		return 0;
	snprintf(why, len, "%s %s %d", c->name, WIFEXITED(status) ?
	    "exited with" : "killed by signal", WIFEXITED(status) ?
	    WEXITSTATUS(status) : WTERMSIG(status));
	c->pid = 0;
	return 1;
}

static double
index_mtime(const char *dir)
{
	char p[PATH_MAX];
	struct stat sb;

	if (sd_pathf(p, sizeof(p), "%s/index", dir) == -1 ||
	    stat(p, &sb) == -1)
		return 0;
	return (double)sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec / 1e9;
}

/* A chunk being fed: its bytes and how far they went. */
struct feed {
	char *buf;
	size_t len, off;
	unsigned long long cursor;
	int have_cursor;
	double last_write;
};

static int
feed_load(const char *tsdir, struct feed *fd)
{
	char p[PATH_MAX], *buf;
	size_t len;

	if (!fd->have_cursor) {
		if (sd_ring_edge(tsdir, 0, &fd->cursor) == -1)
			return 0;
		fd->have_cursor = 1;
	}
	if (sd_ring_next(tsdir, &fd->cursor) != 1)
		return 0;
	if (sd_pathf(p, sizeof(p), "%s/%016llu.ts", tsdir, fd->cursor) == -1 ||
	    sd_read_file(p, SD_RING_CHUNK * 2, &buf, &len) == -1)
		return 0;
	free(fd->buf);
	fd->buf = buf;
	fd->len = len;
	fd->off = 0;
	fd->cursor++;
	return 1;
}

/*
 * Stalled: data waits for the pipeline (or went in lately) and no segment
 * came out for stall_s since the later of the last one and since.
 */
static int
pipeline_stalled(const struct sess *s, const struct feed *fd, double since,
    double now)
{
	double stall_s = s->l.timeout + 3 * s->l.segdur;
	double last_out = index_mtime(s->dir);
	int demand = fd->off < fd->len || now - fd->last_write < 2;

	if (stall_s < 10)
		stall_s = 10;
	if (last_out < since)
		last_out = since;
	return demand && now - last_out > stall_s;
}

/* Move bytes: ring -> first stage, ffmpeg -> mbuf -> sd-cmafmux. */
static int
pipeline_move(struct sess *s, struct pipeline *p, struct feed *fd)
{
	struct pollfd pfd[3];
	int in = p->ff.pid > 0 ? p->ff_in : p->mux_in, n = 0, i_in = -1,
	    i_out = -1, i_mux = -1;
	ssize_t r;

	if (fd->off == fd->len && !feed_load(s->tsdir, fd) && p->mlen == 0 &&
	    p->ff.pid <= 0) {
		sd_relay_sleep_ms(40);
		return 0;
	}
	if (fd->off < fd->len) {
		pfd[i_in = n++] = (struct pollfd){ .fd = in, .events = POLLOUT };
	}
	if (p->ff.pid > 0 && p->mlen < MBUF_SIZE)
		pfd[i_out = n++] = (struct pollfd){ .fd = p->ff_out,
		    .events = POLLIN };
	if (p->mlen > 0)
		pfd[i_mux = n++] = (struct pollfd){ .fd = p->mux_in,
		    .events = POLLOUT };
	if (poll(pfd, (nfds_t)n, 40) <= 0)
		return 0;
	if (i_in >= 0 && pfd[i_in].revents) {
		r = write(in, fd->buf + fd->off, fd->len - fd->off);
		if (r == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (r > 0) {
			fd->off += (size_t)r;
			fd->last_write = sd_relay_now();
		}
	}
	if (i_out >= 0 && pfd[i_out].revents) {
		r = read(p->ff_out, p->mbuf + p->mlen, MBUF_SIZE - p->mlen);
		if (r > 0)
			p->mlen += (size_t)r;
	}
	if (i_mux >= 0 && pfd[i_mux].revents) {
		r = write(p->mux_in, p->mbuf, p->mlen);
		if (r == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (r > 0) {
			memmove(p->mbuf, p->mbuf + r, p->mlen - (size_t)r);
			p->mlen -= (size_t)r;
		}
	}
	return 0;
}

enum { RUN_END, RUN_RESTART_FF, RUN_RESTART_ALL };

/* Feed the pipeline until the session ends or a part must restart. */
static int
pipeline_run(struct sess *s, struct pipeline *p, struct feed *fd, char *why,
    size_t len)
{
	double last_check = 0, now, since;

	for (;;) {
		now = sd_relay_now();
		if (now - last_check >= 1) {
			last_check = now;
			sd_session_touch(s->tsdir);
			if (idle_over(s))
				return RUN_END;
			if (child_exited(&p->mux, why, len))
				return RUN_RESTART_ALL;
			if (child_exited(&p->ff, why, len))
				return s->ff_ts ? RUN_RESTART_FF :
				    RUN_RESTART_ALL;
			since = p->ff.pid > 0 && p->ff.started > p->mux.started ?
			    p->ff.started : p->mux.started;
			if (pipeline_stalled(s, fd, since, now)) {
				snprintf(why, len, "%s stalled: no segment "
				    "for %.0f s", s->ffargv ? "ffmpeg" :
				    "sd-cmafmux", now - (index_mtime(s->dir) >
				    since ? index_mtime(s->dir) : since));
				return s->ffargv && s->ff_ts ? RUN_RESTART_FF :
				    RUN_RESTART_ALL;
			}
		}
		if (pipeline_move(s, p, fd) == -1) {
			snprintf(why, len, "pipeline input: %s",
			    strerror(errno));
			return s->ffargv && s->ff_ts ? RUN_RESTART_FF :
			    RUN_RESTART_ALL;
		}
	}
}

static void
pipeline_state(struct sess *s, const struct pipeline *p, const char *state,
    const char *why)
{
	sd_rec_set(&s->st, "ffmpeg_pid", "%ld", (long)p->ff.pid);
	sd_rec_set(&s->st, "mux_pid", "%ld", (long)p->mux.pid);
	state_put(s, state, why);
}

/* Start what is not running; -1 when a part cannot start. */
static int
pipeline_up(struct sess *s, struct pipeline *p)
{
	if (p->mux.pid <= 0 && mux_start(s, p) == -1)
		return -1;
	if (s->ffargv != NULL && p->ff.pid <= 0 && ff_start(s, p) == -1)
		return -1;
	return 0;
}

static int
pipeline_session(struct sess *s)
{
	struct pipeline p = { .ff_in = -1, .ff_out = -1, .mux_in = -1 };
	struct feed fd = { 0 };
	char why[256];
	int backoff_ms = 500, rv = RUN_RESTART_ALL;
	double up_since;

	if (sd_spool_mkdirs(s->dir) == -1 ||
	    (p.mbuf = malloc(MBUF_SIZE)) == NULL) {
		warn("%s", s->dir);
		return SD_EX_IOERR;
	}
	while (!idle_over(s)) {
		if (pipeline_up(s, &p) == -1) {
			s->restarts++;
			pipeline_state(s, &p, "retrying", strerror(errno));
			pipeline_stop(&p);
			if (nap(s, backoff_ms))
				break;
			continue;
		}
		pipeline_state(s, &p, "up", NULL);
		why[0] = '\0';
		up_since = sd_relay_now();
		if ((rv = pipeline_run(s, &p, &fd, why, sizeof(why))) ==
		    RUN_END)
			break;
		/* Restarted like an upstream drop: the store goes on. */
		s->restarts++;
		warnx("%s/%s: %s; restarting %s", s->proxy, s->variant, why,
		    rv == RUN_RESTART_FF ? "ffmpeg" : "the pipeline");
		if (rv == RUN_RESTART_FF)
			ff_stop(&p);
		else
			pipeline_stop(&p);
		pipeline_state(s, &p, "retrying", why);
		fd.off = fd.len;	/* a new transcoder starts on a chunk */
		if (sd_relay_now() - up_since > 30)
			backoff_ms = 500;
		if (nap(s, backoff_ms))
			break;
		backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
	}
	pipeline_stop(&p);
	free(p.mbuf);
	free(fd.buf);
	state_put(s, "stopping", NULL);
	remove_variant_files(s->spool, s->proxy, s->variant);
	return SD_EX_OK;
}

/* ------------------------------------------------ the passthrough reaper */

/* Plain files of dir older than max_age s are removed (all: max_age < 0). */
void
sd_pass_trim(const char *dir, double max_age)
{
	DIR *d;
	struct dirent *de;
	char p[PATH_MAX];
	struct stat sb;
	double now = sd_relay_now();

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    sd_pathf(p, sizeof(p), "%s/%s", dir, de->d_name) == -1 ||
		    stat(p, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if (max_age < 0 || now - (double)sb.st_mtim.tv_sec > max_age)
			unlink(p);
	}
	closedir(d);
}

#define PASS_MAX_BYTES (512LL << 20)

/* The oldest file of dir into oldest (by mtime); the bytes of all. */
static long long
pass_oldest(const char *dir, char *oldest, size_t len)
{
	DIR *d;
	struct dirent *de;
	char p[PATH_MAX];
	struct stat sb;
	double t = 1e18;
	long long total = 0;

	oldest[0] = '\0';
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    sd_pathf(p, sizeof(p), "%s/%s", dir, de->d_name) == -1 ||
		    stat(p, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		total += sb.st_size;
		if ((double)sb.st_mtim.tv_sec < t && sb.st_size > 0) {
			t = (double)sb.st_mtim.tv_sec;
			strlcpy(oldest, p, len);
		}
	}
	closedir(d);
	return total;
}

/* At most PASS_MAX_BYTES: the oldest files go first. */
static void
pass_cap(const char *dir)
{
	char oldest[PATH_MAX];
	int i;

	for (i = 0; i < 10000 && pass_oldest(dir, oldest, sizeof(oldest)) >
	    PASS_MAX_BYTES && oldest[0] != '\0'; i++)
		unlink(oldest);
}

static int
pass_session(struct sess *s)
{
	double keep = 60 + s->l.window * s->l.segdur * 3;

	sd_spool_mkdirs(s->dir);
	state_put(s, "up", NULL);
	while (!nap(s, 2000)) {
		sd_pass_trim(s->dir, keep);
		pass_cap(s->dir);
	}
	state_put(s, "stopping", NULL);
	remove_variant_files(s->spool, s->proxy, s->variant);
	return SD_EX_OK;
}

/* ------------------------------------------------ sd-serve --session */

static int
session_usage(void)
{
	warnx("usage: sd-serve --session -S spool -p proxy -u source "
	    "[-T] [-i idle] [-t timeout] [-d segdur] [-w window] [-v variant] "
	    "[-- ffmpeg argv]");
	return SD_EX_USAGE;
}

static int
session_args(struct sess *s, int argc, char **argv)
{
	const char *errstr = NULL;
	int ch;

	optind = 1;
	strlcpy(s->variant, "ts", sizeof(s->variant));
	while ((ch = getopt(argc, argv, "S:p:u:i:t:d:w:v:T")) != -1) {
		switch (ch) {
		case 'S': strlcpy(s->spool, optarg, sizeof(s->spool)); break;
		case 'p': strlcpy(s->proxy, optarg, sizeof(s->proxy)); break;
		case 'u': strlcpy(s->source, optarg, sizeof(s->source)); break;
		case 'i': s->l.idle = (int)strtonum(optarg, 1, 86400, &errstr);
			break;
		case 't': s->l.timeout = (int)strtonum(optarg, 1, 3600,
			    &errstr);
			break;
		case 'd': s->l.segdur = strtod(optarg, NULL); break;
		case 'w': s->l.window = (int)strtonum(optarg, 1, 10000,
			    &errstr);
			break;
		case 'v': strlcpy(s->variant, optarg, sizeof(s->variant));
			break;
		case 'T': s->ts_segs = 1; break;
		default: return -1;
		}
		if (errstr != NULL) {
			warnx("-%c %s: %s", ch, optarg, errstr);
			return -1;
		}
	}
	if (s->spool[0] == '\0' || !sd_safe_name(s->proxy) ||
	    !variant_ok(s->variant) || (s->source[0] == '\0' &&
	    strcmp(s->variant, "pass") != 0))
		return -1;
	if (s->l.segdur <= 0 || s->l.segdur > 60)
		s->l.segdur = 2;
	s->ffargv = optind < argc ? argv + optind : NULL;
	/* The output's format: the last -f after the input's. */
	for (ch = optind; ch + 1 < argc; ch++)
		if (strcmp(argv[ch], "-i") == 0)
			s->ff_ts = 0;
		else if (strcmp(argv[ch], "-f") == 0)
			s->ff_ts = strcmp(argv[ch + 1], "mpegts") == 0;
	snprintf(s->segdur_arg, sizeof(s->segdur_arg), "%g", s->l.segdur);
	snprintf(s->window_arg, sizeof(s->window_arg), "%d", s->l.window);
	return 0;
}

/* sd-cmafmux next to this program, else on PATH. */
static void
find_mux(struct sess *s)
{
	const char *self = self_path();
	char *slash;

	s->mux = "sd-cmafmux";
	if (getenv("SD_CMAFMUX") != NULL) {
		strlcpy(s->muxpath, getenv("SD_CMAFMUX"), sizeof(s->muxpath));
		s->mux = s->muxpath;
		return;
	}
	if (self == NULL ||
	    strlcpy(s->muxpath, self, sizeof(s->muxpath)) >= sizeof(s->muxpath) ||
	    (slash = strrchr(s->muxpath, '/')) == NULL)
		return;
	slash[1] = '\0';
	if (strlcat(s->muxpath, "sd-cmafmux", sizeof(s->muxpath)) <
	    sizeof(s->muxpath) && access(s->muxpath, X_OK) == 0)
		s->mux = s->muxpath;
}

int
sd_session_main(int argc, char **argv)
{
	static struct sess s;
	struct sigaction sa = { .sa_handler = on_term };
	int rv;

	s.l.idle = 30;
	s.l.timeout = 10;
	s.l.segdur = 2;
	s.l.window = 6;
	if (session_args(&s, argc, argv) == -1)
		return session_usage();
	if (fcntl(LOCK_FD, F_GETFD) == -1) {
		warnx("--session: fd 3 must hold the session's lock");
		return SD_EX_USAGE;
	}
	fcntl(LOCK_FD, F_SETFD, FD_CLOEXEC);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (sd_spool_path(s.dir, sizeof(s.dir), s.spool, s.proxy,
	    s.variant) == -1 || sd_spool_path(s.tsdir, sizeof(s.tsdir),
	    s.spool, s.proxy, "ts") == -1)
		return SD_EX_USAGE;
	find_mux(&s);
	sd_rec_init(&s.st);
	s.started = sd_relay_now();
	sd_rec_add(&s.st, "state", "starting");
	sd_rec_add(&s.st, "pid", "%ld", (long)getpid());
	sd_rec_add(&s.st, "started", "%.0f", s.started);
	sd_rec_add(&s.st, "connections", "0");
	sd_rec_add(&s.st, "bytes", "0");
	warnx("%s/%s: session %ld started", s.proxy, s.variant,
	    (long)getpid());
	if (strcmp(s.variant, "ts") == 0)
		rv = upstream_session(&s);
	else if (strcmp(s.variant, "pass") == 0)
		rv = pass_session(&s);
	else
		rv = pipeline_session(&s);
	sd_rec_free(&s.st);
	close(LOCK_FD);
	return rv;
}
