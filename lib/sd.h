/*
 * sd.h - the one public header of libsd.
 *
 * Sections follow the layers of DESIGN.md: pure logic first (records, config,
 * decide, store, manifests, HTTP), then media edges (classify, ingest, CMAF
 * writer), then process edges (sessions). Functions in lib/ never call exit():
 * they report with warnx(3) (messages name path:line where there is one) and
 * return -1, or an enum the caller maps to an exit status.
 */
#ifndef SD_H
#define SD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- util.c */

/*
 * Exit statuses, chosen once for every program (sysexits(3) values where one
 * fits) and documented in each man page's EXIT STATUS.
 */
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
 * A record: ordered key=value pairs, the text between programs
 * (DESIGN.md "Records between programs"). Keys repeat where a list is meant
 * (reason=, ffmpeg_arg=, variant=); such keys are marked "multi" so that JSON
 * output always gives them as arrays.
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
/* Add key=value (printf-style value). Newlines in the value become spaces. */
int sd_rec_add(struct sd_rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, for keys that form a list (always an array in JSON). */
int sd_rec_addm(struct sd_rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Replace the value of the first key (or add it). */
int sd_rec_set(struct sd_rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* First value of key, or NULL. */
const char *sd_rec_get(const struct sd_rec *r, const char *key);
/* The i-th value of key (0-based), or NULL. */
const char *sd_rec_get_nth(const struct sd_rec *r, const char *key, size_t i);
size_t sd_rec_count(const struct sd_rec *r, const char *key);
/* Print as key=value lines, or as one JSON object when json != 0. */
int sd_rec_print(const struct sd_rec *r, FILE *fp, int json);
/*
 * Read key=value lines (bounded: lines of at most 8 KiB, at most 4096
 * lines). Blank lines and lines starting with '#' are skipped. Returns 0, or
 * -1 with a warning naming name:line.
 */
int sd_rec_read(struct sd_rec *r, FILE *fp, const char *name);
int sd_rec_parse(struct sd_rec *r, const char *buf, size_t len, const char *name);

/*
 * Write len bytes to path atomically: a temporary in the same folder, fsync
 * when durable != 0, rename. Mode is the new file's mode (0644 typically).
 */
int sd_write_atomic(const char *path, const void *buf, size_t len, int mode,
    int durable);

/*
 * Write all len bytes to fd. timeout_ms >= 0: each wait for fd to take
 * more is bounded by it (ETIMEDOUT); < 0: wait as long as it takes. A
 * socket is written with MSG_NOSIGNAL: a peer that went away is EPIPE,
 * never SIGPIPE. Returns 0, or -1 with errno.
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

/*
 * Parse a whole decimal integer in [min, max]; errstr as in strtonum(3).
 * Accepts surrounding blanks.
 */
long long sd_strtonum(const char *s, long long min, long long max,
    const char **errstr);

/* Trim blanks at both ends in place; returns s. */
char *sd_trim(char *s);

/* 1 when name is a safe single path component: [A-Za-z0-9._-], no "..". */
int sd_safe_name(const char *name);
/*
 * Where the sibling program name (sd-session, sd-cmafmux, sd-classify) is:
 * next to the running program (or in the folder sd_sibling_dir named), in
 * the libexec folder, in the bin folder, else the bare name for execvp(3)
 * to look up on PATH. -1 (ENAMETOOLONG) when out is too small.
 */
int sd_sibling_path(const char *name, char *out, size_t len);
/* For a test driver that does not live next to the programs: their folder. */
void sd_sibling_dir(const char *dir);

/* ------------------------------------------------------------ codec_table.c
 *
 * What sd knows of codecs and encoders (lib/codec_table.c; its table, the
 * hardware families and the rest are in lib/codec_table.h, for lib/ only).
 * Codecs are named as FFmpeg names them (h264, aac), encoders as profiles.ini
 * and ffmpeg -c do (libx264, h264_vaapi, aac).
 */
/*
 * The codec an encoder makes: "h264", "vp9", "aac", ...; "copy" for copy
 * (or empty); NULL for an encoder sd does not know (it is still passed to
 * ffmpeg as written).
 */
const char *sd_encoder_codec(const char *encoder);
/* The codec as people name it (H.264, E-AC-3); the name when sd has none. */
const char *sd_codec_label(const char *codec);
/* 1 when MPEG-TS carries the codec; 0 for VP9, AV1, Opus and the unknown. */
int sd_codec_in_mpegts(const char *codec);
/*
 * 1 when MPEG-TS carries what the encoder makes: copy, and (sd.ini(5)) an
 * encoder sd does not know, are assumed to fit.
 */
int sd_codec_fits_mpegts(const char *encoder);

/* ---------------------------------------------------------------- config.c */

enum sd_mode { SD_MODE_DIRECT, SD_MODE_SMART };
enum sd_container { SD_CONT_AUTO, SD_CONT_FMP4, SD_CONT_MPEGTS };

#define SD_NAME_MAX 64		/* section names: proxies and profiles */

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
	char source[2048];
	enum sd_mode mode;
	char profile[SD_NAME_MAX];	/* "": passthrough */
	char group[128];
	char logo[1024];
	char tvg_id[128];
	int max_clients;	/* 0: unlimited */
	int number;		/* channel number (tvg-chno), 0: none */
	char path[256];
	int line;
	int profile_line;	/* line of profile (or relay_profile); 0: none */
	int mode_line;		/* line of mode (or proxy_mode); 0: none */
	int source_line;	/* line of source; 0: none */
	int number_line;	/* line of number; 0: none */
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
	int max_sessions;		/* live sessions at once */
	char base_url[512];		/* "" : relative URLs */
	char default_profile[SD_NAME_MAX];
};

struct sd_config {
	char dir[256];			/* the config folder */
	struct sd_proxy *proxies;
	size_t nproxies;
	struct sd_profile *profiles;	/* system ones first, then the user's */
	size_t nprofiles;
	struct sd_settings settings;
	int deprecated;			/* old-schema keys or values were seen */
	int warnings;			/* warnings printed while loading */
};

#define SD_INI_LINE_MAX 4096	/* longer lines are an error */
#define SD_INI_FILE_MAX (4u << 20)	/* larger files do not load */

/* The config folder: opt (-C) if set, else $SD_CONF, else SD_SYSCONFDIR. */
const char *sd_config_dir(const char *opt);
/* The system profiles file: $SD_SHAREDIR/profiles.ini or SD_SHAREDIR's. */
const char *sd_system_profiles_path(void);

/*
 * Load the system profiles, then DIR's profiles.ini, proxies.ini and sd.ini
 * (each optional unless noted in sd.ini(5)). Errors are printed as
 * "path:line: what is wrong; how to fix it". Returns 0 or -1.
 */
int sd_config_load(struct sd_config *cfg, const char *dir);
void sd_config_free(struct sd_config *cfg);
const struct sd_profile *sd_profile_find(const struct sd_config *cfg,
    const char *name);
const struct sd_proxy *sd_proxy_find(const struct sd_config *cfg,
    const char *id);

const char *sd_container_name(enum sd_container c);	/* auto|fmp4|mpegts */
const char *sd_mode_name(enum sd_mode m);		/* direct|smart */
/* 1 when the profile's codecs need fMP4 (VP9, AV1, Opus). */
int sd_profile_requires_fmp4(const struct sd_profile *p);
/*
 * The seed's table, section 1.3: resolve a profile's container. For "auto",
 * copy matches the source's container (source_is_ts), a modern encoder gives
 * fMP4 and VP9/AV1/Opus require it.
 */
enum sd_container sd_container_resolve(const struct sd_profile *p,
    int source_is_ts);
/* A profile with every field at its default (copy/copy, auto, crf -1). */
void sd_profile_defaults(struct sd_profile *p, const char *name);
/* Parse "auto|fmp4|mpegts"; -1 when it is none of them. */
int sd_container_parse(const char *s, enum sd_container *c);
/*
 * A bit rate: plain bit/s or with a k or M suffix ("2500k", "6M"), at most
 * 1000M. Returns 0, or -1 with *errstr set.
 */
int sd_parse_bitrate(const char *s, long long *out, const char **errstr);
/*
 * Check one file's text alone, as a profiles.ini (profiles != 0) or a
 * proxies.ini (profile names are not looked up): errors are printed as
 * name:line, warnings only when warn != 0. Returns 0 or -1.
 */
int sd_config_check_text(const char *buf, size_t len, const char *name,
    int profiles, int warn);
/* The settings of one sd.ini over the defaults (a missing file: the
 * defaults). Returns 0, or -1 after printing what is wrong. */
int sd_settings_load(struct sd_settings *s, const char *path);

/* ---------------------------------------------------------------- migrate.c
 *
 * sd-migrate(1): old-schema proxies.ini and profiles.ini rewritten to the
 * new schema, changing only the bytes that must change (comments, blank
 * lines, order, unknown keys, spacing, CRLF or LF and a UTF-8 BOM stay).
 * A file is a proxies file when its sections use source, mode, proxy_mode
 * or relay_profile, a profiles file when they use video_codec, audio_codec,
 * output_format or container_format; both at once is an error.
 */

enum sd_ini_kind { SD_INI_NONE, SD_INI_PROXIES, SD_INI_PROFILES };

struct sd_migration {
	struct sd_buf out;	/* the migrated text */
	enum sd_ini_kind kind;
	int changed;		/* out differs from the input */
	int errors;		/* conflicts: out must not be written */
	int warnings;
	/* per input line (1-based, [0] unused): what became of it */
	struct sd_mig_line {
		char op;	/* '=' kept, '~' replaced, '-' deleted */
		size_t off, len;	/* its new text in out (for '~', '=') */
		size_t ins_off, ins_len;	/* lines inserted after it */
	} *lines;
	size_t nlines;
	const char *in;		/* the input, for sd_migrate_diff */
	size_t in_len;
};

/*
 * Migrate buf (len bytes, named name in messages: name:line). Relay entries
 * without a profile get default_profile. Returns 0 (see m->changed), or -1
 * when the text cannot be migrated (reported; m->errors > 0).
 */
int sd_migrate(struct sd_migration *m, const char *buf, size_t len,
    const char *name, const char *default_profile);
void sd_migration_free(struct sd_migration *m);
/* A unified diff (3 lines of context) of the input and m->out. */
int sd_migrate_diff(const struct sd_migration *m, const char *name,
    struct sd_buf *out);
/* Writing a migrated file back: writeback.h. */

/* ---------------------------------------------------------------- import.c
 *
 * sd-import(1): the channels of an extended M3U merged into a proxies.ini,
 * one section a channel, changing only the lines that must change (the
 * same line model as sd-migrate). A section sd-import wrote carries the
 * line "; imported by sd-import"; only those are updated, and those whose
 * channel left the M3U get "; gone from the provider on DATE" once.
 */

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
 * Merge the M3U text into the proxies.ini text (ini_len 0: none yet; named
 * ini_name in messages). m->out is the new text, m->changed says whether
 * it differs, and sd_migrate_diff(m) prints the change. Returns SD_EX_OK,
 * SD_EX_FAIL (-g selects no channel), SD_EX_USAGE (a bad -g expression),
 * SD_EX_DATAERR (not an M3U, no usable channel, or a result that would not
 * load), SD_EX_CONFIG (ini does not load as it is) or SD_EX_SOFTWARE; each
 * reported. Free m with sd_migration_free.
 */
int sd_import(struct sd_migration *m, const char *ini, size_t ini_len,
    const char *ini_name, const char *m3u, size_t m3u_len,
    const struct sd_import_opts *o, struct sd_import_stats *st);

/* ---------------------------------------------------------------- store.c
 *
 * The segment store (sd-store(5)): DIR/index, a text file rewritten
 * atomically, naming per track one CMAF header and its segments. Readers use
 * only the index, never the media. Format (one record a line, key=value
 * fields separated by blanks, unknown keys and unknown record types ignored,
 * blank lines and '#' lines skipped):
 *
 *   sd-store 1
 *   store live=1 ended=0 target=2 window=6 start=1732449600.120 discseq=0
 *         longest=2.000
 *   gen seq=0 start=0.000000
 *   track id=v0 type=video codec=h264 codecs=avc1.64001f timescale=90000
 *         width=1280 height=720 frame_rate=25 bandwidth=2400000
 *         avg_bandwidth=2000000 lang=und
 *   track id=a0 type=audio codec=aac codecs=mp4a.40.2 timescale=48000
 *         sample_rate=48000 channels=2 bandwidth=128000 lang=eng
 *   track id=ts type=mpegts codecs=avc1.64001f,mp4a.40.2 timescale=90000
 *   header track=v0 file=v0-init-0.mp4 codecs=avc1.64001f width=1280
 *         height=720 frame_rate=25
 *   seg track=v0 seq=0 t=0 d=180000 bytes=812345 file=v0-0.m4s
 *       init=v0-init-0.mp4 disc=0
 *
 * t and d are in the track's timescale, on one timeline whose origin (t=0) is
 * the store's first presentation time, continuous across discontinuities;
 * t is the segment's media time (what its tfdt says), so DASH can use it.
 * Per track, seq rises by exactly 1 from one segment to the next and
 * segments never overlap; the n-th cut has the same seq in every track.
 * disc=1: a discontinuity before this segment; a new init (header) is only
 * allowed there. discseq: the number of disc=1 segments that have left the
 * window (before the first listed segment), counted once a cut: a
 * discontinuity applies to a cut, so every track marks it. start: wall-clock time (Unix
 * seconds) of t=0, for HLS PROGRAM-DATE-TIME and DASH
 * availabilityStartTime. Track type mpegts lists MPEG-TS segments (all
 * tracks muxed, cut at the same points; no init). Tracks come before the
 * segments that name them. A header record gives what one header (one
 * generation of a track) says: the track record holds the latest values,
 * so a DASH Period of an earlier generation takes its own from its
 * header's record (absent: the track's). Names (track ids, files) are
 * safe single path components (sd_safe_name). sd_store_parse checks all of this and names
 * index:line on error; sd_store_format refuses a store that breaks it.
 */

#define SD_STORE_MAX_TRACKS 16
#define SD_STORE_MAX_SEGS 500000	/* 3 tracks of 2 s segments: 3.8 days */
#define SD_STORE_MAX_GENS 32	/* header changes remembered at once */
#define SD_STORE_MAX_HEADERS 512	/* header records held at once */

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

/* What changes with a header: the values of one generation of a track. */
struct sd_store_header {
	char track[16];		/* the track's id */
	char file[48];		/* the header's file, what seg init= names */
	char codecs[128];
	int width, height;
	char frame_rate[16];
	int sample_rate, channels;
};

struct sd_store_seg {
	uint8_t track;		/* index into tracks[] */
	uint8_t disc;
	uint64_t seq;
	int64_t t;
	int64_t d;
	uint64_t bytes;
	char file[48];
	char init[48];		/* "" for mpegts */
};

struct sd_store {
	int live, ended;
	double target;		/* target segment duration, s */
	int window;
	double start;		/* Unix time of t=0 */
	uint64_t discseq;
	struct sd_store_track tracks[SD_STORE_MAX_TRACKS];
	size_t ntracks;
	struct sd_store_seg *segs;
	size_t nsegs, cap;
	/*
	 * Kept by sd_store_add_seg and carried in the index, so that facts
	 * outlive the segments that leave a live window: the longest segment
	 * ever added (HLS TARGETDURATION must never shrink or change), and
	 * where each header generation began (a DASH Period keeps its start
	 * after its first segment is gone). Writers that build segs[] by hand
	 * may leave them zero: readers then derive them from the listed
	 * segments.
	 */
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
/* Parse an index (st is reset first); name is for messages (DIR/index). */
int sd_store_parse(struct sd_store *st, const char *buf, size_t len,
    const char *name);
/* Read DIR/index; -1 with errno ENOENT when there is none. */
int sd_store_read(struct sd_store *st, const char *dir);
/* Serialise to the index format; write atomically to DIR/index. */
int sd_store_format(const struct sd_store *st, struct sd_buf *out);
int sd_store_write(const struct sd_store *st, const char *dir);
int sd_store_track_index(const struct sd_store *st, const char *id);
/*
 * Append a segment after checking it (names safe, track known, seq the next
 * of its track, no overlap, a new init only with disc=1, at most
 * SD_STORE_MAX_SEGS); keeps longest, gens[] and the track's peak bandwidth.
 * Returns 0, or -1 with a warning.
 */
int sd_store_add_seg(struct sd_store *st, const struct sd_store_seg *seg);
/*
 * Forget the segments of every track with seq < first_seq (a live window
 * sliding), adding the cuts with a discontinuity to discseq. Deleting their
 * files later is the caller's business (sd-store(5): after their duration
 * plus the playlist's). Returns how many entries were removed.
 */
size_t sd_store_trim(struct sd_store *st, uint64_t first_seq);
/*
 * Record what a header says (replacing a record of the same file), as soon
 * as the header is written: the index carries it while a listed segment
 * names the header. Returns 0, or -1 with a warning.
 */
int sd_store_note_header(struct sd_store *st, const struct sd_store_header *h);
/*
 * Track k as its header init says: the track record with the header
 * record's codecs, size, frame rate and audio values over it (the track's
 * own where the header record has none, or init is NULL or unknown).
 */
void sd_store_track_as(const struct sd_store *st, size_t k, const char *init,
    struct sd_store_track *out);

/* ---------------------------------------------------------------- hls.c, dash.c
 *
 * Manifest writers over a store (sd-manifest(1)). Pure functions of the
 * index: cheap enough for sd-serve to call per request. base_url (NULL or
 * "" for relative URIs) is prefixed literally to every segment, header and
 * playlist URI; it must be a URL without blanks, quotes, <, >, \\ or
 * control characters. Each builder appends to out and returns 0, or -1
 * with a warning (unknown track, no segments yet, bad base URL).
 */

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
/*
 * Write every manifest of the store into DIR, each atomically: TRACK.m3u8
 * per track, then master.m3u8, master-ts.m3u8 (with an mpegts track) and
 * manifest.mpd (with CMAF tracks). A store with no segment yet gets none.
 * sd-cmafmux calls this after each index write.
 */
int sd_manifest_write_all(const char *dir, const struct sd_store *st,
    const char *base_url);
int sd_manifest_write_all_at(const char *dir, const struct sd_store *st,
    const char *base_url, double now);

/* 1 when base_url may be put in a manifest (NULL: relative URIs). */
int sd_manifest_base_ok(const char *base_url);
/* Now, in Unix seconds: $SOURCE_DATE_EPOCH when set, for reproducible
 * output, else the clock. Only sd-manifest(1) uses the variable. */
double sd_manifest_now(int honour_source_date_epoch);

/* ---------------------------------------------------------------- decide.c, ffargs.c
 *
 * The client's format, the delivery decision (sd-decide(1)) and the ffmpeg
 * argv of a transcode (the seed's command_builder). Pure logic: no libav*,
 * no I/O but the hardware-device check (access(2) on a device path).
 */

/*
 * What a client takes. SD_CLIENT_HLS_TS is an HLS client known to need
 * MPEG-TS segments (HLS version 3: iOS before 10, ?format=hls-ts).
 */
enum sd_client { SD_CLIENT_HLS, SD_CLIENT_HLS_TS, SD_CLIENT_DASH, SD_CLIENT_TS };

const char *sd_client_name(enum sd_client c);	/* hls|hls-ts|dash|ts */
/* hls, hls-ts, dash, ts (or mpegts); 0, or -1 when s is none of them. */
int sd_client_parse(const char *s, enum sd_client *c);
/*
 * One rule each, 0 when it decides (*c set), -1 when it has no opinion:
 * the URL (?format=, else a path ending .m3u8, .mpd or .ts), the Accept
 * header (the media range with the highest q among the HLS, DASH and
 * MPEG-TS types) and the User-Agent (VLC, Kodi, Plex, Jellyfin, Emby,
 * ffmpeg/Lavf: ts; AppleCoreMedia, Safari that is not Chrome: hls, or
 * hls-ts for iOS before 10).
 */
int sd_client_from_url(const char *url, enum sd_client *c);
int sd_client_from_accept(const char *accept, enum sd_client *c);
int sd_client_from_ua(const char *ua, enum sd_client *c);
/*
 * The three rules in DESIGN.md's order (URL, Accept, User-Agent), else
 * SD_CLIENT_HLS (most players and browsers take it). Any argument may be
 * NULL. *why (when why != NULL) tells which rule decided.
 */
enum sd_client sd_client_format(const char *url, const char *accept,
    const char *ua, const char **why);

/* The facts of a classification record (sd-classify(1)) that decide uses. */
struct sd_source {
	char format[16];	/* hls | dash | mpegts | other */
	char segments[8];	/* HLS: ts | fmp4 */
	char container[32];
	char video_codec[32];	/* "": no video */
	int width, height;	/* 0: unknown */
	double frame_rate;	/* 0: unknown */
	long long video_bitrate;	/* bit/s; 0: unknown */
	char audio_codec[32];	/* "": no audio; else the first track's */
	int audio_tracks;
	int channels, sample_rate;	/* 0: unknown */
	long long audio_bitrate;
	int live, encrypted;
	char video_profile[32];	/* "High", "High 10", "Main 10"; "" unknown */
};
/* Read a classification record; -1 with a warning when a key is bad. */
int sd_source_from_rec(const struct sd_rec *cls, struct sd_source *src);

/* What a transcode does, track by track: the input of the argv builder. */
struct sd_plan {
	char video[32];		/* "copy", "none" or the encoder */
	char audio[32];
	enum sd_container container;	/* SD_CONT_FMP4 or SD_CONT_MPEGTS */
	char hw[8];		/* "", nvenc, qsv, vaapi: from the encoder */
	char hw_device[256];	/* the device the encoder opens */
	double segment_duration;	/* s: keyframe every segment */
};

/* A NULL-terminated argv that owns its strings. */
struct sd_argv {
	char **v;
	size_t n, cap;
};
void sd_argv_init(struct sd_argv *av);
void sd_argv_free(struct sd_argv *av);
int sd_argv_add(struct sd_argv *av, const char *arg);
/* Add each blank-separated word of s (profile option strings). */
int sd_argv_add_words(struct sd_argv *av, const char *s);

/*
 * The ffmpeg argv of a plan (argv[0] is "ffmpeg"): input options, hardware
 * device, -i input (NULL: pipe:0), maps (the first video, every audio),
 * codecs with preset, crf, bitrates, scaling, frame rate and keyframes on
 * segment boundaries, the profile's output options, then -f mpegts pipe:1
 * when MPEG-TS carries every output codec, else -f matroska pipe:1 (nut
 * for libaom-av1; see sd_plan_pipe_format).
 */
int sd_ffmpeg_argv(const struct sd_profile *p, const struct sd_source *src,
    const struct sd_plan *plan, const char *input, struct sd_argv *av);
/* "mpegts", "matroska" or (libaom-av1) "nut": what the argv writes. */
const char *sd_plan_pipe_format(const struct sd_source *src,
    const struct sd_plan *plan);

struct sd_decide_opts {
	const char *input;	/* ffmpeg's input; NULL: pipe:0 */
	double segment_duration;	/* 0: the profile's, else 2 s */
	/*
	 * Prefix of the hardware device paths checked (NULL or "": the real
	 * /dev). For tests: sd-decide takes it from $SD_DEV_ROOT.
	 */
	const char *dev_root;
};

/*
 * The decision of seed 2.1/2.2, per track: out gets delivery=, client=,
 * profile=, container=, hls_version=, video=, audio=, pipe_format=,
 * reason= lines, warning= lines and, for a transcode, ffmpeg_arg= lines
 * (sd-decide(1) lists them). profile NULL: passthrough. Returns SD_EX_OK,
 * SD_EX_REFUSED (the client cannot take the result: out holds
 * delivery=refused and a reason saying what to change), SD_EX_DATAERR (bad
 * classification record) or SD_EX_CONFIG (the profile's hardware is
 * missing and it has no fallback = software), with a warning.
 */
int sd_decide(const struct sd_rec *cls, enum sd_client client,
    const struct sd_profile *profile, const struct sd_decide_opts *o,
    struct sd_rec *out);
/*
 * A proxy's decision: direct mode gives delivery=redirect and location=
 * (cls may then be NULL); smart mode finds the proxy's profile and calls
 * sd_decide with the proxy's source as input (unless o->input is set) and
 * sd.ini's segment duration.
 */
int sd_decide_proxy(const struct sd_config *cfg, const struct sd_proxy *px,
    const struct sd_rec *cls, enum sd_client client,
    const struct sd_decide_opts *o, struct sd_rec *out);
/* The ffmpeg_arg= lines of a decision as an argv; -1 when there are none. */
int sd_decision_argv(const struct sd_rec *decision, struct sd_argv *av);

/* ---------------------------------------------------------------- classify
 *
 * sd-classify(1): what a source is. classify.c holds the pure sniffers and
 * playlist readers (over a byte buffer they are handed, bounded and
 * hostile-safe); av_probe.c the libavformat edge that opens the source,
 * follows an HLS master to its best variant and fills the record whose keys
 * sd-classify(1) lists.
 */

enum sd_format { SD_FMT_OTHER, SD_FMT_HLS, SD_FMT_DASH, SD_FMT_MPEGTS };

/* From the content only: #EXTM3U, an <MPD> root, or 0x47 sync bytes at a
 * 188, 192 or 204 byte stride. SD_FMT_OTHER when none holds. */
enum sd_format sd_sniff_format(const void *buf, size_t len);
const char *sd_format_name(enum sd_format f);	/* hls|dash|mpegts|other */
/* 1 when most MPEG-TS packets with a payload are scrambled (conditional
 * access): such a source cannot be repackaged or transcoded. */
int sd_ts_scrambled(const void *buf, size_t len);

#define SD_HLS_MAX_VARIANTS 64
#define SD_HLS_MAX_MEDIA 32
#define SD_URI_MAX 2048

struct sd_hls_variant {
	long long bandwidth, avg_bandwidth;	/* bit/s; 0: not given */
	int width, height;			/* 0: no RESOLUTION */
	char frame_rate[16];
	char codecs[256];			/* "" : no CODECS */
	char audio[64];				/* AUDIO group id */
	char uri[SD_URI_MAX];
};

struct sd_hls_media {				/* EXT-X-MEDIA */
	char type[16], group[64], lang[16], name[64];
	char uri[SD_URI_MAX];			/* "" : in the variant */
	int is_default;
};

enum sd_hls_segs { SD_SEGS_UNKNOWN, SD_SEGS_TS, SD_SEGS_FMP4 };

struct sd_hls {
	int master;			/* 1: master, 0: media playlist */
	int version;			/* EXT-X-VERSION, 0: absent */
	struct sd_hls_variant variants[SD_HLS_MAX_VARIANTS];
	size_t nvariants;
	size_t nvariants_seen;		/* past SD_HLS_MAX_VARIANTS too */
	struct sd_hls_media media[SD_HLS_MAX_MEDIA];
	size_t nmedia;
	/* media playlist */
	int encrypted;			/* EXT-X-KEY or EXT-X-SESSION-KEY
					 * with METHOD other than NONE */
	char key_method[32];
	int endlist;
	char playlist_type[16];		/* VOD, EVENT or "" */
	double target_duration;		/* s, 0: absent */
	long long media_sequence;
	size_t nsegments;
	double duration;		/* sum of EXTINF, s */
	enum sd_hls_segs segs;
	char map_uri[SD_URI_MAX];	/* EXT-X-MAP */
	char first_uri[SD_URI_MAX];	/* the first segment */
	int has_target;			/* EXT-X-TARGETDURATION seen */
	size_t nchannels;		/* EXTINF entries of an IPTV channel
					 * list: duration <= 0, tvg- or
					 * group-title attributes */
};

/* 1 when an #EXTM3U file is an IPTV channel list (an M3U of channel URLs,
 * EXTINF:-1 tvg-id=...), not an HLS playlist: no EXT-X-TARGETDURATION,
 * channel-style entries. */
int sd_hls_is_channel_list(const struct sd_hls *h);

/*
 * Read an HLS playlist. Returns 0, or -1 when it does not start with
 * #EXTM3U. Unknown tags are ignored; over-long lines and lists are cut, never
 * overrun.
 */
int sd_hls_parse(const char *buf, size_t len, struct sd_hls *h);
/* The variant to follow: the highest BANDWIDTH, then the largest picture;
 * -1 when there is none. */
int sd_hls_best_variant(const struct sd_hls *h);

#define SD_DASH_MAX_REPS 64

struct sd_dash_rep {
	char id[64];
	char content_type[16];		/* video|audio|text|"" */
	char mime[64];
	char codecs[128];
	long long bandwidth;
	int width, height;
	char frame_rate[16];
	int sample_rate;
	char lang[16];
};

struct sd_dash {
	int dynamic;			/* type="dynamic" */
	char profiles[256];
	double min_buffer_time;		/* s */
	double duration;		/* mediaPresentationDuration, s */
	int encrypted;			/* a ContentProtection element */
	size_t nperiods;
	struct sd_dash_rep reps[SD_DASH_MAX_REPS];
	size_t nreps;
	size_t nreps_seen;
};

/* Read a DASH MPD (a minimal, bounded XML reader). Returns 0, or -1 when
 * there is no MPD root element. */
int sd_dash_parse(const char *buf, size_t len, struct sd_dash *d);

/* ISO 8601 duration (PT1M30.5S, P1DT2H) in seconds; -1 when invalid. */
double sd_iso8601_duration(const char *s);

/*
 * url.c: resolve a URI reference against the URL it was found in (a
 * playlist, an MPD, a redirect's request), as RFC 3986 section 5.2 says:
 * "?x" keeps the base's path, "../" and "./" are removed. A base that is a
 * relative file path keeps the reference's dot segments for the file
 * system. Returns 0, or -1 (ENAMETOOLONG) when out is too small.
 */
int sd_url_resolve(const char *base, const char *ref, char *out, size_t len);
/* 1 for http:// and https:// URLs (any case). */
int sd_url_is_http(const char *s);

/* The FFmpeg codec name a CODECS entry names (avc1.64001f -> h264), or
 * NULL. */
const char *sd_codec_from_rfc6381(const char *entry);

struct sd_classify_opts {
	double timeout;		/* s for the whole classification, default 10 */
	long long probesize;	/* bytes, default 5 MB */
	int follow;		/* 1 (default): probe an HLS master's best
				 * variant for what CODECS does not say */
};

void sd_classify_opts_init(struct sd_classify_opts *o);
/*
 * Classify SOURCE (an http(s) URL, a file, or "-" for stdin) into out (which
 * the caller initialised). Returns SD_EX_OK, SD_EX_NOINPUT (no such file),
 * SD_EX_UNAVAILABLE (unreachable: refused, no route, HTTP error),
 * SD_EX_TEMPFAIL (the timeout passed), SD_EX_DATAERR (read, not
 * recognised) or SD_EX_SOFTWARE; out holds reason= lines in every case.
 */
enum sd_exit sd_classify(const char *source, const struct sd_classify_opts *o,
    struct sd_rec *out);

/* ---------------------------------------------------------------- cmafmux
 *
 * sd-cmafmux(1) is sd_cmafmux() below. Its flow (demux, codec handling,
 * timeline, cut policy, writers, store) is drawn in av_mux.h; its parts
 * declare what they share in internal headers beside them. Under them,
 * pure and without libav*: cmaf.c writes the ISO BMFF boxes, nal.c reads
 * H.264/HEVC (Annex B, avcC, hvcC, SPS), codec_config.c makes the other
 * configuration records (av1C, vpcC, dac3, dec3, dOps, esds), bits.c is
 * the bit reader they share; av_codecs.c gives the RFC 6381 codecs strings.
 */

/* sd-cmafmux(1): options, and the whole run. */
struct AVIOContext;
struct sd_mux_opts {
	const char *input;	/* path, URL or "-" (stdin) */
	const char *dir;	/* the store */
	double target;		/* -d: target segment duration, s */
	int live;		/* -l */
	int window;		/* -w: live window, segments */
	int ts;			/* -T: MPEG-TS segments too */
	int verbose;		/* -v */
	volatile int *stop;	/* set by a signal: finish and end the store */
	struct AVIOContext *pb;	/* read this instead of input (fuzzing) */
	const char *format;	/* a demuxer to use (NULL: probe) */
};
/* Returns an enum sd_exit value. */
int sd_cmafmux(const struct sd_mux_opts *o);

/* ---------------------------------------------------------------- http.c, serve
 *
 * http.c: one request from a CGI environment or a raw HTTP/1.1 head into
 * struct sd_http_req, the path percent-decoded and checked (no "." or ".."
 * component, no encoded slash or backslash, no NUL or control byte, no
 * empty component); GET and HEAD only. Pure but for sd_http_read_head.
 * Parsers return 0 or the HTTP status to answer (400, 405, 408, 414, 431).
 */

#define SD_HTTP_PATH_MAX 1024	/* decoded path, bytes */
#define SD_HTTP_LINE_MAX 8192	/* one request or header line */
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
int sd_http_decode_path(const char *raw, size_t rawlen, char *out,
    size_t outlen);
int sd_http_path_ok(const char *path);
/* Decode query parameter key into out; -1 when absent or unusable. */
int sd_http_query_get(const char *query, const char *key, char *out,
    size_t outlen);
/* One byte range: 1 [first,last] set, 0 whole file, -1 unsatisfiable. */
int sd_http_range(const char *hdr, uint64_t size, uint64_t *first,
    uint64_t *last);
const char *sd_http_reason(int code);
const char *sd_http_content_type(const char *name);
const char *sd_http_cache_control(const char *name, int live);
void sd_http_etag(char *buf, size_t len, uint64_t size, int64_t mtime_sec,
    long mtime_nsec);
int sd_http_etag_match(const char *if_none_match, const char *etag);
void sd_http_date(char *buf, size_t len, long long t);
long long sd_http_parse_date(const char *s);
int sd_http_not_modified(const struct sd_http_req *rq, const char *etag,
    long long mtime);

/* A response head being built; a refused header poisons it (failed). */
struct sd_http_resp {
	int status;
	struct sd_buf head;
	int failed;
};
void sd_http_resp_init(struct sd_http_resp *rs, int status);
void sd_http_resp_free(struct sd_http_resp *rs);
/* Refuses (-1, rs->failed) a bad name or a value with CR, LF or controls. */
int sd_http_header(struct sd_http_resp *rs, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Status line (inetd) or Status: (CGI), CORS, headers, empty line. */
int sd_http_resp_head(const struct sd_http_resp *rs, int cgi,
    struct sd_buf *out);
/* A whole short text answer (errors); Allow on 405, Retry-After if > 0. */
int sd_http_simple(struct sd_buf *out, int cgi, int head_only, int status,
    const char *msg, int retry_after);

/*
 * serve.c: the routes of sd-serve(8) over a loaded config. Answers one
 * request on out_fd (the body of a TS stream may run until the client
 * leaves). Returns the status it answered, or -1 when the answer could
 * not be written.
 */
struct sd_serve_opts {
	int ready_timeout;	/* s, a first manifest waits for a segment */
};
int sd_serve(const struct sd_config *cfg, const struct sd_http_req *rq,
    const struct sd_serve_opts *opts, int out_fd);

/* ------------------------------------------------ the relay: sd-relay(7)
 *
 * The upstream side of sd-serve(8) smart mode. One upstream connection per
 * proxy: a detached session process, sd-session(8), reads the source once
 * into a ring of TS chunk files in the spool; TS clients tail the ring, and
 * each repackage/transcode variant is a second session feeding
 * `[ffmpeg ARGV |] sd-cmafmux -l -o DIR` from the same ring. No libav* here.
 * In layers, each using only those above it in this list:
 *
 *   spool.c	paths, locks, stamps, state files, the clock (spool.h)
 *   ring.c	the TS ring and TS clients (ring.h); viewers.c: max_clients
 *   supervise.c	the session's loops: upstream, pipeline, passthrough
 *   session.c	starting sessions, readiness, /status (session.h)
 *
 * fetch.c (HTTP) serves supervise.c and passthru.c; passthru.c (HLS/DASH
 * passthrough) stands on spool.c and session.c. The spool's files are
 * listed in sd-relay(7) FILES.
 */

#define SD_URL_MAX 2048
#define SD_FETCH_MAX_REDIRECTS 5

struct sd_url {
	char scheme[8];		/* http | https */
	char host[256];		/* without [] for IPv6 */
	int port;
	char path[SD_URL_MAX];	/* path and query, "/" at least */
};
/* Parse an http:// or https:// URL (no user:password@). */
int sd_url_parse(const char *url, struct sd_url *u);

struct sd_fetch_opts {
	int connect_timeout_ms;
	int read_timeout_ms;	/* each read; sd_fetch_all: the whole body */
};
void sd_fetch_opts_default(struct sd_fetch_opts *o);

/* One GET; http:// here, https:// through a curl(1) child. */
struct sd_fetch {
	int fd;
	int pid;		/* the https child, 0 */
	int status;		/* of the final response */
	int chunked, chunk_started, eof;
	long long remaining;	/* Content-Length left, -1: to EOF */
	long long chunk_left;
	int timeout_ms;
	char url[SD_URL_MAX];	/* after redirects */
	char location[SD_URL_MAX];
	char content_type[128];
	size_t off, len;
	char buf[32768];
};
/*
 * Connect, send the request, read the head, follow at most
 * SD_FETCH_MAX_REDIRECTS redirects. 0 with a 2xx response ready to read;
 * -1 with errno (ETIMEDOUT, ECONNREFUSED, ELOOP, EPROTO: a non-2xx status,
 * in f->status).
 */
int sd_fetch_open(struct sd_fetch *f, const char *url,
    const struct sd_fetch_opts *o);
/* Body bytes (chunked coding removed): > 0, 0 at the end, -1 (ETIMEDOUT). */
ssize_t sd_fetch_read(struct sd_fetch *f, void *buf, size_t n);
int sd_fetch_close(struct sd_fetch *f);
/* The response already on fd (tests, fuzzing): its head read as above. */
int sd_fetch_fd(struct sd_fetch *f, int fd, const char *url, int timeout_ms);
/* A whole body of at most max bytes appended to out. */
int sd_fetch_all(const char *url, const struct sd_fetch_opts *o, size_t max,
    struct sd_buf *out, char *final_url, size_t final_len);

/*
 * Make sure PROXY's upstream session runs (variant "ts"), and for another
 * variant its pipeline session too, starting each detached under its lock
 * when it is not running; mark it used now; write the variant's spool
 * directory (SPOOL/PROXY/VAR) into dir. decision: the sd-decide record
 * whose ffmpeg_arg= list is the transcoder's argv (its input is replaced
 * by pipe:0); NULL or no ffmpeg_arg: sd-cmafmux reads the source's TS
 * directly. A first start waits (bounded by upstream_timeout) for the
 * upstream's first answer. Returns 0, or -1 with errno EAGAIN
 * (max_sessions reached: 503), EHOSTDOWN (the upstream stays down: 503
 * with Retry-After: sd_relay_retry_after), EINVAL (bad names), other.
 */
int sd_relay_ensure(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, const struct sd_rec *decision, char *dir,
    size_t dirlen);
/* Seconds a client should wait before asking again (Retry-After). */
int sd_relay_retry_after(const char *dir);
/*
 * Copy the live TS of the ring in dir (SPOOL/PROXY/ts) to out_fd from the
 * live edge, byte for byte as the source sent it, until the client goes
 * away (0), the session ends (0) or no data came for a long time (-1,
 * ETIMEDOUT). Keeps the session used while it copies.
 */
int sd_relay_tail(const char *dir, int out_fd);
/* Wait at most timeout s until the store in dir lists a segment: 0 or -1. */
int sd_session_wait_ready(const char *dir, int timeout);
/*
 * Count a streaming client of px in: a handle (a held lock, >= 0) for
 * sd_viewer_leave, or -1 with errno EBUSY when max_clients (> 0) are in.
 * A client that crashes leaves nothing counted.
 */
int sd_viewer_enter(const struct sd_config *cfg, const struct sd_proxy *px);
void sd_viewer_leave(int handle);
/*
 * An HLS/DASH client (who: e.g. its address and User-Agent) asked for px
 * now: 0 when it counts, -1 with errno EBUSY when max_clients others are
 * in. Such a client counts for 30 s after its last request.
 */
int sd_viewer_seen(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *who);
/* Clients of px in now (stale ones removed). */
int sd_viewer_count(const struct sd_config *cfg, const struct sd_proxy *px);
/*
 * /status: appends {"sessions":[{"proxy","variant","pid","state",
 * "connections","restarts","bytes","started","since","last_used",
 * "clients","retry_after","last_error"}...]} (valid JSON).
 */
int sd_relay_status(const struct sd_config *cfg, struct sd_buf *out);

/*
 * HLS->HLS, DASH->DASH passthrough (passthru.c). sd_relay_manifest: the
 * upstream manifest `name` ("" or the source's own file name for the
 * source; a name this function wrote, p/HASH.m3u8, for a media playlist)
 * with every URI rewritten under base (e.g. "/sd-serve/PROXY/"); DASH
 * gets a BaseURL under base. sd_relay_segment: the file a rewritten URI
 * names (s/HASH.EXT or d/HASH/PATH), fetched once into SPOOL/PROXY/pass
 * and its path written to path. -1 with errno ENOENT (not a name we
 * gave), EHOSTDOWN (upstream failed), other.
 */
int sd_relay_manifest(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *name, const char *base, struct sd_buf *out);
int sd_relay_segment(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *name, char *path, size_t pathlen);

/*
 * Rewrite a manifest body (NUL-terminated at len) fetched from `from`:
 * HLS or DASH by its content. pass: where HASH.url files go (NULL: none).
 */
int sd_pass_rewrite(const char *body, size_t len, const char *pass,
    const char *from, const char *base, struct sd_buf *out);

/*
 * supervise.c: one session of sd-relay(7), the body of sd-session(8), run
 * until it is idle; the session's lock is held on SD_SESSION_LOCK_FD.
 * Returns an exit status (enum sd_exit).
 */
#define SD_SESSION_LOCK_FD 3
struct sd_supervise_opts {
	const char *spool, *proxy, *variant;
	const char *source;		/* may be empty for variant "pass" */
	int idle, timeout;		/* idle_timeout, upstream_timeout (s) */
	int window;			/* segments in the live window */
	double segdur;			/* segment duration (s) */
	int ts_segs;			/* sd-cmafmux -T */
	char **ffargv;			/* the transcoder's argv; NULL: none */
};
void sd_supervise_defaults(struct sd_supervise_opts *o);
int sd_supervise_opts_ok(const struct sd_supervise_opts *o);
int sd_supervise(const struct sd_supervise_opts *o);

#endif /* SD_H */
