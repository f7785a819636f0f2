/*
 * session.c - the start path of live sessions (sd-relay(7) Sessions), and
 * what a request asks of them: is it ready, when to come back, /status.
 *
 * A request calls sd_relay_ensure(). Under SPOOL/.locks/start (so that two
 * first requests start one session, and max_sessions is counted without a
 * race) it tries the session's own lock; when nobody holds it, it starts
 * sd-session(8) with a double fork and setsid (its own session and process
 * group: a web server that kills its CGI's group does not reach it), the
 * lock on fd 3 and nothing else open. The session holds the lock for its
 * whole life, so "is it running" is "is the lock held", and a session that
 * crashed is no longer running. What the session does is supervise.c's.
 *
 * The top of the relay: stands on spool.c, viewers.c and supervise.c.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "spool.h"
#include "session.h"
#include "codec_table.h"
#include "viewers.h"
#include "provider.h"
#include "ingest.h"

#define START_WAIT_MAX 30	/* s a first request waits for the upstream */
#define MAX_FFMPEG_ARGS 256

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

/* Why the last start was refused for its provider (sd_relay_busy). */
static char busy_why[512];
static int busy_retry_after;

/* fd on target for the exec, or _exit. */
static void
fd_to(int fd, int target)
{
	if (fd != target) {
		if (dup2(fd, target) == -1)
			_exit(SD_EX_SOFTWARE);
	} else
		fcntl(target, F_SETFD, 0);
}

/* The grandchild: fd 3 the lock, 4 the provider's slot (slotfd >= 0),
 * 0/1 /dev/null, 2 the log. */
static void
exec_session(int lockfd, int slotfd, const char *logpath, char **argv)
{
	int nul, log;

	if (slotfd == SD_SESSION_LOCK_FD) {
		/* Out of the lock's way first. */
		if ((slotfd = fcntl(slotfd, F_DUPFD_CLOEXEC,
		    SD_SESSION_SLOT_FD + 1)) == -1)
			_exit(SD_EX_SOFTWARE);
	}
	fd_to(lockfd, SD_SESSION_LOCK_FD);
	if (slotfd >= 0)
		fd_to(slotfd, SD_SESSION_SLOT_FD);
	nul = open("/dev/null", O_RDWR);
	log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (nul == -1)
		_exit(SD_EX_SOFTWARE);
	dup2(nul, 0);
	dup2(nul, 1);
	dup2(log != -1 ? log : nul, 2);
	sd_close_from(slotfd >= 0 ? SD_SESSION_SLOT_FD + 1 :
	    SD_SESSION_LOCK_FD + 1);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}

/* Double fork, setsid: the session outlives the request and its group. */
static int
spawn_detached(int lockfd, int slotfd, const char *logpath, char **argv)
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
			exec_session(lockfd, slotfd, logpath, argv);
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

/* The argv of sd-session(8) for (px, variant). */
#define SESSION_ARGV_MAX (32 + 2 * SD_SOURCES_MAX + MAX_FFMPEG_ARGS + \
	SD_SOURCES_MAX * (SD_INGEST_ARGS + 1))
struct session_argv {
	char prog[PATH_MAX];
	char *v[SESSION_ARGV_MAX + 1];
	char num[5][32];
	int n;
	int nsrc;			/* the ts session's sources */
	char url[SD_SOURCES_MAX][SD_URL_MAX];
	struct sd_ingest_argv ing[SD_SOURCES_MAX];	/* n == 0: fetch.c */
};

/*
 * The upstream session's sources, each with its ffmpeg (ingest.c) when
 * fetch.c cannot read it (a->ing[k].n == 0 when it can). The format and
 * HLS variant come from the cached classification (sd-classify reads
 * manifests before any session starts) and the proxy's profile, as
 * sd-decide records it; they belong to the source classified
 * (sd_serve_classified, else the first): another source of the list is
 * known by its URL alone, and ffmpeg picks its variant.
 */
