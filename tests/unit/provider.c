/*
 * provider.c unit tests: which provider a proxy counts against (its
 * [provider.NAME], else its source's host with the smallest limit of that
 * host's proxies), and the slots of a spool: taken up to the limit, the
 * next refused with EUSERS and the holders named, freed when the holder's
 * descriptor closes (as when a session ends or crashes).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "provider.h"
#include "spool.h"
#include "mtap.h"

static struct sd_proxy proxies[6];
static struct sd_provider providers[1];
static struct sd_config cfg;

static void
proxy(size_t i, const char *id, const char *source, const char *provider,
    int max)
{
	memset(&proxies[i], 0, sizeof(proxies[i]));
	strlcpy(proxies[i].id, id, sizeof(proxies[i].id));
	strlcpy(proxies[i].source, source, sizeof(proxies[i].source));
	strlcpy(proxies[i].provider, provider, sizeof(proxies[i].provider));
	proxies[i].max_connections = max;
}

static void
setup(const char *spool)
{
	memset(&cfg, 0, sizeof(cfg));
	strlcpy(cfg.settings.spool, spool, sizeof(cfg.settings.spool));
	cfg.settings.idle_timeout = 30;
	memset(providers, 0, sizeof(providers));
	strlcpy(providers[0].name, "acme", sizeof(providers[0].name));
	providers[0].max_connections = 2;
	cfg.providers = providers;
	cfg.nproviders = 1;
	proxy(0, "a", "http://u:p@Up.Example:8080/a.ts", "", 3);
	proxy(1, "b", "https://up.example:8080/b.m3u8 http://spare/b", "", 1);
	proxy(2, "c", "http://up.example:8080/c.ts", "", 0);
	proxy(3, "d", "http://up.example/d.ts", "", 0);
	proxy(4, "e", "http://other/e.ts", "acme", 0);
	proxy(5, "f", "/srv/loop.ts", "", 1);
	cfg.proxies = proxies;
	cfg.nproxies = SD_ARRAY_LEN(proxies);
}

static void
which(size_t i, const char *key, const char *name, int max)
{
	struct sd_provider_ref ref;
	char desc[256];

	snprintf(desc, sizeof(desc), "%s: provider %s (%s), max %d",
	    proxies[i].id, name, key, max);
	ok(sd_provider_of(&cfg, &proxies[i], &ref) == 0 &&
	    strcmp(ref.key, key) == 0 && strcmp(ref.name, name) == 0 &&
	    ref.max == max, desc);
	if (strcmp(ref.key, key) != 0 || strcmp(ref.name, name) != 0 ||
	    ref.max != max)
		printf("# got %s (%s), max %d\n", ref.name, ref.key, ref.max);
}

static void
test_which(void)
{
	which(0, "h.up.example_8080", "up.example:8080", 1);
	which(1, "h.up.example_8080", "up.example:8080", 1);
	which(2, "h.up.example_8080", "up.example:8080", 1);
	which(3, "h.up.example", "up.example", 0);
	which(4, "p.acme", "acme", 2);
	which(5, "x.f", "f", 1);
}

static void
test_slots(void)
{
	char why[512];
	int s1, s2, s3, retry = -1;

	ok(sd_provider_take(&cfg, &proxies[3], "ts", &s1, why, sizeof(why),
	    &retry) == 0 && s1 == -1, "an unlimited provider: no slot");
	ok(sd_provider_take(&cfg, &proxies[4], "ts", &s1, why, sizeof(why),
	    &retry) == 0 && s1 >= 0, "acme: a first slot");
	ok(sd_provider_room(&cfg, &proxies[4], why, sizeof(why), &retry) == 0,
	    "acme: room for more");
	ok(sd_provider_take(&cfg, &proxies[4], "pass", &s2, why, sizeof(why),
	    &retry) == 0 && s2 >= 0, "acme: a second slot (its passthrough)");
	errno = 0;
	ok(sd_provider_take(&cfg, &proxies[4], "ts", &s3, why, sizeof(why),
	    &retry) == -1 && errno == EUSERS && s3 == -1,
	    "acme: a third is refused with EUSERS");
	is_str(why, "provider acme allows 2 connections; in use by channels "
	    "e, e (passthrough)", "... saying by whom");
	ok(retry >= 1 && retry <= 31, "... and a Retry-After within the idle "
	    "timeout");
	ok(sd_provider_room(&cfg, &proxies[4], why, sizeof(why), &retry) == 0,
	    "room for e itself, which holds a slot");
	close(s1);
	ok(sd_provider_take(&cfg, &proxies[4], "ts", &s3, why, sizeof(why),
	    &retry) == 0 && s3 >= 0, "a slot is free once its holder closes it");
	close(s2);
	close(s3);

	ok(sd_provider_take(&cfg, &proxies[0], "ts", &s1, why, sizeof(why),
	    &retry) == 0 && s1 >= 0, "up.example:8080: a's slot");
	errno = 0;
	ok(sd_provider_room(&cfg, &proxies[2], why, sizeof(why), &retry) ==
	    -1 && errno == EUSERS, "c of the same host: no room");
	is_str(why, "provider up.example:8080 allows 1 connection; in use by "
	    "channel a", "... the host is named");
	close(s1);
}

static void
test_status(void)
{
	struct sd_buf b;
	int s1;
	char why[512];
	int retry;

	sd_provider_take(&cfg, &proxies[4], "ts", &s1, why, sizeof(why),
	    &retry);
	sd_buf_init(&b);
	sd_provider_status(&cfg, &b);
	is_str(b.p, "[{\"provider\":\"acme\",\"kind\":\"section\",\"max\":2,"
	    "\"used\":1,\"channels\":[\"e\"]},{\"provider\":\"up.example:8080\","
	    "\"kind\":\"host\",\"max\":1,\"used\":0,\"channels\":[]},"
	    "{\"provider\":\"f\",\"kind\":\"proxy\",\"max\":1,\"used\":0,"
	    "\"channels\":[]}]", "status: each provider with a limit, once");
	sd_buf_free(&b);
	close(s1);
}

int
main(void)
{
	char spool[256];
	const char *tmp = getenv("TMPDIR");

	snprintf(spool, sizeof(spool), "%s/sd-provider-test.XXXXXX",
	    tmp ? tmp : "/tmp");
	if (mkdtemp(spool) == NULL) {
		perror(spool);
		return 2;
	}
	setup(spool);
	test_which();
	test_slots();
	test_status();
	if (sd_spool_rmtree(spool, 0) == -1)
		printf("# could not remove %s\n", spool);
	return done();
}
