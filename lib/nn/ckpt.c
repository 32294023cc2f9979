#include "nn/ckpt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/err.h"
#include "base/mem.h"
#include "io/fsout.h"

#define MAGIC "SIMBALCK"
#define VERSION 1u
#define MAX_TENSORS 100000u

/* A growing byte buffer, written little-endian whatever the host. */
struct bytes {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct bytes *b, const void *src, size_t n)
{
	grow_array(&b->p, &b->cap, b->n + n, 1);
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void put_le(struct bytes *b, uint64_t v, int size)
{
	unsigned char le[8];
	for (int i = 0; i < size; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	put(b, le, (size_t)size);
}

static void put_floats(struct bytes *b, const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &v[i], sizeof u);
		put_le(b, u, 4);
	}
}

/* A part's architecture and optimizer as header fields: the same
 * descriptions write them and read them back. */
#define ARCH_FIELDS 6
#define OPTIM_FIELDS 8

static void arch_fields(struct arch *a, struct field *f)
{
	f[0] = FIELD_TEXT("arch", a->name);
	f[1] = FIELD("channels", FIELD_INT, &a->channels);
	f[2] = FIELD("height", FIELD_INT, &a->height);
	f[3] = FIELD("width", FIELD_INT, &a->width);
	f[4] = FIELD("classes", FIELD_INT, &a->classes);
	f[5] = FIELD("width_mult", FIELD_FLOAT, &a->width_mult);
}

static void optim_fields(struct optim *o, struct field *f)
{
	f[0] = FIELD_NAMED("optimizer", &o->kind, optim_names, OPTIM_KINDS);
	f[1] = FIELD("momentum", FIELD_FLOAT, &o->momentum);
	f[2] = FIELD("nesterov", FIELD_BOOL, &o->nesterov);
	f[3] = FIELD("beta1", FIELD_FLOAT, &o->beta1);
	f[4] = FIELD("beta2", FIELD_FLOAT, &o->beta2);
	f[5] = FIELD("eps", FIELD_FLOAT, &o->eps);
	f[6] = FIELD("weight_decay", FIELD_FLOAT, &o->weight_decay);
	f[7] = FIELD("optim_step", FIELD_LONG, &o->step);
}

/* The key prefix + key of a part's field. */
static struct field prefixed(const struct field *d, const char *prefix, char *key, size_t size)
{
	struct field p = *d;
	snprintf(key, size, "%s%s", prefix, d->key);
	p.key = key;
	return p;
}

static void put_part_fields(struct fields *h, const char *prefix, const struct field *f, int n)
{
	for (int i = 0; i < n; i++) {
		char key[CKPT_MAX_PREFIX + 32];
		struct field d = prefixed(&f[i], prefix, key, sizeof key);
		fields_put(h, &d);
	}
}

/* The part's fields read: 0, or -1 with the one missing or garbled
 * named in why ("its header's D.optimizer is 'x', not one of ..."). */
static int get_part_fields(const struct fields *h, const char *prefix, const struct field *f, int n,
			   char *why)
{
	for (int i = 0; i < n; i++) {
		char key[CKPT_MAX_PREFIX + 32];
		struct field d = prefixed(&f[i], prefix, key, sizeof key);
		if (fields_get(h, &d, why))
			return -1;
	}
	return 0;
}

/* A part's architecture lines, or its optimizer's, keys after its prefix. */
static void part_header(struct fields *h, const struct ckpt_part *part, bool arch)
{
	struct field f[OPTIM_FIELDS];
	if (arch) {
		arch_fields(&part->m->arch, f);
		put_part_fields(h, part->prefix, f, ARCH_FIELDS);
	} else if (part->o) {
		optim_fields(part->o, f);
		put_part_fields(h, part->prefix, f, OPTIM_FIELDS);
	}
}

/* The first part's lines, the position, the others' lines (after a part
 * line naming each prefix), the classes, the caller's lines. */
