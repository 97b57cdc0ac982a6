/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <string.h>

#include "fix.h"

#define CONTEXT 3
/*
 * Myers' search keeps a copy of its frontier per edit distance: past this
 * many differing lines the middle is written as one deletion and one
 * insertion, still a correct diff, in bounded memory.
 */
#define MAX_EDIT_DISTANCE 2000

struct line {
	const char *p;
	size_t len; /* with its "\n", when it has one */
	unsigned long long hash;
};

struct lines {
	struct line *v;
	size_t n;
};

static void split_lines(const char *text, size_t len, struct lines *out)
{
	size_t alloc = 16;
	out->v = xmalloc(alloc * sizeof(*out->v));
	out->n = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		if (out->n == alloc) {
			alloc *= 2;
			out->v = xrealloc(out->v, alloc * sizeof(*out->v));
		}
		unsigned long long h = HASH_INIT;
		for (size_t i = at; i < end; i++)
			h = (h ^ (unsigned char)text[i]) * 1099511628211ULL;
		out->v[out->n++] = (struct line){text + at, end - at, h};
		at = end;
	}
}

static bool line_eq(const struct line *a, const struct line *b)
{
	return a->hash == b->hash && a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

enum op_kind { OP_EQUAL, OP_DELETE, OP_INSERT };

struct op {
	enum op_kind kind;
	size_t a, b; /* line indexes in old and new before this op */
};

struct script {
	struct op *v;
	size_t n, alloc;
};

static void op_push(struct script *s, enum op_kind kind, size_t a, size_t b)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 64;
		s->v = xrealloc(s->v, s->alloc * sizeof(*s->v));
	}
	s->v[s->n++] = (struct op){kind, a, b};
}

/*
 * The shortest edit script between a[0..n) and b[0..m), appended to s in
 * order (Myers 1986, greedy forward search, then a walk back through the
 * saved frontiers). Returns false when it is longer than MAX_EDIT_DISTANCE.
 */
static bool myers(const struct line *a, size_t n, const struct line *b, size_t m, size_t a0,
		  size_t b0, struct script *s)
{
	long max = (long)(n + m);
	if (max > MAX_EDIT_DISTANCE)
		max = MAX_EDIT_DISTANCE;
	long width = 2 * max + 3, off = max + 1;
	long *v = xcalloc((size_t)width, sizeof(*v));
	/* trace[d]: the frontier before step d, over k in [-d-1, d+1]. */
	long **trace = xcalloc((size_t)max + 2, sizeof(*trace));
	long found = -1;
	for (long d = 0; d <= max && found < 0; d++) {
		trace[d] = xmalloc((size_t)(2 * d + 3) * sizeof(long));
		memcpy(trace[d], v + off - d - 1, (size_t)(2 * d + 3) * sizeof(long));
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
					 ? v[off + k + 1]
					 : v[off + k - 1] + 1;
			long y = x - k;
			while (x < (long)n && y < (long)m && line_eq(&a[x], &b[y]))
				x++, y++;
			v[off + k] = x;
			if (x >= (long)n && y >= (long)m) {
				found = d;
				break;
			}
		}
	}
	bool ok = found >= 0;
	if (ok) {
		/* Walk back from (n, m), collecting ops in reverse. */
		struct script rev = {0};
		long x = (long)n, y = (long)m;
		for (long d = found; d > 0; d--) {
			const long *t = trace[d] + d + 1; /* t[k] for k in [-d-1, d+1] */
			long k = x - y;
			bool down = k == -d || (k != d && t[k - 1] < t[k + 1]);
			long pk = down ? k + 1 : k - 1;
			long px = t[pk], py = px - pk;
			/* The snake back to where the one insertion or deletion landed. */
			long mid_x = down ? px : px + 1;
			while (x > mid_x) {
				x--, y--;
				op_push(&rev, OP_EQUAL, a0 + (size_t)x, b0 + (size_t)y);
			}
			if (down)
				op_push(&rev, OP_INSERT, a0 + (size_t)px, b0 + (size_t)py);
			else
				op_push(&rev, OP_DELETE, a0 + (size_t)px, b0 + (size_t)py);
			x = px, y = py;
		}
		while (x > 0 && y > 0) {
			x--, y--;
			op_push(&rev, OP_EQUAL, a0 + (size_t)x, b0 + (size_t)y);
		}
		for (size_t i = rev.n; i > 0; i--)
			op_push(s, rev.v[i - 1].kind, rev.v[i - 1].a, rev.v[i - 1].b);
		free(rev.v);
	}
	for (long d = 0; d <= max + 1; d++)
		free(trace[d]);
	free(trace);
	free(v);
	return ok;
}

