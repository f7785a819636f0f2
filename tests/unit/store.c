/* store.c - the segment store index: round trips, upkeep, hostile lines. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd.h"
#include "store.h"
#include "mtap.h"

static const char sample[] =
    "sd-store 1\n"
    "store live=1 ended=0 target=2 window=6 start=1732449600.12 discseq=3"
    " longest=2.5\n"
    "gen seq=10 start=20\n"
    "track id=v0 type=video codec=h264 codecs=avc1.64001f timescale=90000"
    " width=1280 height=720 frame_rate=25 bandwidth=2400000"
    " avg_bandwidth=2000000 lang=und\n"
    "track id=a0 type=audio codec=aac codecs=mp4a.40.2 timescale=48000"
    " sample_rate=48000 channels=2 bandwidth=128000 lang=eng\n"
    "track id=ts type=mpegts codecs=avc1.64001f,mp4a.40.2 timescale=90000\n"
    "seg track=v0 seq=12 t=2160000 d=180000 bytes=500000 file=v0-12.m4s"
    " init=v0-init-0.mp4 disc=0\n"
    "seg track=a0 seq=12 t=1152000 d=96000 bytes=24000 file=a0-12.m4s"
    " init=a0-init-0.mp4 disc=0\n"
    "seg track=ts seq=12 t=2160000 d=180000 bytes=540000 file=ts-12.ts"
    " disc=0\n"
    "seg track=v0 seq=13 t=2340000 d=180000 bytes=400000 file=v0-13.m4s"
    " init=v0-init-1.mp4 disc=1\n"
    "seg track=a0 seq=13 t=1248000 d=96000 bytes=24000 file=a0-13.m4s"
    " init=a0-init-0.mp4 disc=1\n"
    "seg track=ts seq=13 t=2340000 d=180000 bytes=440000 file=ts-13.ts"
    " disc=1\n";

/* The sample as sd_store_format writes it back. */
static const char sample_out[] =
    "sd-store 1\n"
    "store live=1 ended=0 target=2 window=6 start=1732449600.12 discseq=3"
    " longest=2.5\n"
    "gen seq=10 start=20\n"
    "gen seq=13 start=26\n"
    "track id=v0 type=video codec=h264 codecs=avc1.64001f timescale=90000"
    " width=1280 height=720 frame_rate=25 bandwidth=2400000"
    " avg_bandwidth=2000000 lang=und\n"
    "track id=a0 type=audio codec=aac codecs=mp4a.40.2 timescale=48000"
    " sample_rate=48000 channels=2 bandwidth=128000 lang=eng\n"
    "track id=ts type=mpegts codecs=avc1.64001f,mp4a.40.2 timescale=90000"
    " bandwidth=2160000\n"
    "seg track=v0 seq=12 t=2160000 d=180000 bytes=500000 file=v0-12.m4s"
    " init=v0-init-0.mp4 disc=0\n"
    "seg track=a0 seq=12 t=1152000 d=96000 bytes=24000 file=a0-12.m4s"
    " init=a0-init-0.mp4 disc=0\n"
    "seg track=ts seq=12 t=2160000 d=180000 bytes=540000 file=ts-12.ts"
    " disc=0\n"
    "seg track=v0 seq=13 t=2340000 d=180000 bytes=400000 file=v0-13.m4s"
    " init=v0-init-1.mp4 disc=1\n"
    "seg track=a0 seq=13 t=1248000 d=96000 bytes=24000 file=a0-13.m4s"
    " init=a0-init-0.mp4 disc=1\n"
    "seg track=ts seq=13 t=2340000 d=180000 bytes=440000 file=ts-13.ts"
    " disc=1\n";