static void header(struct bytes *b, const struct ckpt_part *parts, int nparts,
		   const struct ckpt_meta *meta)
{
	struct fields h = { 0 };
	long epoch = meta->epoch, step = meta->step;
	part_header(&h, &parts[0], true);
	fields_put(&h, &FIELD("epoch", FIELD_LONG, &epoch));
	fields_put(&h, &FIELD("step", FIELD_LONG, &step));
	part_header(&h, &parts[0], false);
	for (int i = 1; i < nparts; i++) {
		fields_add(&h, "part", parts[i].prefix);
		part_header(&h, &parts[i], true);
		part_header(&h, &parts[i], false);
	}
	for (int i = 0; i < parts[0].m->arch.classes; i++)
		fields_add(&h, "class", meta->classes[i]);
	for (int i = 0; i < meta->fields.n; i++)
		fields_add(&h, meta->fields.line[i].key, meta->fields.line[i].value);
	for (int i = 0; i < h.n; i++) {
		put(b, h.line[i].key, strlen(h.line[i].key));
		put(b, "\t", 1);
		put(b, h.line[i].value, strlen(h.line[i].value));
		put(b, "\n", 1);
	}
	fields_free(&h);
}

/* The tensors of a checkpoint: the parameters, then the optimizer's
 * state for the trained ones (prefix "optim.buf.", or "optim.m." and
 * "optim.v."). */
struct entry {
	char name[CKPT_MAX_PREFIX + MODEL_MAX_NAME + 16];
	const struct param *p;
	size_t at; /* in the arena it belongs to */
	float *arena;
};

static int state_copies(const struct optim *o)
{
	return !o ? 0 : o->kind == OPTIM_SGD ? 1 : 2;
}

/* copies: 0 (parameters only), 1 (SGD's buffer) or 2 (Adam's moments);
 * state: the optimizer's arena, or NULL when only the names matter. */
static size_t entries(const struct model *m, const char *part, int copies, float *state,
		      struct entry **out)
{
	static const char *const prefix[3][2] = { { "", "" },
						  { "optim.buf.", "" },
						  { "optim.m.", "optim.v." } };
	size_t n = 0, cap = 0;
	*out = NULL;
	for (int c = 0; c <= copies; c++)
		for (int i = 0; i < m->nparams; i++) {
			const struct param *p = &m->params[i];
			if (c > 0 && !p->trained)
				continue;
			grow_array(out, &cap, n + 1, sizeof **out);
			struct entry *e = &(*out)[n++];
			snprintf(e->name, sizeof e->name, "%s%s%s", part,
				 c == 0 ? "" : prefix[copies][c - 1], p->name);
			e->p = p;
			e->arena = c == 0 ? m->p : state ? state + (size_t)(c - 1) * m->size : NULL;
			e->at = p->offset;
		}
	return n;
}

/* The bytes written to path, complete or not at all: 0 or -1. */
static int write_file(const char *path, const struct bytes *b, char *err)
{
	struct afile af;
	FILE *fp = afile_open(&af, path, err);
	if (!fp)
		return -1;
	if (fwrite(b->p, 1, b->n, fp) != b->n) {
		snprintf(err, ERRLEN, "%s: write error: %s", path, strerror(errno));
		afile_abandon(&af);
		return -1;
	}
	return afile_commit(&af, err);
}

int ckpt_save_parts(const char *path, const struct ckpt_part *parts, int nparts,
		    const struct ckpt_meta *meta, char *err)
{
	struct bytes b = { 0 }, h = { 0 };
	header(&h, parts, nparts, meta);
	put(&b, MAGIC, 8);
	put_le(&b, VERSION, 4);
	put_le(&b, h.n, 4);
	put(&b, h.p, h.n);
	struct entry *e = NULL;
	size_t n = 0;
	for (int i = 0; i < nparts; i++) {
		const struct optim *o = parts[i].o;
		struct entry *more;
		size_t k = entries(parts[i].m, parts[i].prefix, state_copies(o), o ? o->state : NULL,
				   &more);
		e = xrealloc(e, (n + k) * sizeof *e);
		memcpy(e + n, more, k * sizeof *e);
		n += k;
		free(more);
	}
	put_le(&b, n, 4);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(e[i].name);
		put_le(&b, len, 2);
		put(&b, e[i].name, len);
		put_le(&b, (uint64_t)e[i].p->dims, 1);
		for (int d = 0; d < e[i].p->dims; d++)
			put_le(&b, (uint64_t)e[i].p->shape[d], 4);
		put_le(&b, e[i].p->size, 8);
	}
	for (size_t i = 0; i < n; i++)
		put_floats(&b, e[i].arena + e[i].at, e[i].p->size);
	put_le(&b, crc32_z(crc32(0, NULL, 0), b.p, b.n), 4);
	free(e);
	free(h.p);
	int rc = write_file(path, &b, err);
	free(b.p);
	return rc;
}