static int
ingest_argv(struct session_argv *a, const struct sd_config *cfg,
    const struct sd_proxy *px, int timeout)
{
	char path[PATH_MAX], why[256], *buf = NULL;
	const struct sd_profile *p = px->profile[0] ?
	    sd_profile_find(cfg, px->profile) : NULL;
	const char *format = NULL, *classified = NULL;
	struct sd_rec cls;
	size_t len;
	int variant = -1, rv = 0, k, mine;

	sd_rec_init(&cls);
	if (sd_spool_path(path, sizeof(path), cfg->settings.spool, px->id,
	    "classify") == 0 && sd_read_file(path, CLASSIFY_MAX, &buf,
	    &len) == 0 && sd_rec_parse(&cls, buf, len, path) == 0) {
		format = sd_rec_get(&cls, "format");
		classified = sd_rec_get(&cls, "sd_serve_classified");
		variant = sd_ingest_variant(&cls, p, why, sizeof(why));
	}
	for (k = 0; rv == 0 && k < SD_SOURCES_MAX && sd_proxy_source(px, k,
	    a->url[k], sizeof(a->url[k])) == 0; k++) {
		mine = classified ? strcmp(classified, a->url[k]) == 0 : k == 0;
		a->ing[k].n = 0;
		if (sd_ingest_via_ffmpeg(a->url[k], mine ? format : NULL))
			rv = sd_ingest_argv(&a->ing[k], a->url[k], mine ?
			    format : NULL, mine ? variant : -1, timeout, NULL,
			    NULL, px->headers);
	}
	a->nsrc = k;
	sd_rec_free(&cls);
	free(buf);
	return rv == 0 && k > 0 ? 0 : -1;
}

static int
session_argv(struct session_argv *a, const struct sd_config *cfg,
    const struct sd_proxy *px, const char *variant,
    const struct sd_rec *decision)
{
	struct limits l;
	const char *arg;
	size_t i, nargs;
	int k;

	if (sd_sibling_path("sd-session", a->prog, sizeof(a->prog)) == -1)
		return -1;
	limits_of(&cfg->settings, &l);
	snprintf(a->num[0], sizeof(a->num[0]), "%d", l.idle);
	snprintf(a->num[1], sizeof(a->num[1]), "%d", l.timeout);
	snprintf(a->num[2], sizeof(a->num[2]), "%g", l.segdur);
	snprintf(a->num[3], sizeof(a->num[3]), "%d", l.window);
	snprintf(a->num[4], sizeof(a->num[4]), "%d",
	    cfg->settings.failover_retry > 0 ? cfg->settings.failover_retry :
	    300);
	a->n = 0;
#define ARG(s) (a->v[a->n++] = (char *)(s))
	ARG(a->prog);
	ARG("-S"); ARG(cfg->settings.spool);
	ARG("-p"); ARG(px->id);
	if (strcmp(variant, "ts") != 0) {
		ARG("-u"); ARG(px->source);
	} else {
		if (ingest_argv(a, cfg, px, l.timeout) == -1)
			return -1;
		for (k = 0; k < a->nsrc; k++) {
			ARG("-u"); ARG(a->url[k]);
		}
		ARG("-r"); ARG(a->num[4]);
	}
	ARG("-i"); ARG(a->num[0]);
	ARG("-t"); ARG(a->num[1]);
	ARG("-d"); ARG(a->num[2]);
	ARG("-w"); ARG(a->num[3]);
	ARG("-v"); ARG(variant);
	if (strcmp(variant, "ts") == 0 && px->headers[0] != '\0') {
		ARG("-H"); ARG(px->headers);
	}
	if (strcmp(variant, "ts") == 0 && px->allow_hosts[0] != '\0') {
		ARG("-A"); ARG(px->allow_hosts);
	}
	if (variant_ts_ok(cfg, px, decision))
		ARG("-T");
	if (cfg->settings.live_manifests && strcmp(variant, "ts") != 0)
		ARG("-m");
	ARG("--");
	if (strcmp(variant, "ts") == 0) {
		/* each source's ffmpeg (or none), "--" between them */
		for (k = 0; k < a->nsrc; k++) {
			for (i = 0; i < a->ing[k].n; i++)
				ARG(a->ing[k].v[i]);
			if (k + 1 < a->nsrc)
				ARG("--");
		}
		a->v[a->n] = NULL;
		return 0;
	}
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
	sd_rec_add(&r, "started", "%.0f", sd_real_s());
	sd_session_state_write(dir, &r);
	sd_rec_free(&r);
}

/* Start the session under the lock held on lockfd (guard held), with its
 * provider's slot on slotfd (-1: none). */