static void
test_sample(void)
{
	struct sd_store st;
	struct sd_buf b;
	int rv;

	sd_store_init(&st);
	rv = sd_store_parse(&st, sample, strlen(sample), "index");
	ok(rv == 0, "sample index parses");
	ok(st.live == 1 && st.ended == 0 && st.window == 6 &&
	    st.discseq == 3, "store fields");
	ok(st.target == 2 && st.start > 1732449600.119 &&
	    st.start < 1732449600.121, "decimal fields");
	ok(st.ntracks == 3 && st.nsegs == 6, "3 tracks, 6 segments");
	ok(strcmp(st.tracks[1].lang, "eng") == 0 &&
	    st.tracks[1].channels == 2 && st.tracks[0].width == 1280 &&
	    st.tracks[0].timescale == 90000, "track fields");
	ok(st.segs[3].disc == 1 && st.segs[3].seq == 13 &&
	    strcmp(st.segs[3].init, "v0-init-1.mp4") == 0 &&
	    st.segs[2].init[0] == '\0', "segment fields");
	ok(sd_store_track_index(&st, "ts") == 2 &&
	    sd_store_track_index(&st, "x") == -1, "sd_store_track_index");
	ok(st.ngens == 2 && st.gens[1].seq == 13 && st.gens[1].start == 26,
	    "a new init generation is remembered");
	sd_buf_init(&b);
	ok(sd_store_format(&st, &b) == 0, "format");
	is_str(b.p, sample_out, "format gives the documented text");
	sd_buf_free(&b);
	sd_store_free(&st);
}

static void
add(struct sd_store *st, int track, uint64_t seq, int64_t t, int64_t d,
    int disc, const char *init)
{
	struct sd_store_seg s;

	memset(&s, 0, sizeof(s));
	s.track = (uint8_t)track;
	s.seq = seq;
	s.t = t;
	s.d = d;
	s.disc = (uint8_t)disc;
	s.bytes = 1000;
	snprintf(s.file, sizeof(s.file), "%s-%llu.m4s", st->tracks[track].id,
	    (unsigned long long)seq);
	strlcpy(s.init, init, sizeof(s.init));
	if (sd_store_add_seg(st, &s) == -1)
		printf("# add_seg failed\n");
}

static void
make_store(struct sd_store *st)
{
	struct sd_store_track *t;

	sd_store_init(st);
	st->live = 1;
	st->target = 2;
	st->window = 3;
	st->start = 1700000000.5;
	t = &st->tracks[st->ntracks++];
	strlcpy(t->id, "v0", sizeof(t->id));
	strlcpy(t->type, "video", sizeof(t->type));
	strlcpy(t->codecs, "avc1.42c00d", sizeof(t->codecs));
	t->timescale = 90000;
	t = &st->tracks[st->ntracks++];
	strlcpy(t->id, "a0", sizeof(t->id));
	strlcpy(t->type, "audio", sizeof(t->type));
	t->timescale = 48000;
}

static void
test_api(void)
{
	struct sd_store st, back;
	struct sd_buf b1, b2;
	char dir[PATH_MAX], path[PATH_MAX + 8];
	const char *top = getenv("SD_TOP"), *err;
	size_t removed;
	int rv;

	make_store(&st);
	add(&st, 0, 0, 0, 180000, 0, "v0-i0.mp4");
	add(&st, 1, 0, 0, 96000, 0, "a0-i0.mp4");
	add(&st, 0, 1, 180000, 225000, 0, "v0-i0.mp4");
	add(&st, 1, 1, 96000, 96000, 0, "a0-i0.mp4");
	add(&st, 0, 2, 405000, 180000, 1, "v0-i1.mp4");
	add(&st, 1, 2, 192000, 96000, 1, "a0-i1.mp4");
	add(&st, 0, 3, 585000, 180000, 1, "v0-i1.mp4");
	add(&st, 1, 3, 288000, 96000, 1, "a0-i1.mp4");
	ok(st.nsegs == 8, "add_seg appends");
	ok(st.longest == 2.5, "longest segment kept");
	ok(st.ngens == 2 && st.gens[0].seq == 0 && st.gens[1].seq == 2 &&
	    st.gens[1].start == 4.5, "generations kept");
	ok(st.tracks[0].bandwidth == 4000 && st.tracks[1].bandwidth == 4000,
	    "peak bandwidth kept (1000 bytes over 2 s, not over 2.5 s)");

	capture_start();
	{
		struct sd_store_seg s = st.segs[6];
		s.seq = 5;
		s.t = 900000;
		rv = sd_store_add_seg(&st, &s);
	}
	err = capture_end();
	ok(rv == -1 && strstr(err, "seq 5 after 3") != NULL,
	    "add_seg refuses a gap in seq");

	removed = sd_store_trim(&st, 3);
	ok(removed == 6 && st.nsegs == 2 && st.segs[0].seq == 3,
	    "trim forgets segments before seq 3");
	ok(st.discseq == 1, "trim counts a cut with a discontinuity once");
	ok(st.ngens == 1 && st.gens[0].seq == 2,
	    "trim keeps the generation of the first listed segment");

	snprintf(dir, sizeof(dir), "%s/tests/tmp/store.XXXXXX",
	    top ? top : ".");
	snprintf(path, sizeof(path), "%s/tests/tmp", top ? top : ".");
	mkdir(path, 0755);
	if (mkdtemp(dir) == NULL)
		printf("# mkdtemp %s failed\n", dir);
	ok(sd_store_write(&st, dir) == 0, "sd_store_write");
	sd_store_init(&back);
	ok(sd_store_read(&back, dir) == 0, "sd_store_read");
	sd_buf_init(&b1);
	sd_buf_init(&b2);
	sd_store_format(&st, &b1);
	sd_store_format(&back, &b2);
	is_str(b2.p, b1.p, "write then read gives the same store");
	ok(back.discseq == 1 && back.longest == 2.5 && back.ngens == 1 &&
	    back.start == 1700000000.5, "persisted upkeep fields");
	snprintf(path, sizeof(path), "%s/index", dir);
	unlink(path);
	rmdir(dir);

	capture_start();
	rv = sd_store_read(&back, dir);
	err = capture_end();
	ok(rv == -1 && errno == ENOENT && strstr(err, "/index") != NULL,
	    "read of a missing index: ENOENT, message names the path");

	strlcpy(st.segs[0].file, "../x", sizeof(st.segs[0].file));
	sd_buf_free(&b1);
	capture_start();
	rv = sd_store_format(&st, &b1);
	err = capture_end();
	ok(rv == -1 && strstr(err, "not a safe name") != NULL,
	    "format refuses an unsafe file name");
	sd_buf_free(&b1);
	sd_buf_free(&b2);
	sd_store_free(&back);
	sd_store_free(&st);
}

