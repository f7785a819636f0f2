/*
 * sd-decide - choose how a source reaches a client: redirect, passthrough,
 * repackage or transcode, per track, with the ffmpeg argv of a transcode.
 *
 * Reads a classification record (sd-classify(1)) from stdin or -i; prints
 * a decision record. No libav*: it starts in a millisecond.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: sd-decide [-j] [-C dir] [-i record] [-s input]\n"
	    "                 -f format | [-U url] [-a accept] [-u user_agent]\n"
	    "                 [-p profile | -P proxy]\n"
	    "       sd-decide [-C dir] -l\n");
	exit(status);
}

struct args {
	const char *confdir, *recfile, *input, *url, *accept, *ua;
	const char *profile, *proxy, *format;
	int json, list;
};

/* ---------------------------------------------------------------- -l */

static const char *
codec_of(const char *enc)
{
	const char *c = sd_encoder_codec(enc);

	return c ? c : "?";
}

/* "VP9 (libvpx-vp9)": the codec as people say it, then the encoder. */
static const char *
fmp4_label(const char *enc, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!sd_codec_fits_mpegts(enc))
		snprintf(buf, len, "%s (%s)", sd_codec_label(codec_of(enc)),
		    enc);
	return buf;
}

/* Which clients can take what the profile makes. */
static void
list_clients(const struct sd_profile *p)
{
	char v[64], a[64];

	int ts = p->container != SD_CONT_FMP4 && !sd_profile_requires_fmp4(p);
	int copy = strcmp(codec_of(p->video_codec), "copy") == 0 ||
	    strcmp(codec_of(p->audio_codec), "copy") == 0;

	printf("  clients: hls dash%s%s\n", ts ? " hls-ts ts" : "",
	    ts && copy ? " (ts when the copied codecs fit MPEG-TS)" : "");
	if (p->container == SD_CONT_FMP4 && !sd_profile_requires_fmp4(p))
		printf("  no TS clients: container_format = fmp4\n");
	fmp4_label(p->video_codec, v, sizeof(v));
	fmp4_label(p->audio_codec, a, sizeof(a));
	if (sd_profile_requires_fmp4(p))
		printf("  why fMP4? MPEG-TS cannot carry %s%s%s; fMP4 (CMAF) "
		    "can, and HLS version 7 and DASH both play it. TS clients "
		    "are refused: give them an HLS or DASH URL.\n", v,
		    *v && *a ? " or " : "", a);
}

static int
list_profiles(const struct sd_config *cfg)
{
	const struct sd_profile *p;
	size_t i;

	for (i = 0; i < cfg->nprofiles; i++) {
		p = &cfg->profiles[i];
		printf("%s%s%s\n", i ? "\n" : "", p->name,
		    p->is_system ? " (system)" : "");
		if (p->description[0] != '\0')
			printf("  %s\n", p->description);
		printf("  video %s (%s), audio %s (%s), container %s\n",
		    p->video_codec[0] ? p->video_codec : "copy",
		    codec_of(p->video_codec),
		    p->audio_codec[0] ? p->audio_codec : "copy",
		    codec_of(p->audio_codec), sd_container_name(p->container));
		list_clients(p);
	}
	return SD_EX_OK;
}

/* ---------------------------------------------------------------- decide */

static int
read_record(struct sd_rec *r, const char *path)
{
	FILE *fp = stdin;
	int rv;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fp = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return SD_EX_NOINPUT;
	}
	rv = sd_rec_read(r, fp, path ? path : "stdin");
	if (fp != stdin)
		fclose(fp);
	return rv == -1 ? SD_EX_DATAERR : SD_EX_OK;
}

static enum sd_client
client_of(const struct args *a)
{
	enum sd_client c;

	if (a->format != NULL) {
		if (sd_client_parse(a->format, &c) == -1) {
			warnx("-f %s: expected hls, hls-ts, dash or ts",
			    a->format);
			usage(stderr, SD_EX_USAGE);
		}
		return c;
	}
	return sd_client_format(a->url, a->accept, a->ua, NULL);
}

/* ffmpeg's input: -s, else the record's source= (a URL or file). */
static const char *
input_of(const struct args *a, const struct sd_rec *cls)
{
	const char *s = sd_rec_get(cls, "source");

	if (a->input != NULL)
		return a->input;
	if (s != NULL && *s != '\0' && strcmp(s, "-") != 0 && *s != '-')
		return s;
	return NULL;
}