static int
start_session(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, const struct sd_rec *decision, int lockfd,
    int slotfd, const char *dir)
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
	if (decision != NULL &&
	    sd_session_rec_write(dir, ".decision", decision) == -1)
		warn("%s.decision", dir);
	sd_session_touch(dir);
	return spawn_detached(lockfd, slotfd, log, a.v);
}

/*
 * The sessions that open upstream connections hold a slot of their
 * provider: the channel's ingest, and its passthrough cache (whose
 * requests fetch the upstream's manifests and segments while it lives).
 * A variant (cmaf, t-*) reads the ring only. 0 (*slot -1: none needed),
 * or -1 with EUSERS and busy_why.
 */
static int
provider_slot(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, int *slot)
{
	*slot = -1;
	if (strcmp(variant, "ts") != 0 && strcmp(variant, "pass") != 0)
		return 0;
	if (sd_provider_take(cfg, px, variant, slot, busy_why,
	    sizeof(busy_why), &busy_retry_after) == -1) {
		/* EUSERS is the request's 503, logged with its reason. */
		if (errno != EUSERS)
			warn("%s: the provider's slot", px->id);
		return -1;
	}
	return 0;
}

enum { ENSURE_RUNNING, ENSURE_STARTED, ENSURE_STOPPING };

/* One session: running already, started now, or being torn down. */
static int
ensure_one(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, const struct sd_rec *decision, const char *dir)
{
	struct limits l;
	char name[SD_NAME_MAX * 3];
	int guard, fd, slot = -1, rv = -1;

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
	} else if (provider_slot(cfg, px, variant, &slot) == 0 &&
	    start_session(cfg, px, variant, decision, fd, slot, dir) == 0)
		rv = ENSURE_STARTED;
	if (slot != -1)
		close(slot);	/* the session holds it now, or nobody */
	close(fd);
	close(guard);
	return rv;
}

