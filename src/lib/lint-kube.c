/* SPDX-License-Identifier: MIT */
/* Placeholder while the kube parser is written; replaced in the same change. */
#include "lint.h"
#include "yamldoc.h"
int kube_lint(const struct ystream *docs, const char *file, struct lint_results *out,
	      struct rl_error *err)
{
	return rl_error_set(err, RL_EUSAGE, "kubernetes linting is not built yet");
}
