/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/*
 * Which files docker compose merges on its own: a base file named
 * compose.yaml (or .yml, or docker-compose.*) with the override file beside
 * it (compose.override.yaml and the like). lint checks the two together, as
 * one project, and does not lint such an override again on its own.
 */

/* Whether a file name (no directory) is one docker compose reads as a base file. */
bool lint_is_compose_name(const char *name);
/* Whether a file name (no directory) is one docker compose reads as an override. */
bool lint_is_override_name(const char *name);

/*
 * Which base and override names a directory holds, as its listing said: a
 * name it does not hold needs no access() (a big tree has a compose.yaml in
 * most directories and an override in few). Zero-initialise, then add each name.
 */
struct lint_listing {
	unsigned compose, override; /* bit i: the i-th name of its kind is there */
};
void lint_listing_add(struct lint_listing *ls, const char *name);

/*
 * The override file docker compose would merge with the base file at path,
 * or NULL (also when path is not a base file). ls: the listing of path's
 * directory, or NULL to look at every name.
 */
char *lint_override_for(const char *path, const struct lint_listing *ls);

/* Whether path is an override whose base sits beside it (ls: as for lint_override_for()). */
bool lint_is_merged_override(const char *path, const struct lint_listing *ls);

/* "a/b/compose.yaml" -> "compose.yaml" (borrowed) */
const char *lint_base_name(const char *path);
