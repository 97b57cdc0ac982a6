/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "lint-suppress.h"

#include <string.h>

#include "fileio.h"

bool lint_has_marker(const char *text, size_t len)
{
	return text && memmem(text, len, LINT_IGNORE_MARKER, strlen(LINT_IGNORE_MARKER));
}

/* The reason after a marker in a comment of this line, "" when it has none, or NULL. */
static char *marker_reason(const char *line, size_t len)
{
	_cleanup_free_ char *copy = xstrndup(line, len);
	char *hash = strchr(copy, '#');
	char *m = hash ? strstr(hash, LINT_IGNORE_MARKER) : NULL;
	if (!m)
		return NULL;
	char *reason = m + strlen(LINT_IGNORE_MARKER);
	reason += strspn(reason, " \t");
	size_t n = strlen(reason);
	while (n && (reason[n - 1] == ' ' || reason[n - 1] == '\r'))
		reason[--n] = '\0';
	return xstrdup(reason);
}

char *lint_suppression_at(const struct lint_text *at_hand, const char *path, int line,
			  bool same_line, bool *missing_reason)
{
	*missing_reason = false;
	if (!path || line < 1)
		return NULL;
	/* Usually the file just linted; a finding in an extended or included file reads it. */
	_cleanup_strbuf_ struct strbuf other = STRBUF_INIT;
	const struct strbuf *text = at_hand ? at_hand->text : NULL;
	if (text && streq(path, at_hand->path)) {
		/* Most files have no marker: then there is nothing to look for, line by line. */
		if (!at_hand->has_marker)
			return NULL;
	} else {
		if (streq(path, "<stdin>") ||
		    read_file_limited(path, LINT_MAX_FILE_BYTES, &other, NULL) < 0)
			return NULL;
		if (!lint_has_marker(other.buf, other.len))
			return NULL;
		text = &other;
	}
	int current = 1;
	for (const char *p = text->buf; p && *p; current++) {
		const char *eol = strchr(p, '\n');
		if (current == line - 1 || (same_line && current == line)) {
			_cleanup_free_ char *reason =
				marker_reason(p, eol ? (size_t)(eol - p) : strlen(p));
			if (reason && *reason)
				return steal_pointer(&reason);
			if (reason)
				*missing_reason = true;
		}
		if (current >= line)
			break;
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

void lint_judge(const struct lint_finding *f, const struct exemptions *ex,
		const struct lint_text *at_hand, struct judgement *ret)
{
	if (f->standalone) {
		memset(ret, 0, sizeof(*ret));
		ret->verdict = f->verdict;
		strv_add(&ret->reasons, f->message);
	} else {
		rule_judge(&f->w, ex, ret);
	}
	if (ret->verdict == VERDICT_PASS || ret->verdict == VERDICT_EXEMPT)
		return;
	bool missing_reason;
	/* Unit files have no end-of-line comments: there only the line above counts. */
	bool same_line = !streq(f->w.origin.kind, "quadlet");
	char *reason = lint_suppression_at(at_hand, f->w.origin.file, f->w.origin.line, same_line,
					   &missing_reason);
	if (reason) {
		ret->verdict = VERDICT_EXEMPT;
		ret->exempt_reason = reason;
		ret->exempt_source = xasprintf("rootlock:ignore in %s", f->w.origin.file);
		free(ret->remediation);
		ret->remediation = NULL;
	} else if (missing_reason) {
		strv_add(&ret->reasons, "`# rootlock:ignore` needs a reason, so it does not count");
	}
}
