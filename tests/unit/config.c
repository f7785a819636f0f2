/*
 * config.c - unit tests of the config model: every cell of the seed's codec
 * x container table (section 1.3) through real files and sd_config_load,
 * auto resolution, the old schema, and each config error with its
 * path:line message.
 */
#include <stdarg.h>
#include <sys/stat.h>

#include "sd.h"
#include "config.h"
#include "mtap.h"

static char dir[512];
static char top_system[1024];

static void
put(const char *file, const char *text)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fp = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
}

/* A fresh config folder holding the given files (name, text, ...). */
static void
fresh(int n, ...)
{
	static int serial;
	const char *base = getenv("TMPDIR");
	va_list ap;

	snprintf(dir, sizeof(dir), "%s/sd-config-test.%ld.%d",
	    base ? base : "/tmp", (long)getpid(), serial++);
	if (mkdir(dir, 0755) == -1) {
		perror(dir);
		exit(2);
	}
	va_start(ap, n);
	while (n-- > 0) {
		const char *f = va_arg(ap, const char *);
		put(f, va_arg(ap, const char *));
	}
	va_end(ap);
}

static void
cleanup(void)
{
	const char *f[] = { "profiles.ini", "proxies.ini", "sd.ini" };
	char path[1024];
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(f); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, f[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Load the folder; stderr is captured into *err. */
static int
load(struct sd_config *cfg, const char **err)
{
	int rc;

	capture_start();
	rc = sd_config_load(cfg, dir);
	*err = capture_end();
	return rc;
}

/* msg appears in err with "DIR/file:line: " in front of it. */
static void
has_msg(const char *err, const char *file, int line, const char *msg,
    const char *desc)
{
	char want[2048];
	int found;

	if (line > 0)
		snprintf(want, sizeof(want), "%s/%s:%d: %s", dir, file, line,
		    msg);
	else
		snprintf(want, sizeof(want), "%s/%s", dir, msg);
	found = strstr(err, want) != NULL;
	ok(found, desc);
	if (!found)
		printf("# wanted: %s\n# stderr: %s\n", want, err);
}

/* ------------------------------------------------ the codec/container table */

struct cell {
	const char *codec;
	int video;
	int fits_ts;		/* the seed's MPEG-TS column */
	const char *auto_ts, *auto_mp4;	/* auto default, TS / fMP4 source */
};

static const struct cell table[] = {
	{ "copy", 1, 1, "mpegts", "fmp4" },
	{ "libx264", 1, 1, "fmp4", "fmp4" },
	{ "libx265", 1, 1, "fmp4", "fmp4" },
	{ "libvpx-vp9", 1, 0, "fmp4", "fmp4" },
	{ "libaom-av1", 1, 0, "fmp4", "fmp4" },
	{ "libsvtav1", 1, 0, "fmp4", "fmp4" },
	{ "librav1e", 1, 0, "fmp4", "fmp4" },
	{ "av1_nvenc", 1, 0, "fmp4", "fmp4" },
	{ "av1_qsv", 1, 0, "fmp4", "fmp4" },
	{ "av1_vaapi", 1, 0, "fmp4", "fmp4" },
	/* Changed: once an encoder sd did not know, assumed to fit TS. */
	{ "libvpx", 1, 0, "fmp4", "fmp4" },
	{ "copy", 0, 1, "mpegts", "fmp4" },
	{ "aac", 0, 1, "fmp4", "fmp4" },
	{ "libopus", 0, 0, "fmp4", "fmp4" },
};

static void
test_cell(const struct cell *c, const char *container)
{
	char text[512], desc[256];
	struct sd_config cfg;
	const struct sd_profile *p;
	const char *err;
	int rc, want_ok = c->fits_ts || strcmp(container, "mpegts") != 0;

	/* the other track is copied, so only this codec decides */
	snprintf(text, sizeof(text), "[P]\n%s = %s\n%s = copy\n"
	    "container_format = %s\n", c->video ? "video_codec" :
	    "audio_codec", c->codec, c->video ? "audio_codec" : "video_codec",
	    container);
	fresh(1, "profiles.ini", text);
	rc = load(&cfg, &err);
	snprintf(desc, sizeof(desc), "%s %s x %s: %s", c->video ? "video" :
	    "audio", c->codec, container, want_ok ? "loads" : "rejected");
	ok(want_ok ? rc == 0 : rc == -1, desc);
	if (!want_ok) {
		const char *kind = strstr(c->codec, "vp9") ? "VP9" :
		    strstr(c->codec, "av1") ? "AV1" :
		    strstr(c->codec, "vpx") ? "VP8" : "Opus";
		char msg[256];

		snprintf(msg, sizeof(msg), "profile P: %s (%s) needs fMP4: "
		    "MPEG-TS cannot carry %s; write container_format = fmp4",
		    c->codec, kind, kind);
		snprintf(desc, sizeof(desc), "%s x mpegts: the error says why "
		    "and how, at the container_format line", c->codec);
		has_msg(err, "profiles.ini", 4, msg, desc);
	} else if (rc == 0) {
		p = sd_profile_find(&cfg, "P");
		ok(p != NULL && p->is_system == 0, "profile P is the user's");
		if (p != NULL && strcmp(container, "auto") == 0) {
			snprintf(desc, sizeof(desc), "%s auto, TS source -> %s",
			    c->codec, c->auto_ts);
			is_str(sd_container_name(sd_container_resolve(p, 1)),
			    c->auto_ts, desc);
			snprintf(desc, sizeof(desc), "%s auto, fMP4 source -> "
			    "%s", c->codec, c->auto_mp4);
			is_str(sd_container_name(sd_container_resolve(p, 0)),
			    c->auto_mp4, desc);
		} else if (p != NULL) {
			snprintf(desc, sizeof(desc), "%s x %s resolves to %s",
			    c->codec, container, container);
			is_str(sd_container_name(sd_container_resolve(p, 1)),
			    container, desc);
		}
		sd_config_free(&cfg);
	}
	snprintf(desc, sizeof(desc), "sd_codec_fits_mpegts(%s) = %d", c->codec,
	    c->fits_ts);
	ok(sd_codec_fits_mpegts(c->codec) == c->fits_ts, desc);
	cleanup();
}

static void
test_table(void)
{
	static const char *const containers[] = { "mpegts", "fmp4", "auto" };
	size_t i, j;

	for (i = 0; i < SD_ARRAY_LEN(table); i++)
		for (j = 0; j < SD_ARRAY_LEN(containers); j++)
			test_cell(&table[i], containers[j]);
}

static void
test_auto_mixed(void)
{
	struct sd_profile p;

	sd_profile_defaults(&p, "x");
	strlcpy(p.video_codec, "copy", sizeof(p.video_codec));
	strlcpy(p.audio_codec, "aac", sizeof(p.audio_codec));
	is_str(sd_container_name(sd_container_resolve(&p, 1)), "fmp4",
	    "auto: copy video + aac from TS -> fmp4 (something is encoded)");
	strlcpy(p.audio_codec, "libopus", sizeof(p.audio_codec));
	ok(sd_profile_requires_fmp4(&p), "copy + libopus requires fMP4");
	strlcpy(p.audio_codec, "", sizeof(p.audio_codec));
	strlcpy(p.video_codec, "", sizeof(p.video_codec));
	is_str(sd_container_name(sd_container_resolve(&p, 1)), "mpegts",
	    "auto: empty codecs count as copy");
	is_str(sd_encoder_codec("av1_qsv"), "av1", "av1_qsv encodes av1");
	ok(sd_encoder_codec("nonsense") == NULL, "unknown encoder: NULL");
}

/* ------------------------------------------------------ the system profiles */

static void
test_system(void)
{
	struct sd_config cfg;
	const struct sd_profile *u, *pt, *e;
	const char *err;

	fresh(0);
	ok(load(&cfg, &err) == 0, "empty folder: system profiles load");
	is_str(err, "", "no warnings from the system profiles");
	ok(cfg.nprofiles == 3 && cfg.nproxies == 0, "three profiles, no proxy");
	u = sd_profile_find(&cfg, "Universal");
	pt = sd_profile_find(&cfg, "Passthrough");
	e = sd_profile_find(&cfg, "Efficiency");
	ok(u && pt && e, "Universal, Passthrough and Efficiency");
	if (u && pt && e) {
		ok(strcmp(u->video_codec, "libx264") == 0 &&
		    strcmp(u->audio_codec, "aac") == 0 &&
		    u->container == SD_CONT_AUTO && u->video_bitrate == 0 &&
		    strcmp(u->preset, "fast") == 0 && u->is_system,
		    "Universal as the seed writes it");
		is_str(u->description, "Best compatibility - works on all "
		    "devices", "Universal's description");
		ok(strcmp(pt->video_codec, "copy") == 0 &&
		    strcmp(pt->audio_codec, "copy") == 0 &&
		    pt->container == SD_CONT_AUTO, "Passthrough copies");
		ok(strcmp(e->video_codec, "libx265") == 0 &&
		    e->container == SD_CONT_FMP4 &&
		    strcmp(e->preset, "medium") == 0, "Efficiency: HEVC, fMP4");
		is_str(e->description, "HEVC encoding for smaller files "
		    "(requires Apple 10+, Chrome, smart TVs 2018+)",
		    "Efficiency's description, commas and all");
	}
	ok(cfg.settings.segment_duration == 2 && cfg.settings.window == 6 &&
	    cfg.settings.idle_timeout == 30 &&
	    cfg.settings.classify_ttl == 300 &&
	    cfg.settings.upstream_timeout == 10 &&
	    cfg.settings.failover_retry == 300 &&
	    strcmp(cfg.settings.default_profile, "Universal") == 0 &&
	    cfg.settings.base_url[0] == '\0', "sd.ini defaults");
	sd_config_free(&cfg);
	cleanup();

	fresh(1, "profiles.ini", "[Universal]\nvideo_codec = libx265\n"
	    "audio_codec = libopus\n[Mine]\nvideo_codec=libsvtav1\n"
	    "audio_bitrate = 96k\n");
	ok(load(&cfg, &err) == 0, "user profiles load");
	u = sd_profile_find(&cfg, "Universal");
	ok(cfg.nprofiles == 4 && u && !u->is_system &&
	    strcmp(u->video_codec, "libx265") == 0 && u->preset[0] == '\0',
	    "a user's [Universal] replaces the system one whole");
	e = sd_profile_find(&cfg, "Mine");
	ok(e && e->audio_bitrate == 96000, "96k is 96000 bit/s");
	sd_config_free(&cfg);
	cleanup();
}

/* ------------------------------------------------------------- proxies */

/* source = several URLs (failover): each kept in order, the first apart. */
static void
test_source_lists(void)
{
	struct sd_config cfg;
	const struct sd_proxy *x;
	const char *err;
	char text[SD_SOURCES_MAX * 24 + 64];
	size_t off;
	int i;

	fresh(2, "proxies.ini", "[a]\nsource = http://127.0.0.1:1/x.ts \t "
	    "http://b/live.m3u8\tudp://239.0.0.1:1234  /srv/loop.ts\n"
	    "[b]\nsource = http://only/x.ts\n", "sd.ini",
	    "failover_retry = 7\n");
	ok(load(&cfg, &err) == 0, "a source list loads");
	is_str(err, "", "a source list: no warnings");
	x = sd_proxy_find(&cfg, "a");
	ok(x && x->nsources == 4, "four sources counted");
	is_str(x ? x->source : "", "http://127.0.0.1:1/x.ts",
	    "source is the first URL");
	is_str(x ? x->sources : "", "http://127.0.0.1:1/x.ts "
	    "http://b/live.m3u8 udp://239.0.0.1:1234 /srv/loop.ts",
	    "sources: all of them in order, one blank apart");
	x = sd_proxy_find(&cfg, "b");
	ok(x && x->nsources == 1 && strcmp(x->sources, x->source) == 0,
	    "one URL: one source, sources == source");
	ok(cfg.settings.failover_retry == 7, "failover_retry = 7");
	sd_config_free(&cfg);
	cleanup();

	off = (size_t)snprintf(text, sizeof(text), "[a]\nsource =");
	for (i = 0; i < SD_SOURCES_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    " http://h/%d.ts", i);
	snprintf(text + off, sizeof(text) - off, "\n");
	fresh(1, "proxies.ini", text);
	ok(load(&cfg, &err) == 0, "SD_SOURCES_MAX sources load");
	x = sd_proxy_find(&cfg, "a");
	ok(x && x->nsources == SD_SOURCES_MAX, "all of them counted");
	sd_config_free(&cfg);
	cleanup();
}

static void
test_proxies(void)
{
	struct sd_config cfg;
	const struct sd_proxy *x;
	const char *err;
	char text[4096 + 256], url[2001];

	memset(url, 'u', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	memcpy(url, "http://h/", 9);
	snprintf(text, sizeof(text), "\xef\xbb\xbf[bbc1]\r\nsource = %s\r\n"
	    "  mode = smart\r\nprofile = Efficiency\r\nname = \"BBC One\"\r\n"
	    "max_clients = 4\r\nnumber = 101\r\n[cnn] ; news\r\n"
	    "source=http://c/x.m3u8\r\nmode=direct\r\n", url);
	fresh(2, "proxies.ini", text, "sd.ini", "spool = /var/tmp/s\n"
	    "window = 10\nbase_url = http://cdn.example/sd/\n");
	ok(load(&cfg, &err) == 0, "proxies: BOM, CRLF, a 2000-byte URL load");
	is_str(err, "", "no warnings");
	x = sd_proxy_find(&cfg, "bbc1");
	ok(x && strcmp(x->source, url) == 0, "the long URL is intact");
	ok(x && x->mode == SD_MODE_SMART &&
	    strcmp(x->profile, "Efficiency") == 0 && x->max_clients == 4 &&
	    strcmp(x->name, "BBC One") == 0 && x->line == 1 &&
	    x->number == 101 && x->number_line == 7,
	    "bbc1: indented mode, profile, quoted name, number, line 1");
	x = sd_proxy_find(&cfg, "cnn");
	ok(x && x->mode == SD_MODE_DIRECT && x->profile[0] == '\0' &&
	    x->line == 8 && x->number == 0, "cnn: direct, section at line 8, "
	    "no number");
	ok(cfg.settings.window == 10 &&
	    strcmp(cfg.settings.spool, "/var/tmp/s") == 0 &&
	    strcmp(cfg.settings.base_url, "http://cdn.example/sd/") == 0,
	    "sd.ini values");
	sd_config_free(&cfg);
	cleanup();
	test_source_lists();
}

/* ----------------------------------------------------------- old schema */

static void
test_old_schema(void)
{
	struct sd_config cfg;
	const struct sd_proxy *x;
	const struct sd_profile *p;
	const char *err;

	fresh(3, "proxies.ini", "[a]\nsource = http://a\nmode = redirect\n"
	    "[b]\nsource = http://b\nproxy_mode = proxy\n"
	    "relay_profile = Efficiency\n[c]\nsource = http://c\n"
	    "mode = relay\nrelay_profile = Old\n[d]\nsource = http://d\n"
	    "mode = relay\n",
	    "profiles.ini", "[Old]\nvideo_codec = libx264\n"
	    "output_format = hls\n[Ts]\noutput_format = mpegts\n",
	    "sd.ini", "default_profile = Passthrough\n");
	ok(load(&cfg, &err) == 0, "the old schema loads");
	ok(cfg.deprecated, "and is marked deprecated");
	has_msg(err, "proxies.ini", 3, "mode = redirect is deprecated; write "
	    "mode = direct", "redirect: path:line and the new spelling");
	has_msg(err, "proxies.ini", 6, "proxy_mode = proxy is deprecated; "
	    "write mode = smart with no profile (passthrough)",
	    "proxy_mode = proxy: the new spelling");
	has_msg(err, "proxies.ini", 7, "relay_profile is deprecated; write "
	    "profile = Efficiency", "relay_profile: the new spelling");
	has_msg(err, "proxies.ini", 7, "proxy b: profile Efficiency is "
	    "ignored: mode = proxy never transcoded",
	    "old proxy mode: the profile is ignored, and it says so");
	has_msg(err, "proxies.ini", 14, "proxy d: mode = relay without a "
	    "profile uses the default profile Passthrough",
	    "relay without a profile: the default profile, with a warning");
	has_msg(err, "profiles.ini", 3, "output_format = hls is deprecated; "
	    "write container_format = fmp4", "output_format = hls -> fmp4");
	has_msg(err, "profiles.ini", 5, "output_format = mpegts is "
	    "deprecated; write container_format = mpegts",
	    "output_format = mpegts -> mpegts");
	x = sd_proxy_find(&cfg, "a");
	ok(x && x->mode == SD_MODE_DIRECT, "redirect is direct");
	x = sd_proxy_find(&cfg, "b");
	ok(x && x->mode == SD_MODE_SMART && x->profile[0] == '\0' &&
	    strcmp(x->legacy_mode, "proxy") == 0, "proxy is smart passthrough");
	x = sd_proxy_find(&cfg, "c");
	ok(x && x->mode == SD_MODE_SMART && strcmp(x->profile, "Old") == 0,
	    "relay keeps its profile");
	x = sd_proxy_find(&cfg, "d");
	ok(x && strcmp(x->profile, "Passthrough") == 0,
	    "relay without profile: sd.ini's default_profile");
	p = sd_profile_find(&cfg, "Old");
	ok(p && p->container == SD_CONT_FMP4, "hls is fmp4");
	p = sd_profile_find(&cfg, "Ts");
	ok(p && p->container == SD_CONT_MPEGTS, "mpegts stays mpegts");
	sd_config_free(&cfg);
	cleanup();
}

/* ---------------------------------------------------------------- errors */

struct bad {
	const char *desc;
	const char *file, *text;
	int line;
	const char *msg;
};

static char longline[SD_INI_LINE_MAX + 200];

static const struct bad bads[] = {
	{ "duplicate section", "proxies.ini",
	  "[a]\nsource = http://a\n\n[a]\nsource = http://b\n", 4,
	  "duplicate section [a] (first at line 1); merge the two or rename "
	  "one" },
	{ "unknown mode", "proxies.ini", "[a]\nsource = http://a\n"
	  "mode = bounce\n", 3, "mode = bounce: unknown mode; write mode = "
	  "direct (redirect to the source) or mode = smart" },
	{ "bad number", "proxies.ini", "[a]\nsource = http://a\n"
	  "max_clients = 12x\n", 3, "max_clients = 12x: the number is "
	  "invalid; write 0 (unlimited) to 100000" },
	{ "number too large", "sd.ini", "window = 5000\n", 1,
	  "window = 5000: the number is too large; write segments from 2 "
	  "to 1000" },
	{ "bad duration", "sd.ini", "\n\nsegment_duration = 0x10\n", 3,
	  "segment_duration = 0x10: not a valid duration" },
	{ "bad bit rate", "profiles.ini", "[p]\nvideo_bitrate = fast\n", 2,
	  "video_bitrate = fast: the rate is invalid; write bit/s, with k or "
	  "M (2500k)" },
	{ "overlong line", "proxies.ini", longline, 2, "line of 4196 bytes; "
	  "at most 4096 are allowed: shorten it" },
	{ "unknown profile", "proxies.ini", "[a]\nsource = http://a\n"
	  "profile = Nope\n", 3, "proxy a names profile Nope, which is not "
	  "defined; add [Nope] to profiles.ini or name another profile" },
	{ "no source", "proxies.ini", "; c\n[a]\nmode = direct\n", 2,
	  "proxy a has no source; add source = URL" },
	{ "header without a name", "proxies.ini", "[a]\nsource = http://a\n"
	  "header = no colon\n", 3, "header = no colon: not a header; write "
	  "header = Name: value" },
	{ "control character in user_agent", "proxies.ini", "[a]\n"
	  "source = http://a\nuser_agent = a\001b\n", 3, "user_agent: an "
	  "empty value or a control character (CR, LF); write user_agent = "
	  "one line of text" },
	{ "empty referer", "proxies.ini", "[a]\nsource = http://a\n"
	  "referer =\n", 3, "referer: an empty value or a control character "
	  "(CR, LF); write referer = one line of text" },
	{ "a URL in allow_hosts", "proxies.ini", "[a]\nsource = http://a\n"
	  "allow_hosts = cdn.example https://cdn2.example/\n", 3,
	  "allow_hosts = cdn.example https://cdn2.example/: not a list of "
	  "hosts; write host or host:port entries separated by blanks or "
	  "commas (cdn.example.net 10.0.0.5:8080)" },
	{ "key outside a section", "proxies.ini", "source = http://a\n", 1,
	  "source is outside any section; put it under a [name] line" },
	{ "section without ]", "profiles.ini", "[p\nvideo_codec = aac\n", 1,
	  "section header without ']'; write [name]" },
	{ "not key = value", "profiles.ini", "[p]\njust words\n", 2,
	  "'just words' is not key = value" },
	{ "bad section name", "proxies.ini", "[a b]\nsource = http://a\n", 1,
	  "bad section name [a b]" },
	{ "unknown container", "profiles.ini", "[p]\n"
	  "container_format = webm\n", 2, "container_format = webm: unknown; "
	  "write auto, fmp4 or mpegts" },
	{ "unknown output_format", "profiles.ini", "[p]\n"
	  "output_format = flv\n", 2, "output_format = flv: unknown (and "
	  "deprecated)" },
	{ "old VP9 + mpegts", "profiles.ini", "[p]\nvideo_codec = libvpx-vp9\n"
	  "output_format = mpegts\n", 3, "profile p: libvpx-vp9 (VP9) needs "
	  "fMP4: MPEG-TS cannot carry VP9" },
	{ "audio encoder as video", "profiles.ini", "[p]\nvideo_codec = aac\n",
	  2, "video_codec = aac: that is an audio encoder" },
	{ "unknown default profile", "sd.ini", "default_profile = Gone\n", 1,
	  "default_profile = Gone is not a defined profile" },
	{ "relative spool", "sd.ini", "spool = spool\n", 1,
	  "spool = spool: not an absolute folder" },
	{ "bad framerate", "profiles.ini", "[p]\nframerate = 25/0\n", 2,
	  "framerate = 25/0: not a valid value" },
	{ "a bad scheme second", "proxies.ini", "[a]\nsource = http://a "
	  "gopher://b/x\n", 2, "source = gopher://b/x: sd reads http://" },
	{ "an option second", "proxies.ini", "[a]\nsource = http://a\t-y\n",
	  2, "source = -y: not a valid value; write a URL" },
	{ "a control character in a list", "proxies.ini",
	  "[a]\nsource = http://a http://b\001c\n", 2,
	  "source = http://b" },
	{ "too many sources", "proxies.ini", "[a]\nsource = http://a/1 "
	  "http://a/2 http://a/3 http://a/4 http://a/5 http://a/6 http://a/7 "
	  "http://a/8 http://a/9\n", 2, "source lists more than 8 URLs" },
	{ "failover_retry 0", "sd.ini", "failover_retry = 0\n", 1,
	  "failover_retry = 0: the number is too small; write seconds from "
	  "1 to 86400" },
	{ "failover_retry words", "sd.ini", "failover_retry = soon\n", 1,
	  "failover_retry = soon: the number is invalid" },
	{ "source like an option", "proxies.ini", "[a]\nsource = -y\n", 2,
	  "source = -y: not a valid value; write a URL" },
	{ "blanks only", "proxies.ini", "[a]\nsource = \t \n", 2,
	  "source is empty; write source = URL" },
	{ "empty source", "proxies.ini", "[a]\nsource =\n", 2,
	  "source is empty; write source = URL" },
	{ "duplicate number", "proxies.ini", "[a]\nsource = http://a\n"
	  "number = 7\n\n[b]\nnumber = 7\nsource = http://b\n", 6,
	  "number = 7 is also proxy a's (line 3); give each channel its own "
	  "number" },
	{ "number 0", "proxies.ini", "[a]\nsource = http://a\nnumber = 0\n",
	  3, "number = 0: the number is too small; write a channel number "
	  "from 1 to 99999" },
	{ "max_connections 0", "proxies.ini", "[provider.acme]\n"
	  "max_connections = 0\n", 2, "max_connections = 0: the number is "
	  "too small; write the upstream connections the provider allows, "
	  "1 to 1000" },
	{ "max_connections not a number", "proxies.ini", "[provider.acme]\n"
	  "max_connections = one\n", 2, "max_connections = one: the number "
	  "is invalid" },
	{ "a proxy's max_connections -1", "proxies.ini", "[a]\n"
	  "source = http://a\nmax_connections = -1\n", 3,
	  "max_connections = -1: the number is too small; write the upstream "
	  "connections its host allows, 1 to 1000" },
	{ "unknown provider, near one", "proxies.ini", "[provider.acme]\n"
	  "max_connections = 1\n\n[a]\nsource = http://a\nprovider = Acme\n",
	  6, "proxy a names provider Acme, which is not defined; did you mean "
	  "acme? (names are case-sensitive)" },
	{ "unknown provider", "proxies.ini", "[a]\nsource = http://a\n"
	  "provider = zz9\n", 3, "proxy a names provider zz9, which is not "
	  "defined; add a section [provider.zz9] with max_connections" },
	{ "max_connections beside provider", "proxies.ini", "[provider.acme]\n"
	  "max_connections = 2\n[a]\nsource = http://a\nprovider = acme\n"
	  "max_connections = 1\n", 6, "proxy a: max_connections is its "
	  "host's limit, but the proxy joins provider acme; set "
	  "max_connections in [provider.acme] (line 1) and remove it here" },
	{ "a provider without a name", "proxies.ini", "[provider.]\n"
	  "max_connections = 1\n", 1, "[provider.] names no provider; write "
	  "[provider.NAME]" },
	{ "a bad provider name", "proxies.ini", "[a]\nsource = http://a\n"
	  "provider = a/b\n", 3, "provider = a/b: not a valid value; write the "
	  "NAME of a [provider.NAME] section" },
	{ "a duplicate provider", "proxies.ini", "[provider.acme]\n"
	  "max_connections = 1\n[provider.acme]\n", 3, "duplicate section "
	  "[provider.acme] (first at line 1)" },
	{ "a bad header in a provider", "proxies.ini", "[provider.acme]\n"
	  "header = nope\n", 2, "header = nope: not a header; write header = "
	  "Name: value" },
};

static void
test_errors(void)
{
	struct sd_config cfg;
	const char *err;
	char desc[256];
	size_t i;

	memcpy(longline, "[a]\nsource = http://", 20);
	memset(longline + 20, 'x', 4196 - 16);
	strcpy(longline + 4 + 4196, "\n");
	for (i = 0; i < SD_ARRAY_LEN(bads); i++) {
		fresh(1, bads[i].file, bads[i].text);
		snprintf(desc, sizeof(desc), "%s: the load fails",
		    bads[i].desc);
		ok(load(&cfg, &err) == -1, desc);
		snprintf(desc, sizeof(desc), "%s: %s:%d and the message",
		    bads[i].desc, bads[i].file, bads[i].line);
		has_msg(err, bads[i].file, bads[i].line, bads[i].msg, desc);
		cleanup();
	}

	{
		/* past a few growths of the set of section names */
		static char many[300 * 40];
		size_t k, off = 0;

		for (k = 0; k < 300; k++)
			off += (size_t)snprintf(many + off, sizeof(many) - off,
			    "[ch%zu]\nsource = http://a/%zu\n", k, k);
		snprintf(many + off, sizeof(many) - off, "[ch17]\n");
		fresh(1, "proxies.ini", many);
		ok(load(&cfg, &err) == -1, "300 sections and a duplicate fail");
		has_msg(err, "proxies.ini", 601, "duplicate section [ch17] "
		    "(first at line 35)", "the duplicate of a section 566 "
		    "lines before");
		cleanup();
	}

	fresh(1, "proxies.ini", "[a]\nsource = http://a\ncolour = red\n");
	ok(load(&cfg, &err) == 0, "an unknown key is not fatal");
	has_msg(err, "proxies.ini", 3, "unknown key colour; ignored",
	    "unknown key: warned with path:line");
	sd_config_free(&cfg);
	cleanup();

	snprintf(dir, sizeof(dir), "/nonexistent/sd-conf");
	capture_start();
	ok(sd_config_load(&cfg, dir) == -1, "missing config folder fails");
	err = capture_end();
	ok(strstr(err, "/nonexistent/sd-conf: not a config folder (No such "
	    "file or directory); create it, or name another with -C or "
	    "SD_CONF") != NULL, "missing folder: what and how");

	fresh(0);
	setenv("SD_SHAREDIR", "/nonexistent/share", 1);
	ok(load(&cfg, &err) == -1, "missing system profiles fail");
	ok(strstr(err, "/nonexistent/share/profiles.ini: cannot read: No such "
	    "file or directory; install sd's system profiles or set "
	    "SD_SHAREDIR") != NULL, "missing system file: what and how");
	setenv("SD_SHAREDIR", top_system, 1);
	cleanup();
}

/* ------------------------------------------------------------- providers */

static void
test_providers(void)
{
	struct sd_config cfg;
	const struct sd_provider *p;
	const struct sd_proxy *x;
	const char *err;

	fresh(1, "proxies.ini", "[a]\nsource = http://up.example/a.ts\n"
	    "provider = acme\n\n[provider.acme]\nmax_connections = 1\n"
	    "user_agent = AcmeBox/1.0\nheader = X-Token: 7\nmax_conections "
	    "= 2\n\n[b]\nsource = http://up.example/b.ts\nprovider = acme\n"
	    "user_agent = Own/2\n\n[c]\nsource = http://other:8080/c.ts\n"
	    "max_connections = 2\n");
	ok(load(&cfg, &err) == 0, "providers load");
	p = sd_provider_find(&cfg, "acme");
	ok(cfg.nproviders == 1 && p != NULL && p->max_connections == 1 &&
	    p->line == 5, "[provider.acme]: max_connections 1, line 5");
	ok(sd_proxy_find(&cfg, "provider.acme") == NULL && cfg.nproxies == 3,
	    "a provider is no proxy");
	x = sd_proxy_find(&cfg, "a");
	ok(x && strcmp(x->provider, "acme") == 0 && x->provider_line == 3 &&
	    x->max_connections == 0, "a joins acme (line 3)");
	is_str(x ? x->headers : "", "User-Agent: AcmeBox/1.0\r\n"
	    "X-Token: 7\r\n", "a proxy with no headers takes its provider's");
	x = sd_proxy_find(&cfg, "b");
	is_str(x ? x->headers : "", "User-Agent: Own/2\r\n",
	    "a proxy's own headers win over its provider's");
	x = sd_proxy_find(&cfg, "c");
	ok(x && x->provider[0] == '\0' && x->max_connections == 2 &&
	    x->max_connections_line == 18, "c: its host's max_connections 2");
	has_msg(err, "proxies.ini", 9, "unknown key max_conections; ignored: "
	    "did you mean max_connections?", "a misspelt provider key: "
	    "warned, with the key meant");
	sd_config_free(&cfg);
	cleanup();

	/* Under sd-serve, a wrong provider disables the proxies joining it. */
	fresh(1, "proxies.ini", "[provider.acme]\nmax_connections = many\n"
	    "[a]\nsource = http://a\nprovider = acme\n[b]\n"
	    "source = http://b\n");
	capture_start();
	ok(sd_config_load_serving(&cfg, dir) == 0, "serving: a wrong provider "
	    "does not fail the load");
	err = capture_end();
	ok(sd_proxy_broken(&cfg, "a") != NULL && strstr(sd_proxy_broken(&cfg,
	    "a"), "joins provider acme, which is wrong") != NULL &&
	    strstr(sd_proxy_broken(&cfg, "a"), "max_connections = many") !=
	    NULL, "... it disables the proxy that joins it, saying why");
	ok(sd_proxy_broken(&cfg, "b") == NULL, "... and not the others");
	sd_config_free(&cfg);
	cleanup();
	(void)err;
}

static void
test_paths(void)
{
	unsetenv("SD_CONF");
	is_str(sd_config_dir("/x"), "/x", "-C wins");
	setenv("SD_CONF", "/from/env", 1);
	is_str(sd_config_dir(NULL), "/from/env", "then $SD_CONF");
	unsetenv("SD_CONF");
	is_str(sd_config_dir(NULL), SD_SYSCONFDIR, "then SD_SYSCONFDIR");
	if (access(SD_SYSCONFDIR, F_OK) == -1) {
		struct sd_config cfg;
		int rc;

		capture_start();
		rc = sd_config_load(&cfg, sd_config_dir(NULL));
		ok(strcmp(capture_end(), "") == 0 && rc == 0 &&
		    cfg.nprofiles == 3, "no folder at SD_SYSCONFDIR: the "
		    "system profiles and defaults, quietly");
		if (rc == 0)
			sd_config_free(&cfg);
	} else
		ok(1, "# skip: " SD_SYSCONFDIR " exists here");
	setenv("SD_SHAREDIR", "/s", 1);
	is_str(sd_system_profiles_path(), "/s/profiles.ini",
	    "$SD_SHAREDIR/profiles.ini");
	setenv("SD_SHAREDIR", top_system, 1);
}

int
main(void)
{
	const char *top = getenv("SD_TOP");

	snprintf(top_system, sizeof(top_system), "%s/etc/system",
	    top ? top : ".");
	setenv("SD_SHAREDIR", top_system, 1);
	test_paths();
	test_table();
	test_auto_mixed();
	test_system();
	test_proxies();
	test_old_schema();
	test_errors();
	test_providers();
	return done();
}
