/*
 * timeline.c - sd-cmafmux's clock (timeline.h): unwrap, rebase, origin.
 * Pure int64 arithmetic; libav* is only the caller's.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

/* ---------------------------------------------------------------- rescale */

enum rounding { ROUND_DOWN, ROUND_UP, ROUND_NEAR };

/* The 128-bit product of a and b (each below 2^63) as hi:lo. */
static void
mul_wide(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t a0 = a & 0xffffffff, a1 = a >> 32;
	uint64_t b0 = b & 0xffffffff, b1 = b >> 32;
	uint64_t mid = a0 * b1 + a1 * b0;	/* below 2^64: a1, b1 < 2^31 */
	uint64_t low = a0 * b0;

	*lo = low + (mid << 32);
	*hi = a1 * b1 + (mid >> 32) + (*lo < low);
}

/* (a * b + r) / c through 128 bits, one quotient bit at a time. */
static int64_t
rescale_wide(uint64_t a, uint64_t b, uint64_t c, uint64_t r)
{
	uint64_t hi, lo, q = 0;
	int i;

	mul_wide(a, b, &hi, &lo);
	lo += r;
	hi += lo < r;
	for (i = 63; i >= 0; i--) {
		hi += hi + ((lo >> i) & 1);
		q += q;
		if (c <= hi) {
			hi -= c;
			q++;
		}
	}
	return q > INT64_MAX ? INT64_MIN : (int64_t)q;
}

static int64_t
rescale(int64_t a, int64_t b, int64_t c, enum rounding rnd)
{
	int64_t r, whole, part;

	if (c <= 0 || b < 0)
		return INT64_MIN;
	if (a < 0)	/* the magnitude, rounded the other way, negated */
		return (int64_t)-(uint64_t)rescale(a > -INT64_MAX ? -a :
		    INT64_MAX, b, c, rnd == ROUND_DOWN ? ROUND_UP :
		    rnd == ROUND_UP ? ROUND_DOWN : rnd);
	r = rnd == ROUND_NEAR ? c / 2 : rnd == ROUND_UP ? c - 1 : 0;
	if (b > INT_MAX || c > INT_MAX)
		return rescale_wide((uint64_t)a, (uint64_t)b, (uint64_t)c,
		    (uint64_t)r);
	if (a <= INT_MAX)
		return (a * b + r) / c;
	whole = a / c;
	part = (a % c * b + r) / c;
	if (whole >= INT32_MAX && b != 0 && whole > (INT64_MAX - part) / b)
		return INT64_MIN;
	return whole * b + part;
}

int64_t
tl_rescale(int64_t a, int64_t b, int64_t c)
{
	return rescale(a, b, c, ROUND_NEAR);
}

int64_t
tl_rescale_down(int64_t a, int64_t b, int64_t c)
{
	return rescale(a, b, c, ROUND_DOWN);
}

int64_t
tl_us(const struct tl_clock *c, int64_t v)
{
	return tl_rescale(v, 1000000, c->ts);
}

int64_t
tl_from_us(const struct tl_clock *c, int64_t us)
{
	return tl_rescale(us, c->ts, 1000000);
}

int64_t
tl_from_input(const struct tl_clock *c, int64_t v)
{
	return tl_rescale(v, c->tb_num * (int64_t)c->ts, c->tb_den);
}

/* ---------------------------------------------------------------- clocks */

void
tl_clock_init(struct tl_clock *c, uint32_t ts, int tb_num, int tb_den,
    int wrap_bits, int video)
{
	memset(c, 0, sizeof(*c));
	c->ts = ts;
	c->tb_num = tb_num;
	c->tb_den = tb_den;
	c->wrap_bits = wrap_bits;
	c->video = video;
}

int
tl_add(struct timeline *tl, struct tl_clock *c)
{
	if (tl->n == TL_CLOCKS_MAX)
		return -1;
	tl->clk[tl->n++] = c;
	return 0;
}

/* The wrap period of the input's times; 0: they do not wrap. */
static int64_t
wrap_period(const struct tl_clock *c)
{
	return c->wrap_bits > 0 && c->wrap_bits < 62 ?
	    (int64_t)1 << c->wrap_bits : 0;
}

