/* SPDX-License-Identifier: MIT */
#pragma once

#include "lint-walk.h"
#include "lint.h"

/*
 * One YAML or JSON file the walk handed on, linted as what its content says
 * it is: Kubernetes manifests by apiVersion and kind, a Compose file by its
 * services (or by its name), merged with the override docker compose would
 * merge with it.
 */

enum lint_doc_kind {
	LINT_DOC_UNKNOWN, /* neither: nothing to check */
	LINT_DOC_COMPOSE,
	LINT_DOC_KUBE,
};

/* What the documents of s are; path is the file's (its name decides when content does not). */
enum lint_doc_kind lint_classify(const struct ystream *s, const char *path);

/*
 * Lint item (LINT_ITEM_YAML), parsing it unless the walk did, findings to
 * out. *ret_kind says what it was. An item the walk could not read or a
 * file that does not parse: -1, err and LINT_DOC_UNKNOWN; a linter's error:
 * -1 and err, findings made before it in out still. The item's text is released once
 * parsed unless it holds a marker, which suppressions need.
 */
int lint_yaml_item(struct lint_item *item, const struct compose_env *env, struct lint_results *out,
		   enum lint_doc_kind *ret_kind, struct rl_error *err);
