/*
 * import_int.h - what import.c (the merge into proxies.ini) and
 * import_m3u.c (the channels of the M3U) share: the state of one import
 * and the steps each file gives the other. Not a public interface.
 */
#ifndef IMPORT_INT_H
#define IMPORT_INT_H

#include <stddef.h>

#include "sd.h"
#include "ini_int.h"
#include "m3u.h"

#define NUMBER_MAX	99999		/* config.c's range for number */

enum { K_NAME, K_GROUP, K_TVG_ID, K_LOGO, K_NUMBER, K_SOURCE, NKEYS };

struct sect;

struct chan {
	char id[SD_NAME_MAX];
	char *val[NKEYS];	/* the value for the section; NULL: no line */
	char *quoted[NKEYS];	/* val in double quotes, when it needs them */
	size_t line;		/* of its #EXTINF */
	struct sect *sect;	/* its section in the file; NULL: a new one */
	int pinned;		/* a section of the user's has its id */
};

struct sect {
	char id[SD_NAME_MAX];
	size_t head, end;	/* the [id] line, the line after the section */
	size_t mark, gone;	/* the lines of the two marks; 0: none */
	int number;		/* its (last) number = value; 0: none */
	struct chan *ch;	/* its channel in the M3U; NULL: none */
};

struct ins {
	size_t after, seq;	/* after line `after` (0: before line 1) */
	size_t off, len;	/* the text, in pool */
};

struct imp {
	struct mig g;		/* the file's lines, g.l[1..g.n] */
	const struct sd_import_opts *o;
	struct sd_import_stats *st;
	struct chan *ch;
	size_t nch;
	struct sect *sec;
	size_t nsec;
	struct sect **byid;	/* sec sorted by id */
	struct ins *ins;
	size_t nins, capins, seq;
	struct sd_buf pool;
	struct sd_buf notes;	/* m3u_warn's */
	unsigned char taken[NUMBER_MAX / 8 + 1];	/* numbers in use */
	int nomem;
};

void imp_warn(struct imp *, size_t, const char *, ...)
	__attribute__((format(printf, 3, 4)));

static inline int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* import_m3u.c */
void imp_trim_blanks(char *s);
void imp_chan_free(struct chan *c);
void imp_print_notes(const struct imp *im);
int imp_channels(struct imp *im, const char *buf, size_t len);

#endif
