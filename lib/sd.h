/*
 * sd.h - the API the programs in bin/ use from libsd, in the layers of
 * DESIGN.md; what lib/'s files share beyond it is in internal headers
 * beside them (util_int.h, store.h, http.h, session.h, ...). Functions in
 * lib/ never call exit(): they report with warnx(3) (naming path:line
 * where there is one) and return -1, or an enum sd_exit.
 */
#ifndef SD_H
#define SD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- util.c */

/* Exit statuses of every program (sysexits(3)), each man page's EXIT STATUS. */
enum sd_exit {
	SD_EX_OK = 0,
	SD_EX_FAIL = 1,		/* general failure; sd-migrate -c: work to do */
	SD_EX_REFUSED = 3,	/* sd-decide: the client cannot take the result */
	SD_EX_USAGE = 64,	/* bad command line */
	SD_EX_DATAERR = 65,	/* input read but not recognised / invalid */
	SD_EX_NOINPUT = 66,	/* input file missing or unreadable */
	SD_EX_UNAVAILABLE = 69,	/* source unreachable */
	SD_EX_SOFTWARE = 70,	/* internal error */
	SD_EX_IOERR = 74,	/* output could not be written */
	SD_EX_TEMPFAIL = 75,	/* timed out */
	SD_EX_CONFIG = 78,	/* configuration error */
};

#define SD_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A record: ordered key=value pairs, the text between programs (DESIGN.md
 * "Records between programs"); "multi" keys (reason=) are arrays in JSON.
 */
struct sd_kv {
	char *key;
	char *value;
	int multi;
};

struct sd_rec {
	struct sd_kv *kv;
	size_t n, cap;
};

void sd_rec_init(struct sd_rec *r);
void sd_rec_free(struct sd_rec *r);
/* First value of key, or NULL. */
const char *sd_rec_get(const struct sd_rec *r, const char *key);
/* The i-th value of key (0-based), or NULL. */
const char *sd_rec_get_nth(const struct sd_rec *r, const char *key, size_t i);
size_t sd_rec_count(const struct sd_rec *r, const char *key);
/* Print as key=value lines, or as one JSON object when json != 0. */
int sd_rec_print(const struct sd_rec *r, FILE *fp, int json);
/* Read key=value lines (at most 4096 of 8 KiB; blank and '#' lines
 * skipped): 0, or -1 with a warning naming name:line. */
int sd_rec_read(struct sd_rec *r, FILE *fp, const char *name);

/*
 * Write all len bytes to fd, each wait bounded by timeout_ms (< 0: none;
 * ETIMEDOUT). A peer gone is EPIPE, never SIGPIPE. 0, or -1 with errno.
 */
int sd_write_all(int fd, const void *buf, size_t len, int timeout_ms);

/* Read a whole file, at most max bytes (ENOSPC-like failure past it). */
int sd_read_file(const char *path, size_t max, char **buf, size_t *len);

