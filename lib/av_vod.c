/*
 * av_vod.c - single-file output of sd-cmafmux -s (on-demand, the way
 * Shaka Packager and GPAC write it): per track and header generation one
 * file, TRACK-GEN.mp4, holding the CMAF header, a sidx and every segment
 * (styp, moof, mdat) back to back. The index lists each segment as a byte
 * range of it (sd-store(5) off=), so HLS names ranges (EXT-X-BYTERANGE)
 * and DASH the file (SegmentBase with the sidx's indexRange).
 *
 * The sidx comes before the segments but lists all of them, so it is
 * written last. Room for it is kept after the header, sized from the
 * input's duration when the demuxer knows it; at the end the sidx goes at
 * the end of that room and a free box fills what it did not use. When
 * the room is too small (a pipe of unknown length), the file is written
 * again: header, sidx, then the segments copied in the kernel
 * (copy_file_range). The file is renamed into place only when whole, and
 * the index naming it is written after that: until the input ends there
 * is no index (sd-store(5): the index never names a partial file).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "av_mux.h"
#include "segfile.h"

#define REFS_UNKNOWN	64	/* room kept when the length is unknown */

struct vodfile {
	char name[48];		/* TRACK-GEN.mp4, what the index names */
	char tmp[PATH_MAX];	/* written here, renamed when whole */
	char track[16];
	uint32_t timescale;
	int fd;
	uint64_t hlen;		/* the header's bytes, at 0 */
	uint64_t room;		/* kept after it for the sidx */
	uint64_t pos;		/* where the next segment goes */
	struct sd_bytes hdr;	/* the header again, for a rewrite */
	struct sd_cmaf_ref *refs;
	size_t nrefs, cap;
};

static struct vodfile *
vod_find(struct mux *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nvod; i++)
		if (strcmp(m->vod[i].name, name) == 0)
			return &m->vod[i];
	return NULL;
}

static void
vod_drop(struct vodfile *v)
{
	if (v->fd != -1) {
		close(v->fd);
		unlink(v->tmp);
	}
	v->fd = -1;
	sd_bytes_free(&v->hdr);
	free(v->refs);
	v->refs = NULL;
	v->nrefs = v->cap = 0;
}

/* The sidx references to keep room for: the input's length if known. */
static size_t
refs_expected(const struct mux *m)
{
	double secs = 0, n;

	if (m->streams != NULL && m->nstreams > 0 &&
	    m->streams[0].duration_us > 0 &&
	    m->streams[0].duration_us != AV_NOPTS_VALUE)
		secs = (double)m->streams[0].duration_us / AV_TIME_BASE;
	if (!(secs > 0))
		return REFS_UNKNOWN;
	/* Cuts fall on keyframes at or after the target: a quarter more
	 * and some for header changes. */
	n = secs / m->o->target * 1.25 + 16;
	return n > SD_CMAF_SIDX_MAX ? SD_CMAF_SIDX_MAX : (size_t)n;
}

static struct vodfile *
vod_slot(struct mux *m, const char *name)
{
	struct vodfile *v;
	size_t cap;

	if ((v = vod_find(m, name)) != NULL) {
		if (v->nrefs > 0) {
			warnx("%s: a second header for a file with segments",
			    name);
			return NULL;
		}
		vod_drop(v);	/* a header replaced before any segment */
		return v;
	}
	if (m->nvod == m->vod_cap) {
		cap = m->vod_cap ? m->vod_cap * 2 : 4;
		if ((v = reallocarray(m->vod, cap, sizeof(*v))) == NULL) {
			warn("sd-cmafmux");
			return NULL;
		}
		m->vod = v;
		m->vod_cap = cap;
	}
	v = &m->vod[m->nvod++];
	memset(v, 0, sizeof(*v));
	v->fd = -1;
	return v;
}

