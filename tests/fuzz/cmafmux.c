/*
 * Fuzz sd-cmafmux's packet path (av_ingest.c down to cmaf.c and
 * av_tsseg.c: the flow av_mux.h draws) with random MPEG-TS: the input is
 * read through a custom AVIOContext by libavformat's mpegts demuxer
 * (probing is not ours to fuzz), and the store goes to a scratch folder
 * on /dev/shm. Small limits keep each run
 * short: the input is at most what libFuzzer hands over (-max_len), and
 * stream-info probing stops there. After each run the index that was
 * written must name only files that are there, whole (bytes= their size),
 * the promise of sd-store(5). Every third input also writes MPEG-TS
 * segments (-T), every second is a live store (-l, window 3). Inputs whose
 * size has bit 1 set go the TS fast path instead (av_tsin.c, tsdemux.c,
 * tsframes.c): written to a scratch file that sd-cmafmux opens itself.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/mem.h>

#include "sd.h"
#include "store.h"
#include "av_edge.h"
#include "fuzz.h"

static char dir[64], file[80];

struct input {
	const uint8_t *p;
	size_t len, off;
};

static int
read_packet(void *opaque, uint8_t *buf, int n)
{
	struct input *in = opaque;
	size_t left = in->len - in->off;

	if (left == 0)
		return AVERROR_EOF;
	if ((size_t)n > left)
		n = (int)left;
	memcpy(buf, in->p + in->off, (size_t)n);
	in->off += (size_t)n;
	return n;
}

static void
empty_dir(void)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	closedir(d);
}

static void
remove_dir(void)
{
	empty_dir();
	rmdir(dir);
	unlink(file);
}

/* The input as a file, for the fast path; 0 when it is there. */
static int
write_file(const uint8_t *data, size_t size)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n = 0;

	if (fd == -1)
		return -1;
	if (size > 0)
		n = write(fd, data, size);
	close(fd);
	return n == (ssize_t)size ? 0 : -1;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "/dev/shm/sd-fuzz-cmafmux.%ld",
	    (long)getpid());
	if (mkdir(dir, 0700) == -1 && access(dir, W_OK) == -1) {
		snprintf(dir, sizeof(dir), "/tmp/sd-fuzz-cmafmux.%ld",
		    (long)getpid());
		mkdir(dir, 0700);
	}
	snprintf(file, sizeof(file), "%s.ts", dir);
	atexit(remove_dir);
	fuzz_quiet_init();
	return 0;
}

/* Every file the index names is there with the size it gives. */
static void
check_store(void)
{
	struct sd_store st;
	struct stat sb;
	char path[512];
	size_t i;

	sd_store_init(&st);
	if (sd_store_read(&st, dir) == 0) {
		for (i = 0; i < st.nsegs; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    st.segs[i].file);
			if (stat(path, &sb) == -1 ||
			    (uint64_t)sb.st_size != st.segs[i].bytes)
				abort();	/* missing or partial */
			if (st.segs[i].init[0] == '\0')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir,
			    st.segs[i].init);
			if (stat(path, &sb) == -1 || sb.st_size == 0)
				abort();
		}
		if (fuzz_null_fd == -1)
			fprintf(stderr, "fuzz: %zu tracks, %zu segments\n",
			    st.ntracks, st.nsegs);
	}
	sd_store_free(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };
	struct sd_mux_opts o;
	AVIOContext *pb;
	unsigned char *buf;

	if ((buf = av_malloc(4096)) == NULL)
		return 0;
	if ((pb = avio_alloc_context(buf, 4096, 0, &in, read_packet, NULL,
	    NULL)) == NULL) {
		av_free(buf);
		return 0;
	}
	fuzz_quiet();
	memset(&o, 0, sizeof(o));
	o.input = "fuzz";
	o.dir = dir;
	o.target = 1;
	o.window = 3;
	o.live = size % 2;
	o.ts = size % 3 == 0;
	o.pb = pb;
	o.format = "mpegts";
	o.edge = &sd_av_edge;
	if ((size & 2) && write_file(data, size) == 0) {
		o.input = file;
		o.pb = NULL;
	}
	sd_cmafmux(&o);
	check_store();
	empty_dir();
	av_freep(&pb->buffer);
	avio_context_free(&pb);
	fuzz_loud();
	return 0;
}