static void
test_tolerant(void)
{
	static const char text[] =
	    "# comment\n"
	    "sd-store 1 flavour=x\r\n"
	    "\n"
	    "store target=1.5 future=1\n"
	    "track id=a1 type=audio timescale=44100 colour=blue\n"
	    "chapter title=one\n"
	    "seg track=a1 seq=7 t=0 d=44100 file=a.m4s init=i.mp4 shiny=yes\n";
	struct sd_store st;

	sd_store_init(&st);
	ok(sd_store_parse(&st, text, strlen(text), "index") == 0,
	    "unknown keys, record types, comments and CRLF are accepted");
	ok(st.target == 1.5 && st.live == 0 && st.nsegs == 1 &&
	    st.segs[0].seq == 7, "and the known fields are read");
	sd_store_free(&st);
}

/* Each: an index body after the two first lines, and the expected error. */
static const struct {
	const char *body;
	const char *err;
} hostile[] = {
	{ "track id=../x type=video timescale=1\n",
	    "index:3: track ../x: track id is not a safe name" },
	{ "track id=v type=video\n", "index:3: track v: timescale missing" },
	{ "track id=v type=text timescale=1\n", "not video, audio" },
	{ "track id=v type=video timescale=0\n", "index:3: timescale=0: too small" },
	{ "track id=v type=video timescale=90000x\n", "timescale=90000x: invalid" },
	{ "track id=v type=video timescale=99999999999\n", "too large" },
	{ "track id=v type=video timescale=1 codecs=avc1\"x\n", "bad codecs" },
	{ "track id=v type=video timescale=1 codecs=,avc1\n", "bad codecs" },
	{ "track id=v type=video timescale=1 lang=<en>\n", "bad lang" },
	{ "track id=v type=video timescale=1 frame_rate=25/0\n",
	    "bad frame_rate" },
	{ "track id=v type=video timescale=1 frame_rate=-25\n",
	    "bad frame_rate" },
	{ "track id=v type=video timescale=1 width=-1\n", "width=-1: too small" },
	{ "track id=abcdefghijklmnopq type=video timescale=1\n",
	    "index:3: id: longer than 15 bytes" },
	{ "track id=v type=video timescale=1\ntrack id=v type=audio "
	    "timescale=1\n", "index:4: track v listed twice" },
	{ "track id=v type=video timescale=1 width\n",
	    "index:3: expected key=value, got \"width\"" },
	{ "seg track=v seq=0 t=0 d=1 file=a init=b\n",
	    "index:3: track=v: no such track" },
	{ "track id=v type=video timescale=1\nseg seq=0 t=0 d=1 file=a\n",
	    "index:4: seg without track=" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 file=a "
	    "init=i\n", "index:4: seg: d and file are required" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=0 "
	    "file=a init=i\n", "index:4: d=0: too small" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=-1 d=1 "
	    "file=a init=i\n", "index:4: t=-1: too small" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 "
	    "d=9223372036854775807 file=a init=i\n", "d=9223372036854775807: "
	    "too large" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=1 "
	    "file=../../etc/passwd init=i\n", "index:4: file is not a safe name" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=1 "
	    "file=a/b init=i\n", "index:4: file is not a safe name" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=1 "
	    "file=.hidden init=i\n", "index:4: file is not a safe name" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=1 "
	    "file=a\n", "index:4: init missing for a video track" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=1 "
	    "file=a init=..\n", "index:4: init is not a safe name" },
	{ "track id=t type=mpegts timescale=1\nseg track=t seq=0 t=0 d=1 "
	    "file=a init=b\n", "init is not a safe name for a mpegts track" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=1 "
	    "file=a init=i\nseg track=v seq=2 t=1 d=1 file=b init=i\n",
	    "index:5: track v: seq 2 after 0" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=2 "
	    "file=a init=i\nseg track=v seq=1 t=1 d=1 file=b init=i\n",
	    "index:5: track v: segment 1 overlaps the one before" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=1 "
	    "file=a init=i\nseg track=v seq=1 t=1 d=1 file=b init=j\n",
	    "index:5: track v: init changes at segment 1 without disc=1" },
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 d=1 "
	    "file=a init=i disc=2\n", "index:4: disc=2: too large" },
	{ "gen seq=5 start=1\ngen seq=5 start=2\n",
	    "index:4: gen seq=5 out of order" },
	{ "gen seq=5 start=1e3\n", "index:3: start=1e3: not a decimal number" },
	{ "gen seq=5 start=nan\n", "start=nan: not a decimal number" },
	{ "gen seq=5 start=-1\n", "start=-1: not a decimal number" },
	{ "store target=2\n", "index:3: a second store line" },
	{ "header track=v file=i\n", "index:3: header track=v: no such track" },
	{ "track id=v type=video timescale=1\nheader track=v file=../i\n",
	    "header ../i: file is not a safe name" },
	{ "track id=v type=video timescale=1\nheader track=v file=i "
	    "codecs=a\"b\n", "header i: bad codecs" },
	{ "track id=v type=video timescale=1\nheader track=v file=i "
	    "width=70000\n", "width=70000: too large" },
	/* fuzz (store): read, then its longest= refused on the way back */
	{ "track id=v type=video timescale=1\nseg track=v seq=0 t=0 "
	    "d=90090 file=a init=i\n", "index:4: segment longer than 86400 s" },
};

