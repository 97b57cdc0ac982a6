/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <string.h>

#include "term.h"

/*
 * The readable table. Column widths depend on every row, so rows are kept
 * (already sanitized) until the end; a row is a few hundred bytes.
 */

/* ENGINE only in an audit of several engines. */
enum { COL_ENGINE, COL_VERDICT, COL_NAME, COL_IMAGE, COL_STATE, COL_ROOTFS, COL_WRITES, COL_MAX };

static const char *const headers[COL_MAX] = {"ENGINE", "VERDICT", "NAME",	 "IMAGE",
					     "STATE",  "ROOTFS",  "WRITES GO TO"};

struct row {
	enum verdict verdict;
	char *cells[COL_MAX];
	char *detail; /* reasons and the fix, shown under the table */
};

struct table_state {
	struct row *rows;
	size_t n, alloc;
};

static const char *verdict_color(enum verdict v)
{
	switch (v) {
	case VERDICT_PASS:
		return "\033[32m";
	case VERDICT_WARN:
		return "\033[33m";
	case VERDICT_FAIL:
		return "\033[31m";
	default:
		return "\033[36m";
	}
}

static void table_begin(struct report *r)
{
	r->state = xcalloc(1, sizeof(struct table_state));
}

static char *writes_cell(const struct workload *w)
{
	struct strv places = STRV_INIT;
	if (!w->readonly_rootfs)
		strv_add(&places, "root filesystem");
	for (size_t i = 0; i < w->n_mounts; i++) {
		const struct mount *m = &w->mounts[i];
		if (!m->writable)
			continue;
		strv_addf(&places, "%s %s%s",
			  m->kind == MOUNT_ANONYMOUS ? "anon-volume" : mount_kind_name(m->kind),
			  m->target, m->kind == MOUNT_TMPFS && m->exec ? " (exec)" : "");
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < places.n; i++) {
		if (i)
			strbuf_addstr(&sb, ", ");
		strbuf_add_sanitized(&sb, places.v[i]);
	}
	if (!places.n)
		strbuf_addstr(&sb, "nowhere");
	strv_release(&places);
	return strbuf_detach(&sb);
}

static char *detail_text(const struct workload *w, const struct judgement *j)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "  ");
	_cleanup_free_ char *name = result_display_name(w);
	strbuf_add_sanitized(&sb, name);
	if (w->origin.engine) {
		strbuf_addstr(&sb, " on ");
		strbuf_add_sanitized(&sb, w->origin.engine);
	}
	strbuf_addstr(&sb, ": ");
	judgement_describe(&sb, j);
	if (j->verdict != VERDICT_EXEMPT)
		strbuf_addch(&sb, '.');
	if (j->remediation) {
		strbuf_addstr(&sb, "\n    fix: ");
		strbuf_add_sanitized(&sb, j->remediation);
	}
	return strbuf_detach(&sb);
}

static void table_result(struct report *r, const struct workload *w, const struct judgement *j)
{
	struct table_state *st = r->state;
	if (st->n == st->alloc) {
		st->alloc = st->alloc ? st->alloc * 2 : 64;
		st->rows = xrealloc(st->rows, st->alloc * sizeof(*st->rows));
	}
	struct row *row = &st->rows[st->n++];
	memset(row, 0, sizeof(*row));
	row->verdict = j->verdict;
	if (r->per_engine)
		row->cells[COL_ENGINE] = term_sanitize(w->origin.engine ? w->origin.engine : "-");
	row->cells[COL_VERDICT] = xstrdup(verdict_name(j->verdict));
	_cleanup_free_ char *name = result_display_name(w);
	row->cells[COL_NAME] = term_sanitize(name);
	row->cells[COL_IMAGE] = term_sanitize(w->image ? w->image : "-");
	row->cells[COL_STATE] = term_sanitize(w->state ? w->state : "-");
	row->cells[COL_ROOTFS] = xstrdup(w->readonly_rootfs ? "ro" : "rw");
	row->cells[COL_WRITES] = writes_cell(w);
	if (j->verdict != VERDICT_PASS)
		row->detail = detail_text(w, j);
}

static void print_cell(struct report *r, const char *text, size_t width, bool last,
		       const char *color)
{
	if (color)
		fprintf(r->out, "%s%s\033[0m", color, text);
	else
		fputs(text, r->out);
	if (last)
		return;
	for (size_t pad = term_width(text); pad < width + 2; pad++)
		fputc(' ', r->out);
}

static void table_end(struct report *r, const struct report_summary *s)
{
	struct table_state *st = r->state;
	int first = r->per_engine ? COL_ENGINE : COL_VERDICT;
	size_t width[COL_MAX];
	for (int c = 0; c < COL_MAX; c++)
		width[c] = strlen(headers[c]);
	for (size_t i = 0; i < st->n; i++)
		for (int c = first; c < COL_MAX; c++) {
			size_t wdt = term_width(st->rows[i].cells[c]);
			if (wdt > width[c])
				width[c] = wdt;
		}
	if (st->n) {
		for (int c = first; c < COL_MAX; c++)
			print_cell(r, headers[c], width[c], c == COL_MAX - 1, NULL);
		fputc('\n', r->out);
	}
	for (size_t i = 0; i < st->n; i++) {
		for (int c = first; c < COL_MAX; c++)
			print_cell(r, st->rows[i].cells[c], width[c], c == COL_MAX - 1,
				   c == COL_VERDICT && r->color ? verdict_color(st->rows[i].verdict)
								: NULL);
		fputc('\n', r->out);
	}

	bool any_detail = false;
	for (size_t i = 0; i < st->n; i++) {
		if (!st->rows[i].detail)
			continue;
		if (!any_detail)
			fputs("\nWhat to change:\n", r->out);
		any_detail = true;
		fprintf(r->out, "%s\n", st->rows[i].detail);
	}

	_cleanup_strbuf_ struct strbuf total = STRBUF_INIT;
	summary_describe_total(&total, s);
	fprintf(r->out, "%s%s: %zu pass, %zu fail, %zu warn, %zu exempt", st->n ? "\n" : "",
		strbuf_str(&total), s->counts[VERDICT_PASS], s->counts[VERDICT_FAIL],
		s->counts[VERDICT_WARN], s->counts[VERDICT_EXEMPT]);
	if (s->skipped)
		fprintf(r->out, " (%zu gone before they could be inspected)", s->skipped);
	fputc('\n', r->out);

	for (size_t i = 0; i < st->n; i++) {
		for (int c = 0; c < COL_MAX; c++)
			free(st->rows[i].cells[c]);
		free(st->rows[i].detail);
	}
	free(st->rows);
	free(st);
	r->state = NULL;
}

const struct reporter reporter_table = {
	.name = "table",
	.begin = table_begin,
	.result = table_result,
	.end = table_end,
};
