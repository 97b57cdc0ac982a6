/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a Compose file, already parsed as the CLI hands it
 * over, through compose_lint and the rule. Nothing is read from disk unless
 * the input names a file in extends or include; those resolve against the
 * fuzzer's working directory and must fail cleanly (or be linted) too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lint.h"
#include "report.h"
#include "rule.h"
#include "yamldoc.h"

#include "findings.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Variables to interpolate; having some also keeps .env from being read. */
static struct compose_env env;

/* Loaded as the CLI does, leaving unread keys empty: the same findings, the same error. */
static void check_unread_same(const uint8_t *data, size_t size, int full_r,
			      const struct rl_error *full_err, const struct lint_results *full)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	if (ystream_load_unread((const char *)data, size, "fuzz.yaml", lint_unread_keys, &s, &err) <
	    0)
		__builtin_trap();
	struct compose_input in = {.path = "fuzz.yaml", .parsed = &s};
	struct lint_results r = {0};
	int rr = compose_lint(&in, 1, &env, &r, &err);
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	findings_text(full, &a);
	findings_text(&r, &b);
	if (rr != full_r || (rr < 0 && strcmp(err.msg, full_err->msg) != 0) ||
	    !streq(strbuf_str(&a), strbuf_str(&b)))
		__builtin_trap();
	lint_results_release(&r);
	ystream_release(&s);
}

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
	int lint_r = compose_lint(&in, 1, &env, &r, &err);
	check_unread_same(data, size, lint_r, &err, &r);
	if (lint_r == 0) {
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
