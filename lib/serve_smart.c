/* serve_smart.c - smart mode (placeholder until relay and decide land). */
#include "sd.h"
#include "serve_int.h"

int
srv_smart(struct srv *s, const struct sd_proxy *px, const char *name)
{
	return srv_error(s, 503, "smart mode is not wired yet", 5);
}

void
srv_session_used(struct srv *s, const char *dir)
{
}

int
srv_relay_fetch(struct srv *s, const struct sd_proxy *px, const char *variant,
    const char *file)
{
	return 0;
}

int
srv_relay_status(struct srv *s, struct sd_buf *b)
{
	return sd_buf_printf(b, "{\"sessions\":[]}");
}
