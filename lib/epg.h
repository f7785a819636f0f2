/*
 * epg.h - the XMLTV filter of epg.c: a provider's guide in, as it comes,
 * in pieces of any size; out only the <channel> and <programme> elements
 * of the ids asked for, in a well-formed document. Pure: no I/O but the
 * write callback. Not a public interface.
 */
#ifndef SD_EPG_H
#define SD_EPG_H

#include <stddef.h>

#define EPG_ELEM_MAX (1u << 20)	/* one child of <tv>, bytes */
#define EPG_PROLOG_MAX 65536	/* before <tv>, bytes */
#define EPG_DEPTH_MAX 32	/* nesting inside a child of <tv> */

/* Where the output goes: 0, or -1 to stop (the feed fails). */
typedef int (*epg_write_fn)(void *arg, const char *p, size_t n);

struct epg_filter {
	const char *const *ids;	/* the channel ids kept */
	size_t nids;
	const char **sorted;	/* the same, sorted (NULL: no memory) */
	epg_write_fn write;
	void *arg;
	int state;		/* prolog, body, end, failed */
	int utf8;		/* the encoding is UTF-8 (checked) */
	char encoding[32];
	char *buf;		/* input not consumed yet */
	size_t len, cap, off;
	size_t in_total;
	size_t channels, programmes;	/* kept */
	size_t dropped;		/* elements of other ids */
	const char *error;	/* why it failed */
};

void epg_filter_init(struct epg_filter *f, const char *const *ids,
    size_t nids, epg_write_fn write, void *arg);
/* n more bytes of the guide: 0, or -1 (f->error says why; it stays so). */
int epg_filter_feed(struct epg_filter *f, const char *p, size_t n);
/* The input is over: 0 when it was a whole XMLTV document, else -1. */
int epg_filter_end(struct epg_filter *f);
void epg_filter_free(struct epg_filter *f);

#endif
