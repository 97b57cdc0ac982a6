/* SPDX-License-Identifier: MIT */
#pragma once

#include "lint.h"

/*
 * A file reached twice (an include, an extends, a path given twice) yields
 * its findings twice: lint reports each once. A finding is known by where it
 * stands and what it is about (file, line, column, workload, container, and
 * for a stand-alone finding its message), kept as a hash: 16 bytes each.
 */
struct lint_seen {
	struct hashset keys;
};

/* True the first time a finding with f's key is seen, false after. */
bool lint_seen_first(struct lint_seen *seen, const struct lint_finding *f);
void lint_seen_release(struct lint_seen *seen);

/* The key: equal for two findings that are one. */
unsigned long long lint_finding_key(const struct lint_finding *f);
