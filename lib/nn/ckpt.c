#include "nn/ckpt.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/num.h"
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

static const char *const optim_names[] = { "sgd", "adam", "adamw" };

/* A part's architecture and optimizer lines, its keys after its prefix. */
static void part_header(struct bytes *h, const struct ckpt_part *part, bool arch)
{
	const struct model *m = part->m;
	const struct optim *o = part->o;
	const struct arch *a = &m->arch;
	const char *p = part->prefix;
	char line[256];
#define LINE(...) put(h, line, (size_t)snprintf(line, sizeof line, __VA_ARGS__))
	if (arch) {
		LINE("%sarch\t%s\n", p, a->name);
		LINE("%schannels\t%d\n%sheight\t%d\n%swidth\t%d\n%sclasses\t%d\n", p, a->channels, p,
		     a->height, p, a->width, p, a->classes);
		LINE("%swidth_mult\t%.9g\n", p, a->width_mult);
	} else if (o) {
		LINE("%soptimizer\t%s\n", p, optim_names[o->kind]);
		LINE("%smomentum\t%.9g\n%snesterov\t%d\n", p, o->momentum, p, o->nesterov);
		LINE("%sbeta1\t%.9g\n%sbeta2\t%.9g\n%seps\t%.9g\n", p, o->beta1, p, o->beta2, p, o->eps);
		LINE("%sweight_decay\t%.9g\n%soptim_step\t%ld\n", p, o->weight_decay, p, o->step);
	}
#undef LINE
}

/* The first part's lines, the position, the others' lines (after a part
 * line naming each prefix), the classes, the caller's lines. */
