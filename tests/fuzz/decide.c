/*
 * Fuzz the decide layer: the input, read as a classification record, goes
 * through sd_decide for every client under no profile, Universal and a
 * hardware profile with fallback; read as text, through the URL, Accept
 * and User-Agent rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "config.h"
#include "decide_int.h"
#include "util_int.h"
#include "fuzz.h"

static void
profile(struct sd_profile *p, const char *name, const char *v, const char *a)
{
	sd_profile_defaults(p, name);
	strlcpy(p->video_codec, v, sizeof(p->video_codec));
	strlcpy(p->audio_codec, a, sizeof(p->audio_codec));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_decide_opts o = { .dev_root = "/nonexistent" };
	struct sd_profile p[3];
	struct sd_rec r, out;
	enum sd_client c;
	char *text;
	int i, k;

	profile(&p[0], "Universal", "libx264", "aac");
	profile(&p[1], "GPU", "hevc_vaapi", "libopus");
	strlcpy(p[1].fallback, "software", sizeof(p[1].fallback));
	p[1].width = 640;
	p[1].crf = 30;
	profile(&p[2], "VP9", "libvpx-vp9", "copy");
	strlcpy(p[2].framerate, "30000/1001", sizeof(p[2].framerate));
	sd_rec_init(&r);
	if (sd_rec_parse(&r, (const char *)data, size, "fuzz") == 0) {
		for (c = SD_CLIENT_HLS; c <= SD_CLIENT_TS; c++) {
			for (k = -1; k < 3; k++) {
				sd_rec_init(&out);
				sd_decide(&r, c, k < 0 ? NULL : &p[k], &o, &out);
				sd_rec_free(&out);
			}
		}
	}
	sd_rec_free(&r);
	if ((text = fuzz_string(data, size)) == NULL)
		return 0;
	i = sd_client_from_url(text, &c);
	i += sd_client_from_accept(text, &c);
	i += sd_client_from_ua(text, &c);
	(void)i;
	free(text);
	return 0;
}
