/*
 * store_int.h - what the three parts of the segment store share inside
 * lib/: the bounds of its numbers and the checks a record passes, kept in
 * store.c so that reading (store_parse.c) and writing (store_format.c) the
 * index accept exactly the same stores. Not public: programs use sd.h.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include "sd.h"
#include "store.h"

#define T_MAX		(1LL << 62)	/* so that t + d never overflows */
#define D_MAX		(1LL << 40)	/* and d * 1000000 neither */
#define LONGEST_MAX	86400		/* s: a segment, and longest= */
#define BYTES_MAX	(1LL << 40)
#define SEQ_MAX		(1LL << 53)
#define BW_MAX		1000000000000LL

/* Why a track record cannot be listed, or NULL. */
const char *store_track_problem(const struct sd_store_track *t);
/* Why a header record cannot be kept, or NULL: as its track would be. */
const char *store_header_problem(const struct sd_store_header *h);
/*
 * Why s cannot follow prev (the last segment of its track, or NULL): -1
 * with the reason in why, or 0.
 */
int store_seg_problem(const struct sd_store *st, const struct sd_store_seg *s,
    const struct sd_store_seg *prev, char *why, size_t n);
/* The last listed segment of a track, or NULL. */
const struct sd_store_seg *store_last_of_track(const struct sd_store *st,
    unsigned track);
/*
 * The (track, init) pairs the listed segments name, each once, in *out
 * (the caller frees it): how many, or -1 with no memory.
 */
long store_named_inits(const struct sd_store *st,
    const struct sd_store_seg ***out);
/* Does one of the n pairs of store_named_inits name header h? */
int store_header_named(const struct sd_store *st,
    const struct sd_store_header *h, const struct sd_store_seg **v, long n);

#endif
