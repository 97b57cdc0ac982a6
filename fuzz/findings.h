/* SPDX-License-Identifier: MIT */
/* Shared by the lint fuzz targets that compare two loads of the same input. */
#pragma once

#include "lint.h"
#include "report.h"
#include "rule.h"

/* Findings as text, judged: what the report would say of them. */
static void findings_text(const struct lint_results *r, struct strbuf *out)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct lint_finding *f = &r->v[i];
		const struct origin *o = &f->w.origin;
		strbuf_addf(out, "%d:%d:%d:%d:%s\n", o->line, o->column, f->standalone,
			    (int)f->verdict, f->message ? f->message : "");
		if (f->standalone)
			continue;
		struct judgement j;
		rule_judge(&f->w, NULL, &j);
		result_write_json(out, &f->w, &j);
		judgement_release(&j);
	}
}
