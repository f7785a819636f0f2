/*
 * sess_life.c - what every kind of sd-session(8) lives by: the stop
 * signals, its state record and idle clock, its files' removal at the
 * end, and its children (each in a process group of its own). Used by
 * supervise.c (the session and its pipeline) and upstream*.c (the
 * source into the ring); stands on spool.c.
 */
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
#include "supervise.h"

static volatile sig_atomic_t stop_requested;


static void
on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* TERM and INT end the session in order; a gone reader is an error, not
 * a signal; the terminal's hangup is not ours. */
void
sup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_term };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

void
sup_state_put(struct sess *s, const char *state, const char *error)
{
	sd_rec_set(&s->st, "state", "%s", state);
	sd_rec_set(&s->st, "since", "%.0f", sd_real_s());
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

int
sup_idle_over(const struct sess *s)
{
	log_bound();
	return stop_requested || sd_session_idle(s->dir) > s->l.idle;
}

/* Sleep ms in steps, returning early (1) when the session must end. */
int
sup_nap(const struct sess *s, int ms)
{
	for (; ms > 0; ms -= 200) {
		if (sup_idle_over(s))
			return 1;
		sd_relay_sleep_ms(ms < 200 ? ms : 200);
	}
	return sup_idle_over(s);
}

/* Remove SPOOL/PROXY/NAME{,.state,.used,.log,.decision}. */
void
sup_remove_variant_files(const char *spool, const char *proxy, const char *name)
{
	static const char *sfx[] = { ".state", ".used", ".log", ".decision" };
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
void
sup_remove_proxy_spool(const struct sess *s)
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
		sup_remove_variant_files(s->spool, s->proxy, base);
	}
	closedir(d);
	rmdir(dir);
}



/*
 * A child in a process group of its own (child_stop signals the group):
 * in on its stdin (-1: /dev/null), out and err (-1: ours) on its stdout
 * and stderr. argv[0] is a path, or a name looked up on PATH (ffmpeg).
 */
static pid_t
spawn_child(char **argv, int in, int out, int err)
{
	pid_t pid = fork();

	if (pid != 0) {
		if (pid > 0)
			setpgid(pid, pid);
		return pid;
	}
	setpgid(0, 0);
	if (in == -1)
		in = open("/dev/null", O_RDONLY);
	if (in == -1 || dup2(in, 0) == -1 ||
	    (out != -1 && dup2(out, 1) == -1) ||
	    (err != -1 && dup2(err, 2) == -1))
		_exit(127);
	sd_close_from(3);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	warn("%s", argv[0]);
	_exit(127);
}

/* c started as spawn_child says, named for messages, its start noted. */
void
sup_child_start(struct child *c, const char *name, char **argv, int in,
    int out, int err)
{
	c->pid = spawn_child(argv, in, out, err);
	c->started = sd_real_s();
	c->name = name;
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
	if (fd != NULL && *fd != -1)
		close(*fd);
	if (fd != NULL)
		*fd = -1;
}

/* Our ends of a child's pipes closed (a or b NULL: none), then the child
 * stopped. */
void
sup_child_end(struct child *c, int *a, int *b)
{
	close_fd(a);
	close_fd(b);
	child_stop(c);
}
