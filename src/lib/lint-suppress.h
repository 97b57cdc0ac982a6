/* SPDX-License-Identifier: MIT */
#pragma once

#include "config.h"
#include "lint.h"
#include "rule.h"

/*
 * How lint judges a finding: by the rule with the --config exemptions, then
 * silenced by a comment `# rootlock:ignore REASON` on the finding's line or
 * the line above. A marker without a reason does not count; the judgement
 * says so instead.
 */
#define LINT_IGNORE_MARKER "rootlock:ignore"

/* Whether text holds the marker anywhere: when it does not, no line needs a look. */
bool lint_has_marker(const char *text, size_t len);

/*
 * The file whose text is already at hand (the one just linted), so that its
 * findings' suppressions need no second read. A finding in another file (an
 * included or extended one) reads that file.
 */
struct lint_text {
	const char *path;	   /* as findings name it */
	const struct strbuf *text; /* may be NULL (no text at hand) */
	bool has_marker;	   /* lint_has_marker() of text */
};

/*
 * The reason of the marker on line (or the line above; only above when
 * same_line is false) of path, or NULL. *missing_reason: a marker was there
 * without a reason. at_hand may be NULL; a file that cannot be read
 * suppresses nothing.
 */
char *lint_suppression_at(const struct lint_text *at_hand, const char *path, int line,
			  bool same_line, bool *missing_reason);

/*
 * Judge f: a stand-alone finding keeps its verdict and message, a workload is
 * judged by the rule with ex (may be NULL); a fail or warn is then exempt
 * when a marker with a reason silences it. Fills ret, which the caller releases.
 */
void lint_judge(const struct lint_finding *f, const struct exemptions *ex,
		const struct lint_text *at_hand, struct judgement *ret);
