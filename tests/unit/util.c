/*
 * util.c unit tests: the small things libsd writes once (util_int.h):
 * frame rates, JSON strings, path:line messages, the bounded write, the
 * clocks.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "mtap.h"

static void
rate(const char *s, long long num, long long den)
{
	long long n = -1, d = -1;
	char desc[128];

	snprintf(desc, sizeof(desc), "frame rate \"%s\" is %lld/%lld", s,
	    num, den);
	ok(sd_frame_rate_parse(s, &n, &d) == 0 && n == num && d == den, desc);
}

static void
not_rate(const char *s)
{
	long long n, d;
	char desc[128];

	snprintf(desc, sizeof(desc), "\"%s\" is not a frame rate", s);
	ok(sd_frame_rate_parse(s, &n, &d) == -1 && sd_frame_rate_value(s) == 0,
	    desc);
}

static void
frame_rates(void)
{
	static const char *const bad[] = { "", "25/0", "-25", "+25", "25fps",
	    "2.5e1", "0x19", "25.", ".5", "25/", "/25", "1/2/3", "25 / 1",
	    "1234567890", "25/1234567890", "inf", "nan", "25.0.0" };
	size_t i;

	rate("25", 25, 1);
	rate("30000/1001", 30000, 1001);
	rate("29.97", 2997, 100);
	rate("25.000", 25000, 1000);
	rate("0.5", 5, 10);
	rate(" 50 ", 50, 1);
	rate("999999999/999999999", 999999999, 999999999);
	rate("59.940059940059", 59940059940LL, 1000000000);
	for (i = 0; i < SD_ARRAY_LEN(bad); i++)
		not_rate(bad[i]);
	ok(sd_frame_rate_value("30000/1001") > 29.97 &&
	    sd_frame_rate_value("30000/1001") < 29.98, "30000/1001: 29.97...");
	ok(sd_frame_rate_value(NULL) == 0, "NULL: 0");
	ok(sd_frame_rate_ok("25") && sd_frame_rate_ok("30000/1001") &&
	    sd_frame_rate_ok("1000"), "25, 30000/1001, 1000: a video's rates");
	ok(!sd_frame_rate_ok("90000") && !sd_frame_rate_ok("1001/1") &&
	    !sd_frame_rate_ok("0") && !sd_frame_rate_ok("25fps") &&
	    !sd_frame_rate_ok(NULL), "90000 (a time base), 0, 25fps, NULL: not");
}

static void
json(void)
{
	struct sd_buf b;

	sd_buf_init(&b);
	sd_json_string(&b, "a\"b\\c\n\x01/é");
	is_str(b.p, "\"a\\\"b\\\\c\\u000a\\u0001/é\"",
	    "JSON string: quote, backslash and controls escaped");
	sd_buf_free(&b);
	sd_json_string(&b, "");
	is_str(b.p, "\"\"", "JSON string: empty");
	sd_buf_free(&b);
}

static void
messages(void)
{
	const char *got;

	capture_start();
	sd_warn_at("proxies.ini", 12, "mode = %s: unknown", "x");
	sd_warn_at("sd.ini", 0, "cannot read");
	got = capture_end();
	ok(strstr(got, ": proxies.ini:12: mode = x: unknown\n") != NULL,
	    "path:line: message");
	ok(strstr(got, ": sd.ini: cannot read\n") != NULL,
	    "path: message when there is no line");
}

static void
writes(void)
{
	static char big[1 << 20];
	char buf[64];
	int sv[2], p[2];
	ssize_t n;

	ok(pipe(p) == 0, "a pipe");
	ok(sd_write_all(p[1], "hello", 5, -1) == 0 &&
	    read(p[0], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0,
	    "write all to a pipe");
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	errno = 0;
	ok(sd_write_all(p[1], big, sizeof(big), 50) == -1 &&
	    errno == ETIMEDOUT, "a reader that takes nothing: ETIMEDOUT");
	close(p[0]);
	close(p[1]);

	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "a socket pair");
	close(sv[1]);
	signal(SIGPIPE, SIG_DFL);
	errno = 0;
	n = sd_write_all(sv[0], "x", 1, 1000);
	ok(n == -1 && errno == EPIPE, "a peer gone: EPIPE, not SIGPIPE");
	close(sv[0]);
}

static void
clocks(void)
{
	long long m = sd_mono_ms(), r = sd_real_ms();

	ok(m > 0 && sd_mono_ms() >= m, "the monotonic clock does not go back");
	ok(r > 1700000000000LL && r < 4102444800000LL,
	    "the real clock is in milliseconds since 1970");
}

static void
near_names(void)
{
	const char *profiles[] = { "Universal", "Efficiency", "VP9Opus",
	    "AV1Opus" };
	const char *keys[] = { "source", "name", "group", "logo", "mode" };

	ok(sd_near_name("universal", profiles, 4) == profiles[0],
	    "near: case only");
	ok(sd_near_name("Univrsal", profiles, 4) == profiles[0],
	    "near: one letter left out");
	ok(sd_near_name("Efficency", profiles, 4) == profiles[1],
	    "near: a typo");
	ok(sd_near_name("VP8Opus", (const char *[]){ "VP9Opus", "VP7Opus" },
	    2) == NULL, "near: as near to two names: none");
	ok(sd_near_name("Cinema", profiles, 4) == NULL, "near: nothing near");
	ok(sd_near_name("sorce", keys, 5) == keys[0], "near: sorce -> source");
	ok(sd_near_name("nam", keys, 5) == keys[1], "near: nam -> name");
	ok(sd_near_name("xy", keys, 0) == NULL, "near: no names");
}

int
main(void)
{
	near_names();
	frame_rates();
	json();
	messages();
	writes();
	clocks();
	return done();
}