static void header(struct bytes *h, const struct ckpt_part *parts, int nparts,
		   const struct ckpt_meta *meta)
{
	char line[256];
	part_header(h, &parts[0], true);
	put(h, line, (size_t)snprintf(line, sizeof line, "epoch\t%ld\nstep\t%ld\n", meta->epoch,
				      meta->step));
	part_header(h, &parts[0], false);
	for (int i = 1; i < nparts; i++) {
		put(h, line, (size_t)snprintf(line, sizeof line, "part\t%s\n", parts[i].prefix));
		part_header(h, &parts[i], true);
		part_header(h, &parts[i], false);
	}
	for (int i = 0; i < parts[0].m->arch.classes; i++) {
		put(h, "class\t", 6);
		put(h, meta->classes[i], strlen(meta->classes[i]));
		put(h, "\n", 1);
	}
	if (meta->extra)
		put(h, meta->extra, strlen(meta->extra));
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

/* The header's value for key, parsed by the caller; NULL when absent. */
static const char *value(char *const *keys, char *const *values, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return values[i];
	return NULL;
}

struct header {
	char **keys, **values;
	int n;
	char *text;
};

static void split_header(const unsigned char *p, size_t n, struct header *h)
{
	h->text = xmalloc(n + 1);
	memcpy(h->text, p, n);
	h->text[n] = 0;
	size_t cap_k = 0, cap_v = 0;
	h->keys = h->values = NULL;
	h->n = 0;
	for (char *line = h->text, *next; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? (*next = 0, next + 1) : line + strlen(line);
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		grow_array(&h->keys, &cap_k, (size_t)h->n + 1, sizeof *h->keys);
		grow_array(&h->values, &cap_v, (size_t)h->n + 1, sizeof *h->values);
		h->keys[h->n] = line;
		h->values[h->n++] = tab + 1;
	}
}

/* The value of the key prefix + key. */
static const char *pvalue(const struct header *h, const char *prefix, const char *key)
{
	char full[CKPT_MAX_PREFIX + 32];
	snprintf(full, sizeof full, "%s%s", prefix, key);
	return value(h->keys, h->values, h->n, full);
}

static bool get_long(const struct header *h, const char *prefix, const char *key, long *v)
{
	const char *s = pvalue(h, prefix, key);
	char *end;
	if (!s)
		return false;
	errno = 0;
	*v = strtol(s, &end, 10);
	return !errno && end != s && !*end;
}

static bool get_float(const struct header *h, const char *prefix, const char *key, float *v)
{
	const char *s = pvalue(h, prefix, key);
	double d;
	if (!s || scan_number(s, &d) != NUMBER_OK)
		return false;
	*v = (float)d;
	return true;
}

/* The architecture of the part of prefix. */
static int read_arch(const struct header *h, const char *prefix, struct arch *a, char *why)
{
	const char *name = pvalue(h, prefix, "arch");
	long c, ht, w, k;
	memset(a, 0, sizeof *a);
	if (!name || strlen(name) >= sizeof a->name || !get_long(h, prefix, "channels", &c) ||
	    !get_long(h, prefix, "height", &ht) || !get_long(h, prefix, "width", &w) ||
	    !get_long(h, prefix, "classes", &k) || !get_float(h, prefix, "width_mult", &a->width_mult) ||
	    k < 2 || k > 1000000 || c < 1 || c > 3 || ht < 1 || ht > 65536 || w < 1 || w > 65536 ||
	    !(a->width_mult > 0 && a->width_mult <= MODEL_MAX_WIDTH_MULT)) {
		snprintf(why, ERRLEN, "its header lacks or garbles the architecture%s%s",
			 *prefix ? " of " : "", prefix);
		return -1;
	}
	strcpy(a->name, name);
	a->channels = (int)c;
	a->height = (int)ht;
	a->width = (int)w;
	a->classes = (int)k;
	return 0;
}

static const char *const part_keys[] = { "arch", "channels", "height", "width", "classes",
					  "width_mult", "optimizer", "momentum", "nesterov",
					  "beta1", "beta2", "eps", "weight_decay", "optim_step" };

/* Whether key is a part's own (bare, or after a part line's prefix), the
 * position or a part line: not the caller's. */
static bool is_known(const struct header *h, const char *key)
{
	if (!strcmp(key, "epoch") || !strcmp(key, "step") || !strcmp(key, "part"))
		return true;
	for (int i = -1; i < h->n; i++) {
		const char *prefix = i < 0 ? "" : strcmp(h->keys[i], "part") == 0 ? h->values[i] : NULL;
		size_t len = prefix ? strlen(prefix) : 0;
		if (!prefix || strncmp(key, prefix, len) != 0)
			continue;
		for (size_t j = 0; j < sizeof part_keys / sizeof part_keys[0]; j++)
			if (strcmp(key + len, part_keys[j]) == 0)
				return true;
	}
	return false;
}

/* The classes (as many as k), position and caller's lines of the header. */
static int read_meta(const struct header *h, int k, struct ckpt_meta *meta, char *why)
{
	if (!get_long(h, "", "epoch", &meta->epoch) || !get_long(h, "", "step", &meta->step) ||
	    meta->epoch < 0 || meta->epoch > 1000000000 || meta->step < 0) {
		snprintf(why, ERRLEN, "its header lacks or garbles the training position");
		return -1;
	}
	meta->classes = xcalloc((size_t)k + 1, sizeof *meta->classes);
	size_t extra = 0;
	int found = 0;
	meta->extra = xmalloc(1);
	meta->extra[0] = 0;
	for (int i = 0; i < h->n; i++) {
		if (strcmp(h->keys[i], "class") == 0) {
			if (found < k)
				meta->classes[found] = xstrdup(h->values[i]);
			found++;
		} else if (!is_known(h, h->keys[i])) {
			size_t add = strlen(h->keys[i]) + strlen(h->values[i]) + 2;
			meta->extra = xrealloc(meta->extra, extra + add + 1);
			sprintf(meta->extra + extra, "%s\t%s\n", h->keys[i], h->values[i]);
			extra += add;
		}
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

static int read_optim(const struct header *h, const char *prefix, struct optim *o, char *why)
{
	const char *kind = pvalue(h, prefix, "optimizer");
	long nesterov;
	memset(o, 0, sizeof *o);
	int k = -1;
	for (int i = 0; i < 3; i++)
		if (strcmp(kind, optim_names[i]) == 0)
			k = i;
	if (k < 0 || !get_float(h, prefix, "momentum", &o->momentum) ||
	    !get_long(h, prefix, "nesterov", &nesterov) || !get_float(h, prefix, "beta1", &o->beta1) ||
	    !get_float(h, prefix, "beta2", &o->beta2) || !get_float(h, prefix, "eps", &o->eps) ||
	    !get_float(h, prefix, "weight_decay", &o->weight_decay) ||
	    !get_long(h, prefix, "optim_step", &o->step)) {
		snprintf(why, ERRLEN, "its header garbles the optimizer");
		return -1;
	}
	o->kind = (enum optim_kind)k;
	o->nesterov = nesterov != 0;
	return 0;
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
static const char *owner(const struct header *h, const struct stored *t)
{
	const char *best = "";
	for (int i = 0; i < h->n; i++) {
		if (strcmp(h->keys[i], "part") != 0)
			continue;
		size_t len = strlen(h->values[i]);
		if (len <= t->len && len > strlen(best) && !memcmp(t->name, h->values[i], len))
			best = h->values[i];
	}
	return best;
}

/* Fills a part's model (and optimizer) from the stored tensors: each must
 * be there once with its shape, and the part may hold no other. */
static int fill(const struct header *h, const struct stored *t, size_t n,
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
static bool has_part(const struct header *h, const char *prefix)
{
	if (!*prefix)
		return true;
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->keys[i], "part") == 0 && strcmp(h->values[i], prefix) == 0)
			return true;
	return false;
}

/* Builds a part's model (and optimizer) from the header; *file_copies:
 * the optimizer state the file holds for it.  left: the floats of the
 * file not yet claimed, which the models' arenas must fit in (a header
 * cannot make us allocate more than the file holds). */
static int build_part(const struct header *h, struct ckpt_part *part, int classes, size_t *left,
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
	bool has_optim = pvalue(h, prefix, "optimizer") != NULL;
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
static int check_parts(const struct header *h, char *why)
{
	for (int i = 0; i < h->n; i++) {
		if (strcmp(h->keys[i], "part") != 0)
			continue;
		const char *p = h->values[i];
		size_t len = strlen(p);
		struct arch arch;
		if (len < 2 || len >= CKPT_MAX_PREFIX || p[len - 1] != '.' || strchr(p, '.') != p + len - 1) {
			snprintf(why, ERRLEN, "its part line '%.40s' is not a prefix X.", p);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(h->keys[j], "part") == 0 && strcmp(h->values[j], p) == 0) {
				snprintf(why, ERRLEN, "it names the part %s twice", p);
				return -1;
			}
		if (read_arch(h, p, &arch, why))
			return -1;
	}
	return 0;
}

/* What a checkpoint whose first model is of a kind is called, and which
 * program writes it. */
static const struct {
	const char *noun, *writer;
} kinds[] = {
	[MODEL_CLASSIFIER] = { "classifier", "clstrain" },
	[MODEL_GENERATOR] = { "GAN", "gantrain" },
	[MODEL_DISCRIMINATOR] = { "discriminator", NULL },
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
	int n = snprintf(why, ERRLEN, "is a %s checkpoint, not a %s's", kinds[is].noun,
			 kinds[want].noun);
	if (kinds[is].writer)
		snprintf(why + n, ERRLEN - (size_t)n, " (made by %s)", kinds[is].writer);
	return -1;
}

static int parse(const unsigned char *p, size_t size, enum model_kind kind,
		 struct ckpt_part *parts, int nparts, struct ckpt_meta *meta, struct header *h,
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
	struct header h = { 0 };
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
	}
	free(h.keys);
	free(h.values);
	free(h.text);
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
	free(meta->extra);
	meta->classes = NULL;
	meta->extra = NULL;
}

int ckpt_extra_numbers(const char *extra, const char *key, int c, float *out)
{
	size_t len = strlen(key);
	for (const char *line = extra; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, key, len) != 0 || line[len] != '\t')
			continue;
		const char *s = line + len + 1;
		for (int ch = 0; ch < c; ch++) {
			size_t n = strcspn(s, ch + 1 < c ? "," : "\n");
			char number[64];
			double v;
			if (n == 0 || n >= sizeof number || s[n] != (ch + 1 < c ? ',' : s[n]))
				return -1;
			memcpy(number, s, n);
			number[n] = 0;
			if (scan_number(number, &v) != NUMBER_OK || !isfinite(v))
				return -1;
			out[ch] = (float)v;
			s += n + 1;
		}
		return 0;
	}
	return -1;
}
