/*
 * fetch_int.h - what fetch.c (the exchange: request, head, body, the https
 * child) takes from fetch_guard.c (where a fetch may go and the connection
 * there). Not public: the relay uses fetch.h.
 */
#ifndef FETCH_INT_H
#define FETCH_INT_H

#include <stddef.h>

#include "fetch_guard.h"

/* Milliseconds left before deadline, at most ms (deadline <= 0: ms). */
int fetch_left_ms(long long deadline, int ms);
/*
 * 1, with a log line and errno EACCES, when g refuses url: not the
 * source's origin nor in allow_hosts (hops > 0: the URL of a redirect).
 */
int fetch_hop_refused(const struct sd_fetch_guard *g, const char *url,
    int hops);
/*
 * A TCP connection to u's host and port within timeout_ms and deadline
 * (<= 0: none); unless g lets u's host be any address, only to a public
 * one. -1 with errno (EACCES, ETIMEDOUT, EHOSTUNREACH, ...).
 */
int fetch_tcp(const struct sd_fetch_guard *g, const struct sd_url *u,
    int timeout_ms, long long deadline);
/*
 * For curl under g: 1 with pin ("host:port:address", for --resolve) the
 * first public address of u's host; 0 when u's host may be any address
 * (no pin); -1 (EACCES, EHOSTUNREACH) when it has no public one.
 */
int fetch_https_pin(const struct sd_fetch_guard *g, const struct sd_url *u,
    char *pin, size_t len);

#endif /* FETCH_INT_H */
