/* SPDX-License-Identifier: MIT */
#include "lint-override.h"

#include <string.h>
#include <unistd.h>

#include "util.h"

static const char *const compose_names[] = {"compose.yaml", "compose.yml", "docker-compose.yaml",
					    "docker-compose.yml"};
static const char *const override_names[] = {"compose.override.yaml", "compose.override.yml",
					     "docker-compose.override.yaml",
					     "docker-compose.override.yml"};

const char *lint_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Bit i for the i-th name of list, 0 when name is not in it. */
static unsigned name_bit(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(name, list[i]))
			return 1u << i;
	return 0;
}

bool lint_is_compose_name(const char *name)
{
	return name_bit(name, compose_names, ARRAY_SIZE(compose_names)) != 0;
}

bool lint_is_override_name(const char *name)
{
	return name_bit(name, override_names, ARRAY_SIZE(override_names)) != 0;
}

void lint_listing_add(struct lint_listing *ls, const char *name)
{
	ls->compose |= name_bit(name, compose_names, ARRAY_SIZE(compose_names));
	ls->override |= name_bit(name, override_names, ARRAY_SIZE(override_names));
}

/*
 * The first of names beside path that can be read, or NULL. present: the bits
 * of the names the directory holds, or NULL for all of them.
 */
static char *sibling_among(const char *path, const char *const *names, size_t n,
			   const unsigned *present)
{
	size_t dir_len = (size_t)(lint_base_name(path) - path);
	for (size_t i = 0; i < n; i++) {
		if (present && !(*present & (1u << i)))
			continue; /* not in the directory, so access() would fail */
		_cleanup_free_ char *candidate = xasprintf("%.*s%s", (int)dir_len, path, names[i]);
		if (access(candidate, R_OK) == 0)
			return steal_pointer(&candidate);
	}
	return NULL;
}

char *lint_override_for(const char *path, const struct lint_listing *ls)
{
	if (!lint_is_compose_name(lint_base_name(path)))
		return NULL;
	return sibling_among(path, override_names, ARRAY_SIZE(override_names),
			     ls ? &ls->override : NULL);
}

bool lint_is_merged_override(const char *path, const struct lint_listing *ls)
{
	if (!lint_is_override_name(lint_base_name(path)))
		return false;
	_cleanup_free_ char *base = sibling_among(path, compose_names, ARRAY_SIZE(compose_names),
						  ls ? &ls->compose : NULL);
	return base != NULL;
}
