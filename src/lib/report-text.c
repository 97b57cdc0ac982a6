/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <string.h>

#include "term.h"

/*
 * The lint format compilers and editors understand:
 *   file:line:col: verdict: subject: reasons
 *       fix: what to change
 * Passing results are counted, not printed.
 */

static void text_begin(struct report *r)
{
	(void)r;
}

static void add_subject(struct strbuf *sb, const struct workload *w)
{
	const struct origin *o = &w->origin;
	if (o->swarm_service) {
		_cleanup_free_ char *name = result_display_name(w);
		strbuf_add_sanitized(sb, name);
	} else if (streq(o->kind, "kubernetes") && o->container) {
		strbuf_addstr(sb, "container \"");
		strbuf_add_sanitized(sb, o->container);
		strbuf_addstr(sb, "\" in ");
		strbuf_add_sanitized(sb, o->workload);
	} else if (streq(o->kind, "quadlet") && o->workload) {
		strbuf_addstr(sb, "unit ");
		strbuf_add_sanitized(sb, o->workload);
	} else if (o->workload) {
		strbuf_addstr(sb, o->container ? "service \"" : "");
		strbuf_add_sanitized(sb, o->workload);
		strbuf_addstr(sb, o->container ? "\"" : "");
	} else {
		strbuf_add_sanitized(sb, w->name ? w->name : w->id);
	}
}

static void text_result(struct report *r, const struct workload *w, const struct judgement *j)
{
	if (j->verdict == VERDICT_PASS)
		return;
	struct strbuf sb = STRBUF_INIT;
	const struct origin *o = &w->origin;
	if (o->file) {
		strbuf_add_sanitized(&sb, o->file);
		strbuf_addf(&sb, ":%d:%d: ", o->line, o->column);
	}
	if (o->engine) {
		strbuf_add_sanitized(&sb, o->engine);
		strbuf_addstr(&sb, ": ");
	}
	strbuf_addf(&sb, "%s: ", verdict_name(j->verdict));
	/* A finding about the file itself (an include cycle, say) has no subject. */
	if (w->origin.workload || w->name || w->id) {
		add_subject(&sb, w);
		strbuf_addstr(&sb, ": ");
	}
	judgement_describe(&sb, j);
	strbuf_addch(&sb, '\n');
	if (j->remediation) {
		strbuf_addstr(&sb, "    fix: ");
		strbuf_add_sanitized(&sb, j->remediation);
		strbuf_addch(&sb, '\n');
	}
	fputs(strbuf_str(&sb), r->out);
	strbuf_release(&sb);
}

static void text_end(struct report *r, const struct report_summary *s)
{
	fprintf(r->out, "%zu result%s: %zu pass, %zu fail, %zu warn, %zu exempt\n", s->total,
		s->total == 1 ? "" : "s", s->counts[VERDICT_PASS], s->counts[VERDICT_FAIL],
		s->counts[VERDICT_WARN], s->counts[VERDICT_EXEMPT]);
}

const struct reporter reporter_text = {
	.name = "text",
	.begin = text_begin,
	.result = text_result,
	.end = text_end,
};
