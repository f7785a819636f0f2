/*
 * hdhr.h - the HDHomeRun device id of hdhr.c, apart from its routes
 * (serve_int.h) for the unit test. Not a public interface.
 */
#ifndef SD_HDHR_H
#define SD_HDHR_H

#include <stdint.h>

/* id with its last nibble set to libhdhomerun's check digit. */
uint32_t hdhr_id_fix(uint32_t id);
/* 1 when id's check digit is right (hdhomerun_discover_validate_device_id). */
int hdhr_id_valid(uint32_t id);
/* The install's id (8 upper-case hex digits) from SPOOL/.device-id, made
 * on first use. 0 or -1. */
int hdhr_device_id(const char *spool, char out[9]);

#endif
