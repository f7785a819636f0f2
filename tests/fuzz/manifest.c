/*
 * Fuzz the manifest writers with random stores: an index that
 * sd_store_parse takes goes through sd_hls_master, sd_hls_master_ts,
 * sd_hls_media for every track and sd_dash_mpd, with and without a base
 * URL. What they write must be well formed: an HLS playlist starts with
 * #EXTM3U, has only tags and URIs without blanks or control bytes, and no
 * rounded EXTINF above TARGETDURATION; an MPD is well-formed XML (balanced
 * elements, quoted attributes, entities escaped). A crash or abort() is a
 * finding.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "store.h"
#include "fuzz.h"

FUZZ_QUIET_INITIALIZE

static void fail(const char *, const struct sd_buf *)
	__attribute__((noreturn));

static void
fail(const char *why, const struct sd_buf *b)
{
	fuzz_loud();
	fprintf(stderr, "manifest fuzz: %s in:\n%.*s\n", why,
	    (int)(b->len > 4000 ? 4000 : b->len), b->p);
	abort();
}

static void
check_hls(const struct sd_buf *b)
{
	const char *p = b->p, *end = b->p + b->len, *nl;
	long target = -1;
	size_t i;

	if (b->len < 8 || memcmp(p, "#EXTM3U\n", 8) != 0 || end[-1] != '\n')
		fail("no #EXTM3U line or no final newline", b);
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || nl == p)
			fail("an empty or unterminated line", b);
		for (i = 0; p + i < nl; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f ||
			    (p[0] != '#' && p[i] == ' '))
				fail("a control byte, or a blank in a URI", b);
		if (p[0] == '#' && strncmp(p, "#EXT", 4) != 0)
			fail("a comment that is not a tag", b);
		if (strncmp(p, "#EXT-X-TARGETDURATION:", 22) == 0)
			target = strtol(p + 22, NULL, 10);
		if (strncmp(p, "#EXTINF:", 8) == 0 && target >= 0 &&
		    lround(strtod(p + 8, NULL)) > target)
			fail("a rounded EXTINF above TARGETDURATION", b);
	}
}

/* Skip an attribute value or text; 0 when its '&' are entities, no '<'. */
static int
xml_text_ok(const char *p, size_t n)
{
	static const char *ent[] = { "&amp;", "&lt;", "&gt;", "&quot;",
	    "&apos;" };
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (p[i] == '<')
			return -1;
		if (p[i] != '&')
			continue;
		for (k = 0; k < SD_ARRAY_LEN(ent); k++)
			if (n - i >= strlen(ent[k]) &&
			    memcmp(p + i, ent[k], strlen(ent[k])) == 0)
				break;
		if (k == SD_ARRAY_LEN(ent))
			return -1;
	}
	return 0;
}

#define XML_DEPTH 32

static int
name_len(const char *p, const char *end)
{
	int n = 0;

	while (p + n < end && (strchr(":_-.", p[n]) != NULL ||
	    (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
	    (p[n] >= '0' && p[n] <= '9')))
		n++;
	return n;
}

/* One start tag's attributes up to '>' or "/>"; the end of the tag. */
static const char *
xml_attrs(const char *p, const char *end, const struct sd_buf *b)
{
	const char *q;
	int n;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
			p++;
		if (p < end && *p == '>')
			return p + 1;
		if (end - p >= 2 && p[0] == '/' && p[1] == '>')
			return p;	/* the caller sees the '/' */
		if ((n = name_len(p, end)) == 0 || end - p < n + 2 ||
		    p[n] != '=' || p[n + 1] != '"')
			fail("a bad attribute", b);
		p += n + 2;
		if ((q = memchr(p, '"', (size_t)(end - p))) == NULL ||
		    xml_text_ok(p, (size_t)(q - p)) == -1)
			fail("an unquoted or unescaped attribute value", b);
		p = q + 1;
	}
}

static void
check_mpd(const struct sd_buf *b)
{
	const char *p = b->p, *end = b->p + b->len, *q;
	const char *stack[XML_DEPTH];
	int lens[XML_DEPTH], depth = 0, n, roots = 0;

	if (b->len < 5 || memcmp(p, "<?xml", 5) != 0 ||
	    (q = strstr(p, "?>")) == NULL)
		fail("no XML declaration", b);
	for (p = q + 2; p < end; ) {
		if (*p != '<') {
			q = memchr(p, '<', (size_t)(end - p));
			if (q == NULL)
				q = end;
			if (xml_text_ok(p, (size_t)(q - p)) == -1 ||
			    (depth == 0 && strspn(p, " \n") < (size_t)(q - p)))
				fail("bad text", b);
			p = q;
			continue;
		}
		if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			if ((q = strstr(p, "-->")) == NULL)
				fail("an unterminated comment", b);
			p = q + 3;
			continue;
		}
		if (end - p >= 2 && p[1] == '/') {
			n = name_len(p + 2, end);
			if (depth == 0 || n != lens[depth - 1] ||
			    memcmp(p + 2, stack[depth - 1], (size_t)n) != 0 ||
			    p + 2 + n >= end || p[2 + n] != '>')
				fail("an end tag that does not match", b);
			depth--;
			p += 3 + n;
			continue;
		}
		if ((n = name_len(p + 1, end)) == 0)
			fail("a bad element name", b);
		if (depth == 0 && roots++ > 0)
			fail("two root elements", b);
		q = xml_attrs(p + 1 + n, end, b);
		if (*q == '/') {
			p = q + 2;
			continue;
		}
		if (depth == XML_DEPTH)
			fail("too deep", b);
		stack[depth] = p + 1;
		lens[depth++] = n;
		p = q;
	}
	if (depth != 0 || roots != 1)
		fail("unclosed elements or no root", b);
}

static void
write_all(const struct sd_store *st, const char *base)
{
	struct sd_buf b;
	size_t i;

	sd_buf_init(&b);
	if (sd_hls_master(st, base, &b) == 0 && !b.failed)
		check_hls(&b);
	b.len = 0;
	if (sd_hls_master_ts(st, base, &b) == 0 && !b.failed)
		check_hls(&b);
	for (i = 0; i < st->ntracks; i++) {
		b.len = 0;
		if (sd_hls_media(st, st->tracks[i].id, base, &b) == 0 &&
		    !b.failed)
			check_hls(&b);
	}
	b.len = 0;
	if (sd_dash_mpd(st, base, 1732449700.5, &b) == 0 && !b.failed)
		check_mpd(&b);
	sd_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_store st;

	fuzz_quiet();
	sd_store_init(&st);
	if (sd_store_parse(&st, (const char *)data, size, "fuzz") == 0) {
		write_all(&st, NULL);
		write_all(&st, "http://cdn.example/a&b/");
		/* A live window sliding, as the writer does it. */
		if (st.nsegs > 0) {
			sd_store_trim(&st, st.segs[st.nsegs / 2].seq);
			write_all(&st, "");
		}
	}
	sd_store_free(&st);
	fuzz_loud();
	return 0;
}
