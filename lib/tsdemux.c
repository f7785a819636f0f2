/*
 * tsdemux.c - MPEG-TS (ISO/IEC 13818-1) demuxer without libav*, for the
 * TS fast path of sd-cmafmux. See tsdemux.h for the interface.
 *
 * Three layers, each bounded by what the layer below proved:
 *   sync	packets found in any chunking of the input (a small stage
 *		holds partial packets and the bytes searched for sync);
 *   packet	header, adaptation field, continuity counter per PID;
 *   payload	PSI sections (PAT, the PMT of one program) gathered across
 *		packets and CRC-checked; PES gathered per elementary stream
 *		and handed out whole with its PTS/DTS.
 * Every length read from the input is checked against the bytes that
 * hold it before use; hostile input costs at most the caps of tsdemux.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tsdemux.h"
#include "tsdemux_int.h"

#define SYNC		0x47
#define NPIDS		8192
#define STAGE_CAP	2048		/* > (SYNC_RUN - 1) * 204 + 204 */
#define SECTION_MAX	1024		/* 3 + the 1021 PAT/PMT may hold */
#define PES_MIN_CAP	(64 << 10)

/* What a PID is to us (pid_slot). */
enum { SLOT_NONE, SLOT_PAT, SLOT_PMT, SLOT_PCR, SLOT_ES };
#define NSLOTS	(SLOT_ES + SD_TSD_MAX_STREAMS)

struct cc_state {
	int last;			/* -1: nothing seen yet */
	int dup;			/* the last packet was repeated once */
	uint8_t fp[36];			/* its header, first and last 16
					   payload bytes */
};

struct section {
	uint8_t buf[SECTION_MAX];
	size_t len, need;		/* need: 3 until the length is read */
	int active, sized;		/* sized: need is the whole section */
	uint8_t last[SECTION_MAX];	/* the last one taken, to skip repeats */
	size_t last_len;
};

struct es {
	uint8_t *buf;			/* the PES being gathered, reused */
	size_t len, cap, max;
	int open;
	unsigned flags;			/* of the open PES */
	unsigned pending;		/* DISCONT for the next PES */
	uint64_t pos;
};

struct sd_tsd {
	struct sd_tsd_cb cb;
	int want_program;
	struct sd_tsd_stats st;

	/* sync */
	uint8_t stage[STAGE_CAP];
	size_t stage_len;
	uint64_t stage_pos;		/* input offset of stage[0] */
	int locked, stride;
	size_t skip;			/* bytes between packets (192, 204) */

	/* packets */
	uint64_t pos;			/* of the packet in hand (M2TS: its
					   4-byte prefix, as libavformat) */
	uint8_t pid_slot[NPIDS];
	struct cc_state cc[NSLOTS];
	struct section pat, pmt;

	/* the program followed */
	int program_number, pmt_pid;
	struct sd_tsd_program prog;
	struct es es[SD_TSD_MAX_STREAMS];
	int next_id;
};

/* ------------------------------------------------------------ helpers */

/* CRC-32/MPEG-2: over a whole section including its CRC it gives 0. */
uint32_t
sd_ts_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	int k;

	while (n-- > 0) {
		crc ^= (uint32_t)*p++ << 24;
		for (k = 0; k < 8; k++)
			crc = crc & 0x80000000u ? (crc << 1) ^ 0x04c11db7u :
			    crc << 1;
	}
	return crc;
}

static int64_t
read_ts(const uint8_t *p)
{
	return (int64_t)((p[0] >> 1) & 7) << 30 | (int64_t)p[1] << 22 |
	    (int64_t)(p[2] >> 1) << 15 | (int64_t)p[3] << 7 | p[4] >> 1;
}

const char *
sd_tsd_codec_name(enum sd_tsd_codec c)
{
	static const char *const names[] = { "none", "h264", "hevc", "aac",
	    "aac_latm", "ac3", "eac3", "mpeg_audio", "opus" };

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] :
	    "none";
}

/* ------------------------------------------------------------- PES */

