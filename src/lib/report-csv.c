/* SPDX-License-Identifier: MIT */
#include "report.h"
#include "term.h"

#include <string.h>

/*
 * CSV per RFC 4180 (CRLF, quoted fields, doubled quotes), one row per
 * workload, for spreadsheets and ad-hoc scripts. Rows are written as they
 * come; there is no per-report state.
 */

static const char *const csv_header[] = {
	"id",
	"name",
	"image",
	"state",
	"readonly_rootfs",
	"verdict",
	"reasons",
	"remediation",
	"exempt_reason",
	"compose_project",
	"compose_service",
	"compose_files",
};

/*
 * One field. Container names and labels are attacker-chosen, and a CSV
 * ends up in a spreadsheet: a cell starting with = + - @ (or tab/CR) is
 * taken as a formula there (OWASP "CSV injection"), so it gets a leading
 * ' which spreadsheets treat as "text follows". term_sanitize() has already
 * turned every control character into \xNN, so no raw CR, LF or ESC is
 * left; quoting still covers commas and quotes.
 */
static void csv_add_field(struct strbuf *sb, const char *s, bool first)
{
	_cleanup_free_ char *clean = term_sanitize(s);
	if (!first)
		strbuf_addch(sb, ',');

	bool formula = clean[0] != '\0' && strchr("=+-@\t\r", clean[0]);
	bool quote = strpbrk(clean, ",\"\r\n") != NULL;

	if (quote)
		strbuf_addch(sb, '"');
	if (formula)
		strbuf_addch(sb, '\'');
	for (const char *p = clean; *p; p++) {
		if (*p == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *p);
	}
	if (quote)
		strbuf_addch(sb, '"');
}

static void csv_begin(struct report *r)
{
	if (r->per_engine)
		fputs("engine,", r->out);
	for (size_t i = 0; i < ARRAY_SIZE(csv_header); i++)
		fprintf(r->out, "%s%s", i ? "," : "", csv_header[i]);
	fputs("\r\n", r->out);
}

static void csv_result(struct report *r, const struct workload *w, const struct judgement *j)
{
	struct strbuf row = STRBUF_INIT;
	struct strbuf reasons = STRBUF_INIT;
	const struct origin *o = &w->origin;

	/* Joined raw: each piece is sanitized with the whole field below. */
	for (size_t i = 0; i < j->reasons.n; i++) {
		if (i)
			strbuf_addstr(&reasons, "; ");
		strbuf_addstr(&reasons, j->reasons.v[i]);
	}

	if (r->per_engine)
		csv_add_field(&row, o->engine, true);
	csv_add_field(&row, w->id, !r->per_engine);
	/* The header stays as it was: a service is told by its name, "service NAME". */
	_cleanup_free_ char *name = w->origin.swarm_service ? result_display_name(w) : NULL;
	csv_add_field(&row, name ? name : w->name, false);
	csv_add_field(&row, w->image, false);
	csv_add_field(&row, w->state, false);
	csv_add_field(&row, w->readonly_rootfs ? "true" : "false", false);
	csv_add_field(&row, verdict_name(j->verdict), false);
	csv_add_field(&row, strbuf_str(&reasons), false);
	csv_add_field(&row, j->remediation, false);
	csv_add_field(&row, j->exempt_reason, false);
	csv_add_field(&row, o->compose_project, false);
	csv_add_field(&row, o->compose_service, false);
	csv_add_field(&row, o->compose_files, false);
	strbuf_addstr(&row, "\r\n");

	fputs(strbuf_str(&row), r->out);
	strbuf_release(&reasons);
	strbuf_release(&row);
}

static void csv_end(struct report *r, const struct report_summary *s)
{
	(void)r;
	(void)s;
}

const struct reporter reporter_csv = {
	.name = "csv",
	.begin = csv_begin,
	.result = csv_result,
	.end = csv_end,
};
