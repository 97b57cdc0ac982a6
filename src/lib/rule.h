/* SPDX-License-Identifier: MIT */
#pragma once

#include "config.h"
#include "workload.h"

/* The one rule: is this workload's root filesystem read-only, really? */

enum verdict {
	VERDICT_PASS,	/* read-only and nothing inside can undo it */
	VERDICT_WARN,	/* read-only, but defeatable from inside */
	VERDICT_FAIL,	/* writable */
	VERDICT_EXEMPT, /* writable or defeatable, with a stated reason */
	VERDICT_MAX,
};

struct judgement {
	enum verdict verdict;
	struct strv reasons; /* why, one sentence each */
	char *exempt_reason; /* set when VERDICT_EXEMPT */
	char *exempt_source; /* "label rootlock.exempt" or the config file */
	char *remediation;   /* what to change; NULL for pass and exempt */
};

void judgement_release(struct judgement *j);
const char *verdict_name(enum verdict v);

/* Judge w; exemptions may be NULL. Fills ret, which the caller releases. */
void rule_judge(const struct workload *w, const struct exemptions *ex, struct judgement *ret);

/*
 * Whether a read-only w can still be rewritten from inside through a bind,
 * its process namespace or an exec session (the defeaters rule_judge warns of).
 */
bool rule_has_defeaters(const struct workload *w);

/* One line per writable place, e.g. "tmpfs /run (exec, 16M)". */
void workload_describe_mounts(const struct workload *w, struct strv *ret);