int ckpt_save(const char *path, const struct model *m, const struct optim *o,
	      const struct ckpt_meta *meta, char *err)
{
	struct ckpt_part part = { "", (struct model *)m, (struct optim *)o };
	return ckpt_save_parts(path, &part, 1, meta, err);
}

/* Reading: a cursor over the file's bytes that fails past the end. */
struct cursor {
	const unsigned char *p;
	size_t n, at;
	bool short_read;
};

static uint64_t get_le(struct cursor *c, int size)
{
	if (c->n - c->at < (size_t)size) {
		c->short_read = true;
		return 0;
	}
	uint64_t v = 0;
	for (int i = 0; i < size; i++)
		v |= (uint64_t)c->p[c->at + (size_t)i] << (8 * i);
	c->at += (size_t)size;
	return v;
}

static const unsigned char *get(struct cursor *c, size_t n)
{
	if (c->n - c->at < n) {
		c->short_read = true;
		return NULL;
	}
	c->at += n;
	return c->p + c->at - n;
}

static int read_all(const char *path, unsigned char **data, size_t *n, char *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, ERRLEN, "%.400s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 0;
	*data = NULL;
	*n = 0;
	/* Not a checkpoint: said before reading the rest (it may not end);
	 * a directory opens, and fails here with EISDIR. */
	char magic[8];
	if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, MAGIC, 8) != 0) {
		int bad = ferror(fp), error = errno;
		fclose(fp);
		if (bad)
			snprintf(err, ERRLEN, "%.400s: read error: %s", path, strerror(error));
		else
			snprintf(err, ERRLEN, "%.400s: not a simbal checkpoint", path);
		return -1;
	}
	grow_array(data, &cap, 65536, 1);
	memcpy(*data, magic, 8);
	*n = 8;
	for (;;) {
		grow_array(data, &cap, *n + 65536, 1);
		size_t got = fread(*data + *n, 1, cap - *n, fp);
		*n += got;
		if (got == 0)
			break;
	}
	int bad = ferror(fp), error = errno;
	fclose(fp);
	if (bad) {
		snprintf(err, ERRLEN, "%.400s: read error: %s", path, strerror(error));
		return -1;
	}
	return 0;
}

/* The header's lines, split at their first TAB (a line without one is
 * passed over), parsed once: every reader asks these by key. */
static void split_header(const unsigned char *p, size_t n, struct fields *h)
{
	char *text = xmalloc(n + 1);
	memcpy(text, p, n);
	text[n] = 0;
	for (char *line = text, *next; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? (*next = 0, next + 1) : line + strlen(line);
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		fields_add(h, line, tab + 1);
	}
	free(text);
}

/* The architecture of the part of prefix. */
static int read_arch(const struct fields *h, const char *prefix, struct arch *a, char *why)
{
	struct field f[ARCH_FIELDS];
	memset(a, 0, sizeof *a);
	arch_fields(a, f);
	if (get_part_fields(h, prefix, f, ARCH_FIELDS, why))
		return -1;
	if (a->classes < 2 || a->classes > 1000000 ||
	    a->channels < 1 || a->channels > 3 || a->height < 1 || a->height > 65536 ||
	    a->width < 1 || a->width > 65536 ||
	    !(a->width_mult > 0 && a->width_mult <= MODEL_MAX_WIDTH_MULT)) {
		snprintf(why, ERRLEN, "its header's architecture%s%s is out of range",
			 *prefix ? " of " : "", prefix);
		return -1;
	}
	return 0;
}

