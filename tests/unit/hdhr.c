/*
 * hdhr.c - the HDHomeRun device id: the check digit of libhdhomerun's
 * hdhomerun_discover_validate_device_id, against ids of real devices
 * (as their discover.json gave them) and every nibble changed; the id
 * kept in the spool, made once and the same on every request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdhr.h"
#include "mtap.h"

static void
test_check_digit(void)
{
	static const uint32_t real[] = { 0x1234ABC2, 0x104E8010, 0x105404BE,
	    0x10611B4C };
	uint32_t id, bad;
	size_t i;
	int shift, all = 1, fixed = 1;

	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		ok(hdhr_id_valid(real[i]), "a real device's id validates");
	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		for (shift = 0; shift < 32; shift += 4) {
			bad = real[i] ^ (1u << shift);
			all &= !hdhr_id_valid(bad);
		}
	ok(all, "one nibble changed: the id does not validate");
	for (id = 0; id < 200000; id++)
		fixed &= hdhr_id_valid(hdhr_id_fix(id * 2654435761u)) &&
		    (hdhr_id_fix(id * 2654435761u) >> 4) ==
		    ((id * 2654435761u) >> 4);
	ok(fixed, "hdhr_id_fix sets only the check digit, and it validates");
}

static void
test_stored(void)
{
	char dir[] = "/tmp/hdhr-test.XXXXXX", a[9], b[9], path[64];
	unsigned long v;
	FILE *fp;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	ok(hdhr_device_id(dir, a) == 0, "an id is made in a new spool");
	ok(hdhr_device_id(dir, b) == 0 && strcmp(a, b) == 0,
	    "the same id on the next request");
	v = strtoul(a, NULL, 16);
	ok(strlen(a) == 8 && hdhr_id_valid((uint32_t)v),
	    "8 hex digits with a valid check digit");
	snprintf(path, sizeof(path), "%s/.device-id", dir);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("12345678\n", fp);	/* a wrong check digit */
		fclose(fp);
	}
	ok(hdhr_device_id(dir, b) == 0 &&
	    hdhr_id_valid((uint32_t)strtoul(b, NULL, 16)) &&
	    strcmp(b, "12345678") != 0, "a bad stored id is replaced");
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_check_digit();
	test_stored();
	return done();
}
