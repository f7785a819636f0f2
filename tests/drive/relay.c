/*
 * relay - a test driver over the relay/session functions of libsd, for
 * tests/relay.t while sd-serve's routes are elsewhere. One proxy, the
 * config given on the command line:
 *
 *   relay ensure|tail|status|fetch|wait|seen [-S spool] [-p proxy] [-u source]
 *       [-v variant] [-c max_clients] [-i idle] [-t timeout]
 *       [-M max_sessions] [-d segdur] [-w window] [-m] [-- ffmpeg argv]
 *   GATEWAY_INTERFACE set: a CGI for HLS/DASH passthrough (RELAY_SPOOL,
 *   RELAY_SOURCE_<PROXY>): PATH_INFO /PROXY/NAME -> sd_relay_manifest or,
 *   for s/... and d/..., sd_relay_segment and the file.
 *
 * seen: -v is the client's name (sd_viewer_seen). Sessions are the build
 * tree's bin/sd-session (sd_sibling_dir: this driver lives in tests/drive).
 * Exit: 0; 3 refused (max_clients / max_sessions: the serve side's 503);
 * 69 upstream down (prints retry_after=N); 64 usage; 1 other.
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "passthru.h"
#include "ring.h"
#include "session.h"
#include "util_int.h"
#include "viewers.h"

static struct sd_config cfg;
static struct sd_proxy px;
static struct sd_rec decision;
static const char *variant = "ts";

static int
usage(void)
{
	fprintf(stderr, "usage: relay ensure|tail|status|fetch|wait "
	    "[-S spool] [-p proxy] [-u source] [-v variant] [-c max_clients]\n"
	    "           [-i idle] [-t timeout] [-M max_sessions] [-d segdur] "
	    "[-w window] [-m] [-- ffmpeg argv]\n");
	return SD_EX_USAGE;
}

static int
num(const char *s, int max)
{
	const char *errstr;
	int n = (int)strtonum(s, 0, max, &errstr);

	if (errstr != NULL)
		errx(SD_EX_USAGE, "%s: %s", s, errstr);
	return n;
}

static int
args(int argc, char **argv)
{
	int ch, i;

	strlcpy(px.id, "p1", sizeof(px.id));
	px.mode = SD_MODE_SMART;
	cfg.proxies = &px;
	cfg.nproxies = 1;
	cfg.settings.idle_timeout = 30;
	cfg.settings.upstream_timeout = 5;
	cfg.settings.max_sessions = 8;
	cfg.settings.segment_duration = 2;
	cfg.settings.window = 6;
	while ((ch = getopt(argc, argv, "S:p:u:v:c:i:t:M:d:w:m")) != -1) {
		switch (ch) {
		case 'S': strlcpy(cfg.settings.spool, optarg,
			    sizeof(cfg.settings.spool)); break;
		case 'p': strlcpy(px.id, optarg, sizeof(px.id)); break;
		case 'u': strlcpy(px.source, optarg, sizeof(px.source)); break;
		case 'v': variant = optarg; break;
		case 'c': px.max_clients = num(optarg, 100000); break;
		case 'i': cfg.settings.idle_timeout = num(optarg, 86400); break;
		case 't': cfg.settings.upstream_timeout = num(optarg, 3600);
			break;
		case 'M': cfg.settings.max_sessions = num(optarg, 10000); break;
		case 'd': cfg.settings.segment_duration = num(optarg, 60);
			break;
		case 'w': cfg.settings.window = num(optarg, 1000); break;
		case 'm': cfg.settings.live_manifests = 1; break;
		default: return -1;
		}
	}
	sd_rec_init(&decision);
	for (i = optind; i < argc; i++)
		sd_rec_addm(&decision, "ffmpeg_arg", "%s", argv[i]);
	return 0;
}

static int
refused(void)
{
	const char *dirname;
	char dir[4096];

	if (errno == EAGAIN || errno == EBUSY) {
		printf("refused: %s\n", strerror(errno));
		return 3;
	}
	if (errno == EHOSTDOWN) {
		dirname = cfg.settings.spool;
		snprintf(dir, sizeof(dir), "%s/%s/ts", dirname, px.id);
		printf("retry_after=%d\n", sd_relay_retry_after(dir));
		return SD_EX_UNAVAILABLE;
	}
	warn("ensure");
	return SD_EX_FAIL;
}

static int
cmd_ensure(void)
{
	char dir[4096];

	if (sd_relay_ensure(&cfg, &px, variant, &decision, dir,
	    sizeof(dir)) == -1)
		return refused();
	printf("%s\n", dir);
	return 0;
}

static int
cmd_tail(void)
{
	char dir[4096];
	int h, rv;

	if ((h = sd_viewer_enter(&cfg, &px)) == -1)
		return refused();
	if (sd_relay_ensure(&cfg, &px, "ts", NULL, dir, sizeof(dir)) == -1) {
		rv = refused();
		sd_viewer_leave(h);
		return rv;
	}
	rv = sd_relay_tail(dir, STDOUT_FILENO);
	sd_viewer_leave(h);
	return rv == 0 ? 0 : SD_EX_UNAVAILABLE;
}

static int
cmd_status(void)
{
	struct sd_buf b;

	sd_buf_init(&b);
	if (sd_relay_status(&cfg, &b) == -1)
		return SD_EX_FAIL;
	printf("%s\n", b.p);
	sd_buf_free(&b);
	return 0;
}

static int
cmd_fetch(void)
{
	struct sd_fetch_opts o;
	struct sd_buf b;
	char final[SD_URL_MAX];

	sd_fetch_opts_default(&o);
	o.read_timeout_ms = cfg.settings.upstream_timeout * 1000;
	sd_buf_init(&b);
	if (sd_fetch_all(px.source, &o, 64 << 20, &b, final,
	    sizeof(final)) == -1) {
		warn("%s", px.source);
		sd_buf_free(&b);
		return SD_EX_UNAVAILABLE;
	}
	fwrite(b.p ? b.p : "", 1, b.len, stdout);
	fprintf(stderr, "final=%s\n", final);
	sd_buf_free(&b);
	return 0;
}

static int
cgi_fail(int status, const char *why)
{
	printf("Status: %d %s\r\nContent-Type: text/plain\r\n\r\n%s\n",
	    status, why, why);
	return 0;
}

static const char *
seg_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcmp(dot, ".ts") == 0)
		return "video/mp2t";
	if (strcmp(dot, ".m4s") == 0)
		return "video/iso.segment";
	if (strcmp(dot, ".mp4") == 0)
		return "video/mp4";
	return "application/octet-stream";
}

/* The passthrough routes, as a CGI (lighttpd runs it). */
static int
cgi(void)
{
	const char *pi = getenv("PATH_INFO"), *script = getenv("SCRIPT_NAME");
	const char *name, *src;
	char var[128], base[512], path[4096];
	struct sd_buf b;
	FILE *fp;
	size_t n;

	strlcpy(cfg.settings.spool, getenv("RELAY_SPOOL") ?
	    getenv("RELAY_SPOOL") : "", sizeof(cfg.settings.spool));
	cfg.settings.upstream_timeout = 5;
	cfg.settings.idle_timeout = 5;
	cfg.settings.max_sessions = 8;
	cfg.proxies = &px;
	cfg.nproxies = 1;
	if (pi == NULL || pi[0] != '/' || (name = strchr(pi + 1, '/')) ==
	    NULL || (size_t)(name - pi - 1) >= sizeof(px.id))
		return cgi_fail(404, "Not Found");
	memcpy(px.id, pi + 1, (size_t)(name - pi - 1));
	px.id[name - pi - 1] = '\0';
	name++;
	/* lighttpd gives environment names in upper case. */
	snprintf(var, sizeof(var), "RELAY_SOURCE_%s", px.id);
	for (n = 13; var[n] != '\0'; n++)
		var[n] = (char)toupper((unsigned char)var[n]);
	if (!sd_safe_name(px.id) || (src = getenv(var)) == NULL)
		return cgi_fail(404, "Not Found");
	strlcpy(px.source, src, sizeof(px.source));
	snprintf(base, sizeof(base), "%s/%s/", script ? script : "", px.id);
	if (strncmp(name, "s/", 2) == 0 || strncmp(name, "d/", 2) == 0) {
		if (sd_relay_segment(&cfg, &px, name, path, sizeof(path)) == -1)
			return errno == ENOENT ? cgi_fail(404, "Not Found") :
			    cgi_fail(503, "Service Unavailable");
		if ((fp = fopen(path, "rb")) == NULL)
			return cgi_fail(404, "Not Found");
		printf("Content-Type: %s\r\n\r\n", seg_type(name));
		while ((n = fread(path, 1, sizeof(path), fp)) > 0)
			fwrite(path, 1, n, stdout);
		fclose(fp);
		return 0;
	}
	sd_buf_init(&b);
	if (sd_relay_manifest(&cfg, &px, strncmp(name, "p/", 2) == 0 ? name :
	    "", base, &b) == -1) {
		sd_buf_free(&b);
		return errno == ENOENT ? cgi_fail(404, "Not Found") :
		    cgi_fail(503, "Service Unavailable");
	}
	printf("Content-Type: %s\r\nCache-Control: no-cache\r\n\r\n",
	    b.len > 0 && b.p[0] == '#' ? "application/vnd.apple.mpegurl" :
	    "application/dash+xml");
	fwrite(b.p, 1, b.len, stdout);
	sd_buf_free(&b);
	return 0;
}