/* Whether key is one of a part's fields after prefix. */
static bool is_part_key(const char *key, const char *prefix)
{
	struct arch a;
	struct optim o;
	struct field f[ARCH_FIELDS + OPTIM_FIELDS];
	size_t len = strlen(prefix);
	arch_fields(&a, f);
	optim_fields(&o, f + ARCH_FIELDS);
	for (int i = 0; i < ARCH_FIELDS + OPTIM_FIELDS; i++)
		if (strncmp(key, prefix, len) == 0 && strcmp(key + len, f[i].key) == 0)
			return true;
	return false;
}

/* Whether key is a part's own (bare, or after a part line's prefix), the
 * position, a part or a class line: not the caller's. */
static bool is_known(const struct fields *h, const char *key)
{
	if (!strcmp(key, "epoch") || !strcmp(key, "step") || !strcmp(key, "part") ||
	    !strcmp(key, "class") || is_part_key(key, ""))
		return true;
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->line[i].key, "part") == 0 && is_part_key(key, h->line[i].value))
			return true;
	return false;
}

/* The classes of the header, as many as k. */
static int read_classes(const struct fields *h, int k, struct ckpt_meta *meta, char *why)
{
	meta->classes = xcalloc((size_t)k + 1, sizeof *meta->classes);
	int found = 0;
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->line[i].key, "class") == 0) {
			if (found < k)
				meta->classes[found] = xstrdup(h->line[i].value);
			found++;
		}
	if (found != k) {
		snprintf(why, ERRLEN, "it names %d classes, its model has %d", found, k);
		return -1;
	}
	for (int i = 0; i < k; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(meta->classes[i], meta->classes[j]) == 0) {
				snprintf(why, ERRLEN, "it names the class '%.100s' twice", meta->classes[i]);
				return -1;
			}
	return 0;
}

/* The position, classes (as many as k) and caller's lines of the header. */
static int read_meta(const struct fields *h, int k, struct ckpt_meta *meta, char *why)
{
	if (fields_get(h, &FIELD("epoch", FIELD_LONG, &meta->epoch), why) ||
	    fields_get(h, &FIELD("step", FIELD_LONG, &meta->step), why))
		return -1;
	if (meta->epoch < 0 || meta->epoch > 1000000000 || meta->step < 0) {
		snprintf(why, ERRLEN, "its header's training position is out of range");
		return -1;
	}
	if (read_classes(h, k, meta, why))
		return -1;
	for (int i = 0; i < h->n; i++)
		if (!is_known(h, h->line[i].key))
			fields_add(&meta->fields, h->line[i].key, h->line[i].value);
	return 0;
}

static int read_optim(const struct fields *h, const char *prefix, struct optim *o, char *why)
{
	struct field f[OPTIM_FIELDS];
	memset(o, 0, sizeof *o);
	optim_fields(o, f);
	return get_part_fields(h, prefix, f, OPTIM_FIELDS, why);
}

/* A tensor of the file's table. */
struct stored {
	const unsigned char *name;
	size_t len, data; /* data: its floats' offset from the first */
	int dims, shape[4];
	uint64_t count;
};

