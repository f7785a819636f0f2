/*
 * scgi.c - the SCGI request head (scgi.h; the protocol: python.ca/scgi,
 * "SCGI: A Simple Common Gateway Interface alternative"): a netstring of
 * NUL-terminated header names and values, CONTENT_LENGTH first, SCGI=1
 * among them, then the body. Every length is read from a hostile peer:
 * digits only, no leading zero, bounded by the caller's buffer.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "scgi.h"

#define LENGTH_DIGITS_MAX 7	/* "9999999:" is past any head we take */

/* Read exactly n bytes before the deadline: 0, 408 or 400. */
static int
read_exact(int fd, char *buf, size_t n, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t r;
	int left;

	while (got < n) {
		if ((left = (int)(deadline - sd_mono_ms())) <= 0)
			return 408;
		if (poll(&pfd, 1, left) <= 0) {
			if (errno == EINTR)
				continue;
			return 408;
		}
		r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 400;
		got += (size_t)r;
	}
	return 0;
}

/* The netstring's length, read a byte at a time up to its ':'. */
static int
read_length(int fd, size_t *length, long long deadline)
{
	size_t v = 0, digits = 0;
	char c;
	int rc;

	for (;;) {
		if ((rc = read_exact(fd, &c, 1, deadline)) != 0)
			return rc;
		if (c == ':' && digits > 0)
			break;
		if (c < '0' || c > '9' || digits == LENGTH_DIGITS_MAX ||
		    (digits == 1 && v == 0))
			return 400;
		v = v * 10 + (size_t)(c - '0');
		digits++;
	}
	*length = v;
	return 0;
}

int
sd_scgi_read_head(int fd, char *buf, size_t cap, size_t *len,
    int timeout_ms)
{
	long long deadline = sd_mono_ms() + timeout_ms;
	size_t length;
	char comma;
	int rc;

	*len = 0;
	if ((rc = read_length(fd, &length, deadline)) != 0)
		return rc;
	if (length > cap)
		return 431;
	if ((rc = read_exact(fd, buf, length, deadline)) != 0 ||
	    (rc = read_exact(fd, &comma, 1, deadline)) != 0)
		return rc;
	if (comma != ',')
		return 400;
	*len = length;
	return 0;
}

/* A decimal number with no sign, no leading zero, no other byte. */
static int
decimal(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && s[n] == '\0' && (s[0] != '0' || n == 1);
}

int
sd_scgi_env(char *buf, size_t len, char **envp, size_t max)
{
	size_t off = 0, n = 0, name_len, value_len;
	char *name;
	int scgi = 0;

	if (max == 0 || len == 0 || buf[len - 1] != '\0')
		return 400;
	while (off < len) {
		name = buf + off;
		name_len = strlen(name);
		if (name_len == 0 || memchr(name, '=', name_len) != NULL ||
		    off + name_len + 1 >= len)
			return 400;	/* no name, or no value after it */
		value_len = strlen(name + name_len + 1);
		if (n == max - 1)
			return 431;
		name[name_len] = '=';	/* "NAME\0VALUE" -> "NAME=VALUE" */
		if (n == 0 && (strncmp(name, "CONTENT_LENGTH=", 15) != 0 ||
		    !decimal(name + 15)))
			return 400;
		if (strcmp(name, "SCGI=1") == 0)
			scgi = 1;
		envp[n++] = name;
		off += name_len + 1 + value_len + 1;
	}
	envp[n] = NULL;
	return scgi ? 0 : 400;
}
