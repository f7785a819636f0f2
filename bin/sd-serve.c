/*
 * sd-serve - answer one HTTP request: a CGI program when GATEWAY_INTERFACE
 * is set, else an inetd service with the request on stdin and the answer
 * on stdout. See sd-serve(8).
 */
#include <err.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "sd.h"
#include "config.h"
#include "http.h"

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
read_request(struct sd_http_req *rq, int cgi)
{
	static char head[SD_HTTP_HEAD_MAX];
	size_t len;
	int rc;

	if (cgi)
		return sd_http_parse_cgi(rq, environ);
	sd_http_req_init(rq);
	if ((rc = sd_http_read_head(0, head, sizeof(head), &len,
	    READ_HEAD_TIMEOUT_MS)) != 0)
		return rc;
	rc = sd_http_parse_raw(rq, head, len);
	peer_address(rq->remote_addr, sizeof(rq->remote_addr));
	return rc;
}

int
main(int argc, char *argv[])
{
	struct sd_config cfg;
	struct sd_http_req rq;
	struct sd_serve_opts opts;
	const char *confdir = NULL;
	int ch, cgi, rc, check = 0;

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

	cgi = getenv("GATEWAY_INTERFACE") != NULL;
	if (!cgi)
		quiet_stderr_on_socket();
	if ((rc = read_request(&rq, cgi)) != 0)
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