/* A growing string buffer, capped, for writers of manifests and records. */
struct sd_buf {
	char *p;
	size_t len, cap;
	int failed;		/* an allocation failed: the result is unusable */
};
void sd_buf_init(struct sd_buf *b);
void sd_buf_free(struct sd_buf *b);
int sd_buf_printf(struct sd_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sd_buf_append(struct sd_buf *b, const void *p, size_t n);

/* A whole decimal in [min, max], blanks around; errstr as strtonum(3). */
long long sd_strtonum(const char *s, long long min, long long max,
    const char **errstr);

/* ------------------------------------------------------------ codec_table.c
 * Codecs as FFmpeg names them (h264), encoders as ffmpeg -c does (libx264);
 * the table itself: codec_table.h. */
/* The codec an encoder makes ("h264"; "copy" for copy or ""); NULL for an
 * encoder sd does not know (still passed to ffmpeg as written). */
const char *sd_encoder_codec(const char *encoder);
/* The codec as people name it (H.264, E-AC-3); the name when sd has none. */
const char *sd_codec_label(const char *codec);
/* 1 when MPEG-TS carries what the encoder makes (copy and an unknown
 * encoder are assumed to fit, sd.ini(5)). */
int sd_codec_fits_mpegts(const char *encoder);

/* ---------------------------------------------------------------- config.c */

enum sd_mode { SD_MODE_DIRECT, SD_MODE_SMART };
enum sd_container { SD_CONT_AUTO, SD_CONT_FMP4, SD_CONT_MPEGTS };

#define SD_NAME_MAX 64		/* section names: proxies and profiles */
#define SD_SOURCES_MAX 8	/* URLs in one proxy's source (failover) */

struct sd_profile {
	char name[SD_NAME_MAX];
	char description[256];
	char video_codec[32];	/* ffmpeg encoder name, or "copy" */
	char audio_codec[32];
	enum sd_container container;
	long long video_bitrate;	/* bit/s; 0: keep the source's */
	long long audio_bitrate;	/* bit/s; 0: the encoder's default */
	long long maxrate, bufsize;	/* bit/s; 0: unset */
	char preset[32];
	int crf;			/* -1: unset */
	int width, height;		/* 0: keep; limits, aspect kept */
	char framerate[16];		/* "" keep, or "25", "30000/1001" */
	int audio_channels;		/* 0: keep */
	int audio_sample_rate;		/* 0: keep */
	char hwaccel[16];		/* "", nvenc, qsv, vaapi, ... */
	char hwaccel_device[256];
	char fallback[16];		/* "" or "software" */
	char input_options[512];	/* extra ffmpeg input args, split on blanks */
	char output_options[512];	/* extra ffmpeg output args */
	double segment_duration;	/* 0: sd.ini's */
	int playlist_size;		/* 0: sd.ini's */
	int is_system;			/* loaded from the system profiles file */
	char path[256];			/* where it was defined ... */
	int line;			/* ... and the section's line */
	int container_line;		/* line of container_format (or of the
					 * old output_format); 0: not set */
};

struct sd_proxy {
	char id[SD_NAME_MAX];	/* section name: the URL path component */
	char name[128];		/* display name */
	char source[2048];	/* the first of sources: direct, passthrough */
	char sources[2048];	/* every source, in order, one blank apart */
	int nsources;		/* 1 to SD_SOURCES_MAX: failover */
	enum sd_mode mode;
	char profile[SD_NAME_MAX];	/* "": passthrough */
	char group[128];
	char logo[1024];
	char tvg_id[128];
	char allow_hosts[1024];	/* hosts passthrough may fetch from besides
				 * the source's origin (docs/SECURITY.md) */
	int max_clients;	/* 0: unlimited */
	int number;		/* channel number (tvg-chno), 0: none */
	char headers[2048];	/* user_agent, referer, header: "N: v\r\n"... */
	char provider[SD_NAME_MAX];	/* the [provider.NAME] it joins; "":
					 * its source's host is its provider */
	int max_connections;	/* its host's upstream limit; 0: none */
	char path[256];
	int line;
	int profile_line;	/* line of profile (or relay_profile); 0: none */
	int mode_line;		/* line of mode (or proxy_mode); 0: none */
	int source_line;	/* line of source; 0: none */
	int number_line;	/* line of number; 0: none */
	int provider_line;	/* line of provider; 0: none */
	int max_connections_line;	/* line of max_connections; 0: none */
	char legacy_mode[16];	/* old mode as written (redirect, proxy,
				 * relay), "" for the new schema */
};

struct sd_settings {
	char spool[256];		/* session stores */
	double segment_duration;	/* seconds, default 2 */
	int window;			/* live playlist size, default 6 */
	int idle_timeout;		/* seconds without a request, default 30 */
	int classify_ttl;		/* seconds a classification is cached */
	int upstream_timeout;		/* seconds */
	int failover_retry;		/* seconds on a later source before
					 * the first is tried again */
	int live_manifests;		/* 1: live stores write manifest
					 * files too (default 0) */
	int max_sessions;		/* live sessions at once */
	char base_url[512];		/* "" : relative URLs */
	char default_profile[SD_NAME_MAX];
	char epg[2048];			/* XMLTV guide: URL or file; "": none */
	int epg_ttl;			/* seconds the filtered guide is kept */
};

/*
 * A [provider.NAME] section of proxies.ini: upstream connections that
 * every proxy naming it shares (provider.c counts them), and the headers
 * its proxies send when they set none of their own.
 */
struct sd_provider {
	char name[SD_NAME_MAX];		/* NAME, without "provider." */
	int max_connections;		/* 0: unlimited */
	char headers[2048];		/* as sd_proxy's */
	char path[256];
	int line;
};

struct sd_config {
	char dir[256];			/* the config folder */
	struct sd_proxy *proxies;
	size_t nproxies;
	struct sd_provider *providers;	/* [provider.NAME] sections */
	size_t nproviders;
	struct sd_profile *profiles;	/* system ones first, then the user's */
	size_t nprofiles;
	struct sd_settings settings;
	int deprecated;			/* old-schema keys or values were seen */
	int warnings;			/* warnings printed while loading */
	/* the proxies sd-serve's load disabled: sd_proxy_broken */
	struct sd_broken { char id[SD_NAME_MAX], reason[1024]; } *broken;
	size_t nbroken;
};

/* The config folder: opt (-C) if set, else $SD_CONF, else SD_SYSCONFDIR. */
const char *sd_config_dir(const char *opt);

/* Load the system profiles, then DIR's profiles.ini, proxies.ini, sd.ini
 * (sd.ini(5)); errors printed as "path:line: what; how to fix". 0 or -1. */
int sd_config_load(struct sd_config *cfg, const char *dir);
void sd_config_free(struct sd_config *cfg);
const struct sd_profile *sd_profile_find(const struct sd_config *cfg,
    const char *name);
const struct sd_proxy *sd_proxy_find(const struct sd_config *cfg,
    const char *id);
/* The i-th (0-based) of px's sources into buf: 0, or -1 past the last. */
int sd_proxy_source(const struct sd_proxy *px, int i, char *buf,
    size_t len);
const char *sd_container_name(enum sd_container c);	/* auto|fmp4|mpegts */
/* 1 when the profile's codecs need fMP4 (VP9, AV1, Opus). */
int sd_profile_requires_fmp4(const struct sd_profile *p);
/* The settings of one sd.ini over the defaults (a missing file: the
 * defaults). Returns 0, or -1 after printing what is wrong. */
int sd_settings_load(struct sd_settings *s, const char *path);

/* ---------------------------------------------------------------- migrate.c
 * sd-migrate(1): old-schema INI files rewritten to the new schema, only the
 * bytes that must change; its line model is shared with import.c. */

enum sd_ini_kind { SD_INI_NONE, SD_INI_PROXIES, SD_INI_PROFILES };

struct sd_migration {
	struct sd_buf out;	/* the migrated text */
	enum sd_ini_kind kind;
	int changed;		/* out differs from the input */
	int errors;		/* conflicts: out must not be written */
	int warnings;
	struct sd_mig_line *lines;	/* per input line: ini_int.h */
	size_t nlines;
	const char *in;		/* the input, for sd_migrate_diff */
	size_t in_len;
};

/* Migrate buf (name in messages); relay entries without a profile get
 * default_profile. 0 (see m->changed), or -1 (reported; m->errors > 0). */
int sd_migrate(struct sd_migration *m, const char *buf, size_t len,
    const char *name, const char *default_profile);
void sd_migration_free(struct sd_migration *m);
/* A unified diff (3 lines of context) of the input and m->out. */
int sd_migrate_diff(const struct sd_migration *m, const char *name,
    struct sd_buf *out);
/* Writing a migrated file back: writeback.h. */

/* ---------------------------------------------------------------- import.c
 * sd-import(1): the channels of an extended M3U merged into a proxies.ini,
 * one section a channel, changing only the lines that must change. */

struct sd_import_opts {
	enum sd_mode mode;	/* of new sections */
	const char *profile;	/* of new sections; NULL or "": none */
	const char *group_re;	/* POSIX ERE on group-title; NULL: all */
	const char *base;	/* the M3U's URL or absolute path, for
				 * relative entries; NULL: none (stdin) */
	const char *m3u_name;	/* in messages, as NAME:LINE */
	const char *today;	/* YYYY-MM-DD, for the gone mark */
};

struct sd_import_stats {
	size_t channels;	/* imported: in the M3U, selected, usable */
	size_t added, changed, gone, back;	/* sections */
	size_t pinned;		/* left to a section without the mark */
	size_t skipped;		/* entries that cannot be a section */
};

/*
 * Merge the M3U text into the proxies.ini text (ini_len 0: none yet) into
 * m as sd_migrate does; free m with sd_migration_free. Returns SD_EX_OK or
 * a status of sd-import(1) EXIT STATUS, reported.
 */
int sd_import(struct sd_migration *m, const char *ini, size_t ini_len,
    const char *ini_name, const char *m3u, size_t m3u_len,
    const struct sd_import_opts *o, struct sd_import_stats *st);

/* ---------------------------------------------------------------- store.c
 * The segment store DIR/index: sd-store(5). Writing it: store.h. */

#define SD_STORE_MAX_TRACKS 16
#define SD_STORE_MAX_GENS 32	/* header changes remembered at once */

struct sd_store_track {
	char id[16];		/* v0, a0, a1, ts */
	char type[8];		/* video | audio | mpegts */
	char codec[16];		/* FFmpeg codec name */
	char codecs[128];	/* RFC 6381 */
	uint32_t timescale;
	int width, height;
	char frame_rate[16];
	int sample_rate, channels;
	long long bandwidth;	/* peak bit/s over a segment */
	long long avg_bandwidth;
	char lang[8];
};

struct sd_store {
	int live, ended;
	double target;		/* target segment duration, s */
	int window;
	double start;		/* Unix time of t=0 */
	uint64_t discseq;
	struct sd_store_track tracks[SD_STORE_MAX_TRACKS];
	size_t ntracks;
	struct sd_store_seg *segs;	/* store.h */
	size_t nsegs, cap;
	/* Facts that outlive the window's segments (store.h, sd-store(5)). */
	double longest;		/* s */
	struct sd_store_gen {
		uint64_t seq;	/* first segment of the generation */
		double start;	/* its start on the store timeline, s */
	} gens[SD_STORE_MAX_GENS];
	size_t ngens;
	struct sd_store_header *hdrs;	/* by file; only named ones are written */
	size_t nhdrs, hdrcap;
};

void sd_store_init(struct sd_store *st);
void sd_store_free(struct sd_store *st);
/* Read DIR/index; -1 with errno ENOENT when there is none. */
int sd_store_read(struct sd_store *st, const char *dir);
int sd_store_track_index(const struct sd_store *st, const char *id);

/* ---------------------------------------------------------------- hls.c, dash.c
 * Manifest writers over a store (sd-manifest(1)). base_url (NULL or "":
 * relative) prefixes every URI. Each appends to out: 0, or -1 (warned). */

/* The HLS master of the CMAF tracks (master.m3u8); of the mpegts track
 * when the store has nothing else. */
int sd_hls_master(const struct sd_store *st, const char *base_url,
    struct sd_buf *out);
/* The HLS master for version 3 TS clients (master-ts.m3u8). */
int sd_hls_master_ts(const struct sd_store *st, const char *base_url,
    struct sd_buf *out);
/* One track's media playlist (TRACK.m3u8). */
int sd_hls_media(const struct sd_store *st, const char *track,
    const char *base_url, struct sd_buf *out);
/* The DASH MPD (manifest.mpd); now (Unix s) is publishTime and UTCTiming. */
int sd_dash_mpd(const struct sd_store *st, const char *base_url, double now,
    struct sd_buf *out);
/* Every manifest above written into DIR atomically (none while the store
 * has no segment); now as for sd_dash_mpd. */
int sd_manifest_write_all_at(const char *dir, const struct sd_store *st,
    const char *base_url, double now);

/* 1 when base_url may be put in a manifest (NULL: relative URIs): a URL
 * without blanks, quotes, <, >, \\ or control characters. */
int sd_manifest_base_ok(const char *base_url);
/* Now, in Unix seconds: $SOURCE_DATE_EPOCH when set, for reproducible
 * output, else the clock. Only sd-manifest(1) uses the variable. */
double sd_manifest_now(int honour_source_date_epoch);

/* ---------------------------------------------------------------- decide.c
 * The client's format and the delivery decision (sd-decide(1)); the rest,
 * the ffmpeg argv of a transcode included, is in decide_int.h. */

/* What a client takes; HLS_TS: HLS version 3, MPEG-TS segments (old iOS). */
enum sd_client { SD_CLIENT_HLS, SD_CLIENT_HLS_TS, SD_CLIENT_DASH, SD_CLIENT_TS };

/* hls, hls-ts, dash, ts (or mpegts); 0, or -1 when s is none of them. */
int sd_client_parse(const char *s, enum sd_client *c);
/* The rules in DESIGN.md's order (URL, Accept, User-Agent), else HLS;
 * any argument may be NULL; *why (why != NULL): the rule that decided. */
enum sd_client sd_client_format(const char *url, const char *accept,
    const char *ua, const char **why);

struct sd_decide_opts {
	const char *input;	/* ffmpeg's input; NULL: pipe:0 */
	double segment_duration;	/* 0: the profile's, else 2 s */
	const char *dev_root;	/* prefix of device paths checked; NULL:
				 * /dev (sd-decide: $SD_DEV_ROOT, tests) */
};

/*
 * The decision, per track, as the record sd-decide(1) lists (profile NULL:
 * passthrough). Returns SD_EX_OK, or with a warning SD_EX_REFUSED (out
 * says why), SD_EX_DATAERR or SD_EX_CONFIG, as sd-decide(1) EXIT STATUS.
 */
int sd_decide(const struct sd_rec *cls, enum sd_client client,
    const struct sd_profile *profile, const struct sd_decide_opts *o,
    struct sd_rec *out);
/* A proxy's decision: direct mode, delivery=redirect (cls may be NULL);
 * smart, sd_decide with its profile, source (unless o->input) and sd.ini. */
int sd_decide_proxy(const struct sd_config *cfg, const struct sd_proxy *px,
    const struct sd_rec *cls, enum sd_client client,
    const struct sd_decide_opts *o, struct sd_rec *out);

/* ---------------------------------------------------------------- classify
 * sd-classify(1): av_probe.c, av_probe_io.c, av_probe_media.c,
 * av_probe_manifest.c (av_probe_int.h) over classify.c's pure readers
 * (classify.h). */

/* 1 for http:// and https:// URLs (any case). */
int sd_url_is_http(const char *s);

struct sd_classify_opts {
	double timeout;		/* s for the whole classification, default 10 */
	long long probesize;	/* bytes, default 5 MB */
	int follow;		/* 1 (default): probe an HLS master's best
				 * variant for what CODECS does not say */
	const char *headers;	/* "Name: value\r\n" lines, or NULL */
	const char *allow_hosts;	/* hosts besides the source's origin
				 * ("host", "host:port", blank-separated) */
};

void sd_classify_opts_init(struct sd_classify_opts *o);
/*
 * Classify SOURCE (an http(s) URL, a file, or "-") into out (initialised):
 * the record and exit statuses of sd-classify(1); out holds reason= lines
 * in every case. An URL or "-" is read through a guard (guard.c), whose
 * address is http_proxy in the environment while it runs.
 */
enum sd_exit sd_classify(const char *source, const struct sd_classify_opts *o,
    struct sd_rec *out);

/* ------------------------------------------------------------ cmafmux
 * sd-cmafmux(1): options, and the whole run (its parts: av_mux.h). */
struct AVIOContext;
struct sd_edge_ops;
struct sd_mux_opts {
	const char *input;	/* path, URL or "-" (stdin) */
	const char *dir;	/* the store */
	double target;		/* -d: target segment duration, s */
	int live;		/* -l */
	int window;		/* -w: live window, segments */
	int ts;			/* -T: MPEG-TS segments too */
	int index_only;		/* -I: the index, no manifest files */
	int single;		/* -s: one file a track, with a sidx */
	int verbose;		/* -v */
	const char *numbers;	/* -N: the live numbers file (livenum.h) */
	volatile int *stop;	/* set by a signal: finish and end the store */
	struct AVIOContext *pb;	/* read this instead of input (fuzzing) */
	const char *format;	/* a demuxer to use (NULL: probe) */
	/* libavformat's side linked in (&sd_av_edge, av_edge.h); NULL:
	 * loaded from libsd-av.so when an input needs it */
	const struct sd_edge_ops *edge;
};
/* Returns an enum sd_exit value. */
int sd_cmafmux(const struct sd_mux_opts *o);

/* ---------------------------------------------------------------- http.c, serve
 * One request from a CGI environment or a raw HTTP/1.1 head, checked as
 * http.h says. Parsers return 0 or the HTTP status to answer. */

#define SD_HTTP_PATH_MAX 1024	/* decoded path, bytes */
#define SD_HTTP_HEAD_MAX 32768	/* a whole request head */

enum sd_http_method { SD_HTTP_GET, SD_HTTP_HEAD, SD_HTTP_OTHER };

struct sd_http_req {
	enum sd_http_method method;
	char method_name[16];
	char path[SD_HTTP_PATH_MAX];	/* decoded, starts with '/' */
	char query[2048];		/* raw, without '?' */
	char script_name[512];		/* CGI: where sd-serve is mounted */
	char host[256];
	char accept[1024];
	char accept_encoding[256];
	char user_agent[1024];
	char range[128];
	char if_none_match[512];
	char if_modified_since[64];
	char forwarded_proto[16];
	char remote_addr[64];		/* the client's address, if known */
	int https;
	int http10;
	int cgi;			/* from a CGI environment */
};

void sd_http_req_init(struct sd_http_req *rq);
int sd_http_parse_cgi(struct sd_http_req *rq, char *const envp[]);
int sd_http_parse_raw(struct sd_http_req *rq, const char *buf, size_t len);
/* Read a head from fd within timeout_ms, at most cap bytes, nothing more. */
int sd_http_read_head(int fd, char *buf, size_t cap, size_t *len,
    int timeout_ms);
/* A whole short text answer (errors); Allow on 405, Retry-After if > 0. */
int sd_http_simple(struct sd_buf *out, int cgi, int head_only, int status,
    const char *msg, int retry_after);

/* serve.c: the routes of sd-serve(8): one request answered on out_fd (a TS
 * stream until the client leaves). Its status, or -1: not written. */
struct sd_serve_opts {
	int ready_timeout;	/* s, a first manifest waits for a segment */
};
int sd_serve(const struct sd_config *cfg, const struct sd_http_req *rq,
    const struct sd_serve_opts *opts, int out_fd);
/* serve_warn.c: the config for one request (sd_config_load_serving), its
 * warnings logged once per config (SPOOL/.config-warned), errors always. */
int sd_serve_config_load(struct sd_config *cfg, const char *dir);

/* ------------------------------------------------ the relay: sd-relay(7)
 * Its layers: session.h. Fetching (fetch.h) here as sd-import(1) needs. */

#define SD_URL_MAX 2048

struct sd_fetch_opts {
	int connect_timeout_ms;
	int read_timeout_ms;	/* each read; sd_fetch_all: the whole body */
	const char *headers;	/* a proxy's "Name: value\r\n" lines, NULL */
};
void sd_fetch_opts_default(struct sd_fetch_opts *o);
/* A whole body of at most max bytes appended to out. */
int sd_fetch_all(const char *url, const struct sd_fetch_opts *o, size_t max,
    struct sd_buf *out, char *final_url, size_t final_len);

/*
 * supervise.c: one session, the body of sd-session(8), run until idle; its
 * lock is held on SD_SESSION_LOCK_FD. Returns an enum sd_exit.
 */
#define SD_SESSION_LOCK_FD 3
/* A session that opens upstream connections may also hold its provider's
 * slot (provider.c) on this fd, for its whole life. */
#define SD_SESSION_SLOT_FD 4
struct sd_supervise_opts {
	const char *spool, *proxy, *variant;
	const char *source;		/* may be empty for variant "pass" */
	/* the ts session's sources in order (-u each), tried one after
	 * the other (failover); source is the first */
	const char *sources[SD_SOURCES_MAX];
	int nsources;
	int failover_retry;		/* s before the first source again */
	int idle, timeout;		/* idle_timeout, upstream_timeout (s) */
	int window;			/* segments in the live window */
	double segdur;			/* segment duration (s) */
	int ts_segs;			/* sd-cmafmux -T */
	int manifests;			/* -m: manifest files too
					 * (sd-cmafmux without -I) */
	/* the transcoder's argv; NULL: none. For the ts variant, the
	 * ingest ffmpeg of each source in -u order, one after the other,
	 * separated by "--"; none (or an empty one): fetch.c reads it */
	char **ffargv;
	const char *headers;		/* upstream headers (-H), NULL */
	const char *allow_hosts;	/* -A: hosts besides the source's
					 * origin (docs/SECURITY.md), NULL */
};
void sd_supervise_defaults(struct sd_supervise_opts *o);
int sd_supervise_opts_ok(const struct sd_supervise_opts *o);
int sd_supervise(const struct sd_supervise_opts *o);

#endif /* SD_H */