/* 33-bit (or whatever the demuxer says) wrap: keep times rising. */
static int64_t
unwrap(struct tl_clock *c, int64_t raw)
{
	int64_t period = wrap_period(c), v;

	if (period == 0)
		return raw;
	v = raw + c->wrap_add;
	if (c->have_raw && v < c->last_raw - period / 2) {
		c->wrap_add += period;
		v += period;
	} else if (c->have_raw && v > c->last_raw + period / 2) {
		c->wrap_add -= period;
		v -= period;
	}
	c->last_raw = v;
	c->have_raw = 1;
	return v;
}

/*
 * The pts of a packet whose dts is d (both unwrapped): within half a wrap
 * period of it, as the two wrap at different moments; a pts that makes no
 * sense (more than 10 s away) is taken as d.
 */
static int64_t
pts_near(const struct tl_clock *c, int64_t p, int64_t d)
{
	int64_t period = wrap_period(c);
	int64_t limit = tl_rescale(10, c->tb_den, c->tb_num);

	if (period > 0 && p < d - period / 2)
		p += period;
	else if (period > 0 && p > d + period / 2)
		p -= period;
	if (p < d - limit || p > d + limit)
		p = d;
	return p;
}

/* The end of the timeline so far, over every track, in microseconds. */
static int64_t
frontier_us(const struct timeline *tl)
{
	int64_t f = INT64_MIN, e;
	size_t i;

	for (i = 0; i < tl->n; i++) {
		const struct tl_clock *c = tl->clk[i];
		if (!c->have_last)
			continue;
		e = tl_us(c, c->last_dts + c->last_dur);
		if (e > f)
			f = e;
	}
	return f;
}

/*
 * Whether a jump of c to input time in_us is the last jump, seen on
 * another track: tracks that jump together (within TL_JUMP_FWD_S of the
 * first one's new time) share its offset, so their A/V offset survives.
 * Input times alone cannot tell: clips concatenated, or an upstream
 * restarted, start at the same time again and again. So a track joins the
 * last jump only when it has not joined it yet and the timeline has not
 * gone on by more than TL_JUMP_FWD_S since; else it is a jump of its own.
 */
static int
same_jump(const struct timeline *tl, const struct tl_clock *c, int64_t in_us)
{
	int64_t window = (int64_t)TL_JUMP_FWD_S * 1000000;

	return tl->jumps > 0 && c->jump != tl->jumps &&
	    llabs(in_us - tl->epoch_in_us) <= window &&
	    frontier_us(tl) - tl->epoch_end_us < window;
}

/* A jump: map the new times (from in, internal units) onto the end. */
static int
rebase(struct timeline *tl, struct tl_clock *c, int64_t in)
{
	int64_t in_us = tl_us(c, in), f;
	int rv = TL_REBASED;

	if (!same_jump(tl, c, in_us)) {
		f = frontier_us(tl);
		tl->epoch_end_us = f == INT64_MIN ? in_us : f;
		tl->epoch_in_us = in_us;
		tl->epoch_off_us = tl->epoch_end_us - in_us;
		tl->jumps++;
		rv |= TL_NEW_JUMP;	/* once per jump, not per track */
	}
	c->off = tl_from_us(c, tl->epoch_off_us);
	c->jump = tl->jumps;
	return rv;
}

/*
 * Whether a hole of c from from_us to to_us is a break: no other track
 * went on through it. A track whose times have not reached past its start
 * shows nothing either way; one that jumped over the same place has the
 * hole too.
 */
static int
gap_shared(const struct timeline *tl, const struct tl_clock *c,
    int64_t from_us, int64_t to_us)
{
	int64_t slack = (int64_t)TL_GAP_MS * 1000;
	size_t i;

	for (i = 0; i < tl->n; i++) {
		const struct tl_clock *k = tl->clk[i];
		if (k == c || !k->have_last || tl_us(k, k->last_dts +
		    k->last_dur) <= from_us + slack)
			continue;
		if (k->have_gap && k->gap_from_us < from_us + slack &&
		    k->gap_to_us > from_us && k->gap_from_us < to_us)
			continue;
		return 0;
	}
	return 1;
}