static void
test_hostile(void)
{
	struct sd_store st;
	char text[1024], desc[160];
	const char *err;
	size_t i;
	int rv;

	for (i = 0; i < SD_ARRAY_LEN(hostile); i++) {
		snprintf(text, sizeof(text), "sd-store 1\nstore target=2\n%s",
		    hostile[i].body);
		sd_store_init(&st);
		capture_start();
		rv = sd_store_parse(&st, text, strlen(text), "index");
		err = capture_end();
		snprintf(desc, sizeof(desc), "hostile %zu refused: %s", i,
		    hostile[i].err);
		ok(rv == -1 && strstr(err, hostile[i].err) != NULL, desc);
		if (rv != -1 || strstr(err, hostile[i].err) == NULL)
			printf("# stderr: %s", err);
		sd_store_free(&st);
	}
}

static void
expect_error(const char *text, size_t len, const char *want, const char *desc)
{
	struct sd_store st;
	const char *err;
	int rv;

	sd_store_init(&st);
	capture_start();
	rv = sd_store_parse(&st, text, len, "index");
	err = capture_end();
	ok(rv == -1 && strstr(err, want) != NULL, desc);
	if (rv != -1 || strstr(err, want) == NULL)
		printf("# stderr: %s", err);
	sd_store_free(&st);
}

static void
test_framing(void)
{
	static const char nul[] = "sd-store 1\nstore target=2\0x\n";
	char *big;

	expect_error("", 0, "index:1: empty index", "empty index");
	expect_error("hello\n", 6, "index:1: not a store index", "no header");
	expect_error("sd-store 2\n", 11, "index:1: unsupported index version",
	    "later version refused");
	expect_error("sd-store 1\n", 11, "index:2: no store line",
	    "no store line");
	expect_error("sd-store 1\ntrack id=v type=video timescale=1\n", 43,
	    "index:2: track before the store line", "track before store");
	expect_error(nul, sizeof(nul) - 1, "index:2: NUL byte", "NUL byte");
	big = malloc(6000);
	memcpy(big, "sd-store 1\n# ", 13);
	memset(big + 13, 'x', 5000);
	big[5013] = '\n';
	expect_error(big, 5014, "index:2: line longer than 4095 bytes",
	    "long line");
	free(big);
}

