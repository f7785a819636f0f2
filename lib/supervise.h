/*
 * supervise.h - what supervise.c shares with the start path (session.c)
 * inside lib/; the session's own entry, sd_supervise, is in sd.h for
 * sd-session(8).
 */
#ifndef SD_SUPERVISE_H
#define SD_SUPERVISE_H


#endif /* SD_SUPERVISE_H */