int
sd_vod_open(struct mux *m, struct trk *t, const struct sd_bytes *hdr)
{
	struct vodfile *v;

	snprintf(t->init, sizeof(t->init), "%s-%llu.mp4", t->id,
	    (unsigned long long)t->gen);
	if ((v = vod_slot(m, t->init)) == NULL)
		return -1;
	strlcpy(v->name, t->init, sizeof(v->name));
	strlcpy(v->track, t->id, sizeof(v->track));
	v->timescale = t->clk.ts;
	v->hlen = hdr->len;
	v->room = sd_cmaf_sidx_size(refs_expected(m)) + 8;
	v->pos = v->hlen + v->room;
	if (sd_bytes_put(&v->hdr, hdr->p, hdr->len) == -1) {
		warnx("%s: no memory", v->name);
		return -1;
	}
	if ((v->fd = sd_segfile_tmp(m->o->dir, v->name, v->tmp,
	    sizeof(v->tmp))) == -1) {
		warn("%s/.%s", m->o->dir, v->name);
		return -1;
	}
	if (sd_write_all(v->fd, hdr->p, hdr->len, -1) == -1) {
		warn("%s", v->tmp);
		return -1;
	}
	return 0;
}

/*
 * A discontinuity starts a DASH Period: from it on, a track whose header
 * did not change goes on in a file of its own with the same header, so
 * that each Period's SegmentBase names a file whose sidx lists that
 * Period's segments only (dash.js does not follow a sidx that lists
 * another Period's segments). Named, like a header, by its first segment.
 */
static struct vodfile *
vod_split(struct mux *m, struct trk *t, const struct vodfile *v,
    struct sd_store_seg *rec)
{
	struct sd_bytes hdr = { NULL, 0, 0, 0 };
	int rv;

	/* A copy: m->vod may move under v. */
	if (sd_bytes_put(&hdr, v->hdr.p, v->hdr.len) == -1) {
		warnx("%s: no memory", t->id);
		return NULL;
	}
	t->gen = (unsigned)t->seq;
	rv = sd_vod_open(m, t, &hdr);
	sd_bytes_free(&hdr);
	if (rv == -1 || sd_pub_note_header(m, t) == -1)
		return NULL;
	strlcpy(rec->init, t->init, sizeof(rec->init));
	return vod_find(m, t->init);
}

int
sd_vod_append(struct mux *m, struct trk *t, struct iovec *iov, size_t n,
    struct sd_store_seg *rec)
{
	struct vodfile *v = vod_find(m, t->init);
	struct sd_cmaf_ref *r;
	size_t cap;

	if (v == NULL || v->fd == -1) {
		warnx("%s: segment %llu: its file is not open", t->id,
		    (unsigned long long)rec->seq);
		return -1;
	}
	if (rec->disc && v->nrefs > 0 && (v = vod_split(m, t, v, rec)) ==
	    NULL)
		return -1;
	if (v->nrefs == SD_CMAF_SIDX_MAX) {
		warnx("%s: more than %d segments in one file (-d larger)",
		    v->name, SD_CMAF_SIDX_MAX);
		return -1;
	}
	if (v->nrefs == v->cap) {
		cap = v->cap ? v->cap * 2 : 256;
		if ((r = reallocarray(v->refs, cap, sizeof(*r))) == NULL) {
			warn("sd-cmafmux");
			return -1;
		}
		v->refs = r;
		v->cap = cap;
	}
	if (sd_segfile_pwritev(v->fd, iov, n, (off_t)v->pos) == -1) {
		warn("%s", v->tmp);
		return -1;
	}
	strlcpy(rec->file, v->name, sizeof(rec->file));
	rec->off = v->pos;
	v->refs[v->nrefs].t = (uint64_t)rec->t;
	v->refs[v->nrefs].d = (uint64_t)rec->d;
	v->refs[v->nrefs].size = rec->bytes;
	v->nrefs++;
	v->pos += rec->bytes;
	return 0;
}

/* Copy fd's bytes [from, end) to the end of out, in the kernel if it can. */
static int
copy_tail(int fd, uint64_t from, uint64_t end, int out)
{
	char buf[1 << 16];
	off_t in = (off_t)from;
	ssize_t r;

	while ((uint64_t)in < end) {
		r = copy_file_range(fd, &in, out, NULL, end - (uint64_t)in, 0);
		if (r > 0)
			continue;
		if (r == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL &&
		    errno != EOPNOTSUPP)
			return -1;
		/* No kernel copy here: read and write. */
		while ((uint64_t)in < end) {
			r = pread(fd, buf, end - (uint64_t)in < sizeof(buf) ?
			    end - (uint64_t)in : sizeof(buf), in);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			if (sd_write_all(out, buf, (size_t)r, -1) == -1)
				return -1;
			in += r;
		}
	}
	return (uint64_t)in == end ? 0 : -1;
}