static int
decide(const struct args *a, struct sd_config *cfg, struct sd_rec *out)
{
	struct sd_decide_opts o = { 0 };
	const struct sd_profile *p = NULL;
	const struct sd_proxy *px = NULL;
	struct sd_rec cls;
	enum sd_client c = client_of(a);
	int rv;

	o.dev_root = getenv("SD_DEV_ROOT");
	o.segment_duration = cfg->settings.segment_duration;
	if (a->proxy != NULL && (px = sd_proxy_find(cfg, a->proxy)) == NULL) {
		warnx("-P %s: no such proxy in %s/proxies.ini", a->proxy,
		    cfg->dir);
		return SD_EX_CONFIG;
	}
	if (a->profile != NULL && *a->profile != '\0' &&
	    (p = sd_profile_find(cfg, a->profile)) == NULL) {
		warnx("-p %s: no such profile (sd-decide -l lists them)",
		    a->profile);
		return SD_EX_CONFIG;
	}
	/* A redirect needs no classification: do not wait on stdin. */
	if (px != NULL && px->mode == SD_MODE_DIRECT)
		return sd_decide_proxy(cfg, px, NULL, c, &o, out);
	sd_rec_init(&cls);
	if ((rv = read_record(&cls, a->recfile)) == SD_EX_OK) {
		o.input = input_of(a, &cls);
		rv = px != NULL ? sd_decide_proxy(cfg, px, &cls, c, &o, out) :
		    sd_decide(&cls, c, p, &o, out);
	}
	sd_rec_free(&cls);
	return rv;
}

static void
parse_args(int argc, char *argv[], struct args *a)
{
	int ch;

	memset(a, 0, sizeof(*a));
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, SD_EX_OK);
	while ((ch = getopt(argc, argv, "a:C:f:i:jlP:p:s:U:u:")) != -1) {
		switch (ch) {
		case 'a':
			a->accept = optarg;
			break;
		case 'C':
			a->confdir = optarg;
			break;
		case 'f':
			a->format = optarg;
			break;
		case 'i':
			a->recfile = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'l':
			a->list = 1;
			break;
		case 'P':
			a->proxy = optarg;
			break;
		case 'p':
			a->profile = optarg;
			break;
		case 's':
			a->input = optarg;
			break;
		case 'U':
			a->url = optarg;
			break;
		case 'u':
			a->ua = optarg;
			break;
		default:
			usage(stderr, SD_EX_USAGE);
		}
	}
	if (optind != argc || (a->profile != NULL && a->proxy != NULL))
		usage(stderr, SD_EX_USAGE);
	if (a->list)
		return;
	if (a->format == NULL && a->url == NULL && a->accept == NULL &&
	    a->ua == NULL) {
		warnx("the client's format: -f, or -U, -a, -u from its request");
		usage(stderr, SD_EX_USAGE);
	}
	if (a->format != NULL && (a->url || a->accept || a->ua))
		usage(stderr, SD_EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct sd_config cfg;
	struct sd_rec out;
	struct args a;
	size_t i;
	int rv;

	parse_args(argc, argv, &a);
	memset(&cfg, 0, sizeof(cfg));
	/* Without a profile or proxy there is nothing to load (sd.ini's
	 * segment duration only matters to a profile's keyframes). */
	if ((a.list || a.proxy != NULL || (a.profile && *a.profile) ||
	    a.confdir != NULL) &&
	    sd_config_load(&cfg, sd_config_dir(a.confdir)) == -1)
		return SD_EX_CONFIG;
	sd_rec_init(&out);
	if (a.list)
		rv = list_profiles(&cfg);
	else
		rv = decide(&a, &cfg, &out);
	if (out.n > 0 && sd_rec_print(&out, stdout, a.json) == -1)
		rv = SD_EX_IOERR;
	/* Warnings are for whoever runs it, too. */
	for (i = 0; sd_rec_get_nth(&out, "warning", i) != NULL; i++)
		warnx("warning: %s", sd_rec_get_nth(&out, "warning", i));
	sd_rec_free(&out);
	sd_config_free(&cfg);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		return SD_EX_IOERR;
	}
	return rv;
}