/* A first start: wait (bounded) until the upstream is up or given up. */
static void
wait_first_answer(const char *dir, int timeout)
{
	double until = sd_mono_s() + timeout;

	while (sd_mono_s() < until && !state_is(dir, "up") &&
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

int
sd_relay_ensure(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, const struct sd_rec *decision, char *dir,
    size_t dirlen)
{
	char tsdir[PATH_MAX];
	struct limits l;
	int rv, wait;

	limits_of(&cfg->settings, &l);
	busy_why[0] = '\0';
	if (!sd_spool_variant_ok(variant) || strcmp(variant, "pass") == 0 ||
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
	/* Each source may take the timeout before the next is tried. */
	wait = l.timeout * (px->nsources > 1 ? px->nsources : 1) + 2;
	if (rv == ENSURE_STARTED)
		wait_first_answer(tsdir, wait < START_WAIT_MAX ? wait :
		    START_WAIT_MAX);
	if (state_is(tsdir, "down")) {
		errno = EHOSTDOWN;
		return -1;
	}
	/* Neither up nor given up in the time allowed: it stalls (504). */
	if (rv == ENSURE_STARTED && !state_is(tsdir, "up")) {
		errno = ETIMEDOUT;
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
	busy_why[0] = '\0';
	if (sd_spool_path(dir, dirlen, cfg->settings.spool, px->id,
	    "pass") == -1)
		return -1;
	if (ensure_retry(cfg, px, "pass", NULL, dir) == -1)
		return -1;
	return sd_session_touch(dir);
}

/* ---------------------------------------------------------------- requests */

int
sd_relay_provider_room(const struct sd_config *cfg, const struct sd_proxy *px)
{
	busy_why[0] = '\0';
	return sd_provider_room(cfg, px, busy_why, sizeof(busy_why),
	    &busy_retry_after);
}

const char *
sd_relay_busy(int *retry_after)
{
	if (busy_why[0] == '\0')
		return NULL;
	*retry_after = busy_retry_after;
	return busy_why;
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

int
sd_session_wait_ready(const char *dir, int timeout)
{
	struct sd_store st;
	struct stat sb;
	char p[PATH_MAX];
	double until = sd_mono_s() + timeout, touched = 0, now;
	int ready;

	if (sd_pathf(p, sizeof(p), "%s/index", dir) == -1)
		return -1;
	for (;;) {
		/* A waiting viewer is a viewer: the session must not end idle
		 * under it when idle_timeout is shorter than this wait. */
		if ((now = sd_mono_s()) - touched >= 1) {
			sd_session_touch(dir);
			touched = now;
		}
		/* Quietly until there is an index: sd_store_read warns. */
		sd_store_init(&st);
		ready = stat(p, &sb) == 0 && sd_store_read(&st, dir) == 0 &&
		    st.nsegs > 0;
		sd_store_free(&st);
		if (ready)
			return 0;
		if (sd_mono_s() >= until) {
			errno = ETIMEDOUT;
			return -1;
		}
		sd_relay_sleep_ms(100);
	}
}

/* ---------------------------------------------------------------- status */

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

/*
 * Who reads source k (ts, udp, rtp, hls, hls-fmp4, dash, ffmpeg): the
 * session's ingest for the source in use (its own HLS or DASH reader
 * decides as it reads), else the reader it was started with; "" before
 * the session says.
 */
static const char *
source_ingest(const struct sd_rec *r, int k, const char *url)
{
	char key[40];
	const char *inuse = sd_rec_get(r, "source"), *v;

	if (inuse != NULL && strcmp(inuse, url) == 0 &&
	    (v = sd_rec_get(r, "ingest")) != NULL)
		return v;
	snprintf(key, sizeof(key), "source_%d_ingest", k);
	return (v = sd_rec_get(r, key)) != NULL ? v : "";
}

/*
 * The upstream session's sources: "source" (in use), who reads it
 * ("ingest", and "ingest_reason" when an HLS source went to ffmpeg) and
 * "sources", each one's url, ingest, last_error and error_at (null:
 * none), from its state record.
 */
static void
status_sources(struct sd_buf *b, const struct sd_rec *r)
{
	char key[40];
	const char *v;
	int k;

	sd_buf_printf(b, ",\"source\":");
	sd_json_string(b, (v = sd_rec_get(r, "source")) ? v : "");
	sd_buf_printf(b, ",\"ingest\":");
	sd_json_string(b, (v = sd_rec_get(r, "ingest")) ? v : "");
	sd_buf_printf(b, ",\"ingest_reason\":");
	sd_json_string(b, (v = sd_rec_get(r, "ingest_reason")) ? v : "");
	sd_buf_printf(b, ",\"sources\":[");
	for (k = 0; k < SD_SOURCES_MAX; k++) {
		snprintf(key, sizeof(key), "source_%d", k);
		if ((v = sd_rec_get(r, key)) == NULL)
			break;
		sd_buf_printf(b, "%s{\"url\":", k ? "," : "");
		sd_json_string(b, v);
		sd_buf_printf(b, ",\"ingest\":");
		sd_json_string(b, source_ingest(r, k, v));
		snprintf(key, sizeof(key), "source_%d_error", k);
		sd_buf_printf(b, ",\"last_error\":");
		sd_json_string(b, (v = sd_rec_get(r, key)) ? v : "");
		snprintf(key, sizeof(key), "source_%d_error_at", k);
		sd_buf_printf(b, ",\"error_at\":");
		json_num_or_null(b, sd_rec_get(r, key));
		sd_buf_printf(b, "}");
	}
	sd_buf_printf(b, "]");
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
	sd_json_string(b, px->id);
	sd_buf_printf(b, ",\"variant\":");
	sd_json_string(b, variant);
	sd_buf_printf(b, ",\"state\":");
	sd_json_string(b, (v = sd_rec_get(&r, "state")) ? v : "unknown");
	for (i = 0; i < SD_ARRAY_LEN(nums); i++) {
		sd_buf_printf(b, ",\"%s\":", nums[i]);
		json_num_or_null(b, sd_rec_get(&r, nums[i]));
	}
	sd_buf_printf(b, ",\"last_used\":%.0f", sd_real_s() -
	    sd_session_idle(dir));
	sd_buf_printf(b, ",\"clients\":%d", strcmp(variant, "ts") == 0 ?
	    sd_viewer_count(cfg, px) : 0);
	sd_buf_printf(b, ",\"last_error\":");
	sd_json_string(b, (v = sd_rec_get(&r, "last_error")) ? v : "");
	if (strcmp(variant, "ts") == 0)
		status_sources(b, &r);
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
