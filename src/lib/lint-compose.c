/* SPDX-License-Identifier: MIT */
/* Placeholder while the compose parser is written; replaced in the same change. */
#include "lint.h"
#include "yamldoc.h"
int compose_lint(const struct compose_input *files, size_t n_files, const struct compose_env *env,
		 struct lint_results *out, struct rl_error *err)
{
	return rl_error_set(err, RL_EUSAGE, "compose linting is not built yet");
}