/* The segment cap holds for writers and for readers. */
static void
test_cap(void)
{
	struct sd_store st;
	struct sd_store_seg s;
	const char *err;
	size_t i;
	int rv = 0;

	make_store(&st);
	memset(&s, 0, sizeof(s));
	strlcpy(s.file, "f", sizeof(s.file));
	strlcpy(s.init, "i", sizeof(s.init));
	s.d = 1;
	for (i = 0; i < SD_STORE_MAX_SEGS && rv == 0; i++) {
		s.seq = i;
		s.t = (int64_t)i;
		rv = sd_store_add_seg(&st, &s);
	}
	ok(rv == 0 && st.nsegs == SD_STORE_MAX_SEGS, "cap: the last one fits");
	s.seq = i;
	s.t = (int64_t)i;
	capture_start();
	rv = sd_store_add_seg(&st, &s);
	err = capture_end();
	ok(rv == -1 && strstr(err, "more than 500000 segments") != NULL,
	    "cap: one more is refused");
	sd_store_free(&st);
}

/* Header records: each generation's own values, kept while named. */
static void
test_headers(void)
{
	static const char text[] = "sd-store 1\nstore live=1 target=2 "
	    "window=2\n"
	    "track id=v0 type=video codecs=avc1.4d401e timescale=90000 "
	    "width=640 height=360\n"
	    "header track=v0 file=v0-init-0.mp4 codecs=avc1.64000c width=320 "
	    "height=180\n"
	    "header track=v0 file=v0-init-1.mp4 codecs=avc1.4d401e width=640 "
	    "height=360\n"
	    "seg track=v0 seq=0 t=0 d=90000 file=v0-0.m4s init=v0-init-0.mp4\n"
	    "seg track=v0 seq=1 t=90000 d=90000 file=v0-1.m4s "
	    "init=v0-init-1.mp4 disc=1\n";
	struct sd_store st, back;
	struct sd_store_track t;
	struct sd_store_header h;
	struct sd_buf b;

	sd_store_init(&st);
	sd_store_init(&back);
	sd_buf_init(&b);
	ok(sd_store_parse(&st, text, strlen(text), "index") == 0 &&
	    st.nhdrs == 2, "headers: two header records read");
	sd_store_track_as(&st, 0, "v0-init-0.mp4", &t);
	ok(t.width == 320 && strcmp(t.codecs, "avc1.64000c") == 0,
	    "headers: the first generation's own size and codecs");
	sd_store_track_as(&st, 0, "v0-init-9.mp4", &t);
	ok(t.width == 640, "headers: an unknown header gives the track's");
	ok(sd_store_format(&st, &b) == 0 && strstr(b.p, "header track=v0 "
	    "file=v0-init-0.mp4 codecs=avc1.64000c width=320 height=180\n") &&
	    sd_store_parse(&back, b.p, b.len, "back") == 0 && back.nhdrs == 2,
	    "headers: written back and read again");
	memset(&h, 0, sizeof(h));
	strlcpy(h.track, "v0", sizeof(h.track));
	strlcpy(h.file, "v0-init-2.mp4", sizeof(h.file));
	ok(sd_store_note_header(&st, &h) == 0 && st.nhdrs == 3,
	    "headers: a new header noted before any segment names it");
	b.len = 0;
	ok(sd_store_format(&st, &b) == 0 && strstr(b.p, "v0-init-2") == NULL,
	    "headers: only named headers are written");
	sd_store_trim(&st, 1);
	ok(st.nhdrs == 2 && strcmp(st.hdrs[0].file, "v0-init-1.mp4") == 0 &&
	    strcmp(st.hdrs[1].file, "v0-init-2.mp4") == 0,
	    "headers: trim forgets what no segment names, keeps the newest");
	sd_buf_free(&b);
	sd_store_free(&st);
	sd_store_free(&back);
}

int
main(void)
{
	test_headers();
	test_sample();
	test_api();
	test_tolerant();
	test_hostile();
	test_framing();
	test_cap();
	return done();
}