/* A hole from expect to d (internal units): noted; TL_GAP when a break. */
static int
hole(const struct timeline *tl, struct tl_clock *c, int64_t expect,
    int64_t d)
{
	c->gap_from_us = tl_us(c, expect);
	c->gap_to_us = tl_us(c, d);
	c->have_gap = 1;
	return gap_shared(tl, c, c->gap_from_us, c->gap_to_us) ? TL_GAP : 0;
}

int
tl_times(struct timeline *tl, struct tl_clock *c, int64_t d, int64_t p,
    int64_t *dts, int64_t *pts)
{
	int64_t delta, expect, raw;
	int rv = 0;

	if (d == TL_NONE)
		d = p;
	if (d == TL_NONE) {
		if (!c->have_last)
			return -1;
		*dts = c->last_dts + c->last_dur;
		*pts = *dts + (c->video ? c->delay : 0);
		return 0;
	}
	if (p == TL_NONE)
		p = d;
	raw = d;
	d = unwrap(c, d);
	p = pts_near(c, p + (d - raw), d);
	d = tl_from_input(c, d);
	p = tl_from_input(c, p);
	if (!c->have_last && !c->have_off) {
		c->off = tl_from_us(c, tl->epoch_off_us);
		c->jump = tl->jumps;
		c->have_off = 1;
	}
	if (c->have_last) {
		/* back from the last sample, forward from where the next was
		 * due: a long last duration (the hole before it) is no jump */
		expect = c->last_dts + c->last_dur;
		delta = d + c->off - expect;
		if (delta > (int64_t)TL_JUMP_FWD_S * c->ts ||
		    d + c->off - c->last_dts < -(int64_t)TL_JUMP_BACK_S * c->ts)
			rv = rebase(tl, c, d);
		else if (delta > (int64_t)TL_GAP_MS * c->ts / 1000)
			rv = hole(tl, c, expect, d + c->off);
	}
	*dts = d + c->off;
	*pts = p + c->off;
	if (c->have_last && c->video && !(rv & TL_REBASED) &&
	    *dts < c->last_dts - 2 * c->last_dur)
		rv |= TL_BACK;
	if (c->have_last && c->video && *dts <= c->last_dts) {
		/* A small step back: keep decode times rising. */
		*pts += c->last_dts + 1 - *dts;
		*dts = c->last_dts + 1;
	}
	return rv;
}

void
tl_took(struct tl_clock *c, int64_t dts, int64_t dur)
{
	c->last_dts = dts;
	c->last_dur = dur;
	c->have_last = 1;
}

int64_t
tl_frame_dur(const struct tl_clock *c, int64_t dts, int brk, int64_t fallback)
{
	if (!c->have_last)
		return fallback;
	if (brk || dts <= c->last_dts)
		return c->last_dur;
	return dts - c->last_dts;
}

int
tl_audio_time(struct tl_clock *c, int64_t time, int64_t dur)
{
	/* a gap longer than half a frame moves them on, an overlap is
	 * absorbed */
	if (!c->have_last || time > c->acc + dur / 2 + dur)
		c->acc = time;
	else if (time < c->acc - 3 * dur)
		return -1;
	return 0;
}

void
tl_audio_took(struct tl_clock *c, int64_t dur)
{
	tl_took(c, c->acc, dur);
	c->acc += dur;
}

/* ---------------------------------------------------------------- origin */

void
tl_fix_origin(struct timeline *tl, const int64_t *first)
{
	int64_t best_us = INT64_MAX;
	size_t i;

	if (tl->have_origin)
		return;
	for (i = 0; i < tl->n; i++) {
		if (first[i] == TL_NONE)
			continue;
		if (tl_us(tl->clk[i], first[i]) < best_us) {
			best_us = tl_us(tl->clk[i], first[i]);
			tl->origin = first[i];
			tl->origin_ts = tl->clk[i]->ts;
		}
	}
	tl->have_origin = 1;
}

int64_t
tl_origin_in(const struct timeline *tl, uint32_t ts)
{
	return tl_rescale_down(tl->origin, ts, tl->origin_ts);
}
