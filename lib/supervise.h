/*
 * supervise.h - what supervise.c shares with the start path (session.c)
 * inside lib/; the session's own entry, sd_supervise, is in sd.h for
 * sd-session(8).
 */
#ifndef SD_SUPERVISE_H
#define SD_SUPERVISE_H

/* Close every fd from lowfd up: a child keeps only what it is given. */
void sd_close_from(int lowfd);

#endif /* SD_SUPERVISE_H */
