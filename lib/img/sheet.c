/* sheet: contact sheets, frames grouped by label (see sheet.h). */
#include "img/sheet.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "img/font.h"
#include "io/fsout.h"

/* At most this many bytes of a label are drawn as its caption, so that one
 * odd label cannot make the sheet arbitrarily wide. */
#define CAPTION_MAX 64
#define NO_LABEL_CAPTION "(no label)"

struct layout {
	long cols, gap;
	int scale;  /* caption magnification */
	long strip; /* caption strip height, 0 without captions */
	uint64_t w, h;
};

struct sheet_group *sheet_group(struct sheet *s, const char *label)
{
	size_t n = s->labels.n, k = strmap_add(&s->labels, label);
	if (k == n) {
		grow_array(&s->groups, &s->cap, n + 1, sizeof *s->groups);
		s->groups[k] = (struct sheet_group){ 0 };
	}
	return &s->groups[k];
}

/* 16-bit frames are reduced at once, since the sheet is 8-bit anyway and
 * the held frames then take half the memory. */
int sheet_keep(struct sheet *s, struct sheet_group *g, struct image *im, char *err)
{
	if (img_make_8bit(im, err)) {
		img_free(im);
		return -1;
	}
	grow_array(&g->frames, &g->cap, g->n + 1, sizeof *g->frames);
	g->frames[g->n++] = *im;
	if (im->w > s->cw)
		s->cw = im->w;
	if (im->h > s->ch)
		s->ch = im->h;
	s->rgb |= im->c == 3;
	return 0;
}

static const char *caption_text(const char *label)
{
	return label[0] ? label : NO_LABEL_CAPTION;
}

static size_t caption_len(const char *label)
{
	size_t n = strlen(caption_text(label));
	return n < CAPTION_MAX ? n : CAPTION_MAX;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Columns actually used (no empty columns when every group is short) and
 * the sheet width, widened when a caption needs more room. */
static void measure_width(const struct sheet *s, struct layout *L)
{
	size_t longest = 0, widest = 0;
	for (size_t i = 0; i < s->labels.n; i++) {
		if (s->groups[i].n > longest)
			longest = s->groups[i].n;
		if (caption_len(s->labels.key[i]) > widest)
			widest = caption_len(s->labels.key[i]);
	}
	if ((size_t)L->cols > longest)
		L->cols = (long)longest;
	L->w = (uint64_t)L->gap + (uint64_t)L->cols * ((uint64_t)s->cw + (uint64_t)L->gap);
	if (L->strip)
		L->w = max_u64(L->w, 2 * ((uint64_t)L->gap + (uint64_t)L->scale) +
					     (uint64_t)font_text_width(widest, L->scale));
}

/* Copies a frame into the sheet with its top-left corner at (x0, y0),
 * replicating gray into RGB when the sheet is RGB. */
static void paint_frame(struct image *out, const struct image *f, uint64_t x0, uint64_t y0)
{
	const uint8_t *src = f->px;
	uint8_t *dst = out->px;
	size_t src_row = (size_t)f->w * (size_t)f->c;
	for (size_t y = 0; y < (size_t)f->h; y++) {
		const uint8_t *sp = src + y * src_row;
		uint8_t *dp = dst + ((y0 + y) * (size_t)out->w + x0) * (size_t)out->c;
		if (f->c == out->c) {
			memcpy(dp, sp, src_row);
			continue;
		}
		for (size_t x = 0; x < (size_t)f->w; x++)
			dp[3 * x] = dp[3 * x + 1] = dp[3 * x + 2] = sp[x];
	}
}

static void paint_caption(struct image *out, const struct layout *L, const char *label,
			  uint64_t y)
{
	long at = L->gap + L->scale;
	font_draw(out, at, (long)y + L->scale, caption_text(label), caption_len(label), L->scale,
		  255);
}

/* Walks the groups top to bottom and returns the sheet height; paints
 * when out is not NULL, so measuring and painting cannot disagree. */
static uint64_t walk(const struct sheet *s, const struct layout *L, struct image *out)
{
	uint64_t cw = (uint64_t)s->cw, ch = (uint64_t)s->ch, gap = (uint64_t)L->gap;
	uint64_t cols = (uint64_t)L->cols, y = gap;
	for (size_t i = 0; i < s->labels.n; i++) {
		const struct sheet_group *g = &s->groups[i];
		if (L->strip) {
			if (out)
				paint_caption(out, L, s->labels.key[i], y);
			y += (uint64_t)L->strip + gap;
		}
		for (size_t k = 0; out && k < g->n; k++) {
			const struct image *f = &g->frames[k];
			uint64_t x0 = gap + (k % cols) * (cw + gap) + (cw - (uint64_t)f->w) / 2;
			uint64_t y0 = y + (k / cols) * (ch + gap) + (ch - (uint64_t)f->h) / 2;
			paint_frame(out, f, x0, y0);
		}
		y += ((g->n + cols - 1) / cols) * (ch + gap);
	}
	return y;
}

int sheet_render(const struct sheet *s, const struct sheet_style *st, struct image *out,
		 char *err)
{
	struct layout L = { .cols = st->columns, .gap = st->gap };
	/* Captions grow with the cells so that they stay readable next to them. */
	L.scale = s->ch / 32 < 1 ? 1 : s->ch / 32 > 4 ? 4 : s->ch / 32;
	L.strip = st->captions ? (FONT_H + 2) * L.scale : 0;
	measure_width(s, &L);
	L.h = walk(s, &L, NULL);
	/* Checked here, in 64 bits, before img_alloc multiplies them. */
	if (L.w > INT_MAX || L.h > INT_MAX) {
		snprintf(err, ERRLEN, "contact sheet of %llux%llu pixels is too large",
			 (unsigned long long)L.w, (unsigned long long)L.h);
		return -1;
	}
	char why[ERRLEN];
	if (img_alloc(out, (long)L.w, (long)L.h, s->rgb ? 3 : 1, 8, why)) {
		/* the precision keeps the prefix and the message within ERRLEN */
		snprintf(err, ERRLEN, "contact sheet: %.400s", why);
		return -1;
	}
	walk(s, &L, out);
	return 0;
}

void sheet_free(struct sheet *s)
{
	for (size_t i = 0; i < s->labels.n; i++) {
		for (size_t k = 0; k < s->groups[i].n; k++)
			img_free(&s->groups[i].frames[k]);
		free(s->groups[i].frames);
	}
	free(s->groups);
	strmap_free(&s->labels);
}

int sheet_write_png(const struct image *im, const char *path, char *err)
{
	char why[ERRLEN];
	if (!path) {
		if (png_encode(stdout, im, why)) {
			snprintf(err, ERRLEN, "(stdout): %.400s", why);
			return -1;
		}
		return 0;
	}
	struct afile af;
	FILE *fp = afile_open(&af, path, err);
	if (!fp)
		return -1;
	if (png_encode(fp, im, why)) {
		snprintf(err, ERRLEN, "%s: %.400s", path, why);
		afile_abandon(&af);
		return -1;
	}
	return afile_commit(&af, err);
}