static int
pes_has_header(int stream_id)
{
	/* program_stream_map, padding, private_2, ECM, EMM, directory,
	   DSM-CC, H.222.1 type E: no optional PES header */
	return stream_id != 0xbc && stream_id != 0xbe && stream_id != 0xbf &&
	    stream_id != 0xf0 && stream_id != 0xf1 && stream_id != 0xff &&
	    stream_id != 0xf2 && stream_id != 0xf8;
}

/* Parse the PES pes[0..len) and hand its payload out. */
static int
pes_deliver(struct sd_tsd *d, int i, const uint8_t *pes, size_t len,
    unsigned flags, uint64_t pos)
{
	const struct sd_tsd_stream *s = &d->prog.streams[i];
	struct sd_tsd_au au;
	size_t end, hlen = 6;
	int plen, pd;

	if (len < 6 || pes[0] != 0 || pes[1] != 0 || pes[2] != 1) {
		d->st.pes_errors++;
		return 0;
	}
	plen = pes[4] << 8 | pes[5];
	end = plen != 0 ? 6 + (size_t)plen : len;
	if (end > len) {		/* cut short by the next start */
		flags |= SD_TSD_DAMAGED;
		end = len;
	}
	au.pts = au.dts = SD_TSD_NOTS;
	if (pes_has_header(pes[3])) {
		if (end < 9 || (pes[6] & 0xc0) != 0x80 ||
		    (hlen = 9 + (size_t)pes[8]) > end) {
			d->st.pes_errors++;
			return 0;
		}
		pd = pes[7] >> 6;
		if (pd >= 2 && hlen >= 14)
			au.pts = au.dts = read_ts(pes + 9);
		if (pd == 3 && hlen >= 19)
			au.dts = read_ts(pes + 14);
		if (pd == 1 || (pd >= 2 && hlen < 14) || (pd == 3 && hlen < 19))
			d->st.pes_errors++;
	}
	if (end == hlen)
		return 0;		/* nothing to hand out */
	au.stream = s;
	au.data = pes + hlen;
	au.len = end - hlen;
	au.pos = pos;
	if (!s->is_video || sd_tsd_video_key(s->codec, au.data, au.len))
		flags |= SD_TSD_KEY;
	au.flags = flags;
	d->st.aus++;
	if (flags & SD_TSD_DAMAGED)
		d->st.damaged++;
	return d->cb.au != NULL ? d->cb.au(d->cb.arg, &au) : 0;
}

static int
es_finish(struct sd_tsd *d, int i)
{
	struct es *e = &d->es[i];

	if (!e->open)
		return 0;
	e->open = 0;
	return pes_deliver(d, i, e->buf, e->len, e->flags, e->pos);
}

