/* SPDX-License-Identifier: MIT */
#include "report.h"
#include "term.h"

#include <string.h>

/*
 * JUnit XML, for CI systems that show test results. Each workload is a
 * testcase. The suite's counts go in attributes of its opening tag and are
 * only known at the end, so the testcases are buffered (a few hundred
 * bytes each) and the whole suite is written by end().
 */

struct junit_state {
	struct strbuf cases;
	size_t tests;
	size_t failures;
	size_t skipped;
};

/*
 * XML 1.0 forbids most C0 controls outright and a parser stops at them, so
 * bytes from a container go through term_sanitize() first (controls and
 * invalid UTF-8 become \xNN text). What is left to escape is markup, plus
 * U+FFFE and U+FFFF: valid UTF-8 that term_sanitize() passes on, but not
 * XML characters either.
 */
static void junit_add_escaped(struct strbuf *sb, const char *s)
{
	_cleanup_free_ char *clean = term_sanitize(s);
	for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
		switch (*p) {
		case '&':
			strbuf_addstr(sb, "&amp;");
			break;
		case '<':
			strbuf_addstr(sb, "&lt;");
			break;
		case '>':
			strbuf_addstr(sb, "&gt;");
			break;
		case '"':
			strbuf_addstr(sb, "&quot;");
			break;
		case '\'':
			strbuf_addstr(sb, "&apos;");
			break;
		case 0xef:
			if (p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
				strbuf_addf(sb, "\\xef\\xbf\\x%02x", p[2]);
				p += 2;
				break;
			}
			strbuf_addch(sb, (char)*p);
			break;
		default:
			strbuf_addch(sb, (char)*p);
			break;
		}
	}
}

static const char *junit_display_name(const struct workload *w)
{
	if (!str_empty(w->name))
		return w->name;
	if (!str_empty(w->id))
		return w->id;
	return "(unnamed)";
}

/* Reasons joined with sep, then the remediation; escaped. */
static void junit_add_details(struct strbuf *sb, const struct judgement *j, const char *sep)
{
	for (size_t i = 0; i < j->reasons.n; i++) {
		if (i)
			strbuf_addstr(sb, sep);
		junit_add_escaped(sb, j->reasons.v[i]);
	}
	if (!str_empty(j->remediation)) {
		strbuf_addstr(sb, sep);
		junit_add_escaped(sb, j->remediation);
	}
}

static void junit_begin(struct report *r)
{
	r->state = xcalloc(1, sizeof(struct junit_state));
}

static void junit_result(struct report *r, const struct workload *w, const struct judgement *j)
{
	struct junit_state *st = r->state;
	struct strbuf *sb = &st->cases;
	const char *command = r->command ? r->command : "audit";

	st->tests++;
	strbuf_addstr(sb, "    <testcase classname=\"rootlock.");
	junit_add_escaped(sb, command);
	strbuf_addstr(sb, "\" name=\"");
	_cleanup_free_ char *service = w->origin.swarm_service ? result_display_name(w) : NULL;
	junit_add_escaped(sb, service ? service : junit_display_name(w));
	strbuf_addstr(sb, "\">\n");
	if (w->origin.engine) {
		strbuf_addstr(sb, "      <properties>\n        <property name=\"engine\" value=\"");
		junit_add_escaped(sb, w->origin.engine);
		strbuf_addstr(sb, "\"/>\n      </properties>\n");
	}

	bool failed = j->verdict == VERDICT_FAIL || (j->verdict == VERDICT_WARN && r->strict);
	if (failed) {
		st->failures++;
		/* The message is the one-line summary; the body has the advice. */
		strbuf_addf(sb, "      <failure type=\"%s\" message=\"", verdict_name(j->verdict));
		for (size_t i = 0; i < j->reasons.n; i++) {
			if (i)
				strbuf_addstr(sb, "; ");
			junit_add_escaped(sb, j->reasons.v[i]);
		}
		strbuf_addstr(sb, "\">");
		junit_add_details(sb, j, "\n");
		strbuf_addstr(sb, "</failure>\n");
	} else if (j->verdict == VERDICT_EXEMPT) {
		st->skipped++;
		strbuf_addstr(sb, "      <skipped message=\"exempt: ");
		junit_add_escaped(sb, j->exempt_reason);
		strbuf_addstr(sb, "\"/>\n");
	} else if (j->verdict == VERDICT_WARN) {
		/* Not failing without --strict, but the finding must still be seen. */
		strbuf_addstr(sb, "      <system-out>warn: ");
		junit_add_details(sb, j, "\n");
		strbuf_addstr(sb, "</system-out>\n");
	}
	strbuf_addstr(sb, "    </testcase>\n");
}

static void junit_end(struct report *r, const struct report_summary *s)
{
	struct junit_state *st = r->state;
	const char *command = r->command ? r->command : "audit";
	struct strbuf head = STRBUF_INIT;
	(void)s;

	strbuf_addstr(&head, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	strbuf_addf(&head,
		    "<testsuites name=\"rootlock\" tests=\"%zu\" failures=\"%zu\" "
		    "errors=\"0\" skipped=\"%zu\">\n",
		    st->tests, st->failures, st->skipped);
	strbuf_addstr(&head, "  <testsuite name=\"rootlock ");
	junit_add_escaped(&head, command);
	strbuf_addf(&head, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\"",
		    st->tests, st->failures, st->skipped);
	strbuf_addstr(&head, ">\n");
	if (!str_empty(r->source)) {
		strbuf_addstr(&head, "    <properties>\n      <property name=\"source\" value=\"");
		junit_add_escaped(&head, r->source);
		strbuf_addstr(&head, "\"/>\n    </properties>\n");
	}

	fputs(strbuf_str(&head), r->out);
	fputs(strbuf_str(&st->cases), r->out);
	fputs("  </testsuite>\n</testsuites>\n", r->out);

	strbuf_release(&head);
	strbuf_release(&st->cases);
	free(st);
	r->state = NULL;
}

const struct reporter reporter_junit = {
	.name = "junit",
	.begin = junit_begin,
	.result = junit_result,
	.end = junit_end,
};