/* The programs are in the build tree's bin/, two folders up from here. */
static void
sibling_programs(void)
{
	char self[4096], bin[4200], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	snprintf(bin, sizeof(bin), "%s/../../bin", self);
	sd_sibling_dir(bin);
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int rv;

	sibling_programs();
	if (getenv("GATEWAY_INTERFACE") != NULL)
		return cgi();
	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (args(argc - 1, argv + 1) == -1)
		return usage();
	if (strcmp(cmd, "ensure") == 0)
		rv = cmd_ensure();
	else if (strcmp(cmd, "tail") == 0)
		rv = cmd_tail();
	else if (strcmp(cmd, "status") == 0)
		rv = cmd_status();
	else if (strcmp(cmd, "seen") == 0)
		rv = sd_viewer_seen(&cfg, &px, variant) == 0 ? 0 : refused();
	else if (strcmp(cmd, "fetch") == 0)
		rv = cmd_fetch();
	else if (strcmp(cmd, "wait") == 0)
		rv = sd_session_wait_ready(variant,
		    cfg.settings.upstream_timeout) == 0 ? 0 : SD_EX_TEMPFAIL;
	else
		rv = usage();
	sd_rec_free(&decision);
	if (fflush(stdout) == EOF)
		rv = SD_EX_IOERR;
	return rv;
}
