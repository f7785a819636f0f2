/*
 * tsmux_au.c - access units as MPEG-TS carries them (tsmux.h): H.264 and
 * HEVC in Annex B with an access unit delimiter first and the parameter
 * sets before each keyframe (ISO/IEC 13818-1 2.14 and 2.17, and what HLS
 * clients that join at a segment need), whatever form they came in (Annex
 * B from MPEG-TS, avcC/hvcC length prefixes from MP4 and Matroska); raw
 * AAC frames with an ADTS header (ISO/IEC 13818-7 6.2), as stream_type
 * 0x0f wants.
 */
#include <string.h>

#include "nal.h"
#include "tsmux.h"

static const uint8_t start_code[4] = { 0, 0, 0, 1 };
static const uint8_t aud_h264[] = { 0, 0, 0, 1, 0x09, 0xf0 };
static const uint8_t aud_hevc[] = { 0, 0, 0, 1, 0x46, 0x01, 0x50 };

static int
nal_type(int hevc, uint8_t b)
{
	return hevc ? (b >> 1) & 0x3f : b & 0x1f;
}

static int
is_aud(int hevc, int type)
{
	return type == (hevc ? 35 : 9);
}

static int
is_sps(int hevc, int type)
{
	return type == (hevc ? 33 : 7);
}

static int
is_param_set(int hevc, int type)
{
	return hevc ? type >= 32 && type <= 34 : type == 7 || type == 8 ||
	    type == 13;
}

static void
put_nal(struct sd_bytes *out, const uint8_t *nal, size_t len)
{
	sd_bytes_put(out, start_code, sizeof(start_code));
	sd_bytes_put(out, nal, len);
}

/* ------------------------------------------------------------ NAL units */

/* The NAL units of an AU: Annex B (nal_len 0) or length-prefixed. */
struct nal_it {
	const uint8_t *p;
	size_t n, pos;
	int nal_len;
};

/* 1: the next NAL unit in *nal, *len; 0: no more; -1: a prefix overruns. */
static int
nal_next(struct nal_it *it, const uint8_t **nal, size_t *len)
{
	size_t v;
	int k;

	if (it->nal_len == 0)
		return sd_annexb_next(it->p, it->n, &it->pos, nal, len) ? 1 : 0;
	for (;;) {
		if (it->pos == it->n)
			return 0;
		if (it->n - it->pos < (size_t)it->nal_len)
			return -1;
		for (v = 0, k = 0; k < it->nal_len; k++)
			v = v << 8 | it->p[it->pos++];
		if (v > it->n - it->pos)
			return -1;
		*nal = it->p + it->pos;
		*len = v;
		it->pos += v;
		if (v > 0)
			return 1;
	}
}

/* A record's u16-length-prefixed NAL units, parameter sets kept. */
static int
record_nals(int hevc, const uint8_t *cfg, size_t n, size_t *pos,
    unsigned count, int type, struct sd_bytes *out)
{
	size_t len;

	while (count-- > 0) {
		if (n - *pos < 2)
			return -1;
		len = (size_t)cfg[*pos] << 8 | cfg[*pos + 1];
		*pos += 2;
		if (len > n - *pos)
			return -1;
		if (len > 0 && is_param_set(hevc, type < 0 ?
		    nal_type(hevc, cfg[*pos]) : type))
			put_nal(out, cfg + *pos, len);
		*pos += len;
	}
	return 0;
}

/* avcC, ISO/IEC 14496-15 5.3.3.1: SPS then PPS. */
static int
avcc_sets(const uint8_t *cfg, size_t n, struct sd_bytes *out)
{
	size_t pos = 6;

	if (n < 7 || record_nals(0, cfg, n, &pos, cfg[5] & 0x1f, -1, out) ==
	    -1 || pos >= n)
		return -1;
	pos++;
	return record_nals(0, cfg, n, &pos, cfg[pos - 1], -1, out);
}

/* hvcC, ISO/IEC 14496-15 8.3.3.1: arrays of NAL units by type. */
static int
hvcc_sets(const uint8_t *cfg, size_t n, struct sd_bytes *out)
{
	size_t pos = 23;
	unsigned arrays, type, count;

	if (n < 23)
		return -1;
	for (arrays = cfg[22]; arrays > 0; arrays--) {
		if (n - pos < 3)
			return -1;
		type = cfg[pos] & 0x3f;
		count = (unsigned)cfg[pos + 1] << 8 | cfg[pos + 2];
		pos += 3;
		if (record_nals(1, cfg, n, &pos, count, (int)type, out) == -1)
			return -1;
	}
	return 0;
}

int
sd_tsm_param_sets(int hevc, const uint8_t *cfg, size_t n,
    struct sd_bytes *out, int *nal_len)
{
	struct nal_it it = { cfg, n, 0, 0 };
	const uint8_t *nal;
	size_t len;