static int read_table(struct cursor *c, struct stored **out, size_t *n, char *why)
{
	uint64_t count = get_le(c, 4);
	if (c->short_read || count > MAX_TENSORS) {
		snprintf(why, ERRLEN, c->short_read ? "it is truncated" : "its tensor table is garbled");
		return -1;
	}
	*n = (size_t)count;
	*out = xcalloc(*n ? *n : 1, sizeof **out);
	size_t data = 0;
	for (size_t i = 0; i < *n; i++) {
		struct stored *t = &(*out)[i];
		t->len = (size_t)get_le(c, 2);
		t->name = get(c, t->len);
		t->dims = (int)get_le(c, 1);
		uint64_t product = 1;
		for (int d = 0; d < t->dims && d < 4; d++) {
			t->shape[d] = (int)get_le(c, 4);
			product *= (uint64_t)t->shape[d];
		}
		t->count = get_le(c, 8);
		if (c->short_read) {
			snprintf(why, ERRLEN, "it is truncated");
			return -1;
		}
		if (t->dims > 4 || t->count != product || t->count > ((uint64_t)1 << 34)) {
			snprintf(why, ERRLEN, "its tensor table is garbled");
			return -1;
		}
		t->data = data;
		data += (size_t)t->count;
	}
	/* The data ends the file exactly (but for the CRC, not in c). */
	size_t left = c->n - c->at;
	if (left / 4 != data || left % 4) {
		snprintf(why, ERRLEN, "%s", left / 4 < data ? "it is truncated" : "its tensor table is garbled");
		return -1;
	}
	return 0;
}

static void get_floats(const unsigned char *p, size_t n, float *out)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
			     (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
		memcpy(&out[i], &u, sizeof u);
	}
}

/* The prefix of the part a stored tensor belongs to: the longest of the
 * header's part lines it starts with, or "" (the first part). */
static const char *owner(const struct fields *h, const struct stored *t)
{
	const char *best = "";
	for (int i = 0; i < h->n; i++) {
		if (strcmp(h->line[i].key, "part") != 0)
			continue;
		size_t len = strlen(h->line[i].value);
		if (len <= t->len && len > strlen(best) && !memcmp(t->name, h->line[i].value, len))
			best = h->line[i].value;
	}
	return best;
}

/* Fills a part's model (and optimizer) from the stored tensors: each must
 * be there once with its shape, and the part may hold no other. */
static int fill(const struct fields *h, const struct stored *t, size_t n,
		const unsigned char *data, const struct ckpt_part *part, int file_copies, char *why)
{
	const struct model *m = part->m;
	const struct optim *o = part->o;
	struct entry *all, *want;
	size_t nall = entries(m, part->prefix, file_copies, NULL, &all);
	size_t nwant = entries(m, part->prefix, state_copies(o), o ? o->state : NULL, &want);
	int rc = -1;
	for (size_t i = 0; i < n; i++) {
		bool known = strcmp(owner(h, &t[i]), part->prefix) != 0;
		for (size_t j = 0; j < nall && !known; j++)
			known = strlen(all[j].name) == t[i].len && !memcmp(all[j].name, t[i].name, t[i].len);
		if (!known) {
			snprintf(why, ERRLEN, "it holds a tensor '%.*s' that %s has not", (int)(t[i].len < 80 ? t[i].len : 80),
				 (const char *)t[i].name, m->arch.name);
			goto out;
		}
	}
	for (size_t j = 0; j < nwant; j++) {
		const struct stored *s = NULL;
		int copies = 0;
		for (size_t i = 0; i < n; i++)
			if (strlen(want[j].name) == t[i].len && !memcmp(want[j].name, t[i].name, t[i].len)) {
				s = &t[i];
				copies++;
			}
		const struct param *p = want[j].p;
		if (!s) {
			snprintf(why, ERRLEN, "it lacks the tensor %s", want[j].name);
			goto out;
		}
		if (copies > 1) {
			snprintf(why, ERRLEN, "it holds the tensor %s twice", want[j].name);
			goto out;
		}
		if (s->dims != p->dims || memcmp(s->shape, p->shape, sizeof(int) * (size_t)p->dims)) {
			snprintf(why, ERRLEN, "its tensor %s has another shape than %s's", want[j].name,
				 m->arch.name);
			goto out;
		}
		get_floats(data + 4 * s->data, p->size, want[j].arena + want[j].at);
	}
	rc = 0;
out:
	free(all);
	free(want);
	return rc;
}

/* Whether the header declares the part of prefix ("": always). */
static bool has_part(const struct fields *h, const char *prefix)
{
	if (!*prefix)
		return true;
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->line[i].key, "part") == 0 && strcmp(h->line[i].value, prefix) == 0)
			return true;
	return false;
}

