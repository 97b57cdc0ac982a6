/* SPDX-License-Identifier: MIT */
/* Placeholder while the quadlet parser is written; replaced in the same change. */
#include "lint.h"
#include "yamldoc.h"
int quadlet_lint(const char *path, struct lint_results *out, struct rl_error *err)
{
	return rl_error_set(err, RL_EUSAGE, "quadlet linting is not built yet");
}
