/*
 * sd-serve - answer HTTP requests: one as a CGI program when
 * GATEWAY_INTERFACE is set; each connection to the listening socket on
 * stdin as an SCGI server (a web server's gateway started it); else one
 * as an inetd service with the request on stdin and the answer on stdout.
 * See sd-serve(8).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "sd.h"
#include "config.h"
#include "http.h"
#include "scgi.h"

#define READ_HEAD_TIMEOUT_MS 10000	/* a slow client gives up its slot */
#define READY_TIMEOUT_S 20		/* a first manifest waits this long */

extern char **environ;

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: sd-serve [-c] [-C dir]\n");
	exit(status);
}

/*
 * fds 0-2 must be open before anything else is: a file opened later must
 * not become stdout by accident (slowcgi, httpd).
 */
static void
open_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* Under inetd, stderr is the client's socket: keep warnings out of it. */
static void
quiet_stderr_on_socket(void)
{
	struct stat sb;
	int fd;

	if (fstat(2, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	    (fd = open("/dev/null", O_WRONLY)) != -1) {
		dup2(fd, 2);
		close(fd);
	}
}

static int
answer_error(int cgi, int head_only, int status, const char *msg)
{
	struct sd_buf b;
	int rc;

	sd_buf_init(&b);
	sd_http_simple(&b, cgi, head_only, status, msg, 0);
	rc = !b.failed && sd_write_all(1, b.p, b.len, -1) == 0 ? SD_EX_OK :
	    SD_EX_IOERR;
	sd_buf_free(&b);
	return rc;
}

/* Under inetd stdin is the client's socket: its address, for counting. */
static void
peer_address(char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	buf[0] = '\0';
	if (getpeername(0, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    buf, (socklen_t)len);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    buf, (socklen_t)len);
}

static int
read_request(struct sd_http_req *rq, int cgi, char *const envp[])
{
	static char head[SD_HTTP_HEAD_MAX];
	size_t len;
	int rc;

	if (cgi)
		return sd_http_parse_cgi(rq, envp);
	sd_http_req_init(rq);
	if ((rc = sd_http_read_head(0, head, sizeof(head), &len,
	    READ_HEAD_TIMEOUT_MS)) != 0)
		return rc;
	rc = sd_http_parse_raw(rq, head, len);
	peer_address(rq->remote_addr, sizeof(rq->remote_addr));
	return rc;
}

/* One request: CGI (its variables in envp) or inetd (on stdin). */
static int
serve_request(int cgi, char *const envp[], const char *confdir)
{
	struct sd_config cfg;
	struct sd_http_req rq;
	struct sd_serve_opts opts;
	int rc;

	if ((rc = read_request(&rq, cgi, envp)) != 0)
		return answer_error(cgi, rq.method == SD_HTTP_HEAD, rc, NULL);
	if (sd_serve_config_load(&cfg, sd_config_dir(confdir)) == -1) {
		sd_http_log_error(&rq, 500, "configuration error");
		answer_error(cgi, rq.method == SD_HTTP_HEAD, 500,
		    "configuration error (see the server log)");
		return SD_EX_CONFIG;
	}
	memset(&opts, 0, sizeof(opts));
	opts.ready_timeout = READY_TIMEOUT_S;
	rc = sd_serve(&cfg, &rq, &opts, 1);
	sd_config_free(&cfg);
	return rc == -1 ? SD_EX_IOERR : SD_EX_OK;
}

/* A web server's gateway started us with its listening socket as stdin. */
static int
listening_on_stdin(void)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on;
}

/*
 * The configuration directory a request names, as a CGI run would find
 * it in its environment (lighttpd's setenv.set-environment): the sessions
 * this request starts inherit it too.
 */
static void
adopt_request_env(char *const envp[])
{
	static const char *const keep[] = { "SD_CONF", "SD_SHAREDIR" };
	size_t i, n;
	char *const *e;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		n = strlen(keep[i]);
		for (e = envp; *e != NULL; e++)
			if (strncmp(*e, keep[i], n) == 0 && (*e)[n] == '=')
				setenv(keep[i], *e + n + 1, 1);
	}
}

/* One SCGI connection, in its own process: the request, then the answer. */
static int
scgi_request(int conn, const char *confdir)
{
	static char head[SD_SCGI_HEAD_MAX];
	char *envp[SD_SCGI_ENV_MAX];
	size_t len;
	int rc;

	signal(SIGCHLD, SIG_DFL);	/* its children are its own to wait for */
	if (dup2(conn, 0) == -1 || dup2(conn, 1) == -1)
		return SD_EX_IOERR;
	close(conn);
	if ((rc = sd_scgi_read_head(0, head, sizeof(head), &len,
	    READ_HEAD_TIMEOUT_MS)) != 0 ||
	    (rc = sd_scgi_env(head, len, envp, SD_SCGI_ENV_MAX)) != 0)
		return answer_error(1, 0, rc, NULL);
	adopt_request_env(envp);
	return serve_request(1, envp, confdir);
}

/*
 * Children are waited for, not left to the kernel (SIGCHLD ignored): so
 * their CPU time counts in ours, as a CGI's counts in the web server's.
 */
static void
reap_children(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/* malloc's arena set up once here, not again in each child (2 of some
 * 76 page faults a request). */
static void
heap_warm(void)
{
	void *volatile p = malloc(1);

	free(p);
}

/*
 * The SCGI server: a child forked per connection answers it as a CGI run
 * would, without the exec and dynamic loading each CGI request costs (a
 * live playlist poll on the 2-core test VM: about 7 ms of CPU for lighttpd
 * and a CGI sd-serve, 4 ms this way, most of it the fork's page faults).
 * Runs until the web server stops it; a child outlives it only as long as
 * its answer.
 */
static int
scgi_server(const char *confdir)
{
	struct sigaction sa;
	int conn;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = reap_children;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	heap_warm();
	for (;;) {
		if ((conn = accept4(0, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				warn("accept");
				poll(NULL, 0, 100);	/* let a descriptor free */
				continue;
			}
			err(SD_EX_IOERR, "accept");
		}
		switch (fork()) {
		case -1:
			warn("fork");	/* the web server answers 502 */
			break;
		case 0:
			exit(scgi_request(conn, confdir));
		default:
			break;
		}
		close(conn);
	}
}

int
main(int argc, char *argv[])
{
	struct sd_config cfg;
	const char *confdir = NULL;
	int ch, cgi, check = 0;

	open_std_fds();
	signal(SIGPIPE, SIG_IGN);
	/* httpoxy: whatever we run (curl, ffmpeg) must not take a proxy from
	 * a request's "Proxy:" header. */
	unsetenv("HTTP_PROXY");
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, SD_EX_OK);
	while ((ch = getopt(argc, argv, "cC:")) != -1) {
		switch (ch) {
		case 'c':
			check = 1;
			break;
		case 'C':
			confdir = optarg;
			break;
		default:
			usage(stderr, SD_EX_USAGE);
		}
	}
	argc -= optind;
	if (argc != 0)
		usage(stderr, SD_EX_USAGE);
	/* -c: every error fails, as sd-decide -l: for packaging and cron. */
	if (check) {
		if (sd_config_load(&cfg, sd_config_dir(confdir)) == -1)
			return SD_EX_CONFIG;
		sd_config_free(&cfg);
		return SD_EX_OK;
	}

	if (listening_on_stdin())
		return scgi_server(confdir);
	cgi = getenv("GATEWAY_INTERFACE") != NULL;
	if (!cgi)
		quiet_stderr_on_socket();
	return serve_request(cgi, environ, confdir);
}