/* Builds a part's model (and optimizer) from the header; *file_copies:
 * the optimizer state the file holds for it.  left: the floats of the
 * file not yet claimed, which the models' arenas must fit in (a header
 * cannot make us allocate more than the file holds). */
static int build_part(const struct fields *h, struct ckpt_part *part, int classes, size_t *left,
		      int *file_copies, char *why)
{
	const char *prefix = part->prefix;
	struct arch arch;
	if (!has_part(h, prefix)) {
		snprintf(why, ERRLEN, "it holds no part %s (not a checkpoint of that kind)", prefix);
		return -1;
	}
	if (read_arch(h, prefix, &arch, why))
		return -1;
	if (arch.classes != classes) {
		snprintf(why, ERRLEN, "its part %s has %d classes, not %d", prefix, arch.classes, classes);
		return -1;
	}
	struct optim file_optim = { 0 };
	char key[CKPT_MAX_PREFIX + 32];
	snprintf(key, sizeof key, "%soptimizer", prefix);
	bool has_optim = fields_find(h, key) != NULL;
	if (has_optim && read_optim(h, prefix, &file_optim, why))
		return -1;
	if (part->o && !has_optim) {
		snprintf(why, ERRLEN, "it holds no optimizer state (it cannot resume training)");
		return -1;
	}
	char err[ERRLEN];
	size_t params;
	if (model_params(&arch, &params, err)) {
		snprintf(why, ERRLEN, "%s", err);
		return -1;
	}
	if (params > *left) {
		snprintf(why, ERRLEN, "it is too short for the %s its header names", arch.name);
		return -1;
	}
	*left -= params;
	if (model_build(part->m, &arch, 0, err)) {
		snprintf(why, ERRLEN, "%s", err);
		return -1;
	}
	if (part->o) {
		*part->o = file_optim;
		optim_init(part->o, part->m);
		part->o->step = file_optim.step;
	}
	*file_copies = has_optim ? state_copies(&file_optim) : 0;
	return 0;
}

/* Every part line names a prefix of its own, "X.", that starts no other
 * and has an architecture. */
static int check_parts(const struct fields *h, char *why)
{
	for (int i = 0; i < h->n; i++) {
		if (strcmp(h->line[i].key, "part") != 0)
			continue;
		const char *p = h->line[i].value;
		size_t len = strlen(p);
		struct arch arch;
		if (len < 2 || len >= CKPT_MAX_PREFIX || p[len - 1] != '.' || strchr(p, '.') != p + len - 1) {
			snprintf(why, ERRLEN, "its part line '%.40s' is not a prefix X.", p);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(h->line[j].key, "part") == 0 && strcmp(h->line[j].value, p) == 0) {
				snprintf(why, ERRLEN, "it names the part %s twice", p);
				return -1;
			}
		if (read_arch(h, p, &arch, why))
			return -1;
	}
	return 0;
}

/* What a checkpoint whose first model is of a kind is called ("a
 * diffusion model's checkpoint": possessive), and which program writes it. */
static const struct {
	const char *noun, *writer;
	bool possessive;
} kinds[] = {
	[MODEL_CLASSIFIER] = { "classifier", "clstrain", false },
	[MODEL_GENERATOR] = { "GAN", "gantrain", false },
	[MODEL_DISCRIMINATOR] = { "discriminator", NULL, false },
	[MODEL_DIFFUSION] = { "diffusion model", "difftrain", true },
	[MODEL_NOISY_CLASSIFIER] = { "noisy classifier", "diffcls", true },
};

/* A file of another kind than wanted is named as such: its parts and
 * optimizer would otherwise be reported missing, which says less. */
static int check_kind(const struct arch *first, enum model_kind want, char *why)
{
	if (!model_known(first->name))
		return 0; /* model_build names it */
	enum model_kind is = model_kind(first->name);
	if (is == want)
		return 0;
	int n = snprintf(why, ERRLEN, "is a %s%s checkpoint, not a %s's", kinds[is].noun,
			 kinds[is].possessive ? "'s" : "", kinds[want].noun);
	if (kinds[is].writer)
		snprintf(why + n, ERRLEN - (size_t)n, " (made by %s)", kinds[is].writer);
	return -1;
}