/* The room was too small: header, sidx, then the segments, anew. */
static int
rewrite(struct mux *m, struct vodfile *v, const struct sd_bytes *sidx)
{
	char tmp[PATH_MAX];
	int fd;
	size_t i;

	if ((fd = sd_segfile_tmp(m->o->dir, v->name, tmp, sizeof(tmp))) ==
	    -1) {
		warn("%s/.%s", m->o->dir, v->name);
		return -1;
	}
	if (sd_write_all(fd, v->hdr.p, v->hdr.len, -1) == -1 ||
	    sd_write_all(fd, sidx->p, sidx->len, -1) == -1 ||
	    copy_tail(v->fd, v->hlen + v->room, v->pos, fd) == -1) {
		warn("%s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(v->fd);
	unlink(v->tmp);
	v->fd = fd;
	strlcpy(v->tmp, tmp, sizeof(v->tmp));
	/* Every segment moved by the same amount (off >= hlen + room). */
	for (i = 0; i < m->store.nsegs; i++)
		if (strcmp(m->store.segs[i].file, v->name) == 0)
			m->store.segs[i].off = m->store.segs[i].off +
			    sidx->len - v->room;
	v->room = sidx->len;
	return 0;
}

/* The header record of the file says where its parts are. */
static int
note_ranges(struct mux *m, const struct vodfile *v, uint64_t index_off,
    uint64_t index_bytes)
{
	struct sd_store_header *h;
	size_t i;

	for (i = 0; i < m->store.nhdrs; i++) {
		h = &m->store.hdrs[i];
		if (strcmp(h->file, v->name) == 0 &&
		    strcmp(h->track, v->track) == 0) {
			h->bytes = v->hlen;
			h->index_off = index_off;
			h->index_bytes = index_bytes;
			return 0;
		}
	}
	warnx("%s: no header record", v->name);
	return -1;
}

/* The sidx into its room (a free box before it), or the file anew. */
static int
vod_close(struct mux *m, struct vodfile *v)
{
	char path[PATH_MAX];
	struct sd_bytes sidx = { NULL, 0, 0, 0 }, pad = { NULL, 0, 0, 0 };
	uint64_t index_off;
	size_t need;
	int rv = -1;

	need = sd_cmaf_sidx_size(v->nrefs);
	if (sd_cmaf_sidx(v->timescale, v->refs, v->nrefs, &sidx) == -1) {
		warnx("%s: cannot build its sidx", v->name);
		goto out;
	}
	if (need == v->room || need + 8 <= v->room) {
		if (need < v->room && sd_cmaf_free(v->room - need, &pad) == -1)
			goto out;
		if ((pad.len > 0 && pwrite(v->fd, pad.p, pad.len,
		    (off_t)v->hlen) != (ssize_t)pad.len) ||
		    pwrite(v->fd, sidx.p, sidx.len, (off_t)(v->hlen + pad.len))
		    != (ssize_t)sidx.len) {
			warn("%s", v->tmp);
			goto out;
		}
		index_off = v->hlen + pad.len;
	} else {
		if (m->o->verbose)
			warnx("%s: %zu segments, room for the sidx of %zu: "
			    "writing it again", v->name, v->nrefs,
			    (size_t)((v->room - 48) / 12));
		if (rewrite(m, v, &sidx) == -1)
			goto out;
		index_off = v->hlen;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", m->o->dir,
	    v->name) >= sizeof(path) || close(v->fd) == -1) {
		v->fd = -1;
		warn("%s", v->tmp);
		unlink(v->tmp);
		goto out;
	}
	v->fd = -1;
	if (rename(v->tmp, path) == -1) {
		warn("%s", path);
		unlink(v->tmp);
		goto out;
	}
	rv = note_ranges(m, v, index_off, sidx.len);
out:
	sd_bytes_free(&sidx);
	sd_bytes_free(&pad);
	return rv;
}

int
sd_vod_finish(struct mux *m)
{
	size_t i;

	for (i = 0; i < m->nvod; i++) {
		struct vodfile *v = &m->vod[i];
		if (v->fd == -1)
			continue;
		if (v->nrefs == 0) {	/* a header no segment followed */
			vod_drop(v);
			continue;
		}
		if (vod_close(m, v) == -1)
			return -1;
	}
	return 0;
}

void
sd_vod_free(struct mux *m)
{
	size_t i;

	for (i = 0; i < m->nvod; i++)
		vod_drop(&m->vod[i]);
	free(m->vod);
	m->vod = NULL;
	m->nvod = m->vod_cap = 0;
}
