/*
 * av_load.c - sd-cmafmux's libav* edge, loaded when an input needs it
 * (av_edge.h): libsd-av.so, found as sd's sibling programs are (next to the
 * program, then in LIBEXECDIR). An MPEG-TS input never gets here, so its
 * process maps none of libavformat, libavcodec, libavutil and the
 * hundred-odd libraries they pull in.
 */
#include <dlfcn.h>
#include <err.h>
#include <limits.h>

#include "sd.h"
#include "av_edge.h"
#include "util_int.h"

#define EDGE_FILE	"libsd-av.so"

const struct sd_edge_ops *
sd_edge_load(const struct sd_mux_opts *o)
{
	static const struct sd_edge_ops *ops;
	char path[PATH_MAX];
	void *h;

	if (ops != NULL)
		return ops;
	if (o->edge != NULL) {
		ops = o->edge;	/* linked in (a test, the fuzzer) */
		ops->init(o);
		return ops;
	}
	if (sd_sibling_path(EDGE_FILE, path, sizeof(path)) == -1) {
		warn("%s", EDGE_FILE);
		return NULL;
	}
	/* RTLD_LOCAL: the edge's libraries stay its own; RTLD_NOW: a
	 * missing symbol fails here, not halfway through a run */
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		warnx("cannot load the libav* edge: %s", dlerror());
		return NULL;
	}
	if ((ops = dlsym(h, "sd_av_edge")) == NULL) {
		warnx("%s: no sd_av_edge: %s", path, dlerror());
		dlclose(h);
		return NULL;
	}
	ops->init(o);
	return ops;
}
