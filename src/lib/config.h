/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"
#include "util.h"

/*
 * The --config file: exemptions an operator grants on purpose, each with
 * a reason. JSON:
 *   {"exempt": [{"name": "legacy-*", "image": "vendor/...", "reason": "..."}]}
 * Globs follow fnmatch(3); every matcher given must match.
 */
struct exemption {
	char *name;  /* container name glob */
	char *image; /* image reference glob */
	char *id;    /* container id prefix */
	char *reason;
};

struct exemptions {
	struct exemption *v;
	size_t n;
	char *source; /* the file they came from */
};

int config_parse(const char *text, size_t len, const char *source, struct exemptions *ret,
		 struct rl_error *err);
int config_load(const char *path, struct exemptions *ret, struct rl_error *err);
void exemptions_release(struct exemptions *ex);

/* The first exemption that matches, or NULL (borrowed). */
const struct exemption *exemptions_match(const struct exemptions *ex, const char *id,
					 const char *name, const char *image);