/* Append to the open PES, growing its buffer up to its cap. */
static void
es_append(struct sd_tsd *d, struct es *e, const uint8_t *p, size_t n)
{
	size_t want = e->len + n, cap;
	uint8_t *nb;

	if (e->flags & SD_TSD_TRUNC)
		return;
	if (want > e->cap) {
		cap = e->cap ? e->cap : PES_MIN_CAP;
		while (cap < want && cap < e->max)
			cap *= 2;
		if (cap > e->max)
			cap = e->max;
		if (cap > e->cap && (nb = realloc(e->buf, cap)) != NULL) {
			e->buf = nb;
			e->cap = cap;
		}
		if (want > e->cap) {	/* the cap, or out of memory */
			e->flags |= SD_TSD_TRUNC | SD_TSD_DAMAGED;
			d->st.truncated++;
			n = e->cap - e->len;
		}
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

/* The PES length, once its first 6 bytes are in: 0 when unbounded. */
static size_t
es_declared(const struct es *e)
{
	if (e->len < 6)
		return 0;
	return (e->buf[4] << 8 | e->buf[5]) == 0 ? 0 :
	    6 + (size_t)(e->buf[4] << 8 | e->buf[5]);
}

static int
es_payload(struct sd_tsd *d, int i, const uint8_t *p, size_t n, int pusi,
    unsigned pflags, uint64_t pos)
{
	struct es *e = &d->es[i];
	size_t want;
	int rv;

	if (pusi) {
		if ((rv = es_finish(d, i)) != 0)
			return rv;
		e->open = 1;
		e->len = 0;
		e->flags = e->pending | pflags;
		e->pending = 0;
		e->pos = pos;
		/* whole in this packet: hand out the packet's own bytes */
		if (n >= 6 && p[0] == 0 && p[1] == 0 && p[2] == 1 &&
		    (p[4] | p[5]) != 0 &&
		    (want = 6 + (size_t)(p[4] << 8 | p[5])) <= n) {
			e->open = 0;
			return pes_deliver(d, i, p, want, e->flags, pos);
		}
	} else if (!e->open)
		return 0;		/* no start seen yet */
	es_append(d, e, p, n);
	if ((want = es_declared(e)) != 0 && e->len >= want) {
		if (e->len > want)
			d->st.pes_errors++;	/* bytes past its length */
		return es_finish(d, i);
	}
	return 0;
}

/* ------------------------------------------------------- PSI: PAT/PMT */

struct desc_info {
	uint32_t reg;			/* registration format_identifier */
	int ac3, eac3, opus;
	char lang[4];
};

static void
read_descriptors(const uint8_t *p, size_t n, struct desc_info *di)
{
	size_t j = 0, len;
	int k;

	while (j + 2 <= n && (len = p[j + 1]) <= n - j - 2) {
		const uint8_t *v = p + j + 2;

		switch (p[j]) {
		case 0x05:
			if (len >= 4)
				di->reg = (uint32_t)v[0] << 24 | v[1] << 16 |
				    v[2] << 8 | v[3];
			break;
		case 0x0a:
			if (len >= 3 && di->lang[0] == '\0') {
				for (k = 0; k < 3 && v[k] >= 'a' &&
				    v[k] <= 'z'; k++)
					di->lang[k] = (char)v[k];
				di->lang[k < 3 ? 0 : 3] = '\0';
			}
			break;
		case 0x6a:
			di->ac3 = 1;
			break;
		case 0x7a:
			di->eac3 = 1;
			break;
		case 0x7f:			/* DVB extension: 0x80 Opus */
			if (len >= 1 && v[0] == 0x80)
				di->opus = 1;
			break;
		}
		j += 2 + len;
	}
}

#define FOURCC(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (c) << 8 | (d))

static enum sd_tsd_codec
codec_of(int type, const struct desc_info *di)
{
	switch (type) {
	case 0x1b: return SD_TSD_H264;
	case 0x24: return SD_TSD_HEVC;
	case 0x0f: return SD_TSD_AAC_ADTS;
	case 0x11: return SD_TSD_AAC_LATM;
	case 0x81: return SD_TSD_AC3;
	case 0x87: return SD_TSD_EAC3;
	case 0x03:
	case 0x04: return SD_TSD_MPEG_AUDIO;
	case 0x06:
		if (di->eac3 || di->reg == FOURCC('E', 'A', 'C', '3'))
			return SD_TSD_EAC3;
		if (di->ac3 || di->reg == FOURCC('A', 'C', '-', '3'))
			return SD_TSD_AC3;
		if (di->opus || di->reg == FOURCC('O', 'p', 'u', 's'))
			return SD_TSD_OPUS;
		return SD_TSD_NONE;
	default: return SD_TSD_NONE;
	}
}

static void
set_slot(struct sd_tsd *d, int pid, int slot)
{
	if (pid >= 0 && pid < NPIDS && d->pid_slot[pid] != slot) {
		d->pid_slot[pid] = (uint8_t)slot;
		d->cc[slot].last = -1;
		d->cc[slot].dup = 0;
	}
}

/* The PMT section s[0..n) as a program in *np; -1 when malformed. */
static int
pmt_parse(struct sd_tsd *d, const uint8_t *s, size_t n,
    struct sd_tsd_program *np)
{
	size_t end = n - 4, i, pil, esil;
	struct desc_info di;
	int k, pid, dup;

	memset(np, 0, sizeof(*np));
	np->program_number = s[3] << 8 | s[4];
	np->version = (s[5] >> 1) & 31;
	np->pmt_pid = d->pmt_pid;
	np->pcr_pid = (s[8] & 0x1f) << 8 | s[9];
	if (n < 16 || (pil = (size_t)((s[10] & 0x0f) << 8 | s[11])) > end - 12)
		return -1;
	for (i = 12 + pil; i + 5 <= end; i += 5 + esil) {
		pid = (s[i + 1] & 0x1f) << 8 | s[i + 2];
		if ((esil = (size_t)((s[i + 3] & 0x0f) << 8 | s[i + 4])) >
		    end - i - 5)
			return -1;
		if (pid < 0x10 || pid == 0x1fff || pid == d->pmt_pid ||
		    np->nstreams == SD_TSD_MAX_STREAMS)
			continue;
		for (dup = 0, k = 0; k < np->nstreams; k++)
			dup |= np->streams[k].pid == pid;
		if (dup)
			continue;
		memset(&di, 0, sizeof(di));
		read_descriptors(s + i + 5, esil, &di);
		struct sd_tsd_stream *st = &np->streams[np->nstreams++];
		st->pid = pid;
		st->stream_type = s[i];
		st->codec = codec_of(s[i], &di);
		st->is_video = st->codec == SD_TSD_H264 ||
		    st->codec == SD_TSD_HEVC;
		memcpy(st->lang, di.lang, sizeof(st->lang));
	}
	return 0;
}

/* The old stream that np's stream k continues, or -1. */
static int
stream_match(const struct sd_tsd_program *old,
    const struct sd_tsd_stream *ns)
{
	int j;

	for (j = 0; j < old->nstreams; j++)
		if (old->streams[j].pid == ns->pid &&
		    old->streams[j].stream_type == ns->stream_type &&
		    old->streams[j].codec == ns->codec)
			return j;
	return -1;
}

/* Take program np: end the streams it drops, then tell the caller. */
static int
program_change(struct sd_tsd *d, struct sd_tsd_program *np)
{
	struct sd_tsd_program *op = &d->prog;
	struct es nes[SD_TSD_MAX_STREAMS];
	struct cc_state occ[NSLOTS];
	int from[SD_TSD_MAX_STREAMS], kept[SD_TSD_MAX_STREAMS] = { 0 };
	int j, k, rv, pid;

	np->changed = op->generation == 0 ? SD_TSD_CH_FIRST : 0;
	if (np->version != op->version)
		np->changed |= SD_TSD_CH_VERSION;
	if (np->pcr_pid != op->pcr_pid)
		np->changed |= SD_TSD_CH_PCR;
	if (np->nstreams != op->nstreams)
		np->changed |= SD_TSD_CH_STREAMS;
	for (k = 0; k < np->nstreams; k++) {
		if ((from[k] = stream_match(op, &np->streams[k])) == -1) {
			np->changed |= SD_TSD_CH_STREAMS;
			continue;
		}
		kept[from[k]] = 1;
		if (strcmp(op->streams[from[k]].lang, np->streams[k].lang))
			np->changed |= SD_TSD_CH_OTHER;
	}
	if (np->changed == 0)
		return 0;
	/* the PES still open on streams that end belong to the old program */
	for (j = 0; j < op->nstreams; j++)
		if (!kept[j] && (rv = es_finish(d, j)) != 0)
			return rv;
	for (j = 0; j < op->nstreams; j++) {
		if (!kept[j])
			free(d->es[j].buf);
		if (d->pid_slot[op->streams[j].pid] >= SLOT_ES)
			d->pid_slot[op->streams[j].pid] = SLOT_NONE;
	}
	if (op->pcr_pid >= 0 && op->pcr_pid < NPIDS &&
	    d->pid_slot[op->pcr_pid] == SLOT_PCR)
		d->pid_slot[op->pcr_pid] = SLOT_NONE;
	/* kept streams keep their PES state and continuity, maybe moved */
	memcpy(occ, d->cc, sizeof(occ));
	for (k = 0; k < np->nstreams; k++) {
		struct sd_tsd_stream *ns = &np->streams[k];
		struct cc_state *c = &d->cc[SLOT_ES + k];

		memset(&nes[k], 0, sizeof(nes[k]));
		c->last = -1;
		c->dup = 0;
		if (from[k] >= 0) {
			nes[k] = d->es[from[k]];
			*c = occ[SLOT_ES + from[k]];
			ns->id = op->streams[from[k]].id;
		} else {
			ns->id = d->next_id++;
			np->is_new[k] = 1;
		}
		nes[k].max = ns->is_video ? SD_TSD_VIDEO_PES_MAX :
		    SD_TSD_AUDIO_PES_MAX;
		pid = ns->pid;
		if (ns->codec != SD_TSD_NONE && d->pid_slot[pid] == SLOT_NONE)
			d->pid_slot[pid] = (uint8_t)(SLOT_ES + k);
	}
	memset(d->es, 0, sizeof(d->es));
	memcpy(d->es, nes, sizeof(nes[0]) * (size_t)np->nstreams);
	if (np->pcr_pid != 0x1fff && d->pid_slot[np->pcr_pid] == SLOT_NONE)
		d->pid_slot[np->pcr_pid] = SLOT_PCR;
	np->generation = op->generation + 1;
	*op = *np;
	return d->cb.program != NULL ? d->cb.program(d->cb.arg, op) : 0;
}

static void
pat_take(struct sd_tsd *d, const uint8_t *s, size_t n)
{
	size_t i;
	int num, pid = -1, chosen = 0;

	for (i = 8; i + 4 <= n - 4; i += 4) {
		num = s[i] << 8 | s[i + 1];
		if (num == 0 || (d->want_program != 0 && num != d->want_program))
			continue;
		chosen = num;
		pid = (s[i + 2] & 0x1f) << 8 | s[i + 3];
		break;
	}
	if (pid < 0x10 || pid == 0x1fff)
		return;
	if (chosen != d->program_number)
		d->pmt.last_len = 0;	/* read the PMT again */
	d->program_number = chosen;
	if (pid != d->pmt_pid) {
		if (d->pmt_pid >= 0)
			set_slot(d, d->pmt_pid, SLOT_NONE);
		d->pmt_pid = pid;
		set_slot(d, pid, SLOT_PMT);
		d->pmt.active = 0;
		d->pmt.last_len = 0;
	}
}

/* A whole section on the PAT or PMT PID. */
static int
section_take(struct sd_tsd *d, int slot, struct section *sec)
{
	const uint8_t *s = sec->buf;
	size_t n = sec->len;
	struct sd_tsd_program np;
	int table = slot == SLOT_PAT ? 0x00 : 0x02;

	if (s[0] != table)
		return 0;		/* another table: not ours */
	if (n == sec->last_len && memcmp(s, sec->last, n) == 0)
		return 0;		/* the usual repeat */
	if (n < 12 || !(s[1] & 0x80)) {
		d->st.psi_errors++;
		return 0;
	}
	if (sd_ts_crc32(s, n) != 0) {
		d->st.crc_errors++;
		return 0;
	}
	if (!(s[5] & 1))
		return 0;		/* not yet current */
	if (slot == SLOT_PAT) {
		pat_take(d, s, n);
	} else {
		if ((s[3] << 8 | s[4]) != d->program_number || s[6] != 0 ||
		    s[7] != 0)
			return 0;	/* another program; one section only */
		if (pmt_parse(d, s, n, &np) == -1) {
			d->st.psi_errors++;
			return 0;
		}
	}
	memcpy(sec->last, s, n);
	sec->last_len = n;
	return slot == SLOT_PMT ? program_change(d, &np) : 0;
}

/* Add p[0..n) to the section being gathered; bytes used via *used. */
static int
section_add(struct sd_tsd *d, int slot, struct section *sec,
    const uint8_t *p, size_t n, size_t *used)
{
	size_t k, sl;

	*used = 0;
	while (sec->active && *used < n) {
		k = sec->need - sec->len;
		if (k > n - *used)
			k = n - *used;
		memcpy(sec->buf + sec->len, p + *used, k);
		sec->len += k;
		*used += k;
		if (sec->len < sec->need)
			break;
		if (!sec->sized) {
			sl = (size_t)((sec->buf[1] & 0x0f) << 8 | sec->buf[2]);
			if (sl > SECTION_MAX - 3) {
				d->st.psi_errors++;
				sec->active = 0;
				*used = n;
				return 0;
			}
			sec->need = 3 + sl;
			sec->sized = 1;
			continue;
		}
		sec->active = 0;
		return section_take(d, slot, sec);
	}
	return 0;
}

static void
section_start(struct section *sec)
{
	sec->active = 1;
	sec->sized = 0;
	sec->len = 0;
	sec->need = 3;
}

static int
psi_payload(struct sd_tsd *d, int slot, const uint8_t *p, size_t n,
    int pusi)
{
	struct section *sec = slot == SLOT_PAT ? &d->pat : &d->pmt;
	size_t i, used, ptr;
	int rv;

	if (!pusi)
		return sec->active ? section_add(d, slot, sec, p, n, &used) : 0;
	ptr = p[0];
	if (1 + ptr > n) {
		d->st.psi_errors++;
		sec->active = 0;
		return 0;
	}
	/* the tail of the section before, then sections until stuffing */
	if (sec->active && (rv = section_add(d, slot, sec, p + 1, ptr,
	    &used)) != 0)
		return rv;
	if (sec->active)
		d->st.psi_errors++;	/* it did not end where it said */
	for (i = 1 + ptr; i < n && p[i] != 0xff; i += used) {
		section_start(sec);
		if ((rv = section_add(d, slot, sec, p + i, n - i, &used)) != 0)
			return rv;
		if (sec->active || used == 0)
			break;		/* goes on in the next packet */
	}
	return 0;
}

/* ------------------------------------------------------------ packets */

/*
 * Continuity: 0 take the packet, 1 a duplicate to drop, 2 after a gap.
 * A duplicate (13818-1 2.4.3.3) repeats the packet before it, CC and all
 * bytes but the PCR: its header and the first and last 16 bytes of its
 * payload (p + off on) are compared, so that a new packet that happens to
 * reuse the CC (a splice) is not dropped. Packets carry a payload here.
 */
static int
cc_check(struct sd_tsd *d, struct cc_state *c, const uint8_t *p,
    size_t off, int disc)
{
	uint8_t fp[sizeof(c->fp)];
	int cc = p[3] & 15, same;

	if (off > SD_TSD_PACKET - 16)
		off = SD_TSD_PACKET - 16;
	memcpy(fp, p, 4);
	memcpy(fp + 4, p + off, 16);
	memcpy(fp + 20, p + SD_TSD_PACKET - 16, 16);
	same = c->last == cc && memcmp(c->fp, fp, sizeof(fp)) == 0;
	memcpy(c->fp, fp, sizeof(fp));
	if (c->last < 0 || disc) {
		c->last = cc;
		c->dup = 0;
		return 0;
	}
	if (same && !c->dup) {
		c->dup = 1;
		d->st.duplicates++;
		return 1;
	}
	c->dup = 0;
	if (cc == ((c->last + 1) & 15)) {
		c->last = cc;
		return 0;
	}
	c->last = cc;
	d->st.cc_errors++;
	return 2;
}

static void
mark_damaged(struct sd_tsd *d, int slot)
{
	if (slot >= SLOT_ES && d->es[slot - SLOT_ES].open)
		d->es[slot - SLOT_ES].flags |= SD_TSD_DAMAGED;
	else if (slot == SLOT_PAT)
		d->pat.active = 0;
	else if (slot == SLOT_PMT)
		d->pmt.active = 0;
}

/* A discontinuity_indicator on the PCR PID: every stream's time jumps. */
static void
pcr_discontinuity(struct sd_tsd *d)
{
	int k;

	for (k = 0; k < d->prog.nstreams; k++)
		d->es[k].pending |= SD_TSD_DISCONT;
}

static int
packet_take(struct sd_tsd *d, const uint8_t *p)
{
	int pid = (p[1] & 0x1f) << 8 | p[2], slot = d->pid_slot[pid];
	int pusi = p[1] & 0x40, afc = (p[3] >> 4) & 3, disc = 0, cc;
	unsigned pflags = 0;
	size_t off = 4;

	d->st.packets++;
	if (slot == SLOT_NONE)
		return 0;
	if (p[1] & 0x80) {		/* transport_error_indicator */
		d->st.tei++;
		mark_damaged(d, slot);
		return 0;
	}
	if (afc & 2) {
		if (p[4] > (afc == 2 ? 183 : 182)) {
			mark_damaged(d, slot);
			return 0;
		}
		if (p[4] > 0) {
			disc = p[5] & 0x80;
			pflags |= p[5] & 0x40 ? SD_TSD_RAI : 0;
		}
		off = 5 + (size_t)p[4];
	}
	if (disc && pid == d->prog.pcr_pid)
		pcr_discontinuity(d);
	if (slot == SLOT_PCR || afc == 0)
		return 0;
	if (!(afc & 1))
		return 0;		/* no payload: the CC stays */
	if ((cc = cc_check(d, &d->cc[slot], p, off, disc)) == 1)
		return 0;
	if (cc == 2)
		mark_damaged(d, slot);
	if (off >= SD_TSD_PACKET)
		return 0;
	if (slot == SLOT_PAT || slot == SLOT_PMT)
		return psi_payload(d, slot, p + off, SD_TSD_PACKET - off, pusi);
	if (disc)
		d->es[slot - SLOT_ES].pending |= SD_TSD_DISCONT;
	return es_payload(d, slot - SLOT_ES, p + off, SD_TSD_PACKET - off,
	    pusi, pflags, d->pos);
}

static int
packet(struct sd_tsd *d, const uint8_t *p, uint64_t pos)
{
	d->pos = d->stride == 192 && pos >= 4 ? pos - 4 : pos;
	return packet_take(d, p);
}

/* ------------------------------------------------------------ sync */

static void
lose_sync(struct sd_tsd *d)
{
	int k;

	d->locked = 0;
	d->skip = 0;
	d->st.sync_lost++;
	for (k = 0; k < d->prog.nstreams; k++)
		if (d->es[k].open)
			d->es[k].flags |= SD_TSD_DAMAGED;
	d->pat.active = d->pmt.active = 0;
}

/*
 * Find sync in b[0..n): SD_TSD_SYNC_RUN sync bytes at one stride (at the
 * end of input, final, whatever of the run the bytes hold, with one whole
 * packet). 1 and *at, *stride when found; 0 and *at = the bytes that can
 * never start a run, to be dropped.
 */
static int
find_sync(const uint8_t *b, size_t n, int final, size_t *at, int *stride)
{
	static const int strides[] = { 188, 192, 204 };
	size_t o, q;
	int s, k, undecided, ok;

	for (o = 0; o < n; o++) {
		if (b[o] != SYNC)
			continue;
		if (final && o + SD_TSD_PACKET > n)
			break;
		undecided = 0;
		for (s = 0; s < 3; s++) {
			for (ok = 1, k = 1; ok && k < SD_TSD_SYNC_RUN; k++) {
				q = o + (size_t)k * (size_t)strides[s];
				if (q >= n) {
					if (!final)
						undecided = 1, ok = 0;
					break;
				}
				ok = b[q] == SYNC;
			}
			if (ok) {
				*at = o;
				*stride = strides[s];
				return 1;
			}
		}
		if (undecided) {
			*at = o;
			return 0;
		}
	}
	*at = n;
	return 0;
}

/* Take what the stage holds: packets when locked, else look for sync. */
static int
stage_drain(struct sd_tsd *d, int final)
{
	size_t o = 0, k;
	int rv = 0;

	while (o < d->stage_len) {
		if (!d->locked) {
			int found = find_sync(d->stage + o, d->stage_len - o,
			    final, &k, &d->stride);

			d->st.skipped += k;
			o += k;
			if (!found)
				break;
			d->locked = 1;
		}
		k = d->stage_len - o < d->skip ? d->stage_len - o : d->skip;
		o += k;
		d->skip -= k;
		if (d->skip > 0 || d->stage_len - o < SD_TSD_PACKET)
			break;
		if (d->stage[o] != SYNC) {
			lose_sync(d);
			continue;
		}
		rv = packet(d, d->stage + o, d->stage_pos + o);
		o += SD_TSD_PACKET;
		d->skip = (size_t)d->stride - SD_TSD_PACKET;
		if (rv != 0)
			break;
	}
	memmove(d->stage, d->stage + o, d->stage_len - o);
	d->stage_len -= o;
	d->stage_pos += o;
	return rv;
}

int
sd_tsd_feed(struct sd_tsd *d, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t n;
	int rv;

	while (len > 0) {
		if (d->stage_len == 0 && d->locked && d->skip > 0) {
			n = len < d->skip ? len : d->skip;
			d->skip -= n;
		} else if (d->stage_len == 0 && d->locked && len >=
		    SD_TSD_PACKET && p[0] == SYNC) {
			/* the fast path: a whole packet where it belongs */
			rv = packet(d, p, d->st.bytes);
			d->skip = (size_t)d->stride - SD_TSD_PACKET;
			n = SD_TSD_PACKET;
			if (rv != 0) {
				d->st.bytes += n;
				return rv;
			}
		} else {
			if (d->stage_len == 0)
				d->stage_pos = d->st.bytes;
			/* locked: just enough to end the packet begun */
			n = d->locked ? SD_TSD_PACKET + d->skip - d->stage_len :
			    STAGE_CAP - d->stage_len;
			if (n > len)
				n = len;
			memcpy(d->stage + d->stage_len, p, n);
			d->stage_len += n;
			d->st.bytes += n;
			p += n;
			len -= n;
			if ((rv = stage_drain(d, 0)) != 0)
				return rv;
			continue;
		}
		d->st.bytes += n;
		p += n;
		len -= n;
	}
	return 0;
}

int
sd_tsd_end(struct sd_tsd *d)
{
	int k, rv;

	if ((rv = stage_drain(d, 1)) != 0)
		return rv;
	d->st.skipped += d->stage_len;	/* a packet cut by the end */
	d->stage_len = 0;
	for (k = 0; k < d->prog.nstreams; k++)
		if ((rv = es_finish(d, k)) != 0)
			return rv;
	return 0;
}

/* ------------------------------------------------------------ life */

struct sd_tsd *
sd_tsd_new(const struct sd_tsd_cb *cb, int program_number)
{
	struct sd_tsd *d;
	int k;

	if (program_number < 0 || program_number > 0xffff) {
		errno = EINVAL;
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if (cb != NULL)
		d->cb = *cb;
	d->want_program = program_number;
	d->pmt_pid = -1;
	d->prog.pmt_pid = d->prog.pcr_pid = d->prog.version = -1;
	for (k = 0; k < NSLOTS; k++)
		d->cc[k].last = -1;
	d->pid_slot[0] = SLOT_PAT;
	return d;
}

void
sd_tsd_free(struct sd_tsd *d)
{
	int k;

	if (d == NULL)
		return;
	for (k = 0; k < SD_TSD_MAX_STREAMS; k++)
		free(d->es[k].buf);
	free(d);
}

void
sd_tsd_get_stats(const struct sd_tsd *d, struct sd_tsd_stats *st)
{
	*st = d->st;
}

const struct sd_tsd_program *
sd_tsd_program(const struct sd_tsd *d)
{
	return d->prog.generation > 0 ? &d->prog : NULL;
}
