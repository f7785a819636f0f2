/*
 * relay - a test driver over the relay/session functions of libsd, for
 * tests/relay.t while sd-serve's routes are elsewhere. One proxy, the
 * config given on the command line:
 *
 *   relay ensure|tail|status|fetch|wait [-S spool] [-p proxy] [-u source]
 *       [-v variant] [-c max_clients] [-i idle] [-t timeout]
 *       [-M max_sessions] [-d segdur] [-w window] [-- ffmpeg argv]
 *   relay --session ...	(what sd_relay_ensure starts)
 *
 * Exit: 0; 3 refused (max_clients / max_sessions: the serve side's 503);
 * 69 upstream down (prints retry_after=N); 64 usage; 1 other.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"

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
	    "[-w window] [-- ffmpeg argv]\n");
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
	while ((ch = getopt(argc, argv, "S:p:u:v:c:i:t:M:d:w:")) != -1) {
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

	if ((h = sd_client_enter(&cfg, &px)) == -1)
		return refused();
	if (sd_relay_ensure(&cfg, &px, "ts", NULL, dir, sizeof(dir)) == -1) {
		rv = refused();
		sd_client_leave(h);
		return rv;
	}
	rv = sd_relay_tail(dir, STDOUT_FILENO);
	sd_client_leave(h);
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

int
main(int argc, char **argv)
{
	const char *cmd;
	int rv;

	if (argc > 1 && strcmp(argv[1], "--session") == 0)
		return sd_session_main(argc - 1, argv + 1);
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
