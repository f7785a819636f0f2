/*
 * tsentry.c unit tests: the clean entry points sd_ts_scan_packet finds in
 * real TS from scripts/gen-media (H.264, HEVC, and an audio-only TS made
 * here with ffmpeg) against the keyframe positions ffprobe reports, and
 * hostile packets (random bytes, lengths past the packet) under ASan.
 */
#include <sys/wait.h>

#include <stdint.h>
#include <string.h>

#include "sd.h"
#include "tsentry.h"
#include "mtap.h"

/* Run argv (no shell); its stdout into *out (NUL-terminated). */
static int
run(char *const argv[], char **out, size_t *len)
{
	int pfd[2], st;
	pid_t pid;
	struct sd_buf b;
	char tmp[65536];
	ssize_t n;

	if (pipe(pfd) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	sd_buf_init(&b);
	while ((n = read(pfd[0], tmp, sizeof(tmp))) > 0)
		sd_buf_append(&b, tmp, (size_t)n);
	close(pfd[0]);
	waitpid(pid, &st, 0);
	sd_buf_append(&b, "", 1);
	*out = b.p;
	*len = b.len - 1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && !b.failed ? 0 : -1;
}

static char *
media(const char *name)
{
	char gen[4096], *out;
	size_t len;
	const char *top = getenv("SD_TOP");

	snprintf(gen, sizeof(gen), "%s/scripts/gen-media", top ? top : ".");
	char *argv[] = { gen, (char *)name, NULL };
	if (run(argv, &out, &len) == -1)
		return NULL;
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* The byte positions of video keyframes, as ffprobe says, one a line. */
static char *
ffprobe_keys(const char *path)
{
	char *out, *line, *save, *sp;
	size_t len;
	struct sd_buf b;
	char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v",
	    "-show_packets", "-show_entries", "packet=pos,flags", "-of",
	    "csv=p=0", (char *)path, NULL };

	if (run(argv, &out, &len) == -1)
		return NULL;
	sd_buf_init(&b);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if ((sp = strchr(line, ',')) != NULL && sp[1] == 'K') {
			*sp = '\0';
			sd_buf_printf(&b, "%s\n", line);
		}
	free(out);
	sd_buf_append(&b, "", 1);
	return b.p;
}

/* Scan a whole file; the keyframe offsets of its entry points. */
static char *
scan_file(const char *path, int no_rai, int *pat_ok,
    unsigned long long *found)
{
	char *data;
	size_t len, i;
	struct sd_ts_scan s;
	struct sd_buf b;

	*pat_ok = 1;
	if (sd_read_file(path, 1 << 28, &data, &len) == -1)
		return NULL;
	sd_ts_scan_init(&s);
	sd_buf_init(&b);
	for (i = 0; i + SD_TS_PACKET <= len; i += SD_TS_PACKET) {
		unsigned char *pk = (unsigned char *)data + i;

		/* a source that never sets random_access_indicator */
		if (no_rai && (pk[3] & 0x20) && pk[4] > 0)
			pk[5] &= ~0x40;
		if (sd_ts_scan_packet(&s, (unsigned char *)data + i, 0, i)) {
			const unsigned char *e = (unsigned char *)data +
			    s.entry_off;

			sd_buf_printf(&b, "%zu\n", s.key_off);
			if (s.entry_off >= s.key_off || e[0] != 0x47 ||
			    (((e[1] & 0x1f) << 8) | e[2]) != 0 ||
			    !(e[1] & 0x40))
				*pat_ok = 0;
		}
	}
	*found = s.found;
	free(data);
	sd_buf_append(&b, "", 1);
	return b.p;
}

static void
check_video(const char *name)
{
	char *path = media(name), *want, *got, desc[128];
	unsigned long long found = 0;
	int pat_ok;

	if (path == NULL || (want = ffprobe_keys(path)) == NULL) {
		ok(0, "gen-media and ffprobe ran");
		return;
	}
	got = scan_file(path, 0, &pat_ok, &found);
	snprintf(desc, sizeof(desc), "%s: %llu entry points, at the keyframes "
	    "ffprobe reports", name, found);
	ok(found > 0, desc);
	is_str(got, want, desc);
	snprintf(desc, sizeof(desc), "%s: each starts at a PAT before its "
	    "keyframe", name);
	ok(pat_ok, desc);
	free(got);
	got = scan_file(path, 1, &pat_ok, &found);
	snprintf(desc, sizeof(desc), "%s without random_access_indicator: "
	    "the same, from the NAL types", name);
	is_str(got, want, desc);
	free(got);
	free(want);
	free(path);
}

static void
check_audio_only(void)
{
	char tmpl[] = "/tmp/tsentry.XXXXXX", path[64], *out, *got;
	size_t len;
	unsigned long long found = 1;
	int pat_ok;

	if (mkdtemp(tmpl) == NULL)
		return;
	snprintf(path, sizeof(path), "%s/a.ts", tmpl);
	char *argv[] = { "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
	    "sine=frequency=440:duration=3", "-c:a", "aac", "-f", "mpegts",
	    path, NULL };
	if (run(argv, &out, &len) == -1) {
		ok(0, "ffmpeg made an audio-only TS");
		return;
	}
	free(out);
	got = scan_file(path, 0, &pat_ok, &found);
	ok(got != NULL && found == 0,
	    "audio only: no entry point (a client takes the live edge)");
	free(got);
	unlink(path);
	rmdir(tmpl);
}

/* Random and broken packets: nothing read past the 188 bytes (ASan). */
static void
check_hostile(void)
{
	unsigned char pkt[SD_TS_PACKET];
	struct sd_ts_scan s;
	uint32_t x = 12345;
	int i, j;

	sd_ts_scan_init(&s);
	for (i = 0; i < 200000; i++) {
		for (j = 0; j < SD_TS_PACKET; j++) {
			x = x * 1103515245 + 12345;
			pkt[j] = (unsigned char)(x >> 16);
		}
		pkt[0] = 0x47;
		if (i % 3 == 0) {		/* a PAT or the PMT PID */
			pkt[1] = (unsigned char)(0x40 | (i % 2 ? 0 :
			    (s.pmt_pid >> 8 & 0x1f)));
			pkt[2] = (unsigned char)(i % 2 ? 0 : s.pmt_pid);
		} else if (i % 3 == 1 && s.video_pid >= 0) {
			pkt[1] = (unsigned char)(0x40 | (s.video_pid >> 8));
			pkt[2] = (unsigned char)s.video_pid;
		}
		if (i % 5 == 0)
			pkt[4] = 0xff;		/* adaptation past the end */
		if (i % 7 == 0) {
			pkt[3] = 0x10;
			pkt[4] = 0;		/* pointer_field 0 */
			pkt[6] |= 0x0f;		/* section_length ~4095 */
		}
		sd_ts_scan_packet(&s, pkt, 0, 0);
	}
	ok(1, "200000 hostile packets scanned (ASan would have stopped)");
}

int
main(void)
{
	(void)capture_start;	/* mtap.h helpers this test does not use */
	(void)capture_end;
	check_video("h264-aac.ts");
	check_video("hevc-aac.ts");
	check_audio_only();
	check_hostile();
	return done();
}