	out->len = 0;
	*nal_len = 0;
	if (cfg == NULL || n == 0)
		return 0;
	if (sd_is_annexb(cfg, n)) {
		while (nal_next(&it, &nal, &len) == 1)
			if (is_param_set(hevc, nal_type(hevc, nal[0])))
				put_nal(out, nal, len);
	} else if (cfg[0] == 1 && !hevc && n >= 7) {
		*nal_len = (cfg[4] & 3) + 1;
		if (avcc_sets(cfg, n, out) == -1)
			return -1;
	} else if (cfg[0] == 1 && hevc && n >= 23) {
		*nal_len = (cfg[21] & 3) + 1;
		if (hvcc_sets(cfg, n, out) == -1)
			return -1;
	} else
		return -1;
	return out->failed ? -1 : 0;
}

/* ------------------------------------------------------------ video AUs */

/*
 * it's NAL units walked to the end: whether the first is an AUD, whether
 * an SPS is among them. 1 when there is one at least and no length prefix
 * overruns; it is left at the start again.
 */
static int
au_scan(int hevc, struct nal_it *it, int *first_aud, int *has_sps)
{
	const uint8_t *nal;
	size_t len;
	int rv, count = 0;

	*first_aud = *has_sps = 0;
	it->pos = 0;
	while ((rv = nal_next(it, &nal, &len)) == 1) {
		int type = nal_type(hevc, nal[0]);
		if (count++ == 0)
			*first_aud = is_aud(hevc, type);
		*has_sps |= is_sps(hevc, type);
	}
	it->pos = 0;
	return rv == 0 && count > 0;
}

int
sd_tsm_video_au(int hevc, const uint8_t *p, size_t n, int key,
    const uint8_t *ps, size_t ps_len, int nal_len, struct sd_bytes *scratch,
    const uint8_t **q, size_t *qn)
{
	struct nal_it it = { p, n, 0, nal_len };
	const uint8_t *nal;
	size_t len;
	int first = 1, first_aud, has_sps, need_ps;

	/*
	 * The form the configuration names when the prefixes walk the AU
	 * whole, else Annex B: a length-prefixed AU can start as a start
	 * code does (00 00 01 is a 4-byte length of 256 to 511), and an
	 * Annex B one fails the walk (its 00 00 00 01 reads as a length of
	 * 1, and the next as one past the end).
	 */
	if (nal_len == 0 || !au_scan(hevc, &it, &first_aud, &has_sps)) {
		it.nal_len = 0;
		if (!sd_is_annexb(p, n) ||
		    !au_scan(hevc, &it, &first_aud, &has_sps))
			return 1;	/* neither form, or no NAL unit */
	}
	need_ps = key && !has_sps && ps_len > 0;
	if (it.nal_len == 0 && first_aud && !need_ps) {
		*q = p;
		*qn = n;
		return 0;
	}
	scratch->len = 0;
	scratch->failed = 0;
	if (!first_aud)
		sd_bytes_put(scratch, hevc ? aud_hevc : aud_h264,
		    hevc ? sizeof(aud_hevc) : sizeof(aud_h264));
	while (nal_next(&it, &nal, &len) == 1) {
		if (!first || !first_aud) {
			if (need_ps)
				sd_bytes_put(scratch, ps, ps_len);
			need_ps = 0;
		}
		put_nal(scratch, nal, len);
		first = 0;
	}
	if (scratch->failed)
		return -1;
	*q = scratch->p;
	*qn = scratch->len;
	return 0;
}

/* ------------------------------------------------------------ AAC */

int
sd_tsm_is_adts(const uint8_t *p, size_t n)
{
	return n >= 7 && p[0] == 0xff && (p[1] & 0xf6) == 0xf0;
}

int
sd_tsm_asc(const uint8_t *asc, size_t n, int *profile, int *sr_index,
    int *ch)
{
	int aot;

	if (asc == NULL || n < 2)
		return -1;
	aot = asc[0] >> 3;
	*sr_index = (asc[0] & 7) << 1 | asc[1] >> 7;
	*ch = (asc[1] >> 3) & 0xf;
	if (aot < 1 || aot > 4 || *sr_index > 12 || *ch == 0 || *ch > 7)
		return -1;
	*profile = aot - 1;
	return 0;
}

int
sd_tsm_adts_header(uint8_t h[7], int profile, int sr_index, int ch, size_t n)
{
	size_t len = n + 7;

	if (len > 0x1fff)
		return -1;
	h[0] = 0xff;
	h[1] = 0xf1;		/* MPEG-4, layer 0, no CRC */
	h[2] = (uint8_t)(profile << 6 | sr_index << 2 | ch >> 2);
	h[3] = (uint8_t)((ch & 3) << 6 | len >> 11);
	h[4] = (uint8_t)(len >> 3);
	/* buffer fullness 0x7ff: VBR */
	h[5] = (uint8_t)((len & 7) << 5 | 0x1f);
	h[6] = 0xfc;		/* one raw data block */
	return 0;
}
