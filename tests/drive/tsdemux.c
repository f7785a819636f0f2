/*
 * tsdemux - a test driver over sd_tsd_*: reads an MPEG-TS file (or stdin)
 * in chunks of -c bytes and prints what the demuxer hands out, one line
 * each, for tests/tsdemux.t to hold against ffprobe:
 *
 *   program,GEN,VERSION,PCR_PID,CHANGED
 *   stream,GEN,ID,PID,STREAM_TYPE,CODEC,LANG,NEW
 *   au,PID,PTS,DTS,SIZE,FLAGS,POS
 *
 * PTS/DTS raw 33-bit, or N/A; FLAGS letters K (key) R (random access) D
 * (damaged) C (discontinuity) T (truncated), or _. -q prints nothing but
 * the counts at the end (for timing); -s adds the demuxer's counters.
 * -p picks a program number. Exit: 0; 64 usage; 66 input; 1 other.
 */
#include <err.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "tsdemux.h"

static int quiet;
static uint64_t n_au, n_bytes;

static int
usage(void)
{
	fprintf(stderr, "usage: tsdemux [-qs] [-c chunk] [-p program] "
	    "file | -\n");
	return SD_EX_USAGE;
}

static void
put_ts(int64_t t)
{
	if (t == SD_TSD_NOTS)
		fputs("N/A", stdout);
	else
		printf("%" PRId64, t);
}

static int
on_au(void *arg, const struct sd_tsd_au *au)
{
	static const char letters[] = "KRDCT";
	int k, any = 0;

	n_au++;
	n_bytes += au->len;
	if (quiet)
		return 0;
	printf("au,%d,", au->stream->pid);
	put_ts(au->pts);
	putchar(',');
	put_ts(au->dts);
	printf(",%zu,", au->len);
	for (k = 0; letters[k] != '\0'; k++)
		if (au->flags & (1u << k)) {
			putchar(letters[k]);
			any = 1;
		}
	printf("%s,%" PRIu64 "\n", any ? "" : "_", au->pos);
	return 0;
}

static int
on_program(void *arg, const struct sd_tsd_program *p)
{
	int k;

	if (quiet)
		return 0;
	printf("program,%u,%d,%d,0x%x\n", p->generation, p->version,
	    p->pcr_pid, p->changed);
	for (k = 0; k < p->nstreams; k++) {
		const struct sd_tsd_stream *s = &p->streams[k];

		printf("stream,%u,%d,%d,0x%02x,%s,%s,%d\n", p->generation,
		    s->id, s->pid, s->stream_type, sd_tsd_codec_name(s->codec),
		    s->lang[0] ? s->lang : "-", p->is_new[k]);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sd_tsd_cb cb = { on_au, on_program, NULL };
	struct sd_tsd_stats st;
	struct sd_tsd *d;
	const char *errstr;
	size_t chunk = 65536;
	int ch, fd, stats = 0, prog = 0;
	unsigned char *buf;
	ssize_t n;

	while ((ch = getopt(argc, argv, "c:p:qs")) != -1) {
		switch (ch) {
		case 'c':
			chunk = (size_t)strtonum(optarg, 1, 1 << 24, &errstr);
			if (errstr != NULL)
				errx(SD_EX_USAGE, "-c %s: %s", optarg, errstr);
			break;
		case 'p':
			prog = (int)strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(SD_EX_USAGE, "-p %s: %s", optarg, errstr);
			break;
		case 'q':
			quiet = 1;
			break;
		case 's':
			stats = 1;
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		return usage();
	if (strcmp(argv[0], "-") == 0)
		fd = 0;
	else if ((fd = open(argv[0], O_RDONLY)) == -1)
		err(SD_EX_NOINPUT, "%s", argv[0]);
	if ((buf = malloc(chunk)) == NULL || (d = sd_tsd_new(&cb, prog)) == NULL)
		err(1, NULL);
	while ((n = read(fd, buf, chunk)) > 0)
		sd_tsd_feed(d, buf, (size_t)n);
	if (n == -1)
		err(SD_EX_NOINPUT, "%s", argv[0]);
	sd_tsd_end(d);
	sd_tsd_get_stats(d, &st);
	if (stats || quiet)
		printf("stats,aus=%" PRIu64 ",bytes=%" PRIu64 ",packets=%"
		    PRIu64 ",skipped=%" PRIu64 ",sync_lost=%" PRIu64
		    ",cc_errors=%" PRIu64 ",duplicates=%" PRIu64 ",tei=%"
		    PRIu64 ",crc_errors=%" PRIu64 ",psi_errors=%" PRIu64
		    ",pes_errors=%" PRIu64 ",truncated=%" PRIu64 ",damaged=%"
		    PRIu64 "\n", st.aus, n_bytes, st.packets, st.skipped,
		    st.sync_lost, st.cc_errors, st.duplicates, st.tei,
		    st.crc_errors, st.psi_errors, st.pes_errors, st.truncated,
		    st.damaged);
	sd_tsd_free(d);
	free(buf);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return 0;
}
