/*
 * m3u.h - an extended M3U playlist (#EXTM3U, #EXTINF with tvg-* and
 * group-title attributes, #EXTGRP, URL lines) read into entries. Pure: no
 * I/O, no messages, bounded; import_m3u.c and the fuzz harness use it. Not a
 * public interface.
 */
#ifndef M3U_H
#define M3U_H

#include <stddef.h>

#define M3U_ENTRIES_MAX 200000

/* One channel: every string is NUL-terminated, "" when absent. */
struct m3u_entry {
	const char *title;	/* after the #EXTINF attributes' comma */
	const char *tvg_id, *tvg_name, *tvg_logo, *tvg_chno;
	const char *group;	/* group-title, else the #EXTGRP before it */
	const char *url;	/* the line after #EXTINF, blanks trimmed */
	size_t line;		/* of the #EXTINF */
	size_t url_line;
};

enum m3u_status {
	M3U_OK,
	M3U_HTML,		/* starts with '<': a web page, not a list */
	M3U_BINARY,		/* a NUL byte: compressed or not text */
	M3U_EMPTY,		/* no #EXTINF entry with a URL */
	M3U_TOO_MANY,		/* more than M3U_ENTRIES_MAX entries */
	M3U_NOMEM,
};

struct m3u {
	struct m3u_entry *e;
	size_t n;
	size_t bare;		/* URL lines without an #EXTINF, skipped */
	size_t bad_line;	/* where M3U_BINARY was seen */
	char *text;		/* a copy of the input the strings point into */
};

/* Read len bytes of buf (a UTF-8 BOM, CRLF, LF or CR line ends). */
enum m3u_status m3u_parse(struct m3u *m, const char *buf, size_t len);
void m3u_free(struct m3u *m);
/* What a status means, for messages. */
const char *m3u_status_text(enum m3u_status st);

#endif
