/*
 * writeback.h - a file a user owns, rewritten by sd-migrate(1) and
 * sd-import(1): the same file afterwards, only its text changed.
 */
#ifndef WRITEBACK_H
#define WRITEBACK_H

#include <stddef.h>

struct sd_buf;

/*
 * Write out over file, after old (oldlen bytes) was kept as FILE.bak; old
 * NULL: file is new, no .bak. FILE is the file itself: through a symbolic
 * link, the file it names. Its owner and group (as far as this user may
 * set them), mode, extended attributes and ACLs stay; a file with other
 * hard links, or whose owner, group or attributes a new file could not
 * keep, is written in place; else a temporary renamed over it. The new
 * text is written and synced before an existing .bak is replaced. The path
 * written (the real one when file is a link) goes to real (realsz bytes).
 * Returns SD_EX_OK or SD_EX_IOERR (reported).
 */
int sd_ini_write_back(const char *file, const char *old, size_t oldlen,
    const struct sd_buf *out, char *real, size_t realsz);

#endif