static int parse(const unsigned char *p, size_t size, enum model_kind kind,
		 struct ckpt_part *parts, int nparts, struct ckpt_meta *meta, struct fields *h,
		 char *why)
{
	struct cursor c = { .p = p, .n = size - 4 };
	const unsigned char *magic = get(&c, 8);
	uint64_t version = get_le(&c, 4), hlen = get_le(&c, 4);
	if (version != VERSION) {
		snprintf(why, ERRLEN, "its format version is %" PRIu64 ", this simbal reads %u", version,
			 VERSION);
		return -1;
	}
	const unsigned char *text = get(&c, (size_t)hlen);
	if (!magic || !text) {
		snprintf(why, ERRLEN, "it is truncated");
		return -1;
	}
	split_header(text, (size_t)hlen, h);
	struct arch first;
	if (check_parts(h, why) || read_arch(h, "", &first, why) || check_kind(&first, kind, why) ||
	    read_meta(h, first.classes, meta, why))
		return -1;
	size_t left = (c.n - c.at) / 4;
	int copies[CKPT_MAX_PARTS];
	for (int i = 0; i < nparts; i++)
		if (build_part(h, &parts[i], first.classes, &left, &copies[i], why))
			return -1;
	struct stored *t = NULL;
	size_t n;
	int rc = read_table(&c, &t, &n, why);
	for (int i = 0; i < nparts && rc == 0; i++)
		rc = fill(h, t, n, c.p + c.at, &parts[i], copies[i], why);
	free(t);
	return rc;
}

int ckpt_load_parts(const char *path, enum model_kind kind, struct ckpt_part *parts, int nparts,
		    struct ckpt_meta *meta, char *err)
{
	unsigned char *data;
	size_t size;
	memset(meta, 0, sizeof *meta);
	for (int i = 0; i < nparts; i++) {
		memset(parts[i].m, 0, sizeof *parts[i].m);
		if (parts[i].o)
			memset(parts[i].o, 0, sizeof *parts[i].o);
	}
	if (read_all(path, &data, &size, err))
		return -1;
	char why[ERRLEN] = "";
	struct fields h = { 0 };
	int rc = -1;
	if (size < 8 || memcmp(data, MAGIC, 8) != 0) {
		snprintf(why, ERRLEN, "not a simbal checkpoint");
	} else if (size < 24) {
		snprintf(why, ERRLEN, "it is truncated");
	} else {
		uint32_t stored = (uint32_t)data[size - 4] | (uint32_t)data[size - 3] << 8 |
				  (uint32_t)data[size - 2] << 16 | (uint32_t)data[size - 1] << 24;
		if (stored != crc32_z(crc32(0, NULL, 0), data, size - 4))
			snprintf(why, ERRLEN, "it is corrupted or truncated (its CRC does not match)");
		else
			rc = parse(data, size, kind, parts, nparts, meta, &h, why);
	}
	if (rc) {
		snprintf(err, ERRLEN, "%.200s: %.300s", path, why);
		for (int i = 0; i < nparts; i++) {
			if (parts[i].o)
				optim_free(parts[i].o);
			model_free(parts[i].m);
		}
		ckpt_meta_free(meta);
	} else {
		meta->fields.source = xstrdup(path);
	}
	fields_free(&h);
	free(data);
	return rc;
}

int ckpt_load(const char *path, enum model_kind kind, struct model *m, struct optim *o,
	      struct ckpt_meta *meta, char *err)
{
	struct ckpt_part part = { "", m, o };
	return ckpt_load_parts(path, kind, &part, 1, meta, err);
}

void ckpt_meta_free(struct ckpt_meta *meta)
{
	for (int i = 0; meta->classes && meta->classes[i]; i++)
		free(meta->classes[i]);
	free(meta->classes);
	meta->classes = NULL;
	fields_free(&meta->fields);
}
