/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a Compose file, already parsed as the CLI hands it
 * over, through compose_lint and the rule. Nothing is read from disk unless
 * the input names a file in extends or include; those resolve against the
 * fuzzer's working directory and must fail cleanly (or be linted) too.
 */
#include <stddef.h>
#include <stdint.h>

#include "lint.h"
#include "rule.h"
#include "yamldoc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Variables to interpolate; having some also keeps .env from being read. */
static struct compose_env env;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	strv_add(&env.vars, "RO=true");
	strv_add(&env.vars, "NO=false");
	strv_add(&env.vars, "EMPTY=");
	strv_add(&env.vars, "CAP=SYS_ADMIN");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	if (ystream_load((const char *)data, size, "fuzz.yaml", &s, &err) < 0)
		return 0;
	struct compose_input in = {.path = "fuzz.yaml", .parsed = &s};
	struct lint_results r = {0};
	if (compose_lint(&in, 1, &env, &r, &err) == 0) {
		for (size_t i = 0; i < r.n; i++) {
			if (r.v[i].standalone)
				continue;
			struct judgement j;
			rule_judge(&r.v[i].w, NULL, &j);
			judgement_release(&j);
		}
	} else if (r.n) {
		/* On error nothing is added: findings of a half-read project mislead. */
		__builtin_trap();
	}
	lint_results_release(&r);
	ystream_release(&s);
	return 0;
}
