/*
 * ini_int.h - an INI text as lines that keep their own bytes, shared by
 * migrate.c (sd-migrate) and import*.c (sd-import), which both edit a
 * user's file line by line and change nothing else. Not a public
 * interface.
 */
#ifndef INI_INT_H
#define INI_INT_H

#include <string.h>

#include "sd.h"

/* What became of one input line of a migration (sd_migration.lines[],
 * 1-based, [0] unused). */
struct sd_mig_line {
	char op;	/* '=' kept, '~' replaced, '-' deleted */
	size_t off, len;	/* its new text in out (for '~', '=') */
	size_t ins_off, ins_len;	/* lines inserted after it */
};

struct mline {
	size_t start, total;	/* the raw line in the input, with its eol */
	const char *p;		/* content: no eol (nor BOM on line 1) */
	size_t n;
	size_t eoln;		/* 0, 1 (\n) or 2 (\r\n) */
	int is_kv, is_section;
	size_t ks, kn;		/* key, in p */
	size_t sep_end;		/* after '=' and the blanks that follow */
	size_t vs, vn;		/* value, without quotes */
	/* the edit */
	char op;		/* '=', '~' (replaced), '-' (deleted) */
	const char *newkey, *newval;
	int add_eol;		/* the last line gains a line ending */
	const char *ins_key, *ins_val;	/* a key line to insert after it */
};

struct mig {
	struct sd_migration *m;
	const char *name;
	const char *def_profile;
	struct mline *l;	/* l[1..n] */
	size_t n;
	const char *eol;	/* the file's first line ending, for new lines */
};

/* Cut buf into g->l[1..g->n], each line parsed the way config_read.c's inih
 * reads it; g->eol is the file's first line ending. 0, or -1 (reported). */
int ini_split_lines(struct mig *g, const char *buf, size_t len);
/* The name between the brackets of a section line (as written). */
void ini_section_name(const struct mline *l, char *buf, size_t size);

static inline int
key_is(const struct mline *l, const char *key)
{
	return l->is_kv && l->kn == strlen(key) &&
	    memcmp(l->p + l->ks, key, l->kn) == 0;
}

#endif