static void add_line(struct strbuf *sb, char prefix, const struct line *l)
{
	strbuf_addch(sb, prefix);
	strbuf_add(sb, l->p, l->len);
	if (!l->len || l->p[l->len - 1] != '\n')
		strbuf_addstr(sb, "\n\\ No newline at end of file\n");
}

static void add_range(struct strbuf *sb, char sign, size_t start, size_t count)
{
	/* An empty range names the line before it; a one-line range omits its count. */
	if (count == 0)
		strbuf_addf(sb, "%c%zu,0", sign, start);
	else if (count == 1)
		strbuf_addf(sb, "%c%zu", sign, start + 1);
	else
		strbuf_addf(sb, "%c%zu,%zu", sign, start + 1, count);
}

char *fix_unified_diff(const char *old, size_t old_len, const char *new_text, size_t new_len,
		       const char *path)
{
	if (old && old_len == new_len && memcmp(old, new_text, old_len) == 0)
		return xstrdup("");
	struct lines a = {0}, b = {0};
	split_lines(old ? old : "", old ? old_len : 0, &a);
	split_lines(new_text, new_len, &b);

	/* Common head and tail first: a fix changes a few lines of a big file. */
	size_t head = 0, tail = 0;
	while (head < a.n && head < b.n && line_eq(&a.v[head], &b.v[head]))
		head++;
	while (tail < a.n - head && tail < b.n - head &&
	       line_eq(&a.v[a.n - 1 - tail], &b.v[b.n - 1 - tail]))
		tail++;
	struct script s = {0};
	for (size_t i = 0; i < head; i++)
		op_push(&s, OP_EQUAL, i, i);
	size_t an = a.n - head - tail, bn = b.n - head - tail;
	if (!myers(a.v + head, an, b.v + head, bn, head, head, &s)) {
		for (size_t i = 0; i < an; i++)
			op_push(&s, OP_DELETE, head + i, head);
		for (size_t i = 0; i < bn; i++)
			op_push(&s, OP_INSERT, head + an, head + i);
	}
	for (size_t i = 0; i < tail; i++)
		op_push(&s, OP_EQUAL, a.n - tail + i, b.n - tail + i);

	struct strbuf sb = STRBUF_INIT;
	if (old)
		strbuf_addf(&sb, "--- a/%s\n", path);
	else
		strbuf_addstr(&sb, "--- /dev/null\n");
	strbuf_addf(&sb, "+++ b/%s\n", path);
	for (size_t i = 0; i < s.n;) {
		if (s.v[i].kind == OP_EQUAL) {
			i++;
			continue;
		}
		/* A hunk: from CONTEXT lines before this change to CONTEXT after the last
		 * change that is no more than 2 * CONTEXT equal lines from the one before. */
		size_t first = i >= CONTEXT ? i - CONTEXT : 0, last = i;
		for (size_t j = i, equal_run = 0; j < s.n; j++) {
			if (s.v[j].kind == OP_EQUAL) {
				if (++equal_run > 2 * CONTEXT)
					break;
			} else {
				equal_run = 0;
				last = j;
			}
		}
		size_t end = last + CONTEXT + 1 < s.n ? last + CONTEXT + 1 : s.n;
		size_t old_count = 0, new_count = 0;
		for (size_t j = first; j < end; j++) {
			old_count += s.v[j].kind != OP_INSERT;
			new_count += s.v[j].kind != OP_DELETE;
		}
		strbuf_addstr(&sb, "@@ ");
		add_range(&sb, '-', s.v[first].a, old_count);
		strbuf_addch(&sb, ' ');
		add_range(&sb, '+', s.v[first].b, new_count);
		strbuf_addstr(&sb, " @@\n");
		for (size_t j = first; j < end; j++) {
			const struct op *o = &s.v[j];
			if (o->kind == OP_EQUAL)
				add_line(&sb, ' ', &a.v[o->a]);
			else if (o->kind == OP_DELETE)
				add_line(&sb, '-', &a.v[o->a]);
			else
				add_line(&sb, '+', &b.v[o->b]);
		}
		i = end;
	}
	free(s.v);
	free(a.v);
	free(b.v);
	return strbuf_detach(&sb);
}
